"""Time as the community lives it: stored in UTC, read in Asia/Shanghai."""
import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(utc_naive):
    """A stored (naive UTC) datetime in Asia/Shanghai."""
    return utc_naive.replace(tzinfo=datetime.timezone.utc).astimezone(SHANGHAI)


def stored(aware):
    """An aware datetime as stored (naive UTC). ValueError when its UTC falls off the calendar
    (year 1 at +14:00, year 9999 at -12:00 are valid ISO 8601 but have no UTC in Python)."""
    try:
        return aware.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except OverflowError:
        raise ValueError("outside the years 1 to 9999 in UTC") from None
