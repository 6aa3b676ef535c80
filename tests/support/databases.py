"""The databases the tests run on: migrated once a run, put back to empty before each test.

SQLite: a migrated template file, copied for each test (migrating per test would grow with the
migrations). PostgreSQL: one schema a run, migrated once and emptied before each test."""
import contextlib
import shutil
import uuid

from peewee import AutoField

from models import ALL_MODELS
from models.db import close_all
from models.db import connected
from models.db import db
from models.db import init_db
from models.db import upgrade
from tests.support.stacks import PG_URL
from tests.support.stacks import REDIS_NAMESPACE
from tests.support.stacks import REDIS_URL


def pg_url_for(schema):
    return "%s?options=-csearch_path%%3D%s" % (PG_URL, schema)


@contextlib.contextmanager
def new_pg_schema(prefix):
    """A PostgreSQL schema of its own, dropped at the end of the block."""
    import psycopg2
    name = "%s_%s" % (prefix, uuid.uuid4().hex[:8])
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    conn.cursor().execute("CREATE SCHEMA %s" % name)
    try:
        yield name
    finally:
        if not db.is_closed():
            db.close()
        conn.cursor().execute("DROP SCHEMA %s CASCADE" % name)
        conn.close()


def make_sqlite_template(path):
    """A migrated SQLite file at `path`, for each test to copy."""
    init_db("sqlite:///%s" % path)
    upgrade()
    close_all()     # the last connection closing checkpoints the WAL into the file copied
    return path


def sqlite_copy(template, path):
    """A fresh database for one test: the template copied to `path`; its URL."""
    shutil.copy(template, path)
    return "sqlite:///%s" % path


def migrate_pg(schema):
    """Migrate `schema`; the rows the migrations themselves insert (default categories,
    deadlines), by model, for empty_pg() to put back."""
    init_db(pg_url_for(schema))
    upgrade()
    with connected():
        seeded = {model: list(model.select().dicts()) for model in ALL_MODELS}
    close_all()
    return {model: rows for model, rows in seeded.items() if rows}


def empty_pg(schema, seeded):
    """Every table of `schema` as a fresh database has it: the migrations' own rows, ids from 1
    again; its URL.

    DELETE, not TRUNCATE: TRUNCATE gives each of ~50 tables new files, about 0.2 s a test (two
    minutes a run); deleting the few rows a test wrote takes milliseconds. Triggers and foreign
    keys are off for the transaction (`session_replication_role`, the test server's superuser):
    the audit log's triggers refuse deletes, and the tables' order no longer matters."""
    url = pg_url_for(schema)
    init_db(url)
    with connected():
        with db.atomic():
            db.execute_sql("SET LOCAL session_replication_role = replica")
            for model in ALL_MODELS:
                db.execute_sql('DELETE FROM "%s"' % model._meta.table_name)
            for model, rows in seeded.items():
                model.insert_many(rows).execute()
            # The case numbers' day sequences (cases/numbers.py): made by filings, not migrations.
            for (name,) in db.execute_sql(
                    "SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_schema = current_schema() AND sequence_name LIKE %s",
                    ("case_number_%",)).fetchall():
                db.execute_sql("DROP SEQUENCE %s" % name)
            for model in ALL_MODELS:
                if isinstance(model._meta.primary_key, AutoField):
                    table = model._meta.table_name
                    db.execute_sql("SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), "
                                   "(SELECT COALESCE(max(id), 0) + 1 FROM \"%s\"), false)" % (table, table))
    return url


def flush_redis():
    """Delete this process's Redis keys (REDIS_NAMESPACE, tests/support/stacks.py), not the database:
    the other xdist workers' keys, and whoever else uses it, stay."""
    from linli.queue import clear_namespace
    clear_namespace(REDIS_URL, REDIS_NAMESPACE)
