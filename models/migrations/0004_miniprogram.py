"""The mini-program: WeChat session keys kept on the server, uploaded photos, and the keys that
make a repeated filing return the first case."""
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

    class FilingKey(Model):
        resident = ForeignKeyField(Resident, on_delete='CASCADE')
        key = CharField(max_length=100)
        report = ForeignKeyField(Report, on_delete='CASCADE')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'filing_key'
            indexes = ((('resident', 'key'), True),)
    db.create_tables([FilingKey])

    class MpSession(Model):
        resident = ForeignKeyField(Resident, primary_key=True, on_delete='CASCADE')
        session_key = CharField(max_length=100)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'mp_session'
    db.create_tables([MpSession])

    class Upload(Model):
        resident = ForeignKeyField(Resident, on_delete='CASCADE')
        path = CharField(unique=True, max_length=200)
        size = IntegerField()
        width = IntegerField()
        height = IntegerField()
        report = ForeignKeyField(Report, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'upload'
    db.create_tables([Upload])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('upload'))
    migrator.migrate(migrator.drop_table('mp_session'))
    migrator.migrate(migrator.drop_table('filing_key'))
