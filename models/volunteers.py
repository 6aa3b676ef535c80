"""志愿服务: teams, their members and leaders, activities with places, sign-ups and their
waitlist, served hours, urgent calls and the messages that tell volunteers. The workflow lives in
volunteers/.

The schema stands behind the capacity: `taken` may never pass `capacity`, on an activity without
roles or on each role, whatever the code above it does. A resident has one sign-up per activity
(re-used when they sign up again after cancelling), one answer per urgent call, and one message
of each kind per sign-up (a reminder is sent once).
"""
from peewee import BooleanField
from peewee import CharField
from peewee import Check
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.community import Building
from models.community import Community
from models.db import BaseModel
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from models.people import _in

MEMBER_ROLES = ("member", "leader")
MEMBER_STATES = ("pending", "approved", "declined", "left")
ACTIVITY_STATES = ("open", "cancelled")
SIGNUP_STATES = ("confirmed", "waitlisted", "cancelled")
CALL_STATES = ("open", "filled", "closed")
ANSWERS = ("come", "not_coming")
MESSAGE_KINDS = ("reminder", "promoted", "urgent_call", "cancelled")
MESSAGE_STATES = ("queued", "sent", "failed", "skipped", "unknown")


class Team(BaseModel):
    community = ForeignKeyField(Community, backref="volunteer_teams", on_delete="RESTRICT")
    # null: the whole community's team
    building = ForeignKeyField(Building, null=True, backref="volunteer_teams", on_delete="RESTRICT")
    name = CharField(max_length=40)
    description = TextField(default="")
    needs_approval = BooleanField(default=True)
    created_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "volunteer_team"



class TeamMember(BaseModel):
    team = ForeignKeyField(Team, backref="members", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, backref="volunteer_teams", on_delete="CASCADE")
    role = CharField(max_length=8, default="member", constraints=[_in("role", MEMBER_ROLES)])
    state = CharField(max_length=10, default="pending", constraints=[_in("state", MEMBER_STATES)])
    asked_at = DateTimeField(default=utcnow)
    decided_at = DateTimeField(null=True)

    class Meta:
        table_name = "volunteer_team_member"
        indexes = ((("team", "resident"), True),)


class Activity(BaseModel):
    team = ForeignKeyField(Team, backref="activities", on_delete="RESTRICT")
    title = CharField(max_length=60)
    description = TextField(default="")
    place = CharField(max_length=100)
    starts_at = DateTimeField(index=True)
    ends_at = DateTimeField()
    # Without roles the activity's own places; with roles their sum (each role counts its own).
    capacity = IntegerField(constraints=[Check("capacity > 0")])
    taken = IntegerField(default=0, constraints=[Check("taken >= 0 AND taken <= capacity")])
    late_cancel_hours = IntegerField(default=24, constraints=[Check("late_cancel_hours >= 0")])
    state = CharField(max_length=10, default="open", constraints=[_in("state", ACTIVITY_STATES)])
    posted_by_resident = ForeignKeyField(Resident, null=True, backref="+", on_delete="SET NULL")
    posted_by_staff = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    # Once set, the hours are final: nothing about who served how long changes after.
    hours_confirmed_at = DateTimeField(null=True)
    cancelled_at = DateTimeField(null=True)          # by its leader or staff, before the start
    # A leader's post re-sent after a lost answer on a weak signal is the same activity.
    idempotency_key = CharField(max_length=64, null=True)

    class Meta:
        table_name = "volunteer_activity"
        indexes = ((("team", "idempotency_key"), True),)



class ActivityRole(BaseModel):
    activity = ForeignKeyField(Activity, backref="roles", on_delete="CASCADE")
    name = CharField(max_length=20)
    capacity = IntegerField(constraints=[Check("capacity > 0")])
    taken = IntegerField(default=0, constraints=[Check("taken >= 0 AND taken <= capacity")])

    class Meta:
        table_name = "volunteer_activity_role"
        indexes = ((("activity", "name"), True),)


class Signup(BaseModel):
    activity = ForeignKeyField(Activity, backref="signups", on_delete="CASCADE")
    role = ForeignKeyField(ActivityRole, null=True, backref="signups", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, backref="volunteer_signups", on_delete="CASCADE")
    state = CharField(max_length=10, constraints=[_in("state", SIGNUP_STATES)])
    idempotency_key = CharField(max_length=64, null=True)
    signed_up_at = DateTimeField(default=utcnow)       # the waitlist's order
    promoted_at = DateTimeField(null=True)
    cancelled_at = DateTimeField(null=True)
    late_cancel = BooleanField(default=False)
    no_show = BooleanField(default=False)
    checked_in_at = DateTimeField(null=True)
    checked_in_by = CharField(max_length=4, null=True, constraints=[Check(
        "checked_in_by IS NULL OR checked_in_by IN ('qr', 'hand')")])
    checked_out_at = DateTimeField(null=True)
    checked_out_by = CharField(max_length=4, null=True, constraints=[Check(
        "checked_out_by IS NULL OR checked_out_by IN ('qr', 'hand')")])
    minutes = IntegerField(null=True, constraints=[Check("minutes IS NULL OR minutes >= 0")])   # once confirmed

    class Meta:
        table_name = "volunteer_signup"
        indexes = ((("activity", "resident"), True), (("resident", "idempotency_key"), True),
                   (("activity", "state", "signed_up_at"), False))


class UrgentCall(BaseModel):
    team = ForeignKeyField(Team, backref="calls", on_delete="RESTRICT")
    what = CharField(max_length=100)
    place = CharField(max_length=100)
    needed = IntegerField(constraints=[Check("needed > 0")])
    coming = IntegerField(default=0, constraints=[Check("coming >= 0 AND coming <= needed")])
    state = CharField(max_length=8, default="open", constraints=[_in("state", CALL_STATES)])
    created_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    filled_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)             # closed early by staff


class CallAnswer(BaseModel):
    call = ForeignKeyField(UrgentCall, backref="answers", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, backref="+", on_delete="CASCADE")
    answer = CharField(max_length=10, constraints=[_in("answer", ANSWERS)])
    answered_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "urgent_call_answer"
        indexes = ((("call", "resident"), True),)


class VolunteerMessage(BaseModel):
    """One message to one volunteer, delivered by the queue (wechat/outbound): a reminder the day
    before, the news of a waitlist promotion, an urgent call, an activity cancelled."""
    resident = ForeignKeyField(Resident, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=12, constraints=[_in("kind", MESSAGE_KINDS)])
    signup = ForeignKeyField(Signup, null=True, backref="messages", on_delete="CASCADE")
    call = ForeignKeyField(UrgentCall, null=True, backref="messages", on_delete="CASCADE")
    channel = CharField(max_length=16, default="")
    template_id = CharField(max_length=128, default="")
    msgid = CharField(max_length=32, null=True)
    state = CharField(max_length=8, default="queued", index=True, constraints=[_in("state", MESSAGE_STATES)])
    attempts = IntegerField(default=0)
    errcode = IntegerField(null=True)
    errmsg = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        # NULLs are distinct in unique indexes: the first holds for sign-ups, the second for calls.
        indexes = ((("signup", "kind"), True), (("call", "resident"), True))
