"""Staff on their phones: a staff member's mini-program WeChat (bound by a one-time code), the
codes, and the Idempotency-Keys of their case actions."""
from peewee import *


def up(migrator, db):
    def table(name):
        class Meta:
            database = db
            table_name = name
        return type(name, (Model,), {'Meta': Meta})

    Staff, Case = table('staff'), table('report')

    class StaffBindingCode(Model):
        staff = ForeignKeyField(Staff, backref='+', on_delete='CASCADE')
        code_hash = CharField(max_length=64, unique=True)
        created_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'staff_binding_code'

    class StaffActionKey(Model):
        staff = ForeignKeyField(Staff, backref='+', on_delete='CASCADE')
        key = CharField(max_length=100)
        case = ForeignKeyField(Case, backref='+', on_delete='CASCADE')
        action = CharField(max_length=20)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'staff_action_key'
            indexes = ((('staff', 'key'), True),)

    db.create_tables([StaffBindingCode, StaffActionKey])
    migrator.migrate(migrator.add_column('staff', 'mp_openid', CharField(max_length=64, null=True, unique=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('staff', 'mp_openid'), migrator.drop_table('staff_action_key'),
                     migrator.drop_table('staff_binding_code'))
