"""Leaders' work notices (工作通知): a task from the community's managers to every building and
unit leader of a scope ("tell every household about Friday's water cut"), acknowledged by each.

Each leader's row is written with the task, so who has not acknowledged is a plain list, and an
acknowledgement only fills in the time of the row that is empty: a second tap, or two at once,
keeps the first time.
"""
import datetime

from peewee import JOIN

from community import reach
from community.rounds import is_manager
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Unit
from models.db import INT_MAX
from models.db import transaction
from models.db import utcnow
from models.people import RoleAssignment
from models.people import Staff
from models.rounds import LeaderTask
from models.rounds import LeaderTaskAck

MAX_TEXT = 500
MAX_AHEAD = datetime.timedelta(days=60)
# A leader who leads a building and one of its units is told once, as the building's leader.
ROLE_ORDER = ("building_leader", "unit_leader")


class TaskError(LinliError):
    status = 422


def leaders_of_scope(scope):
    """{staff id: role} of the active building and unit leaders of the scope's buildings and units."""
    units = Unit.select(Unit.id).join(Building).where(scope.where())
    buildings = Unit.select(Unit.building).join(Building).where(scope.where())
    query = (RoleAssignment.select(RoleAssignment.staff, RoleAssignment.role).join(Staff)
             .where((Staff.active == True)  # noqa: E712
                    & (((RoleAssignment.role == "unit_leader") & RoleAssignment.unit.in_(units))
                       | ((RoleAssignment.role == "building_leader") & RoleAssignment.building.in_(buildings)))))
    found = {}
    for staff_id, role in query.tuples():
        if staff_id not in found or ROLE_ORDER.index(role) < ROLE_ORDER.index(found[staff_id]):
            found[staff_id] = role
    return found


def send_task(staff, community_id, text, kind="community", place_id=None, deadline=None, now=None):
    """A work notice to every leader of the scope, from a manager (secretary, admin)."""
    now = now or utcnow()
    if not is_manager(staff, community_id):
        raise PermissionDenied("not_a_manager", "只有社区书记或管理员可以向楼长、单元长发工作通知")
    text = (text or "").strip()
    if not 1 <= len(text) <= MAX_TEXT:
        raise TaskError("bad_text", "请填写工作内容（不超过%d字）" % MAX_TEXT)
    if deadline is not None and not now < deadline <= now + MAX_AHEAD:
        raise TaskError("bad_deadline", "截止时间应在现在之后的%d天内" % MAX_AHEAD.days)
    scope = reach.scope(community_id, kind, place_id)
    leaders = leaders_of_scope(scope)
    if not leaders:
        raise TaskError("no_leaders", "该范围内没有楼长或单元长")
    with transaction():
        task = LeaderTask.create(community=community_id, text=text, scope=scope.kind, place_id=scope.place_id,
                                 deadline=deadline, created_by=staff, created_at=now)
        LeaderTaskAck.insert_many([(task.id, s, role) for s, role in sorted(leaders.items())],
                                  fields=[LeaderTaskAck.task, LeaderTaskAck.staff, LeaderTaskAck.role]).execute()
    return task


def acknowledge(staff, task_id, now=None):
    """The leader's acknowledgement, once: (ack row, acknowledged now?). A task that is not
    theirs is refused and nothing changes."""
    ack = (LeaderTaskAck.get_or_none((LeaderTaskAck.task == task_id) & (LeaderTaskAck.staff == staff))
           if isinstance(task_id, int) and 0 < task_id <= INT_MAX else None)
    if ack is None:
        raise PermissionDenied("not_your_task", "这条工作通知不是发给您的")
    changed = (LeaderTaskAck.update(acknowledged_at=now or utcnow())
               .where((LeaderTaskAck.id == ack.id) & LeaderTaskAck.acknowledged_at.is_null()).execute())
    return LeaderTaskAck.get_by_id(ack.id), bool(changed)


def tasks_of(community_id, limit=50):
    """[(task, acknowledged, leaders)], newest first."""
    tasks = list(LeaderTask.select().where(LeaderTask.community == community_id)
                 .order_by(LeaderTask.created_at.desc(), LeaderTask.id.desc()).limit(limit))
    counts = {}
    for ack in LeaderTaskAck.select(LeaderTaskAck.task, LeaderTaskAck.acknowledged_at).where(
            LeaderTaskAck.task.in_([t.id for t in tasks])):
        done, total = counts.get(ack.task_id, (0, 0))
        counts[ack.task_id] = (done + (ack.acknowledged_at is not None), total + 1)
    return [(t, *counts.get(t.id, (0, 0))) for t in tasks]


def task_status(staff, task_id):
    """(task, acks with their staff, not yet acknowledged first) for a manager of its community."""
    task = LeaderTask.get_or_none(LeaderTask.id == task_id) if isinstance(task_id, int) and 0 < task_id <= INT_MAX \
        else None
    if task is None or not is_manager(staff, task.community_id):
        raise TaskError("not_found", "工作通知不存在", 404)
    acks = list(LeaderTaskAck.select(LeaderTaskAck, Staff).join(Staff, JOIN.LEFT_OUTER)
                .where(LeaderTaskAck.task == task.id).order_by(LeaderTaskAck.id))
    acks.sort(key=lambda a: (a.acknowledged_at is not None, a.acknowledged_at or task.created_at, a.id))
    return task, acks


def my_tasks(staff, limit=20):
    """[(task, my ack)] for a leader, newest first."""
    rows = (LeaderTaskAck.select(LeaderTaskAck, LeaderTask).join(LeaderTask)
            .where(LeaderTaskAck.staff == staff).order_by(LeaderTask.created_at.desc()).limit(limit))
    return [(row.task, row) for row in rows]


