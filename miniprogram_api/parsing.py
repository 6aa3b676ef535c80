"""Request parsing shared by the mini-program's views: a clear 400 for a bad body."""
import datetime
import re

from flask import request

from linli.errors import LinliError
from models.db import INT_MAX
from linli.clock import stored


# Beyond the database's 32-bit integers a value cannot be stored or even compared, and would
# fail deep inside a query.
INT_LIMIT = INT_MAX
YEARS = range(2000, 2100)
_DIGITS = re.compile(r"^[+-]?\d{1,10}$")        # 10 digits: INT_LIMIT's; more would not fit anyway


class BadRequest(LinliError):
    status = 400


def json_body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("bad_json", "请求体应为 JSON 对象")
    return body


def text(body, name):
    """A string field, "" when absent."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest("bad_field", "%s 应为字符串" % name)
    return value


def whole_number(value):
    """`value` (a JSON number, or the digits of a query string or form field) as an int the
    database can hold; None when it is not one. Every integer from outside passes here: a
    30-digit filter used to overflow inside SQLite's query (a 500)."""
    if isinstance(value, str):
        if not _DIGITS.match(value.strip()):
            return None
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not -INT_LIMIT <= value <= INT_LIMIT:
        return None
    return value


def integer(body, name, required=False):
    """An integer field of a JSON body (a number, not a string of digits)."""
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, str) or whole_number(value) is None:
        raise BadRequest("bad_field", "%s 应为整数" % name)
    return value


def query_integer(args, name):
    """An integer filter of the query string, None when absent."""
    if not args.get(name):
        return None
    value = whole_number(args[name])
    if value is None:
        raise BadRequest("bad_filter", "%s 应为整数" % name)
    return value


_CURSOR = re.compile(r"^(\d{20})~(\d{1,18})$")


def encode_cursor(position):
    """A keyset position (deadline, id) as an opaque string for `?after=`."""
    due, case_id = position
    return "%s~%d" % (due.strftime("%Y%m%d%H%M%S%f"), case_id)


def decode_cursor(text):
    if not text:
        return None
    match = _CURSOR.match(text)
    try:
        due = datetime.datetime.strptime(match.group(1), "%Y%m%d%H%M%S%f") if match else None
    except ValueError:
        due = None
    if due is None:
        raise BadRequest("bad_cursor", "after 应为上一页返回的 next 值")
    return due, int(match.group(2))


def timestamp(body, name):
    """An ISO 8601 time with its offset ("2026-12-01T09:00:00+08:00") as naive UTC; None if absent.
    Only years YEARS: further out it is a typo, and near the calendar's ends the arithmetic on it
    (UTC, Asia/Shanghai, N days of validity) runs off the calendar."""
    value = body.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        moment = stored(parsed) if parsed is not None and parsed.tzinfo is not None else None
    except ValueError:
        moment = None
    if moment is None or moment.year not in YEARS:
        raise BadRequest("bad_" + name, "%s 应为带时区的 ISO 8601 时间（%d–%d 年）" % (name, YEARS[0], YEARS[-1]))
    return moment
