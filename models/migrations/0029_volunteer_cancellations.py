"""Issue 18's console: an activity may be cancelled before its start (its volunteers are told,
a new message kind `cancelled`) and staff may close an urgent call early; each keeps when.
Numbered 0029: migrations run in the order of their file names.

A CHECK constraint cannot be altered in place: PostgreSQL drops and adds it; SQLite rebuilds
the table from its own CREATE statement with the one clause replaced (nothing references
volunteer_message, so the rebuild breaks no foreign key)."""
from peewee import *

OLD_KINDS = ("reminder", "promoted", "urgent_call")
NEW_KINDS = ("reminder", "promoted", "urgent_call", "cancelled")


def _clause(kinds):
    return "kind IN (%s)" % ", ".join("'%s'" % k for k in kinds)


def _kinds(db, old, new):
    if isinstance(db, PostgresqlDatabase):
        names = [row[0] for row in db.execute_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'volunteer_message'::regclass AND contype = 'c' "
            "AND pg_get_constraintdef(oid) LIKE '%%kind%%'")]
        for name in names:
            db.execute_sql('ALTER TABLE volunteer_message DROP CONSTRAINT "%s"' % name)
        db.execute_sql("ALTER TABLE volunteer_message ADD CONSTRAINT volunteer_message_kind_check CHECK (%s)"
                       % _clause(new))
        return
    create = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'volunteer_message'"
                            ).fetchone()[0]
    if _clause(old) not in create:
        raise RuntimeError("volunteer_message: the kind CHECK is not the one expected: %s" % create)
    indexes = [row[0] for row in db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'volunteer_message' AND sql IS NOT NULL")]
    db.execute_sql(create.replace('"volunteer_message"', '"volunteer_message_new"', 1)
                   .replace(_clause(old), _clause(new)))
    db.execute_sql('INSERT INTO "volunteer_message_new" SELECT * FROM "volunteer_message"')
    db.execute_sql('DROP TABLE "volunteer_message"')
    db.execute_sql('ALTER TABLE "volunteer_message_new" RENAME TO "volunteer_message"')
    for index in indexes:
        db.execute_sql(index)


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('volunteer_activity', 'cancelled_at', DateTimeField(null=True)),
        migrator.add_column('urgent_call', 'closed_at', DateTimeField(null=True)),
    )
    _kinds(db, OLD_KINDS, NEW_KINDS)


def down(migrator, db):
    db.execute_sql("DELETE FROM volunteer_message WHERE kind = 'cancelled'")
    _kinds(db, NEW_KINDS, OLD_KINDS)
    migrator.migrate(migrator.drop_column('urgent_call', 'closed_at'),
                     migrator.drop_column('volunteer_activity', 'cancelled_at'))
