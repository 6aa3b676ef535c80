"""A PostgreSQL schema of a benchmark's own, dropped afterwards."""
import contextlib
import uuid


@contextlib.contextmanager
def temporary_schema(url, prefix="linli_bench"):
    """Yields the schema's name, or None when PostgreSQL does not answer at `url`."""
    import psycopg2
    try:
        conn = psycopg2.connect(url, connect_timeout=3)
    except psycopg2.OperationalError:
        yield None
        return
    conn.autocommit = True
    name = "%s_%s" % (prefix, uuid.uuid4().hex[:8])
    conn.cursor().execute("CREATE SCHEMA %s" % name)
    conn.close()
    try:
        yield name
    finally:
        # A fresh connection: the bench may have restarted the server meanwhile.
        conn = psycopg2.connect(url, connect_timeout=10)
        conn.autocommit = True
        conn.cursor().execute("DROP SCHEMA %s CASCADE" % name)
        conn.close()


def on_each_database(only, url, run, postgres_required=False):
    """`run(name, database_url)` on PostgreSQL (a temporary schema at `url`) and then on SQLite
    (database_url None), or only on the one `only` names; True when every run passed. Without
    PostgreSQL that run is skipped, or failed when `postgres_required`."""
    ok = True
    if only != "sqlite":
        with temporary_schema(url) as schema:
            if schema is None:
                print("PostgreSQL at %s does not answer: %s" % (url, "FAILED" if postgres_required else "skipped"))
                ok = not postgres_required
            else:
                ok &= run("PostgreSQL", "%s?options=-csearch_path%%3D%s" % (url, schema))
    if only != "postgres":
        ok &= run("SQLite", None)
    return ok
