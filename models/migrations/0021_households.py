"""Households (户): a room in a unit with its exclusive floor area (whole hundredths of a m²,
exact when summed), occupancy and representative; a resident's address links to its room."""
from peewee import *


def up(migrator, db):
    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class Resident(Model):
        class Meta:
            database = db
            table_name = 'resident'

    class Household(Model):
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        room = CharField(max_length=20)
        floor_area_dm2 = IntegerField(null=True, constraints=[Check('floor_area_dm2 > 0')])
        occupancy = CharField(max_length=8, default='unknown',
                              constraints=[Check("occupancy IN ('owner', 'tenant', 'unknown')")])
        representative = ForeignKeyField(Resident, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'household'
            indexes = ((('unit', 'room'), True),)
    db.create_tables([Household])
    migrator.migrate(migrator.add_column(
        'resident', 'household_id',
        ForeignKeyField(Household, field=Household.id, null=True, on_delete='SET NULL')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('resident', 'household_id'))
    migrator.migrate(migrator.drop_table('household'))
