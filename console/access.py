"""Who may open which console pages: the roles each kind of page admits (its decorator, the
menu), and the community a signed-in staff member works for."""
from flask import g

from community.policy import DEFAULT_POLICY
from community.rounds import FOLLOWERS
from community.staff_admin import MANAGER_ROLES
from models.people import RoleAssignment

CASE_ROLES = tuple(DEFAULT_POLICY.role_max_level)        # the roles that act on cases
CONTENT_ROLES = ("editor", "secretary", "admin")
# The roles that keep some unit's households (community.households.can_keep says which units).
HOUSEHOLD_ROLES = ("secretary", "admin", "grid_worker", "unit_leader")
# The roles that record proposals' outcomes (cases.proposals.can_decide says which proposals).
PROPOSAL_ROLES = ("secretary", "admin", "grid_worker")
# The roles that open and follow consultations (decisions.consultations.can_manage / can_follow
# say which), and those that record voices at the door (can_record_for: leaders too).
CONSULTATION_ROLES = ("secretary", "admin", "grid_worker")
DOOR_ROLES = CONSULTATION_ROLES + ("building_leader", "unit_leader")
# The roles that manage volunteer teams (volunteers.teams.managed_by says which): the
# community's secretary and admin, a building's leader and its grid worker for its team.
VOLUNTEER_ROLES = ("secretary", "admin", "grid_worker", "building_leader")
# The roles that keep buildings' e-screen links (account.screens says which buildings).
SCREEN_ROLES = ("secretary", "admin", "grid_worker")
# Door-to-door rounds: the staff who follow coverage, and everyone who may knock on a list.
ROUND_STAFF_ROLES = FOLLOWERS
ROUND_LEADER_ROLES = ROUND_STAFF_ROLES + ("building_leader", "unit_leader")
# The menu: (endpoint, label, roles that see it; empty = everyone).
MENU = (("console.dashboard", "工作台", ()), ("console.cases", "案件", CASE_ROLES),
        ("console.inbox", "留言消息", CONTENT_ROLES), ("console.articles", "文章", CONTENT_ROLES),
        ("console.comments", "评论", CONTENT_ROLES), ("console.community", "社区", MANAGER_ROLES),
        ("console.households", "住户", HOUSEHOLD_ROLES), ("console.proposals", "议事", PROPOSAL_ROLES),
        ("console.consultations", "征询", CONSULTATION_ROLES), ("console.door_choose", "入户代录", DOOR_ROLES),
        ("console.rounds", "入户通知", ROUND_LEADER_ROLES),
        ("console.volunteers", "志愿服务", VOLUNTEER_ROLES), ("console.staff_list", "工作人员", MANAGER_ROLES),
        ("console.redcard", "社区红卡", MANAGER_ROLES),
        ("console.screen_links", "电子屏", SCREEN_ROLES))


def staff_community():
    """The community the signed-in staff works for (their first role's)."""
    assignment = RoleAssignment.select().where(RoleAssignment.staff == g.staff).first()
    return assignment.community_id if assignment else None
