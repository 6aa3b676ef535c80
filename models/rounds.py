"""Reaching every household: door-to-door rounds and leaders' work notices.

A round (DoorRound) is taken for a notice, or for any scope, at one moment: every household of
the scope gets one row (RoundHousehold). A household that a member could be reached in on WeChat
at that moment is "wechat"; every other is an item of its leader's round, "open" until marked
informed or declined at the door ("not_home" stays open: try again). Coverage is counted over
these rows, so a household added or a follower gained after the opening moves nothing: the
round says who was told of this notice, not who could be told today.

Each mark at a door is also a RoundMark row (who, what, when): the history of an item, kept when
its state is corrected.

A work notice (LeaderTask) goes to every building and unit leader of a scope; each leader's
LeaderTaskAck row is written at the send, acknowledged_at stays empty until they acknowledge.
"""
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.community import Community
from models.content import Notice
from models.db import BaseModel
from models.db import utcnow
from models.households import Household
from models.people import Staff
from models.people import _in

SCOPES = ("community", "estate", "building", "unit", "grid")
# "wechat": reached by the account or the mini-program at the opening; the others are the door's.
HOUSEHOLD_STATES = ("wechat", "open", "not_home", "informed", "declined")
MARKS = ("informed", "not_home", "declined")
OPEN_STATES = ("open", "not_home")
LEADER_ROLES = ("unit_leader", "building_leader", "grid_worker")


class DoorRound(BaseModel):
    community = ForeignKeyField(Community, backref="+", on_delete="RESTRICT")
    # One round a notice; a round without one is for a scope only (a consultation's, a call's).
    notice = ForeignKeyField(Notice, null=True, unique=True, backref="+", on_delete="SET NULL")
    title = CharField(max_length=200)              # what to tell at the door
    scope = CharField(max_length=10, constraints=[_in("scope", SCOPES)])
    place_id = IntegerField(null=True)             # the estate, building, unit or grid; None: community
    deadline = DateTimeField()
    households = IntegerField(default=0)           # in the scope at the opening
    reached = IntegerField(default=0)              # of them reached on WeChat at the opening
    created_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)


class RoundHousehold(BaseModel):
    round = ForeignKeyField(DoorRound, backref="rows", on_delete="CASCADE")
    household = ForeignKeyField(Household, backref="+", on_delete="CASCADE")
    state = CharField(max_length=10, constraints=[_in("state", HOUSEHOLD_STATES)])
    # Who knocks: the unit's leader, else the building's, else the grid's worker; None when the
    # place has none of them (the overview lists those apart).
    leader = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    leader_role = CharField(max_length=16, null=True)
    # The count of marks so far: a mark updates the row only if no other came in between.
    marks = IntegerField(default=0)
    marked_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    marked_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("round", "household"), True),
            (("round", "state"), False),
            (("leader", "state"), False),
        )


class RoundMark(BaseModel):
    item = ForeignKeyField(RoundHousehold, backref="history", on_delete="CASCADE")
    state = CharField(max_length=10, constraints=[_in("state", MARKS)])
    marked_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    marked_at = DateTimeField(default=utcnow)


class LeaderTask(BaseModel):
    community = ForeignKeyField(Community, backref="+", on_delete="RESTRICT")
    text = TextField()
    scope = CharField(max_length=10, constraints=[_in("scope", SCOPES)])
    place_id = IntegerField(null=True)
    deadline = DateTimeField(null=True)
    created_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)


class LeaderTaskAck(BaseModel):
    task = ForeignKeyField(LeaderTask, backref="acks", on_delete="CASCADE")
    staff = ForeignKeyField(Staff, backref="+", on_delete="CASCADE")
    role = CharField(max_length=16, constraints=[_in("role", LEADER_ROLES)])
    acknowledged_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("task", "staff"), True),)
