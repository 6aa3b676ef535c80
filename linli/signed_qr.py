"""Rotating signed QR payloads: a value signed with the time it was shown. A screen fetches a
fresh one every ROTATION seconds and a payload is good for LIFETIME, so a screenshot passed
around stops working (the red card's coupon codes, the volunteer leader's check-in code). Each
use has its own salt, so one kind of payload is never accepted as another."""
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired

from linli import clock

LIFETIME = 90                 # seconds: a minute's rotation and some skew
ROTATION = 60


class Expired(Exception):
    """Signed by us, but older than its lifetime."""


class Forged(Exception):
    """Not signed by us for this use (or not a payload at all)."""


def payload(value, secret_key, salt):
    return clock.timed_serializer(secret_key, salt).dumps(value)


def value_of(payload_text, secret_key, salt, max_age=LIFETIME):
    """The signed value; Expired or Forged."""
    try:
        return clock.timed_serializer(secret_key, salt).loads(payload_text, max_age=max_age)
    except SignatureExpired:
        raise Expired() from None
    except BadSignature:
        raise Forged() from None
