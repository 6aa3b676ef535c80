"""Rate limits for what a stranger could hammer: resident login by address, staff login (see
community.staff.authenticate), case filing by resident, redemption by clerk (coupons). Fixed
windows counted in the database, so every worker and host shares them; a limit exceeded is a
429 with when to try again."""
import time

from errors import LinliError
from models.limits import RateCounter


class TooMany(LinliError):
    status = 429


def hit(key, limit, seconds, message="操作过于频繁，请稍后再试", now=None):
    """Count one more for `key` in the current window; TooMany once past `limit`."""
    now = int(now if now is not None else time.time())
    window = now - now % seconds             # the window's start, unix seconds
    rows = list(RateCounter.insert(key=key[:120], window=window, count=1)
                .on_conflict(conflict_target=[RateCounter.key, RateCounter.window],
                             update={RateCounter.count: RateCounter.count + 1})
                .returning(RateCounter.count).execute())
    if rows[0].count > limit:
        raise TooMany("too_many_requests", "%s（%d 秒后可再试）" % (message, window + seconds - now))


def prune(now=None, keep_seconds=86400):
    """Forget windows older than a day (the consumer runs it hourly)."""
    now = int(now if now is not None else time.time())
    return RateCounter.delete().where(RateCounter.window < now - keep_seconds).execute()
