"""The service the simulation runs against, started as deployed: gunicorn (2 workers,
deploy/gunicorn.conf.py), the queue consumer without its own schedule (linli/periodic.py), SQLite
or PostgreSQL (+ Redis), and the WeChat emulator standing in for WeChat. The clock is settable
(LINLI_ENV=simulation, CLOCK_SETTABLE=1) and its file is shared by every process."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from bench.pg import temporary_schema
from bench.serving import wait_for
from linli.queue import clear_namespace

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("LINLI_SIM_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Not 15 (the CI's): a database of the simulation's own.
REDIS_URL = os.environ.get("LINLI_SIM_REDIS_URL", "redis://127.0.0.1:6379/13")
APPID, SECRET = "wx-sim-oa", "sim-oa-secret"
MP_APPID, MP_SECRET = "wx-sim-mp", "sim-mp-secret"
TOKEN = "linli-sim-token"
OPEN311_KEY = "sim-open311-key-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def database(kind, pg_url=PG_URL, redis_url=REDIS_URL):
    """(DATABASE_URL, REDIS_URL, REDIS_NAMESPACE), all None for SQLite; a PostgreSQL schema of
    its own, dropped afterwards, and a Redis namespace of its own, cleared afterwards: the Redis
    database may be shared (CI's, a test run's other workers, another simulation)."""
    if kind == "sqlite":
        yield None, None, None
        return
    namespace = "linli_sim_%s" % uuid.uuid4().hex[:8]
    try:
        with temporary_schema(pg_url, prefix="linli_sim") as schema:
            if schema is None:
                raise SystemExit("PostgreSQL at %s does not answer" % pg_url)
            yield "%s?options=-csearch_path%%3D%s" % (pg_url, schema), redis_url, namespace
    finally:
        clear_namespace(redis_url, namespace)


def environment(emulator_url, database_url=None, redis_url=None, broken="", redis_namespace=None):
    # In memory where the machine has it: a simulated month is no test of the disk, and SQLite's
    # fsync per commit (the database's and the queue's) would be most of its time.
    data_dir = tempfile.mkdtemp(prefix="linli-sim-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "TASKS_IMMEDIATE", "WECHAT_AES_KEY")}
    env.update(LINLI_DATA_DIR=data_dir, LINLI_ENV="simulation", CLOCK_SETTABLE="1",
               CLOCK_FILE=os.path.join(data_dir, "clock.json"), SECRET_KEY="sim-secret-key-0123456789abcdef",
               WECHAT_APPID=APPID, WECHAT_SECRET=SECRET, WECHAT_TOKEN=TOKEN,
               MINIPROGRAM_APPID=MP_APPID, MINIPROGRAM_SECRET=MP_SECRET, WECHAT_API_BASE=emulator_url,
               OPEN311_API_KEYS=OPEN311_KEY, CONSOLE_COOKIE_SECURE="0", LOG_LEVEL="WARNING", WEB_CONCURRENCY="2",
               LINLI_SIM_BREAK=broken)
    if database_url:
        env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, REDIS_NAMESPACE=redis_namespace or "linli")
    return env


@contextlib.contextmanager
def running(env):
    """gunicorn and the consumer on `env`; yields the service's base URL. Logs go to the data
    directory (gunicorn.log, consumer.log)."""
    port = free_port()
    env = dict(env, LINLI_BIND="127.0.0.1:%d" % port)
    data = Path(env["LINLI_DATA_DIR"])
    app = "sim.broken:create_app()"
    with open(data / "gunicorn.log", "w") as web_log, open(data / "consumer.log", "w") as queue_log:
        web = subprocess.Popen([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile",
                                "/dev/null", app], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=web_log)
        consumer = subprocess.Popen([sys.executable, "-m", "sim.broken", "consume"], cwd=ROOT, env=env,
                                    stdout=queue_log, stderr=subprocess.STDOUT)
        try:
            wait_for(port, seconds=60)
            yield "http://127.0.0.1:%d" % port
        finally:
            for process in (web, consumer):
                process.terminate()
            for process in (web, consumer):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def keep_logs(env, out, keep_data=False):
    """The service's logs into `out`, and its data directory (in memory) gone — copied first to
    `out`/data with `keep_data` (on SQLite the database itself: a difference to look into)."""
    data = Path(env["LINLI_DATA_DIR"])
    if keep_data:
        shutil.copytree(data, Path(out) / "data", dirs_exist_ok=True)
    for name in ("gunicorn.log", "consumer.log"):
        if (data / name).exists():
            shutil.copy(data / name, Path(out) / name)
    shutil.rmtree(data, ignore_errors=True)
