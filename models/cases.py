"""Cases (Case): what residents report through any channel, and their append-only history.

The rules (levels, deadlines, escalation, ratings) live in cases/; these are the rows they keep.
"""
from peewee import BooleanField
from peewee import CharField
from peewee import Check
from peewee import DateTimeField
from peewee import DeferredForeignKey
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.account import InboundMessage
from models.community import Building
from models.community import Community
from models.community import Unit
from models.db import BaseModel
from models.db import only_where_set
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from models.people import _in
from models.workflow import Category

STATES = ("submitted", "accepted", "in_progress", "resolved", "closed", "reopened",
          "rejected", "duplicate")
OPEN_STATES = ("submitted", "accepted", "in_progress", "reopened")
CHANNELS = ("official_account", "miniprogram", "comment", "staff", "open311")


class Case(BaseModel):
    number = CharField(max_length=20, unique=True)     # R + yymmdd + daily sequence, Asia/Shanghai
    community = ForeignKeyField(Community, null=True, backref="cases", on_delete="RESTRICT", index=False)
    category = ForeignKeyField(Category, null=True, backref="cases", on_delete="SET NULL", index=False)
    description = TextField(default="")
    building = ForeignKeyField(Building, null=True, backref="cases", on_delete="SET NULL")
    unit = ForeignKeyField(Unit, null=True, backref="cases", on_delete="SET NULL", index=False)
    location_x = FloatField(null=True)                 # latitude
    location_y = FloatField(null=True)                 # longitude
    location_label = CharField(max_length=200, default="")
    reporter = ForeignKeyField(Resident, null=True, backref="cases", on_delete="SET NULL", index=False)
    anonymous = BooleanField(default=False)
    photos_public = BooleanField(default=False)        # the reporter agreed their photos be published
    channel = CharField(max_length=20, constraints=[_in("channel", CHANNELS)])
    level = IntegerField(default=1, constraints=[Check("level BETWEEN 1 AND 4")])
    assignee = ForeignKeyField(Staff, null=True, backref="assigned_cases", on_delete="SET NULL", index=False)
    state = CharField(max_length=16, default="submitted", constraints=[_in("state", STATES)])
    level_started_at = DateTimeField(default=utcnow)   # the current level's clock started here
    response_due_at = DateTimeField(null=True)         # deadlines at the current level
    resolve_due_at = DateTimeField(null=True)
    responded_at = DateTimeField(null=True)            # first accepted (response time)
    resolved_at = DateTimeField(null=True)
    confirmed_at = DateTimeField(null=True)            # the reporter said it is solved
    closed_at = DateTimeField(null=True)
    rating = IntegerField(null=True, constraints=[Check("rating BETWEEN 1 AND 5")])
    rating_comment = TextField(default="")
    merged_into = ForeignKeyField("self", null=True, backref="duplicates", on_delete="SET NULL", index=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "report"      # the table keeps the name it was created with
        indexes = (
            (("reporter", "state"), False),
            (("assignee", "state"), False),
            (("community", "state", "created_at"), False),
            (("state", "resolve_due_at"), False),      # the overdue sweep
            (("community", "created_at"), False),      # a month of the rates
        )


# The staff queue and the overdue sweep read only open cases, a small share of all of them.
Case.add_index(Case.index(Case.resolve_due_at, Case.building, name="report_open_due")
               .where(Case.state.in_(OPEN_STATES)))
# Every filing writes its case and events under SQLite's one write lock, and every index is one
# more page in the commit (a push wrote 37 pages, the minimal raw intake 5). A foreign key's own
# index is left out where a composite one starts with it (community, reporter, assignee); where
# most rows hold NULL it keeps only the rows that are set: deleting the parent finds its rows by
# `column = ?`, which such a partial index serves on both databases.
only_where_set(Case, Case.category, "report_category_id")
only_where_set(Case, Case.unit, "report_unit_id")
only_where_set(Case, Case.merged_into, "report_merged_into_id")


class CasePhoto(BaseModel):
    case = ForeignKeyField(Case, column_name="report_id", object_id_name="case_id", backref="photos",
                           on_delete="CASCADE")
    media_id = CharField(max_length=200, default="")   # WeChat media id (3 days) until saved
    url = CharField(max_length=500, default="")
    held = BooleanField(default=False)                 # WeChat's media check flagged it: staff only
    source_message = ForeignKeyField(InboundMessage, null=True, on_delete="SET NULL")
    # The staff step it shows (a fix photo, with the resolution or a note): its event's
    # visibility is the photo's. None: the reporter's own photo.
    event = DeferredForeignKey("CaseEvent", null=True, backref="photos", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "report_photo"


class CaseEvent(BaseModel):
    """Append-only: who did what and when; `public` events form the resident's timeline."""
    case = ForeignKeyField(Case, column_name="report_id", object_id_name="case_id", backref="events",
                           on_delete="CASCADE")
    kind = CharField(max_length=32)
    actor_staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL", index=False)
    actor_resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL", index=False)
    public = BooleanField(default=True)
    note = TextField(default="")
    source_message = ForeignKeyField(InboundMessage, null=True, on_delete="SET NULL", index=False)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "report_event"


only_where_set(CaseEvent, CaseEvent.actor_staff, "reportevent_actor_staff_id")
only_where_set(CaseEvent, CaseEvent.actor_resident, "reportevent_actor_resident_id")
only_where_set(CaseEvent, CaseEvent.source_message, "reportevent_source_message_id")


class CaseFollower(BaseModel):
    """A resident who said "me too" on an open case, and hears of it as its reporter does."""
    case = ForeignKeyField(Case, column_name="report_id", object_id_name="case_id", backref="followers",
                           on_delete="CASCADE")
    resident = ForeignKeyField(Resident, backref="followed_cases", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "report_follower"
        indexes = ((("case", "resident"), True),)


class CaseCounter(BaseModel):
    """The last case number issued on a day: a row lock, not a max() query, makes it unique."""
    day = CharField(max_length=8, primary_key=True)     # yymmdd
    last = IntegerField(default=0)
