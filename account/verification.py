"""The account's WeChat verification (认证): losing it takes away template messages, mass sends
and publishing, so every verification event alerts staff.

WeChat pushes these events about the account itself, not from a follower: they are stored like
any push (the stored row is the record staff see on the dashboard) and logged at the level
their consequence deserves, for whoever watches the logs."""
import dataclasses
import datetime
import logging

from account.inbox import raw_fields
from linli.clock import SHANGHAI
from models.account import InboundMessage
from models.db import utcnow

logger = logging.getLogger(__name__)

# event → (log level, what it means, in staff's words)
EVENTS = {
    "qualification_verify_success": (logging.INFO, "资质认证成功"),
    "qualification_verify_fail": (logging.ERROR, "资质认证失败：模板消息、群发和发布接口将不可用，请尽快重新提交认证"),
    "naming_verify_success": (logging.INFO, "名称认证成功"),
    "naming_verify_fail": (logging.ERROR, "名称认证失败，请尽快处理"),
    "annual_renew": (logging.WARNING, "认证需要年审：请在到期前完成，否则认证过期"),
    "verify_expired": (logging.ERROR, "认证已过期：模板消息、群发和发布接口已失效，请尽快完成年审"),
}
SHOWN_FOR = datetime.timedelta(days=90)


@dataclasses.dataclass(frozen=True)
class Alert:
    event: str
    serious: bool           # a failure or an expiry, not good news
    text: str
    detail: str             # WeChat's reason or deadline, as pushed
    received_at: datetime.datetime


def on_event(row):
    """Log a verification event; the stored push is its record."""
    level, text = EVENTS[row.event]
    logger.log(level, "WeChat verification event %s: %s %s", row.event, text, _detail(row.raw_xml))


def alerts(now=None, limit=5):
    """The latest verification events of the last 90 days, newest first, for the dashboard."""
    now = now or utcnow()
    rows = (InboundMessage.select()
            .where((InboundMessage.msg_type == "event") & InboundMessage.event.in_(list(EVENTS))
                   & (InboundMessage.received_at >= now - SHOWN_FOR))
            .order_by(InboundMessage.id.desc()).limit(limit))
    return [Alert(r.event, EVENTS[r.event][0] >= logging.WARNING, EVENTS[r.event][1], _detail(r.raw_xml),
                  r.received_at) for r in rows]


def _detail(raw_xml):
    fields = raw_fields(raw_xml)
    parts = []
    if fields.get("FailReason"):
        parts.append("原因：%s" % fields["FailReason"])
    for key, label in (("ExpiredTime", "到期"), ("FailTime", "失败时间")):
        if fields.get(key, "").isdigit():
            moment = datetime.datetime.fromtimestamp(int(fields[key]), SHANGHAI)
            parts.append("%s：%s" % (label, moment.strftime("%Y-%m-%d")))
    return "；".join(parts)
