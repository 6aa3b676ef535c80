"""Followers' messages to the official account: read them, reply by customer-service message,
or turn one into a case."""
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from account import inbox as messages
from account import outbox
from account import screening
from cases import intake
from console.access import CONTENT_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from linli.errors import LinliError
from models.account import InboundMessage
from models.account import OutboundMessage
from models.cases import CaseEvent

# Every message a resident can send; events are not messages.
SHOWN_TYPES = ("text", "image", "voice", "video", "shortvideo", "location", "link", "miniprogrampage")
# A reply's fate as staff read it (models.account.OUTBOUND_STATES).
REPLY_STATE_LABELS = {"queued": "排队中", "sent": "已发送", "failed": "发送失败", "refused": "微信拒收",
                      "unknown": "结果未知"}


@bp.get("/inbox")
@signed_in(*CONTENT_ROLES)
def inbox():
    rows = (InboundMessage.select().where(InboundMessage.msg_type.in_(SHOWN_TYPES)
                                          & messages.visible_to(staff_community()))
            .order_by(InboundMessage.id.desc()).limit(100))
    cased = {e.source_message_id for e in CaseEvent.select(CaseEvent.source_message)
             .where(CaseEvent.source_message.in_([r.id for r in rows]))} if rows else set()
    replies = {}
    for reply in OutboundMessage.select().where(OutboundMessage.in_reply_to.in_([r.id for r in rows])):
        replies.setdefault(reply.in_reply_to_id, []).append(reply)
    return render_template("console/inbox.html", messages=rows, cased=cased, replies=replies,
                           reply_states=REPLY_STATE_LABELS)


@bp.post("/inbox/<int:message_id>/<action>")
@signed_in(*CONTENT_ROLES)
def inbox_action(message_id, action):
    message = InboundMessage.get_or_none((InboundMessage.id == message_id) & messages.visible_to(staff_community()))
    if message is None:
        abort(404)
    if message.resident_id is None:
        raise LinliError("no_resident", "找不到该留言的居民")
    if action == "reply":
        outbox.reply(g.staff, message.resident, request.form.get("text", ""), in_reply_to=message.id)
        flash("回复已排队发送", "ok")
    elif action == "case":
        text = messages.summary(message)
        photo = messages.photo(message)
        case = intake.submit(message.resident, "official_account", text, photo=photo, source_message=message,
                             community_id=staff_community())
        screening.hold_if_flagged(message)
        flash("已转为案件 %s" % case.number, "ok")
    else:
        abort(404)
    return redirect(url_for("console.inbox"), code=303)
