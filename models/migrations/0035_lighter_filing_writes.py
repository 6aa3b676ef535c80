"""Issue 21: fewer index pages in every filing's commit. A push from WeChat wrote 37 pages to
SQLite's WAL (the minimal raw intake: 5), under the one write lock.

- Foreign keys whose own index duplicates the start of a composite one lose it: report's
  community_id, reporter_id and assignee_id (report_community_id_created_at,
  report_reporter_id_state and report_assignee_id_state serve the same lookups).
- Columns that most rows leave NULL keep an index of the rows that are set only: a case's
  category (set by staff later), unit and merged_into; an event's actor_staff, actor_resident
  and source_message; a message's resident and media_trace_id (still unique where set).
  `column = ?`, how a parent's delete finds its rows, is served by such an index on both
  databases."""

DROPPED = ("report_community_id", "report_reporter_id", "report_assignee_id")
PARTIAL = (
    # (name, table, column, unique)
    ("report_category_id", "report", "category_id", False),
    ("report_unit_id", "report", "unit_id", False),
    ("report_merged_into_id", "report", "merged_into_id", False),
    ("reportevent_actor_staff_id", "report_event", "actor_staff_id", False),
    ("reportevent_actor_resident_id", "report_event", "actor_resident_id", False),
    ("reportevent_source_message_id", "report_event", "source_message_id", False),
    ("inboundmessage_resident_id", "inbound_message", "resident_id", False),
    ("inbound_message_media_trace_id", "inbound_message", "media_trace_id", True),
)


def up(migrator, db):
    for name in DROPPED:
        db.execute_sql('DROP INDEX "%s"' % name)
    for name, table, column, unique in PARTIAL:
        db.execute_sql('DROP INDEX "%s"' % name)
        db.execute_sql('CREATE %sINDEX "%s" ON "%s" ("%s") WHERE "%s" IS NOT NULL'
                       % ("UNIQUE " if unique else "", name, table, column, column))


def down(migrator, db):
    for name, table, column, unique in PARTIAL:
        db.execute_sql('DROP INDEX "%s"' % name)
        db.execute_sql('CREATE %sINDEX "%s" ON "%s" ("%s")' % ("UNIQUE " if unique else "", name, table, column))
    for name in DROPPED:
        db.execute_sql('CREATE INDEX "%s" ON "report" ("%s_id")' % (name, name.split("_")[1]))
