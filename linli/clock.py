"""Time as the community lives it: stored in UTC, read in Asia/Shanghai — and the one clock every
time-dependent rule reads (SLA, escalation, rate-limit windows, replay windows, token and QR
lifetimes).

The clock is the wall clock unless the service runs in simulation (CLOCK_SETTABLE=1, allowed
by linli.config only with LINLI_ENV=simulation or test). Then it is the wall clock plus an offset
kept in a small JSON file (CLOCK_FILE, default <data dir>/clock.json): every gunicorn
worker, the queue consumer and `flask clock` on the host read the same file, so one `clock set`
moves them all at once. A read is one os.stat; the file is parsed again only when it changed
(written aside and renamed into place, so no reader sees half a file).

Physical timings stay on the wall clock on purpose: durations measured for logs and metrics,
HTTP timeouts, the lease of a token refresh, heartbeats of live processes."""
import datetime
import json
import os
import time
from zoneinfo import ZoneInfo

from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from models.db import read_clock_from

SHANGHAI = ZoneInfo("Asia/Shanghai")


class NotSettable(RuntimeError):
    """The clock is the wall clock here (production): it cannot be set."""


class _Settable:
    """The offset from the wall clock, read from `path` whenever the file changed."""

    def __init__(self, path):
        self.path = path
        self._seen = None
        self._offset = 0.0

    def offset(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._seen, self._offset = None, 0.0
            return 0.0
        seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        if seen != self._seen:
            with open(self.path, encoding="utf-8") as fh:
                self._offset = float(json.load(fh).get("offset", 0))
            self._seen = seen
        return self._offset

    def write(self, offset):
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        tmp = "%s.%d" % (self.path, os.getpid())
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"offset": offset}, fh)
        os.replace(tmp, self.path)


_source = []            # [_Settable] when settable; empty: the wall clock


def configure(settings):
    """Read the clock as `settings` say (create_app does, in every process). A settable clock
    also becomes what models.db.utcnow() reads."""
    if getattr(settings, "CLOCK_SETTABLE", False):
        _source[:] = [_Settable(settings.CLOCK_FILE)]
        read_clock_from(now)
    else:
        _source[:] = []
        read_clock_from(None)


def settable():
    return bool(_source)


def timestamp():
    """Unix seconds (float), as the rules see them."""
    wall = time.time()
    return wall + _source[0].offset() if _source else wall


def now():
    """Naive UTC, as stored."""
    return datetime.datetime.fromtimestamp(timestamp(), datetime.timezone.utc).replace(tzinfo=None)


def _settable_source():
    if not _source:
        raise NotSettable("the clock is the wall clock: set CLOCK_SETTABLE=1 with "
                          "LINLI_ENV=simulation (never in production) to move it")
    return _source[0]


def set_to(aware):
    """Make it `aware` (a timezone-aware datetime) now; the clock runs on from there."""
    source = _settable_source()
    source.write(aware.timestamp() - time.time())


def advance(seconds):
    source = _settable_source()
    source.write(source.offset() + seconds)


def reset():
    """Back to the wall clock (offset 0)."""
    _settable_source().write(0.0)


def offset():
    return _source[0].offset() if _source else 0.0


class _ClockSigner(TimestampSigner):
    def get_timestamp(self):
        return int(timestamp())


def timed_serializer(secret_key, salt):
    """itsdangerous' URLSafeTimedSerializer whose signing time and max_age read this clock (the
    mini-program's tokens, rotating QR payloads), not time.time()."""
    return URLSafeTimedSerializer(secret_key, salt=salt, signer=_ClockSigner)


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
