"""Signed push URLs already used (account/replay.py); residents' consent per template and
WeChat's delivery reports on notifications (account/consent.py)."""
from peewee import *


def up(migrator, db):
    class SeenPush(Model):
        key = CharField(max_length=40, primary_key=True)
        body_hash = CharField(max_length=64)
        expires_at = IntegerField(index=True)
        class Meta:
            database = db
            table_name = 'seen_push'

    class Resident(Model):
        class Meta:
            database = db
            table_name = 'resident'

    class TemplateConsent(Model):
        resident = ForeignKeyField(Resident, on_delete='CASCADE')
        template_id = CharField(max_length=128)
        state = CharField(max_length=16, constraints=[Check("state IN ('accept', 'reject', 'spent')")])
        wechat_time = IntegerField(default=0)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'template_consent'
            indexes = ((('resident', 'template_id'), True),)
    db.create_tables([SeenPush, TemplateConsent])
    migrator.migrate(
        migrator.add_column('notification', 'template_id', CharField(max_length=128, default='')),
        migrator.add_column('notification', 'msgid', CharField(max_length=32, null=True, index=True)),
        migrator.add_column('notification', 'delivery', CharField(max_length=64, default='')),
        migrator.add_column('notification', 'reported_at', DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('notification', 'reported_at'),
        migrator.drop_column('notification', 'delivery'),
        migrator.drop_column('notification', 'msgid'),
        migrator.drop_column('notification', 'template_id'),
        migrator.drop_table('template_consent'),
        migrator.drop_table('seen_push'),
    )
