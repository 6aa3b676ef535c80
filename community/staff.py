"""Staff accounts and the roles that scope their responsibility."""
import datetime

from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from errors import LinliError
from models.community import Building
from models.community import Grid
from models.community import Unit
from models.console import LoginAttempt
from models.db import db
from models.db import utcnow
from models.people import ROLE_SCOPES
from models.people import RoleAssignment
from models.people import Staff
from reports.labels import ROLE_LABELS

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
    if Staff.select().where(Staff.username == username).exists():
        raise StaffError("username_taken", "用户名已存在：%s" % username, status=409)
    return Staff.create(username=username, name=name.strip() or username, phone=phone,
                        phone_public=phone_public, password_hash=password_hash)


def verify_password(staff, password):
    return staff.active and check_password_hash(staff.password_hash, password or "")


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
    return "%s · %s" % (ROLE_LABELS.get(assignment.role, assignment.role), scope_label(assignment))


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


MAX_FAILURES = 5
FAILURE_WINDOW = datetime.timedelta(minutes=15)


class TooManyAttempts(LinliError):
    status = 429


def authenticate(username, password, address, now=None):
    """The Staff for these credentials, or LinliError: 401 for a wrong password and an unknown
    name alike, 429 after 5 failures in 15 minutes for that name (or 20 from that address)."""
    now = now or utcnow()
    username = (username or "").strip()[:64]
    recent = LoginAttempt.select().where((LoginAttempt.ok == False)  # noqa: E712
                                         & (LoginAttempt.created_at > now - FAILURE_WINDOW))
    if recent.where(LoginAttempt.username == username).count() >= MAX_FAILURES \
            or recent.where(LoginAttempt.address == address).count() >= MAX_FAILURES * 4:
        raise TooManyAttempts("too_many_attempts", "尝试次数过多，请 15 分钟后再试")
    staff = Staff.get_or_none(Staff.username == username)
    ok = staff is not None and verify_password(staff, password)
    LoginAttempt.create(username=username, address=(address or "")[:64], ok=ok, created_at=now)
    if not ok:
        raise LinliError("bad_credentials", "用户名或密码错误", 401)
    return staff
