"""Signed push URLs already used (account/replay.py)."""
from peewee import *


def up(migrator, db):
    class SeenPush(Model):
        key = CharField(max_length=40, primary_key=True)
        body_hash = CharField(max_length=64)
        expires_at = IntegerField(index=True)
        class Meta:
            database = db
            table_name = 'seen_push'
    db.create_tables([SeenPush])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('seen_push'))
