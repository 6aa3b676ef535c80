"""Telling volunteers: a reminder the day before an activity, the news that they moved up from
the waitlist, an urgent call of their team, an activity called off.

Each message is a row written in the transaction of what caused it and delivered by the queue
after the commit (as cases/notify.py does), through wechat/outbound: the mini-program's
subscribe message where the resident opted in (MP_VOLUNTEER_TEMPLATE_ID), else the official
account: a customer-service message while WeChat's window is open, else the reply template
unless they blocked it. With no channel the row is kept as skipped, with why.

The reminder is sent once per sign-up: the unique key (signup, kind) lets the hourly task run
twice, or in two consumers, and write one row.
"""
import datetime

from linli import config
from linli.clock import local
from linli.queue import enqueue_after_commit
from linli.queue import huey
from models.db import db
from models.db import utcnow
from models.volunteers import Activity
from models.volunteers import Signup
from models.volunteers import UrgentCall
from models.volunteers import VolunteerMessage
from wechat.outbound import delivery
from wechat.outbound import reach
from wechat.outbound.payload import Message
from wechat.outbound.payload import reply_template
from wechat.outbound.payload import template

# The subscribe template's phrase for each kind (5 characters at most).
PHRASES = {"reminder": "明天服务", "promoted": "候补转正", "urgent_call": "紧急任务", "cancelled": "活动取消"}
REMIND_FROM_HOUR, REMIND_UNTIL_HOUR = 9, 21        # local hours: no reminder wakes anyone


def promoted(signup):
    """Queue the news of a promotion; call inside the cancel's transaction. A second promotion of
    the same sign-up (it was cancelled and taken again) is news again."""
    VolunteerMessage.delete().where((VolunteerMessage.signup == signup.id)
                                    & (VolunteerMessage.kind == "promoted")).execute()
    note = VolunteerMessage.create(resident=signup.resident_id, kind="promoted", signup=signup.id)
    enqueue_after_commit(deliver_message, note.id)
    return note.id


def activity_cancelled(signup):
    """Queue the news that the activity is called off; call inside the cancel's transaction. An
    activity is cancelled once, so its sign-up hears it once (the key signup, kind)."""
    note = VolunteerMessage.create(resident=signup.resident_id, kind="cancelled", signup=signup.id)
    enqueue_after_commit(deliver_message, note.id)
    return note.id


def called(call, resident_ids):
    """Queue an urgent call to each of `resident_ids`; call inside the call's transaction."""
    ids = []
    for resident_id in resident_ids:
        ids.append(VolunteerMessage.create(resident=resident_id, kind="urgent_call", call=call.id).id)
        enqueue_after_commit(deliver_message, ids[-1])
    return ids


def tomorrows_signups(now):
    """Confirmed sign-ups of open activities starting on the local day after `now`'s."""
    day = local(now).date() + datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=local(now).tzinfo)
    start_utc = start.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return (Signup.select(Signup.id, Signup.resident).join(Activity)
            .where((Signup.state == "confirmed") & (Activity.state == "open")
                   & (Activity.starts_at >= start_utc)
                   & (Activity.starts_at < start_utc + datetime.timedelta(days=1))))


def remind(now=None):
    """Queue the reminder of each of tomorrow's sign-ups that has none yet; the ids queued."""
    now = now or utcnow()
    queued = []
    for signup in list(tomorrows_signups(now)):     # read whole before writing (SQLite's snapshot)
        with db.atomic():
            # Conflicting on (signup, kind): a reminder already written returns no row.
            written = list(VolunteerMessage.insert(resident=signup.resident_id, kind="reminder", signup=signup.id,
                                                   created_at=now)
                           .on_conflict_ignore().returning(VolunteerMessage.id).tuples().execute())
            for (note_id,) in written:
                enqueue_after_commit(deliver_message, note_id)
                queued.append(note_id)
    return queued


def reminding_hours(now):
    return REMIND_FROM_HOUR <= local(now).hour < REMIND_UNTIL_HOUR


@huey.task(retries=delivery.RETRIES, retry_delay=delivery.RETRY_DELAY, context=True)
def deliver_message(message_id, task=None):
    deliver(message_id, last_try=delivery.last_try(task))


def deliver(message_id, last_try=False):
    """Send one message; only a queued one is sent, so running it twice sends once."""
    note = delivery.claim(VolunteerMessage, message_id)
    if note is None:
        return
    resident = note.resident
    said, title, page = _what(note)
    settings = config.active()
    fields = {"thing1": title, "phrase2": PHRASES[note.kind], "thing3": said,
              "time4": local(utcnow()).strftime("%Y-%m-%d %H:%M")}
    message = Message(text=said, mini_program=template(settings.MP_VOLUNTEER_TEMPLATE_ID, fields, page),
                      template=reply_template(said, settings))

    def mark(channel, form):
        (VolunteerMessage.update(channel=channel, template_id=form.template_id if form else "")
         .where(VolunteerMessage.id == note.id).execute())

    outcome = delivery.attempt(resident, message, reach.channels(resident, message), last_try, on_try=mark)
    msgid = outcome.result.msgid if outcome.result else None
    delivery.record(VolunteerMessage, note.id, outcome, refused="failed", **({"msgid": msgid} if msgid else {}))


def _what(note):
    """What the volunteer reads, the title for the template, and the page a tap opens."""
    page = config.active().MP_VOLUNTEER_PAGE
    if note.call_id:
        call = UrgentCall.get_by_id(note.call_id)
        said = "紧急任务：%s，地点%s，需要%d人，能来请在小程序中回复“来”。" % (call.what, call.place, call.needed)
        return said, call.what, "%s?call=%d" % (page, call.id)
    signup = Signup.get_by_id(note.signup_id)
    activity = Activity.get_by_id(signup.activity_id)
    when = local(activity.starts_at).strftime("%m月%d日%H:%M")
    if note.kind == "cancelled":
        said = "很抱歉，您报名的志愿活动“%s”（%s，%s）已取消，感谢您的支持。" % (activity.title, when, activity.place)
    elif note.kind == "reminder":
        said = "提醒：您报名的志愿活动“%s”将于%s在%s开始，如不能参加请提前取消。" % (
            activity.title, when, activity.place)
    else:
        said = "您已从候补转为正式报名：志愿活动“%s”，%s，%s。" % (activity.title, when, activity.place)
    return said, activity.title, "%s?id=%d" % (page, activity.id)
