"""The task queue: huey on SQLite by default, on Redis when REDIS_URL is set.

Tasks are declared at import time on the module-level `huey`; `configure()` (called by
make_app) points it at the storage the settings name. Until then it runs tasks immediately in
memory, so importing a task module never touches a queue that is not configured.

One way to have work done later:
- a task is declared with `@huey.task(...)` in the module whose code it runs (the notification
  sender in cases/notify.py, the media download in account/media.py ...);
- it is queued with `enqueue_after_commit(task, *args)`, never by calling the task: it goes into
  the queue right after the surrounding transaction commits (at once when none is open), and a
  rollback drops it, so a worker never sees a row that is not there, nor work for a write that
  failed;
- periodic jobs (`@huey.periodic_task`) sit in each package's `tasks.py` (the kernel's own in
  linli/tasks.py); wsgi.py, the composition root, imports every module that declares a task or
  a schedule (its TASK_MODULES), so the consumer (`flask --app wsgi queue consume`) knows them.
"""
import logging
import threading
import time
from pathlib import Path

from huey import Huey
from huey.storage import MemoryStorage
from huey.storage import RedisStorage
from huey.storage import SqliteStorage

from models.db import connected
from models.db import db

logger = logging.getLogger(__name__)

huey = Huey("linli", storage_class=MemoryStorage, immediate=True, utc=True)

def configure(settings):
    huey.name = settings.REDIS_NAMESPACE      # the queue's keys (huey.redis.<name>, ...) in a shared Redis
    if settings.TASKS_IMMEDIATE:
        huey.immediate = True
    else:
        if settings.REDIS_URL:
            huey.storage_class = RedisStorage
            huey.storage_kwargs = {"url": settings.REDIS_URL}
        else:
            Path(settings.QUEUE_PATH).parent.mkdir(parents=True, exist_ok=True)
            huey.storage_class = SqliteStorage
            huey.storage_kwargs = {"filename": settings.QUEUE_PATH}
        huey.immediate = False
        huey.storage = huey.create_storage()
    return huey


def enqueue_after_commit(task, *args, delay=None):
    """Queue `task(*args)` right after the outermost transaction commits, or now when none is
    open; never when it rolls back (models/db.py). `delay` (seconds, 0 included) schedules it
    to run that long after it is queued."""
    if delay is None:
        db.after_commit(lambda: task(*args))
    else:
        db.after_commit(lambda: task.schedule(args, delay=delay))


# Outboxes: rows written in the transaction of the action they report (a notification with its
# case), delivered by the consumer. A domain module registers its relay with @relay: a function
# that delivers what is due and returns how many rows it took. The consumer runs every relay in a
# thread of its own (run_relays), each round on a connection of its own.
RELAYS = []
RELAY_POLL_SECONDS = 1.0


def relay(function):
    RELAYS.append(function)
    return function


def run_relays(stop, poll_seconds=RELAY_POLL_SECONDS):
    """Until `stop` (a threading.Event) is set: each relay in turn, again at once while any had
    rows, else after `poll_seconds`."""
    while not stop.is_set():
        busy = False
        for function in RELAYS:
            try:
                with connected():
                    busy |= bool(function())
            except Exception:       # a bad row or a database gone: logged, tried next round
                logger.exception("relay %s failed", function.__name__)
        if not busy:
            stop.wait(poll_seconds)


def consume(workers=2, periodic=True, relay_poll_seconds=RELAY_POLL_SECONDS, **options):
    """huey's consumer with the outboxes' relays in a thread beside its workers, until stopped:
    what `queue consume` runs, and the simulation's consumer on a deliberately broken app."""
    stop = threading.Event()
    threading.Thread(target=run_relays, args=(stop, relay_poll_seconds), name="outbox-relay", daemon=True).start()
    try:
        huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic, **options).run()
    finally:
        stop.set()


def clear_namespace(redis_url, namespace):
    """Delete every key of `namespace` in the Redis at `redis_url` (the app's `<namespace>:...`,
    huey's `huey.<kind>.<namespace>` and `huey.notify.<namespace>.<id>`) and nothing else, so
    tests and simulations share a Redis database without wiping each other's keys."""
    import redis
    client = redis.Redis.from_url(redis_url)
    keys = [key for pattern in (namespace + ":*", "huey.*." + namespace, "huey.*." + namespace + ".*")
            for key in client.scan_iter(match=pattern, count=1000)]
    if keys:
        client.delete(*keys)


def describe():
    if huey.immediate:
        return "immediate (in process)"
    return "%s %s" % (type(huey.storage).__name__, huey.storage_kwargs)


def check():
    """Raises if the queue's storage cannot be reached; returns the number of pending tasks."""
    return huey.pending_count()


HEARTBEAT_KEY = "linli:consumer-heartbeat"


def consumer_last_seen():
    """Seconds since the consumer's last heartbeat, or None if it has never been seen."""
    seen = huey.get(HEARTBEAT_KEY, peek=True)
    # The wall clock, not linli.clock: whether a live process is alive is physical time.
    return None if seen is None else time.time() - seen


# A task opens its own connection and closes it when done: the consumer's threads live long, and
# an idle connection held between tasks is one a PostgreSQL restart would leave broken.
# In immediate mode the task runs inside a request that already holds a connection: keep it.
@huey.pre_execute()
def _open_connection(task):
    task.opened_connection = db.obj is not None and db.is_closed()
    if task.opened_connection:
        db.connect()


@huey.post_execute()
def _close_connection(task, task_value, exc):
    if getattr(task, "opened_connection", False) and not db.is_closed():
        db.close()
