"""One-time sign-in links for staff (community/staff.py): a new account sets its own password
through one, instead of receiving a password in clear. Only the token's hash is stored."""
from peewee import *


def up(migrator, db):
    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class SigninLink(Model):
        staff = ForeignKeyField(Staff, on_delete='CASCADE')
        token_hash = CharField(max_length=64, unique=True)
        created_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'signin_link'
    db.create_tables([SigninLink])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('signin_link'))
