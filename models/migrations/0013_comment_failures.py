"""A comment action WeChat refused (elect, unelect, reply, delete the reply, delete) is kept on
the comment with WeChat's errcode, message and time, and the reply's text, so staff see it and
retry it."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('comment', 'failed_action', CharField(
            max_length=16, default='', constraints=[Check(
                "failed_action IN ('', 'elect', 'unelect', 'reply', 'delete_reply', 'delete')")])),
        migrator.add_column('comment', 'failed_text', TextField(default='')),
        migrator.add_column('comment', 'failed_at', DateTimeField(null=True)),
        migrator.add_column('comment', 'errcode', IntegerField(null=True)),
        migrator.add_column('comment', 'errmsg', TextField(default='')),
    )


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column('comment', name)
                       for name in ('failed_action', 'failed_text', 'failed_at', 'errcode', 'errmsg')))
