"""征询/表决: consultations for a scope with their rule, and one vote per household (the unique
key), cast online or recorded at the door; the result is stored once at the close."""
from peewee import *


def up(migrator, db):
    def table(name):
        class Meta:
            database = db
            table_name = name
        return type(name, (Model,), {'Meta': Meta})

    Community, Estate, Building, Unit = table('community'), table('estate'), table('building'), table('unit')
    Resident, Staff, Household, Proposal = table('resident'), table('staff'), table('household'), table('proposal')

    class Consultation(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        scope = CharField(max_length=10,
                          constraints=[Check("scope IN ('unit', 'building', 'estate', 'community')")])
        estate = ForeignKeyField(Estate, null=True, on_delete='RESTRICT')
        building = ForeignKeyField(Building, null=True, on_delete='RESTRICT')
        unit = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        question = CharField(max_length=200)
        description = TextField(default='')
        options = TextField()
        rule = CharField(max_length=30, constraints=[Check(
            "rule IN ('households_majority', 'owners_art278_ordinary', 'owners_art278_major', 'unit_consent')")])
        rule_params = TextField(default='{}')
        roll = TextField(default='[]')
        allow_change = BooleanField(default=False)
        named_export = BooleanField(default=False)
        opens_at = DateTimeField()
        closes_at = DateTimeField(index=True)
        state = CharField(max_length=8, default='open', index=True,
                          constraints=[Check("state IN ('open', 'closed')")])
        outcome = CharField(max_length=12, null=True, constraints=[Check(
            "outcome IS NULL OR outcome IN ('passed', 'failed', 'undecidable')")])
        result = TextField(default='')
        proposal = ForeignKeyField(Proposal, null=True, on_delete='SET NULL')
        created_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField()
        closed_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        closed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'consultation'

    class Vote(Model):
        consultation = ForeignKeyField(Consultation, on_delete='CASCADE')
        household = ForeignKeyField(Household, backref='+', on_delete='RESTRICT')
        choice = IntegerField(constraints=[Check('choice >= 0')])
        resident = ForeignKeyField(Resident, null=True, backref='+', on_delete='SET NULL')
        recorded_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        recorded_at = DateTimeField(null=True)
        photo = CharField(max_length=200, default='')
        cast_at = DateTimeField()
        changed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'vote'
            indexes = ((('consultation', 'household'), True),)

    db.create_tables([Consultation, Vote])


def down(migrator, db):
    for name in ('vote', 'consultation'):
        migrator.migrate(migrator.drop_table(name))
