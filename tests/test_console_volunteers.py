"""志愿服务 in the staff console (the test client, both databases): a team set up, its requests
approved, a leader appointed and removed; an activity posted from the form with roles, its
sign-ups and waitlist, the leader's screen with its QR, hand marks, a forgotten check-out named
and closed, the hours confirmed, the CSV and a member's certificate; an urgent call watched and
closed early; an activity cancelled with its volunteers told. And the refusals: wrong roles,
another community, a building leader on another building's team, bad input."""
import datetime
import re

import pytest

from community.demo import DEMO_PASSWORD
from community.demo import seed_second_community
from linli.clock import local
from models.community import Building
from models.db import utcnow
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff
from models.volunteers import Activity
from models.volunteers import Signup
from models.volunteers import Team
from models.volunteers import TeamMember
from models.volunteers import UrgentCall
from models.volunteers import VolunteerMessage
from volunteers import activities
from volunteers import attendance
from volunteers import calls
from volunteers import teams
from volunteers.teams import Actor

HOUR = datetime.timedelta(hours=1)
_seq = iter(range(1, 10 ** 6))


@pytest.fixture
def town(console):
    sign_in, csrf = console
    building = Building.get_by_id(RoleAssignment.get(RoleAssignment.role == "building_leader").building_id)
    return {"sign_in": sign_in, "csrf": csrf, "building": building,
            "secretary": Staff.get(Staff.username == "tianbing")}


def resident(town, nickname=None, building=None):
    n = next(_seq)
    building = building or town["building"]
    return Resident.create(mp_openid="m-vol-console-%d" % n, nickname=nickname or "志愿者%d" % n,
                           community=building.community_id, building=building.id, room="%d01" % n,
                           address_state="confirmed")


def beijing_now():
    """The clock as staff read it: the console's time fields are Beijing time."""
    return local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)


def field(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def post(client, town, path, **data):
    return client.post(path, data=dict(data, csrf=town["csrf"]("/console/")))


def text(answer):
    return answer.get_data(as_text=True)


def flashed(client, answer):
    assert answer.status_code == 303, text(answer)
    return text(client.get(answer.headers["Location"]))


def team_with_members(town, names=("老王", "小李", "老赵"), **fields):
    team = teams.create_team(town["secretary"], town["building"].community_id, fields.pop("name", "红色志愿服务队"),
                             needs_approval=False, **fields)
    people = [resident(town, name) for name in names]
    for person in people:
        teams.join(person, team.id)
    return team, people


def past_activity(town, team, capacity=3):
    """An activity that ran from three hours ago to an hour ago (posted the day before)."""
    now = utcnow()
    return activities.post(Actor(staff=town["secretary"]), team.id, "楼道清理", "1号楼1单元",
                           now - 3 * HOUR, now - HOUR, capacity=capacity, now=now - 30 * HOUR)


def test_a_team_set_up_its_requests_approved_a_leader_appointed_and_removed(client, town):
    town["sign_in"]("tianbing")
    assert "志愿服务" in text(client.get("/console/"))
    answer = post(client, town, "/console/volunteers/teams", name="28号楼公益小分队",
                  building_id=str(town["building"].id), needs_approval="1", description="下班后清理、维修")
    page = flashed(client, answer)
    team = Team.get(Team.name == "28号楼公益小分队")
    assert (team.building_id, team.needs_approval) == (town["building"].id, True) and "已建立志愿服务队" in page
    wang, li = resident(town, "老王"), resident(town, "小李")
    teams.join(wang, team.id)
    teams.join(li, team.id)
    page = text(client.get("/console/volunteers/teams/%d" % team.id))
    assert 'id="p%d"' % wang.id in page and 'id="p%d"' % li.id in page
    post(client, town, "/console/volunteers/teams/%d/requests/%d" % (team.id, wang.id), approve="1")
    post(client, town, "/console/volunteers/teams/%d/requests/%d" % (team.id, li.id), approve="0")
    assert [(m.resident_id, m.state) for m in TeamMember.select().order_by(TeamMember.id)] == [
        (wang.id, "approved"), (li.id, "declined")]
    # A second click on a request already decided: refused with the reason, nothing changed.
    page = flashed(client, post(client, town, "/console/volunteers/teams/%d/requests/%d" % (team.id, li.id),
                                approve="1"))
    assert "没有该居民待审核的入队申请" in page and TeamMember.get(TeamMember.resident == li).state == "declined"

    # The leader is found among the building's residents by name, and appointed.
    zhou = resident(town, "队长老周")
    elsewhere = resident(town, "队长老周二", building=Building.select().where(
        Building.id != town["building"].id).first())
    found = text(client.get("/console/volunteers/teams/%d?q=老周" % team.id))
    assert 'id="appoint-%d"' % zhou.id in found and 'id="appoint-%d"' % elsewhere.id not in found
    post(client, town, "/console/volunteers/teams/%d/leaders" % team.id, resident_id=str(zhou.id))
    assert teams.is_leader(zhou, team)
    # A hand-made post naming a resident of another building: refused, nobody appointed.
    page = flashed(client, post(client, town, "/console/volunteers/teams/%d/leaders" % team.id,
                                resident_id=str(elsewhere.id)))
    assert "不在本队范围内" in page and not TeamMember.select().where(TeamMember.resident == elsewhere).exists()
    page = flashed(client, post(client, town, "/console/volunteers/teams/%d/leaders/%d/remove" % (team.id, zhou.id)))
    assert "不再担任队长" in page and not teams.is_leader(zhou, team)
    assert TeamMember.get(TeamMember.resident == zhou).state == "approved"
    again = flashed(client, post(client, town, "/console/volunteers/teams/%d/leaders/%d/remove" % (team.id, zhou.id)))
    assert "该居民不是本队队长" in again


def test_an_activity_from_the_form_to_the_certificate(client, town):
    team, (wang, li, zhao) = team_with_members(town)
    town["sign_in"]("tianbing")
    start = beijing_now() + datetime.timedelta(days=1)
    answer = post(client, town, "/console/volunteers/teams/%d/activities/new" % team.id, title="搬运救灾物资",
                  place="社区仓库", description="自带手套", starts_at=field(start),
                  ends_at=field(start + 2 * HOUR), capacity="",
                  roles="搬运 1\n登记　1", late_cancel_hours="12")   # a full-width space, as IMEs type it
    page = flashed(client, answer)
    posted = Activity.get(Activity.title == "搬运救灾物资")
    assert (posted.capacity, posted.late_cancel_hours, posted.posted_by_staff_id) == (2, 12, town["secretary"].id)
    assert "搬运 0/1" in page and "登记 0/1" in page
    activities.sign_up(wang, posted.id, "搬运")
    activities.sign_up(li, posted.id, "登记")
    waiting, _ = activities.sign_up(zhao, posted.id, "搬运")
    page = text(client.get("/console/volunteers/activities/%d" % posted.id))
    assert waiting.state == "waitlisted" and re.search(r'id="s%d">.*候补 第1位' % zhao.id, page, re.S)

    # The day of the activity that already ran: 老王 scanned the screen's code, 小李 was marked
    # by hand and forgot to check out; 老赵 never came.
    done = past_activity(town, team)
    for person in (wang, li, zhao):
        activities.sign_up(person, done.id, now=utcnow() - 29 * HOUR)
    screen = client.get("/console/volunteers/activities/%d/screen" % done.id)
    assert screen.status_code == 200
    page = text(screen)
    assert '<svg viewBox="0 0 ' in page and 'class="checkin-qr"' in page
    assert re.search(r'<meta http-equiv="refresh" content="50">', page)
    payload = re.search(r'data-payload="([^"]+)"', page).group(1)
    attendance.check_in(wang, done.id, payload, client.application.secret_key, now=done.starts_at)
    attendance.check_out(wang, done.id, payload, client.application.secret_key, now=done.starts_at + HOUR)
    # The hand marks go through the form of the leader's screen (at now: within the activity).
    Activity.update(ends_at=utcnow() + HOUR).where(Activity.id == done.id).execute()
    answer = post(client, town, "/console/volunteers/activities/%d/marks" % done.id, resident_id=str(li.id),
                  action="check_in", back="screen")
    assert answer.headers["Location"].endswith("/console/volunteers/activities/%d/screen#s%d" % (done.id, li.id))
    Activity.update(ends_at=utcnow() - 5 * datetime.timedelta(minutes=1)).where(Activity.id == done.id).execute()
    Signup.update(checked_in_at=done.starts_at + HOUR).where(Signup.resident == li).execute()
    done = Activity.get_by_id(done.id)

    page = text(client.get("/console/volunteers/activities/%d" % done.id))
    assert re.search(r'id="open-check-outs">尚未签退：小李', page)
    refused = flashed(client, post(client, town, "/console/volunteers/activities/%d/confirm" % done.id))
    assert "还有人未签退，请先为其补签退：小李" in refused and Activity.get_by_id(done.id).hours_confirmed_at is None
    # A check-out by hand after the end would count hours not served: refused, then at the end.
    late = field(beijing_now() + HOUR)
    refused = flashed(client, post(client, town, "/console/volunteers/activities/%d/marks" % done.id,
                                   resident_id=str(li.id), action="check_out", at=late))
    assert "签退时间应在签到之后、活动结束之前" in refused and Signup.get(Signup.resident == li,
                                                                Signup.activity == done).checked_out_at is None
    post(client, town, "/console/volunteers/activities/%d/marks" % done.id, resident_id=str(li.id), action="check_out")
    page = flashed(client, post(client, town, "/console/volunteers/activities/%d/confirm" % done.id))
    assert "服务时长已确认" in page and 'id="state">时长已确认' in page
    served = {s.resident_id: (s.minutes, s.no_show) for s in Signup.select().where(Signup.activity == done)}
    assert served[wang.id] == (60, False) and served[zhao.id] == (None, True) and served[li.id][0] > 0
    assert "未到" in page and 'id="confirm-hours"' not in page

    csv = client.get("/console/volunteers/teams/%d/hours.csv" % team.id)
    lines = text(csv).lstrip("\ufeff").splitlines()
    assert csv.mimetype == "text/csv" and len(lines) == 3 and "老王" in lines[1] + lines[2]
    assert "老赵" not in text(csv)

    team_page = text(client.get("/console/volunteers/teams/%d" % team.id))
    assert 'id="certificate-%d"' % wang.id in team_page
    certificate = text(client.get("/console/volunteers/teams/%d/members/%d/certificate" % (team.id, wang.id)))
    assert 'id="cert-name">老王' in certificate and 'id="cert-total">1.00' in certificate
    assert "楼道清理" in certificate and "搬运救灾物资" not in certificate     # not served: never on it
    assert 'data-print' in certificate and town["building"].community.name in certificate
    # Someone who is not a member of the team gets no certificate from it.
    stranger = resident(town, "路人")
    assert client.get("/console/volunteers/teams/%d/members/%d/certificate" % (team.id, stranger.id)).status_code \
        == 404


@pytest.mark.parametrize("changes, said, mistake", [
    ({"title": " "}, "请填写活动名称", "no title"),
    ({"starts_at": "2020-01-01T08:00"}, "开始时间应晚于现在", "a start already past"),
    ({"starts_at": "tomorrow"}, "时间格式", "a time that is not one"),
    ({"capacity": "0"}, "招募人数应为1到", "no places"),
    ({"roles": "搬运"}, "岗位每行写", "a role without its number"),
    ({"roles": "搬运 四"}, "岗位每行写", "a number in words"),
])
def test_bad_activity_input_brings_the_form_back_and_posts_nothing(client, town, changes, said, mistake):
    team, _ = team_with_members(town)
    town["sign_in"]("tianbing")
    start = beijing_now() + datetime.timedelta(days=1)
    fields = dict(title="搬运救灾物资", place="社区仓库", description="自带手套", starts_at=field(start),
                  ends_at=field(start + 2 * HOUR), capacity="4", roles="",
                  late_cancel_hours="24")
    fields.update(changes)
    answer = post(client, town, "/console/volunteers/teams/%d/activities/new" % team.id, **fields)
    assert answer.status_code == 422, mistake
    assert said in text(answer) and "社区仓库" in text(answer), mistake
    assert Activity.select().count() == 0, mistake


def test_an_activity_cancelled_tells_its_volunteers_once_and_not_after_the_start(client, town):
    team, (wang, li, zhao) = team_with_members(town)
    now = utcnow()
    tomorrow = activities.post(Actor(staff=town["secretary"]), team.id, "义务理发", "社区活动室",
                               now + 24 * HOUR, now + 26 * HOUR, capacity=1)
    for person in (wang, li):
        activities.sign_up(person, tomorrow.id)
    activities.sign_up(zhao, tomorrow.id)
    activities.cancel(zhao, tomorrow.id)
    town["sign_in"]("tianbing")
    page = flashed(client, post(client, town, "/console/volunteers/activities/%d/cancel" % tomorrow.id))
    assert "已通知 2 位" in page and 'id="state">已取消' in page
    told = VolunteerMessage.select().where(VolunteerMessage.kind == "cancelled")
    assert sorted(m.resident_id for m in told) == sorted([wang.id, li.id])     # not 老赵, who had cancelled
    again = flashed(client, post(client, town, "/console/volunteers/activities/%d/cancel" % tomorrow.id))
    assert "已通知 0 位" in again and told.count() == 2
    screen = text(client.get("/console/volunteers/activities/%d/screen" % tomorrow.id))
    assert 'id="screen-closed"' in screen and "<svg" not in screen      # no code to scan for it
    # Nothing more happens on a cancelled activity: no sign-up, no check-in.
    with pytest.raises(Exception) as caught:
        activities.sign_up(resident(town), tomorrow.id)
    assert caught.value.code == "activity_cancelled"

    running = past_activity(town, team)
    Activity.update(ends_at=utcnow() + HOUR).where(Activity.id == running.id).execute()
    page = flashed(client, post(client, town, "/console/volunteers/activities/%d/cancel" % running.id))
    assert "活动已开始，不能取消" in page and Activity.get_by_id(running.id).state == "open"


def test_an_urgent_call_watched_live_filled_and_another_closed_early(client, town):
    team, (wang, li, zhao) = team_with_members(town)
    town["sign_in"]("tianbing")
    answer = post(client, town, "/console/volunteers/teams/%d/calls" % team.id, what="暴雨：转移地下室物品",
                  place="3号楼地下室入口", needed="2")
    call = UrgentCall.get()
    page = flashed(client, answer)
    assert "紧急任务已发出" in page and 'content="5"' in page and 'id="coming-count">0' in page
    assert VolunteerMessage.select().where(VolunteerMessage.kind == "urgent_call").count() == 3
    calls.answer(wang, call.id, "come")
    calls.answer(li, call.id, "not_coming")
    page = text(client.get("/console/volunteers/calls/%d" % call.id))
    assert 'id="coming-count">1' in page and re.search(r'id="not-coming"><li>小李', page)
    calls.answer(zhao, call.id, "come")
    page = text(client.get("/console/volunteers/calls/%d" % call.id))
    assert 'id="call-state">已满员' in page and 'http-equiv="refresh"' not in page and 'id="close-call"' not in page

    second = calls.create(Actor(staff=town["secretary"]), team.id, "停水：搬运桶装水", "社区门口", 3)
    page = flashed(client, post(client, town, "/console/volunteers/calls/%d/close" % second.id))
    assert 'id="call-state">已结束' in page and UrgentCall.get_by_id(second.id).closed_at is not None
    # A 来 after the close is refused, nothing counted.
    with pytest.raises(Exception) as caught:
        calls.answer(wang, second.id, "come")
    assert caught.value.code == "call_closed" and UrgentCall.get_by_id(second.id).coming == 0
    again = flashed(client, post(client, town, "/console/volunteers/calls/%d/close" % second.id))
    assert "已满员或已结束" in again


def test_wrong_roles_and_other_places_are_refused_pages_and_actions(client, town):
    team, (wang, _, _) = team_with_members(town)
    done = past_activity(town, team)
    activities.sign_up(wang, done.id, now=utcnow() - 29 * HOUR)
    call = calls.create(Actor(staff=town["secretary"]), team.id, "暴雨", "3号楼", 2)
    pages = ["/console/volunteers", "/console/volunteers/teams/%d" % team.id,
             "/console/volunteers/activities/%d" % done.id, "/console/volunteers/activities/%d/screen" % done.id,
             "/console/volunteers/teams/%d/hours.csv" % team.id, "/console/volunteers/calls/%d" % call.id,
             "/console/volunteers/teams/%d/members/%d/certificate" % (team.id, wang.id)]
    actions = [("/console/volunteers/teams/%d/leaders" % team.id, {"resident_id": str(wang.id)}),
               ("/console/volunteers/activities/%d/confirm" % done.id, {}),
               ("/console/volunteers/activities/%d/cancel" % done.id, {}),
               ("/console/volunteers/calls/%d/close" % call.id, {}),
               ("/console/volunteers/teams/%d/calls" % team.id, {"what": "x", "place": "y", "needed": "1"})]

    def unchanged():
        return ([(m.resident_id, m.role, m.state) for m in TeamMember.select().order_by(TeamMember.id)],
                [(a.state, a.hours_confirmed_at) for a in Activity.select().order_by(Activity.id)],
                [(c.state, c.coming) for c in UrgentCall.select().order_by(UrgentCall.id)])
    before = unchanged()
    # Roles that manage no team: the editor, the property company, a unit leader.
    for username in ("editor", "wuye", "danyuan1"):
        town["sign_in"](username)
        assert "志愿服务</a>" not in text(client.get("/console/"))
        for path in pages:
            assert client.get(path).status_code == 403, (username, path)
        for path, data in actions:
            assert post(client, town, path, **data).status_code == 403, (username, path)
    # A building's leader manages their building's team only, not the community's.
    town["sign_in"]("louzhang2")
    assert 'id="t%d"' % team.id not in text(client.get("/console/volunteers"))
    for path in pages[1:]:
        assert client.get(path).status_code == 403, path
    for path, data in actions:
        assert post(client, town, path, **data).status_code == 403, path
    # The attack: another community's secretary guessing ids finds nothing.
    seed_second_community()
    town["sign_in"]("gx_shuji")
    for path in pages[1:]:
        assert client.get(path).status_code == 404, path
    for path, data in actions:
        assert post(client, town, path, **data).status_code == 404, path
    assert unchanged() == before


def test_a_building_leader_runs_their_buildings_team(client, town):
    town["sign_in"]("louzhang1")
    page = flashed(client, post(client, town, "/console/volunteers/teams", name="1号楼小分队",
                                building_id=str(town["building"].id), needs_approval="1"))
    team = Team.get(Team.name == "1号楼小分队")
    assert "已建立" in page and 'id="t%d"' % team.id in text(client.get("/console/volunteers"))
    # Not the whole community's, and not another building's.
    other = Building.select().where(Building.id != town["building"].id).first()
    for building_id in ("", str(other.id)):
        refused = post(client, town, "/console/volunteers/teams", name="别处的队", building_id=building_id)
        assert refused.status_code == 403
    assert Team.select().count() == 1


# -- the same acts through the API ---------------------------------------------------------------------
def test_the_api_cancels_an_activity_closes_a_call_and_removes_a_leader(client, town, emulator):
    team, (wang, li, _) = team_with_members(town)
    staff = {"Authorization": "Bearer " + client.post("/api/mp/staff/login", json={
        "username": "tianbing", "password": DEMO_PASSWORD}).json["token"]}
    teams.appoint_leader(Actor(staff=town["secretary"]), team.id, li.id)
    now = utcnow()
    tomorrow = activities.post(Actor(staff=town["secretary"]), team.id, "义务理发", "社区活动室",
                               now + 24 * HOUR, now + 26 * HOUR, capacity=2)
    activities.sign_up(wang, tomorrow.id)
    answer = client.post("/api/mp/staff/volunteers/activities/%d/cancel" % tomorrow.id, headers=staff)
    assert (answer.status_code, answer.json["state"]) == (200, "cancelled"), answer.json
    assert VolunteerMessage.get(VolunteerMessage.kind == "cancelled").resident_id == wang.id

    call = calls.create(Actor(staff=town["secretary"]), team.id, "停水：搬运桶装水", "社区门口", 3)
    answer = client.post("/api/mp/staff/volunteers/calls/%d/close" % call.id, headers=staff)
    assert (answer.status_code, answer.json["state"]) == (200, "closed") and answer.json["closed_at"]
    again = client.post("/api/mp/staff/volunteers/calls/%d/close" % call.id, headers=staff)
    assert (again.status_code, again.json["error"]["code"]) == (409, "not_open")

    path = "/api/mp/staff/volunteers/teams/%d/leaders/remove" % team.id
    answer = client.post(path, headers=staff, json={"resident_id": li.id})
    assert (answer.status_code, answer.json["role"]) == (200, "member") and not teams.is_leader(li, team)
    # A building's leader manages no community-wide team: refused, nothing changed.
    teams.appoint_leader(Actor(staff=town["secretary"]), team.id, li.id)
    other = {"Authorization": "Bearer " + client.post("/api/mp/staff/login", json={
        "username": "louzhang1", "password": DEMO_PASSWORD}).json["token"]}
    answer = client.post(path, headers=other, json={"resident_id": li.id})
    assert (answer.status_code, answer.json["error"]["code"]) == (403, "not_your_team") and teams.is_leader(li, team)
