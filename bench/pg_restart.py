"""PostgreSQL restarted under load: gunicorn (2 workers) serving 4 connections of reads while
`pg_ctlcluster restart` runs. Prints the answers: requests during the restart should fail
cleanly (503 database_unavailable, never 500), and the service recover by itself, with no
restart of its own. Restarts the machine's PostgreSQL: not for a shared server.

    .venv/bin/python -m bench.pg_restart [--seconds 6]
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.pg import temporary_schema
from bench.serving import wait_for
from bench.world import seeded

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("LINLI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PORT = 8797


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6, help="load kept up after the restart")
    args = parser.parse_args()
    with temporary_schema(PG_URL) as schema:
        if schema is None:
            print("PostgreSQL at %s does not answer" % PG_URL)
            return 1
        env = dict(os.environ, DATABASE_URL="%s?options=-csearch_path%%3D%s" % (PG_URL, schema),
                   SECRET_KEY="pg-restart-secret-0123456789abcdef", LINLI_DATA_DIR=tempfile.mkdtemp(),
                   WEB_CONCURRENCY="2", LINLI_BIND="127.0.0.1:%d" % PORT, LOG_LEVEL="WARNING")
        env.pop("REDIS_URL", None)
        with seeded(env):
            pass
        web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                "wsgi:create_app()"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(PORT)
            answers, restart_at, took = _load_through_restart(args.seconds)
            workers_alive = web.poll() is None
        finally:
            web.terminate()
            web.wait(timeout=30)
    counts = collections.Counter(code for _, code in answers)
    bad = [t for t, code in answers if code != 200]
    after = [code for t, code in answers if t > restart_at + took + 1]
    print("pg_ctlcluster restart took %.1f s under 4 connections of reads" % took)
    print("answers: %s" % ", ".join("%s × %d" % (code, n) for code, n in counts.most_common()))
    print("last failed answer %.1f s after the restart began; %d answers from 1 s after it ended, all 200: %s"
          % ((max(bad) - restart_at) if bad else 0, len(after), all(code == 200 for code in after)))
    ok = workers_alive and 500 not in counts and after and all(code == 200 for code in after)
    print("no 500, recovered without a restart of the service: %s" % ("OK" if ok else "FAILED"))
    return 0 if ok else 1


def _load_through_restart(seconds):
    """Load from 2 s before the restart until `seconds` after it has finished (a restart with a
    long shutdown checkpoint can take many seconds)."""
    answers, done = [], threading.Event()

    def load():
        session = requests.Session()
        while not done.is_set():
            try:
                code = session.get("http://127.0.0.1:%d/api/mp/categories" % PORT, timeout=5).status_code
            except requests.RequestException as exc:
                code = type(exc).__name__
            answers.append((time.time(), code))
    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    restart_at = time.time()
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True)
    took = time.time() - restart_at
    time.sleep(seconds)
    done.set()
    for t in threads:
        t.join()
    return answers, restart_at, took


if __name__ == "__main__":
    sys.exit(main())
