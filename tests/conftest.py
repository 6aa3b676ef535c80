"""Fixtures: the stack under test, a fresh database per test, the app, and the WeChat emulator.

A test that takes `stack` runs once per stack:
- "sqlite": the embedded default (a SQLite file, database-row token store, SQLite queue);
- "postgres": production's shape (PostgreSQL in a schema of its own per run, Redis).
LINLI_TEST_STACKS picks them (default: both). A stack whose servers do not answer is skipped
with the reason shown, unless LINLI_TEST_REQUIRE_SERVICES=1 (CI), where that is a failure.
"""
import contextlib
import dataclasses
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from peewee import AutoField

from linli.config import Settings
from models import ALL_MODELS
from models.db import close_all
from models.db import connected
from models.db import db
from models.db import init_db
from models.db import upgrade
from tests.wechat_emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("LINLI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LINLI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STACKS = [s.strip() for s in os.environ.get("LINLI_TEST_STACKS", "sqlite,postgres").split(",") if s.strip()]
REQUIRE_SERVICES = os.environ.get("LINLI_TEST_REQUIRE_SERVICES") == "1"
APPID, SECRET = "wx-test-oa", "oa-secret"
MP_APPID, MP_SECRET = "wx-test-mp", "mp-secret"
WECHAT_TOKEN = "linli-test-token"
WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def pytest_report_header(config):
    return "linli stacks: %s (LINLI_TEST_STACKS); services required: %s" % (
        ", ".join(STACKS), REQUIRE_SERVICES)


@functools.lru_cache(maxsize=None)
def _services_problem():
    """None when PostgreSQL and Redis answer, else why not. Asked once per run: an unreachable
    host can take the whole connect timeout to say no."""
    try:
        import psycopg2
        psycopg2.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:
        return "PostgreSQL at %s does not answer: %s" % (PG_URL, str(exc).strip())
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        return "Redis at %s does not answer: %s" % (REDIS_URL, exc)
    return None


@contextlib.contextmanager
def new_pg_schema(prefix):
    """A PostgreSQL schema of its own, dropped at the end of the block."""
    import psycopg2
    name = "%s_%s" % (prefix, uuid.uuid4().hex[:8])
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    conn.cursor().execute("CREATE SCHEMA %s" % name)
    try:
        yield name
    finally:
        if not db.is_closed():
            db.close()
        conn.cursor().execute("DROP SCHEMA %s CASCADE" % name)
        conn.close()


@pytest.fixture(scope="session")
def pg_schema():
    """This run's schema; None when PostgreSQL or Redis is absent."""
    if _services_problem():
        yield None
        return
    with new_pg_schema("linli_test") as name:
        yield name


def pg_url_for(schema):
    return "%s?options=-csearch_path%%3D%s" % (PG_URL, schema)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file; each test gets a copy (migrating per test would grow with time)."""
    path = tmp_path_factory.mktemp("template") / "linli.db"
    init_db("sqlite:///%s" % path)
    upgrade()
    close_all()     # the last connection closing checkpoints the WAL into the file copied
    return path


# Rows the migrations themselves insert (default categories, deadlines): restored after each
# truncation, as a fresh database would have them.
SEEDED_ROWS = {}


@pytest.fixture(scope="session")
def pg_migrated(pg_schema):
    if pg_schema is None:
        return None
    init_db(pg_url_for(pg_schema))
    upgrade()
    with connected():
        for model in ALL_MODELS:
            rows = list(model.select().dicts())
            if rows:
                SEEDED_ROWS[model] = rows
    close_all()
    return pg_schema


@pytest.fixture(params=STACKS)
def stack(request):
    if request.param == "postgres":
        problem = _services_problem()
        if problem:
            if REQUIRE_SERVICES:
                pytest.fail("postgres stack required but " + problem)
            pytest.skip("postgres stack skipped: " + problem)
    return request.param


def _truncate_all():
    """Every table as a fresh database has it: the migrations' own rows, ids from 1 again.

    DELETE, not TRUNCATE: TRUNCATE gives each of ~50 tables new files, about 0.2 s a test (two
    minutes a run); deleting the few rows a test wrote takes milliseconds. Triggers and foreign
    keys are off for the transaction (`session_replication_role`, the test server's superuser):
    the audit log's triggers refuse deletes, and the tables' order no longer matters."""
    with connected():
        with db.atomic():
            db.execute_sql("SET LOCAL session_replication_role = replica")
            for model in ALL_MODELS:
                db.execute_sql('DELETE FROM "%s"' % model._meta.table_name)
            for model, rows in SEEDED_ROWS.items():
                model.insert_many(rows).execute()
            for model in ALL_MODELS:
                if isinstance(model._meta.primary_key, AutoField):
                    table = model._meta.table_name
                    db.execute_sql("SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), "
                                   "(SELECT COALESCE(max(id), 0) + 1 FROM \"%s\"), false)" % (table, table))


def _flush_redis():
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def settings(stack, tmp_path, sqlite_template, pg_migrated, emulator):
    """Settings for `stack`, on a database that is migrated and empty."""
    common = dict(
        LINLI_DATA_DIR=str(tmp_path / "var"),
        WECHAT_APPID=APPID, WECHAT_SECRET=SECRET, WECHAT_TOKEN=WECHAT_TOKEN,
        WECHAT_AES_KEY=WECHAT_AES_KEY,
        MINIPROGRAM_APPID=MP_APPID, MINIPROGRAM_SECRET=MP_SECRET,
        WECHAT_API_BASE=emulator.base_url, TASKS_IMMEDIATE="1",
        SECRET_KEY="test-secret-key-0123456789",
    )
    if stack == "sqlite":
        shutil.copy(sqlite_template, tmp_path / "linli.db")
        return Settings.from_env({}, DATABASE_URL="sqlite:///%s" % (tmp_path / "linli.db"), **common)
    init_db(pg_url_for(pg_migrated))
    _truncate_all()
    _flush_redis()
    return Settings.from_env({}, DATABASE_URL=pg_url_for(pg_migrated), REDIS_URL=REDIS_URL, **common)


@pytest.fixture
def app(settings):
    from wsgi import create_app
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def database(app):
    """An open connection for tests that use the models directly."""
    with connected():
        yield db


@pytest.fixture(scope="session")
def emulator_server():
    server = Emulator().start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server):
    """The WeChat emulator, reset, with the test apps registered; back up if a test stopped it."""
    if not emulator_server.running:
        emulator_server.resume()
    emulator_server.reset()
    emulator_server.register_app(APPID, SECRET)
    emulator_server.register_app(MP_APPID, MP_SECRET)
    yield emulator_server
    if not emulator_server.running:
        emulator_server.resume()


@pytest.fixture
def empty_database_url(stack, tmp_path, settings):
    """A database that exists but has no tables yet, on the stack's database."""
    if stack == "sqlite":
        yield "sqlite:///%s" % (tmp_path / "empty.db")
        return
    with new_pg_schema("linli_empty") as name:
        yield pg_url_for(name)


def settings_env(settings, **extra):
    """The environment that gives a subprocess (gunicorn, the consumer) these settings."""
    env = dict(os.environ)
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        name = "LINLI_DATA_DIR" if field.name == "DATA_DIR" else field.name
        if isinstance(value, bool):
            env[name] = "1" if value else "0"
        elif isinstance(value, tuple):
            env[name] = ",".join(value)
        else:
            env[name] = str(value)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn serving the test's settings with deploy/gunicorn.conf.py and two workers."""

    def __init__(self, settings, **env):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py", "wsgi:create_app()"],
            cwd=ROOT, env=settings_env(settings, LINLI_BIND="127.0.0.1:%d" % self.port,
                                       WEB_CONCURRENCY=2, **env),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                # refused while the workers boot, or slow on a loaded machine: ask again
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start: %s" % self.stderr)

    def stop(self):
        # SIGINT is gunicorn's quick shutdown; TERM waits out the graceful timeout for nothing.
        self.process.send_signal(signal.SIGINT)
        _, self.stderr = self.process.communicate(timeout=20)
        return self.stderr


@pytest.fixture
def live_server(settings):
    server = LiveServer(settings)
    yield server
    if server.process.poll() is None:
        server.stop()


class HttpClient:
    """The slice of Flask's test client that tests/wechat_push.py uses, over real HTTP."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.session = requests.Session()

    def post(self, path, data=None, query_string=None, content_type=None):
        answer = self.session.post(self.base_url + path, params=query_string, data=data,
                                   headers={"Content-Type": content_type or "text/xml"}, timeout=10)
        answer.get_data = lambda as_text=False: answer.text if as_text else answer.content
        return answer


def use_settings(**overrides):
    """Change settings mid-test without a new app (which would re-open the database)."""
    from linli import config
    import wechat
    settings = config.active()
    changed = Settings.from_env({}, **{**settings_env(settings), **overrides})
    config.activate(changed)
    wechat.configure(changed)
    return changed


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item, so fixtures can see in teardown that it failed
    (the browser tests save a screenshot then)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)
