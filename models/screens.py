"""A building's e-screen (楼宇电子屏) links: each opens one building's read-only screen page."""
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField

from models.community import Building
from models.db import BaseModel
from models.db import utcnow
from models.people import Staff


class ScreenLink(BaseModel):
    """A read-only link to a building's e-screen page. Only the token's SHA-256 is kept (as for
    sign-in links), so a copy of the database opens no screen; `hint` (the token's last
    characters) lets staff tell their links apart. A revoked link stays, with who and when."""
    building = ForeignKeyField(Building, backref="screen_links", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    hint = CharField(max_length=8)
    place = CharField(max_length=50, default="")          # where the screen hangs: "1单元大堂"
    created_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(null=True)               # the screen's last fetch, to within SEEN_EVERY
    revoked_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="SET NULL")
    revoked_at = DateTimeField(null=True, index=True)
