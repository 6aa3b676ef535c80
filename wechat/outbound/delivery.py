"""Sending one queued message: its row claimed once, its channels tried in turn, and what WeChat's
answer means written on the row.

- WeChat answered with an error: "failed", with its errcode; "refused" where the row keeps that
  state, for a closed window or a person who left (`Outcome.refused`).
- The request timed out: "unknown". It may have arrived, so it is not sent again blindly (naive
  retries have duplicated messages elsewhere).
- WeChat could not be reached: nothing was sent. `Unreachable` is raised so the queue tries
  again (the delivery tasks are declared with RETRIES and RETRY_DELAY), and on the last try the
  outcome is "failed".
- No channel reaches the person: "skipped", with why.
"""
import dataclasses
import logging

import requests
from wechatpy.exceptions import WeChatClientException

import wechat
from models.db import utcnow
from wechat import errcodes
from wechat.outbound import reach

logger = logging.getLogger(__name__)

# A delivery task's huey options: three more tries, half a minute apart, while WeChat is unreachable.
RETRIES = 3
RETRY_DELAY = 30
NO_CHANNEL = "该接收人没有可用的通知渠道"
# WeChat refused the channel for a reason the next channel does not share.
FALLS_THROUGH = {"subscribe": {errcodes.NO_SUBSCRIPTION}, "custom": errcodes.WINDOW_CLOSED,
                 "oa_subscribe": {errcodes.NO_SUBSCRIPTION}, "template": set()}


class Unreachable(Exception):
    """WeChat could not be reached: nothing was sent, so the queue may try again."""


@dataclasses.dataclass(frozen=True)
class Sent:
    channel: str
    template_id: str = ""
    msgid: str | None = None         # a template message's, which WeChat's delivery report names


@dataclasses.dataclass(frozen=True)
class Outcome:
    state: str              # sent, skipped, failed, unknown
    errcode: object = None
    errmsg: str = ""
    result: object = None   # what the send returned (a Sent)

    @property
    def refused(self):
        return self.state == "failed" and self.errcode in errcodes.WINDOW_CLOSED | errcodes.RECIPIENT_GONE


def last_try(task):
    """Whether this run of a delivery task is its last (True when run directly, not by the queue)."""
    return task is None or task.retries == 0


def claim(model, row_id):
    """The queued row to send, with this attempt counted; None once it has been settled (sent,
    failed, ...), which is what makes running a delivery task twice send once."""
    row = model.get_or_none(model.id == row_id)
    if row is None or row.state != "queued":
        return None
    model.update(attempts=model.attempts + 1).where(model.id == row.id).execute()
    return row


def send(person, message, channels, on_try=None):
    """Send `message` (payload.Message) to `person` by the first of `channels` (reach.py) WeChat
    takes; returns a Sent, or None when `channels` is empty. A channel WeChat refuses for want of
    a window or of consent passes to the next (a spent consent is recorded); when none is left,
    the last refusal is raised. `on_try(channel, template)` runs before each try: a row marked
    "custom" first counts against the window while the send is in flight."""
    refused = None
    for channel in channels:
        form = _FORMS[channel](message)
        if form is None and channel != "custom":
            continue            # nothing to send that way (its template was unset since it was queued)
        if on_try is not None:
            on_try(channel, form)
        try:
            msgid = _SENDERS[channel](person, message, form)
        except WeChatClientException as exc:
            if exc.errcode not in FALLS_THROUGH[channel]:
                raise
            if channel == "oa_subscribe":
                reach.spent(person, form.template_id)      # a one-time consent, used up
            refused = exc
            continue
        return Sent(channel, form.template_id if form else "", msgid)
    if refused is not None:
        raise refused
    return None


def attempt(person, message, channels, last_try, on_try=None):
    """One try at send(): its Outcome. On WeChat unreachable, Unreachable is raised for the
    queue to try again, unless this is the `last_try`."""
    try:
        result = send(person, message, channels, on_try)
    except WeChatClientException as exc:
        return Outcome("failed", exc.errcode, exc.errmsg or "")
    except requests.Timeout:
        return Outcome("unknown", None, "微信接口超时：可能已送达，未自动重发")
    except requests.ConnectionError as exc:
        if last_try:
            return Outcome("failed", None, "无法连接微信接口：%s" % exc)
        raise Unreachable(str(exc)) from exc
    if result is None:
        return Outcome("skipped", None, NO_CHANNEL)
    return Outcome("sent", result=result)


def record(model, row_id, outcome, refused="refused", **values):
    """Write `outcome` on the row (state, errcode, errmsg, sent_at, and `values`); a refusal is
    recorded as `refused` (a row without that state says "failed"). Returns the state."""
    state = refused if outcome.refused else outcome.state
    if state not in ("sent", "skipped"):
        logger.warning("%s %s %s: %s %s", model.__name__, row_id, state, outcome.errcode, outcome.errmsg)
    (model.update(state=state, errcode=outcome.errcode, errmsg=outcome.errmsg or "",
                  sent_at=utcnow() if state == "sent" else None, **values)
     .where(model.id == row_id).execute())
    return state


def _mini_program(person, message, form):
    wechat.miniprogram().wxa.send_subscribe_message(person.mp_openid, form.template_id, form.data,
                                                    page=form.page or None)


def _custom(person, message, form):
    wechat.official().message.send_text(person.oa_openid, message.text)


def _notice(person, message, form):
    # A tap opens the mini-program page when there is one; WeChat answers no msgid, its report
    # (subscribe_msg_sent_event) is matched by template.
    mini = {"appid": form.appid, "pagepath": form.page} if form.appid and form.page else None
    wechat.official().subscribe_notice.send(person.oa_openid, form.template_id, form.data, miniprogram=mini)


def _template(person, message, form):
    answer = wechat.official().message.send_template(person.oa_openid, form.template_id, form.data)
    msgid = answer.get("msgid") if isinstance(answer, dict) else None
    return str(msgid) if msgid is not None else None


_FORMS = {"subscribe": lambda m: m.mini_program, "custom": lambda m: None,
          "oa_subscribe": lambda m: m.notice, "template": lambda m: m.template}
_SENDERS = {"subscribe": _mini_program, "custom": _custom, "oa_subscribe": _notice, "template": _template}
