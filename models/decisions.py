"""征询/表决: consultations staff open for a unit, building, estate or the community, and the
households' voices. The rules that turn voices into a result live in decisions/rules.py, the
workflow in decisions/consultations.py.

A household has one voice per consultation: the unique key (consultation, household) says so,
so two members tapping at once leave one row. The result is computed once, at the close, and
stored here (`outcome` and `result`): it never moves after.
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
from models.community import Estate
from models.community import Unit
from models.db import BaseModel
from models.db import utcnow
from models.households import Household
from models.people import Resident
from models.people import Staff
from models.people import _in
from models.proposals import SCOPES
from models.proposals import Proposal

RULES = ("households_majority", "owners_art278_ordinary", "owners_art278_major", "unit_consent")
STATES = ("open", "closed")
OUTCOMES = ("passed", "failed", "undecidable")


class Consultation(BaseModel):
    community = ForeignKeyField(Community, backref="consultations", on_delete="RESTRICT")
    scope = CharField(max_length=10, constraints=[_in("scope", SCOPES)])
    estate = ForeignKeyField(Estate, null=True, backref="consultations", on_delete="RESTRICT")
    building = ForeignKeyField(Building, null=True, backref="consultations", on_delete="RESTRICT")
    unit = ForeignKeyField(Unit, null=True, backref="consultations", on_delete="RESTRICT")
    question = CharField(max_length=200)
    description = TextField(default="")
    options = TextField()                          # JSON list of labels; the first one consents
    rule = CharField(max_length=30, constraints=[_in("rule", RULES)])
    rule_params = TextField(default="{}")          # JSON: {"quorum": "1/2"}, {"share": "2/3"}
    # JSON [[household id, area in dm2 or null], …]: the scope's flats as they were at the opening;
    # the result is counted over these, so no edit of a household during the vote can move the bar.
    roll = TextField(default="[]")
    allow_change = BooleanField(default=False)     # a household may change its choice until the close
    named_export = BooleanField(default=False)     # the CSV names households (else numbers them)
    opens_at = DateTimeField()
    closes_at = DateTimeField(index=True)
    # "open" until closed; whether voices are taken also depends on opens_at/closes_at.
    state = CharField(max_length=8, default="open", index=True, constraints=[_in("state", STATES)])
    outcome = CharField(max_length=12, null=True, constraints=[Check(
        "outcome IS NULL OR outcome IN (%s)" % ", ".join("'%s'" % o for o in OUTCOMES))])
    result = TextField(default="")                 # JSON, written once at the close
    proposal = ForeignKeyField(Proposal, null=True, backref="consultations", on_delete="SET NULL")
    created_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    closed_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    closed_at = DateTimeField(null=True)


class Vote(BaseModel):
    consultation = ForeignKeyField(Consultation, backref="votes", on_delete="CASCADE")
    # RESTRICT: a household that voted stays, or the stored result would count a voice gone.
    household = ForeignKeyField(Household, backref="+", on_delete="RESTRICT")
    choice = IntegerField(constraints=[Check("choice >= 0")])     # index into the options
    # Cast online by a member, or recorded at the door by staff (then `resident` is null).
    resident = ForeignKeyField(Resident, null=True, backref="+", on_delete="SET NULL")
    recorded_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    recorded_at = DateTimeField(null=True)
    photo = CharField(max_length=200, default="")   # the signed paper, under MEDIA_DIR
    cast_at = DateTimeField(default=utcnow)
    changed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("consultation", "household"), True),)
