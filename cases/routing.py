"""Who answers for a case at each level: the grid worker on site, then the area cadre
of the grid, then the community secretary, then the street grid centre. A case without a grid
worker goes to the community's duty roster for the day."""
from community.policy import DEFAULT_POLICY
from linli.clock import local
from models.people import RoleAssignment
from models.people import Staff
from models.workflow import DutyRoster

# The chain is every community's (community.policy): its roles are the schema's.


def owner_for(building, level=1, community_id=None, now=None):
    """The first active staff member with the level's role over the case's place, or the duty
    roster's (level 1), or None (then staff assign it by hand)."""
    role = DEFAULT_POLICY.level(level).role
    community_id = community_id or (building.community_id if building is not None else None)
    if DEFAULT_POLICY.level(level).scope == "grid":      # the case's grid, else its community
        if building is None or building.grid_id is None:
            scope = None
        else:
            scope = RoleAssignment.grid == building.grid_id
    else:
        scope = RoleAssignment.community == community_id if community_id else None
    owner = None
    if scope is not None:
        owner = (Staff.select().join(RoleAssignment)
                 .where(scope & (RoleAssignment.role == role) & (Staff.active == True))  # noqa: E712
                 .order_by(RoleAssignment.id).first())
    if owner is None and level == 1 and community_id and now is not None:
        owner = (Staff.select().join(DutyRoster)
                 .where((DutyRoster.community == community_id)
                        & (DutyRoster.weekday == local(now).weekday())
                        & (Staff.active == True))  # noqa: E712
                 .order_by(DutyRoster.id).first())
    return owner
