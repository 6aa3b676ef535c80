"""Staff on their phones: the one-time codes that bind a staff member's WeChat to their account
(the identity itself is Staff.mp_openid), the Idempotency-Keys of their case actions, and the
photos of a fix they upload."""
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from models.cases import Case
from models.db import BaseModel
from models.db import utcnow
from models.people import Staff


class StaffBindingCode(BaseModel):
    """A short-lived code, shown once in the console, that binds the WeChat which sends it first to
    `staff`. Only its SHA-256 is kept; it is used at most once, and a newer code voids it."""
    staff = ForeignKeyField(Staff, backref="binding_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class StaffActionKey(BaseModel):
    """An Idempotency-Key a staff member sent with a case action: a retry with the same key is
    answered without acting twice (a second escalation would climb another level)."""
    staff = ForeignKeyField(Staff, on_delete="CASCADE")
    key = CharField(max_length=100)
    case = ForeignKeyField(Case, on_delete="CASCADE")
    action = CharField(max_length=20)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("staff", "key"), True),)


class StaffUpload(BaseModel):
    """A photo of a fix a staff member uploaded (re-encoded without metadata like a resident's),
    waiting to join one case's resolution or note, once; apart from the residents' uploads so a
    resident's photo id can never be passed off as the fix, nor the reverse."""
    staff = ForeignKeyField(Staff, backref="uploads", on_delete="CASCADE")
    path = CharField(max_length=200, unique=True)    # relative to MEDIA_DIR; a random name
    size = IntegerField()
    width = IntegerField()
    height = IntegerField()
    case = ForeignKeyField(Case, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
