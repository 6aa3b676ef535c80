"""Staff replies to residents, sent by the task queue with WeChat's rules respected.

A customer-service message may go out while WeChat's window is open (wechat/outbound/window.py:
5 within 48 hours of the resident's own message, 3 within a minute of a follow, scan or menu
tap); outside it a template message goes instead when one is configured
(WECHAT_REPLY_TEMPLATE_ID), else the reply is refused with a clear reason. Each message's fate
is recorded: sent, refused (WeChat or the rules said no), failed (an error to look at), or
unknown (the request timed out: it may have arrived, so it is not sent again blindly).
"""
from linli import config
from linli.errors import LinliError
from linli.queue import enqueue_after_commit
from linli.queue import huey
from models.account import OUTBOUND_KINDS
from models.account import OutboundMessage
from models.db import transaction
from models.db import utcnow
from wechat.outbound import delivery
from wechat.outbound import reach
from wechat.outbound.payload import Message
from wechat.outbound.payload import reply_template

MAX_LENGTH = 600


class OutboxError(LinliError):
    status = 422


def reply(staff, resident, text, in_reply_to=None, now=None):
    """Queue `text` to `resident` from `staff`; returns the OutboundMessage. The send is queued
    once the row is committed (with the caller's transaction, when there is one)."""
    now = now or utcnow()
    text = (text or "").strip()
    if not text:
        raise OutboxError("empty_reply", "回复内容不能为空")
    if len(text) > MAX_LENGTH:
        raise OutboxError("reply_too_long", "回复不能超过%d个字" % MAX_LENGTH)
    if not resident.oa_openid or not resident.subscribed:
        raise OutboxError("not_following", "该居民未关注公众号（或已取消关注），无法发送消息")
    channels = reach.channels(resident, _message(text), now, kinds=OUTBOUND_KINDS)
    if not channels:
        raise OutboxError("outside_window",
                          "居民超过48小时未发消息（或可回复的条数已用完），客服消息无法送达，"
                          "且没有可用的模板消息（未配置，或居民已拒收）")
    with transaction():
        message = OutboundMessage.create(resident=resident, staff=staff, in_reply_to=in_reply_to,
                                         kind=channels[0], content=text, created_at=now)
        enqueue_after_commit(deliver_outbound, message.id)
    return message


@huey.task(retries=delivery.RETRIES, retry_delay=delivery.RETRY_DELAY, context=True)
def deliver_outbound(message_id, task=None):
    deliver(message_id, last_try=delivery.last_try(task))


def deliver(message_id, last_try=False):
    """Send one queued message. Safe to run twice: only a queued message is sent. Its kind was
    chosen when staff wrote it; should the window close while it waits, a template message (which
    needs none) goes instead when one can."""
    row = delivery.claim(OutboundMessage, message_id)
    if row is None:
        return
    message = _message(row.content)
    channels = [row.kind]
    if row.kind == "custom":
        channels += reach.channels(row.resident, message, kinds=("template",))

    def mark(channel, template):
        if channel != row.kind:
            OutboundMessage.update(kind=channel).where(OutboundMessage.id == row.id).execute()

    outcome = delivery.attempt(row.resident, message, channels, last_try, on_try=mark)
    delivery.record(OutboundMessage, row.id, outcome)


def _message(text):
    """A staff reply: the text itself, or the reply template carrying it outside the window."""
    return Message(text=text, template=reply_template(text, config.active()))
