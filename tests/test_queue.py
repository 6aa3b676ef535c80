"""The task queue: SQLite storage by default, Redis when configured; a connection per task;
work queued after the commit of the transaction that asked for it."""
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import wsgi
from linli import queue
from linli import tasks as kernel_tasks
from models.community import Community
from models.db import connected
from models.db import db
from tests.support import ROOT
from tests.support.settings import settings_env
from wsgi import create_app

_ran = []


@queue.huey.task()
def _create_community(code):
    Community.create(code=code, name="队列测试社区")


@queue.huey.task()
def _remember(value):
    _ran.append((value, db.transaction_depth()))


def _queued_app(settings):
    return create_app(settings, TASKS_IMMEDIATE=False)


def test_queue_uses_redis_when_configured_else_sqlite(settings, stack):
    _queued_app(settings)
    expected = "RedisStorage" if stack == "postgres" else "SqliteStorage"
    assert type(queue.huey.storage).__name__ == expected


def test_enqueued_task_waits_for_the_consumer_then_runs_with_its_own_connection(settings):
    _queued_app(settings)
    queue.huey.flush()
    _create_community("queued")
    assert queue.check() == 1
    with connected():
        assert not Community.select().where(Community.code == "queued").exists()
    assert db.is_closed()
    task = queue.huey.dequeue()
    queue.huey.execute(task)
    assert db.is_closed()             # the task closed the connection it opened
    with connected():
        assert Community.get(Community.code == "queued").name == "队列测试社区"


def test_immediate_mode_runs_inside_the_caller_and_keeps_its_connection(app, database):
    assert queue.huey.immediate
    _create_community("now")
    assert not db.is_closed()         # the request's connection was not closed by the task
    assert Community.get(Community.code == "now")


@pytest.mark.live_server
def test_consumer_command_runs_queued_tasks(settings, tmp_path, stack):
    # The real consumer, as `make run` and systemd start it, in a process of its own.
    app = _queued_app(settings)
    queue.huey.flush()
    kernel_tasks.heartbeat()                          # enqueue the periodic job by hand
    env = settings_env(settings, TASKS_IMMEDIATE=0)
    consumer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "queue", "consume",
                                 "--workers", "1"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while queue.consumer_last_seen() is None and time.time() < deadline:
            time.sleep(0.1)
        assert queue.consumer_last_seen() is not None
        # Other periodic jobs due this minute may be queued meanwhile: the consumer drains them.
        while queue.check() and time.time() < deadline + 20:
            time.sleep(0.2)
        assert queue.check() == 0
        health = app.test_client().get("/healthz").json
        assert health["consumer_last_seen_seconds"] < 20
    finally:
        consumer.terminate()
        consumer.wait(timeout=10)


def test_work_queued_in_a_transaction_runs_after_its_commit_and_never_after_a_rollback(app, database):
    _ran.clear()
    with db.atomic():
        queue.enqueue_after_commit(_remember, "committed")
        with db.atomic():
            queue.enqueue_after_commit(_remember, "kept with its savepoint")
        with pytest.raises(RuntimeError):
            with db.atomic():
                queue.enqueue_after_commit(_remember, "dropped with its savepoint")
                raise RuntimeError("a part of the transaction failed")
        assert _ran == []                               # nothing before the COMMIT
    with pytest.raises(RuntimeError):
        with db.atomic():
            queue.enqueue_after_commit(_remember, "rolled back")
            raise RuntimeError("the whole transaction failed")
    queue.enqueue_after_commit(_remember, "no transaction")
    assert _ran == [("committed", 0), ("kept with its savepoint", 0), ("no transaction", 0)]


def test_the_consumer_imports_every_module_that_declares_a_task():
    declaring = set()
    for path in Path(ROOT).rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in ("tests", "bench", ".venv"):
            continue
        if re.search(r"^@(\w+\.)*huey\.(periodic_)?task\(", path.read_text(encoding="utf-8"), re.M):
            declaring.add(".".join(relative.with_suffix("").parts))
    assert declaring == {module.__name__ for module in wsgi.TASK_MODULES}
