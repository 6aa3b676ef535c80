"""A notification may be about a proposal (议事) rather than a case: its proposer hears when it
reaches the council's agenda and of its outcome. A row is about one case or one proposal."""
from peewee import *


def up(migrator, db):
    class Proposal(Model):
        class Meta:
            database = db
            table_name = 'proposal'

    migrator.migrate(
        migrator.drop_not_null('notification', 'report_id'),
        migrator.add_column('notification', 'proposal_id',
                            ForeignKeyField(Proposal, field=Proposal.id, null=True, on_delete='CASCADE')),
    )


def down(migrator, db):
    db.execute_sql("DELETE FROM notification WHERE report_id IS NULL")
    migrator.migrate(migrator.drop_column('notification', 'proposal_id'),
                     migrator.add_not_null('notification', 'report_id'))
