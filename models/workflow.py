"""What staff configure about the case workflow: categories, deadlines, holidays, canned
replies and the duty roster."""
from peewee import BooleanField
from peewee import CharField
from peewee import Check
from peewee import DateField
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.community import Community
from models.db import BaseModel
from models.people import Staff
from models.people import _in

DEADLINE_UNITS = ("hours", "working_days")
CALENDAR_KINDS = ("holiday", "workday")      # a day off; a make-up working day (调休)


class Category(BaseModel):
    """A node of the category tree (环境卫生, 消防安全, ...); cases point at a leaf or a root."""
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=50)
    sort = IntegerField(default=0)
    active = BooleanField(default=True)


class SlaPolicy(BaseModel):
    """A category's own deadlines at one level: to respond (accept) and to resolve, each in
    hours or working days. Without a row, the level's default in the community policy holds."""
    category = ForeignKeyField(Category, backref="sla_policies", on_delete="CASCADE")
    level = IntegerField(constraints=[Check("level BETWEEN 1 AND 4")])
    response_amount = FloatField()
    response_unit = CharField(max_length=16, constraints=[_in("response_unit", DEADLINE_UNITS)])
    resolution_amount = FloatField()
    resolution_unit = CharField(max_length=16, constraints=[_in("resolution_unit", DEADLINE_UNITS)])

    class Meta:
        indexes = ((("category", "level"), True),)


class CalendarDay(BaseModel):
    """An exception to the Monday–Friday week, in Asia/Shanghai: a holiday on a weekday, or a
    make-up working day (调休) on a weekend. Staff enter each year's from the State Council's
    notice."""
    day = DateField(unique=True)
    kind = CharField(max_length=8, constraints=[_in("kind", CALENDAR_KINDS)])
    name = CharField(max_length=50, default="")


class CannedReply(BaseModel):
    category = ForeignKeyField(Category, null=True, backref="canned_replies", on_delete="CASCADE")
    state = CharField(max_length=16, default="")     # the state it suits; empty = any
    text = TextField()
    active = BooleanField(default=True)


class DutyRoster(BaseModel):
    """Who takes new cases that have no grid worker (no building, or an empty grid)."""
    community = ForeignKeyField(Community, backref="duty_roster", on_delete="CASCADE")
    staff = ForeignKeyField(Staff, backref="duties", on_delete="CASCADE")
    weekday = IntegerField(constraints=[Check("weekday BETWEEN 0 AND 6")])   # Monday = 0

    class Meta:
        indexes = ((("community", "weekday", "staff"), True),)
