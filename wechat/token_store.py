"""The access token every process shares, refreshed by exactly one of them at a time.

WeChat allows ~2000 token fetches a day, and a plain `token` fetch invalidates the previous
token after five minutes, so workers must not each fetch their own. The store keeps the token
in the database (embedded default) or Redis, and refreshes it under a lease: a lock with an
expiry, so a process that dies while holding it blocks the others only for the lease's length.
No transaction is held open across the HTTP fetch.
"""
import logging
import time
import uuid

from models.db import connected
from models.wechat import AccessToken

logger = logging.getLogger(__name__)


class TokenUnavailable(RuntimeError):
    """Another process holds the refresh lease and no fresh token appeared in time."""


class TokenStore:
    def __init__(self, backend, lease_seconds=15.0, wait_seconds=20.0, margin_seconds=120.0,
                 clock=time.time, sleep=time.sleep):
        self.backend = backend
        self.lease_seconds = lease_seconds
        self.wait_seconds = wait_seconds
        self.margin_seconds = margin_seconds
        self.clock = clock
        self.sleep = sleep

    def _usable(self, token, expires_at, rejected):
        return bool(token) and token != rejected and expires_at - self.clock() > self.margin_seconds

    def get(self, appid, fetch, rejected=None):
        """A valid token for `appid`. `fetch()` returns (token, expires_in) from WeChat and runs
        only in the process holding the lease. `rejected` is a token WeChat just refused: it is
        replaced only if it is still the stored one, so a burst of 40001s costs one fetch."""
        deadline = self.clock() + self.wait_seconds
        while True:
            token, expires_at = self.backend.read(appid)
            if self._usable(token, expires_at, rejected):
                return token
            owner = uuid.uuid4().hex
            if self.backend.try_lease(appid, owner, self.lease_seconds):
                try:
                    # Re-read under the lease: the previous holder may have just refreshed.
                    token, expires_at = self.backend.read(appid)
                    if self._usable(token, expires_at, rejected):
                        return token
                    token, expires_in = fetch()
                    self.backend.write(appid, token, self.clock() + expires_in)
                    logger.info("fetched a new access token for %s (expires in %ss)", appid, expires_in)
                    return token
                finally:
                    self.backend.release(appid, owner)
            if self.clock() > deadline:
                raise TokenUnavailable("no access token for %s within %ss: another process holds "
                                       "the refresh lease" % (appid, self.wait_seconds))
            self.sleep(0.05)

    def refresh(self, appid, fetch):
        """Replace the stored token now (once, however many processes ask at the same moment)."""
        return self.get(appid, fetch, rejected=self.backend.read(appid)[0])


class DatabaseTokenBackend:
    """The embedded default: one AccessToken row per appid; the lease is a conditional update."""

    def read(self, appid):
        with connected():
            row = AccessToken.get_or_none(AccessToken.appid == appid)
        return (row.token, row.expires_at) if row else ("", 0.0)

    def try_lease(self, appid, owner, seconds):
        now = time.time()       # wall clock: the lease and WeChat's 7200 s are physical time
        with connected():
            AccessToken.insert(appid=appid).on_conflict_ignore().execute()
            won = (AccessToken
                   .update(lock_owner=owner, lock_until=now + seconds)
                   .where((AccessToken.appid == appid)
                          & (AccessToken.lock_until.is_null() | (AccessToken.lock_until < now)))
                   .execute())
        return won == 1

    def write(self, appid, token, expires_at):
        with connected():
            AccessToken.insert(appid=appid).on_conflict_ignore().execute()
            (AccessToken.update(token=token, expires_at=expires_at)
             .where(AccessToken.appid == appid).execute())

    def release(self, appid, owner):
        with connected():
            (AccessToken.update(lock_owner=None, lock_until=None)
             .where((AccessToken.appid == appid) & (AccessToken.lock_owner == owner))
             .execute())


class RedisTokenBackend:
    """Production: the token in a hash, the lease in a key set with NX and an expiry."""

    # Delete the lease only if we still own it: after a lease ran out, another owner holds it.
    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, client, namespace="linli"):
        self.client = client
        self.prefix = namespace + ":wechat-token:"
        self._release = client.register_script(self._RELEASE)

    def read(self, appid):
        data = self.client.hgetall(self.prefix + appid)
        if not data:
            return "", 0.0
        return data[b"token"].decode(), float(data[b"expires_at"])

    def try_lease(self, appid, owner, seconds):
        return bool(self.client.set(self.prefix + appid + ":lease", owner, nx=True,
                                    px=int(seconds * 1000)))

    def write(self, appid, token, expires_at):
        self.client.hset(self.prefix + appid, mapping={"token": token, "expires_at": expires_at})

    def release(self, appid, owner):
        self._release(keys=[self.prefix + appid + ":lease"], args=[owner])


def make_token_store(redis_url="", namespace="linli"):
    if redis_url:
        import redis
        return TokenStore(RedisTokenBackend(redis.Redis.from_url(redis_url), namespace))
    return TokenStore(DatabaseTokenBackend())
