"""Telling people what happened to a case (the case-workflow issue, item 5).

The reporter and the neighbours who follow a case hear when it is accepted, escalated or
resolved; the staff member it lands on hears that it is theirs, and again before its deadline.
Each recipient's notification is a row written in the action's transaction and delivered by
the queue after the commit: a failed or slow WeChat never fails or delays the action, and a
rolled-back action notifies no one.

Channels: a resident on the mini-program gets a subscribe message (MP_CASE_TEMPLATE_ID; they
must have opted in, else 43101); otherwise, or then, the official account: a customer-service
message while WeChat's window is open (account/window.py); else, or when WeChat says the window
is closed (45015), a subscription notice the resident consented to (WECHAT_SUBSCRIBE_TEMPLATE_ID,
account/consent.py); else the reply template, unless they blocked it. WeChat's later report of a
subscription notice or template message (delivered, blocked, failed) is kept on the row. Staff get WECHAT_STAFF_TEMPLATE_ID on
the official account. With no channel the notification is recorded as skipped, with why.
"""
from wechatpy.exceptions import WeChatClientException

from community.policy import DEFAULT_POLICY
from linli import config
import wechat
from account import consent
from account.outbox import OUT_OF_WINDOW_ERRORS
from account.outbox import official_account_channels
from models.db import db
from models.db import utcnow
from models.notifications import Notification
from models.people import Staff
from models.cases import OPEN_STATES
from models.cases import Case
from models.cases import CaseFollower
from cases.clock import local
from cases.labels import LEVEL_LABELS
from cases.labels import STATE_LABELS
from wechat import delivery

RESIDENT_KINDS = ("accepted", "escalated", "resolved")
# The staff template's fields (see README): case number, what happened, the deadline.
STAFF_PHRASES = {"assigned": "新案件，请及时响应", "deadline": "即将到期，请尽快办理"}
DEADLINE_WARNING = DEFAULT_POLICY.deadline_warning
NO_SUBSCRIPTION = 43101


def case_changed(case, kind):
    """Queue the notifications `kind` calls for; call inside the action's transaction."""
    rows = []
    if kind in RESIDENT_KINDS:
        residents = [case.reporter_id] if case.reporter_id else []
        residents += [f.resident_id for f in CaseFollower.select().where(CaseFollower.report == case)]
        rows += [dict(report=case.id, resident=r, kind=kind) for r in dict.fromkeys(residents)]
    if kind in ("assigned", "escalated") and case.assignee_id and config.active().WECHAT_STAFF_TEMPLATE_ID:
        # Without a staff template, staff notifications are off for the whole deployment.
        rows.append(dict(report=case.id, staff=case.assignee_id, kind="assigned"))
    ids = []
    for row in rows:
        if "staff" in row and not _staff_reachable(row["staff"]):
            # Recorded, not queued: they have not bound their WeChat.
            Notification.create(state="skipped", errmsg="该工作人员未绑定微信", **row)
            continue
        ids.append(Notification.create(**row).id)
    if ids:
        db.after_commit(lambda: _enqueue(ids))
    return ids


def _staff_reachable(staff_id):
    return Staff.select().where((Staff.id == staff_id) & Staff.oa_openid.is_null(False)).exists()


def warn_before_deadlines(now=None, ahead=DEADLINE_WARNING):
    """Staff hear once per level when a case of theirs is due within `ahead`."""
    now = now or utcnow()
    due = (Case.select().where(Case.state.in_(OPEN_STATES)
                                 & Case.assignee.is_null(False)
                                 & (Case.resolve_due_at.between(now, now + ahead))))
    warned = []
    for case in due:
        already = Notification.select().where((Notification.report == case) & (Notification.kind == "deadline")
                                              & (Notification.created_at >= case.level_started_at)).exists()
        if not already:
            with db.atomic():
                note = Notification.create(report=case, staff=case.assignee_id, kind="deadline")
                db.after_commit(lambda i=note.id: _enqueue([i]))
            warned.append(case.number)
    return warned


def deliver(notification_id, last_try=False):
    """Send one notification; only a queued one is sent, so running it twice sends once."""
    note = delivery.claim(Notification, notification_id)
    if note is None:
        return
    outcome = delivery.attempt(lambda: (_to_resident if note.resident_id else _to_staff)(note), last_try)
    if outcome.state == "sent" and outcome.result is None:
        return _record(note, "skipped", None, "该接收人没有可用的通知渠道")
    _record(note, outcome.state, outcome.errcode, outcome.errmsg, outcome.result)


def text(case, kind):
    """What a resident reads about `kind` (accepted, escalated, resolved)."""
    number = case.number
    if kind == "accepted":
        return "您反映的问题（%s）已受理，%s正在处理。" % (number, LEVEL_LABELS[case.level])
    if kind == "escalated":
        return "您反映的问题（%s）已升级至%s，将在%s前办结。" % (
            number, LEVEL_LABELS[case.level], local(case.resolve_due_at).strftime("%m月%d日%H:%M"))
    return "您反映的问题（%s）已办结，请在小程序中确认是否解决并评价。" % number


def _to_resident(note):
    resident, case = note.resident, note.report
    settings = config.active()
    if resident.mp_openid and settings.MP_CASE_TEMPLATE_ID:
        try:
            wechat.miniprogram().wxa.send_subscribe_message(
                resident.mp_openid, settings.MP_CASE_TEMPLATE_ID, _subscribe_data(case, note.kind),
                page="%s?number=%s" % (settings.MP_CASE_PAGE, case.number))
            return "subscribe"
        except WeChatClientException as exc:
            if exc.errcode != NO_SUBSCRIPTION:
                raise
            # No opt-in for this send: try the official account instead.
    if not (resident.oa_openid and resident.subscribed):
        return None
    message, refused = text(case, note.kind), None
    for channel in official_account_channels(resident):
        try:
            _send_official(note, channel, message)
        except WeChatClientException as exc:
            if channel == "custom" and exc.errcode in OUT_OF_WINDOW_ERRORS:
                refused = exc   # WeChat says the window is closed: the next channel has none
                continue
            if channel == "oa_subscribe" and exc.errcode == NO_SUBSCRIPTION:
                consent.spent(resident, config.active().WECHAT_SUBSCRIBE_TEMPLATE_ID)
                refused = exc   # their consent was used up (a one-time subscription)
                continue
            raise
        return channel
    if refused is not None:
        raise refused           # no channel left: recorded with WeChat's errcode
    return None


def _send_official(note, channel, message):
    settings, openid, case = config.active(), note.resident.oa_openid, note.report
    client = wechat.official()
    if channel == "custom":
        # Marked first: a send in flight counts against the window for the next one.
        Notification.update(channel="custom").where(Notification.id == note.id).execute()
        client.message.send_text(openid, message)
    elif channel == "oa_subscribe":
        # Marked first too: WeChat's report (subscribe_msg_sent_event) finds it by its template.
        template_id = settings.WECHAT_SUBSCRIBE_TEMPLATE_ID
        (Notification.update(channel="oa_subscribe", template_id=template_id)
         .where(Notification.id == note.id).execute())
        mini = {"appid": settings.MINIPROGRAM_APPID,
                "pagepath": "%s?number=%s" % (settings.MP_CASE_PAGE, case.number)} \
            if settings.MINIPROGRAM_APPID else None
        client.subscribe_notice.send(openid, template_id, _subscribe_data(case, note.kind), miniprogram=mini)
    else:
        template_id = settings.WECHAT_REPLY_TEMPLATE_ID
        sent = client.message.send_template(
            openid, template_id, {settings.WECHAT_REPLY_TEMPLATE_FIELD: {"value": _short(message)}})
        # TEMPLATESENDJOBFINISH reports its fate under this msgid.
        msgid = sent.get("msgid") if isinstance(sent, dict) else None
        (Notification.update(template_id=template_id, msgid=str(msgid) if msgid is not None else None)
         .where(Notification.id == note.id).execute())


def _to_staff(note):
    settings = config.active()
    if not (note.staff.oa_openid and settings.WECHAT_STAFF_TEMPLATE_ID):
        return None
    case = note.report
    due = case.response_due_at if note.kind == "assigned" else case.resolve_due_at
    wechat.official().message.send_template(note.staff.oa_openid, settings.WECHAT_STAFF_TEMPLATE_ID, {
        "character_string1": {"value": case.number},
        "thing2": {"value": STAFF_PHRASES[note.kind]},
        "time3": {"value": local(due).strftime("%Y-%m-%d %H:%M")},
    })
    return "template"


def _subscribe_data(case, kind):
    """Fields of the case-progress subscribe template (see README): number, state, note, time."""
    return {"character_string1": {"value": case.number},
            "phrase2": {"value": STATE_LABELS[case.state][:5]},
            "thing3": {"value": _short(text(case, kind))},
            "time4": {"value": local(utcnow()).strftime("%Y-%m-%d %H:%M")}}


def _short(value, limit=20):
    return value if len(value) <= limit else value[:limit - 1] + "…"


def _record(note, state, errcode, errmsg, channel=None):
    values = dict(state=state, errcode=errcode, errmsg=errmsg or "",
                  sent_at=utcnow() if state == "sent" else None)
    if channel:
        values["channel"] = channel
    Notification.update(**values).where(Notification.id == note.id).execute()


def _enqueue(ids):
    from cases.tasks import deliver_notification
    for notification_id in ids:
        deliver_notification(notification_id)
