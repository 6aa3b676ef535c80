"""A community's managers change its staff (the console's 工作人员 page): add accounts, give,
move and take away roles, disable and enable accounts, send sign-in links, set the phone shown
on the service boards and the community office's phone. Each change checks the manager's right
and keeps the community with at least one manager, in one transaction."""
import re

from community.policy import DEFAULT_POLICY
from community.staff import StaffError
from community.staff import assign_role
from community.staff import building_label
from community.staff import community_by_role
from community.staff import create_staff
from community.staff import issue_link
from community.staff import set_active
from models.community import Building
from models.community import Community
from models.community import Grid
from models.community import Unit
from models.db import db
from models.db import is_postgres
from models.people import ROLE_SCOPES
from models.people import RoleAssignment
from models.people import Staff

# Who manages a community's staff: the roles that already run the console's community page. The
# secretary heads the community and the admin runs the system; either may be the only one a
# community has, so both can.
MANAGER_ROLES = ("secretary", "admin")
# Roles a secretary may not hand out or take away: the system's own administrator, and the
# street's grid centre, which sits above the community.
ADMIN_ONLY_ROLES = ("admin", "street_centre")
# A password hash no password matches (werkzeug's format has `$` separators): the account is
# unusable until its owner sets a password through their link.
NO_PASSWORD = "!no-password-set"
PHONE_CHARS = 20
PHONE_PATTERN = re.compile(r"\+?[0-9][0-9 -]*")


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


def reissue_link(manager, community_id, staff_id, now=None):
    """A manager sends a member of their community a new link (a forgotten password)."""
    with db.atomic():
        _lock_community(manager, community_id)
        staff = managed_staff(community_id, staff_id)
        if not staff.active:
            raise StaffError("inactive", "账号已停用，请先启用", 409)
        return staff, issue_link(staff, manager, now=now)


def set_board_phone(manager, community_id, staff_id, phone, public):
    """The phone a member of the community shows on the service boards of the places they serve,
    and whether to show it."""
    _require_manager(manager, community_id)
    staff = managed_staff(community_id, staff_id)
    Staff.update(phone=(phone or "").strip()[:20], phone_public=bool(public)).where(Staff.id == staff.id).execute()
    return staff


def set_community_phone(manager, community_id, phone):
    """The community office's phone, printed on notice sheets and shown on the buildings'
    e-screens: digits, spaces, "-" and "+" only ("" clears it)."""
    _require_manager(manager, community_id)
    phone = (phone or "").strip()
    if len(phone) > PHONE_CHARS or (phone and not PHONE_PATTERN.fullmatch(phone)):
        raise StaffError("bad_phone", "电话只能含数字、空格、“-”和“+”，不超过%d位" % PHONE_CHARS, 422)
    Community.update(phone=phone).where(Community.id == community_id).execute()
    return phone


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
    _require_manager(manager, community_id)
    query = Community.select(Community.id).where(Community.id == community_id)
    (query.for_update() if is_postgres() else query).get()


def _require_manager(manager, community_id):
    if community_id is None or community_by_role(manager, MANAGER_ROLES, community_id) is None:
        raise StaffError("not_a_manager", "只有社区书记和系统管理员可以管理工作人员", 403)


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
