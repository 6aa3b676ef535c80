"""The embedded default's writers: SQLite transactions from many threads and processes take
turns, lose no update, and a failed transaction never keeps the lock."""
import multiprocessing
import shutil
import threading

import pytest

from models.community import Community
from models.db import connected
from models.db import db
from models.db import init_db
from models.db import make_database

ROUNDS, THREADS = 25, 4


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path):
    """A migrated SQLite file of this test's own (the mechanism is SQLite's alone)."""
    shutil.copy(sqlite_template, tmp_path / "writers.db")
    return "sqlite:///%s" % (tmp_path / "writers.db")


def _increment_many(url, rounds, threads):
    init_db(url)
    errors = []

    def work():
        try:
            with connected():
                for _ in range(rounds):
                    with db.atomic():   # read, then write: lost updates if turns overlapped
                        row = Community.get(Community.code == "counter")
                        Community.update(name=str(int(row.name) + 1)).where(Community.id == row.id).execute()
        except Exception as exc:   # reported to the parent, which asserts there were none
            errors.append(repr(exc))

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return errors


def _child(url, queue):
    queue.put(_increment_many(url, ROUNDS, THREADS))


def test_two_processes_of_threads_read_and_write_without_losing_an_update(sqlite_url):
    init_db(sqlite_url)
    with connected():
        Community.create(code="counter", name="0")
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_child, args=(sqlite_url, queue)) for _ in range(2)]
    for c in children:
        c.start()
    errors = queue.get(timeout=60) + queue.get(timeout=60)
    for c in children:
        c.join(timeout=10)
    assert errors == []                                    # no "database is locked"
    init_db(sqlite_url)
    with connected():
        assert Community.get(Community.code == "counter").name == str(2 * THREADS * ROUNDS)


def test_a_failed_transaction_releases_the_writer_lock(tmp_path):
    database = make_database("sqlite:///%s" % (tmp_path / "w.db"))
    database.connect()
    database.execute_sql("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError):
        with database.atomic():
            database.execute_sql("INSERT INTO t VALUES (1)")
            raise RuntimeError("handler failed")
    done = threading.Event()

    def other_writer():
        with database.connection_context():
            with database.atomic():
                database.execute_sql("INSERT INTO t VALUES (2)")
        done.set()

    threading.Thread(target=other_writer, daemon=True).start()
    assert done.wait(timeout=5), "the writer lock was kept after a rollback"
    assert database.execute_sql("SELECT x FROM t").fetchall() == [(2,)]


@pytest.mark.parametrize("every, bounded", [(4, True), (10**9, False)])
def test_commits_checkpoint_the_wal_so_it_stays_small(tmp_path, monkeypatch, every, bounded):
    # SQLite's own checkpoint ran inside the COMMIT of the writer that filled the WAL, while it
    # held the write lock; commits now checkpoint after releasing it, every CHECKPOINT_EVERY.
    # Without that (the second case) the WAL grows until SQLite's own bound of 10,000 pages.
    database = make_database("sqlite:///%s" % (tmp_path / "w.db"))
    monkeypatch.setattr(type(database), "CHECKPOINT_EVERY", every)
    database.connect()
    database.execute_sql("CREATE TABLE t (x TEXT)")
    for n in range(200):
        with database.atomic():
            database.execute_sql("INSERT INTO t VALUES (?)", ("x" * 3000 + str(n),))
    wal_pages = (tmp_path / "w.db-wal").stat().st_size // 4096
    assert (wal_pages < 40) is bounded, wal_pages
    assert database.execute_sql("SELECT count(*) FROM t").fetchone() == (200,)
