"""Staff on their phones, continued: the photos of a fix they upload (staff_upload), which step
of a case a photo shows (report_photo.event_id: none for the reporter's own), and a
notification that must go at most once (notification.once_key, unique)."""
from peewee import *


def up(migrator, db):
    def table(name):
        class Meta:
            database = db
            table_name = name
        return type(name, (Model,), {'Meta': Meta})

    Staff, Case, Event = table('staff'), table('report'), table('report_event')

    class StaffUpload(Model):
        staff = ForeignKeyField(Staff, backref='+', on_delete='CASCADE')
        path = CharField(max_length=200, unique=True)
        size = IntegerField()
        width = IntegerField()
        height = IntegerField()
        case = ForeignKeyField(Case, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'staff_upload'

    db.create_tables([StaffUpload])
    migrator.migrate(
        migrator.add_column('report_photo', 'event_id',
                            ForeignKeyField(Event, field=Event.id, null=True, on_delete='CASCADE')),
        migrator.add_column('notification', 'once_key', CharField(max_length=100, null=True, unique=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('notification', 'once_key'),
                     migrator.drop_column('report_photo', 'event_id'), migrator.drop_table('staff_upload'))
