"""Households (户): a room in a unit, the unit of voice when residents decide together.

Its members are the residents whose confirmed address is that room (Resident.household, with
address_state "confirmed"); one of them may be its representative (户代表). Only what the
decisions need is stored: the room, its exclusive floor area and whether owners live in it; no
ID numbers, no names beyond the residents' own.

The floor area is kept in whole hundredths of a square metre (dm²), as an integer: a deed gives
it to two decimals, and the Civil Code's thresholds (2/3 or 3/4 of the area) compare sums of
thousands of rooms. Integer sums are exact on both databases, where SQLite would store a DECIMAL
as a binary float and add the floats.
"""
from decimal import Decimal

from peewee import CharField
from peewee import Check
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from models.community import Unit
from models.db import BaseModel
from models.db import utcnow
from models.people import Resident

OCCUPANCIES = ("owner", "tenant", "unknown")
HUNDREDTHS = Decimal("0.01")


class Household(BaseModel):
    # Backref "rooms": Unit.households is already the unit's count of households.
    unit = ForeignKeyField(Unit, backref="rooms", on_delete="RESTRICT")
    room = CharField(max_length=20)                 # "501", as on the door
    floor_area_dm2 = IntegerField(null=True, constraints=[Check("floor_area_dm2 > 0")])
    occupancy = CharField(max_length=8, default="unknown",
                          constraints=[Check("occupancy IN (%s)" % ", ".join("'%s'" % o for o in OCCUPANCIES))])
    representative = ForeignKeyField(Resident, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("unit", "room"), True),)

    @property
    def door(self):
        """"丰泽园小区 1号楼 1单元 301": building names repeat across estates, so a door is always
        named with its estate (load the unit, building and estate with the household)."""
        return "%s %s %s" % (self.unit.building.label, self.unit.name, self.room)

    @property
    def floor_area(self):
        """The exclusive floor area in m² as a Decimal with two places, or None when unknown."""
        if self.floor_area_dm2 is None:
            return None
        return (Decimal(self.floor_area_dm2) / 100).quantize(HUNDREDTHS)


def to_dm2(area):
    """m² (a Decimal, or a string such as "89.5") → whole hundredths; ValueError beyond two places."""
    hundredths = Decimal(area) * 100
    if hundredths != hundredths.to_integral_value():
        raise ValueError("more than two decimal places: %s" % area)
    return int(hundredths)
