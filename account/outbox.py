"""Staff replies to residents, sent by the task queue with WeChat's rules respected.

A customer-service message may go out while WeChat's window is open (account/window.py: 5
within 48 hours of the resident's own message, 3 within a minute of a follow, scan or menu tap);
outside it a template message goes instead when one is configured
(WECHAT_REPLY_TEMPLATE_ID), else the reply is refused with a clear reason. Each message's fate
is recorded: sent, refused (WeChat or the rules said no), failed (an error to look at), or
unknown (the request timed out: it may have arrived, so it is not sent again blindly).
"""
import logging

from wechatpy.exceptions import WeChatClientException

from linli import config
import wechat
from account import consent
from account import window
from linli.errors import LinliError
from models.account import OUTBOUND_KINDS
from models.account import OutboundMessage
from models.db import db
from models.db import utcnow
from wechat import delivery

logger = logging.getLogger(__name__)

MAX_LENGTH = 600
OUT_OF_WINDOW_ERRORS = {45015, 45047}     # outside the window; over the number allowed
GONE_ERRORS = {43004, 40003}              # unsubscribed; openid unknown


class OutboxError(LinliError):
    status = 422


def reply(staff, resident, text, in_reply_to=None, now=None):
    """Queue `text` to `resident` from `staff`; returns the OutboundMessage. Call outside a
    transaction: the task is queued once the row is committed."""
    now = now or utcnow()
    text = (text or "").strip()
    if not text:
        raise OutboxError("empty_reply", "回复内容不能为空")
    if len(text) > MAX_LENGTH:
        raise OutboxError("reply_too_long", "回复不能超过%d个字" % MAX_LENGTH)
    if not resident.oa_openid or not resident.subscribed:
        raise OutboxError("not_following", "该居民未关注公众号（或已取消关注），无法发送消息")
    kind = official_account_channel(resident, now)
    if kind is None:
        raise OutboxError("outside_window",
                          "居民超过48小时未发消息（或可回复的条数已用完），客服消息无法送达，"
                          "且没有可用的模板消息（未配置，或居民已拒收）")
    with db.atomic():
        message = OutboundMessage.create(resident=resident, staff=staff, in_reply_to=in_reply_to,
                                         kind=kind, content=text, created_at=now)
    from account.tasks import deliver_outbound
    deliver_outbound(message.id)
    return message


def official_account_channel(resident, now=None):
    """How the official account can reach `resident` with a staff reply now: "custom" while
    WeChat's window is open (account/window.py; staff replies and case notifications share it),
    else "template" when one is configured and not blocked, else None."""
    return next(iter(official_account_channels(resident, now, kinds=OUTBOUND_KINDS)), None)


def official_account_channels(resident, now=None, kinds=("custom", "oa_subscribe", "template")):
    """The channels to try in order: a customer-service message while the window is open; a
    subscription notice the resident consented to (WECHAT_SUBSCRIBE_TEMPLATE_ID); the reply
    template (no window, no consent needed) unless they blocked it."""
    settings, channels = config.active(), []
    if "custom" in kinds and window.remaining(resident, now or utcnow()) > 0:
        channels.append("custom")
    if "oa_subscribe" in kinds and settings.WECHAT_SUBSCRIBE_TEMPLATE_ID \
            and consent.accepted(resident, settings.WECHAT_SUBSCRIBE_TEMPLATE_ID):
        channels.append("oa_subscribe")
    if "template" in kinds and settings.WECHAT_REPLY_TEMPLATE_ID \
            and not consent.rejected(resident, settings.WECHAT_REPLY_TEMPLATE_ID):
        channels.append("template")
    return channels


def deliver(message_id, last_try=False):
    """Send one queued message. Safe to run twice: only a queued message is sent."""
    message = delivery.claim(OutboundMessage, message_id)
    if message is None:
        return
    client = wechat.official()

    def send():
        try:
            _send(client, message)
        except WeChatClientException as exc:
            if not (exc.errcode in OUT_OF_WINDOW_ERRORS and message.kind == "custom"
                    and official_account_channels(message.resident, kinds=("template",))):
                raise
            # The window closed while the message waited: a template message has no window.
            OutboundMessage.update(kind="template").where(OutboundMessage.id == message.id).execute()
            message.kind = "template"
            _send(client, message)

    outcome = delivery.attempt(send, last_try)
    state = outcome.state
    if state == "failed" and outcome.errcode in OUT_OF_WINDOW_ERRORS | GONE_ERRORS:
        state = "refused"
    _record(message, state, outcome.errcode, outcome.errmsg)


def _send(client, message):
    openid = message.resident.oa_openid
    if message.kind == "custom":
        client.message.send_text(openid, message.content)
        return
    settings = config.active()
    field = settings.WECHAT_REPLY_TEMPLATE_FIELD
    # "thing" fields take at most 20 characters; the full text stays in the record.
    value = message.content if not field.startswith("thing") or len(message.content) <= 20 \
        else message.content[:19] + "…"
    client.message.send_template(openid, settings.WECHAT_REPLY_TEMPLATE_ID, {field: {"value": value}})


def _record(message, state, errcode, errmsg):
    if state != "sent":
        logger.warning("outbound message %s %s: %s %s", message.id, state, errcode, errmsg)
    (OutboundMessage.update(state=state, errcode=errcode, errmsg=errmsg or "",
                            sent_at=utcnow() if state == "sent" else None)
     .where(OutboundMessage.id == message.id).execute())
