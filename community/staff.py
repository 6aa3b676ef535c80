"""Staff accounts and the roles that scope their responsibility."""
import datetime
import functools
import hashlib
import hmac
import math
import secrets
import time

from peewee import IntegrityError
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from linli import limits
from linli.errors import LinliError
from models.community import Building
from models.community import Community
from models.community import Grid
from models.community import Unit
from models.console import LoginAttempt
from models.db import db
from models.db import is_postgres
from models.db import utcnow
from models.people import ROLE_SCOPES
from models.people import RoleAssignment
from models.people import SigninLink
from models.people import Staff
from community.policy import DEFAULT_POLICY

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


class TooManyAttempts(LinliError):
    status = 429


def authenticate(username, password, address, now=None):
    """The Staff for these credentials, or LinliError: 401 for a wrong password and an unknown
    name alike (in the same time), 429 past one of FAILURE_LIMITS.

    Each attempt is counted as a failure before its password is checked, one atomic increment
    per limit, and given back if the password was right: parallel guesses on any number of
    workers cannot all read "4 so far" and all be checked."""
    now = int(now if now is not None else time.time())
    username = (username or "").strip()[:64]
    address = (address or "")[:64]
    counted = []
    for pattern, limit in FAILURE_LIMITS:
        key = pattern % {"address": address, "username": username}
        failures, left = limits.count(key, FAILURE_WINDOW, now)
        counted.append(key)
        if failures > limit:
            raise TooManyAttempts("too_many_attempts", "尝试次数过多，请 %d 分钟后再试" % math.ceil(left / 60))
    staff = Staff.get_or_none(Staff.username == username)
    ok = verify_password(staff, password)
    LoginAttempt.create(username=username, address=address, ok=ok)
    if not ok:
        raise LinliError("bad_credentials", "用户名或密码错误", 401)
    for key in counted:
        limits.give_back(key, FAILURE_WINDOW, now)
    return staff


# -- managing staff (the console's 工作人员 page) ---------------------------------------------------
# Who manages a community's staff: the roles that already run the console's community page. The
# secretary heads the community and the admin runs the system; either may be the only one a
# community has, so both can.
MANAGER_ROLES = ("secretary", "admin")
# Roles a secretary may not hand out or take away: the system's own administrator, and the
# street's grid centre, which sits above the community.
ADMIN_ONLY_ROLES = ("admin", "street_centre")
LINK_LIFETIME = datetime.timedelta(hours=72)
# A password hash no password matches (werkzeug's format has `$` separators): the account is
# unusable until its owner sets a password through their link.
NO_PASSWORD = "!no-password-set"


def add_staff(manager, community_id, username, name, role, scope_key_value, phone="", now=None):
    """A new account with its first role, and the token of its one-time sign-in link, in one
    transaction. Returns (staff, token); the token is shown once and stored only hashed."""
    with db.atomic():
        _lock_community(manager, community_id)
        scope = _scope_in(community_id, scope_key_value)
        _check_grantable(manager, community_id, role)
        staff = create_staff(username, name or "", NO_PASSWORD, phone=(phone or "").strip()[:20])
        assign_role(staff, role, scope)
        token = issue_link(staff, manager, now=now)
    return staff, token


def change_active(manager, community_id, staff_id, active):
    """A manager disables (or enables again) an account: set_active, with the manager's rights
    and the last-manager rule. Its cases stay where they are."""
    with db.atomic():
        _lock_community(manager, community_id)
        staff = managed_staff(community_id, staff_id)
        if RoleAssignment.select().where((RoleAssignment.staff == staff)
                                         & (RoleAssignment.community != community_id)).exists():
            raise StaffError("works_elsewhere", "该工作人员也在其他社区任职，请由系统管理员处理", 403)
        if not active and RoleAssignment.select().where((RoleAssignment.staff == staff)
                                                        & RoleAssignment.role.in_(ADMIN_ONLY_ROLES)).exists():
            _check_grantable(manager, community_id, "admin")
        set_active(staff, active)
        _require_a_manager(community_id)
    return staff


def grant_role(manager, community_id, staff_id, role, scope_key_value):
    with db.atomic():
        _lock_community(manager, community_id)
        staff = managed_staff(community_id, staff_id)
        _check_grantable(manager, community_id, role)
        return assign_role(staff, role, _scope_in(community_id, scope_key_value))


def revoke_role(manager, community_id, assignment_id):
    """Take one role away. Not a person's last one (disable the account instead: a person with
    no role would drop out of every list), and never the community's last manager."""
    with db.atomic():
        _lock_community(manager, community_id)
        assignment = _assignment_in(community_id, assignment_id)
        _check_grantable(manager, community_id, assignment.role)
        if RoleAssignment.select().where(RoleAssignment.staff == assignment.staff_id).count() == 1:
            raise StaffError("last_role", "这是该工作人员唯一的角色：如不再任职，请停用账号", 409)
        assignment.delete_instance()
        _require_a_manager(community_id)


def rescope_role(manager, community_id, assignment_id, scope_key_value):
    """The same role over another place of the same kind (a grid worker moving grids)."""
    with db.atomic():
        _lock_community(manager, community_id)
        assignment = _assignment_in(community_id, assignment_id)
        _check_grantable(manager, community_id, assignment.role)
        scope = _scope_in(community_id, scope_key_value)
        staff, role = assignment.staff, assignment.role
        assignment.delete_instance()
        moved = assign_role(staff, role, scope)
        _require_a_manager(community_id)
    return moved


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


def reissue_link(manager, community_id, staff_id, now=None):
    """A manager sends a member of their community a new link (a forgotten password)."""
    with db.atomic():
        _lock_community(manager, community_id)
        staff = managed_staff(community_id, staff_id)
        if not staff.active:
            raise StaffError("inactive", "账号已停用，请先启用", 409)
        return staff, issue_link(staff, manager, now=now)


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


def managed_staff(community_id, staff_id):
    """A staff member holding a role in the community, or 404 (another community's staff are
    not revealed)."""
    staff = Staff.get_or_none(Staff.id == staff_id)
    if staff is None or not RoleAssignment.select().where((RoleAssignment.staff == staff)
                                                          & (RoleAssignment.community == community_id)).exists():
        raise StaffError("not_found", "工作人员不存在", 404)
    return staff


def _lock_community(manager, community_id):
    """The manager's right, and one change to a community's staff at a time: on PostgreSQL the
    community's row is locked, so two managers disabling each other cannot both pass the
    last-manager check (SQLite's writing transactions are already one at a time)."""
    if community_id is None or community_by_role(manager, MANAGER_ROLES, community_id) is None:
        raise StaffError("not_a_manager", "只有社区书记和系统管理员可以管理工作人员", 403)
    query = Community.select(Community.id).where(Community.id == community_id)
    (query.for_update() if is_postgres() else query).get()


def _require_a_manager(community_id):
    left = (RoleAssignment.select().join(Staff)
            .where((RoleAssignment.community == community_id) & RoleAssignment.role.in_(MANAGER_ROLES)
                   & (Staff.active == True))  # noqa: E712
            .exists())
    if not left:
        raise StaffError("last_manager", "社区至少需要一位在职的社区书记或系统管理员，不能停用或移除最后一位", 409)


def _check_grantable(manager, community_id, role):
    if role not in ROLE_SCOPES:
        raise StaffError("unknown_role", "未知角色：%s" % role)
    if role in ADMIN_ONLY_ROLES and community_by_role(manager, ("admin",), community_id) is None:
        raise StaffError("admin_only", "只有系统管理员可以分配或收回“%s”角色" % DEFAULT_POLICY.role_labels[role], 403)


def _assignment_in(community_id, assignment_id):
    assignment = RoleAssignment.get_or_none((RoleAssignment.id == assignment_id)
                                            & (RoleAssignment.community == community_id))
    if assignment is None:
        raise StaffError("not_found", "角色不存在", 404)
    return assignment


def _scope_in(community_id, value):
    """"community", "grid:3", "building:7" or "unit:12", within the community; else 422."""
    kind, _, number = (value or "").partition(":")
    models = {"grid": Grid, "building": Building}
    try:
        if kind == "community":
            return Community.get_by_id(community_id)
        if kind == "unit":
            return (Unit.select().join(Building)
                    .where((Unit.id == int(number)) & (Building.community == community_id)).get())
        model = models[kind]
        return model.get((model.id == int(number)) & (model.community == community_id))
    except (KeyError, ValueError, Community.DoesNotExist, Grid.DoesNotExist, Building.DoesNotExist,
            Unit.DoesNotExist):
        raise StaffError("bad_scope", "请选择本社区的网格、楼栋或单元") from None


def _token_hash(token):
    return hashlib.sha256((token or "").encode()).hexdigest()


def scope_choices(community_id):
    """Every place in the community a role can cover, by kind, as (scope key, words)."""
    community = Community.get_by_id(community_id)
    buildings = list(Building.select().where(Building.community == community_id).order_by(Building.id))
    names = {b.id: building_label(b) for b in buildings}
    units = Unit.select().where(Unit.building.in_(list(names) or [0])).order_by(Unit.building, Unit.id)
    return {"community": [("community", community.name)],
            "grid": [("grid:%d" % g.id, g.name) for g in Grid.select().where(Grid.community == community_id)
                     .order_by(Grid.id)],
            "building": [("building:%d" % b.id, names[b.id]) for b in buildings],
            "unit": [("unit:%d" % u.id, "%s %s" % (names[u.building_id], u.name)) for u in units]}
