"""One push, from stored to answered: the message gateway's domain side.

The push is stored and handled in one transaction: the row is inserted first, the handling runs
in a savepoint, and the row is committed with its reply. If handling fails, the savepoint is
rolled back and the message is kept, marked failed. If the process dies before the commit,
nothing was answered and WeChat sends the push again. One write transaction per message keeps
writers short, which is what SQLite's single write lock needs under a burst.
A retry arriving meanwhile waits on the unique key and then reads the committed reply.
"""
import logging
import traceback

from wechatpy.replies import TextReply

from account import conversation
from account import inbox
from account import texts
from models.db import db
from models.db import utcnow

logger = logging.getLogger(__name__)


def handle(push, now=None, replay_guard=None):
    """The reply XML (plain; the view encrypts it when the push was encrypted). `replay_guard`
    (account/replay.py) refuses, before anything is stored, a signed URL used for another body."""
    now = now or utcnow()
    fields = inbox.raw_fields(push.xml)      # before the transaction: SQLite's write lock is for writing
    with db.atomic():
        if replay_guard is not None:
            replay_guard.check(*push.signed)
        row, is_new = inbox.store(push.xml, fields)
        if not is_new:
            return row.reply_xml or "success"
        try:
            with db.atomic():
                reply, resident = conversation.respond(row, push.message, now)
                reply_xml = reply.render() if reply is not None else "success"
        except Exception:
            # Kept and marked for staff; the resident is told it arrived, never
            # "该公众号暂时无法提供服务".
            logger.exception("handling message %s failed", row.dedup_key)
            reply_xml = TextReply(message=push.message, content=texts.DEFAULTS["failure_reply"]).render()
            inbox.fail(row, traceback.format_exc(), reply_xml)
        else:
            inbox.finish(row, reply_xml, resident)
    return reply_xml
