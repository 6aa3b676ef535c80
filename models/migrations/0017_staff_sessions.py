"""A generation per staff member, carried in every console session and staff token: bumping it
(sign-out, disabling) ends every session of that person on the server, which a signed cookie
alone cannot do."""
from peewee import *


def up(migrator, db):
    # A default in the schema too: a host still on the previous release can create staff.
    migrator.migrate(migrator.add_column('staff', 'session_generation',
                                         IntegerField(default=0, constraints=[SQL('DEFAULT 0')])))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('staff', 'session_generation'))
