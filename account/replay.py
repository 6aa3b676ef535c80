"""A signed push URL is good for one body.

Plain and compatible mode sign only (token, timestamp, nonce): whoever captures one push's URL
could post any body under it, in any follower's name, for as long as the timestamp passes the
freshness check (push.MAX_AGE_SECONDS). So each (timestamp, nonce, signature) is remembered for
that window with a hash of its body, in storage every worker and host shares, chosen as for the
access token: a database row in the embedded default, a Redis key when REDIS_URL is set. The same
body again is WeChat retrying (let through: the gateway answers it from the stored reply); another
body is refused.
"""
import hashlib

from account.push import MAX_AGE_SECONDS
from account.push import PushRejected
from linli import clock
from models.db import connected
from models.sql import Prepared
from models.sql import insert
from models.wechat import SeenPush

# Kept a little past the freshness window, so a URL is forgotten only once its timestamp is stale.
MARGIN_SECONDS = 60


class ReplayGuard:
    def __init__(self, backend):
        self.backend = backend

    def check(self, timestamp, nonce, signature, digest):
        """Refuses (403) a signed URL seen before with another body (`digest`: its sha256).
        Call on a decoded push (push.Push.signed), inside the transaction that stores it: on
        SQLite that keeps one write transaction per message."""
        key = hashlib.sha1(("%s\n%s\n%s" % (timestamp, nonce, signature)).encode()).hexdigest()
        first = self.backend.remember(key, digest, int(timestamp) + MAX_AGE_SECONDS + MARGIN_SECONDS)
        if first is not None and first != digest:
            raise PushRejected("replayed_signature", "该签名已用于另一条消息（可能是重放）", 403)


class DatabaseSeenPushes:
    """The embedded default: one row per signed URL; the unique key decides between workers."""

    def remember(self, key, digest, expires_at):
        """The body hash first stored under `key`, or None if this call stored it."""
        with connected():
            if insert(SeenPush, dict(key=key, body_hash=digest, expires_at=expires_at),
                      conflict_target=["key"]) is not None:
                return None
            return _FIRST_BODY.scalar(key)


_FIRST_BODY = Prepared(lambda key: SeenPush.select(SeenPush.body_hash).where(SeenPush.key == key),
                       "\x00seen-push-key")


class RedisSeenPushes:
    """Production: SET NX with an expiry; Redis forgets the key when the window has passed."""

    def __init__(self, client, namespace="linli"):
        self.client = client
        self.prefix = namespace + ":push-seen:"

    def remember(self, key, digest, expires_at):
        seconds = max(1, expires_at - int(clock.timestamp()))
        if self.client.set(self.prefix + key, digest, nx=True, ex=seconds):
            return None
        first = self.client.get(self.prefix + key)
        return first.decode() if first is not None else None


def make_replay_guard(redis_url="", namespace="linli"):
    if redis_url:
        import redis
        return ReplayGuard(RedisSeenPushes(redis.Redis.from_url(redis_url), namespace))
    return ReplayGuard(DatabaseSeenPushes())


def prune(now=None):
    """Forget the signed URLs whose timestamps are stale (database rows; Redis keys expire)."""
    now = int(now if now is not None else clock.timestamp())
    with connected():
        return SeenPush.delete().where(SeenPush.expires_at < now).execute()
