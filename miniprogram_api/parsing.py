"""Request parsing shared by the mini-program's views: a clear 400 for a bad body."""
import datetime
import re

from flask import request

from errors import LinliError
from models.db import INT_MAX


# Beyond the database's 32-bit integers a value cannot be stored or even compared, and would
# fail deep inside a query.
INT_LIMIT = INT_MAX


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


def integer(body, name, required=False):
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not -INT_LIMIT <= value <= INT_LIMIT:
        raise BadRequest("bad_field", "%s 应为整数" % name)
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
    """An ISO 8601 time with its offset ("2026-12-01T09:00:00+08:00") as naive UTC; None if absent."""
    value = body.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise BadRequest("bad_" + name, "%s 应为带时区的 ISO 8601 时间" % name)
    return parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
