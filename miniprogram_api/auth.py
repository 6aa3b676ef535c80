"""Mini-program sessions: a signed, expiring token the app sends as `Authorization: Bearer`.
WeChat's session_key stays on the server (models.miniprogram.MpSession)."""
import functools
import time

from flask import current_app
from flask import g
from flask import request
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

from errors import LinliError
from models.people import Resident

TOKEN_LIFETIME = 7 * 24 * 3600
SALT = "linli-mp-session"


class AuthError(LinliError):
    status = 401


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(resident):
    """(token, expires_at as unix seconds)."""
    return _serializer().dumps({"r": resident.id}), int(time.time()) + TOKEN_LIFETIME


def resident_from(header):
    if not header or not header.startswith("Bearer "):
        raise AuthError("missing_token", "请先登录")
    try:
        data = _serializer().loads(header[len("Bearer "):].strip(), max_age=TOKEN_LIFETIME)
    except SignatureExpired:
        raise AuthError("token_expired", "登录已过期，请重新登录") from None
    except BadSignature:
        raise AuthError("bad_token", "登录凭证无效") from None
    resident = Resident.get_or_none(Resident.id == data.get("r"))
    if resident is None:
        raise AuthError("bad_token", "登录凭证无效")
    return resident


def resident_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.resident = resident_from(request.headers.get("Authorization"))
        return view(*args, **kwargs)
    return wrapper
