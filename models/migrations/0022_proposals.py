"""议事: proposals for a unit, building, estate or the community, one support per household (the
unique key), neighbours' comments; a mini-program upload may become a proposal's photo."""
from peewee import *


def up(migrator, db):
    def table(name):
        class Meta:
            database = db
            table_name = name
        return type(name, (Model,), {'Meta': Meta})

    Community, Estate, Building, Unit = table('community'), table('estate'), table('building'), table('unit')
    Resident, Staff, Household, Case = table('resident'), table('staff'), table('household'), table('report')

    class Proposal(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        scope = CharField(max_length=10,
                          constraints=[Check("scope IN ('unit', 'building', 'estate', 'community')")])
        estate = ForeignKeyField(Estate, null=True, on_delete='RESTRICT')
        building = ForeignKeyField(Building, null=True, on_delete='RESTRICT')
        unit = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        proposer = ForeignKeyField(Resident, on_delete='RESTRICT')
        title = CharField(max_length=60)
        text = TextField()
        state = CharField(max_length=10, default='open', index=True, constraints=[
            Check("state IN ('open', 'on_agenda', 'adopted', 'merged', 'declined')")])
        supporters = IntegerField(default=0)
        support_needed = IntegerField()
        on_agenda_at = DateTimeField(null=True)
        outcome_reason = TextField(default='')
        case = ForeignKeyField(Case, null=True, on_delete='SET NULL')
        merged_into = ForeignKeyField('self', null=True, on_delete='SET NULL')
        decided_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        decided_at = DateTimeField(null=True)
        idempotency_key = CharField(max_length=100, null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'proposal'
            indexes = ((('proposer', 'idempotency_key'), True),)

    class ProposalSupport(Model):
        proposal = ForeignKeyField(Proposal, on_delete='CASCADE')
        household = ForeignKeyField(Household, backref='+', on_delete='RESTRICT')
        resident = ForeignKeyField(Resident, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'proposal_support'
            indexes = ((('proposal', 'household'), True),)

    class ProposalComment(Model):
        proposal = ForeignKeyField(Proposal, on_delete='CASCADE')
        resident = ForeignKeyField(Resident, backref='+', on_delete='CASCADE')
        text = TextField()
        state = CharField(max_length=8, default='shown', constraints=[Check("state IN ('shown', 'held')")])
        matched = CharField(max_length=200, default='')
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'proposal_comment'

    db.create_tables([Proposal, ProposalSupport, ProposalComment])
    migrator.migrate(migrator.add_column(
        'upload', 'proposal_id', ForeignKeyField(Proposal, field=Proposal.id, null=True, on_delete='SET NULL')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('upload', 'proposal_id'))
    for name in ('proposal_comment', 'proposal_support', 'proposal'):
        migrator.migrate(migrator.drop_table(name))
