"""Telling people what happened to a case, and a proposer what happened to their proposal (议事).

The reporter and the neighbours who follow a case hear when it is accepted, escalated or
resolved; the staff member it lands on hears that it is theirs, and again before its deadline.
Each recipient's notification is a row written in the action's transaction and delivered by
the queue after the commit: a failed or slow WeChat never fails or delays the action, and a
rolled-back action notifies no one.

This module says what each of them reads; wechat/outbound decides how it reaches them:
a subscribe message on the mini-program (MP_CASE_TEMPLATE_ID, when they opted in); else the
official account: a customer-service message while WeChat's window is open, a subscription
notice they consented to (WECHAT_SUBSCRIBE_TEMPLATE_ID), else the reply template unless they
blocked it. Staff hear of a case that lands on them and of its deadline near, each once per case
and clock (Notification.once_key): a subscribe message on the mini-program they bound
(MP_STAFF_CASE_TEMPLATE_ID, opening the case in work/), else WECHAT_STAFF_TEMPLATE_ID on the
official account. As for residents, the backend keeps no consent to a mini-program template:
WeChat holds it, and a send without it fails with 43101, recorded on the row (or passes to the
official account). WeChat's later report of
a subscription notice or template message (delivered, blocked, failed) is kept on the row
(account/consent.py). With no channel the notification is recorded as skipped, with why.

A proposer hears the same way (the subscribe message is MP_PROPOSAL_TEMPLATE_ID, opening the
proposal's page) when their proposal reaches the council's agenda and of its outcome with the
public reason: cases/proposals.py calls proposal_changed inside the step's transaction.
"""
import functools
import operator

from peewee import IntegrityError

from cases import notify_outbox
from cases.labels import LEVEL_LABELS
from cases.labels import STATE_LABELS
from community.policy import DEFAULT_POLICY
from linli import config
from linli.clock import local
from linli.queue import enqueue_after_commit
from linli.queue import huey
from linli.queue import relay
from models.cases import OPEN_STATES
from models.cases import Case
from models.cases import CaseFollower
from models.db import db
from models.db import utcnow
from models.notifications import Notification
from models.people import Staff
from models.proposals import Proposal
from wechat.outbound import delivery
from wechat.outbound import reach
from wechat.outbound.payload import Message
from wechat.outbound.payload import reply_template
from wechat.outbound.payload import template

RESIDENT_KINDS = ("accepted", "escalated", "resolved")
# The staff template's fields (see README): case number, what happened, the deadline.
STAFF_PHRASES = {"assigned": "新案件，请及时响应", "deadline": "即将到期，请尽快办理"}
# A proposal's steps its proposer hears of; the subscribe message's phrase for each (5 characters).
PROPOSAL_STEPS = {"on_agenda": "列入议程", "adopted": "已采纳", "merged": "已合并", "declined": "未采纳"}
PROPOSAL_KINDS = tuple("proposal_" + step for step in PROPOSAL_STEPS)


def case_changed(case, kind):
    """Queue the notifications `kind` calls for; call inside the action's transaction."""
    rows = []
    if kind in RESIDENT_KINDS:
        residents = [case.reporter_id] if case.reporter_id else []
        residents += [f.resident_id for f in CaseFollower.select().where(CaseFollower.case == case)]
        rows += [dict(case=case.id, resident=r, kind=kind) for r in dict.fromkeys(residents)]
    ids = []
    for row in rows:
        ids.append(Notification.create(**row).id)
        _queue(ids[-1])
    if kind in ("assigned", "escalated") and case.assignee_id:
        ids.append(_tell_staff(case, case.assignee_id, "assigned"))
    return [i for i in ids if i is not None]


def proposal_changed(proposal, step):
    """Queue the proposer's notification of `step` (PROPOSAL_STEPS); call inside the step's
    transaction, so a step rolled back notifies no one."""
    note = Notification.create(proposal=proposal.id, resident=proposal.proposer_id, kind="proposal_" + step)
    _queue(note.id)
    return note.id


def _tell_staff(case, staff_id, kind):
    """Queue `kind` (STAFF_PHRASES) of `case` for staff member `staff_id`, inside the caller's
    transaction, at most once per case, kind, person and clock (a level's, restarted by an
    escalation or a reopening): a case transferred back, a sweep run twice, adds nothing. The
    row's id, or None when there was nothing to queue."""
    settings = config.active()
    if not (settings.WECHAT_STAFF_TEMPLATE_ID or settings.MP_STAFF_CASE_TEMPLATE_ID):
        return None             # without a staff template, staff notifications are off
    row = dict(case=case.id, staff=staff_id, kind=kind,
               once_key="%s:%d:%d:%s" % (kind, case.id, staff_id, case.level_started_at.isoformat()))
    reachable = _staff_reachable(staff_id, settings)
    try:
        with db.atomic():       # a savepoint: the caller's action stands when this key was used
            note = Notification.create(**row, **({} if reachable else dict(state="skipped",
                                                                           errmsg="该工作人员未绑定微信")))
    except IntegrityError:
        return None
    if reachable:
        _queue(note.id)
    return note.id


def _queue(notification_id):
    """The row itself is the outbox entry (cases/notify_outbox.py): the consumer's relay delivers it
    once committed. Where tasks run in process (TASKS_IMMEDIATE: tests, a demo without a consumer)
    it is delivered right after the commit instead."""
    if huey.immediate:
        enqueue_after_commit(deliver_notification, notification_id)


@relay
def relay_notifications(now=None):
    """Deliver the notifications due (the consumer runs it every second); how many were taken."""
    rows = notify_outbox.due(now)
    for row_id, claimed_at, channel in rows:
        if claimed_at is not None and channel:
            # Its relay died with the send in flight: it may have arrived.
            if notify_outbox.claim(row_id, now) is not None:
                notify_outbox.crashed_in_flight(row_id)
            continue
        try:
            deliver(row_id, now=now)
        except delivery.Unreachable:
            pass            # given back, tried again later (deliver)
    return len(rows)


def _staff_reachable(staff_id, settings):
    """Bound on a channel a configured staff template goes by: recorded as skipped otherwise."""
    bound = [column.is_null(False) for template_id, column in (
        (settings.WECHAT_STAFF_TEMPLATE_ID, Staff.oa_openid), (settings.MP_STAFF_CASE_TEMPLATE_ID, Staff.mp_openid))
        if template_id]
    return Staff.select().where((Staff.id == staff_id) & functools.reduce(operator.or_, bound)).exists()


def warn_before_deadlines(now=None, ahead=DEFAULT_POLICY.deadline_warning):
    """Staff hear once per case and clock when a case of theirs is due to be resolved within
    `ahead`. (Not the response deadline: it is 2 hours after filing by default, and the new
    case's notice already names it.)"""
    now = now or utcnow()
    due = (Case.select().where(Case.state.in_(OPEN_STATES)
                                 & Case.assignee.is_null(False)
                                 & (Case.resolve_due_at.between(now, now + ahead))))
    warned = []
    # Read whole before writing (as workflow.sweep_overdue): on SQLite a write begun inside an
    # open cursor's snapshot is refused at once once another writer has committed.
    for case in list(due):
        with db.atomic():
            if _tell_staff(case, case.assignee_id, "deadline") is not None:
                warned.append(case.number)
    return warned


# Delivers in process (TASKS_IMMEDIATE), and the tasks a queue still held from before the outbox.
@huey.task(retries=delivery.RETRIES, retry_delay=delivery.RETRY_DELAY, context=True)
def deliver_notification(notification_id, task=None):
    deliver(notification_id, last_try=delivery.last_try(task))


def deliver(notification_id, last_try=None, now=None):
    """Send one notification; only a queued one whose lease this call takes is sent, so running
    it twice, or in two places, sends once. `last_try`: None counts the row's attempts."""
    note = notify_outbox.claim(notification_id, now)
    if note is None:
        return
    if last_try is None:
        last_try = notify_outbox.is_last_try(note)
    try:
        _send(note, last_try)
    except delivery.Unreachable:
        notify_outbox.retry_later(note.id, now)
        raise


def _send(note, last_try):
    if note.proposal_id:
        person, message, channels = _to_proposer(note)
    else:
        person, message, channels = _to_resident(note) if note.resident_id else _to_staff(note)

    def mark(channel, form):
        # Marked before the send: a customer-service message in flight counts against the
        # window, and WeChat's report of a subscription notice is matched by its template.
        (Notification.update(channel=channel, template_id=form.template_id if form else "")
         .where(Notification.id == note.id).execute())

    outcome = delivery.attempt(person, message, channels, last_try, on_try=mark)
    # TEMPLATESENDJOBFINISH reports a template message's fate under its msgid.
    msgid = outcome.result.msgid if outcome.result else None
    delivery.record(Notification, note.id, outcome, refused="failed", **({"msgid": msgid} if msgid else {}))


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
    """The resident, what they read about the case in each form, and the channels that reach them."""
    resident, case, settings = note.resident, note.case, config.active()
    said = text(case, note.kind)
    # The case-progress subscribe template (see README): number, state, what happened, when.
    fields = {"character_string1": case.number, "phrase2": STATE_LABELS[case.state], "thing3": said,
              "time4": local(utcnow()).strftime("%Y-%m-%d %H:%M")}
    page = "%s?number=%s" % (settings.MP_CASE_PAGE, case.number)
    message = Message(text=said, mini_program=template(settings.MP_CASE_TEMPLATE_ID, fields, page),
                      notice=template(settings.WECHAT_SUBSCRIBE_TEMPLATE_ID, fields, page,
                                      appid=settings.MINIPROGRAM_APPID),
                      template=reply_template(said, settings))
    return resident, message, reach.channels(resident, message)


def _to_staff(note):
    """The staff member, what they read (the same fields in both templates, see README), and the
    channels that reach them: the mini-program first, opening the case in work/."""
    case, staff, settings = note.case, note.staff, config.active()
    due = case.response_due_at if note.kind == "assigned" else case.resolve_due_at
    fields = {"character_string1": case.number, "thing2": STAFF_PHRASES[note.kind],
              "time3": local(due).strftime("%Y-%m-%d %H:%M")}
    page = "%s?number=%s" % (settings.MP_STAFF_CASE_PAGE, case.number)
    message = Message(mini_program=template(settings.MP_STAFF_CASE_TEMPLATE_ID, fields, page),
                      template=template(settings.WECHAT_STAFF_TEMPLATE_ID, fields))
    return staff, message, reach.staff_channels(staff, message)


def proposal_text(proposal, step):
    """What a proposer reads about `step` of their proposal: its title and, for an outcome, the
    public reason staff gave."""
    title = proposal.title
    if step == "on_agenda":
        return "您提出的议事“%s”已获%d户附议，列入议事会议程。" % (title, proposal.supporters)
    if step == "adopted":
        became = Case.select(Case.number).where(Case.id == proposal.case_id).scalar() if proposal.case_id else None
        return "您提出的议事“%s”已被采纳%s。说明：%s" % (
            title, "，转为案件%s办理" % became if became else "", proposal.outcome_reason)
    if step == "merged":
        into = Proposal.select(Proposal.title).where(Proposal.id == proposal.merged_into_id).scalar()
        return "您提出的议事“%s”已并入议事“%s”一并讨论。说明：%s" % (title, into, proposal.outcome_reason)
    return "您提出的议事“%s”未被采纳。说明：%s" % (title, proposal.outcome_reason)


def _to_proposer(note):
    """The proposer, what they read about the step, and the channels that reach them: the
    mini-program's subscribe message, else the official account's customer-service message in
    the window, else the reply template."""
    resident, proposal, settings = note.resident, note.proposal, config.active()
    step = note.kind[len("proposal_"):]
    said = proposal_text(proposal, step)
    # The proposal-progress subscribe template (see README): title, step, what happened, when.
    fields = {"thing1": proposal.title, "phrase2": PROPOSAL_STEPS[step], "thing3": said,
              "time4": local(utcnow()).strftime("%Y-%m-%d %H:%M")}
    page = "%s?id=%d" % (settings.MP_PROPOSAL_PAGE, proposal.id)
    message = Message(text=said, mini_program=template(settings.MP_PROPOSAL_TEMPLATE_ID, fields, page),
                      template=reply_template(said, settings))
    return resident, message, reach.channels(resident, message)
