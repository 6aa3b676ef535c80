"""Local merchants of the community red card (社区红卡) and the staff who serve at their counter."""
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField

from models.community import Community
from models.db import BaseModel
from models.db import utcnow
from models.people import _in

MERCHANT_STATES = ("pending", "active", "suspended")
MERCHANT_ROLES = ("owner", "clerk")


class Merchant(BaseModel):
    community = ForeignKeyField(Community, backref="merchants", on_delete="RESTRICT")
    name = CharField(max_length=100)
    address = CharField(max_length=200, default="")
    category = CharField(max_length=50, default="")
    contact_name = CharField(max_length=50, default="")
    contact_phone = CharField(max_length=20, default="")
    status = CharField(max_length=16, default="pending", index=True,
                       constraints=[_in("status", MERCHANT_STATES)])
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("community", "name"), True),)


class MerchantStaff(BaseModel):
    merchant = ForeignKeyField(Merchant, backref="staff", on_delete="CASCADE")
    name = CharField(max_length=50)
    role = CharField(max_length=8, constraints=[_in("role", MERCHANT_ROLES)])
    openid = CharField(max_length=64, null=True)   # the mini-program openid, bound with a one-time code
    bound_at = DateTimeField(null=True)
    binding_code_hash = CharField(max_length=64, null=True, unique=True)   # sha256 of the code
    binding_expires_at = DateTimeField(null=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("merchant", "openid"), True),)
