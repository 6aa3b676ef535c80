"""Fixtures: the stack under test, a fresh database per test, the app, the WeChat emulator, gunicorn
and the browser. What they do lives in tests/support/; this file only declares them, and marks the
tests (tests/support/markers.py).

A test that takes `stack` runs once per stack (tests/support/stacks.py): "sqlite", the embedded
default, and "postgres", production's shape (PostgreSQL + Redis). LINLI_TEST_STACKS picks them.
"""
import pytest

from models.db import connected
from models.db import db
from tests.support import browser
from tests.support import databases
from tests.support import emulator as emulators
from tests.support import markers
from tests.support import passwords
from tests.support import stacks
from tests.support.console import signed_in_console
from tests.support.live_server import LiveServer
from tests.support.settings import settings_for
from wsgi import create_app


def pytest_report_header(config):
    return "linli stacks: %s (LINLI_TEST_STACKS); services required: %s" % (
        ", ".join(stacks.STACKS), stacks.REQUIRE_SERVICES)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    markers.mark(items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    markers.running(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item, so fixtures can see in teardown that it failed
    (the browser tests save a screenshot then)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)
    # A test running processes of its own sets item.process_logs (a callable giving (title,
    # text) pairs): their logs join its failure report, where the assertion is read.
    logs = getattr(item, "process_logs", None)
    if report.failed and logs is not None:
        report.sections.extend(logs())


@pytest.fixture(autouse=True)
def password_hashing(request):
    """Cheap password hashes, unless the test is marked password_hashing (tests/support/passwords.py)."""
    with passwords.hashing(cheap=request.node.get_closest_marker("password_hashing") is None):
        yield


# -- the stack and its database ------------------------------------------------------------------
@pytest.fixture(params=stacks.STACKS)
def stack(request):
    return stacks.require(request.param)


@pytest.fixture(scope="session")
def pg_schema():
    """This run's schema; None when PostgreSQL or Redis is absent."""
    if stacks.services_problem():
        yield None
        return
    with databases.new_pg_schema("linli_test") as name:
        yield name
    databases.flush_redis()     # this process's keys; the database stays to its other users


@pytest.fixture(scope="session")
def pg_migrated(pg_schema):
    """(schema, the rows the migrations insert), migrated once a run; None without PostgreSQL."""
    if pg_schema is None:
        return None
    return pg_schema, databases.migrate_pg(pg_schema)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file; each test gets a copy."""
    return databases.make_sqlite_template(tmp_path_factory.mktemp("template") / "linli.db")


@pytest.fixture
def settings(stack, tmp_path, emulator, request):
    """Settings for `stack`, on a database that is migrated and empty. Each stack's database is
    asked for only when the stack runs: a SQLite run never migrates PostgreSQL."""
    if stack == "sqlite":
        url = databases.sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path / "linli.db")
        return settings_for(tmp_path / "var", emulator.base_url, DATABASE_URL=url)
    url = databases.empty_pg(*request.getfixturevalue("pg_migrated"))
    databases.flush_redis()
    return settings_for(tmp_path / "var", emulator.base_url, DATABASE_URL=url, REDIS_URL=stacks.REDIS_URL,
                        REDIS_NAMESPACE=stacks.REDIS_NAMESPACE)


@pytest.fixture
def empty_database_url(stack, tmp_path, settings):
    """A database that exists but has no tables yet, on the stack's database."""
    if stack == "sqlite":
        yield "sqlite:///%s" % (tmp_path / "empty.db")
        return
    with databases.new_pg_schema("linli_empty") as name:
        yield databases.pg_url_for(name)


# -- the app ---------------------------------------------------------------------------------------
@pytest.fixture
def app(settings):
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


@pytest.fixture
def console(client, database, emulator, settings):
    """(sign_in, csrf) on the demo community, through the test client."""
    return signed_in_console(client)


# -- WeChat ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def emulator_server():
    with emulators.running() as server:
        yield server


@pytest.fixture
def emulator(emulator_server):
    """The WeChat emulator, reset, with the test apps registered; back up if a test stopped it."""
    with emulators.fresh(emulator_server) as server:
        yield server


# -- processes and the browser ---------------------------------------------------------------------
@pytest.fixture
def live_server(settings):
    server = LiveServer(settings)
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture(scope="module")
def chromium():
    with browser.chromium() as launched:
        yield launched


@pytest.fixture
def site(chromium, settings, database, emulator, request):
    """(page, url, sign_in): gunicorn on the test's database, a fresh browser context."""
    with browser.console_site(chromium, settings, request.node) as opened:
        yield opened
