"""Where residents live and how the community is run: Community → Grid → Building → Unit.

Estates (小区) group buildings by address; grids group them for management, and a grid may be
split into micro-grids (grid → micro-grid → unit), so a grid can have a parent.
"""
from peewee import JOIN
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField

from models.db import BaseModel
from models.db import utcnow


class Community(BaseModel):
    code = CharField(max_length=32, unique=True)   # short, stable: used in case numbers and URLs
    name = CharField(max_length=100)
    street = CharField(max_length=100, default="")     # 街道
    district = CharField(max_length=100, default="")   # 区
    city = CharField(max_length=100, default="")
    # Its centre (WGS-84 degrees), where known: a point filed through Open311 must lie near one.
    centre_lat = FloatField(null=True)
    centre_lng = FloatField(null=True)
    # The community office's phone, as printed on notice sheets and the buildings' e-screens.
    phone = CharField(max_length=20, default="")
    created_at = DateTimeField(default=utcnow)


class Estate(BaseModel):
    community = ForeignKeyField(Community, backref="estates", on_delete="RESTRICT")
    name = CharField(max_length=100)

    class Meta:
        indexes = ((("community", "name"), True),)


class Grid(BaseModel):
    community = ForeignKeyField(Community, backref="grids", on_delete="RESTRICT")
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    code = CharField(max_length=32)
    name = CharField(max_length=100)

    class Meta:
        indexes = ((("community", "code"), True),)


class Building(BaseModel):
    community = ForeignKeyField(Community, backref="buildings", on_delete="RESTRICT")
    estate = ForeignKeyField(Estate, null=True, backref="buildings", on_delete="RESTRICT")
    grid = ForeignKeyField(Grid, null=True, backref="buildings", on_delete="SET NULL")
    name = CharField(max_length=100)               # "11号楼"
    # Scene value of the building's permanent QR code (posted at the door).
    qr_scene = CharField(max_length=64, null=True, unique=True)
    qr_ticket = CharField(max_length=200, default="")   # the permanent QR code made for it
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("community", "estate", "name"), True),)

    @property
    def label(self):
        """The building as people tell it apart: "丰泽园小区 1号楼". Names repeat across estates
        (a community has several 1号楼), so a bare name is never shown or sent on its own."""
        return "%s %s" % (self.estate.name, self.name) if self.estate_id else self.name

    @classmethod
    def listed(cls, community_id):
        """A community's buildings with their estates (one query), for choosers and lists."""
        return (cls.select(cls, Estate).join(Estate, JOIN.LEFT_OUTER).where(cls.community == community_id)
                .order_by(cls.id))


class Unit(BaseModel):
    building = ForeignKeyField(Building, backref="units", on_delete="RESTRICT")
    name = CharField(max_length=50)                # "1单元"
    households = IntegerField(default=0)

    class Meta:
        indexes = ((("building", "name"), True),)
