"""The official account's conversation: every message in, every message out, reply rules."""
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.db import BaseModel
from models.db import only_where_set
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from models.people import _in

INBOUND_STATES = ("received", "handled", "failed")
OUTBOUND_STATES = ("queued", "sent", "failed", "refused", "unknown")
OUTBOUND_KINDS = ("custom", "template")
MATCH_TYPES = ("exact", "contains", "regex", "click")
REPLY_TYPES = ("text", "image", "news")
# "" not checked (not an image, or WeChat cannot check it), "pending" asked, "pass", "held".
MEDIA_CHECK_STATES = ("", "pending", "pass", "held")


class InboundMessage(BaseModel):
    """A push from WeChat, stored before it is acted on. `dedup_key` makes WeChat's retries
    (same MsgId, or same sender + CreateTime + Event) land on the same row in every worker."""
    dedup_key = CharField(max_length=200, unique=True)
    openid = CharField(max_length=64, index=True)
    resident = ForeignKeyField(Resident, null=True, backref="inbound", on_delete="SET NULL", index=False)
    msg_type = CharField(max_length=32)
    event = CharField(max_length=64, default="")
    event_key = CharField(max_length=200, default="")
    content = TextField(default="")          # text, or a voice message's recognition
    media_id = CharField(max_length=200, default="")
    pic_url = CharField(max_length=500, default="")
    location_x = FloatField(null=True)
    location_y = FloatField(null=True)
    location_label = CharField(max_length=200, default="")
    title = CharField(max_length=200, default="")           # a link's title (its description: content)
    url = CharField(max_length=1000, default="")            # a link's URL
    media_path = CharField(max_length=200, default="")      # our copy of the voice/photo/video, under MEDIA_DIR
    media_check = CharField(max_length=16, default="")      # MEDIA_CHECK_STATES: mediaCheckAsync's verdict
    media_trace_id = CharField(max_length=64, null=True)   # mediaCheckAsync's trace_id, unique when set
    wechat_time = IntegerField()             # CreateTime, unix seconds
    raw_xml = TextField()                    # decrypted
    state = CharField(max_length=16, default="received", constraints=[_in("state", INBOUND_STATES)])
    reply_xml = TextField(null=True)         # the reply given, so a retry gets the same one
    error = TextField(default="")
    received_at = DateTimeField(default=utcnow, index=True)
    handled_at = DateTimeField(null=True)


# Set on few rows, written by every push: indexed only where set (models/cases.py says why).
only_where_set(InboundMessage, InboundMessage.resident, "inboundmessage_resident_id")
only_where_set(InboundMessage, InboundMessage.media_trace_id, "inbound_message_media_trace_id", unique=True)


class OutboundMessage(BaseModel):
    """A message staff send to a resident; delivered by the task queue, its fate recorded."""
    resident = ForeignKeyField(Resident, backref="outbound", on_delete="CASCADE")
    staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    in_reply_to = ForeignKeyField(InboundMessage, null=True, on_delete="SET NULL")
    kind = CharField(max_length=16, constraints=[_in("kind", OUTBOUND_KINDS)])
    content = TextField()
    state = CharField(max_length=16, default="queued", index=True,
                      constraints=[_in("state", OUTBOUND_STATES)])
    attempts = IntegerField(default=0)
    errcode = IntegerField(null=True)
    errmsg = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)


class AutoReplyRule(BaseModel):
    name = CharField(max_length=100)
    match_type = CharField(max_length=16, constraints=[_in("match_type", MATCH_TYPES)])
    pattern = CharField(max_length=200)      # text, regex, or a menu CLICK key
    priority = IntegerField(default=0)       # higher first
    active_from = CharField(max_length=5, default="")    # "08:00", Asia/Shanghai; empty = always
    active_until = CharField(max_length=5, default="")   # may be before active_from (overnight)
    reply_type = CharField(max_length=16, default="text", constraints=[_in("reply_type", REPLY_TYPES)])
    reply_text = TextField(default="")
    reply_media_id = CharField(max_length=200, default="")
    reply_articles = TextField(default="")   # JSON list of {title, description, url, image}
    enabled = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class AccountText(BaseModel):
    """Texts staff edit (the welcome, the default reply); code holds the defaults."""
    key = CharField(max_length=64, primary_key=True)
    text = TextField()
    updated_at = DateTimeField(default=utcnow)


class FollowerImport(BaseModel):
    """Where the import of existing followers stopped (user/get's next_openid): the command
    resumes here after an interruption."""
    name = CharField(max_length=32, primary_key=True)
    next_openid = CharField(max_length=64, default="")
    imported = IntegerField(default=0)
    total = IntegerField(default=0)
    started_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
