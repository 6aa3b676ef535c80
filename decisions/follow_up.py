"""Following a consultation up, for staff: who has not answered, the doors a leader may knock on,
the CSV of every voice, and the console's lists and live count. Reads only; the workflow that
writes (open, cast, record at the door, close) is decisions/consultations.py."""
import json

from peewee import fn

from decisions import rules
from decisions.consultations import MANAGERS
from decisions.consultations import can_follow
from decisions.consultations import can_manage
from decisions.consultations import options_of
from decisions.consultations import recorder_role
from decisions.consultations import roll_of
from decisions.consultations import scope_households
from decisions.consultations import tally
from linli.clock import local
from linli.csv_export import csv_text
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Unit
from models.db import utcnow
from models.decisions import Consultation
from models.decisions import Vote
from models.households import Household
from models.people import RoleAssignment


def unanswered(staff, consultation):
    """The scope's households without a voice (with their members, to reach them), for staff of
    the scope; the flats on its roll (every one counts, under Art. 278 too)."""
    if not can_follow(staff, consultation):
        raise PermissionDenied("not_your_scope", "您无权查看该征询的表态情况")
    answered = {v.household_id for v in Vote.select(Vote.household).where(Vote.consultation == consultation)}
    roll = roll_of(consultation)
    return [h for h in scope_households(consultation) if h.id in roll and h.id not in answered]


def door_listing(staff, now=None):
    """The consultations taking voices now in staff's communities where staff have households to
    record at the door (door_roll), closing soonest first: [(consultation, its door roll)]."""
    now = now or utcnow()
    communities = RoleAssignment.select(RoleAssignment.community).where(RoleAssignment.staff == staff)
    taking = Consultation.select().where(
        Consultation.community.in_(communities) & (Consultation.state == "open")
        & (Consultation.opens_at <= now) & (Consultation.closes_at > now)).order_by(Consultation.closes_at,
                                                                                 Consultation.id)
    found = [(c, door_roll(staff, c)) for c in taking]
    return [(c, homes) for c, homes in found if homes]


def export_csv(staff, consultation):
    """Every counted household's voice. Named: by its door, with its area and time. Anonymous:
    only the voice and how it was given, sorted by voice, so no row leads back to a door."""
    if not can_manage(staff, consultation):
        raise PermissionDenied("not_your_scope", "只有社区书记、管理员或该楼所在网格的网格员可以导出")
    options = options_of(consultation)
    votes = {v.household_id: v for v in Vote.select().where(Vote.consultation == consultation)}
    rows = []
    roll = roll_of(consultation)              # the areas counted: as they stood at the opening
    for household in scope_households(consultation):
        if household.id not in roll:
            continue
        vote = votes.get(household.id)
        said = options[vote.choice] if vote else "未表态"
        how = (("入户代录（%s）" % recorder_role(vote, consultation.community_id)) if vote.recorded_by_id
               else "线上") if vote else ""
        if consultation.named_export:
            area = roll[household.id]
            # The time of the voice counted (its last change), in Beijing time with its offset.
            at = local(vote.changed_at or vote.cast_at).isoformat(sep=" ", timespec="seconds") if vote else ""
            rows.append([household.door, "%d.%02d" % divmod(area, 100) if area is not None else "", said, how, at])
        else:
            rows.append([said, how])
    if consultation.named_export:
        return csv_text(["住户", "专有面积(m²)", "表态", "方式", "时间"], rows)
    return csv_text(["表态", "方式"], sorted(rows))


# -- the console ------------------------------------------------------------------------------------
def of_staff_community(community_id, now=None):
    """A community's consultations for its staff: those taking voices first (closing soonest
    first), then those not open yet, then the closed ones (latest first); each with how many
    households answered so far."""
    now = now or utcnow()
    answered = dict(Vote.select(Vote.consultation, fn.COUNT(Vote.id)).where(
        Vote.consultation.in_(Consultation.select(Consultation.id).where(Consultation.community == community_id)))
        .group_by(Vote.consultation).tuples())

    def order(c):
        if c.state == "closed" or now >= c.closes_at:
            return (2, -(c.closed_at or c.closes_at).timestamp())
        return (0 if c.opens_at <= now else 1, c.closes_at.timestamp())
    found = sorted(Consultation.select().where(Consultation.community == community_id), key=order)
    return [(c, answered.get(c.id, 0)) for c in found]


def phase(consultation, now=None):
    """open (taking voices), upcoming, due (past its closing time, not closed yet) or closed."""
    now = now or utcnow()
    if consultation.state == "closed":
        return "closed"
    if now >= consultation.closes_at:
        return "due"
    return "open" if consultation.opens_at <= now else "upcoming"


def live(consultation):
    """The result the rule would give over the voices so far (nothing stored): what staff follow
    while it runs. The stored result_of is the one that counts."""
    return rules.decide(consultation.rule, json.loads(consultation.rule_params), tally(consultation))


def door_roll(staff, consultation):
    """The households on the roll that `staff` may record at the door (can_record_for's rule: the
    managers all of them, a grid worker their grid's buildings, a leader their building or unit),
    in door order, each with its vote or None."""
    mine = RoleAssignment.staff == staff
    managers = RoleAssignment.select().where(mine & (RoleAssignment.community == consultation.community_id)
                                             & RoleAssignment.role.in_(MANAGERS)).exists()
    households = scope_households(consultation)
    if not managers:
        grids = RoleAssignment.select(RoleAssignment.grid).where(mine & (RoleAssignment.role == "grid_worker"))
        buildings = RoleAssignment.select(RoleAssignment.building).where(
            mine & (RoleAssignment.role == "building_leader"))
        units = RoleAssignment.select(RoleAssignment.unit).where(mine & (RoleAssignment.role == "unit_leader"))
        keep = {h.id for h in Household.select(Household.id).join(Unit).join(Building).where(
            Building.grid.in_(grids) | Building.id.in_(buildings) | Unit.id.in_(units))}
        households = [h for h in households if h.id in keep]
    roll = roll_of(consultation)
    votes = {v.household_id: v for v in Vote.select().where(Vote.consultation == consultation)}
    return [(h, votes.get(h.id)) for h in households if h.id in roll]
