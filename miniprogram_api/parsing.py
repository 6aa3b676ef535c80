"""Request parsing shared by the mini-program's views: a clear 400 for a bad body."""
from flask import request

from errors import LinliError


class BadRequest(LinliError):
    status = 400


def json_body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("bad_json", "请求体应为 JSON 对象")
    return body


def integer(body, name, required=False):
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest("bad_field", "%s 应为整数" % name)
    return value
