"""Who may act on a case: its assignee, or staff whose role covers its place at or above its
level. Checked on every action, never only by the case's id."""
from community.policy import DEFAULT_POLICY
from community.staff import community_by_role
from linli.errors import PermissionDenied  # noqa: F401  (its callers catch it here)
from models.people import RoleAssignment
from models.people import Staff

# The highest level each role handles, within its scope (a grid, or the community).


def _covers(assignment, case, grid_id):
    return (assignment.community_id == case.community_id
            and (assignment.grid_id is None or assignment.grid_id == grid_id))


def can_view(staff, case):
    """Staff see every case in their scope, whatever its level (a grid worker follows what was
    escalated from their grid), and every case assigned to them."""
    if staff is None or not staff.active:
        return False
    if case.assignee_id == staff.id:
        return True
    grid_id = case.building.grid_id if case.building_id else None
    return any(a.role in DEFAULT_POLICY.role_max_level and _covers(a, case, grid_id)
               for a in RoleAssignment.select().where(RoleAssignment.staff == staff))


def can_act(staff, case):
    if staff is None or not staff.active:
        return False
    return case.assignee_id == staff.id or role_covers(staff, case)


def role_covers(staff, case):
    """Whether a case role of `staff` covers the case's place at its level, whoever it is
    assigned to: who may receive it by transfer (the assignee may then act on it)."""
    if staff is None or not staff.active:
        return False
    grid_id = case.building.grid_id if case.building_id else None
    top = DEFAULT_POLICY.role_max_level
    return any(a.role in top and case.level <= top[a.role] and _covers(a, case, grid_id)
               for a in RoleAssignment.select().where(RoleAssignment.staff == staff))


def assignees_for(case):
    """The active staff a case may be transferred to (role_covers), by name."""
    grid_id = case.building.grid_id if case.building_id else None
    roles = [role for role, top in DEFAULT_POLICY.role_max_level.items() if case.level <= top]
    place = (RoleAssignment.grid.is_null() | (RoleAssignment.grid == grid_id) if grid_id
             else RoleAssignment.grid.is_null())
    return list(Staff.select().join(RoleAssignment)
                .where((RoleAssignment.community == case.community_id) & RoleAssignment.role.in_(roles) & place
                       & (Staff.active == True))  # noqa: E712
                .distinct().order_by(Staff.name, Staff.id))


def require(staff, case, rule=can_act):
    """PermissionDenied unless `rule(staff, case)` (an action's rule in cases.workflow.ACTIONS)."""
    if not rule(staff, case):
        raise PermissionDenied("not_your_case", "您无权处理该案件")


OVERSEERS = ("secretary", "street_centre", "admin")


def overseen_community(staff, community_id=None):
    """The community whose rates `staff` may read (they oversee it), or PermissionDenied."""
    community = community_by_role(staff, OVERSEERS, community_id)
    if community is None:
        raise PermissionDenied("not_an_overseer", "只有社区书记、街道网格中心和管理员可以查看考核数据")
    return community
