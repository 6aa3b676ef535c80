"""Check-in and check-out at the place, and the hours served.

The leader's phone shows the activity's rotating signed QR (linli/signed_qr.py, the red card's
scheme: a payload is good for LIFETIME seconds, so a screenshot sent to a friend at home stops
working); the volunteer scans it and posts the payload. A stale payload is qr_expired, one not
signed by us qr_forged, another activity's wrong_activity: each refused, nothing written. The
leader may also mark a volunteer in or out by hand; the hand check-out is how a forgotten one is
closed, at a time no later than the activity's end (never counted to midnight).

Hours are the time served within the activity: from the check-in or the start, whichever is
later (check-in opens an hour early, to let people in, not to count that hour), to the check-out
or the end, whichever is earlier. Once the leader confirms them (after the end, with no
check-out left open) they are stored on each sign-up and are final: any later check-in,
check-out or mark is refused hours_confirmed. Confirmed sign-ups that never checked in are
recorded as no-shows then.
"""
import datetime

from linli import signed_qr
from linli.errors import LinliError
from models.db import db
from models.db import utcnow
from models.people import Resident
from models.volunteers import Activity
from models.volunteers import Signup
from volunteers.activities import led_activity
from volunteers.activities import locked
from volunteers.activities import signup_of
from volunteers.activities import visible
from volunteers.teams import VolunteerError
from volunteers.teams import display_name

QR_SALT = "linli-volunteer-qr"
EARLY = datetime.timedelta(hours=1)         # check-in opens an hour before the start


def qr(actor, activity_id, secret_key):
    """(payload, activity) for the leader's screen, fresh on every call."""
    activity = led_activity(actor, activity_id)
    return signed_qr.payload({"a": activity.id}, secret_key, QR_SALT), activity


def _scanned(activity, payload, secret_key):
    try:
        value = signed_qr.value_of(payload or "", secret_key, QR_SALT)
    except signed_qr.Expired:
        raise LinliError("qr_expired", "二维码已过期，请让队长刷新签到码后重新扫码") from None
    except signed_qr.Forged:
        raise LinliError("qr_forged", "二维码无效") from None
    if not isinstance(value, dict) or value.get("a") != activity.id:
        raise LinliError("wrong_activity", "这是另一场活动的签到码")


def _editable(activity):
    if activity.state == "cancelled":
        raise VolunteerError("activity_cancelled", "活动已取消")
    if activity.hours_confirmed_at is not None:
        raise VolunteerError("hours_confirmed", "服务时长已确认，不能再修改")


def _confirmed_signup(resident_id, activity):
    signup = signup_of(resident_id, activity)
    if signup is None or signup.state == "cancelled":
        raise LinliError("not_signed_up", "未报名该活动", 404)
    if signup.state != "confirmed":
        raise VolunteerError("waitlisted", "候补中，尚未获得名额")
    return signup


def _window(activity, at):
    if not activity.starts_at - EARLY <= at <= activity.ends_at:
        raise VolunteerError("outside_activity", "不在活动时间内（开始前1小时至结束）")


def check_in(resident, activity_id, payload, secret_key, now=None):
    """The volunteer checks in by the scanned payload; 409 already_checked_in a second time."""
    now = now or utcnow()
    activity = visible(resident, activity_id)
    _scanned(activity, payload, secret_key)
    return _in(activity, resident.id, now, "qr")


def _in(activity, resident_id, at, by):
    activity = Activity.get_by_id(activity.id)
    _editable(activity)
    signup = _confirmed_signup(resident_id, activity)
    _window(activity, at)
    with db.atomic():
        _editable(locked(activity.id))        # a confirmation committed meanwhile wins
        done = (Signup.update(checked_in_at=at, checked_in_by=by)
                .where((Signup.id == signup.id) & Signup.checked_in_at.is_null()).execute())
        if not done:
            raise VolunteerError("already_checked_in", "已签到")
    return Signup.get_by_id(signup.id)


def check_out(resident, activity_id, payload, secret_key, now=None):
    """The volunteer checks out by the scanned payload; the time is capped at the end."""
    now = now or utcnow()
    activity = visible(resident, activity_id)
    _scanned(activity, payload, secret_key)
    return _out(activity, resident.id, min(now, activity.ends_at), "qr")


def _out(activity, resident_id, at, by):
    activity = Activity.get_by_id(activity.id)
    _editable(activity)
    signup = _confirmed_signup(resident_id, activity)
    if signup.checked_in_at is None:
        raise VolunteerError("not_checked_in", "尚未签到")
    if not signup.checked_in_at <= at <= activity.ends_at:
        raise LinliError("bad_time", "签退时间应在签到之后、活动结束之前", 422)
    with db.atomic():
        _editable(locked(activity.id))
        done = (Signup.update(checked_out_at=at, checked_out_by=by)
                .where((Signup.id == signup.id) & Signup.checked_out_at.is_null()).execute())
        if not done:
            raise VolunteerError("already_checked_out", "已签退")
    return Signup.get_by_id(signup.id)


def mark(actor, activity_id, resident_id, action, at=None, now=None):
    """The leader marks a volunteer in or out by hand (`at` defaults to now; a check-out by hand
    closes a forgotten one, at a time no later than the end)."""
    activity = led_activity(actor, activity_id)
    at = at or min(now or utcnow(), activity.ends_at)
    if action == "check_in":
        return _in(activity, resident_id, at, "hand")
    if action == "check_out":
        return _out(activity, resident_id, at, "hand")
    raise LinliError("bad_action", "action 应为 check_in 或 check_out", 422)


def minutes_served(signup, activity):
    if signup.checked_in_at is None or signup.checked_out_at is None:
        return None
    served = min(signup.checked_out_at, activity.ends_at) - max(signup.checked_in_at, activity.starts_at)
    return max(0, int(served.total_seconds() // 60))


def confirm_hours(actor, activity_id, now=None):
    """The leader confirms the hours once the activity has ended: stored on each sign-up, final.
    409 not_ended, open_check_outs (who still has to be checked out), hours_confirmed."""
    now = now or utcnow()
    activity = led_activity(actor, activity_id)
    if now < activity.ends_at:
        raise VolunteerError("not_ended", "活动结束后才能确认服务时长")
    with db.atomic():
        _editable(locked(activity.id))
        signups = list(Signup.select().where((Signup.activity == activity) & (Signup.state == "confirmed")))
        open_ones = [s for s in signups if s.checked_in_at is not None and s.checked_out_at is None]
        if open_ones:
            names = "、".join(display_name(Resident.get_by_id(s.resident_id)) for s in open_ones)
            raise VolunteerError("open_check_outs", "还有人未签退，请先为其补签退：%s" % names)
        for signup in signups:
            if signup.checked_in_at is None:
                Signup.update(no_show=True).where(Signup.id == signup.id).execute()
            else:
                Signup.update(minutes=minutes_served(signup, activity)).where(Signup.id == signup.id).execute()
        confirmed = (Activity.update(hours_confirmed_at=now)
                     .where((Activity.id == activity.id) & Activity.hours_confirmed_at.is_null()).execute())
        if not confirmed:
            raise VolunteerError("hours_confirmed", "服务时长已确认")
    return Activity.get_by_id(activity.id)


def roster(actor, activity_id):
    """The activity's sign-ups for its leader, in order: confirmed first, then the waitlist."""
    activity = led_activity(actor, activity_id)
    order = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}
    rows = list(Signup.select(Signup, Resident).join(Resident).where(Signup.activity == activity))
    return activity, sorted(rows, key=lambda s: (order[s.state], s.signed_up_at, s.id))
