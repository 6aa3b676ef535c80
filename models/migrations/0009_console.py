"""The staff console's sign-in attempts, which its rate limit counts."""
from peewee import *


def up(migrator, db):
    class LoginAttempt(Model):
        username = CharField(max_length=64)
        address = CharField(max_length=64)
        ok = BooleanField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'login_attempt'
            indexes = ((('username', 'created_at'), False), (('address', 'created_at'), False))
    db.create_tables([LoginAttempt])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('login_attempt'))
