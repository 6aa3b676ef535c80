"""Signing in to the console, and what each page needs.

- The session is Flask's signed cookie: HttpOnly, SameSite=Lax, Secure unless
  CONSOLE_COOKIE_SECURE is off (plain-http development), 12 hours. It carries the staff
  member's session stamp (community.staff.session_stamp), checked against the database on every
  request: sign-out, a new password or disabling ends every copy of the cookie, not just this one.
- Every POST carries the session's CSRF token (hidden field `csrf`), compared in constant time.
- Sign-in itself is community.staff.authenticate: rate-limited per name and address, per
  address and per name, the same answer in the same time for a wrong password and an unknown name.
- `?next=` is followed only to a path of this console (safe_next)."""
import functools
import hmac
import secrets
import unicodedata
from urllib.parse import unquote
from urllib.parse import urlsplit

from flask import abort
from flask import g
from flask import redirect
from flask import request
from flask import session
from flask import url_for

from community.staff import session_stamp
from community.staff import session_valid
from models.people import RoleAssignment
from models.people import Staff


def start_session(staff):
    session.clear()
    session.permanent = True
    session["staff_id"] = staff.id
    session["stamp"] = session_stamp(staff)
    session["csrf"] = secrets.token_urlsafe(32)


def csrf_token():
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf():
    sent = request.form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "表单已过期或来源不明，请刷新页面后重试")


def safe_next(target, default):
    """`target` if it is a path of this console, else `default`. Refused: another site
    (`https://…`, `//…`, `/\\…`, which browsers read as `//`), control characters (CR LF would
    split the Location header), and `..` or `.` segments, which climb out of /console."""
    target = target or ""
    if any(unicodedata.category(c) == "Cc" for c in target) or "\\" in target:
        return default
    parts = urlsplit(target)
    segments = unquote(parts.path).split("/")
    if parts.scheme or parts.netloc or not (parts.path == "/console" or parts.path.startswith("/console/")) \
            or "." in segments or ".." in segments:
        return default
    return target


def roles_of(staff):
    return {r.role for r in RoleAssignment.select(RoleAssignment.role).where(RoleAssignment.staff == staff)}


def signed_in(*roles):
    """A view decorator: the signed-in staff in g.staff (else to the sign-in page), holding one of
    `roles` if any are given (else 403), and a valid CSRF token on POST."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            staff = Staff.get_or_none(Staff.id == session.get("staff_id")) if session.get("staff_id") else None
            if not session_valid(staff, session.get("stamp")):
                session.clear()
                return redirect(url_for("console.login", next=request.full_path))
            g.staff, g.roles = staff, roles_of(staff)
            if roles and not g.roles & set(roles):
                abort(403)
            if request.method == "POST":
                check_csrf()
            return view(*args, **kwargs)
        return wrapper
    return decorator
