"""Residents and staff, and the roles that scope what each staff member is responsible for."""
from peewee import BooleanField
from peewee import CharField
from peewee import Check
from peewee import DateTimeField
from peewee import DeferredForeignKey
from peewee import ForeignKeyField
from peewee import IntegerField

from models.community import Building
from models.community import Community
from models.community import Grid
from models.community import Unit
from models.db import BaseModel
from models.db import utcnow

ADDRESS_STATES = ("none", "pending", "confirmed", "rejected")

# role → the kind of place it is scoped to. An area cadre answers for a set of
# grids: one assignment per grid, so "who is above this grid worker" is one indexed lookup.
ROLE_SCOPES = {
    "grid_worker": "grid",
    "area_cadre": "grid",
    "building_leader": "building",
    "unit_leader": "unit",
    "secretary": "community",
    "street_centre": "community",
    "property": "community",
    "editor": "community",
    "admin": "community",
}
ROLES = tuple(ROLE_SCOPES)


def _in(column, values):
    return Check("%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values)))


class Staff(BaseModel):
    username = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255)
    name = CharField(max_length=50)
    phone = CharField(max_length=20, default="")
    phone_public = BooleanField(default=False)     # shown on the building's service board
    oa_openid = CharField(max_length=64, null=True, unique=True)  # for notifications in WeChat
    mp_openid = CharField(max_length=64, null=True, unique=True)  # bound by a one-time code (staff_binding)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    # Part of every session's stamp (community.staff.session_stamp): +1 ends them all.
    session_generation = IntegerField(default=0)


class Resident(BaseModel):
    # One person may reach us through the official account (oa), the mini-program (mp), or both;
    # unionid links the two when both apps sit under one open-platform account.
    oa_openid = CharField(max_length=64, null=True, unique=True)
    mp_openid = CharField(max_length=64, null=True, unique=True)
    unionid = CharField(max_length=64, null=True, unique=True)
    nickname = CharField(max_length=100, default="")
    avatar_url = CharField(max_length=500, default="")
    phone = CharField(max_length=20, null=True)
    community = ForeignKeyField(Community, null=True, backref="residents", on_delete="RESTRICT")
    building = ForeignKeyField(Building, null=True, backref="residents", on_delete="SET NULL")
    unit = ForeignKeyField(Unit, null=True, backref="residents", on_delete="SET NULL")
    room = CharField(max_length=20, default="")
    # The room of the address, once it names a known household (models/households.py, defined
    # after this module: hence deferred). A member of it only while the address is confirmed.
    household = DeferredForeignKey("Household", null=True, backref="members", on_delete="SET NULL")
    address_state = CharField(max_length=16, default="none", constraints=[_in("address_state", ADDRESS_STATES)])
    address_confirmed_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    address_confirmed_at = DateTimeField(null=True)
    subscribed = BooleanField(default=False, index=True)
    subscribed_at = DateTimeField(null=True)
    unsubscribed_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class RoleAssignment(BaseModel):
    staff = ForeignKeyField(Staff, backref="roles", on_delete="CASCADE")
    role = CharField(max_length=20, constraints=[_in("role", ROLES)])
    community = ForeignKeyField(Community, backref="role_assignments", on_delete="RESTRICT")
    grid = ForeignKeyField(Grid, null=True, backref="role_assignments", on_delete="CASCADE")
    building = ForeignKeyField(Building, null=True, backref="role_assignments", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, null=True, backref="role_assignments", on_delete="CASCADE")
    # "grid:3", "community:1": the scope as one non-null value, so the schema can keep each
    # assignment unique (NULLs are distinct in unique indexes on both databases).
    scope_key = CharField(max_length=40)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("staff", "role", "scope_key"), True),
            (("role", "grid"), False),
            (("role", "building"), False),
            (("role", "unit"), False),
            (("role", "community"), False),
        )


class SigninLink(BaseModel):
    """A one-time link for a staff member to set their own password (a new account, or a reset by
    a manager), instead of a password sent in clear. Only the token's SHA-256 is kept; a link
    expires and is used at most once."""
    staff = ForeignKeyField(Staff, backref="signin_links", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
