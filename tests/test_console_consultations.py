"""征询/表决 in the staff console (the test client, both databases): seed 004's green strip opened
from the form, voices cast online and recorded at the door with a photo of the signed paper,
who has not answered, the close and the CSV; and the refusals: bad input brings the form back
with nothing opened, a double submit opens one, wrong roles and another community find nothing,
a leader cannot record over a household's own voice or for another unit."""
import datetime
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from community.demo import DEMO_PASSWORD
from community.demo import seed_second_community
from decisions import consultations as consult
from linli.clock import local
from models.community import Building
from models.community import Unit
from models.db import utcnow
from models.decisions import Consultation
from models.decisions import Vote
from models.households import Household
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff
from tests.test_consultations import in_threads

QUESTION = "是否同意将小区内荒废的绿化带改建为居民步行道"


@pytest.fixture
def estate(console):
    """单元长小张's unit in its estate (丰泽园小区), its owners' rooms, and a way to seat residents."""
    unit = RoleAssignment.get(RoleAssignment.role == "unit_leader").unit
    building = Building.get_by_id(unit.building_id)
    rooms = list(Household.select().where((Household.unit == unit) & (Household.occupancy == "owner"))
                 .order_by(Household.id))
    other = Household.select().join(Unit).where((Unit.building == building) & (Unit.id != unit.id)
                                                & (Household.occupancy == "owner")).first()
    return {"sign_in": console[0], "csrf": console[1], "unit": unit, "building": building, "rooms": rooms,
            "other_unit_home": other}


_seq = iter(range(1, 10 ** 6))


def member(household, phone=None):
    unit = Unit.get_by_id(household.unit_id)
    building = Building.get_by_id(unit.building_id)
    n = next(_seq)
    return Resident.create(mp_openid="m-consult-%d" % n, nickname="邻居%d" % n, community=building.community_id,
                           building=building.id, unit=unit.id, room=household.room, household=household.id,
                           address_state="confirmed", phone=phone)


def form(estate, **changes):
    now = local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    fields = {"scope": "estate", "estate_id": str(estate["building"].estate_id),
              "building_id": str(estate["building"].id), "unit_id": str(estate["unit"].id),
              "question": QUESTION, "description": "八家庄：绿化带长期荒废，居民提议改建为步行道。",
              "options": "同意\n不同意\n弃权", "rule": "owners_art278_major", "quorum": "", "needed": "",
              "opens_at": (now - datetime.timedelta(minutes=5)).isoformat(),
              "closes_at": (now + datetime.timedelta(days=7)).isoformat(), "named_export": "1"}
    fields.update(changes)
    return fields


def post(client, estate, path, **data):
    return client.post(path, data=dict(data, csrf=estate["csrf"]("/console/")))


def text(answer):
    return answer.get_data(as_text=True)


def paper():
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, "PNG")
    return out.getvalue()


def votes():
    """What a refused action must leave as it was."""
    return [(v.household_id, v.choice, v.resident_id, v.recorded_by_id, v.photo)
            for v in Vote.select().order_by(Vote.id)]


def opened(client, estate, **changes):
    estate["sign_in"]("tianbing")
    answer = post(client, estate, "/console/consultations/new", **form(estate, **changes))
    assert answer.status_code == 303, text(answer)
    return Consultation.get_by_id(int(answer.headers["Location"].rsplit("/", 1)[1]))


def test_the_green_strip_from_the_form_to_the_close(client, estate, settings):
    # Seed 004: should the neglected green strip become a walking path? A change of a common
    # part's use: Art. 278's major matter, decided by the estate's owners.
    estate["sign_in"]("tianbing")
    page = text(client.get("/console/consultations/new"))
    assert consult.RULE_SENTENCES["owners_art278_major"] in page and 'id="consultation-form"' in page
    strip = opened(client, estate)
    assert (strip.scope, strip.estate_id, strip.rule, strip.named_export) == (
        "estate", estate["building"].estate_id, "owners_art278_major", True)
    roll = len(consult.roll_of(strip))
    assert roll == Household.select().join(Unit).join(Building).where(
        Building.estate == estate["building"].estate_id).count()
    listed = text(client.get("/console/consultations"))
    assert 'id="c%d"' % strip.id in listed and "0 / %d" % roll in listed and "进行中" in listed

    rooms = estate["rooms"]
    for home in rooms[:3]:
        consult.cast(member(home), strip, 0)
    estate["sign_in"]("danyuan1")
    door = text(client.get("/console/door/%d" % strip.id))
    assert door.count('class="household"') == len([h for h in Household.select().where(
        Household.unit == estate["unit"])]) and "已自行表态" in door
    answer = client.post("/console/door/%d" % strip.id, content_type="multipart/form-data", data={
        "household_id": str(rooms[3].id), "choice": "0", "csrf": estate["csrf"]("/console/"),
        "photo": (io.BytesIO(paper()), "signed.png")})
    assert answer.status_code == 303
    recorded = Vote.get((Vote.consultation == strip) & (Vote.household == rooms[3].id))
    assert recorded.recorded_by.username == "danyuan1" and recorded.photo
    assert (Path(settings.MEDIA_DIR) / recorded.photo).is_file()
    post(client, estate, "/console/door/%d" % strip.id, household_id=str(rooms[4].id), choice="1")
    after = text(client.get("/console/door/%d" % strip.id))
    assert 'id="photo-%d"' % rooms[3].id in after and 'id="photo-%d"' % rooms[4].id not in after
    assert re.search(r'id="state-%d">已代录：不同意' % rooms[4].id, after)

    estate["sign_in"]("tianbing")
    page = text(client.get("/console/consultations/%d" % strip.id))
    assert consult.rule_sentence(strip) in page and "目前的表态" in page
    assert re.search(r'id="unanswered-count">%d 户' % (roll - 5), page)
    assert page.count('<li class="household" id="u') == roll - 5
    answer = post(client, estate, "/console/consultations/%d/close" % strip.id)
    assert answer.status_code == 303
    page = text(client.get(answer.headers["Location"]))
    closed = Consultation.get_by_id(strip.id)
    # Five owners of hundreds: Art. 278's two-thirds participation is far off.
    assert (closed.state, closed.outcome) == ("closed", "failed") and "征询已结束，结果已保存" in page
    assert 'id="outcome">未通过' in page and "不满足" in page and "截止时计算并保存" in page
    again = post(client, estate, "/console/consultations/%d/close" % strip.id)
    assert "征询已结束" in text(client.get(again.headers["Location"]))
    assert Consultation.get_by_id(strip.id).closed_at == closed.closed_at

    csv = client.get("/console/consultations/%d/votes.csv" % strip.id)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = text(csv).splitlines()
    assert len(lines) == 1 + roll and sum("入户代录" in line for line in lines) == 2


def test_a_leader_is_refused_over_a_households_own_voice_and_for_another_unit(client, estate):
    strip = opened(client, estate)
    own = estate["rooms"][0]
    consult.cast(member(own), strip, 1)
    estate["sign_in"]("danyuan1")
    before = votes()
    # The mistake: a leader overwriting what the household said itself.
    answer = post(client, estate, "/console/door/%d" % strip.id, household_id=str(own.id), choice="0")
    assert answer.status_code == 303 and votes() == before
    assert "该户已自行表态，不能代录覆盖" in text(client.get(answer.headers["Location"]))
    # The attack: a hand-made post for a household of the next unit, not theirs to speak for.
    far = estate["other_unit_home"]
    answer = client.post("/console/door/%d" % strip.id, content_type="multipart/form-data", data={
        "household_id": str(far.id), "choice": "0", "csrf": estate["csrf"]("/console/"),
        "photo": (io.BytesIO(paper()), "signed.png")})
    assert votes() == before
    assert "只有该户所在单元长" in text(client.get(answer.headers["Location"]))
    # A let flat's page says its tenants have no voice under Art. 278: the owner's signed paper does.
    tenant = Household.get((Household.unit == estate["unit"]) & (Household.occupancy == "tenant"))
    page = text(client.get("/console/door/%d?unit=%d" % (strip.id, estate["unit"].id)))
    assert "出租房屋：租户不参与表决" in page and 'id="record-%d"' % tenant.id in page
    # …and a closed consultation takes none.
    consult.close(strip, staff=RoleAssignment.get(RoleAssignment.role == "secretary").staff)
    answer = post(client, estate, "/console/door/%d" % strip.id, household_id=str(estate["rooms"][1].id), choice="0")
    assert votes() == before and "征询已截止" in text(client.get(answer.headers["Location"]))


def test_a_unit_leader_sees_only_their_units_households_with_phones_masked(client, estate):
    strip = opened(client, estate)
    member(estate["rooms"][2], phone="13812345678")
    member(estate["other_unit_home"], phone="13987654321")
    estate["sign_in"]("danyuan1")
    page = text(client.get("/console/door/%d" % strip.id))
    shown = {int(n) for n in re.findall(r'<li class="household" id="h(\d+)"', page)}
    assert shown == {h.id for h in Household.select().where(Household.unit == estate["unit"])}
    assert "138****5678" in page and "13812345678" not in page and "9876" not in page
    # The door list picks the consultation on its own when there is one to record.
    assert client.get("/console/door").headers["Location"].endswith("/console/door/%d" % strip.id)
    estate["sign_in"]("tianbing")
    assert "13812345678" in text(client.get("/console/consultations/%d" % strip.id))


def test_a_building_leader_picks_a_unit_then_records_there(client, estate):
    # A phone cannot show a whole building's doors at once: one stairwell at a time.
    strip = opened(client, estate)
    units = list(Unit.select().where(Unit.building == estate["building"]).order_by(Unit.id))
    assert len(units) > 1
    estate["sign_in"]("louzhang1")
    chooser = text(client.get("/console/door/%d" % strip.id))
    assert [int(n) for n in re.findall(r'id="unit-(\d+)"', chooser)] == [u.id for u in units]
    second = units[1]
    page = text(client.get("/console/door/%d?unit=%d" % (strip.id, second.id)))
    shown = {int(n) for n in re.findall(r'<li class="household" id="h(\d+)"', page)}
    assert shown == {h.id for h in Household.select().where(Household.unit == second)}
    home = Household.get((Household.unit == second) & (Household.occupancy == "owner"))
    answer = post(client, estate, "/console/door/%d" % strip.id, household_id=str(home.id), choice="0",
                  unit=str(second.id))
    assert answer.headers["Location"].endswith("/console/door/%d?unit=%d#h%d" % (strip.id, second.id, home.id))
    assert Vote.get(Vote.household == home.id).recorded_by.username == "louzhang1"
    # A unit of another building in the address bar shows the chooser again, never its doors.
    elsewhere = Unit.select().where(Unit.building != estate["building"]).first()
    assert 'id="door-units"' in text(client.get("/console/door/%d?unit=%d" % (strip.id, elsewhere.id)))


@pytest.mark.parametrize("changes, code_text, mistake", [
    ({"question": "  "}, "请填写征询事项", "no question"),
    ({"options": "同意"}, "请给出2到10个不同的选项", "one option: nothing to choose"),
    ({"options": "同意\n同意"}, "请给出2到10个不同的选项", "the same option twice"),
    ({"closes_at": "2020-01-01T08:00"}, "截止时间应晚于", "a closing time already past"),
    ({"closes_at": "tomorrow"}, "时间格式", "a time that is not one"),
    ({"rule": "unit_consent"}, "单元同意规则只用于一个单元", "a unit's consent over an estate"),
    ({"rule": "households_majority", "quorum": "abc"}, "比例应写作分数", "a quorum that is not a share"),
    ({"rule": "unanimity"}, "规则应为", "a rule the law does not know"),
    ({"scope": "estate", "estate_id": "999999"}, "小区不存在", "another place's id"),
])
def test_bad_input_brings_the_form_back_with_the_reason_and_opens_nothing(client, estate, changes, code_text,
                                                                           mistake):
    estate["sign_in"]("tianbing")
    answer = post(client, estate, "/console/consultations/new", **form(estate, **changes))
    assert answer.status_code == 422, mistake
    page = text(answer)
    assert 'id="form-error"' in page and code_text in page, mistake
    assert Consultation.select().count() == 0, mistake
    assert "八家庄：绿化带长期荒废" in page, mistake          # what was typed is kept


def test_a_double_submit_opens_one_consultation(client, estate):
    # The mistake: a double click, or Back and send again, on a slow connection.
    first = opened(client, estate)
    answer = post(client, estate, "/console/consultations/new", **form(estate))
    assert answer.headers["Location"].endswith("/console/consultations/%d" % first.id)
    assert "未重复创建" in text(client.get(answer.headers["Location"]))
    assert Consultation.select().count() == 1
    other = post(client, estate, "/console/consultations/new", **form(estate, question="是否增设晾衣架"))
    assert other.status_code == 303 and Consultation.select().count() == 2


def test_one_form_sent_into_two_workers_at_once_opens_one(estate):
    # The race: a double click whose two posts reach two workers together; the staff's row lock
    # (PostgreSQL) or SQLite's one writer makes the second find the first.
    secretary = Staff.get(Staff.username == "tianbing")
    closes = utcnow() + datetime.timedelta(days=7)
    outcomes = in_threads([lambda: consult.open_once(secretary, estate["building"].community_id, "estate", QUESTION,
                                                     closes, rule="owners_art278_major",
                                                     estate_id=estate["building"].estate_id)] * 4)
    assert sorted(created for _, created in outcomes) == [False, False, False, True]
    assert len({c.id for c, _ in outcomes}) == 1 and Consultation.select().count() == 1


def test_the_params_a_rule_takes_are_kept_and_shown(client, estate):
    unit_vote = opened(client, estate, scope="unit", rule="unit_consent", needed="3/4", question="加装电梯")
    assert unit_vote.unit_id == estate["unit"].id
    assert consult.rule_sentence(unit_vote) == "本单元住户中达到规定比例（3/4）同意即通过"
    assert "（3/4）" in text(client.get("/console/consultations/%d" % unit_vote.id))


def test_wrong_roles_are_refused_pages_and_actions(client, estate):
    strip = opened(client, estate)
    before = (votes(), Consultation.select().count())
    for username in ("editor", "wuye", "danyuan1", "louzhang1"):
        estate["sign_in"](username)
        for path in ("/console/consultations", "/console/consultations/new", "/console/consultations/%d" % strip.id,
                     "/console/consultations/%d/votes.csv" % strip.id):
            assert client.get(path).status_code == 403, (username, path)
        assert post(client, estate, "/console/consultations/new", **form(estate, question="x")).status_code == 403
        assert post(client, estate, "/console/consultations/%d/close" % strip.id).status_code == 403
        assert (votes(), Consultation.select().count()) == before, username
    estate["sign_in"]("editor")
    assert client.get("/console/door/%d" % strip.id).status_code == 403
    assert post(client, estate, "/console/door/%d" % strip.id, household_id=str(estate["rooms"][0].id),
                choice="0").status_code == 403
    # A grid worker opens for their own grid's buildings only, and follows no estate-wide vote.
    estate["sign_in"]("grid2")
    assert post(client, estate, "/console/consultations/new", **form(estate, scope="unit", question="y")).status_code \
        == 403
    assert client.get("/console/consultations/%d" % strip.id).status_code == 403
    assert post(client, estate, "/console/consultations/%d/close" % strip.id).status_code == 403
    assert (votes(), Consultation.select().count()) == before and Consultation.get_by_id(strip.id).state == "open"


def test_another_communitys_secretary_finds_nothing(client, estate):
    # The attack: 光熙门's secretary guessing 八家庄's consultation ids.
    strip = opened(client, estate)
    seed_second_community()
    estate["sign_in"]("gx_shuji")
    before = votes()
    assert 'id="c%d"' % strip.id not in text(client.get("/console/consultations"))
    assert client.get("/console/consultations/%d" % strip.id).status_code == 404
    assert client.get("/console/door/%d" % strip.id).status_code == 404
    assert post(client, estate, "/console/door/%d" % strip.id, household_id=str(estate["rooms"][0].id),
                choice="0").status_code == 404
    assert post(client, estate, "/console/consultations/%d/close" % strip.id).status_code == 404
    assert votes() == before and Consultation.get_by_id(strip.id).state == "open"


# -- the staff API's door route with the paper ----------------------------------------------------------
def test_the_staff_api_records_a_door_voice_with_the_photo_of_its_paper(client, estate, settings):
    strip = opened(client, estate)
    token = client.post("/api/mp/staff/login", json={"username": "danyuan1", "password": DEMO_PASSWORD}).json["token"]
    leader = {"Authorization": "Bearer " + token}
    path = "/api/mp/staff/consultations/%d/door/paper" % strip.id
    home, own = estate["rooms"][0], estate["rooms"][1]
    answer = client.post(path, headers=leader, content_type="multipart/form-data",
                         data={"household_id": str(home.id), "choice": "0", "photo": (io.BytesIO(paper()), "p.png")})
    assert answer.status_code == 201, answer.json
    vote = Vote.get(Vote.household == home.id)
    assert vote.recorded_by.username == "danyuan1" and (Path(settings.MEDIA_DIR) / vote.photo).is_file()
    consult.cast(member(own), strip, 1)
    stored_files = sorted(p for p in Path(settings.MEDIA_DIR).rglob("*.jpg"))
    before = votes()
    # The mistakes and attacks: over the household's own voice, the next unit's household, a
    # file that is no image, no photo at all, a choice that is not an option.
    far = estate["other_unit_home"]
    for data, status, code in (
            ({"household_id": str(own.id), "choice": "0", "photo": (io.BytesIO(paper()), "p.png")}, 409,
             "cast_by_household"),
            ({"household_id": str(far.id), "choice": "0", "photo": (io.BytesIO(paper()), "p.png")}, 403,
             "not_your_household"),
            ({"household_id": str(estate["rooms"][2].id), "choice": "0",
              "photo": (io.BytesIO(b"%PDF-1.4 not an image"), "p.png")}, 422, "not_an_image"),
            ({"household_id": str(estate["rooms"][2].id), "choice": "0"}, 400, "missing_file"),
            ({"household_id": str(estate["rooms"][2].id), "choice": "7", "photo": (io.BytesIO(paper()), "p.png")},
             422, "bad_choice")):
        answer = client.post(path, headers=leader, content_type="multipart/form-data", data=data)
        assert (answer.status_code, answer.json["error"]["code"]) == (status, code), answer.json
    assert votes() == before
    # No paper is kept for a voice refused.
    assert sorted(p for p in Path(settings.MEDIA_DIR).rglob("*.jpg")) == stored_files


def test_a_mistaken_consultation_is_withdrawn_until_a_household_speaks(client, estate, emulator):
    # The mistake: a secretary who opened one with the wrong rule could only close it, which
    # announces a "failed" result to the scope's followers.
    strip = opened(client, estate)
    page = text(client.get("/console/consultations/%d" % strip.id))
    assert 'id="withdraw"' in page
    answer = post(client, estate, "/console/consultations/%d/withdraw" % strip.id)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/console/consultations")
    assert not Consultation.select().where(Consultation.id == strip.id).exists()
    assert not emulator.calls("cgi-bin/message/mass/sendall")
    spoken = opened(client, estate, question="另一项征询")
    consult.cast(member(estate["rooms"][0]), spoken, 0)
    assert 'id="withdraw"' not in text(client.get("/console/consultations/%d" % spoken.id))
    answer = post(client, estate, "/console/consultations/%d/withdraw" % spoken.id)
    assert "已有住户表态，征询不能撤回" in text(client.get(answer.headers["Location"]))
    assert Consultation.select().where(Consultation.id == spoken.id).exists() and len(votes()) == 1
