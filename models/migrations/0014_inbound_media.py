"""Inbound messages that reach staff whatever their type: a link's title and URL as columns, a
copy of a voice, photo or video downloaded while WeChat keeps it (3 days), and the verdict of
WeChat's asynchronous media check (mediaCheckAsync), which holds a photo on the case too. And
where the follower import stopped, so a run cut short resumes."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('inbound_message', 'title', CharField(max_length=200, default='')),
        migrator.add_column('inbound_message', 'url', CharField(max_length=1000, default='')),
        migrator.add_column('inbound_message', 'media_path', CharField(max_length=200, default='')),
        migrator.add_column('inbound_message', 'media_check', CharField(max_length=16, default='')),
        migrator.add_column('inbound_message', 'media_trace_id', CharField(max_length=64, null=True)),
        migrator.add_index('inbound_message', ('media_trace_id',), True),
        migrator.add_column('report_photo', 'held', BooleanField(default=False)),
    )

    class FollowerImport(Model):
        name = CharField(max_length=32, primary_key=True)
        next_openid = CharField(max_length=64, default='')
        imported = IntegerField(default=0)
        total = IntegerField(default=0)
        started_at = DateTimeField()
        updated_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'follower_import'
    db.create_tables([FollowerImport])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('follower_import'))
    migrator.migrate(
        migrator.drop_column('report_photo', 'held'),
        migrator.drop_index('inbound_message', 'inbound_message_media_trace_id'),
        migrator.drop_column('inbound_message', 'media_trace_id'),
        migrator.drop_column('inbound_message', 'media_check'),
        migrator.drop_column('inbound_message', 'media_path'),
        migrator.drop_column('inbound_message', 'url'),
        migrator.drop_column('inbound_message', 'title'),
    )
