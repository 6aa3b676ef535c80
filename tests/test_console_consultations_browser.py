"""征询/表决 in a real Chromium (fixtures from conftest.py): the secretary opens seed 004's green
strip from the form, residents answer online, the unit leader records door voices on a phone
375 px wide, one with a photo of the signed paper; then who has not answered, the close and
the CSV."""
import io
import re
from pathlib import Path

from PIL import Image

from decisions import consultations as consult
from models.community import Building
from models.community import Unit
from models.decisions import Consultation
from models.decisions import Vote
from models.households import Household
from models.people import Resident
from models.people import RoleAssignment

PHONE_WIDTH = 375


def _paper():
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "white").save(out, "JPEG")
    return out.getvalue()


def _member(household, n):
    unit = Unit.get_by_id(household.unit_id)
    building = Building.get_by_id(unit.building_id)
    return Resident.create(mp_openid="b-consult-%d" % n, nickname="邻居%d" % n, community=building.community_id,
                           building=building.id, unit=unit.id, room=household.room, household=household.id,
                           address_state="confirmed")


def test_the_green_strip_opened_recorded_at_the_door_on_a_phone_and_closed(site, settings):
    page, url, sign_in = site
    unit = RoleAssignment.get(RoleAssignment.role == "unit_leader").unit
    building = Building.get_by_id(unit.building_id)
    owners = list(Household.select().where((Household.unit == unit) & (Household.occupancy == "owner"))
                  .order_by(Household.id))

    sign_in("tianbing")
    page.click("nav >> text=征询")
    page.click("#new-consultation")
    page.check("input[name=scope][value=estate]")
    page.select_option("#estate_id", str(building.estate_id))
    page.fill("#question", "是否同意将荒废的绿化带改建为步行道")
    page.fill("#description", "八家庄：工作人员和志愿者逐户征求意见。")
    page.check("input[name=rule][value=owners_art278_major]")
    assert "四分之三以上同意" in page.inner_text("#sentence-owners_art278_major")
    page.check("#named_export")
    page.click("#open-consultation")
    page.wait_for_selector("text=已发起征询")
    strip = Consultation.get()
    assert (strip.scope, strip.estate_id, strip.rule) == ("estate", building.estate_id, "owners_art278_major")
    roll = len(consult.roll_of(strip))

    for n, home in enumerate(owners[:3]):
        consult.cast(_member(home, n), strip, 0)

    # The mistakes a phone page makes: wider than the screen, targets too small for a thumb.
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    sign_in("danyuan1")
    page.click("nav >> text=入户代录")
    page.wait_for_selector("#door-households")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    shown = {int(n) for n in re.findall(r'id="h(\d+)"', page.content())}
    assert shown == {h.id for h in Household.select().where(Household.unit == unit)}
    assert page.inner_text("#state-%d" % owners[0].id).startswith("已自行表态")

    first, second = owners[3], owners[4]
    card = page.locator("#h%d" % first.id)
    card.locator("summary").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    for target in (card.locator("summary"), card.locator("label.choice").first, card.locator("button")):
        assert target.bounding_box()["height"] >= 44
    card.locator("label.choice >> text=同意").first.click()
    card.locator("input[type=file]").set_input_files(
        {"name": "signed.jpg", "mimeType": "image/jpeg", "buffer": _paper()})
    card.locator("button").click()
    page.wait_for_selector("text=附签字照片")
    vote = Vote.get((Vote.consultation == strip) & (Vote.household == first.id))
    assert vote.choice == 0 and vote.photo and (Path(settings.MEDIA_DIR) / vote.photo).is_file()
    assert page.inner_text("#state-%d" % first.id).startswith("已代录")

    card = page.locator("#h%d" % second.id)
    card.locator("summary").click()
    card.locator("label.choice >> text=不同意").click()
    card.locator("button").click()
    page.wait_for_selector("#state-%d >> text=已代录：不同意" % second.id)

    # A stale page: the household answered online after the list was loaded.
    late = owners[5]
    card = page.locator("#h%d" % late.id)
    card.locator("summary").click()
    consult.cast(_member(late, 99), strip, 1)
    card.locator("label.choice >> text=同意").first.click()
    card.locator("button").click()
    page.wait_for_selector("text=未能代录：该户已自行表态，不能代录覆盖")
    # A hand-edited form: another unit's household put into one of this unit's cards.
    far = Household.select().join(Unit).where((Unit.building == building) & (Unit.id != unit.id)
                                              & (Household.occupancy == "owner")).first()
    target = owners[6]
    card = page.locator("#h%d" % target.id)
    card.locator("summary").click()
    card.locator("input[name=household_id]").evaluate("(input, id) => input.value = id", str(far.id))
    card.locator("label.choice >> text=同意").first.click()
    card.locator("button").click()
    page.wait_for_selector("text=未能代录：只有该户所在单元长")
    assert not Vote.select().where(Vote.household.in_([far.id, target.id])).exists()
    assert Vote.select().where(Vote.consultation == strip).count() == 6

    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in("tianbing")
    page.goto(url + "/console/consultations/%d" % strip.id)
    assert page.inner_text("#unanswered-count") == "%d 户" % (roll - 6)
    assert page.locator("#unanswered li.household").count() == roll - 6
    assert page.locator("#u%d" % owners[0].id).count() == 0 and page.locator("#u%d" % target.id).count() == 1
    with page.expect_download() as download:
        page.click("#export")
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + roll and sum("入户代录" in line for line in lines) == 2
    page.click("#close-now")
    page.wait_for_selector("text=征询已结束，结果已保存")
    assert page.inner_text("#outcome") == "未通过"
    assert "不满足" in page.inner_text("#checks")
    assert Consultation.get_by_id(strip.id).outcome == "failed"
