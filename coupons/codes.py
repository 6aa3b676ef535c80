"""Coupon codes and the QR payloads that carry them.

A code is 16 Crockford base-32 characters (80 random bits) and a Luhn mod 32 check character:
a clerk's single mistyped character, or two swapped neighbours (all but "0Z"/"Z0", Luhn's one
blind spot), are told apart from a code that does not exist, without a database lookup. The QR
payload is the code signed with a timestamp; it is good for QR_LIFETIME, and the resident's
screen fetches a fresh one every minute, so a screenshot passed around stops working.
"""
import re
import secrets

from linli import signed_qr
from linli.errors import LinliError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"        # Crockford: no I, L, O, U
RANDOM_CHARS = 16                                    # 16 × 5 = 80 bits
QR_LIFETIME = signed_qr.LIFETIME                     # seconds: a minute's rotation and some skew
QR_ROTATION = signed_qr.ROTATION
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
QR_SALT = "linli-coupon-qr"


class CodeError(LinliError):
    status = 422


def new_code():
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return body + _check_char(body)


def normalize(typed):
    """What a clerk typed, as a stored code: case, spaces, dashes and look-alikes forgiven.
    CodeError `code_mistyped` when it cannot be a code at all."""
    text = re.sub(r"[\s\-]", "", (typed or "").upper()).translate(_READ_AS)
    if len(text) != RANDOM_CHARS + 1 or any(c not in ALPHABET for c in text) \
            or _check_char(text[:-1]) != text[-1]:
        raise CodeError("code_mistyped", "券码有误，请核对后重新输入")
    return text


def display(code):
    """Groups of four for reading aloud and typing: 7K3M-…-X."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def qr_payload(code, secret_key):
    return signed_qr.payload(code, secret_key, QR_SALT)


def code_from_qr(payload, secret_key, max_age=QR_LIFETIME):
    try:
        return signed_qr.value_of(payload, secret_key, QR_SALT, max_age)
    except signed_qr.Expired:
        raise CodeError("qr_expired", "二维码已过期，请让顾客刷新券码页面") from None
    except signed_qr.Forged:
        raise CodeError("qr_forged", "二维码无效") from None


def _check_char(body):
    """Luhn mod N over the alphabet (N = 32)."""
    factor, total, n = 2, 0, len(ALPHABET)
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]
