"""Notifications about cases: one row per recipient and event, delivered by the queue."""
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.db import BaseModel
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from models.people import _in
from models.reports import Report

NOTIFICATION_STATES = ("queued", "sent", "failed", "skipped", "unknown")


class Notification(BaseModel):
    report = ForeignKeyField(Report, backref="notifications", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, null=True, on_delete="CASCADE")
    staff = ForeignKeyField(Staff, null=True, on_delete="CASCADE")
    kind = CharField(max_length=32)            # accepted, escalated, resolved, assigned, deadline
    channel = CharField(max_length=16, default="")   # subscribe, custom, template: as delivered
    state = CharField(max_length=16, default="queued", index=True,
                      constraints=[_in("state", NOTIFICATION_STATES)])
    attempts = IntegerField(default=0)
    errcode = IntegerField(null=True)
    errmsg = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("report", "kind"), False),)
