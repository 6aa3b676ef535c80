"""Time as the community lives it: stored in UTC, read in Asia/Shanghai."""
import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(utc_naive):
    """A stored (naive UTC) datetime in Asia/Shanghai."""
    return utc_naive.replace(tzinfo=datetime.timezone.utc).astimezone(SHANGHAI)
