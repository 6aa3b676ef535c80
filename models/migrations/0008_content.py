"""The official account's content: articles and their body images, follower tags for grids
and buildings, mass-sent notices, daily statistics, comments with the sync's cursor, and the
sensitive-word list. The CHECKs are the models' own, added by hand."""
from peewee import *


def up(migrator, db):
    class Building(Model):
        class Meta:
            database = db
            table_name = 'building'

    class Community(Model):
        class Meta:
            database = db
            table_name = 'community'

    class Grid(Model):
        class Meta:
            database = db
            table_name = 'grid'

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

    class Article(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        title = CharField(max_length=64)
        author = CharField(max_length=16, default='')
        digest = CharField(max_length=120, default='')
        body = TextField(default='')
        body_format = CharField(max_length=8, default='markdown', constraints=[Check("body_format IN ('markdown', 'html')")])
        cover_path = CharField(max_length=300, default='')
        cover_media_id = CharField(max_length=200, default='')
        source_url = CharField(max_length=500, default='')
        comments = CharField(max_length=16, default='open', constraints=[Check("comments IN ('closed', 'open', 'followers_only')")])
        state = CharField(max_length=16, default='draft', constraints=[Check("state IN ('draft', 'synced', 'publishing', 'published', 'failed')")])
        draft_media_id = CharField(max_length=200, default='')
        publish_id = CharField(max_length=64, default='')
        article_id = CharField(max_length=200, default='')
        url = CharField(max_length=500, default='')
        msg_data_id = CharField(max_length=64, default='')
        errcode = IntegerField(null=True)
        errmsg = TextField(default='')
        created_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        published_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'article'
    db.create_tables([Article])

    class ArticleDailyStat(Model):
        ref_date = DateField()
        msgid = CharField(max_length=64)
        title = CharField(max_length=64, default='')
        read_users = IntegerField(default=0)
        reads = IntegerField(default=0)
        share_users = IntegerField(default=0)
        shares = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'article_daily_stat'
            indexes = ((('ref_date', 'msgid'), True),)
    db.create_tables([ArticleDailyStat])

    class ArticleImage(Model):
        article = ForeignKeyField(Article, on_delete='CASCADE')
        source = CharField(max_length=500)
        wechat_url = CharField(max_length=500)
        class Meta:
            database = db
            table_name = 'article_image'
            indexes = ((('article', 'source'), True),)
    db.create_tables([ArticleImage])

    class Comment(Model):
        msg_data_id = CharField(max_length=64)
        index = IntegerField(default=0)
        user_comment_id = IntegerField()
        openid = CharField(max_length=64, default='')
        content = TextField(default='')
        wechat_time = IntegerField(default=0)
        state = CharField(max_length=16, default='new', constraints=[Check("state IN ('new', 'clean', 'held', 'elected', 'deleted')")])
        matched = TextField(default='')
        reply = TextField(default='')
        report = ForeignKeyField(Report, null=True, on_delete='SET NULL')
        acted_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'comment'
            indexes = ((('msg_data_id', 'index', 'user_comment_id'), True), (('state', 'created_at'), False))
    db.create_tables([Comment])

    class CommentCursor(Model):
        msg_data_id = CharField(max_length=64)
        index = IntegerField(default=0)
        next_begin = IntegerField(default=0)
        synced_at = DateTimeField(null=True)
        errcode = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'comment_cursor'
            indexes = ((('msg_data_id', 'index'), True),)
    db.create_tables([CommentCursor])

    class FollowerDailyStat(Model):
        ref_date = DateField(unique=True)
        total = IntegerField()
        class Meta:
            database = db
            table_name = 'follower_daily_stat'
    db.create_tables([FollowerDailyStat])

    class WeChatTag(Model):
        grid = ForeignKeyField(Grid, unique=True, null=True, on_delete='CASCADE')
        building = ForeignKeyField(Building, unique=True, null=True, on_delete='CASCADE')
        tag_id = IntegerField(unique=True)
        name = CharField(max_length=30)
        class Meta:
            database = db
            table_name = 'we_chat_tag'
    db.create_tables([WeChatTag])

    class Notice(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        article = ForeignKeyField(Article, null=True, on_delete='SET NULL')
        text = TextField(default='')
        tag = ForeignKeyField(WeChatTag, null=True, on_delete='SET NULL')
        state = CharField(max_length=16, default='scheduled', constraints=[Check("state IN ('scheduled', 'sending', 'sent', 'failed', 'cancelled')")])
        send_at = DateTimeField()
        client_msg_id = CharField(unique=True, max_length=64)
        msg_id = CharField(index=True, max_length=64, default='')
        msg_data_id = CharField(max_length=64, default='')
        wechat_status = CharField(max_length=64, default='')
        total_count = IntegerField(null=True)
        sent_count = IntegerField(null=True)
        error_count = IntegerField(null=True)
        errcode = IntegerField(null=True)
        errmsg = TextField(default='')
        created_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'notice'
    db.create_tables([Notice])

    class ResidentTag(Model):
        resident = ForeignKeyField(Resident, on_delete='CASCADE')
        tag = ForeignKeyField(WeChatTag, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'resident_tag'
            indexes = ((('resident', 'tag'), True),)
    db.create_tables([ResidentTag])

    class SensitiveWord(Model):
        word = CharField(unique=True, max_length=50)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'sensitive_word'
    db.create_tables([SensitiveWord])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('sensitive_word'))
    migrator.migrate(migrator.drop_table('resident_tag'))
    migrator.migrate(migrator.drop_table('notice'))
    migrator.migrate(migrator.drop_table('we_chat_tag'))
    migrator.migrate(migrator.drop_table('follower_daily_stat'))
    migrator.migrate(migrator.drop_table('comment_cursor'))
    migrator.migrate(migrator.drop_table('comment'))
    migrator.migrate(migrator.drop_table('article_image'))
    migrator.migrate(migrator.drop_table('article_daily_stat'))
    migrator.migrate(migrator.drop_table('article'))
