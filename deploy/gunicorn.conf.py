"""gunicorn settings for Linli: `gunicorn -c deploy/gunicorn.conf.py 'wsgi:create_app()'`.

WeChat waits 5 seconds for a reply and then retries; a request still running after that has
already failed the resident. Workers are killed after 10 s of silence (room for a slow staff
export, none for a hung one) and nginx gives up on the app after the same.
"""
import multiprocessing
import os

bind = os.environ.get("LINLI_BIND", "127.0.0.1:8000")
# Two workers at the least, everywhere: nothing may assume a single process.
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count() * 2 + 1)))
worker_class = "gthread"
# SQLite takes one writer at a time: more threads only queue behind it (p99 at 8 connections:
# 48 ms with 2 threads, 65 ms with 4). PostgreSQL writes in parallel and gains from more.
_sqlite = os.environ.get("DATABASE_URL", "sqlite").startswith("sqlite")
threads = int(os.environ.get("LINLI_THREADS", 2 if _sqlite else 4))
timeout = 10
graceful_timeout = 10
keepalive = 5
max_requests = 5000          # recycle workers now and then; jitter keeps them from all going at once
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# Not preloaded: each worker builds the app after the fork, so no connection crosses it.
preload_app = False


def on_starting(server):
    """Refuse to serve an un-migrated database, saying which command to run."""
    from linli.config import Settings
    from models.db import close_all
    from models.db import init_db
    from models.db import schema_problem

    settings = Settings.from_env()
    init_db(settings.DATABASE_URL, max_connections=1)
    try:
        problem = schema_problem()
    finally:
        close_all()          # the master forks workers next: no connection may be inherited
    if problem:
        raise SystemExit("linli: not starting: %s" % problem)
