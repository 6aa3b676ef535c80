"""Volunteer teams: community-wide or one building's, their leaders and members.

A member is a resident with a confirmed address in the team's community (and building, for a
building's team). Joining a team that asks for it waits for a leader's approval (pending →
approved or declined). Who leads a team is a resident (a TeamMember with role "leader": they sign
in to the mini-program as residents, like any volunteer); the community's staff manage every
team too: its secretary and admin, and for a building's team also the building's leader and its
grid worker (the roles a unit's or building's matters already answer to).

Every leader's action takes an Actor, the resident or the staff member acting, and is refused
with not_your_team (403), nothing changed, when the team is not theirs.
"""
import dataclasses

from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.db import db
from models.db import utcnow
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff
from models.volunteers import Team
from models.volunteers import TeamMember

MANAGERS = ("secretary", "admin")
MAX_NAME = 40
NOT_YOURS = "这不是您负责的志愿服务队"


class VolunteerError(LinliError):
    status = 409


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who acts as a leader: a resident (the team's leader) or a staff member."""
    resident: Resident | None = None
    staff: Staff | None = None


def _staff_manages(staff, team):
    if staff is None or not staff.active:
        return False
    scope = (RoleAssignment.community == team.community_id) & RoleAssignment.role.in_(MANAGERS)
    if team.building_id is not None:
        scope |= (RoleAssignment.building == team.building_id) & (RoleAssignment.role == "building_leader")
        grid_id = Building.select(Building.grid).where(Building.id == team.building_id).scalar()
        if grid_id:
            scope |= (RoleAssignment.grid == grid_id) & (RoleAssignment.role == "grid_worker")
    return RoleAssignment.select().where((RoleAssignment.staff == staff) & scope).exists()


def is_leader(resident, team):
    return resident is not None and TeamMember.select().where(
        (TeamMember.team == team) & (TeamMember.resident == resident) & (TeamMember.role == "leader")
        & (TeamMember.state == "approved")).exists()


def can_lead(actor, team):
    return is_leader(actor.resident, team) or _staff_manages(actor.staff, team)


def require_lead(actor, team):
    if not can_lead(actor, team):
        raise PermissionDenied("not_your_team", NOT_YOURS)


def require_staff(actor, team):
    """Staff's own acts (a team's leaders, an urgent call): a resident leader may not."""
    if not _staff_manages(actor.staff, team):
        raise PermissionDenied("not_your_team", NOT_YOURS)


def team_for(team_id):
    team = Team.get_or_none(Team.id == team_id)
    if team is None:
        raise LinliError("not_found", "志愿服务队不存在", 404)
    return team


def led_team(actor, team_id):
    """A team the actor leads; 404 unknown, 403 not_your_team."""
    team = team_for(team_id)
    require_lead(actor, team)
    return team


# -- teams ------------------------------------------------------------------------------------------
def led_by(resident):
    """The teams the resident leads (approved leader), by name: their leader's console."""
    return list(Team.select().join(TeamMember).where(
        (TeamMember.resident == resident) & (TeamMember.role == "leader") & (TeamMember.state == "approved"))
        .order_by(Team.name, Team.id))


def create_team(staff, community_id, name, building_id=None, needs_approval=True, description="", now=None):
    """A new team of the community, or of one of its buildings; by its secretary or admin (or,
    for a building's team, that building's leader or grid worker)."""
    name = (name or "").strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise LinliError("bad_name", "请填写队名（不超过%d个字）" % MAX_NAME, 422)
    if building_id is not None:
        building = Building.get_or_none(Building.id == building_id)
        if building is None or building.community_id != community_id:
            raise LinliError("bad_place", "楼栋不存在", 422)
    probe = Team(community=community_id, building=building_id)
    if not _staff_manages(staff, probe):
        raise PermissionDenied("not_your_team", "只有社区书记、管理员或该楼的楼长、网格员可以建立志愿服务队")
    return Team.create(community=community_id, building=building_id, name=name, description=(description or "").strip(),
                       needs_approval=bool(needs_approval), created_by=staff, created_at=now or utcnow())


def eligible(resident, team):
    """Whether the resident may serve in the team: a confirmed address in its community, and in
    its building for a building's team."""
    return (resident.address_state == "confirmed" and resident.community_id == team.community_id
            and (team.building_id is None or resident.building_id == team.building_id))


def require_eligible(resident, team):
    if resident.address_state != "confirmed":
        raise PermissionDenied("address_not_confirmed", "请先填写住址并等待社区确认后再参加志愿服务")
    if not eligible(resident, team):
        raise PermissionDenied("outside_team", "该志愿服务队只面向本楼居民")


def teams_for(resident):
    """The teams a resident may join: their community's, and their own building's."""
    if resident.community_id is None:
        return []
    return list(Team.select().where((Team.community == resident.community_id)
                                    & (Team.building.is_null() | (Team.building == resident.building_id)))
                .order_by(Team.id))


def membership(resident, team):
    return TeamMember.get_or_none((TeamMember.team == team) & (TeamMember.resident == resident))


def join(resident, team_id, now=None):
    """(membership, created): asked (pending) or, where the team does not ask, approved at once.
    Asking again while pending or approved answers the membership as it is."""
    now = now or utcnow()
    team = team_for(team_id)
    if resident.community_id != team.community_id:
        raise LinliError("not_found", "志愿服务队不存在", 404)
    require_eligible(resident, team)
    state = "pending" if team.needs_approval else "approved"
    with db.atomic():
        current = membership(resident, team)
        if current is not None and current.state in ("pending", "approved"):
            return current, False
        if current is None:
            return TeamMember.create(team=team, resident=resident, state=state, asked_at=now,
                                     decided_at=None if state == "pending" else now), True
        # Declined or left before: asking again starts over.
        TeamMember.update(state=state, role="member", asked_at=now,
                          decided_at=None if state == "pending" else now).where(TeamMember.id == current.id).execute()
        return TeamMember.get_by_id(current.id), True


def decide(actor, team_id, resident_id, approve, now=None):
    """A leader approves or declines a pending request; 409 not_pending otherwise."""
    team = led_team(actor, team_id)
    with db.atomic():
        decided = (TeamMember.update(state="approved" if approve else "declined", decided_at=now or utcnow())
                   .where((TeamMember.team == team) & (TeamMember.resident == resident_id)
                          & (TeamMember.state == "pending")).execute())
        if not decided:
            raise VolunteerError("not_pending", "没有该居民待审核的入队申请")
    return TeamMember.get((TeamMember.team == team) & (TeamMember.resident == resident_id))


def appoint_leader(actor, team_id, resident_id, now=None):
    """Staff make a resident of the team's scope its leader (a member already, or now)."""
    team = team_for(team_id)
    require_staff(actor, team)
    resident = Resident.get_or_none(Resident.id == resident_id) if resident_id else None
    if resident is None or not eligible(resident, team):
        raise LinliError("bad_resident", "该居民不存在，或住址未经确认、不在本队范围内", 422)
    now = now or utcnow()
    with db.atomic():
        current = membership(resident, team)
        if current is None:
            return TeamMember.create(team=team, resident=resident, role="leader", state="approved",
                                     asked_at=now, decided_at=now)
        TeamMember.update(role="leader", state="approved", decided_at=now).where(TeamMember.id == current.id).execute()
        return TeamMember.get_by_id(current.id)


def remove_leader(actor, team_id, resident_id, now=None):
    """Staff take the leadership back: the resident stays a member. 409 not_a_leader."""
    team = team_for(team_id)
    require_staff(actor, team)
    with db.atomic():
        changed = (TeamMember.update(role="member", decided_at=now or utcnow())
                   .where((TeamMember.team == team) & (TeamMember.resident == resident_id)
                          & (TeamMember.role == "leader")).execute())
        if not changed:
            raise VolunteerError("not_a_leader", "该居民不是本队队长")
    return TeamMember.get((TeamMember.team == team) & (TeamMember.resident == resident_id))


def managed_by(staff, community_id):
    """The community's teams the staff member manages (see _staff_manages), in order."""
    return [t for t in Team.select().where(Team.community == community_id).order_by(Team.id)
            if _staff_manages(staff, t)]


def managed_anywhere(staff):
    """Every team the staff member manages, in each community they have a role in: a building's
    leader their building's team (and the community's managers all of theirs)."""
    communities = sorted({a.community_id for a in RoleAssignment.select(RoleAssignment.community)
                          .where(RoleAssignment.staff == staff) if a.community_id is not None})
    return [t for c in communities for t in managed_by(staff, c)]


def members_of(team):
    """The team's approved members as TeamMember rows with their residents, leaders first."""
    return list(TeamMember.select(TeamMember, Resident).join(Resident)
                .where((TeamMember.team == team) & (TeamMember.state == "approved"))
                .order_by(TeamMember.role, Resident.id))   # "leader" < "member"


MAX_CANDIDATES = 20


def candidates(team, query):
    """Residents of the team's scope who may lead it, found by name or phone (at most 20)."""
    query = (query or "").strip()
    if not query:
        return []
    scope = ((Resident.community == team.community_id) & (Resident.address_state == "confirmed")
             & (Resident.nickname.contains(query) | (Resident.phone == query)))
    if team.building_id is not None:
        scope &= Resident.building == team.building_id
    return list(Resident.select().where(scope).order_by(Resident.id).limit(MAX_CANDIDATES))


def approved_members(team):
    return list(Resident.select().join(TeamMember, on=(TeamMember.resident == Resident.id))
                .where((TeamMember.team == team) & (TeamMember.state == "approved")).order_by(Resident.id))


def pending_members(team):
    return list(TeamMember.select(TeamMember, Resident).join(Resident)
                .where((TeamMember.team == team) & (TeamMember.state == "pending")).order_by(TeamMember.asked_at))


def display_name(resident):
    return resident.nickname or "居民%d" % resident.id
