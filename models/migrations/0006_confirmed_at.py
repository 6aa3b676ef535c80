"""When the reporter confirmed a case solved, as a column: the resolution rate counts it over a
month of cases, which a lookup in the events made take minutes at a million cases. Backfilled
from the `confirmed` events. And indexes for a month of one community's cases and for the
open ones."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('report', 'confirmed_at', DateTimeField(null=True)))
    db.execute_sql("UPDATE report SET confirmed_at = (SELECT min(e.created_at) FROM report_event e "
                   "WHERE e.report_id = report.id AND e.kind = 'confirmed')")
    migrator.migrate(migrator.add_index('report', ('community_id', 'created_at')))
    # The staff queue and the overdue sweep read only open cases, a small share of all of them.
    db.execute_sql("CREATE INDEX report_open_due ON report (resolve_due_at, building_id) "
                   "WHERE state IN ('submitted', 'accepted', 'in_progress', 'reopened')")


def down(migrator, db):
    db.execute_sql("DROP INDEX report_open_due")
    migrator.migrate(migrator.drop_index('report', 'report_community_id_created_at'))
    migrator.migrate(migrator.drop_column('report', 'confirmed_at'))
