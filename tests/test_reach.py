"""Reaching every household (issue 18): who a notice reaches on WeChat, the leaders' door-to-door
rounds for the others, and leaders' work notices. The demo community 八家庄, on both databases."""
import datetime
import threading

import pytest

from account import notices
from community import reach
from community import rounds
from community import work_notices
from community.demo import seed_demo
from community.demo import seed_second_community
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Community
from models.community import Unit
from models.db import connected
from models.db import utcnow
from models.households import Household
from models.people import Resident
from models.people import Staff
from models.rounds import DoorRound
from models.rounds import LeaderTaskAck
from models.rounds import RoundHousehold
from models.rounds import RoundMark

HOUR = datetime.timedelta(hours=1)


def _staff(username):
    return Staff.get(Staff.username == username)


def _community():
    return Community.get(Community.code == "bajiazhuang")


def _first_building():
    """丰泽园小区 1号楼: 3 units of 28 rooms; louzhang1 leads it, danyuan1 its 1单元."""
    return Building.select().where(Building.community == _community()).order_by(Building.id).first()


def _homes(building):
    return list(Household.select().join(Unit).where(Unit.building == building).order_by(Unit.id, Household.id))


def _follow(households, prefix="f"):
    """A confirmed member who follows the account in each household."""
    for n, home in enumerate(households):
        unit = Unit.get_by_id(home.unit_id)
        Resident.create(oa_openid="%s-%d" % (prefix, home.id), subscribed=True, community=_community(),
                        building=unit.building_id, unit=unit, room=home.room, household=home,
                        address_state="confirmed", nickname="居民%d" % n)


def _reachable_by_hand(households):
    """The households with a confirmed member who follows or uses the mini-program, member by member."""
    ids = {h.id for h in households}
    return {r.household_id for r in Resident.select()
            if r.household_id in ids and r.address_state == "confirmed" and (r.subscribed or r.mp_openid)}


def _item(door_round, household):
    return RoundHousehold.get((RoundHousehold.round == door_round) & (RoundHousehold.household == household))


# -- reach ---------------------------------------------------------------------------------------------
def test_only_a_confirmed_member_who_follows_or_uses_the_mini_program_makes_a_household_reachable(database):
    # The mistakes: counting a follower whose address is only claimed (anyone can claim a room),
    # one who has left the account, or a resident of another room.
    seed_demo()
    unit = _first_building().units.order_by(Unit.id).first()
    homes = {h.room: h for h in Household.select().where(Household.unit == unit)}
    common = dict(community=_community(), building=unit.building_id, unit=unit)
    Resident.create(oa_openid="follows", subscribed=True, household=homes["101"], room="101",
                    address_state="confirmed", **common)
    Resident.create(mp_openid="mini", subscribed=False, household=homes["102"], room="102",
                    address_state="confirmed", **common)
    Resident.create(oa_openid="claims", subscribed=True, household=homes["103"], room="103",
                    address_state="pending", **common)
    Resident.create(oa_openid="left", subscribed=False, household=homes["104"], room="104",
                    address_state="confirmed", **common)
    scope = reach.scope(_community().id, "unit", unit.id)
    rows = {hid: ok for hid, _, _, _, ok in reach.households(scope)}
    assert len(rows) == 28
    reachable = {room for room, h in homes.items() if rows[h.id]}
    # 301 is the demo's 卢兰英, a confirmed follower.
    assert reachable == {"101", "102", "301"}
    assert reach.counts(scope) == (28, 3)
    # A consultation's (or a proposal's) scope is the same scope: reusable for its door work.
    from models.decisions import Consultation
    assert reach.scope_of(Consultation(community=_community().id, scope="unit", unit=unit.id)) == scope
    estate = reach.scope_of(Consultation(community=_community().id, scope="estate",
                                         estate=_first_building().estate_id))
    assert reach.counts(estate)[0] == sum(len(_homes(b)) for b in Building.select().where(
        Building.estate == _first_building().estate_id))


def test_a_scope_in_another_community_is_refused(database):
    seed_demo()
    seed_second_community()
    theirs = Building.select().join(Community).where(Community.code == "guangximen").first()
    with pytest.raises(LinliError) as refused:
        reach.scope(_community().id, "building", theirs.id)
    assert refused.value.code == "bad_scope"
    with pytest.raises(LinliError):
        reach.scope(_community().id, "street")


# -- the storm ------------------------------------------------------------------------------------------
def test_a_storms_urgent_notice_reaches_every_household_of_the_building(database, emulator):
    seed_demo()
    building = _first_building()
    homes = _homes(building)
    assert len(homes) == 84
    _follow([h for n, h in enumerate(homes) if n % 5 in (0, 2)])       # 40% follow the account
    reachable = _reachable_by_hand(homes)
    assert 0.39 < len(reachable) / len(homes) < 0.45                  # the demo's 卢兰英 and 居民小陈 too

    notice = notices.create(_staff("tianbing"), _community().id, text="今晚暴雨，请关好门窗，地下室住户注意防水",
                            building_id=building.id, urgent=True)
    door_round = DoorRound.get(DoorRound.notice == notice)
    assert (door_round.scope, door_round.place_id) == ("building", building.id)
    assert (door_round.households, door_round.reached) == (84, len(reachable))
    assert datetime.timedelta(0) <= door_round.deadline - (notice.send_at + rounds.URGENT_DEADLINE) < HOUR

    # The rest are on the leaders' rounds: 1单元's on its unit leader's, the others on the building's.
    first_unit = building.units.order_by(Unit.id).first()
    danyuan, louzhang = _staff("danyuan1"), _staff("louzhang1")
    expected = {h.id: danyuan.id if h.unit_id == first_unit.id else louzhang.id
                for h in homes if h.id not in reachable}
    items = {i.household_id: i.leader_id for i in RoundHousehold.select().where(
        (RoundHousehold.round == door_round) & (RoundHousehold.state == "open"))}
    assert items == expected
    rows, total = rounds.coverage(door_round.id)
    assert [r["building"] for r in rows] == [building.id]
    assert (total["households"], total["wechat"], total["covered"]) == (84, len(reachable), len(reachable))

    # First evening: every third door does not answer; the others are told.
    leaders = {danyuan.id: danyuan, louzhang.id: louzhang}
    first_pass = sorted(expected)
    away = set(first_pass[::3])
    for household in first_pass:
        item = _item(door_round, household)
        rounds.mark(leaders[item.leader_id], item.id, "not_home" if household in away else "informed")
    _, total = rounds.coverage(door_round.id)
    assert total["covered"] == 84 - len(away) and total["not_home"] == len(away)
    # Not at home stays on the leader's list, and the deadline passed: they are behind.
    mine = rounds.my_items(danyuan)
    open_rooms = [i.household_id for _, items in mine for i in items if i.state in ("open", "not_home")]
    assert sorted(open_rooms) == sorted(h for h in away if expected[h] == danyuan.id)
    assert rounds.behind(_community().id) == []
    late = rounds.behind(_community().id, now=door_round.deadline + HOUR)
    assert {(b["leader"].username, b["open"]) for b in late} == {
        (leaders[leader].username, sum(1 for h in away if expected[h] == leader)) for leader in leaders}

    # Next morning they try again and reach everyone.
    for household in away:
        item = _item(door_round, household)
        rounds.mark(leaders[item.leader_id], item.id, "informed", now=utcnow() + 10 * HOUR)
    rows, total = rounds.coverage(door_round.id)
    assert (total["covered"], total["share"], total["open"]) == (84, 1.0, 0)
    assert rounds.behind(_community().id, now=door_round.deadline + HOUR) == []
    # Each door's history: the evening's not at home, then the morning's informed.
    marks = rounds.history([_item(door_round, h).id for h in away])
    assert all([m.state for m in ms] == ["not_home", "informed"] for ms in marks.values())


def test_a_leader_marking_a_household_outside_their_unit_is_refused(database, emulator):
    seed_demo()
    seed_second_community()
    building = _first_building()
    door_round = rounds.open_round(_staff("tianbing"), _community().id, "周五停水", utcnow() + 24 * HOUR,
                                   kind="building", place_id=building.id)
    second_unit = building.units.order_by(Unit.id)[1]
    outside = RoundHousehold.select().join(Household).where(
        (RoundHousehold.round == door_round) & (Household.unit == second_unit)
        & (RoundHousehold.state == "open")).first()
    # A unit leader reaching into the next unit, a neighbouring community's building leader, and
    # an editor with a console account: none of them knocks there.
    for username in ("danyuan1", "gx_louzhang", "editor"):
        with pytest.raises(PermissionDenied) as refused:
            rounds.mark(_staff(username), outside.id, "informed")
        assert refused.value.code == "not_your_household"
    after = RoundHousehold.get_by_id(outside.id)
    assert (after.state, after.marks, after.marked_by_id) == ("open", 0, None)
    assert RoundMark.select().count() == 0
    # Its own building's leader may, and so may the grid's worker.
    assert rounds.mark(_staff("grid1"), outside.id, "declined")[1]
    with pytest.raises(LinliError) as bad:
        rounds.mark(_staff("louzhang1"), outside.id, "maybe")
    assert bad.value.code == "bad_mark"


def test_a_double_tap_is_one_mark_and_a_second_visit_is_another(database, emulator):
    seed_demo()
    unit = _first_building().units.order_by(Unit.id).first()
    door_round = rounds.open_round(_staff("tianbing"), _community().id, "燃气检修", utcnow() + 24 * HOUR,
                                   kind="unit", place_id=unit.id)
    item = RoundHousehold.get((RoundHousehold.round == door_round) & (RoundHousehold.state == "open"))
    danyuan = _staff("danyuan1")
    assert rounds.mark(danyuan, item.id, "not_home")[1]
    assert not rounds.mark(danyuan, item.id, "not_home")[1]                  # the same tap, twice
    assert rounds.mark(danyuan, item.id, "not_home", now=utcnow() + 3 * HOUR)[1]   # back in the evening
    assert rounds.mark(danyuan, item.id, "informed", now=utcnow() + 4 * HOUR)[1]
    assert not rounds.mark(danyuan, item.id, "informed", now=utcnow() + 5 * HOUR)[1]
    assert [m.state for m in rounds.history([item.id])[item.id]] == ["not_home", "not_home", "informed"]
    assert RoundHousehold.get_by_id(item.id).marks == 3


def test_two_taps_at_once_on_two_workers_leave_one_mark(database, emulator):
    # Two requests of one double tap, each on its own connection (two gunicorn workers).
    seed_demo()
    unit = _first_building().units.order_by(Unit.id).first()
    door_round = rounds.open_round(_staff("tianbing"), _community().id, "燃气检修", utcnow() + 24 * HOUR,
                                   kind="unit", place_id=unit.id)
    items = [i.id for i in RoundHousehold.select().where((RoundHousehold.round == door_round)
                                                         & (RoundHousehold.state == "open")).limit(5)]
    danyuan = _staff("danyuan1")
    errors = []

    def tap(item_id, barrier):
        try:
            with connected():
                barrier.wait()
                rounds.mark(danyuan, item_id, "not_home")
        except Exception as exc:       # noqa: BLE001  (reported below)
            errors.append(exc)

    for item_id in items:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=tap, args=(item_id, barrier)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert RoundMark.select().where(RoundMark.item.in_(items)).count() == len(items)


def test_a_round_on_request_for_a_plain_notice_is_opened_once(database, emulator):
    seed_demo()
    secretary = _staff("tianbing")
    notice = notices.create(secretary, _community().id, text="下周一起换发燃气卡")
    assert not DoorRound.select().exists()                 # not urgent: no round by itself
    first, created = rounds.open_for_notice(secretary, notice.id)
    again, created_again = rounds.open_for_notice(secretary, notice.id)
    assert created and not created_again and first.id == again.id
    assert first.households == Household.select().count()
    # Every household with no one to knock is still listed (as nobody's): none in the demo, where
    # every building has a grid and its worker.
    assert not RoundHousehold.select().where((RoundHousehold.round == first) & (RoundHousehold.state == "open")
                                             & RoundHousehold.leader.is_null()).exists()
    # An urgent notice scheduled far ahead still gets its round, due after its send.
    later = notices.create(secretary, _community().id, text="两个月后全面停水检修", urgent=True,
                           send_at=utcnow() + rounds.MAX_DEADLINE)
    assert DoorRound.get(DoorRound.notice == later).deadline > later.send_at
    with pytest.raises(LinliError) as refused:
        rounds.open_for_notice(_staff("danyuan1"), notice.id)         # a leader cannot open one
    assert refused.value.status == 404
    with pytest.raises(PermissionDenied):
        rounds.open_round(_staff("editor"), _community().id, "x", utcnow() + HOUR)
    with pytest.raises(LinliError) as late:
        rounds.open_round(secretary, _community().id, "x", utcnow() - HOUR)
    assert late.value.code == "bad_deadline"


def test_asking_again_for_a_notices_round_tells_what_is_left_to_visit_now(client, console, emulator):
    # The mistake: the flash read the count at the opening (households - reached), so a round
    # asked for again after leaders had knocked still said every household needed a visit.
    sign_in, csrf = console
    secretary = _staff("tianbing")
    notice = notices.create(secretary, _community().id, text="明早停水抢修", urgent=True)
    door_round = DoorRound.get(DoorRound.notice == notice)
    opening = door_round.households - door_round.reached
    visited = RoundHousehold.select().where((RoundHousehold.round == door_round)
                                            & (RoundHousehold.state == "open")).order_by(RoundHousehold.id)[:3]
    for item in visited:
        rounds.mark(secretary, item.id, "informed")
    assert opening > 3
    sign_in("tianbing")
    answer = client.post("/console/rounds", data={"notice_id": notice.id, "csrf": csrf("/console/rounds")})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/console/rounds/%d" % door_round.id)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "该通知已安排过上门通知：还有 %d 户待上门" % (opening - 3) in page
    assert "%d 户需上门" % opening not in page
    assert DoorRound.select().count() == 1


# -- leaders' work notices ----------------------------------------------------------------------------
def test_a_work_notice_is_acknowledged_by_some_leaders_and_the_others_are_listed(database):
    seed_demo()
    secretary = _staff("tianbing")
    task = work_notices.send_task(secretary, _community().id, "请通知每户：周五8点至12点停水", kind="community")
    acks = {a.staff.username: a for a in LeaderTaskAck.select().where(LeaderTaskAck.task == task)}
    assert {name: a.role for name, a in acks.items()} == {
        "louzhang1": "building_leader", "louzhang2": "building_leader", "danyuan1": "unit_leader"}
    first, now = work_notices.acknowledge(_staff("danyuan1"), task.id)
    assert now
    again, now_again = work_notices.acknowledge(_staff("danyuan1"), task.id, now=utcnow() + HOUR)
    assert not now_again and again.acknowledged_at == first.acknowledged_at      # a second tap keeps the first time
    _, status = work_notices.task_status(secretary, task.id)
    assert [(a.staff.username, a.acknowledged_at is not None) for a in status] == [
        ("louzhang1", False), ("louzhang2", False), ("danyuan1", True)]
    assert work_notices.tasks_of(_community().id)[0][1:] == (1, 3)
    # Someone it was not sent to cannot acknowledge it; a leader cannot send one.
    with pytest.raises(PermissionDenied) as refused:
        work_notices.acknowledge(_staff("grid1"), task.id)
    assert refused.value.code == "not_your_task"
    with pytest.raises(PermissionDenied):
        work_notices.send_task(_staff("louzhang1"), _community().id, "x")
    # A building's notice goes to its own leaders only.
    building_task = work_notices.send_task(secretary, _community().id, "1号楼今晚消防检查", kind="building",
                                           place_id=_first_building().id)
    assert {a.staff.username for a in building_task.acks} == {"louzhang1", "danyuan1"}
    with pytest.raises(LinliError) as nobody:
        work_notices.send_task(secretary, _community().id, "x", kind="building",
                               place_id=Building.select().order_by(Building.id.desc()).first().id)
    assert nobody.value.code == "no_leaders"


# -- the console ------------------------------------------------------------------------------------------
def test_the_console_round_from_a_leaders_taps_to_the_staffs_coverage(client, console, emulator):
    sign_in, csrf = console
    unit = _first_building().units.order_by(Unit.id).first()
    door_round = rounds.open_round(_staff("tianbing"), _community().id, "燃气检修", utcnow() + 24 * HOUR,
                                   kind="unit", place_id=unit.id)
    mine = RoundHousehold.select().where((RoundHousehold.round == door_round)
                                         & (RoundHousehold.state == "open")).order_by(RoundHousehold.id)
    item, other = mine[0], mine[1]
    sign_in("danyuan1")
    assert client.get("/console/rounds").headers["Location"].endswith("/console/rounds/mine")
    page = client.get("/console/rounds/mine").get_data(as_text=True)
    assert 'id="i%d"' % item.id in page and "燃气检修" in page
    token = csrf("/console/rounds/mine")
    for _ in range(2):                                   # a double tap
        answer = client.post("/console/rounds/items/%d" % item.id, data={"state": "informed", "csrf": token})
        assert answer.status_code == 303
    assert RoundMark.select().where(RoundMark.item == item.id).count() == 1
    client.post("/console/rounds/items/%d" % other.id, data={"state": "not_home", "csrf": token})
    assert RoundHousehold.get_by_id(other.id).state == "not_home"
    # A forged form for another unit's household: refused, nothing changed.
    theirs = rounds.open_round(_staff("tianbing"), _community().id, "燃气检修", utcnow() + 24 * HOUR,
                               kind="unit", place_id=_first_building().units.order_by(Unit.id)[1].id)
    foreign = RoundHousehold.get((RoundHousehold.round == theirs) & (RoundHousehold.state == "open"))
    refused = client.post("/console/rounds/items/%d" % foreign.id, data={"state": "informed", "csrf": token})
    assert refused.status_code == 403 and RoundHousehold.get_by_id(foreign.id).state == "open"
    # The staff pages are not the leader's.
    assert client.get("/console/rounds/%d" % door_round.id).status_code == 403

    client.post("/console/logout", data={"csrf": token})
    sign_in("tianbing")
    page = client.get("/console/rounds/%d" % door_round.id).get_data(as_text=True)
    rows, total = rounds.coverage(door_round.id)
    assert "%d/%d" % (total["covered"], total["households"]) in page
    assert total["informed"] == 1 and total["not_home"] == 1
    # A notice WeChat refused reached nobody: its round's page says so.
    notice = notices.create(_staff("tianbing"), _community().id, text="暴雨预警", urgent=True)
    stormy = DoorRound.get(DoorRound.notice == notice)
    assert 'id="notice-not-sent"' not in client.get("/console/rounds/%d" % stormy.id).get_data(as_text=True)
    notice.state = "failed"
    notice.save()
    assert 'id="notice-not-sent"' in client.get("/console/rounds/%d" % stormy.id).get_data(as_text=True)


def test_a_work_notice_sent_and_acknowledged_in_the_console(client, console):
    sign_in, csrf = console
    sign_in("tianbing")
    answer = client.post("/console/rounds/tasks", data={"text": "请通知本楼每户：周五停水", "scope":
                                                       "building:%d" % _first_building().id,
                                                       "csrf": csrf("/console/rounds")})
    assert answer.status_code == 303
    task_url = answer.headers["Location"]
    client.post("/console/logout", data={"csrf": csrf("/console/rounds")})
    sign_in("louzhang1")
    page = client.get("/console/rounds/mine").get_data(as_text=True)
    assert "请通知本楼每户" in page
    task_id = int(task_url.rsplit("/", 1)[1])
    token = csrf("/console/rounds/mine")
    for _ in range(2):
        client.post("/console/rounds/tasks/%d/ack" % task_id, data={"csrf": token})
    assert LeaderTaskAck.select().where(LeaderTaskAck.acknowledged_at.is_null(False)).count() == 1
    client.post("/console/logout", data={"csrf": token})
    sign_in("tianbing")
    page = client.get(task_url).get_data(as_text=True)
    waiting = page.split('id="waiting"')[1].split('id="acknowledged"')[0]
    assert "单元长小张" in waiting and "楼长老王" not in waiting


# -- the staff API -----------------------------------------------------------------------------------------
def test_the_staff_api_gives_a_leader_their_list_and_takes_their_marks(client, database, emulator):
    import jsonschema

    from community.demo import DEMO_PASSWORD
    seed_demo()
    document = client.get("/api/mp/openapi.json").json

    def valid(body, name):
        jsonschema.validate(body, {"$schema": "https://json-schema.org/draft/2020-12/schema",
                                   "components": document["components"], "$ref": "#/components/schemas/" + name})

    def token(username):
        answer = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD})
        return {"Authorization": "Bearer " + answer.json["token"]}
    building = _first_building()
    door_round = rounds.open_round(_staff("tianbing"), _community().id, "周五停水", utcnow() + 24 * HOUR,
                                   kind="building", place_id=building.id)
    task = work_notices.send_task(_staff("tianbing"), _community().id, "请通知本楼每户：周五停水", kind="building",
                                  place_id=building.id)
    leader = token("danyuan1")
    mine = client.get("/api/mp/staff/rounds/mine", headers=leader).json
    valid(mine, "MyRounds")
    items = mine["rounds"][0]["items"]
    assert {i["state"] for i in items} == {"open"} and items[0]["door"].startswith("丰泽园小区 1号楼 1单元 ")
    first = items[0]["id"]
    for _ in range(2):                                     # a double tap
        answer = client.post("/api/mp/staff/rounds/items/%d" % first, headers=leader, json={"state": "informed"})
        assert answer.status_code == 200 and answer.json["state"] == "informed"
        valid(answer.json, "DoorItem")
    assert RoundMark.select().count() == 1
    foreign = RoundHousehold.select().join(Household).where(
        (RoundHousehold.round == door_round) & (RoundHousehold.state == "open")
        & (Household.unit != building.units.order_by(Unit.id).first())).first()
    refused = client.post("/api/mp/staff/rounds/items/%d" % foreign.id, headers=leader, json={"state": "informed"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_your_household"
    bad = client.post("/api/mp/staff/rounds/items/%d" % first, headers=leader, json={"state": "maybe"})
    assert bad.status_code == 400
    # The leader does not see the staff's coverage; the secretary does.
    assert client.get("/api/mp/staff/rounds/%d" % door_round.id, headers=leader).status_code == 404
    covered = client.get("/api/mp/staff/rounds/%d" % door_round.id, headers=token("tianbing")).json
    valid(covered, "RoundCoverage")
    assert covered["total"]["informed"] == 1 and covered["total"]["households"] == 84
    acked = client.post("/api/mp/staff/rounds/tasks/%d/ack" % task.id, headers=leader)
    valid(acked.json, "Acknowledged")
    assert acked.json["acknowledged_at"]
    assert client.post("/api/mp/staff/rounds/tasks/%d/ack" % task.id, headers=token("grid1")).status_code == 403
