"""What the staff console keeps of its own: sign-in attempts, for the rate limit."""
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField

from models.db import BaseModel
from models.db import utcnow


class LoginAttempt(BaseModel):
    username = CharField(max_length=64)
    address = CharField(max_length=64)
    ok = BooleanField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("username", "created_at"), False), (("address", "created_at"), False))
