"""Who may act on a case: its assignee, or staff whose role covers its place at or above its
level. Checked on every action, never only by the case's id."""
from community.staff import community_by_role
from errors import LinliError
from models.people import RoleAssignment

# The highest level each role handles, within its scope (a grid, or the community).
ROLE_MAX_LEVEL = {"grid_worker": 1, "area_cadre": 2, "secretary": 3, "street_centre": 4, "admin": 4}


class PermissionDenied(LinliError):
    status = 403


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
    return any(a.role in ROLE_MAX_LEVEL and _covers(a, case, grid_id)
               for a in RoleAssignment.select().where(RoleAssignment.staff == staff))


def can_act(staff, case):
    if staff is None or not staff.active:
        return False
    if case.assignee_id == staff.id:
        return True
    grid_id = case.building.grid_id if case.building_id else None
    for assignment in RoleAssignment.select().where(RoleAssignment.staff == staff):
        if assignment.role in ROLE_MAX_LEVEL and case.level <= ROLE_MAX_LEVEL[assignment.role] \
                and _covers(assignment, case, grid_id):
            return True
    return False


def require(staff, case):
    if not can_act(staff, case):
        raise PermissionDenied("not_your_case", "您无权处理该案件")


OVERSEERS = ("secretary", "street_centre", "admin")


def overseen_community(staff, community_id=None):
    """The community whose rates `staff` may read (they oversee it), or PermissionDenied."""
    community = community_by_role(staff, OVERSEERS, community_id)
    if community is None:
        raise PermissionDenied("not_an_overseer", "只有社区书记、街道网格中心和管理员可以查看考核数据")
    return community
