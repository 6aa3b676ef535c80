"""Rate limits for what a stranger could hammer: resident login by address, staff login (see
community.staff.authenticate), case filing by resident, uploads, redemption by clerk (coupons).
Counted in the database per fixed window, so every worker and host shares them; a limit exceeded
is a 429 with when to try again.

A bare fixed window lets twice the limit through across its edge (five guesses just before
it, five just after). So the count weighs in the previous window by the share of it still
inside the last `seconds` — the sliding-window estimate — and a burst straddling the edge is
held to the limit."""
import math

from linli import clock
from linli.errors import LinliError
from models.limits import RateCounter
from models.sql import Prepared


class TooMany(LinliError):
    status = 429


def count(key, seconds, now=None):
    """Count one more for `key` in the current window: (the sliding-window estimate, this one
    included; seconds left in the window). The increment is one statement, so parallel requests
    on any worker each get their own number (counting first and checking after is what keeps a
    burst from slipping past a limit)."""
    now = int(now if now is not None else clock.timestamp())
    window = now - now % seconds             # the window's start, unix seconds
    counted = _COUNT.scalar(key[:120], window)
    previous = _PREVIOUS.scalar(key[:120], window - seconds) or 0
    still_inside = (seconds - (now - window)) / seconds
    return counted + previous * still_inside, window + seconds - now


# Every filing counts here: composed once (models/sql.py).
_COUNT = Prepared(lambda key, window: RateCounter.insert(key=key, window=window, count=1)
                  .on_conflict(conflict_target=[RateCounter.key, RateCounter.window],
                               update={RateCounter.count: RateCounter.count + 1})
                  .returning(RateCounter.count), "\x00key", -918273660)
_PREVIOUS = Prepared(lambda key, window: RateCounter.select(RateCounter.count)
                     .where((RateCounter.key == key) & (RateCounter.window == window)), "\x00key", -918273661)


def give_back(key, seconds, now=None):
    """Take back one count() of the same window: for what turned out not to count (a sign-in
    whose password was right)."""
    now = int(now if now is not None else clock.timestamp())
    RateCounter.update(count=RateCounter.count - 1).where(
        (RateCounter.key == key[:120]) & (RateCounter.window == now - now % seconds)
        & (RateCounter.count > 0)).execute()


def hit(key, limit, seconds, message="操作过于频繁，请稍后再试", now=None):
    """Count one more for `key` in the current window; TooMany once past `limit`."""
    counted, left = count(key, seconds, now)
    if counted > limit:
        raise TooMany("too_many_requests", "%s（%d 秒后可再试）" % (message, left))


def attempts(table, seconds, now=None, **values):
    """Count a guess (a password, a binding code) against each (key pattern, limit) of `table`,
    the pattern filled from `values`, before the guess is checked: parallel guesses on any worker
    cannot all read "4 so far". TooMany once past a limit; else the keys counted, for
    `forgive` when the guess was right."""
    now = int(now if now is not None else clock.timestamp())
    counted = []
    for pattern, limit in table:
        key = pattern % {name: (value or "")[:64] for name, value in values.items()}
        failures, left = count(key, seconds, now)
        counted.append(key)
        if failures > limit:
            raise TooMany("too_many_attempts", "尝试次数过多，请 %d 分钟后再试" % math.ceil(left / 60))
    return counted


def forgive(keys, seconds, now=None):
    """Give back what attempts() counted: the guess was right."""
    for key in keys:
        give_back(key, seconds, now)


def prune(now=None, keep_seconds=86400):
    """Forget windows older than a day (the consumer runs it hourly)."""
    now = int(now if now is not None else clock.timestamp())
    return RateCounter.delete().where(RateCounter.window < now - keep_seconds).execute()
