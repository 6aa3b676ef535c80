"""议事: proposals residents raise for their unit, building, estate or community, the households
that support them (附议) and the neighbours' comments. The rules live in cases/proposals.py.

A household supports a proposal once: the unique key (proposal, household) says so, so two
members tapping at once in two workers leave one support. `supporters` counts those rows; it
moves only in the transaction that adds one, by an atomic update, so the threshold is crossed
exactly once.
"""
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.cases import Case
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

SCOPES = ("unit", "building", "estate", "community")
STATES = ("open", "on_agenda", "adopted", "merged", "declined")
OPEN_STATES = ("open", "on_agenda")
COMMENT_STATES = ("shown", "held")


class Proposal(BaseModel):
    community = ForeignKeyField(Community, backref="proposals", on_delete="RESTRICT")
    # The place of its scope: the unit, the building, the estate, or none beyond the community.
    scope = CharField(max_length=10, constraints=[_in("scope", SCOPES)])
    estate = ForeignKeyField(Estate, null=True, backref="proposals", on_delete="RESTRICT")
    building = ForeignKeyField(Building, null=True, backref="proposals", on_delete="RESTRICT")
    unit = ForeignKeyField(Unit, null=True, backref="proposals", on_delete="RESTRICT")
    proposer = ForeignKeyField(Resident, backref="proposals", on_delete="RESTRICT")
    title = CharField(max_length=60)
    text = TextField()
    state = CharField(max_length=10, default="open", index=True, constraints=[_in("state", STATES)])
    supporters = IntegerField(default=0)
    # The households it needs, fixed when raised from the scope's households and the policy:
    # the bar does not move under a proposal while residents gather support.
    support_needed = IntegerField()
    on_agenda_at = DateTimeField(null=True)
    # The outcome, public to the scope: its reason, and the case or proposal it went on as.
    outcome_reason = TextField(default="")
    case = ForeignKeyField(Case, null=True, backref="proposals", on_delete="SET NULL")
    merged_into = ForeignKeyField("self", null=True, backref="merged", on_delete="SET NULL")
    decided_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    # The raiser's Idempotency-Key: a submit retried after a lost answer raises one proposal.
    idempotency_key = CharField(max_length=100, null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("proposer", "idempotency_key"), True),)


class ProposalSupport(BaseModel):
    proposal = ForeignKeyField(Proposal, backref="supports", on_delete="CASCADE")
    # RESTRICT: a household that supported stays, or `supporters` would count a support gone.
    household = ForeignKeyField(Household, backref="+", on_delete="RESTRICT")
    resident = ForeignKeyField(Resident, null=True, backref="+", on_delete="SET NULL")   # who tapped
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("proposal", "household"), True),)


class ProposalComment(BaseModel):
    proposal = ForeignKeyField(Proposal, backref="comments", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, backref="+", on_delete="CASCADE")
    text = TextField()
    # held: it names listed words; only its author sees it, until staff look (as article comments).
    state = CharField(max_length=8, default="shown", constraints=[_in("state", COMMENT_STATES)])
    matched = CharField(max_length=200, default="")
    created_at = DateTimeField(default=utcnow)
