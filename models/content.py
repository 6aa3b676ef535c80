"""What the official account publishes and hears back: articles, mass-sent notices, the tags
that aim them at grids and buildings, statistics, and article comments with their moderation."""
from peewee import BooleanField
from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.cases import Case
from models.community import Building
from models.community import Community
from models.community import Grid
from models.db import BaseModel
from models.db import utcnow
from models.decisions import Consultation
from models.people import Resident
from models.people import Staff
from models.people import _in

ARTICLE_STATES = ("draft", "synced", "publishing", "published", "failed")
COMMENT_POLICIES = ("closed", "open", "followers_only")
NOTICE_STATES = ("scheduled", "sending", "sent", "failed", "cancelled")
COMMENT_STATES = ("new", "clean", "held", "elected", "deleted")
COMMENT_ACTIONS = ("", "elect", "unelect", "reply", "delete_reply", "delete")    # WeChat may refuse


class Article(BaseModel):
    community = ForeignKeyField(Community, backref="articles", on_delete="RESTRICT")
    title = CharField(max_length=64)
    author = CharField(max_length=16, default="")
    digest = CharField(max_length=120, default="")
    body = TextField(default="")                     # as the editor wrote it
    body_format = CharField(max_length=8, default="markdown", constraints=[_in("body_format", ("markdown", "html"))])
    cover_path = CharField(max_length=300, default="")    # under MEDIA_DIR
    cover_media_id = CharField(max_length=200, default="")   # permanent material
    source_url = CharField(max_length=500, default="")
    comments = CharField(max_length=16, default="open", constraints=[_in("comments", COMMENT_POLICIES)])
    state = CharField(max_length=16, default="draft", constraints=[_in("state", ARTICLE_STATES)])
    draft_media_id = CharField(max_length=200, default="")
    publish_id = CharField(max_length=64, default="")
    article_id = CharField(max_length=200, default="")
    url = CharField(max_length=500, default="")
    msg_data_id = CharField(max_length=64, default="")     # for comments, once mass-sent
    errcode = IntegerField(null=True)
    errmsg = TextField(default="")
    created_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    published_at = DateTimeField(null=True)


class ArticleImage(BaseModel):
    """A body image uploaded to WeChat (media/uploadimg), so a re-sync does not upload it again."""
    article = ForeignKeyField(Article, backref="images", on_delete="CASCADE")
    source = CharField(max_length=500)
    wechat_url = CharField(max_length=500)

    class Meta:
        indexes = ((("article", "source"), True),)


class WeChatTag(BaseModel):
    """The follower tag kept for a grid or a building, so a notice reaches just them. The row is
    claimed (tag_id still NULL) before WeChat is asked to create the tag: the unique grid or
    building makes one request, on any worker, the one that creates it."""
    grid = ForeignKeyField(Grid, null=True, on_delete="CASCADE", unique=True)
    building = ForeignKeyField(Building, null=True, on_delete="CASCADE", unique=True)
    tag_id = IntegerField(null=True, unique=True)
    name = CharField(max_length=30)
    claimed_at = DateTimeField(default=utcnow)

    @property
    def label(self):
        """Who the tag reaches, as staff name it (the tag's own name may predate the estate in it)."""
        return self.building.label if self.building_id else "网格 %s" % self.grid.name


class ResidentTag(BaseModel):
    """A tag WeChat has on a follower because of where they live (what to remove on a move)."""
    resident = ForeignKeyField(Resident, on_delete="CASCADE")
    tag = ForeignKeyField(WeChatTag, on_delete="CASCADE")

    class Meta:
        indexes = ((("resident", "tag"), True),)


class Notice(BaseModel):
    """A mass send: an article or a text, to all followers or to one tag, now or later."""
    community = ForeignKeyField(Community, on_delete="RESTRICT")
    article = ForeignKeyField(Article, null=True, on_delete="SET NULL")
    text = TextField(default="")
    tag = ForeignKeyField(WeChatTag, null=True, on_delete="SET NULL")     # None: everyone
    state = CharField(max_length=16, default="scheduled", constraints=[_in("state", NOTICE_STATES)])
    urgent = BooleanField(default=False)      # kept on top of the mini-program's notices for a while
    send_at = DateTimeField(default=utcnow)
    client_msg_id = CharField(max_length=64, unique=True)    # WeChat drops a repeat within 24 h
    msg_id = CharField(max_length=64, default="", index=True)
    msg_data_id = CharField(max_length=64, default="")
    wechat_status = CharField(max_length=64, default="")     # MASSSENDJOBFINISH's Status
    total_count = IntegerField(null=True)
    sent_count = IntegerField(null=True)
    error_count = IntegerField(null=True)
    errcode = IntegerField(null=True)
    errmsg = TextField(default="")
    created_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    # The consultation whose result this notice announces (account/announcements.py), else None.
    consultation = ForeignKeyField(Consultation, null=True, backref="+", on_delete="SET NULL")


class ArticleDailyStat(BaseModel):
    """datacube/getarticlesummary: one article's reads and shares on one day."""
    ref_date = DateField()
    msgid = CharField(max_length=64)                 # "<msg_data_id>_<index>"
    title = CharField(max_length=64, default="")
    read_users = IntegerField(default=0)
    reads = IntegerField(default=0)
    share_users = IntegerField(default=0)
    shares = IntegerField(default=0)

    class Meta:
        indexes = ((("ref_date", "msgid"), True),)


class FollowerDailyStat(BaseModel):
    ref_date = DateField(unique=True)
    total = IntegerField()                           # cumulate_user


class CommentCursor(BaseModel):
    """How far the comment sync has read an article's comments: it resumes here."""
    msg_data_id = CharField(max_length=64)
    index = IntegerField(default=0)
    next_begin = IntegerField(default=0)
    synced_at = DateTimeField(null=True)
    errcode = IntegerField(null=True)

    class Meta:
        indexes = ((("msg_data_id", "index"), True),)


class Comment(BaseModel):
    msg_data_id = CharField(max_length=64)
    index = IntegerField(default=0)
    user_comment_id = IntegerField()
    openid = CharField(max_length=64, default="")
    content = TextField(default="")
    wechat_time = IntegerField(default=0)
    state = CharField(max_length=16, default="new", constraints=[_in("state", COMMENT_STATES)])
    matched = TextField(default="")                  # the sensitive words found, comma-separated
    reply = TextField(default="")
    case = ForeignKeyField(Case, column_name="report_id", object_id_name="case_id", null=True,
                           on_delete="SET NULL")
    acted_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # The last action WeChat refused, kept for a retry; "" when none is pending.
    failed_action = CharField(max_length=16, default="", constraints=[_in("failed_action", COMMENT_ACTIONS)])
    failed_text = TextField(default="")              # the reply to send again
    failed_at = DateTimeField(null=True)
    errcode = IntegerField(null=True)
    errmsg = TextField(default="")

    class Meta:
        indexes = ((("msg_data_id", "index", "user_comment_id"), True), (("state", "created_at"), False))


class SensitiveWord(BaseModel):
    word = CharField(max_length=50, unique=True)
    created_at = DateTimeField(default=utcnow)
