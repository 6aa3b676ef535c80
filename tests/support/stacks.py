"""The stacks a test runs on, chosen by LINLI_TEST_STACKS:
- "sqlite": the embedded default (a SQLite file, database-row token store, SQLite queue);
- "postgres": production's shape (PostgreSQL in a schema of its own per run, Redis).
A stack whose servers do not answer is skipped with the reason shown, unless
LINLI_TEST_REQUIRE_SERVICES=1 (CI), where that is a failure.

The Redis database is shared: with other users of the server, and between the run's xdist workers.
Each test process keeps its keys under a namespace of its own (REDIS_NAMESPACE) and clears only
those, never the whole database."""
import functools
import os
import uuid

import pytest

PG_URL = os.environ.get("LINLI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LINLI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STACKS = [s.strip() for s in os.environ.get("LINLI_TEST_STACKS", "sqlite,postgres").split(",") if s.strip()]
# linli_test_<xdist worker>_<random>: no two processes, runs or machines' CI jobs share keys.
REDIS_NAMESPACE = "linli_test_%s_%s" % (os.environ.get("PYTEST_XDIST_WORKER", "main"), uuid.uuid4().hex[:8])
REQUIRE_SERVICES = os.environ.get("LINLI_TEST_REQUIRE_SERVICES") == "1"
SERVICE_STACKS = ("postgres",)        # the stacks that need servers besides this process


@functools.lru_cache(maxsize=None)
def services_problem():
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


def require(stack):
    """Skip (or, when services are required, fail) the test if `stack`'s servers do not answer."""
    if stack in SERVICE_STACKS:
        problem = services_problem()
        if problem:
            if REQUIRE_SERVICES:
                pytest.fail("%s stack required but %s" % (stack, problem))
            pytest.skip("%s stack skipped: %s" % (stack, problem))
    return stack

