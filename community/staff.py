"""Staff accounts: passwords, sessions, sign-in and one-time sign-in links, and the roles that
scope their responsibility. Managers change a community's staff through community/staff_admin.py."""
import datetime
import functools
import hashlib
import hmac
import secrets

from peewee import IntegrityError
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from community.policy import DEFAULT_POLICY
from linli import clock
from linli import limits
from linli.errors import LinliError
from models.community import Building
from models.community import Grid
from models.community import Unit
from models.console import LoginAttempt
from models.db import db
from models.db import utcnow
from models.people import ROLE_SCOPES
from models.people import RoleAssignment
from models.people import SigninLink
from models.people import Staff

MIN_PASSWORD_LENGTH = 8


class StaffError(LinliError):
    status = 422


def hash_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise StaffError("weak_password", "密码至少需要%d个字符" % MIN_PASSWORD_LENGTH)
    return generate_password_hash(password)


def create_staff(username, name, password_hash, phone="", phone_public=False):
    """`password_hash` from hash_password(): hashing is slow on purpose, so a batch of accounts
    sharing one initial password hashes it once."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise StaffError("invalid_username", "用户名不能为空，且不超过64个字符")
    if len((name or "").strip()) > 50:
        raise StaffError("invalid_name", "姓名不超过50个字符")
    try:
        with db.atomic():       # the unique key decides a race between two creations
            return Staff.create(username=username, name=name.strip() or username, phone=phone,
                                phone_public=phone_public, password_hash=password_hash)
    except IntegrityError:
        raise StaffError("username_taken", "用户名已存在：%s" % username, status=409) from None


def verify_password(staff, password):
    """True for an active staff member's own password. The hash is checked even for an unknown
    name (`staff` None) or a disabled account, against a stand-in: the time an answer takes must
    not tell which names exist."""
    matches = check_password_hash(staff.password_hash if staff is not None else _stand_in_hash(),
                                  password or "")
    return staff is not None and staff.active and matches


@functools.lru_cache(maxsize=1)
def _stand_in_hash():
    # Made like every real hash (werkzeug's default method), so checking it costs the same.
    return generate_password_hash(secrets.token_urlsafe(16))


def set_password(staff, password):
    """A new password; every session started with the old one ends (see session_stamp)."""
    password_hash = hash_password(password)
    Staff.update(password_hash=password_hash, session_generation=Staff.session_generation + 1).where(
        Staff.id == staff.id).execute()


def set_active(staff, active):
    """Disable or re-enable a staff member. Disabling ends their sessions for good: re-enabling
    later does not bring an old cookie or token back."""
    Staff.update(active=bool(active), session_generation=Staff.session_generation + (0 if active else 1)).where(
        Staff.id == staff.id).execute()


def session_stamp(staff):
    """What every console session and staff token of `staff` carries, and must still match on each
    request: the generation (end_sessions bumps it) and a digest of the password hash, so a new
    password, however it was set, ends the sessions of the old one. The digest is of the salted
    hash: without the salt, which never leaves the database, it says nothing about the password."""
    digest = hashlib.sha256(staff.password_hash.encode()).hexdigest()[:16]
    return "%d.%s" % (staff.session_generation, digest)


def session_valid(staff, stamp):
    """Whether a session carrying `stamp` may still act as `staff`."""
    return (staff is not None and staff.active and isinstance(stamp, str)
            and hmac.compare_digest(stamp, session_stamp(staff)))


def end_sessions(staff):
    """End every session of `staff`, console and staff API, on every server (sign-out)."""
    Staff.update(session_generation=Staff.session_generation + 1).where(Staff.id == staff.id).execute()


def scope_key(scope):
    return "%s:%d" % (type(scope).__name__.lower(), scope.id)


def assign_role(staff, role, scope):
    """Give `staff` `role` over `scope` (a Community, Grid, Building or Unit). Idempotent."""
    kind = ROLE_SCOPES.get(role)
    if kind is None:
        raise StaffError("unknown_role", "未知角色：%s" % role)
    if type(scope).__name__.lower() != kind:
        raise StaffError("wrong_scope", "角色 %s 应分配到%s，而不是%s"
                         % (role, kind, type(scope).__name__.lower()))
    fields = {"grid": None, "building": None, "unit": None}
    if isinstance(scope, Unit):
        fields.update(unit=scope, building=scope.building)
        community = scope.building.community
    elif isinstance(scope, Building):
        fields["building"] = scope
        community = scope.community
    elif isinstance(scope, Grid):
        fields["grid"] = scope
        community = scope.community
    else:
        community = scope
    with db.atomic():
        assignment, _ = RoleAssignment.get_or_create(
            staff=staff, role=role, scope_key=scope_key(scope),
            defaults=dict(community=community, **fields))
    return assignment


def role_label(assignment):
    """What a role assignment means, in words: "网格员 · 第一网格", "单元长 · 丰泽园小区 1号楼
    1单元", "社区书记 · 八家庄社区". Never the raw key: a newcomer cannot read `grid_worker grid:1`."""
    return "%s · %s" % (DEFAULT_POLICY.role_labels.get(assignment.role, assignment.role), scope_label(assignment))


def scope_label(assignment):
    if assignment.unit_id:
        return "%s %s" % (building_label(assignment.unit.building), assignment.unit.name)
    if assignment.building_id:
        return building_label(assignment.building)
    if assignment.grid_id:
        return assignment.grid.name
    return assignment.community.name


def building_label(building):
    # Several estates have a 1号楼: the estate makes the name unique.
    return "%s %s" % (building.estate.name, building.name) if building.estate_id else building.name


def community_by_role(staff, roles, community_id=None):
    """The community in which `staff` holds one of `roles` (that one, if `community_id` is
    given); None when they hold none there."""
    query = RoleAssignment.select().where((RoleAssignment.staff == staff) & RoleAssignment.role.in_(list(roles)))
    if community_id is not None:
        query = query.where(RoleAssignment.community == community_id)
    assignment = query.first()
    return assignment.community_id if assignment else None


# Wrong passwords allowed per 15-minute window (fixed windows, limits.py): few for one name from
# one address; more from one address over any names; many more for one name from anywhere,
# against a guesser with many addresses, yet so many that nobody can lock a colleague out from
# one address at will (that address stops at its own 5 first).
FAILURE_WINDOW = 15 * 60
FAILURE_LIMITS = (("login:%(address)s|%(username)s", 5), ("login-from:%(address)s", 20),
                  ("login-as:%(username)s", 50))


def authenticate(username, password, address, now=None):
    """The Staff for these credentials, or LinliError: 401 for a wrong password and an unknown
    name alike (in the same time), 429 past one of FAILURE_LIMITS.

    Each attempt is counted as a failure before its password is checked, one atomic increment
    per limit, and given back if the password was right: parallel guesses on any number of
    workers cannot all read "4 so far" and all be checked."""
    now = int(now if now is not None else clock.timestamp())
    username = (username or "").strip()[:64]
    address = (address or "")[:64]
    counted = limits.attempts(FAILURE_LIMITS, FAILURE_WINDOW, now, address=address, username=username)
    staff = Staff.get_or_none(Staff.username == username)
    ok = verify_password(staff, password)
    LoginAttempt.create(username=username, address=address, ok=ok)
    if not ok:
        raise LinliError("bad_credentials", "用户名或密码错误", 401)
    limits.forgive(counted, FAILURE_WINDOW, now)
    return staff


# -- one-time sign-in links -------------------------------------------------------------------------
# A new account, or one whose password was forgotten, gets a link to set its own password: no
# password is ever handed over in clear.
LINK_LIFETIME = datetime.timedelta(hours=72)


def issue_link(staff, by, now=None):
    """A fresh one-time sign-in link for `staff` (earlier unused ones stop working); returns the
    token, which is not stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with db.atomic():
        SigninLink.update(used_at=now).where((SigninLink.staff == staff) & SigninLink.used_at.is_null()).execute()
        SigninLink.create(staff=staff, token_hash=_token_hash(token), created_by=by, created_at=now,
                          expires_at=now + LINK_LIFETIME)
    return token


def link_holder(token, now=None):
    """The staff member a usable link belongs to, or None (unknown, used or expired)."""
    link = SigninLink.get_or_none((SigninLink.token_hash == _token_hash(token))
                                  & SigninLink.used_at.is_null() & (SigninLink.expires_at > (now or utcnow())))
    return link.staff if link is not None and link.staff.active else None


def redeem_link(token, password, now=None):
    """Set the holder's password through their link, which is then used up. The claim is a
    conditional update: two submissions of one link cannot both succeed."""
    now = now or utcnow()
    with db.atomic():
        link = SigninLink.get_or_none(SigninLink.token_hash == _token_hash(token))
        won = link is not None and SigninLink.update(used_at=now).where(
            (SigninLink.id == link.id) & SigninLink.used_at.is_null() & (SigninLink.expires_at > now)).execute() == 1
        if not won or not link.staff.active:
            raise StaffError("link_invalid", "链接无效、已使用或已过期，请联系社区管理员重新发送", 410)
        set_password(link.staff, password)      # a weak password rolls the claim back
    return Staff.get_by_id(link.staff_id)


def _token_hash(token):
    return hashlib.sha256((token or "").encode()).hexdigest()
