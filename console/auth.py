"""Signing in to the console, and what each page needs.

- The session is Flask's signed cookie: HttpOnly, SameSite=Lax, Secure unless
  CONSOLE_COOKIE_SECURE is off (plain-http development), 12 hours.
- Every POST carries the session's CSRF token (hidden field `csrf`), compared in constant time.
- Sign-in is rate-limited per username and per address: 5 failures in 15 minutes and that name,
  or that address, waits; a wrong password and an unknown name get the same answer."""
import datetime
import functools
import hmac
import secrets

from flask import abort
from flask import g
from flask import redirect
from flask import request
from flask import session
from flask import url_for

from community.staff import verify_password
from errors import LinliError
from models.console import LoginAttempt
from models.db import utcnow
from models.people import RoleAssignment
from models.people import Staff

MAX_FAILURES = 5
FAILURE_WINDOW = datetime.timedelta(minutes=15)
SESSION_HOURS = 12


class TooManyAttempts(LinliError):
    status = 429


def sign_in(username, password, address, now=None):
    """The Staff for these credentials, or LinliError (401 bad credentials, 429 waiting)."""
    now = now or utcnow()
    username = (username or "").strip()[:64]
    since = now - FAILURE_WINDOW
    recent = LoginAttempt.select().where((LoginAttempt.ok == False) & (LoginAttempt.created_at > since))  # noqa: E712
    if recent.where(LoginAttempt.username == username).count() >= MAX_FAILURES \
            or recent.where(LoginAttempt.address == address).count() >= MAX_FAILURES * 4:
        raise TooManyAttempts("too_many_attempts", "尝试次数过多，请 15 分钟后再试")
    staff = Staff.get_or_none(Staff.username == username)
    ok = staff is not None and verify_password(staff, password)
    LoginAttempt.create(username=username, address=address[:64], ok=ok, created_at=now)
    if not ok:
        raise LinliError("bad_credentials", "用户名或密码错误", 401)
    return staff


def start_session(staff):
    session.clear()
    session.permanent = True
    session["staff_id"] = staff.id
    session["csrf"] = secrets.token_urlsafe(32)


def csrf_token():
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf():
    sent = request.form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "表单已过期或来源不明，请刷新页面后重试")


def roles_of(staff):
    return {r.role for r in RoleAssignment.select(RoleAssignment.role).where(RoleAssignment.staff == staff)}


def signed_in(*roles):
    """A view decorator: the signed-in staff in g.staff (else to the sign-in page), holding one of
    `roles` if any are given (else 403), and a valid CSRF token on POST."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            staff = Staff.get_or_none(Staff.id == session.get("staff_id")) if session.get("staff_id") else None
            if staff is None or not staff.active:
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
