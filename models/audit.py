"""The audit log: every staff, merchant-staff and console action that changed something, with who,
when, from where and on what. Append-only: the database itself refuses to update or delete a
row (triggers in migration 0010), so no account of the application can rewrite history."""
from peewee import CharField
from peewee import DateTimeField
from peewee import IntegerField
from peewee import TextField

from models.db import BaseModel
from models.db import utcnow


class AuditEntry(BaseModel):
    actor_kind = CharField(max_length=16)            # staff, merchant
    actor_id = IntegerField()
    actor_name = CharField(max_length=64, default="")
    action = CharField(max_length=100)               # the endpoint, e.g. console.act
    target = CharField(max_length=200, default="")   # the path's arguments, e.g. number=R2611230001
    status = IntegerField()                          # the response's; 0: written with the action's commit
    address = CharField(max_length=64, default="")
    detail = TextField(default="")                   # the form's field names (never their values)
    created_at = DateTimeField(default=utcnow, index=True)
