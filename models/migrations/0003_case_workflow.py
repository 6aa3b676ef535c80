"""The case workflow: a category tree, deadlines per category and level, the calendar of
holidays and make-up working days, canned replies, the duty roster, followers of a case, and
the case's clocks, rating and merge.

Data too: the default categories (the case-workflow issue's list) and the default deadlines
(seed 003: the community secretary coordinates within 24 hours, the street grid centre resolves
within 2 working days). Cases filed before this migration keep their category by name.
"""

from peewee import *


def _in(column, values):
    return Check("%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values)))


CATEGORIES = [
    ("environment", "环境卫生"), ("fire_safety", "消防安全"), ("parking", "停车"),
    ("noise_pets", "噪音与宠物"), ("property_repair", "物业维修"), ("utilities", "供水供电供暖"),
    ("elevator", "电梯"), ("policy", "政策咨询"), ("dispute", "矛盾纠纷"), ("other", "其他"),
]
# level: (respond, unit, resolve, unit)
DEFAULT_DEADLINES = {
    1: (2, "hours", 24, "hours"),                   # grid worker, on site
    2: (4, "hours", 24, "hours"),                   # area cadre
    3: (4, "hours", 24, "hours"),                   # community secretary: 24 h (seed 003)
    4: (1, "working_days", 2, "working_days"),      # street grid centre: 2 working days
}


def up(migrator, db):
    class Community(Model):
        class Meta:
            database = db
            table_name = 'community'

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

    class CalendarDay(Model):
        day = DateField(unique=True)
        kind = CharField(max_length=8, constraints=[_in('kind', ('holiday', 'workday'))])
        name = CharField(max_length=50, default='')
        class Meta:
            database = db
            table_name = 'calendar_day'
    db.create_tables([CalendarDay])

    class Category(Model):
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=50)
        sort = IntegerField(default=0)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'category'
    db.create_tables([Category])

    class CannedReply(Model):
        category = ForeignKeyField(Category, null=True, on_delete='CASCADE')
        state = CharField(max_length=16, default='')
        text = TextField()
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'canned_reply'
    db.create_tables([CannedReply])

    class DutyRoster(Model):
        community = ForeignKeyField(Community, on_delete='CASCADE')
        staff = ForeignKeyField(Staff, on_delete='CASCADE')
        weekday = IntegerField(constraints=[Check('weekday BETWEEN 0 AND 6')])
        class Meta:
            database = db
            table_name = 'duty_roster'
            indexes = ((('community', 'weekday', 'staff'), True),)
    db.create_tables([DutyRoster])

    class ReportFollower(Model):
        report = ForeignKeyField(Report, on_delete='CASCADE')
        resident = ForeignKeyField(Resident, on_delete='CASCADE')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'report_follower'
            indexes = ((('report', 'resident'), True),)
    db.create_tables([ReportFollower])

    class SlaPolicy(Model):
        category = ForeignKeyField(Category, null=True, on_delete='CASCADE')
        level = IntegerField(constraints=[Check('level BETWEEN 1 AND 4')])
        response_amount = FloatField()
        response_unit = CharField(max_length=16, constraints=[_in('response_unit', ('hours', 'working_days'))])
        resolution_amount = FloatField()
        resolution_unit = CharField(max_length=16, constraints=[_in('resolution_unit', ('hours', 'working_days'))])
        class Meta:
            database = db
            table_name = 'sla_policy'
            indexes = ((('category', 'level'), True),)
    db.create_tables([SlaPolicy])

    ids = {}
    for sort, (code, name) in enumerate(CATEGORIES):
        ids[name] = Category.insert(code=code, name=name, sort=sort).execute()
    for level, (respond, respond_unit, resolve, resolve_unit) in DEFAULT_DEADLINES.items():
        SlaPolicy.insert(level=level, response_amount=respond, response_unit=respond_unit,
                         resolution_amount=resolve, resolution_unit=resolve_unit).execute()

    migrator.migrate(migrator.drop_index('report', 'report_category'))
    migrator.migrate(migrator.add_column('report', 'category_id', ForeignKeyField(Category, field=Category.id, null=True, on_delete='SET NULL')))
    for name, category_id in ids.items():
        db.execute_sql('UPDATE report SET category_id = %s WHERE category = %s'
                       % (db.param, db.param), (category_id, name))
    migrator.migrate(migrator.add_column('report', 'level_started_at', DateTimeField(null=True)))
    db.execute_sql('UPDATE report SET level_started_at = created_at')
    migrator.migrate(migrator.add_not_null('report', 'level_started_at'))
    migrator.migrate(migrator.add_column('report', 'response_due_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('report', 'resolve_due_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('report', 'responded_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('report', 'resolved_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('report', 'closed_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('report', 'rating', IntegerField(null=True, constraints=[Check('rating BETWEEN 1 AND 5')])))
    migrator.migrate(migrator.add_column('report', 'rating_comment', TextField(default='')))
    migrator.migrate(migrator.add_column('report', 'merged_into_id', ForeignKeyField(Report, field=Report.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_index('report', ('state', 'resolve_due_at')))
    migrator.migrate(migrator.drop_column('report', 'category'))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('report', 'report_state_resolve_due_at'))
    migrator.migrate(migrator.drop_index('report', 'report_merged_into_id'))
    migrator.migrate(migrator.drop_index('report', 'report_category_id'))
    migrator.migrate(migrator.drop_column('report', 'merged_into_id'))
    migrator.migrate(migrator.drop_column('report', 'rating_comment'))
    migrator.migrate(migrator.drop_column('report', 'rating'))
    migrator.migrate(migrator.drop_column('report', 'closed_at'))
    migrator.migrate(migrator.drop_column('report', 'resolved_at'))
    migrator.migrate(migrator.drop_column('report', 'responded_at'))
    migrator.migrate(migrator.drop_column('report', 'resolve_due_at'))
    migrator.migrate(migrator.drop_column('report', 'response_due_at'))
    migrator.migrate(migrator.drop_column('report', 'level_started_at'))
    migrator.migrate(migrator.add_column('report', 'category', CharField(max_length=32, default='其他')))
    migrator.migrate(migrator.drop_column('report', 'category_id'))
    migrator.migrate(migrator.drop_table('sla_policy'))
    migrator.migrate(migrator.drop_table('report_follower'))
    migrator.migrate(migrator.drop_table('duty_roster'))
    migrator.migrate(migrator.drop_table('canned_reply'))
    migrator.migrate(migrator.drop_table('category'))
    migrator.migrate(migrator.drop_table('calendar_day'))
