"""The official account's conversation (messages in and out, reply rules, editable texts),
cases with their photos and events, and each building's permanent QR ticket.

Frozen models, independent of the application's; CHECK constraints keep enumerations honest.
"""
from peewee import *


def _in(column, values):
    return Check("%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values)))


def up(migrator, db):
    class Building(Model):
        class Meta:
            database = db
            table_name = 'building'

    class Community(Model):
        class Meta:
            database = db
            table_name = 'community'

    class Resident(Model):
        class Meta:
            database = db
            table_name = 'resident'

    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class AccountText(Model):
        key = CharField(primary_key=True, max_length=64)
        text = TextField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'account_text'
    db.create_tables([AccountText])

    class AutoReplyRule(Model):
        name = CharField(max_length=100)
        match_type = CharField(max_length=16, constraints=[_in('match_type', ('exact', 'contains', 'regex', 'click'))])
        pattern = CharField(max_length=200)
        priority = IntegerField(default=0)
        active_from = CharField(max_length=5, default='')
        active_until = CharField(max_length=5, default='')
        reply_type = CharField(max_length=16, default='text', constraints=[_in('reply_type', ('text', 'image', 'news'))])
        reply_text = TextField(default='')
        reply_media_id = CharField(max_length=200, default='')
        reply_articles = TextField(default='')
        enabled = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'auto_reply_rule'
    db.create_tables([AutoReplyRule])

    class CaseCounter(Model):
        day = CharField(primary_key=True, max_length=8)
        last = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'case_counter'
    db.create_tables([CaseCounter])

    class InboundMessage(Model):
        dedup_key = CharField(unique=True, max_length=200)
        openid = CharField(index=True, max_length=64)
        resident = ForeignKeyField(Resident, null=True, on_delete='SET NULL')
        msg_type = CharField(max_length=32)
        event = CharField(max_length=64, default='')
        event_key = CharField(max_length=200, default='')
        content = TextField(default='')
        media_id = CharField(max_length=200, default='')
        pic_url = CharField(max_length=500, default='')
        location_x = FloatField(null=True)
        location_y = FloatField(null=True)
        location_label = CharField(max_length=200, default='')
        wechat_time = IntegerField()
        raw_xml = TextField()
        state = CharField(max_length=16, default='received', constraints=[_in('state', ('received', 'handled', 'failed'))])
        reply_xml = TextField(null=True)
        error = TextField(default='')
        received_at = DateTimeField(index=True)
        handled_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'inbound_message'
    db.create_tables([InboundMessage])

    class OutboundMessage(Model):
        resident = ForeignKeyField(Resident, on_delete='CASCADE')
        staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        in_reply_to = ForeignKeyField(InboundMessage, null=True, on_delete='SET NULL')
        kind = CharField(max_length=16, constraints=[_in('kind', ('custom', 'template'))])
        content = TextField()
        state = CharField(index=True, max_length=16, default='queued',
                          constraints=[_in('state', ('queued', 'sent', 'failed', 'refused', 'unknown'))])
        attempts = IntegerField(default=0)
        errcode = IntegerField(null=True)
        errmsg = TextField(default='')
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'outbound_message'
    db.create_tables([OutboundMessage])

    class Report(Model):
        number = CharField(unique=True, max_length=20)
        community = ForeignKeyField(Community, null=True, on_delete='RESTRICT')
        category = CharField(index=True, max_length=32, default='其他')
        description = TextField(default='')
        building = ForeignKeyField(Building, null=True, on_delete='SET NULL')
        unit = ForeignKeyField(Unit, null=True, on_delete='SET NULL')
        location_x = FloatField(null=True)
        location_y = FloatField(null=True)
        location_label = CharField(max_length=200, default='')
        reporter = ForeignKeyField(Resident, null=True, on_delete='SET NULL')
        anonymous = BooleanField(default=False)
        channel = CharField(max_length=20, constraints=[_in('channel', (
            'official_account', 'miniprogram', 'comment', 'staff', 'open311'))])
        level = IntegerField(default=1, constraints=[Check('level BETWEEN 1 AND 4')])
        assignee = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        state = CharField(max_length=16, default='submitted', constraints=[_in('state', (
            'submitted', 'accepted', 'in_progress', 'resolved', 'closed', 'reopened',
            'rejected', 'duplicate'))])
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'report'
            indexes = (
                (('reporter', 'state'), False),
                (('assignee', 'state'), False),
                (('community', 'state', 'created_at'), False),
            )
    db.create_tables([Report])

    class ReportEvent(Model):
        report = ForeignKeyField(Report, on_delete='CASCADE')
        kind = CharField(max_length=32)
        actor_staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        actor_resident = ForeignKeyField(Resident, null=True, on_delete='SET NULL')
        public = BooleanField(default=True)
        note = TextField(default='')
        source_message = ForeignKeyField(InboundMessage, null=True, on_delete='SET NULL')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'report_event'
    db.create_tables([ReportEvent])

    class ReportPhoto(Model):
        report = ForeignKeyField(Report, on_delete='CASCADE')
        media_id = CharField(max_length=200, default='')
        url = CharField(max_length=500, default='')
        source_message = ForeignKeyField(InboundMessage, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'report_photo'
    db.create_tables([ReportPhoto])

    migrator.migrate(migrator.add_column('building', 'qr_ticket', CharField(max_length=200, default='')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('building', 'qr_ticket'))
    migrator.migrate(migrator.drop_table('report_photo'))
    migrator.migrate(migrator.drop_table('report_event'))
    migrator.migrate(migrator.drop_table('report'))
    migrator.migrate(migrator.drop_table('outbound_message'))
    migrator.migrate(migrator.drop_table('inbound_message'))
    migrator.migrate(migrator.drop_table('case_counter'))
    migrator.migrate(migrator.drop_table('auto_reply_rule'))
    migrator.migrate(migrator.drop_table('account_text'))
