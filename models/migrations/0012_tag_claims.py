"""A follower tag's row is claimed before WeChat creates the tag (tag_id NULL until WeChat
answers), so two workers sending a building's first notice create one tag, not two or a 500."""
import datetime

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.drop_not_null('we_chat_tag', 'tag_id'),
        migrator.add_column('we_chat_tag', 'claimed_at', DateTimeField(default=datetime.datetime(2000, 1, 1))),
    )


def down(migrator, db):
    db.execute_sql("DELETE FROM we_chat_tag WHERE tag_id IS NULL")
    migrator.migrate(
        migrator.drop_column('we_chat_tag', 'claimed_at'),
        migrator.add_not_null('we_chat_tag', 'tag_id'),
    )
