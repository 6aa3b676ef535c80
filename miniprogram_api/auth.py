"""Sessions for the mini-program: signed, expiring tokens sent as `Authorization: Bearer`.
Residents log in with a WeChat code, staff with username and password, merchants' owners and
clerks with the WeChat they bound; each kind has its own salt, so one kind's token is never
accepted as another's. WeChat's session_key stays on the
server (models.miniprogram.MpSession)."""
import functools
import hashlib
import hmac

from flask import g
from flask import request
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired

from community.staff import session_stamp
from community.staff import session_valid
from linli import clock
from linli import config
from linli.errors import LinliError
from models.merchants import MerchantStaff
from models.people import Resident
from models.people import Staff
from models.sql import Prepared

TOKEN_LIFETIME = 7 * 24 * 3600
SALT = "linli-mp-session"
KINDS = {"resident": (SALT, Resident), "staff": ("linli-staff-session", Staff),
         "merchant": ("linli-merchant-session", MerchantStaff)}
_SAMPLE_ID = -7321            # no row has it: Prepared's stand-in for the id
# Every authenticated request reads its caller: composed once per database (models.sql), since
# profiled in a red-card flash peewee composing this one-row read cost more than running it.
_BY_ID = {kind: Prepared(lambda sample, model=model: model.select().where(model.id == sample), _SAMPLE_ID)
          for kind, (_, model) in KINDS.items()}


class AuthError(LinliError):
    status = 401


def _serializer(kind):
    return clock.timed_serializer(config.active().SECRET_KEY, KINDS[kind][0])


def issue(subject, kind="resident", wechat=None):
    """(token, expires_at as unix seconds). A staff token carries the session stamp, as the
    console's cookie does: signing out, a new password or disabling ends it. One signed in with
    a bound WeChat (`wechat`, its openid) also carries which WeChat: binding another phone ends
    the old phone's tokens (a lost phone), not the member's console or password sessions."""
    data = {"r": subject.id}
    if kind == "staff":
        data["s"] = session_stamp(subject)
        if wechat:
            data["w"] = _wechat_digest(wechat)
    return _serializer(kind).dumps(data), int(clock.timestamp()) + TOKEN_LIFETIME


def _wechat_digest(openid):
    return hashlib.sha256(openid.encode()).hexdigest()[:16]


def _token_data(header, kind):
    if not header or not header.startswith("Bearer "):
        raise AuthError("missing_token", "请先登录")
    try:
        return _serializer(kind).loads(header[len("Bearer "):].strip(), max_age=TOKEN_LIFETIME)
    except SignatureExpired:
        raise AuthError("token_expired", "登录已过期，请重新登录") from None
    except BadSignature:
        raise AuthError("bad_token", "登录凭证无效") from None


def _subject_id(data):
    subject_id = data.get("r")
    if not isinstance(subject_id, int) or isinstance(subject_id, bool):
        raise AuthError("bad_token", "登录凭证无效")
    return subject_id


def subject_from(header, kind="resident"):
    data = _token_data(header, kind)
    subject = _BY_ID[kind].first(_subject_id(data))
    if subject is None or (kind != "resident" and not subject.active) \
            or (kind == "staff" and not session_valid(subject, data.get("s"))):
        raise AuthError("bad_token", "登录凭证无效")
    if kind == "staff" and "w" in data and not (
            subject.mp_openid and hmac.compare_digest(data["w"], _wechat_digest(subject.mp_openid))):
        raise AuthError("bad_token", "该微信已不再绑定此账号，请重新绑定")
    return subject


def login_required(kind):
    """A view decorator: the caller's Resident or Staff (by `kind`) in g.resident or g.staff.
    It runs before the request is validated, and the OpenAPI document reads its `caller`."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            setattr(g, kind, subject_from(request.headers.get("Authorization"), kind))
            return view(*args, **kwargs)
        wrapper.caller = kind
        return wrapper
    return decorator


def resident_id_required(view):
    """login_required("resident") for a view whose domain function reads the resident in its
    own statement (a red-card claim): the token's signature and age are checked here, g.resident_id
    set, and a resident no longer on record is refused there, as bad_token too."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.resident_id = _subject_id(_token_data(request.headers.get("Authorization"), "resident"))
        return view(*args, **kwargs)
    wrapper.caller = "resident"
    return wrapper


resident_required = login_required("resident")
staff_required = login_required("staff")
merchant_required = login_required("merchant")
