"""The audit log of staff actions, append-only: triggers refuse any UPDATE or DELETE of its rows,
on SQLite and on PostgreSQL alike."""
from peewee import *
from peewee import PostgresqlDatabase


def up(migrator, db):
    class AuditEntry(Model):
        actor_kind = CharField(max_length=16)
        actor_id = IntegerField()
        actor_name = CharField(max_length=64, default='')
        action = CharField(max_length=100)
        target = CharField(max_length=200, default='')
        status = IntegerField()
        address = CharField(max_length=64, default='')
        detail = TextField(default='')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'audit_entry'
    db.create_tables([AuditEntry])
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("CREATE FUNCTION audit_entry_is_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$")
        db.execute_sql("CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
                       "FOR EACH ROW EXECUTE FUNCTION audit_entry_is_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            db.execute_sql("CREATE TRIGGER audit_entry_no_%s BEFORE %s ON audit_entry "
                           "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END" % (event.lower(), event))


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TRIGGER audit_entry_append_only ON audit_entry")
        db.execute_sql("DROP FUNCTION audit_entry_is_append_only()")
    migrator.migrate(migrator.drop_table('audit_entry'))
