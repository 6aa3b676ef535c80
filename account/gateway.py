"""One push, from stored to answered: the message gateway's domain side."""
import logging
import traceback

from wechatpy.replies import TextReply

from account import conversation
from account import inbox
from account import texts
from models.db import db
from models.db import utcnow

logger = logging.getLogger(__name__)


def handle(push, now=None):
    """The reply XML (plain; the view encrypts it when the push was encrypted)."""
    now = now or utcnow()
    row, is_new = inbox.store(push.xml)
    if not is_new:
        return inbox.reply_for_retry(row)
    try:
        with db.atomic():
            reply, resident = conversation.respond(row, push.message, now)
            reply_xml = reply.render() if reply is not None else "success"
            inbox.finish(row, reply_xml, resident)
    except Exception:
        # The message is stored; the failure is recorded on it for staff, and the resident is
        # told it arrived. Never "该公众号暂时无法提供服务".
        logger.exception("handling message %s failed", row.dedup_key)
        reply_xml = TextReply(message=push.message, content=texts.DEFAULTS["failure_reply"]).render()
        inbox.fail(row, traceback.format_exc(), reply_xml)
    return reply_xml
