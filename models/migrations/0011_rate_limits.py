"""Rate-limit counters (limits.py): one row per key and fixed window, shared by all workers."""
from peewee import *


def up(migrator, db):
    class RateCounter(Model):
        key = CharField(max_length=120)
        window = IntegerField()
        count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'rate_counter'
            indexes = ((('key', 'window'), True),)
    db.create_tables([RateCounter])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('rate_counter'))
