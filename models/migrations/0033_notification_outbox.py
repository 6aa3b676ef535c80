"""Notifications as a transactional outbox (issue 21): the row written with the case is what the
consumer's relay delivers, so no queue entry in a second store is needed. `claimed_at`: a relay
holds the row (a lease; a crash leaves it to expire); `next_try_at`: when WeChat was unreachable,
the next try."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('notification', 'claimed_at', DateTimeField(null=True)),
        migrator.add_column('notification', 'next_try_at', DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('notification', 'next_try_at'),
                     migrator.drop_column('notification', 'claimed_at'))
