"""Every push is stored before it is acted on, once, whichever worker receives it.

WeChat retries a push it got no answer to within 5 seconds (3 tries in all), possibly to another
worker. The unique `dedup_key` makes the retry land on the first row: it gets the reply the first
try produced, or `success` if that is still being worked on, and never a second effect.
"""
import time

import xmltodict
from peewee import IntegrityError

from models.account import InboundMessage
from models.db import db
from models.db import utcnow

RETRY_WAIT_SECONDS = 3.0       # leaves room inside WeChat's 5 s for the answer itself


def dedup_key(fields):
    if fields["MsgType"] == "event":
        # EventKey too: two menu taps in one second differ only there; a retry repeats it.
        return "evt:%s:%s:%s:%s" % (fields["FromUserName"], fields.get("CreateTime", ""),
                                    fields.get("Event", ""), fields.get("EventKey", ""))[:200]
    if fields.get("MsgId"):
        return "msg:%s" % fields["MsgId"]
    return "msg:%s:%s:%s" % (fields["FromUserName"], fields.get("CreateTime", ""), fields["MsgType"])


def raw_fields(xml):
    fields = xmltodict.parse(xml).get("xml") or {}
    return {k: (v if isinstance(v, str) else "") for k, v in fields.items()}


def store(xml):
    """(row, is_new). The row is committed before anything acts on it."""
    fields = raw_fields(xml)
    values = dict(
        dedup_key=dedup_key(fields),
        openid=fields["FromUserName"],
        msg_type=fields.get("MsgType", "").lower()[:32],
        event=fields.get("Event", "").lower()[:64],
        event_key=fields.get("EventKey", "")[:200],
        content=fields.get("Content") or fields.get("Recognition") or "",
        media_id=fields.get("MediaId", "")[:200],
        pic_url=fields.get("PicUrl", "")[:500],
        location_x=_float(fields.get("Location_X") or fields.get("Latitude")),
        location_y=_float(fields.get("Location_Y") or fields.get("Longitude")),
        location_label=fields.get("Label", "")[:200],
        wechat_time=_int(fields.get("CreateTime")),
        raw_xml=xml,
    )
    try:
        with db.atomic():
            return InboundMessage.create(**values), True
    except IntegrityError:
        return InboundMessage.get(InboundMessage.dedup_key == values["dedup_key"]), False


def reply_for_retry(row, wait_seconds=RETRY_WAIT_SECONDS):
    """The first try's reply; while that try is still running, wait a little, then `success`
    (what the first try says then goes out by customer-service message or not at all)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        reply = (InboundMessage.select(InboundMessage.reply_xml)
                 .where(InboundMessage.id == row.id).scalar())
        if reply is not None or time.monotonic() >= deadline:
            return reply or "success"
        time.sleep(0.05)


def finish(row, reply_xml, resident=None):
    (InboundMessage.update(state="handled", reply_xml=reply_xml, handled_at=utcnow(),
                           resident=resident or row.resident)
     .where(InboundMessage.id == row.id).execute())


def fail(row, error, reply_xml):
    (InboundMessage.update(state="failed", error=error[:4000], reply_xml=reply_xml, handled_at=utcnow())
     .where(InboundMessage.id == row.id).execute())


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
