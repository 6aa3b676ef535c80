"""Volunteer activities: posted by a team's leader or staff, with places (and roles with places of
their own, such as 搬运/登记), sign-ups, the waitlist and cancellations.

Places are never oversold. A sign-up and a cancellation of one activity take its row FOR UPDATE
first (PostgreSQL; on SQLite every writing transaction begins IMMEDIATE, models/db.py, so
writers take turns): two residents tapping for the last place at once, in two workers, are
served one after the other; the first gets it, the second is waitlisted. Behind the lock a
place is taken by a conditional update (taken < capacity) and the schema's CHECK stands behind
that. A cancellation hands its place to the first waitlisted (by the time they signed up, in
the same transaction) and they are told; without a waitlist the place is freed.

A retried tap is one sign-up: its Idempotency-Key is unique per resident, and a second tap
with the key, waiting on the activity's lock, then answers with the first's sign-up. A resident
has one sign-up per activity; signing up again after cancelling re-uses it, at the waitlist's
end.

The activity itself may be cancelled by its leader or staff until it starts (cancel_activity):
every volunteer still signed up or waitlisted is told, and nothing more can be signed up,
checked in or confirmed.

Cancelling within the activity's late_cancel_hours of its start is recorded as late; from the
start on a sign-up cannot be cancelled (not showing up is then recorded when hours are
confirmed, volunteers/attendance.py).
"""
import datetime

from peewee import IntegrityError

from linli.errors import LinliError
from models.db import db
from models.db import is_postgres
from models.db import utcnow
from models.volunteers import Activity
from models.volunteers import ActivityRole
from models.volunteers import Signup
from models.volunteers import Team
from volunteers import messages
from volunteers.teams import VolunteerError
from volunteers.teams import led_team
from volunteers.teams import require_eligible

MAX_TITLE, MAX_PLACE, MAX_ROLE, MAX_ROLES, MAX_CAPACITY = 60, 100, 20, 10, 1000
# (code, message) of a bad field: answered here and by the API's model for the same length.
TITLE_RULE = ("bad_title", "请填写活动名称（不超过%d个字）" % MAX_TITLE)
PLACE_RULE = ("bad_place", "请填写活动地点（不超过%d个字）" % MAX_PLACE)
DEFAULT_LATE_CANCEL_HOURS = 24
MAX_LENGTH = datetime.timedelta(days=7)


def _bad(code, message):
    return LinliError(code, message, 422)


def post_once(actor, team_id, idempotency_key, **fields):
    """(activity, created): `post` under an Idempotency-Key unique within the team, so a leader's
    post re-sent after its answer was lost (or a second tap) is the first one's activity."""
    key = (idempotency_key or "").strip()[:64] or None
    team = led_team(actor, team_id)
    earlier = _posted_with(team, key)
    if earlier is not None:
        return earlier, False
    try:
        return post(actor, team.id, idempotency_key=key, **fields), True
    except IntegrityError:
        # the same key committed first, from a concurrent retry: its activity is ours
        earlier = _posted_with(team, key)
        if earlier is None:
            raise
        return earlier, False


def _posted_with(team, key):
    if key is None:
        return None
    return Activity.get_or_none((Activity.team == team) & (Activity.idempotency_key == key))


def post(actor, team_id, title, place, starts_at, ends_at, capacity=None, roles=None, description="",
         late_cancel_hours=DEFAULT_LATE_CANCEL_HOURS, now=None, idempotency_key=None):
    """A new activity of the team; `roles` {name: capacity} (then the capacity is their sum).
    422 with a code for each bad field; 403 not_your_team."""
    now = now or utcnow()
    team = led_team(actor, team_id)
    title, place = (title or "").strip(), (place or "").strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise _bad(*TITLE_RULE)
    if not 1 <= len(place) <= MAX_PLACE:
        raise _bad(*PLACE_RULE)
    if starts_at is None or ends_at is None or not now < starts_at < ends_at or ends_at - starts_at > MAX_LENGTH:
        raise _bad("bad_times", "开始时间应晚于现在，结束时间晚于开始时间，活动不超过7天")
    if not isinstance(late_cancel_hours, int) or not 0 <= late_cancel_hours <= 24 * 7:
        raise _bad("bad_late_cancel_hours", "迟取消时限应为0到168小时")
    roles = _roles(roles)
    if roles:
        capacity = sum(roles.values())
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        raise _bad("bad_capacity", "招募人数应为1到%d" % MAX_CAPACITY)
    with db.atomic():
        activity = Activity.create(team=team, title=title, place=place, description=(description or "").strip(),
                                   starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                                   late_cancel_hours=late_cancel_hours, posted_by_resident=actor.resident,
                                   posted_by_staff=actor.staff, created_at=now, idempotency_key=idempotency_key)
        for name, places in roles.items():
            ActivityRole.create(activity=activity, name=name, capacity=places)
    return activity


def _roles(roles):
    if not roles:
        return {}
    if not isinstance(roles, dict) or len(roles) > MAX_ROLES:
        raise _bad("bad_roles", "岗位最多%d个" % MAX_ROLES)
    fixed = {}
    for name, places in roles.items():
        name = str(name).strip()
        if not 1 <= len(name) <= MAX_ROLE or name in fixed:
            raise _bad("bad_roles", "岗位名称应为1到%d个字且互不相同" % MAX_ROLE)
        if not isinstance(places, int) or isinstance(places, bool) or not 1 <= places <= MAX_CAPACITY:
            raise _bad("bad_roles", "每个岗位的人数应为1到%d" % MAX_CAPACITY)
        fixed[name] = places
    return fixed


def roles_of(activity):
    return list(ActivityRole.select().where(ActivityRole.activity == activity).order_by(ActivityRole.id))


def visible(resident, activity_id):
    """An activity of a team the resident may serve in; 404 otherwise (it is not shown)."""
    activity = Activity.get_or_none(Activity.id == activity_id)
    if activity is None or activity.team.community_id != resident.community_id \
            or activity.team.building_id not in (None, resident.building_id):
        raise LinliError("not_found", "活动不存在", 404)
    return activity


def led_activity(actor, activity_id):
    """An activity of a team the actor leads; 404 unknown, 403 not_your_team."""
    activity = Activity.get_or_none(Activity.id == activity_id)
    if activity is None:
        raise LinliError("not_found", "活动不存在", 404)
    led_team(actor, activity.team_id)
    return activity


def of_team(actor, team_id):
    """(team, its activities, newest first) for its leaders and staff."""
    team = led_team(actor, team_id)
    return team, list(Activity.select().where(Activity.team == team).order_by(Activity.starts_at.desc(),
                                                                              Activity.id.desc()))


def upcoming(resident, now=None):
    """Open activities not yet ended of the teams the resident may serve in, soonest first."""
    if resident.community_id is None:
        return []
    return list(Activity.select().join(Team)
                .where((Team.community == resident.community_id)
                       & (Team.building.is_null() | (Team.building == resident.building_id))
                       & (Activity.state == "open") & (Activity.ends_at > (now or utcnow())))
                .order_by(Activity.starts_at, Activity.id))


def next_of(team, count=3, now=None):
    """The team's next open activities not yet ended, soonest first (the leader's overview)."""
    return list(Activity.select().where((Activity.team == team) & (Activity.state == "open")
                                        & (Activity.ends_at > (now or utcnow())))
                .order_by(Activity.starts_at, Activity.id).limit(count))


def signup_of(resident, activity):
    return Signup.get_or_none((Signup.activity == activity) & (Signup.resident == resident))


def locked(activity_id):
    """The activity's row, locked for the transaction (see the module's docstring)."""
    query = Activity.select().where(Activity.id == activity_id)
    if is_postgres():
        query = query.for_update()
    return query.get()


# -- signing up -------------------------------------------------------------------------------------
def sign_up(resident, activity_id, role=None, idempotency_key=None, now=None):
    """(signup, created): confirmed while there is a place, else waitlisted. The same key, or a
    sign-up already standing, answers that sign-up (created False)."""
    now = now or utcnow()
    key = (idempotency_key or "").strip()[:64] or None
    activity = visible(resident, activity_id)
    require_eligible(resident, activity.team)
    if key:
        earlier = _by_key(resident, key)
        if earlier is not None and earlier.activity_id != activity.id:
            raise _bad("key_reused", "Idempotency-Key 已用于另一场活动的报名")
        if earlier is not None:
            return earlier, False
    try:
        return _sign_up(resident, activity, role, key, now)
    except IntegrityError:
        # The same key, or another tap of the same resident, committed first: its answer is ours.
        earlier = (_by_key(resident, key) if key else None) or signup_of(resident, activity)
        if earlier is None or earlier.state == "cancelled":
            raise
        return earlier, False


def _sign_up(resident, activity, role_name, key, now):
    with db.atomic():
        current = locked(activity.id)
        if current.state != "open":
            raise VolunteerError("activity_cancelled", "活动已取消")
        if now >= current.starts_at:
            raise VolunteerError("started", "活动已开始，不能再报名")
        role = _role(current, role_name)
        standing = signup_of(resident, current)
        if standing is not None and standing.state != "cancelled":
            return standing, False
        state = "confirmed" if _take(current, role) else "waitlisted"
        fields = dict(state=state, role=role, idempotency_key=key, signed_up_at=now, promoted_at=None,
                      cancelled_at=None, late_cancel=False, no_show=False)
        if standing is None:
            return Signup.create(activity=current, resident=resident, **fields), True
        Signup.update(**fields).where(Signup.id == standing.id).execute()
        return Signup.get_by_id(standing.id), True


def _role(activity, name):
    roles = {r.name: r for r in roles_of(activity)}
    if not roles:
        if name:
            raise _bad("bad_role", "该活动不分岗位")
        return None
    if name not in roles:
        raise _bad("bad_role", "请选择岗位：%s" % "、".join(roles))
    return roles[name]


def _take(activity, role):
    """Take one place (of the role, and of the activity); False when full."""
    if role is not None:
        took = (ActivityRole.update(taken=ActivityRole.taken + 1)
                .where((ActivityRole.id == role.id) & (ActivityRole.taken < ActivityRole.capacity)).execute())
        if not took:
            return False
    took = (Activity.update(taken=Activity.taken + 1)
            .where((Activity.id == activity.id) & (Activity.taken < Activity.capacity)).execute())
    if not took and role is not None:
        raise VolunteerError("full", "活动名额已满")      # the roles' places exceed the activity's: never posted so
    return bool(took)


def _free(activity, role_id):
    if role_id is not None:
        ActivityRole.update(taken=ActivityRole.taken - 1).where(ActivityRole.id == role_id).execute()
    Activity.update(taken=Activity.taken - 1).where(Activity.id == activity.id).execute()


def _by_key(resident, key):
    return Signup.get_or_none((Signup.resident == resident) & (Signup.idempotency_key == key))


# -- cancelling -------------------------------------------------------------------------------------
def cancel(resident, activity_id, now=None):
    """Cancel my sign-up; late when within the activity's late_cancel_hours of its start. A
    confirmed place goes to the first waitlisted of the same role, who is told. Cancelling an
    already cancelled sign-up answers it as it is. Returns (signup, the promoted sign-up or None)."""
    now = now or utcnow()
    activity = visible(resident, activity_id)
    with db.atomic():
        current = locked(activity.id)
        signup = signup_of(resident, current)
        if signup is None:
            raise LinliError("not_signed_up", "您没有报名该活动", 404)
        if signup.state == "cancelled":
            return signup, None
        if now >= current.starts_at:
            raise VolunteerError("started", "活动已开始，不能取消报名")
        late = now > current.starts_at - datetime.timedelta(hours=current.late_cancel_hours)
        Signup.update(state="cancelled", cancelled_at=now, late_cancel=late).where(Signup.id == signup.id).execute()
        promoted = _promote(current, signup, now) if signup.state == "confirmed" else None
    return Signup.get_by_id(signup.id), promoted


def _promote(activity, freed, now):
    """The first waitlisted for the freed place (the same role) takes it; else it is freed."""
    first = (Signup.select().where((Signup.activity == activity) & (Signup.state == "waitlisted")
                                   & (Signup.role == freed.role_id if freed.role_id else Signup.role.is_null()))
             .order_by(Signup.signed_up_at, Signup.id).first())
    if first is None:
        _free(activity, freed.role_id)
        return None
    Signup.update(state="confirmed", promoted_at=now).where(Signup.id == first.id).execute()
    messages.promoted(first)
    return Signup.get_by_id(first.id)


def cancel_activity(actor, activity_id, now=None):
    """The leader or staff call the activity off before its start; each volunteer signed up or
    waitlisted is told (volunteers/messages.py, after the commit). Returns (activity, the sign-ups
    told); cancelling it again answers it as it is, telling no one twice. 409 started."""
    now = now or utcnow()
    activity = led_activity(actor, activity_id)
    with db.atomic():
        current = locked(activity.id)
        if current.state == "cancelled":
            return current, []
        if now >= current.starts_at:
            raise VolunteerError("started", "活动已开始，不能取消")
        Activity.update(state="cancelled", cancelled_at=now).where(Activity.id == current.id).execute()
        told = list(Signup.select().where((Signup.activity == current)
                                          & Signup.state.in_(("confirmed", "waitlisted"))).order_by(Signup.id))
        for signup in told:
            messages.activity_cancelled(signup)
    return Activity.get_by_id(activity.id), told


def waitlist_position(signup):
    """1 for the first waitlisted (of its role), …; None when not waitlisted."""
    if signup.state != "waitlisted":
        return None
    role = (Signup.role == signup.role_id) if signup.role_id else Signup.role.is_null()
    ahead = Signup.select().where((Signup.activity == signup.activity_id) & (Signup.state == "waitlisted") & role
                                 & ((Signup.signed_up_at < signup.signed_up_at)
                                    | ((Signup.signed_up_at == signup.signed_up_at) & (Signup.id < signup.id))))
    return ahead.count() + 1
