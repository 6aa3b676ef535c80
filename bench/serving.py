"""What the benchmarks that start a server share."""
import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def wait_for(port, seconds=30):
    """Return once the server on `port` answers /healthz with 200; exit the bench otherwise."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if requests.get("http://127.0.0.1:%d/healthz" % port, timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass            # refused while the workers boot, or slow to answer on a loaded machine: ask again
        time.sleep(0.2)
    raise SystemExit("the server on port %d did not answer /healthz within %d s" % (port, seconds))


def bench_env(port, secret, data_prefix, database_url=None):
    """The environment of a bench's gunicorn: 2 workers on `port`, a data directory of its own,
    `database_url` or SQLite there, no Redis and no immediate tasks from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "TASKS_IMMEDIATE")}
    env.update(LINLI_DATA_DIR=tempfile.mkdtemp(prefix=data_prefix), SECRET_KEY=secret, LOG_LEVEL="WARNING",
               WEB_CONCURRENCY="2", LINLI_BIND="127.0.0.1:%d" % port)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def served(env, port, app="wsgi:create_app()", log_name="gunicorn.log"):
    """gunicorn as deployed (deploy/gunicorn.conf.py) serving `app` (Linli, or a bench's reference
    app) on `env`, answering on `port` inside; its error log goes to `log_name` in the data
    directory (a pipe nobody reads could fill up)."""
    with open(Path(env["LINLI_DATA_DIR"]) / log_name, "w") as log:
        web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                "--access-logfile", "/dev/null", app], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_for(port)
            yield web
        finally:
            web.terminate()
            web.wait(timeout=20)


def concurrently(items, connections, send):
    """`send(session, item)` for every item over `connections` threads, each with its own
    requests.Session, all starting together; (seconds taken, the results in arrival order)."""
    work = queue.Queue()
    for item in items:
        work.put(item)
    results, lock, start_line = [], threading.Lock(), threading.Barrier(connections + 1)

    def connection():
        session = requests.Session()
        start_line.wait()
        while True:
            try:
                item = work.get_nowait()
            except queue.Empty:
                return
            result = send(session, item)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=connection) for _ in range(connections)]
    for t in threads:
        t.start()
    start_line.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - began, results
