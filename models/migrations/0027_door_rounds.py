"""Reaching every household: door-to-door rounds (a row per household of the scope, the door's
marks) and leaders' work notices with each leader's acknowledgement. New tables only, so the
order against 0025/0026 (other branches) does not matter: the runner applies pending files by
number, whatever was applied before."""
from peewee import *

SCOPES = "scope IN ('community', 'estate', 'building', 'unit', 'grid')"


def _stub(db, table):
    class Stub(Model):
        class Meta:
            database = db
            table_name = table
    return Stub


def up(migrator, db):
    Community, Notice, Staff, Household = (_stub(db, t) for t in ('community', 'notice', 'staff', 'household'))

    class DoorRound(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        notice = ForeignKeyField(Notice, null=True, unique=True, on_delete='SET NULL')
        title = CharField(max_length=200)
        scope = CharField(max_length=10, constraints=[Check(SCOPES)])
        place_id = IntegerField(null=True)
        deadline = DateTimeField()
        households = IntegerField(default=0)
        reached = IntegerField(default=0)
        created_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = 'door_round'

    class RoundHousehold(Model):
        round = ForeignKeyField(DoorRound, on_delete='CASCADE')
        household = ForeignKeyField(Household, on_delete='CASCADE')
        state = CharField(max_length=10, constraints=[Check(
            "state IN ('wechat', 'open', 'not_home', 'informed', 'declined')")])
        leader = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        leader_role = CharField(max_length=16, null=True)
        marks = IntegerField(default=0)
        marked_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        marked_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'round_household'
            indexes = ((('round', 'household'), True), (('round', 'state'), False), (('leader', 'state'), False))

    class RoundMark(Model):
        item = ForeignKeyField(RoundHousehold, on_delete='CASCADE')
        state = CharField(max_length=10, constraints=[Check("state IN ('informed', 'not_home', 'declined')")])
        marked_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        marked_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'round_mark'

    class LeaderTask(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        text = TextField()
        scope = CharField(max_length=10, constraints=[Check(SCOPES)])
        place_id = IntegerField(null=True)
        deadline = DateTimeField(null=True)
        created_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = 'leader_task'

    class LeaderTaskAck(Model):
        task = ForeignKeyField(LeaderTask, on_delete='CASCADE')
        staff = ForeignKeyField(Staff, backref='+', on_delete='CASCADE')
        role = CharField(max_length=16, constraints=[Check(
            "role IN ('unit_leader', 'building_leader', 'grid_worker')")])
        acknowledged_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'leader_task_ack'
            indexes = ((('task', 'staff'), True),)

    db.create_tables([DoorRound, RoundHousehold, RoundMark, LeaderTask, LeaderTaskAck])


def down(migrator, db):
    for table in ('leader_task_ack', 'leader_task', 'round_mark', 'round_household', 'door_round'):
        migrator.migrate(migrator.drop_table(table))
