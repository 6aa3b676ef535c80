"""Notifications about cases to residents and staff, one row per recipient and event."""
from peewee import *


def up(migrator, db):
    class Report(Model):
        class Meta:
            database = db
            table_name = 'report'

    class Resident(Model):
        class Meta:
            database = db
            table_name = 'resident'

    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class Notification(Model):
        report = ForeignKeyField(Report, on_delete='CASCADE')
        resident = ForeignKeyField(Resident, null=True, on_delete='CASCADE')
        staff = ForeignKeyField(Staff, null=True, on_delete='CASCADE')
        kind = CharField(max_length=32)
        channel = CharField(max_length=16, default='')
        state = CharField(index=True, max_length=16, default='queued', constraints=[Check(
            "state IN ('queued', 'sent', 'failed', 'skipped', 'unknown')")])
        attempts = IntegerField(default=0)
        errcode = IntegerField(null=True)
        errmsg = TextField(default='')
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'notification'
            indexes = ((('report', 'kind'), False),)
    db.create_tables([Notification])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('notification'))
