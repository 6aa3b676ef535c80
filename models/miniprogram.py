"""The mini-program's server-side state: sessions, uploads and idempotent filings."""
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from models.cases import Case
from models.db import BaseModel
from models.db import utcnow
from models.people import Resident
from models.proposals import Proposal


class MpSession(BaseModel):
    """WeChat's session_key for a resident: kept here, never sent to the mini-program."""
    resident = ForeignKeyField(Resident, primary_key=True, on_delete="CASCADE")
    session_key = CharField(max_length=100)
    updated_at = DateTimeField(default=utcnow)


class Upload(BaseModel):
    """A photo a resident uploaded, re-encoded without its metadata, waiting to join a case or a
    proposal (one of them, once)."""
    resident = ForeignKeyField(Resident, backref="uploads", on_delete="CASCADE")
    path = CharField(max_length=200, unique=True)    # relative to MEDIA_DIR; a random name
    size = IntegerField()
    width = IntegerField()
    height = IntegerField()
    case = ForeignKeyField(Case, column_name="report_id", object_id_name="case_id", null=True, backref="uploads",
                           on_delete="SET NULL")
    proposal = ForeignKeyField(Proposal, null=True, backref="photos", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class FilingKey(BaseModel):
    """An Idempotency-Key a resident sent with a filing: the same key gets the same case."""
    resident = ForeignKeyField(Resident, on_delete="CASCADE")
    key = CharField(max_length=100)
    case = ForeignKeyField(Case, column_name="report_id", object_id_name="case_id", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("resident", "key"), True),)
