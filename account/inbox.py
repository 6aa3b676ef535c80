"""Every push is stored before it is acted on, once, whichever worker receives it.

WeChat retries a push it got no answer to within 5 seconds (3 tries in all), possibly to another
worker. The unique `dedup_key` makes the retry land on the first row and get the reply the first
try produced, never a second effect.
"""
import xmltodict

from models.account import InboundMessage
from models.db import utcnow
from models.people import Resident
from models.sql import Prepared
from models.sql import insert


def dedup_key(fields):
    if fields["MsgType"] == "event":
        # EventKey too: two menu taps in one second differ only there; a retry repeats it. MsgID:
        # two mass sends finishing in one second (MASSSENDJOBFINISH) differ only there.
        return "evt:%s:%s:%s:%s:%s" % (fields["FromUserName"], fields.get("CreateTime", ""),
                                       fields.get("Event", ""), fields.get("EventKey", ""),
                                       fields.get("MsgID", ""))[:200]
    if fields.get("MsgId"):
        return "msg:%s" % fields["MsgId"]
    return "msg:%s:%s:%s" % (fields["FromUserName"], fields.get("CreateTime", ""), fields["MsgType"])


def visible_to(community_id):
    """The messages a community's staff may read: its residents', and those of followers with no
    community yet (they wrote to the account, not to a community). Another community's
    residents' messages are that community's alone."""
    return InboundMessage.resident.is_null() | InboundMessage.resident.in_(
        Resident.select(Resident.id).where(Resident.community.is_null() | (Resident.community == community_id)))


def raw_fields(xml):
    fields = xmltodict.parse(xml).get("xml") or {}
    return {k: (v if isinstance(v, str) else "") for k, v in fields.items()}


def store(xml, fields):
    """(row, is_new) for the push `xml`, whose raw_fields are `fields`. Call inside the
    transaction that handles the message."""
    values = dict(
        dedup_key=dedup_key(fields),
        openid=fields["FromUserName"],
        msg_type=fields.get("MsgType", "").lower()[:32],
        event=fields.get("Event", "").lower()[:64],
        event_key=fields.get("EventKey", "")[:200],
        # Text, a voice message's recognition, or a link's description.
        content=fields.get("Content") or fields.get("Recognition") or fields.get("Description") or "",
        media_id=fields.get("MediaId", "")[:200],
        pic_url=fields.get("PicUrl", "")[:500],
        location_x=_float(fields.get("Location_X") or fields.get("Latitude")),
        location_y=_float(fields.get("Location_Y") or fields.get("Longitude")),
        location_label=fields.get("Label", "")[:200],
        title=fields.get("Title", "")[:200],
        url=fields.get("Url", "")[:1000],
        wechat_time=_int(fields.get("CreateTime")),
        raw_xml=xml,
    )
    # ON CONFLICT (dedup_key) DO NOTHING: a retry's insert does nothing and returns no row, with
    # no savepoint needed to survive a unique-key error inside the transaction. Only that key:
    # SQLite's INSERT OR IGNORE would also swallow a CHECK or NOT NULL violation.
    row_id = insert(InboundMessage, values, conflict_target=["dedup_key"])
    if row_id is None:
        return InboundMessage.get(InboundMessage.dedup_key == values["dedup_key"]), False
    return InboundMessage(id=row_id, **values), True


# Composed once (models/sql.py): every push ends here.
_FINISH = Prepared(lambda reply_xml, handled_at, resident_id, row_id: InboundMessage.update(
    state="handled", reply_xml=reply_xml, handled_at=handled_at, resident=resident_id)
    .where(InboundMessage.id == row_id), "\x00reply", "\x00handled_at", -918273640, -918273641)


def finish(row, reply_xml, resident=None):
    resident_id = resident.id if resident is not None else row.resident_id
    _FINISH.execute(reply_xml, utcnow(), resident_id, row.id)


def fail(row, error, reply_xml):
    (InboundMessage.update(state="failed", error=error[:4000], reply_xml=reply_xml, handled_at=utcnow())
     .where(InboundMessage.id == row.id).execute())


def summary(message):
    """The words a case made from `message` starts with: what the resident sent, in text."""
    if message.msg_type == "link":
        return "\n".join(part for part in (message.title, message.content, message.url) if part)
    placeholder = {"image": "（图片留言）", "voice": "（语音留言）", "video": "（视频留言）",
                   "shortvideo": "（小视频留言）", "miniprogrampage": "（小程序卡片）"}
    return message.content or message.location_label or message.title or placeholder.get(message.msg_type, "")


def photo(message):
    """(media_id, url) of an image message for a case: our copy once downloaded."""
    if message.msg_type != "image":
        return None
    return message.media_id, ("/media/" + message.media_path if message.media_path else message.pic_url)


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
