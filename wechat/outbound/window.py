"""WeChat's customer-service window, as WeChat counts it since 2023-06.

What the resident does opens an allowance of customer-service messages:
- a message of their own (text, photo, voice, video, location, link...): 5 within 48 hours;
- a follow, a scan of one of our QR codes, or a menu tap that reaches us (CLICK, and the two
  scan-code menu types): 3 within 1 minute.
Allowances do not add up: a later action of the same kind starts that kind's allowance again,
counted from then, and the resident may be sent whatever the best open allowance still allows.
Nothing else opens the window: not LOCATION reports, VIEW (a menu link), delivery reports
(TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH), subscription-notice events or leaving. A
customer-service message outside the window is refused by WeChat (45015; 45047 once the count is
used up).
"""
import datetime

from models.account import InboundMessage
from models.account import OutboundMessage
from models.db import utcnow
from models.notifications import Notification

MESSAGE_ALLOWANCE = (5, datetime.timedelta(hours=48))
TAP_ALLOWANCE = (3, datetime.timedelta(minutes=1))
TAP_EVENTS = ("subscribe", "scan", "click", "scancode_push", "scancode_waitmsg")
# A send in any of these may have reached the resident, so it used up one of the allowance.
COUNTED_STATES = ("queued", "sent", "unknown")


def remaining(resident, now=None):
    """How many customer-service messages WeChat would take for `resident` now (0: closed)."""
    now = now or utcnow()
    if not resident.oa_openid:
        return 0
    opened = [(_latest(resident.oa_openid, InboundMessage.msg_type != "event", now - MESSAGE_ALLOWANCE[1]),
               MESSAGE_ALLOWANCE[0]),
              (_latest(resident.oa_openid, InboundMessage.event.in_(TAP_EVENTS), now - TAP_ALLOWANCE[1]),
               TAP_ALLOWANCE[0])]
    opened = [(at, quota) for at, quota in opened if at is not None]
    if not opened:
        return 0
    sends = _custom_sends(resident, min(at for at, _ in opened))
    return max(max(0, quota - sum(1 for sent in sends if sent >= at)) for at, quota in opened)


def _latest(openid, kind, since):
    """When the resident last did something of `kind` after `since`, or None."""
    return (InboundMessage.select(InboundMessage.received_at)
            .where((InboundMessage.openid == openid) & kind & (InboundMessage.received_at > since))
            .order_by(InboundMessage.received_at.desc()).limit(1).scalar())


def _custom_sends(resident, since):
    """When each customer-service message to `resident` since `since` went (or was queued):
    staff replies and case notifications share the allowance."""
    replies = (OutboundMessage.select(OutboundMessage.sent_at, OutboundMessage.created_at)
               .where((OutboundMessage.resident == resident) & (OutboundMessage.kind == "custom")
                      & OutboundMessage.state.in_(COUNTED_STATES)
                      & ((OutboundMessage.created_at >= since) | (OutboundMessage.sent_at >= since))))
    notes = (Notification.select(Notification.sent_at, Notification.created_at)
             .where((Notification.resident == resident) & (Notification.channel == "custom")
                    & Notification.state.in_(COUNTED_STATES)
                    & ((Notification.created_at >= since) | (Notification.sent_at >= since))))
    return [row.sent_at or row.created_at for query in (replies, notes) for row in query]
