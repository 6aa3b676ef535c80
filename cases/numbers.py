"""Public case numbers residents can quote: R + yymmdd (Asia/Shanghai) + the day's sequence.

The number grants nothing by itself (every read checks the caller's rights), so it may be
sequential.

SQLite takes one writer at a time anyway: the number comes from a per-day counter row updated in
the caller's transaction, so the day's numbers have no gaps (a rolled-back filing gives its
number back).

PostgreSQL files in parallel, and a counter row updated in each filing's transaction stays locked
until that transaction commits: every filing of the day queued on it (gateway p99 148 ms, issue
21). There each day has a sequence of its own (`case_number_yymmdd`), made by the day's first
filing: nextval() takes no lock that lasts, so filings never wait for each other. A sequence is
not transactional, so a filing that rolls back leaves its number unused: on PostgreSQL the day's
numbers increase and never repeat but may skip one. (README, "Cases", says so.) The sequences of
past days are dropped by `drop_old_sequences` (cases/tasks.py, daily).
"""
import datetime
import weakref

from linli.clock import local
from models.cases import CaseCounter
from models.db import db
from models.db import is_postgres
from models.sql import Prepared

SEQUENCE_PREFIX = "case_number_"
KEEP_DAYS = 2             # today's and yesterday's (a filing begun at 23:59 may take its number later)
_known = weakref.WeakKeyDictionary()      # database → the days whose sequence this process has seen made


def next_number(now_utc):
    """Call inside the transaction that creates the case."""
    day = local(now_utc).strftime("%y%m%d")
    last = _next_in_sequence(day) if is_postgres() else _COUNT.scalar(day)
    return "R%s%04d" % (day, last)


_COUNT = Prepared(lambda day: CaseCounter.insert(day=day, last=1)
                  .on_conflict(conflict_target=[CaseCounter.day], update={CaseCounter.last: CaseCounter.last + 1})
                  .returning(CaseCounter.last), "\x00day")


def _next_in_sequence(day):
    name = SEQUENCE_PREFIX + day
    days = _known.setdefault(db.obj, set())
    if day not in days:
        _make_sequence(name, day)
        days.add(day)
    return db.execute_sql("SELECT nextval(%s)", (name,)).fetchone()[0]


def _make_sequence(name, day):
    """The day's sequence, made if missing, on a connection of its own that commits at once: made
    in the filing's transaction, a rollback of that filing would take it away again. It starts
    after the day's counter row: a database whose numbers of the day came from the counter
    (before this code) goes on from there.

    Workers meeting a new day at once take turns on an advisory lock of the name: CREATE ...
    IF NOT EXISTS alone is not safe against a twin (the other's commit between its check and its
    insert fails it with 'relation already exists' or a unique violation; CI met it as a 500 on
    a double-clicked filing). The second in turn finds the sequence made and leaves it."""
    import psycopg2

    counted = CaseCounter.select(CaseCounter.last).where(CaseCounter.day == day).scalar() or 0
    conn = psycopg2.connect(database=db.obj.database, **db.obj.connect_params)
    try:
        with conn, conn.cursor() as cursor:       # one transaction: the lock is held to its commit
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))
            cursor.execute("CREATE SEQUENCE IF NOT EXISTS %s START WITH %d" % (name, counted + 1))
    finally:
        conn.close()


def drop_old_sequences(now_utc, keep_days=KEEP_DAYS):
    """Drop the day sequences older than `keep_days` (PostgreSQL; nothing on SQLite). Their
    numbers stay on the cases; no filing asks for those days again. Returns the names dropped."""
    if not is_postgres():
        return []
    oldest = (local(now_utc) - datetime.timedelta(days=keep_days - 1)).strftime("%y%m%d")
    names = [row[0] for row in db.execute_sql(
        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema() "
        "AND sequence_name LIKE %s", (SEQUENCE_PREFIX + "%",)).fetchall()]
    old = [name for name in names if name[len(SEQUENCE_PREFIX):] < oldest]
    for name in old:
        db.execute_sql("DROP SEQUENCE IF EXISTS %s" % name)
    _known.clear()
    return old
