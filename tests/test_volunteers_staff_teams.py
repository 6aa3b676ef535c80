"""The building's volunteers on the leader's mini-program pages (issue 19 item 2): GET
/api/mp/staff/volunteers/teams answers the teams the signed-in staff member manages, with the
requests waiting and the next activities' places. The Town of tests/test_volunteers.py."""
import pytest

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.community import Building
from models.db import utcnow
from models.volunteers import Activity
from tests.test_volunteers import HOUR
from tests.test_volunteers import Town
from tests.test_volunteers import ok
from tests.test_volunteers import refused
from volunteers import activities
from volunteers import teams
from volunteers.teams import Actor

PATH = "/api/mp/staff/volunteers/teams"


@pytest.fixture
def town(client, database, emulator):
    seed_demo()
    return Town(client, emulator)


def _token(town, username):
    return ok(town.call("post", "/api/mp/staff/login", body={"username": username, "password": DEMO_PASSWORD}))["token"]


def _building_team(town, building, name):
    return teams.create_team(town.secretary, town.community.id, name, building_id=building.id)


def test_a_building_leader_sees_their_buildings_team_with_requests_and_places(town):
    ours = _building_team(town, town.building, "1号楼公益小分队")
    second = Building.select().where((Building.community == town.community) & (Building.id != town.building.id)) \
        .order_by(Building.id).first()
    theirs = _building_team(town, second, "2号楼公益小分队")
    _, asker = town.resident()
    teams.join(asker, ours.id)
    soon = town.activity(ours, starts_in=2 * HOUR, capacity=5)
    _, volunteer = town.resident()
    activities.sign_up(volunteer, soon.id)
    later = town.activity(ours, starts_in=30 * HOUR, title="敲门送温暖")
    ended = town.activity(ours, starts_in=2 * HOUR, title="已结束的活动")
    Activity.update(starts_at=utcnow() - 3 * HOUR, ends_at=utcnow() - HOUR).where(Activity.id == ended.id).execute()
    called_off = town.activity(ours, starts_in=5 * HOUR, title="取消的活动")
    activities.cancel_activity(Actor(staff=town.secretary), called_off.id)

    items = ok(town.call("get", PATH, _token(town, "louzhang1")))["items"]
    # 楼长老王 leads 1号楼: its team only, not the community's two teams nor 2号楼's.
    assert [t["id"] for t in items] == [ours.id]
    [team] = items
    assert (team["building"], team["pending"], team["members"]) == (town.building.name, 1, 0)
    # what comes next: open and not ended, soonest first, with the places taken
    assert [(a["id"], a["taken"], a["capacity"]) for a in team["upcoming"]] == [(soon.id, 1, 5), (later.id, 0, 2)]
    # the other building's leader sees theirs, not ours
    assert [t["id"] for t in ok(town.call("get", PATH, _token(town, "louzhang2")))["items"]] == [theirs.id]
    # the secretary manages all of the community's teams
    assert {t["id"] for t in ok(town.call("get", PATH, town.staff_token))["items"]} >= {
        ours.id, theirs.id, town.red.id, town.aunties.id}


def test_a_unit_leader_with_no_team_gets_an_empty_list(town):
    _building_team(town, town.building, "1号楼公益小分队")
    # 单元长小张 manages no team (a unit's leader is not a team's manager): nothing, not an error
    assert ok(town.call("get", PATH, _token(town, "danyuan1")))["items"] == []


def test_a_residents_token_is_refused(town):
    # A resident who found the staff route must not read the staff's teams with their own token.
    token, _ = town.resident()
    refused(town.call("get", PATH, token), 401, "bad_token")
    refused(town.call("get", PATH), 401, "missing_token")
