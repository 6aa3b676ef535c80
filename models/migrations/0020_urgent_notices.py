"""A notice may be urgent (停水, 停电, a gas leak): the mini-program keeps it on top of the
community's notices for a while after it is sent (community/policy.py, urgent_pinned)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('notice', 'urgent', BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('notice', 'urgent'))
