"""Notifications about cases and proposals (议事): one row per recipient and event, delivered by
the queue. A row is about one case or one proposal."""
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.cases import Case
from models.db import BaseModel
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from models.people import _in
from models.proposals import Proposal

NOTIFICATION_STATES = ("queued", "sent", "failed", "skipped", "unknown")
CONSENT_STATES = ("accept", "reject", "spent")


class Notification(BaseModel):
    case = ForeignKeyField(Case, column_name="report_id", object_id_name="case_id", backref="notifications",
                           null=True, on_delete="CASCADE")
    proposal = ForeignKeyField(Proposal, null=True, backref="notifications", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, null=True, on_delete="CASCADE")
    staff = ForeignKeyField(Staff, null=True, on_delete="CASCADE")
    kind = CharField(max_length=32)   # accepted, escalated, resolved, assigned, deadline; proposal_* (PROPOSAL_KINDS)
    channel = CharField(max_length=16, default="")   # subscribe, custom, oa_subscribe, template: as delivered
    state = CharField(max_length=16, default="queued", index=True,
                      constraints=[_in("state", NOTIFICATION_STATES)])
    attempts = IntegerField(default=0)
    errcode = IntegerField(null=True)
    errmsg = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    # The template a subscription notice or template message went with, WeChat's msgid for it,
    # and WeChat's report of its delivery (success, failed:user block, failed: system failed).
    template_id = CharField(max_length=128, default="")
    msgid = CharField(max_length=32, null=True, index=True)
    delivery = CharField(max_length=64, default="")
    reported_at = DateTimeField(null=True)
    # Set where a notification must go at most once (a staff member's new case, a deadline near):
    # the database refuses a second row, so two sweeps or a retried assignment never send twice.
    once_key = CharField(max_length=100, null=True, unique=True)
    # The outbox (cases/notify_outbox.py): a relay's lease on the row, and when to try again
    # after WeChat was unreachable.
    claimed_at = DateTimeField(null=True)
    next_try_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("case", "kind"), False),)


class TemplateConsent(BaseModel):
    """A resident's last word on one of the official account's templates: accepted or rejected
    in a subscription-notice popup or their notice settings, rejected by blocking a template
    message, or spent (WeChat refused a send for want of consent: a one-time subscription)."""
    resident = ForeignKeyField(Resident, backref="consents", on_delete="CASCADE")
    template_id = CharField(max_length=128)
    state = CharField(max_length=16, constraints=[_in("state", CONSENT_STATES)])
    wechat_time = IntegerField(default=0)     # CreateTime of the event that said so: the latest wins
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("resident", "template_id"), True),)
