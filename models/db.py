"""The database and its lifecycle: built late from DATABASE_URL, connected per request or task.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout, and
begins every transaction IMMEDIATE: a deferred transaction that reads and then writes can fail
at once with "database is locked" when another process writes first, without waiting.
PostgreSQL is pooled (playhouse.pool) so each worker reuses a few connections.
"""
import contextlib
import datetime
import fcntl
import logging
import os
import sqlite3
import threading
from pathlib import Path

from peewee import DatabaseProxy
from peewee import Model
from peewee import PostgresqlDatabase
from peewee import _savepoint
from playhouse import db_url
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase
from playhouse.pool import PooledSqliteDatabase

logger = logging.getLogger(__name__)

# Integer columns are 32-bit on PostgreSQL: ids and amounts beyond this are refused at the edge.
INT_MAX = 2**31 - 1

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
SQLITE_BUSY_TIMEOUT_MS = 10_000
UPGRADE_COMMAND = "flask --app wsgi db upgrade"


# Functions run inside every outermost transaction, just before its COMMIT, registered once at
# start-up (audit.py writes the line of a staff action there, so the action and its line commit
# together). An exception from one rolls the transaction back and propagates.
PRE_COMMIT_HOOKS = []


def run_pre_commit_hooks():
    for hook in PRE_COMMIT_HOOKS:
        hook()


# Functions given to db.after_commit() (peewee's) run right after the outermost transaction's
# COMMIT, or at once when no transaction is open, and a rollback drops them: how work is queued
# (linli.queue.enqueue_after_commit). peewee keeps them through the rollback of a savepoint (a
# nested atomic()); here that drops the ones registered inside it, so nothing a rolled-back part
# of a transaction queued ever runs.
class _Savepoint(_savepoint):
    def _begin(self):
        self.callbacks_before = len(self.db._state.commit_callbacks)
        super()._begin()

    def rollback(self, begin=True):
        del self.db._state.commit_callbacks[self.callbacks_before:]
        super().rollback(begin)             # begin=True starts the savepoint again: counted anew


class AfterCommit:
    """Savepoints that drop what they queued when rolled back: for `db` and both databases."""

    def savepoint(self):
        return _Savepoint(self)


class _DatabaseProxy(AfterCommit, DatabaseProxy):
    pass


db = _DatabaseProxy()


class SqliteWriterDatabase(AfterCommit, PooledSqliteDatabase):
    """Pooled SQLite whose writing transactions queue for their turn instead of sleeping.

    Pooled because SQLite parses the whole schema on a new connection's first statement: a
    connection per request cost 0.4 ms before the first query.

    SQLite has one write lock per file, and a writer that finds it taken sleeps in growing steps
    (up to 100 ms each) while others keep taking it: under a burst of 8 concurrent writes from
    two gunicorn workers the p99 passed 500 ms. Here a transaction first takes a lock of its
    process's threads, then an flock on a file beside the database shared by every process;
    the kernel wakes a waiting process when the flock is released, so writers take turns.

    SQLite's own checkpoint (copying the WAL back into the database, with an fsync) runs inside
    the COMMIT that fills the WAL past 1,000 pages: a filing wrote 37 pages (26 since migration
    0035), so every 30th or so writer did it while holding the write lock, and under a burst
    the commit's p99 was 12 ms against a median of 0.25 ms. Here a process checkpoints after
    every CHECKPOINT_EVERY of its commits, once the write lock is released (a PASSIVE checkpoint
    runs beside the next writer); SQLite's own threshold stays as the bound (10,000 pages, the
    `wal_autocheckpoint` pragma) should a process stop doing it."""

    CHECKPOINT_EVERY = 32

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._threads = threading.Lock()
        self._holder = threading.local()
        self._lock_path = None if database == ":memory:" else database + "-writer.lock"
        self._lock_file = None
        self._lock_pid = None
        self._commits = 0

    def begin(self, lock_type=None):
        self._threads.acquire()
        self._holder.held = True
        try:
            if self._lock_path:
                fcntl.flock(self._process_lock(), fcntl.LOCK_EX)
            super().begin(lock_type)
        except BaseException:
            self._release_writer()
            raise

    def commit(self):
        run_pre_commit_hooks()      # before the try: a failing hook keeps the lock until the rollback
        try:
            super().commit()
        finally:
            self._release_writer()
        self._commits += 1           # threads may race here: a lost count only delays one
        if self._commits % self.CHECKPOINT_EVERY == 0:
            self.checkpoint()

    def checkpoint(self):
        """Copy what the WAL holds into the database without waiting for readers or writers.
        The commit has happened: a checkpoint that cannot run now is left to the next one."""
        try:
            self.connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            logger.warning("WAL checkpoint failed; the next commits retry it", exc_info=True)

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._release_writer()

    def close(self):
        try:
            return super().close()
        finally:
            self._release_writer()     # a transaction left open must not keep the lock

    def _process_lock(self):
        # Opened in each process: a descriptor inherited through fork would share the lock.
        if self._lock_pid != os.getpid():
            self._lock_file = open(self._lock_path, "a")
            self._lock_pid = os.getpid()
        return self._lock_file

    def _release_writer(self):
        if getattr(self._holder, "held", False):
            self._holder.held = False
            if self._lock_path and self._lock_pid == os.getpid():
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._threads.release()


class PostgresDatabase(AfterCommit, PooledPostgresqlDatabase):
    """Pooled PostgreSQL, with the pre-commit hooks."""

    def commit(self):
        run_pre_commit_hooks()
        super().commit()


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def only_where_set(model, field, name, unique=False):
    """Index `field` only on the rows where it is not NULL, for a column most rows leave empty:
    the rows without it cost no index write, and `field = ?` still finds its rows."""
    model.add_index(model.index(field, name=name, unique=unique).where(field.is_null(False)))


_clock = []    # linli.clock.now when the service's clock is settable (simulation); else the wall clock


def read_clock_from(now):
    """Let utcnow() read `now` (linli.clock installs itself here: models sit below linli, so
    they are told which clock to read rather than importing it). None: the wall clock."""
    _clock[:] = [now] if now else []


def utcnow():
    """Naive UTC: stored as UTC on both databases, shown in Asia/Shanghai by the views. The
    service's clock (linli.clock) when it is settable."""
    if _clock:
        return _clock[0]()
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def make_database(url, max_connections=20):
    """A peewee database for `url`; nothing is connected yet (gunicorn forks after loading)."""
    parsed = db_url.parse(url)
    name = parsed.pop("database")
    if url.startswith("sqlite"):
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return SqliteWriterDatabase(
            name,
            autoconnect=False,
            max_connections=max_connections,
            stale_timeout=300,
            check_same_thread=False,   # the pool lends a connection to one thread at a time
            lock_type="IMMEDIATE",
            timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
                "synchronous": "normal",
                "wal_autocheckpoint": 10_000,    # the bound; commits checkpoint off the lock
            },
        )
    parsed.setdefault("connect_timeout", 5)
    return PostgresDatabase(
        name,
        autoconnect=False,
        max_connections=max_connections,
        stale_timeout=300,
        timeout=10,  # seconds a request waits for a free pooled connection
        **parsed,
    )


@contextlib.contextmanager
def connected():
    """A connection for the block; closes only what it opened. (peewee's connection_context()
    closes on exit even when a request had opened the connection before it.)"""
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield db
    finally:
        if opened:
            db.close()


def transaction():
    """All-or-nothing for a domain function: a transaction of its own, or, when the caller
    already holds one, part of the caller's (whose rollback then covers it). Unlike a nested
    atomic() it adds no savepoint: the function cannot be rolled back alone, and no caller
    needs that."""
    return db.atomic() if db.transaction_depth() == 0 else contextlib.nullcontext()


def init_db(url, max_connections=20):
    database = make_database(url, max_connections)
    close_all()
    db.initialize(database)
    return database


def close_all():
    """Close every connection, pooled ones included: before a fork, and at shutdown."""
    if db.obj is None:
        return
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    elif not db.obj.is_closed():
        db.obj.close()


def migration_runner():
    return Runner(db.obj, MIGRATIONS_DIR)


def pending_migrations():
    """Names of migrations not yet applied; [] when the schema is current."""
    with connected():
        return [m.name for m in migration_runner().status() if not m.applied]


def upgrade():
    with connected():
        return migration_runner().up()


def schema_problem():
    """None when the database is current, else a message that says what to run."""
    try:
        pending = pending_migrations()
    except Exception as exc:  # any driver error: the message is what the operator needs
        return "database unavailable: %s" % exc
    if pending:
        return ("database schema is not current (pending: %s); run `%s`"
                % (", ".join(pending), UPGRADE_COMMAND))
    return None


def is_postgres():
    return isinstance(db.obj, PostgresqlDatabase)


def describe(url):
    """The URL without its password, for logs and CLI output."""
    parsed = db_url.parse(url)
    if url.startswith("sqlite"):
        return "SQLite %s" % os.path.abspath(parsed["database"])
    return "PostgreSQL %s@%s:%s/%s" % (parsed.get("user", ""), parsed.get("host", "localhost"),
                                      parsed.get("port", 5432), parsed["database"])
