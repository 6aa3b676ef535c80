"""Urgent calls (紧急任务): staff ask a team for N people at a place now (a storm, a water cut).

The call goes out at once to each of the team's members (volunteers/messages.py, queued in the
call's transaction). Answers 来/不来 come in, one per member: the same answer again is answered
as it stands, a different one is already_answered. Answers to one call take its row FOR UPDATE
(PostgreSQL; SQLite's writers take turns), and a 来 counts only by a conditional update
(coming < needed, the schema's CHECK behind it): the N-th 来 fills the call, the N+1-th is
call_filled and nothing of it is written. Its live state (who comes, who not) is read by the
console. Staff may close a call early (enough people came by other means, the storm passed):
from then on it takes no answer (call_closed).
"""
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.db import db
from models.db import is_postgres
from models.db import utcnow
from models.people import Resident
from models.volunteers import ANSWERS
from models.volunteers import CallAnswer
from models.volunteers import TeamMember
from models.volunteers import UrgentCall
from volunteers import messages
from volunteers.teams import VolunteerError
from volunteers.teams import approved_members
from volunteers.teams import display_name
from volunteers.teams import require_staff
from volunteers.teams import team_for

MAX_WHAT, MAX_PLACE, MAX_NEEDED = 100, 100, 500


def create(actor, team_id, what, place, needed, now=None):
    """A call to the team's members, sent at once; staff only (not_your_team)."""
    team = team_for(team_id)
    require_staff(actor, team)
    what, place = (what or "").strip(), (place or "").strip()
    if not 1 <= len(what) <= MAX_WHAT:
        raise LinliError("bad_what", "请填写任务内容（不超过%d个字）" % MAX_WHAT, 422)
    if not 1 <= len(place) <= MAX_PLACE:
        raise LinliError("bad_place", "请填写集合地点（不超过%d个字）" % MAX_PLACE, 422)
    if not isinstance(needed, int) or isinstance(needed, bool) or not 1 <= needed <= MAX_NEEDED:
        raise LinliError("bad_needed", "需要人数应为1到%d" % MAX_NEEDED, 422)
    members = approved_members(team)
    if not members:
        raise VolunteerError("no_members", "该队还没有队员")
    with db.atomic():
        call = UrgentCall.create(team=team, what=what, place=place, needed=needed, created_by=actor.staff,
                                 created_at=now or utcnow())
        messages.called(call, [m.id for m in members])
    return call


def find(call_id):
    return UrgentCall.get_or_none(UrgentCall.id == call_id)


def for_staff(actor, call_id):
    call = UrgentCall.get_or_none(UrgentCall.id == call_id)
    if call is None:
        raise LinliError("not_found", "紧急任务不存在", 404)
    require_staff(actor, call.team)
    return call


def _locked(call_id):
    query = UrgentCall.select().where(UrgentCall.id == call_id)
    if is_postgres():
        query = query.for_update()
    return query.get()


def answer(resident, call_id, said, now=None):
    """(call answer, created) of a member of the call's team."""
    now = now or utcnow()
    call = for_member(resident, call_id)
    if said not in ANSWERS:
        raise LinliError("bad_answer", "请回答“来”或“不来”", 422)
    with db.atomic():
        current = _locked(call.id)
        earlier = CallAnswer.get_or_none((CallAnswer.call == current) & (CallAnswer.resident == resident))
        if earlier is not None:
            if earlier.answer == said:
                return earlier, False
            raise VolunteerError("already_answered", "您已回应过该任务")
        if current.state == "closed":
            raise VolunteerError("call_closed", "该紧急任务已结束，谢谢您")
        if said == "come":
            if current.state == "filled" or not (
                    UrgentCall.update(coming=UrgentCall.coming + 1)
                    .where((UrgentCall.id == current.id) & (UrgentCall.coming < UrgentCall.needed)).execute()):
                raise VolunteerError("call_filled", "人已够了，谢谢您")
            (UrgentCall.update(state="filled", filled_at=now)
             .where((UrgentCall.id == current.id) & (UrgentCall.coming >= UrgentCall.needed)).execute())
        return CallAnswer.create(call=current, resident=resident, answer=said, answered_at=now), True


def close(actor, call_id, now=None):
    """Staff close an open call early; 409 not_open when it is filled or closed already."""
    call = for_staff(actor, call_id)
    with db.atomic():
        closed = (UrgentCall.update(state="closed", closed_at=now or utcnow())
                  .where((UrgentCall.id == call.id) & (UrgentCall.state == "open")).execute())
        if not closed:
            raise VolunteerError("not_open", "该紧急任务已满员或已结束")
    return UrgentCall.get_by_id(call.id)


def of_team(actor, team_id):
    """The team's calls, newest first, for staff."""
    team = team_for(team_id)
    require_staff(actor, team)
    return list(UrgentCall.select().where(UrgentCall.team == team).order_by(UrgentCall.id.desc()))


def state(call):
    """The call as the console shows it live: how many come of how many needed, and who."""
    call = UrgentCall.get_by_id(call.id)
    answers = list(CallAnswer.select(CallAnswer, Resident).join(Resident)
                   .where(CallAnswer.call == call).order_by(CallAnswer.answered_at, CallAnswer.id))
    return {"call": call,
            "coming": [(display_name(a.resident), a.answered_at) for a in answers if a.answer == "come"],
            "not_coming": [(display_name(a.resident), a.answered_at) for a in answers if a.answer == "not_coming"],
            "asked": TeamMember.select().where((TeamMember.team == call.team_id)
                                               & (TeamMember.state == "approved")).count()}


def for_member(resident, call_id):
    """A call of a team the resident is a member of (the message's page shows it before they
    answer); 404 unknown or another community's, 403 not_a_member."""
    call = UrgentCall.get_or_none(UrgentCall.id == call_id)
    if call is None or call.team.community_id != resident.community_id:
        raise LinliError("not_found", "紧急任务不存在", 404)
    if not TeamMember.select().where((TeamMember.team == call.team_id) & (TeamMember.resident == resident)
                                     & (TeamMember.state == "approved")).exists():
        raise PermissionDenied("not_a_member", "只有该队队员可以回应")
    return call


def answer_of(resident, call):
    return CallAnswer.get_or_none((CallAnswer.call == call) & (CallAnswer.resident == resident))
