"""志愿服务 on both databases: an activity from posting to the certificate's data (a waitlist
promotion, a forgotten check-out closed by the leader), an urgent call filled, and every refusal
(stale or foreign QR, double check-in, hours edited after confirmation, a leader on another
team's activity) leaving nothing changed. The last place taken by two residents at once runs
over real HTTP into two gunicorn workers.

Times: the domain takes `now` (the clock every rule reads); over HTTP the server's clock is
real, so those activities are placed around the real now."""
import datetime
import time

import pytest
import requests
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from linli.clock import local
from linli.errors import LinliError
from models.community import Building
from models.community import Community
from models.db import utcnow
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff
from models.volunteers import Activity
from models.volunteers import CallAnswer
from models.volunteers import Signup
from models.volunteers import TeamMember
from models.volunteers import UrgentCall
from models.volunteers import VolunteerMessage
from tests.support.races import together
from tests.support.settings import use_settings
from volunteers import activities
from volunteers import attendance
from volunteers import calls
from volunteers import messages
from volunteers import records
from volunteers import teams
from volunteers.attendance import QR_SALT
from volunteers.teams import Actor

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def staff(username):
    return Staff.get(Staff.username == username)


class Answer:
    """A Flask test response read as a requests one (json() a method)."""

    def __init__(self, response):
        self.response, self.status_code, self.mimetype = response, response.status_code, response.mimetype

    def json(self):
        return self.response.get_json(silent=True)

    def get_data(self, as_text=False):
        return self.response.get_data(as_text=as_text)

    @property
    def text(self):
        return self.response.get_data(as_text=True)


class Town:
    """The demo community with two teams, over the test client (or real HTTP)."""

    def __init__(self, http, emulator, base=""):
        self.http, self.emulator, self.base = http, emulator, base
        self.community = Community.select().order_by(Community.id).first()
        self.building = Building.select().where(Building.community == self.community).order_by(Building.id).first()
        self.secretary = staff("tianbing")
        self.staff_token = self.call("post", "/api/mp/staff/login",
                                     body={"username": "tianbing", "password": DEMO_PASSWORD}).json()["token"]
        self.red = teams.create_team(self.secretary, self.community.id, "红色志愿服务队")
        self.aunties = teams.create_team(self.secretary, self.community.id, "老阿姨工作队", needs_approval=False)
        self._n = 0

    def call(self, method, path, token=None, body=None, headers=None):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        answer = getattr(self.http, method)(self.base + path, headers=headers,
                                            json=(body or {}) if method != "get" else None)
        return answer if callable(getattr(answer, "json", None)) else Answer(answer)

    def resident(self, nickname=None, confirmed=True):
        """A resident signed in to the mini-program with a confirmed address: (token, row)."""
        self._n += 1
        openid = "o-vol-%d-%d" % (self._n, time.monotonic_ns() % 10**6)
        token = self.call("post", "/api/mp/login", body={"code": self.emulator.login_code(openid)}).json()["token"]
        Resident.update(community=self.community, building=self.building, room="%d01" % self._n,
                        address_state="confirmed" if confirmed else "pending",
                        nickname=nickname or "志愿者%d" % self._n).where(Resident.mp_openid == openid).execute()
        return token, Resident.get(Resident.mp_openid == openid)

    def leader(self, team, nickname="队长老周"):
        token, person = self.resident(nickname)
        teams.appoint_leader(Actor(staff=self.secretary), team.id, person.id)
        return token, person

    def activity(self, team, starts_in=2 * HOUR, length=3 * HOUR, capacity=2, **fields):
        now = utcnow()
        return activities.post(Actor(staff=self.secretary), team.id, fields.pop("title", "清理楼道杂物"),
                               fields.pop("place", "1号楼下"), now + starts_in, now + starts_in + length,
                               capacity=capacity, now=now, **fields)


@pytest.fixture
def town(client, database, emulator):
    seed_demo()
    return Town(client, emulator)


def ok(answer, status=200):
    assert answer.status_code == status, (answer.status_code, answer.json())
    return answer.json()


def refused(answer, status, code):
    assert answer.status_code == status, (answer.status_code, answer.json())
    assert answer.json()["error"]["code"] == code, answer.json()
    return answer.json()


def snapshot():
    """Everything a refusal must leave as it was."""
    return ([(s.id, s.state, s.checked_in_at, s.checked_out_at, s.minutes, s.no_show) for s in
             Signup.select().order_by(Signup.id)],
            [(a.id, a.taken, a.hours_confirmed_at) for a in Activity.select().order_by(Activity.id)],
            [(c.id, c.coming, c.state) for c in UrgentCall.select().order_by(UrgentCall.id)],
            CallAnswer.select().count(), TeamMember.select().count())


def domain_refused(code, call, *args, **kwargs):
    before = snapshot()
    with pytest.raises(LinliError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    assert snapshot() == before
    return caught.value


def stale_qr(activity_id, secret):
    """A payload shown two minutes ago: a screenshot sent to a friend at home."""
    class TwoMinutesAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 120
    return URLSafeTimedSerializer(secret, salt=QR_SALT, signer=TwoMinutesAgo).dumps({"a": activity_id})


# -- the story ------------------------------------------------------------------------------------
def test_an_activity_from_posting_to_the_certificate(town, client):
    # Seed 001: the building's team gathers after work to clean the stairwells. The leader posts
    # it for two, three sign up, one cancels and the waitlisted one moves up and is told; one
    # forgets to check out and the leader closes it at the end, not at midnight.
    use_settings(MP_VOLUNTEER_TEMPLATE_ID="tpl-vol")
    lead_token, _ = town.leader(town.red)
    (wang_t, wang), (li_t, li), (zhao_t, zhao) = (town.resident(n) for n in ("老王", "小李", "老赵"))
    for token in (wang_t, li_t, zhao_t):
        asked = ok(town.call("post", "/api/mp/volunteers/teams/%d/join" % town.red.id, token), 201)
        assert asked["membership"]["state"] == "pending"
    pending = ok(town.call("get", "/api/mp/volunteers/lead/teams/%d/members" % town.red.id, lead_token))["pending"]
    assert [p["name"] for p in pending] == ["老王", "小李", "老赵"]
    for person in (wang, li, zhao):
        ok(town.call("post", "/api/mp/volunteers/lead/teams/%d/members/decide" % town.red.id, lead_token,
                     {"resident_id": person.id, "approve": True}))

    now = utcnow()
    posted = ok(town.call("post", "/api/mp/volunteers/lead/teams/%d/activities" % town.red.id, lead_token, {
        "title": "楼道清理", "place": "1号楼1单元", "capacity": 2, "description": "自带手套",
        "starts_at": local(now + 30 * MINUTE).isoformat(), "ends_at": local(now + 150 * MINUTE).isoformat()}), 201)
    path = "/api/mp/volunteers/activities/%d" % posted["id"]
    first = ok(town.call("post", path + "/signup", wang_t, headers={"Idempotency-Key": "tap-1"}), 201)
    again = ok(town.call("post", path + "/signup", wang_t, headers={"Idempotency-Key": "tap-1"}), 200)
    assert first["signup"]["state"] == again["signup"]["state"] == "confirmed" and again["taken"] == 1
    assert ok(town.call("post", path + "/signup", li_t), 201)["signup"]["state"] == "confirmed"
    waiting = ok(town.call("post", path + "/signup", zhao_t), 201)
    assert (waiting["signup"]["state"], waiting["signup"]["waitlist_position"], waiting["taken"]) \
        == ("waitlisted", 1, 2)

    # 小李 cancels 30 minutes before the start: late (within 24 h); 老赵 moves up and hears it.
    cancelled = ok(town.call("post", path + "/cancel", li_t))
    assert (cancelled["signup"]["state"], cancelled["signup"]["late_cancel"]) == ("cancelled", True)
    assert ok(town.call("get", path, zhao_t))["signup"]["state"] == "confirmed"
    told = VolunteerMessage.get((VolunteerMessage.resident == zhao) & (VolunteerMessage.kind == "promoted"))
    assert (told.state, told.channel) == ("sent", "subscribe")
    sent = [c.body for c in town.emulator.calls("cgi-bin/message/subscribe/send") if c.body["touser"] == zhao.mp_openid]
    assert len(sent) == 1 and sent[0]["data"]["phrase2"]["value"] == "候补转正"

    # At the place: both scan the leader's QR (check-in opens an hour before the start).
    qr = ok(town.call("get", "/api/mp/volunteers/lead/activities/%d/qr" % posted["id"], lead_token))
    assert (qr["rotate_seconds"], qr["valid_seconds"]) == (60, 90)
    for token in (wang_t, zhao_t):
        assert ok(town.call("post", path + "/check-in", token, {"qr": qr["qr"]}))["signup"]["checked_in_at"]
    ok(town.call("post", path + "/check-out", wang_t, {"qr": qr["qr"]}))

    # 老赵 forgot to check out: the leader closes it at the end; a time past the end is refused
    # (never counted to midnight).
    activity = Activity.get_by_id(posted["id"])
    mark = "/api/mp/volunteers/lead/activities/%d/attendance" % activity.id
    midnight = local(activity.ends_at).replace(hour=23, minute=59)
    if midnight <= local(activity.ends_at):
        midnight = local(activity.ends_at + HOUR)
    refused(town.call("post", mark, lead_token, {"resident_id": zhao.id, "action": "check_out",
                                                 "at": midnight.isoformat()}), 422, "bad_time")
    ok(town.call("post", mark, lead_token, {"resident_id": zhao.id, "action": "check_out",
                                            "at": local(activity.ends_at).isoformat()}))
    checked_in = Signup.get((Signup.activity == activity) & (Signup.resident == zhao)).checked_in_at
    # Unconfirmed hours count nowhere yet.
    assert records.certificate(zhao)["total_minutes"] == 0
    confirmed = attendance.confirm_hours(Actor(staff=town.secretary), activity.id, now=activity.ends_at + HOUR)
    assert confirmed.hours_confirmed_at is not None
    # Both came half an hour early: the mistake was counting from the check-in. Served time runs
    # from the start; 老王, in and out before it, served none.
    assert checked_in < activity.starts_at
    zhao_minutes = int((activity.ends_at - activity.starts_at).total_seconds() // 60)
    assert Signup.get((Signup.activity == activity) & (Signup.resident == zhao)).minutes == zhao_minutes == 120
    assert Signup.get((Signup.activity == activity) & (Signup.resident == wang)).minutes == 0

    certificate = ok(town.call("get", "/api/mp/volunteers/certificate", zhao_t))
    assert certificate == {"name": "老赵", "teams": ["红色志愿服务队"], "community": town.community.name,
                           "total_minutes": zhao_minutes,
                           "activities": [{"title": "楼道清理", "team": "红色志愿服务队", "minutes": zhao_minutes,
                                           "date": local(activity.starts_at).date().isoformat()}]}
    record = ok(town.call("get", "/api/mp/volunteers/record", li_t))
    assert record == {"entries": [], "total_minutes": 0}                 # a cancelled sign-up is not service
    csv = town.call("get", "/api/mp/volunteers/lead/teams/%d/hours.csv" % town.red.id, lead_token)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    # No 0.00-hour row for 老王 (in and out before the start), which would read as service reported.
    assert lines == ["活动,日期,志愿者,服务时长(小时)",
                     "楼道清理,%s,老赵,2.00" % local(activity.starts_at).date().isoformat()]
    staff_csv = town.call("get", "/api/mp/staff/volunteers/teams/%d/hours.csv" % town.red.id, town.staff_token)
    assert staff_csv.get_data(as_text=True) == csv.get_data(as_text=True)


def test_an_urgent_call_fills_and_the_next_come_is_told_it_is_filled(town):
    # Seed 004: a storm; staff ask the red team for two people at the underpass now.
    members = [town.resident(n) for n in ("甲", "乙", "丙", "丁")]
    for _, person in members:
        teams.join(person, town.aunties.id)                  # the aunties' team needs no approval
    created = ok(town.call("post", "/api/mp/staff/volunteers/teams/%d/calls" % town.aunties.id, town.staff_token,
                           {"what": "暴雨排水", "place": "下穿通道", "needed": 2}), 201)
    assert created["asked"] == 4 and created["state"] == "open"
    assert VolunteerMessage.select().where((VolunteerMessage.call == created["id"])
                                           & (VolunteerMessage.kind == "urgent_call")).count() == 4
    answer = "/api/mp/volunteers/calls/%d/answer" % created["id"]
    (jia_t, _), (yi_t, _), (bing_t, _), (ding_t, _) = members
    assert ok(town.call("post", answer, jia_t, {"answer": "come"}), 201)["state"] == "open"
    assert ok(town.call("post", answer, jia_t, {"answer": "come"}), 200)["state"] == "open"   # a second tap
    # Changing one's word is refused: the console counts on it.
    refused(town.call("post", answer, jia_t, {"answer": "not_coming"}), 409, "already_answered")
    ok(town.call("post", answer, yi_t, {"answer": "not_coming"}), 201)
    assert ok(town.call("post", answer, bing_t, {"answer": "come"}), 201)["state"] == "filled"
    refused(town.call("post", answer, ding_t, {"answer": "come"}), 409, "call_filled")
    live = ok(town.call("get", "/api/mp/staff/volunteers/calls/%d" % created["id"], town.staff_token))
    assert (live["coming_count"], live["needed"], live["state"]) == (2, 2, "filled")
    assert [c["name"] for c in live["coming"]] == ["甲", "丙"] and [c["name"] for c in live["not_coming"]] == ["乙"]
    assert CallAnswer.select().count() == 3


# -- refusals -------------------------------------------------------------------------------------
def test_stale_forged_and_foreign_qr_are_refused_and_nothing_is_written(town, client):
    token, person = town.resident()
    here = town.activity(town.red, starts_in=30 * MINUTE)
    there = town.activity(town.red, starts_in=30 * MINUTE, title="另一场")
    activities.sign_up(person, here.id)
    secret = client.application.config["SECRET_KEY"]
    path = "/api/mp/volunteers/activities/%d/check-in" % here.id
    before = snapshot()
    # A screenshot of the leader's code passed to a friend who stayed home.
    refused(town.call("post", path, token, {"qr": stale_qr(here.id, secret)}), 422, "qr_expired")
    # A payload made up, or signed with another key (another deployment's).
    refused(town.call("post", path, token, {"qr": "eyJhIjoxfQ.forged.sig"}), 422, "qr_forged")
    other_key = URLSafeTimedSerializer("not-our-key", salt=QR_SALT).dumps({"a": here.id})
    refused(town.call("post", path, token, {"qr": other_key}), 422, "qr_forged")
    # A red card coupon's QR: signed by us, but for another use.
    coupon = URLSafeTimedSerializer(secret, salt="linli-coupon-qr").dumps({"a": here.id})
    refused(town.call("post", path, token, {"qr": coupon}), 422, "qr_forged")
    # The code shown at another activity (the next street's gathering).
    foreign, _ = attendance.qr(Actor(staff=town.secretary), there.id, secret)
    refused(town.call("post", path, token, {"qr": foreign}), 422, "wrong_activity")
    assert snapshot() == before


def test_a_double_check_in_is_refused_and_keeps_the_first_time(town, client):
    # A volunteer scans twice (a shaky hand, or to move their start later): the first time stands.
    _, person = town.resident()
    activity = town.activity(town.red, starts_in=30 * MINUTE)
    activities.sign_up(person, activity.id)
    secret = client.application.config["SECRET_KEY"]
    payload, _ = attendance.qr(Actor(staff=town.secretary), activity.id, secret)
    first = attendance.check_in(person, activity.id, payload, secret)
    domain_refused("already_checked_in", attendance.check_in, person, activity.id, payload, secret,
                   now=utcnow() + 20 * MINUTE)
    domain_refused("already_checked_in", attendance.mark, Actor(staff=town.secretary), activity.id, person.id,
                   "check_in")
    assert Signup.get_by_id(first.id).checked_in_at == first.checked_in_at


def test_hours_cannot_change_after_the_leader_confirmed_them(town, client):
    # A volunteer (or a friendly leader) adding hours after they were confirmed and reported.
    _, person = town.resident()
    _, idle = town.resident()
    activity = town.activity(town.red, starts_in=30 * MINUTE, length=2 * HOUR)
    activities.sign_up(person, activity.id)
    activities.sign_up(idle, activity.id)
    secret = client.application.config["SECRET_KEY"]
    payload, _ = attendance.qr(Actor(staff=town.secretary), activity.id, secret)
    attendance.check_in(person, activity.id, payload, secret)
    boss = Actor(staff=town.secretary)
    domain_refused("not_ended", attendance.confirm_hours, boss, activity.id)
    domain_refused("open_check_outs", attendance.confirm_hours, boss, activity.id, now=activity.ends_at)
    # Checked out by QR three hours after the end: counted to the end only.
    late = attendance.check_out(person, activity.id, payload, secret, now=activity.ends_at + 3 * HOUR)
    assert late.checked_out_at == activity.ends_at
    attendance.confirm_hours(boss, activity.id, now=activity.ends_at + 4 * HOUR)
    served = Signup.get_by_id(late.id)
    # Checked in half an hour before the start: that half hour is not served.
    assert served.checked_in_at < activity.starts_at
    assert served.minutes == int((activity.ends_at - activity.starts_at).total_seconds() // 60) == 120
    assert Signup.get((Signup.activity == activity) & (Signup.resident == idle)).no_show     # never came
    domain_refused("hours_confirmed", attendance.mark, boss, activity.id, idle.id, "check_in",
                   at=activity.starts_at)
    domain_refused("hours_confirmed", attendance.mark, boss, activity.id, person.id, "check_out",
                   at=activity.ends_at - HOUR)
    domain_refused("hours_confirmed", attendance.confirm_hours, boss, activity.id, now=activity.ends_at + 5 * HOUR)
    domain_refused("hours_confirmed", attendance.check_in, idle, activity.id, payload, secret,
                   now=activity.ends_at)


def test_a_leader_cannot_act_on_another_teams_activity(town, client):
    # The aunties' leader tries to post for, show the code of, mark, confirm and export the red team.
    lead_token, leader = town.leader(town.aunties, "阿姨队长")
    _, volunteer = town.resident()
    activity = town.activity(town.red, starts_in=30 * MINUTE)
    activities.sign_up(volunteer, activity.id)
    member_token, member = town.resident()
    teams.join(member, town.red.id)
    before = snapshot()
    base = "/api/mp/volunteers/lead"
    refused(town.call("post", base + "/teams/%d/activities" % town.red.id, lead_token, {
        "title": "冒名活动", "place": "x", "capacity": 3, "starts_at": local(utcnow() + HOUR).isoformat(),
        "ends_at": local(utcnow() + 2 * HOUR).isoformat()}), 403, "not_your_team")
    refused(town.call("get", base + "/activities/%d/qr" % activity.id, lead_token), 403, "not_your_team")
    refused(town.call("get", base + "/activities/%d/roster" % activity.id, lead_token), 403, "not_your_team")
    refused(town.call("post", base + "/activities/%d/attendance" % activity.id, lead_token,
                      {"resident_id": volunteer.id, "action": "check_in"}), 403, "not_your_team")
    refused(town.call("post", base + "/activities/%d/confirm-hours" % activity.id, lead_token), 403, "not_your_team")
    refused(town.call("get", base + "/teams/%d/hours.csv" % town.red.id, lead_token), 403, "not_your_team")
    refused(town.call("post", base + "/teams/%d/members/decide" % town.red.id, lead_token,
                      {"resident_id": volunteer.id, "approve": True}), 403, "not_your_team")
    # A member who is not a leader is no leader anywhere.
    refused(town.call("get", base + "/activities/%d/qr" % activity.id, member_token), 403, "not_your_team")
    # A building leader of the demo (staff) is not a manager of a community-wide team.
    louzhang = Actor(staff=staff("louzhang1"))
    domain_refused("not_your_team", calls.create, louzhang, town.red.id, "搬东西", "这里", 2)
    assert snapshot() == before
    assert Activity.select().where(Activity.title == "冒名活动").count() == 0


def test_signing_up_retried_cancelled_late_and_again(town):
    _, person = town.resident()
    now = utcnow()
    activity = town.activity(town.red, starts_in=3 * 24 * HOUR, capacity=1)
    first, created = activities.sign_up(person, activity.id, idempotency_key="k1", now=now)
    again, created_again = activities.sign_up(person, activity.id, idempotency_key="k1", now=now)
    assert created and not created_again and first.id == again.id
    # A client reusing one key for another activity is told, not handed the first activity's sign-up.
    domain_refused("key_reused", activities.sign_up, person, town.activity(town.red).id, idempotency_key="k1")
    # A second tap with another key (a double-click) is the same sign-up too.
    assert activities.sign_up(person, activity.id, idempotency_key="k2", now=now)[0].id == first.id
    signup, promoted = activities.cancel(person, activity.id, now=now)       # three days ahead: not late
    assert (signup.state, signup.late_cancel, promoted) == ("cancelled", False, None)
    assert Activity.get_by_id(activity.id).taken == 0
    back, created = activities.sign_up(person, activity.id, idempotency_key="k3", now=now)
    assert created and back.id == first.id and back.state == "confirmed"
    late, _ = activities.cancel(person, activity.id, now=activity.starts_at - 2 * HOUR)
    assert late.late_cancel
    domain_refused("started", activities.sign_up, person, activity.id, now=activity.starts_at)


def test_who_may_sign_up_and_join(town):
    # A resident whose address is not confirmed, and one of another building for a building's team.
    _, pending = town.resident(confirmed=False)
    activity = town.activity(town.red)
    domain_refused("address_not_confirmed", activities.sign_up, pending, activity.id)
    domain_refused("address_not_confirmed", teams.join, pending, town.red.id)
    other_building = Building.select().where((Building.community == town.community)
                                             & (Building.id != town.building.id)).first()
    own = teams.create_team(town.secretary, town.community.id, "28号楼公益小分队", building_id=other_building.id)
    _, neighbour = town.resident()
    domain_refused("outside_team", teams.join, neighbour, own.id)
    domain_refused("not_found", activities.sign_up, neighbour,
                   activities.post(Actor(staff=town.secretary), own.id, "修车棚", "28号楼", utcnow() + HOUR,
                                   utcnow() + 2 * HOUR, capacity=3).id)


def test_a_buildings_team_is_run_by_its_building_leader_and_a_request_may_be_declined(town):
    louzhang = staff("louzhang1")                          # 楼长老王, leader of the first building
    assert RoleAssignment.get(RoleAssignment.staff == louzhang).building_id == town.building.id
    ours = teams.create_team(louzhang, town.community.id, "1号楼公益小分队", building_id=town.building.id)
    # Another building's leader may neither set up nor run this building's team.
    domain_refused("not_your_team", teams.create_team, staff("louzhang2"), town.community.id, "冒名小分队",
                   building_id=town.building.id)
    _, asker = town.resident()
    assert teams.join(asker, ours.id)[0].state == "pending"
    domain_refused("not_your_team", teams.decide, Actor(staff=staff("louzhang2")), ours.id, asker.id, True)
    assert teams.decide(Actor(staff=louzhang), ours.id, asker.id, False).state == "declined"
    domain_refused("not_pending", teams.decide, Actor(staff=louzhang), ours.id, asker.id, True)
    again, created = teams.join(asker, ours.id)                # asking again starts over
    assert created and again.state == "pending"


def test_roles_have_their_own_places_and_waitlists(town):
    activity = town.activity(town.red, capacity=None, roles={"搬运": 1, "登记": 1})
    assert activity.capacity == 2
    (_, a), (_, b), (_, c) = town.resident(), town.resident(), town.resident()
    assert activities.sign_up(a, activity.id, role="搬运")[0].state == "confirmed"
    assert activities.sign_up(b, activity.id, role="搬运")[0].state == "waitlisted"
    assert activities.sign_up(c, activity.id, role="登记")[0].state == "confirmed"
    domain_refused("bad_role", activities.sign_up, town.resident()[1], activity.id, role="做饭")
    _, promoted = activities.cancel(a, activity.id)
    assert promoted.resident_id == b.id and promoted.state == "confirmed"


def test_the_reminder_goes_once_per_sign_up_the_day_before(town):
    use_settings(MP_VOLUNTEER_TEMPLATE_ID="tpl-vol")
    _, person = town.resident()
    _, waiting = town.resident()
    now = utcnow()
    tomorrow_noon = datetime.datetime.combine(local(now).date() + datetime.timedelta(days=1), datetime.time(12),
                                              tzinfo=local(now).tzinfo).astimezone(datetime.timezone.utc)
    activity = town.activity(town.red, starts_in=tomorrow_noon.replace(tzinfo=None) - now, capacity=1)
    later = town.activity(town.red, starts_in=(tomorrow_noon.replace(tzinfo=None) - now) + 24 * HOUR)
    activities.sign_up(person, activity.id)
    activities.sign_up(waiting, activity.id)                  # waitlisted: not reminded
    activities.sign_up(person, later.id)                      # the day after tomorrow: not yet
    sent = messages.remind(now)
    assert len(sent) == 1 and messages.remind(now) == [] and messages.remind(now + HOUR) == []
    note = VolunteerMessage.get_by_id(sent[0])
    assert (note.resident_id, note.kind, note.state) == (person.id, "reminder", "sent")
    calls_made = [c.body for c in town.emulator.calls("cgi-bin/message/subscribe/send")]
    assert len(calls_made) == 1 and calls_made[0]["template_id"] == "tpl-vol"
    assert calls_made[0]["page"] == "volunteers/activity/index?id=%d" % activity.id


def test_bad_input_is_a_clear_code(town):
    lead_token, _ = town.leader(town.red)
    path = "/api/mp/volunteers/lead/teams/%d/activities" % town.red.id
    start = local(utcnow() + HOUR)
    refused(town.call("post", path, lead_token, {"title": "x", "place": "y", "capacity": 0,
                                                 "starts_at": start.isoformat(),
                                                 "ends_at": (start + HOUR).isoformat()}), 422, "bad_capacity")
    refused(town.call("post", path, lead_token, {"title": "x", "place": "y", "capacity": 2,
                                                 "starts_at": start.isoformat(),
                                                 "ends_at": (start - HOUR).isoformat()}), 422, "bad_times")
    refused(town.call("post", path, lead_token, {"title": "x", "place": "y", "capacity": 2,
                                                 "starts_at": "tomorrow"}), 400, "bad_starts_at")
    refused(town.call("post", "/api/mp/staff/volunteers/teams/%d/calls" % town.aunties.id, town.staff_token,
                      {"what": "排水", "place": "x", "needed": 3}), 409, "no_members")
    assert Activity.select().count() == 0


# -- races over two workers -----------------------------------------------------------------------
class Http:
    def __init__(self):
        self.session = requests.Session()

    def __getattr__(self, method):
        def call(url, headers=None, json=None):
            return getattr(self.session, method)(url, headers=headers, json=json, timeout=20)
        return call


def test_the_last_place_taken_by_two_residents_at_once(live_server, emulator, database):
    # Two neighbours tap 报名 for the last place in the same instant, into two gunicorn workers:
    # exactly one gets it and the other is waitlisted, five times over; never three confirmed.
    seed_demo()
    town = Town(Http(), emulator, base=live_server.url)
    for round_ in range(5):
        activity = town.activity(town.red, capacity=2, title="第%d场" % round_)
        activities.sign_up(town.resident()[1], activity.id)                  # one place left
        pair = [town.resident()[0] for _ in range(2)]
        path = "/api/mp/volunteers/activities/%d/signup" % activity.id
        answers = together(2, lambda i, path=path, pair=pair: town.call("post", path, pair[i],
                                                                         headers={"Idempotency-Key": "tap"}))
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert sorted(a.json()["signup"]["state"] for a in answers) == ["confirmed", "waitlisted"]
        assert Activity.get_by_id(activity.id).taken == 2
        assert Signup.select().where((Signup.activity == activity) & (Signup.state == "confirmed")).count() == 2


def test_one_tap_arriving_four_times_at_once_signs_up_once(live_server, emulator, database):
    seed_demo()
    town = Town(Http(), emulator, base=live_server.url)
    activity = town.activity(town.red, capacity=5)
    token, person = town.resident()
    answers = together(4, lambda i: town.call("post", "/api/mp/volunteers/activities/%d/signup" % activity.id,
                                               token, headers={"Idempotency-Key": "same-tap"}))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert Signup.select().where(Signup.resident == person).count() == 1 and Activity.get_by_id(activity.id).taken == 1


def test_a_member_reads_the_call_with_their_answer_and_others_cannot(town):
    # The call's message opens the mini-program's call page: it shows what is asked and how many
    # still come before the member answers, and after a tap their answer. The mistake it stands
    # for: a resident outside the team (a forwarded message) reading or answering another team's call.
    (member_t, member), (other_t, _) = town.resident("甲"), town.resident("外人")
    teams.join(member, town.aunties.id)
    created = ok(town.call("post", "/api/mp/staff/volunteers/teams/%d/calls" % town.aunties.id, town.staff_token,
                           {"what": "暴雨排水", "place": "下穿通道", "needed": 2}), 201)
    path = "/api/mp/volunteers/calls/%d" % created["id"]
    seen = ok(town.call("get", path, member_t))
    assert (seen["what"], seen["place"], seen["needed"], seen["coming_count"], seen["my_answer"], seen["team"]) == \
        ("暴雨排水", "下穿通道", 2, 0, None, "老阿姨工作队")
    ok(town.call("post", path + "/answer", member_t, {"answer": "come"}), 201)
    seen = ok(town.call("get", path, member_t))
    assert (seen["coming_count"], seen["my_answer"], seen["state"]) == (1, "come", "open")
    refused(town.call("get", path, other_t), 403, "not_a_member")
    refused(town.call("get", "/api/mp/volunteers/calls/999999", member_t), 404, "not_found")
    assert CallAnswer.select().count() == 1
