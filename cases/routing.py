"""Who answers for a case at each level: the grid worker on site, then the area cadre
of the grid, then the community secretary, then the street grid centre. A case without a grid
worker goes to the community's duty roster for the day."""
from community.policy import DEFAULT_POLICY
from linli.clock import local
from models.people import RoleAssignment
from models.people import Staff
from models.sql import Prepared
from models.workflow import DutyRoster

# The chain is every community's (community.policy): its roles are the schema's.


def owner_for(building, level=1, community_id=None, now=None):
    """The first active staff member with the level's role over the case's place, or the duty
    roster's (level 1), or None (then staff assign it by hand)."""
    role = DEFAULT_POLICY.level(level).role
    community_id = community_id or (building.community_id if building is not None else None)
    owner = None
    if DEFAULT_POLICY.level(level).scope == "grid":      # the case's grid, else its community
        if building is not None and building.grid_id is not None:
            owner = _IN_GRID.first(building.grid_id, role)
    elif community_id:
        owner = _IN_COMMUNITY.first(community_id, role)
    if owner is None and level == 1 and community_id and now is not None:
        owner = _ON_DUTY.first(community_id, local(now).weekday())
    return owner


# Every filing asks one of these: composed once (models/sql.py).
def _holding(scope):
    return lambda place, role: (Staff.select().join(RoleAssignment)
                                .where((scope == place) & (RoleAssignment.role == role)
                                       & (Staff.active == True))  # noqa: E712
                                .order_by(RoleAssignment.id).limit(1))


_IN_GRID = Prepared(_holding(RoleAssignment.grid), -918273670, "\x00role")
_IN_COMMUNITY = Prepared(_holding(RoleAssignment.community), -918273671, "\x00role")
_ON_DUTY = Prepared(lambda community_id, weekday: Staff.select().join(DutyRoster)
                    .where((DutyRoster.community == community_id) & (DutyRoster.weekday == weekday)
                           & (Staff.active == True))  # noqa: E712
                    .order_by(DutyRoster.id).limit(1), -918273672, -918273673)
