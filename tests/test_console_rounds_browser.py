"""The door-to-door round in a real Chromium (fixtures from conftest.py): after a storm's urgent
notice, the unit leader works through their list on a phone and the secretary watches the
building's coverage reach 100%."""
from account import notices
from community import rounds
from models.community import Building
from models.community import Community
from models.community import Unit
from models.households import Household
from models.people import Resident
from models.people import Staff
from models.rounds import DoorRound
from models.rounds import RoundHousehold
from models.rounds import RoundMark

PHONE_WIDTH = 375


def _staff(username):
    return Staff.get(Staff.username == username)


def test_a_unit_leader_clears_the_storm_list_on_a_phone_and_coverage_reaches_all(site):
    # The mistakes: a list wider than the phone, buttons too small for a thumb at the door, a
    # double tap counted twice, and a not-at-home household dropping off the list.
    page, url, sign_in = site
    community = Community.get(Community.code == "bajiazhuang")
    building = Building.select().where(Building.community == community).order_by(Building.id).first()
    homes = list(Household.select().join(Unit).where(Unit.building == building).order_by(Household.id))
    for n, home in enumerate(homes):
        if n % 5 in (0, 2):                      # 40% follow the account
            Resident.create(oa_openid="storm-%d" % home.id, subscribed=True, community=community,
                            building=building, unit=home.unit_id, room=home.room, household=home,
                            address_state="confirmed")
    notice = notices.create(_staff("tianbing"), community.id, text="今晚暴雨，请关好门窗", building_id=building.id,
                            urgent=True)
    door_round = DoorRound.get(DoorRound.notice == notice)
    danyuan = _staff("danyuan1")
    mine = list(RoundHousehold.select().where((RoundHousehold.round == door_round)
                                              & (RoundHousehold.leader == danyuan)).order_by(RoundHousehold.id))
    assert mine

    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    sign_in("danyuan1")
    page.click("nav >> text=入户通知")
    page.wait_for_selector("#r%d" % door_round.id)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    first = page.locator("#i%d" % mine[0].id)
    for button in first.locator("button").all():
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
    first.locator("button[data-state=informed]").dblclick()
    page.wait_for_selector("#i%d.informed" % mine[0].id)
    assert RoundMark.select().where(RoundMark.item == mine[0].id).count() == 1

    away = mine[1]
    page.locator("#i%d button[data-state=not_home]" % away.id).click()
    page.wait_for_selector("#i%d.not_home" % away.id)
    for item in mine[2:]:
        page.locator("#i%d button[data-state=informed]" % item.id).click()
        page.wait_for_selector("#i%d.informed" % item.id)
    # Still on the list, with its buttons: the second visit tells them.
    page.locator("#i%d button[data-state=informed]" % away.id).click()
    page.wait_for_selector("#i%d.informed" % away.id)
    assert [m.state for m in RoundMark.select().where(RoundMark.item == away.id).order_by(RoundMark.id)] == [
        "not_home", "informed"]

    # The building leader's part (the other units), then the secretary's view.
    louzhang = _staff("louzhang1")
    for item in RoundHousehold.select().where((RoundHousehold.round == door_round)
                                              & (RoundHousehold.leader == louzhang)):
        rounds.mark(louzhang, item.id, "informed")
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in("tianbing")
    page.goto(url + "/console/rounds/%d" % door_round.id)
    assert page.inner_text("#covered") == "%d/%d" % (len(homes), len(homes))
    assert page.inner_text("#b%d .share" % building.id) == "100%"
