"""A team leader posts activities from the mini-program (issue 19 item 4): the post carries an
Idempotency-Key, unique within the team, so a post re-sent after a lost answer is one activity."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('volunteer_activity', 'idempotency_key', CharField(max_length=64, null=True)),
        migrator.add_index('volunteer_activity', ('team_id', 'idempotency_key'), True),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_index('volunteer_activity', 'volunteer_activity_team_id_idempotency_key'),
                     migrator.drop_column('volunteer_activity', 'idempotency_key'))
