"""Two gunicorn workers and a task consumer writing to one SQLite file at once.

Prints requests/s, latency, and how many "database is locked" errors occurred (target: zero),
then checks that every queued task ran. Run: `make bench` or
    .venv/bin/python -m bench.concurrent_writes --seconds 10 --clients 8
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.serving import wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="linli-bench-")
    env = dict(os.environ, LINLI_DATA_DIR=data_dir, LINLI_BIND="127.0.0.1:%d" % args.port,
               WEB_CONCURRENCY="2", LOG_LEVEL="WARNING")
    for name in ("DATABASE_URL", "REDIS_URL", "TASKS_IMMEDIATE", "QUEUE_PATH"):
        env.pop(name, None)
    flask = [str(BIN / "flask"), "--app", "bench.write_app"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)

    logs = Path(data_dir) / "logs.txt"
    with open(logs, "w") as log:
        web = subprocess.Popen([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                "--access-logfile", "/dev/null", "bench.write_app:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        consumer = subprocess.Popen(flask + ["queue", "consume", "--workers", "2"],
                                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(args.port)
            latencies, statuses = _load(args.port, args.clients, args.seconds)
            queued_done = _wait_for_tasks(data_dir, sum(1 for s in statuses if s == 201))
        finally:
            for process in (web, consumer):
                process.terminate()
            for process in (web, consumer):
                process.wait(timeout=20)
    log_text = logs.read_text()
    locked = log_text.count("database is locked")
    ok = sum(1 for s in statuses if s == 201)
    latencies.sort()
    print("SQLite, 2 gunicorn workers (gthread) + 1 consumer (2 threads), %d clients, %.0f s"
          % (args.clients, args.seconds))
    print("requests: %d ok, %d failed (%s)" % (ok, len(statuses) - ok,
                                             sorted(set(s for s in statuses if s != 201)) or "none"))
    print("throughput: %.1f requests/s" % (len(statuses) / args.seconds))
    print("latency: p50 %.1f ms, p99 %.1f ms" % (_pct(latencies, 50), _pct(latencies, 99)))
    print("queued tasks run: %d of %d" % queued_done)
    print("'database is locked' errors: %d (target 0)" % locked)
    return 0 if locked == 0 and ok == len(statuses) and queued_done[0] == queued_done[1] else 1


def _load(port, clients, seconds):
    url = "http://127.0.0.1:%d/bench/residents" % port
    latencies, statuses, lock = [], [], threading.Lock()
    stop_at = time.time() + seconds

    def client():
        session = requests.Session()
        while time.time() < stop_at:
            start = time.perf_counter()
            status = session.post(url, timeout=30).status_code
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                statuses.append(status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses


def _wait_for_tasks(data_dir, expected):
    """(tasks whose write landed, tasks expected): the consumer may still be draining."""
    import sqlite3
    deadline = time.time() + 60
    done = 0
    while time.time() < deadline:
        conn = sqlite3.connect(os.path.join(data_dir, "linli.db"), timeout=10)
        done = conn.execute("SELECT count(*) FROM resident WHERE nickname = 'bench' "
                            "AND address_state = 'confirmed'").fetchone()[0]
        conn.close()
        if done >= expected:
            break
        time.sleep(0.5)
    return done, expected


def _pct(values, p):
    if not values:
        return 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


if __name__ == "__main__":
    sys.exit(main())
