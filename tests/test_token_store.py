"""The access token is shared by every process and refreshed by exactly one of them."""
import multiprocessing
import threading

import pytest

import wechat
from models.db import init_db
from tests.support.stacks import STACKS
from wechat import make_clients
from wechat.token_store import TokenStore
from wechat.token_store import TokenUnavailable
from wechat.token_store import make_token_store


def _worker(settings, barrier, results):
    # A process of its own, as a second gunicorn worker or the task consumer would be.
    init_db(settings.DATABASE_URL)
    official, _ = make_clients(settings)
    barrier.wait()
    results.put(official.user.get("o-resident")["openid"] and official.access_token)


def test_two_processes_starting_at_once_fetch_the_token_once(app, settings, emulator):
    # The fetch is slow, so the second process arrives while the first holds the lease.
    emulator.slow(0.5, path="cgi-bin/stable_token")
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(settings, barrier, results)) for _ in range(2)]
    for w in workers:
        w.start()
    tokens = [results.get(timeout=30) for _ in workers]
    for w in workers:
        w.join(timeout=10)
    assert [w.exitcode for w in workers] == [0, 0]
    assert len(emulator.token_fetches()) == 1
    assert tokens[0] == tokens[1]
    assert len(emulator.calls("cgi-bin/user/info")) == 2


def test_a_burst_of_40001_in_many_threads_costs_one_fetch(app, emulator):
    wx = wechat.official()
    wx.user.get("o-resident")
    emulator.revoke_tokens()
    errors = []

    def call():
        try:
            wx.user.get("o-resident")
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(emulator.token_fetches()) == 2      # the first token, then one refresh


def test_a_crashed_lease_holder_blocks_others_only_until_its_lease_ends(app, settings, database):
    store = make_token_store(settings.REDIS_URL, settings.REDIS_NAMESPACE)
    store.lease_seconds = 0.3
    assert store.backend.try_lease("wx-crash", "dead-process", 0.3)   # holder dies: no release
    token = store.get("wx-crash", lambda: ("fresh-token", 7200))
    assert token == "fresh-token"


def test_waiting_gives_up_with_a_clear_error_while_another_holds_the_lease(app, settings, database):
    store = make_token_store(settings.REDIS_URL, settings.REDIS_NAMESPACE)
    store.backend.try_lease("wx-held", "other-process", 30)
    impatient = TokenStore(store.backend, wait_seconds=0.2)
    with pytest.raises(TokenUnavailable, match="another process holds"):
        impatient.get("wx-held", lambda: ("never", 7200))


def test_a_failed_fetch_releases_the_lease(app, settings, database):
    store = make_token_store(settings.REDIS_URL, settings.REDIS_NAMESPACE)

    def broken():
        raise ConnectionError("WeChat unreachable")

    with pytest.raises(ConnectionError):
        store.get("wx-fail", broken)
    assert store.get("wx-fail", lambda: ("second-try", 7200)) == "second-try"


def test_token_near_expiry_is_refreshed_ahead_of_time(app, settings, database):
    store = make_token_store(settings.REDIS_URL, settings.REDIS_NAMESPACE)
    store.backend.write("wx-old", "almost-expired", store.clock() + 30)
    assert store.get("wx-old", lambda: ("renewed", 7200)) == "renewed"


# Redis only: the embedded default keeps the token in the deployment's own database.
@pytest.mark.parametrize("stack", [s for s in STACKS if s == "postgres"], indirect=True)
def test_two_namespaces_on_one_redis_keep_their_own_token(app, settings, database):
    # The mistake: two deployments (or two test workers) sharing a Redis database, one serving the
    # other's access token, which WeChat then refuses as the wrong app's.
    mine = make_token_store(settings.REDIS_URL, settings.REDIS_NAMESPACE)
    neighbour = make_token_store(settings.REDIS_URL, settings.REDIS_NAMESPACE + "_neighbour")
    mine.get("wx-shared", lambda: ("my-token", 7200))
    assert neighbour.get("wx-shared", lambda: ("neighbour-token", 7200)) == "neighbour-token"
    assert mine.get("wx-shared", lambda: ("never", 7200)) == "my-token"
    neighbour.backend.client.delete(neighbour.backend.prefix + "wx-shared")
