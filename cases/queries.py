"""What residents and the public may read about cases."""
import datetime
import re

from peewee import JOIN

from community.policy import DEFAULT_POLICY
from linli.errors import LinliError
from models.cases import OPEN_STATES
from models.cases import Case
from models.cases import CaseEvent
from models.cases import CaseFollower
from models.community import Building
from models.community import Estate
from models.db import utcnow
from models.people import RoleAssignment
from models.people import Staff
from models.workflow import Category

MAX_PAGE_SIZE = 50
MAX_PAGE = 10_000
_LONG_NUMBER = re.compile(r"\d{7,}")       # phone numbers and IDs in free text


def page_args(page, size, default_size=20):
    try:
        page, size = int(page or 1), int(size or default_size)
    except (TypeError, ValueError):
        page, size = 1, default_size
    # Nobody pages 10,000 deep; a larger number would only overflow the OFFSET.
    return min(max(page, 1), MAX_PAGE), min(max(size, 1), MAX_PAGE_SIZE)


def cases_of(resident, page=1, size=20):
    query = Case.select().where(Case.reporter == resident)
    return query.count(), list(query.order_by(Case.created_at.desc(), Case.id.desc()).paginate(page, size))


def case_for(number, resident):
    """The case if `resident` filed or follows it; None otherwise (the caller answers 404, so
    a guessed number reveals nothing)."""
    case = Case.get_or_none(Case.number == number)
    if case is None:
        return None
    if case.reporter_id == resident.id:
        return case
    follows = CaseFollower.select().where((CaseFollower.case == case)
                                            & (CaseFollower.resident == resident)).exists()
    return case if follows else None


def followable(number, resident):
    """An open case a neighbour may follow ("me too"): any case of the community where the
    resident's address is confirmed, not only their own. None otherwise, and the caller answers
    404 as for an unknown number: case numbers are sequential, so letting a resident with no
    address (or a claim nobody confirmed, which anyone can make) follow would let them harvest
    every case's text, photos and location."""
    case = Case.get_or_none(Case.number == number)
    if case is None or case.reporter_id == resident.id:
        return case
    if resident.address_state != "confirmed" or not resident.community_id \
            or case.community_id != resident.community_id:
        return None
    return case


def staff_queue(staff, grid_id=None, level=None, state=None, overdue=False, now=None,
                after=None, size=20):
    """The cases `staff` may see (cases.permissions.can_view), soonest deadline first, a page
    at a time: returns (cases, cursor of the next page or None).

    Paged by keyset on (resolve_due_at, id), not by offset and without a total: a grid worker
    can have thousands of open cases (a million cases, 5% open), and counting or skipping them
    on every page read them all, while this reads one page from the partial index on open
    cases (`report_open_due`). Every case has a deadline from intake on (workflow.start_clock)."""
    scope = Case.assignee == staff
    for assignment in RoleAssignment.select().where(
            (RoleAssignment.staff == staff) & RoleAssignment.role.in_(list(DEFAULT_POLICY.role_max_level))):
        if assignment.grid_id is None:
            scope |= Case.community == assignment.community_id
        else:
            scope |= Case.building.in_(_buildings_of(assignment.grid_id))
    query = Case.select().where(scope)
    if grid_id is not None:
        query = query.where(Case.building.in_(_buildings_of(grid_id)))
    if level is not None:
        query = query.where(Case.level == level)
    # The open states spelled as the partial index spells them, or SQLite will not use it.
    query = query.where(Case.state == state) if state else query.where(Case.state.in_(OPEN_STATES))
    if overdue:
        now = now or utcnow()
        query = query.where(((Case.responded_at.is_null()) & (Case.response_due_at < now))
                            | (Case.resolve_due_at < now))
    if after is not None:
        due, last_id = after
        # The range on the deadline alone is what an index can seek to; ties break on id.
        query = query.where((Case.resolve_due_at >= due)
                            & ((Case.resolve_due_at > due) | (Case.id > last_id)))
    cases = list(query.order_by(Case.resolve_due_at, Case.id).limit(size + 1))
    if len(cases) <= size:
        return cases, None
    last = cases[size - 1]
    return cases[:size], (last.resolve_due_at, last.id)


def _buildings_of(grid_id):
    return Building.select(Building.id).where(Building.grid == grid_id)


def full_timeline(case):
    return list(CaseEvent.select().where(CaseEvent.case == case)
                .order_by(CaseEvent.created_at, CaseEvent.id))


def public_timeline(case):
    """The events residents see, with the staff member who did each (one query, not one each)."""
    return list(CaseEvent.select(CaseEvent, Staff).join(Staff, JOIN.LEFT_OUTER, on=(CaseEvent.actor_staff == Staff.id))
                .where((CaseEvent.case == case) & (CaseEvent.public == True))  # noqa: E712
                .order_by(CaseEvent.created_at, CaseEvent.id))


def resolved_board(community_id, page=1, size=20, building_id=None):
    """Resolved cases for everyone to see (published as a series, so residents see what was done):
    no reporter, no unit or room, and long numbers in the text masked. `building_id`: only
    that building's."""
    query = (Case.select(Case, Category, Building, Estate)
             .join(Category, JOIN.LEFT_OUTER, on=(Case.category == Category.id))
             .switch(Case).join(Building, JOIN.LEFT_OUTER, on=(Case.building == Building.id))
             .join(Estate, JOIN.LEFT_OUTER, on=(Building.estate == Estate.id))
             .where((Case.community == community_id) & Case.state.in_(["resolved", "closed"])
                    & Case.resolved_at.is_null(False)))
    if building_id is not None:
        query = query.where(Case.building == building_id)
    return query.count(), list(query.order_by(Case.resolved_at.desc()).paginate(page, size))


def mask(text, limit=60):
    text = _LONG_NUMBER.sub("***", text or "")
    return text if len(text) <= limit else text[:limit] + "…"


# -- the queue's keyset cursor: (deadline, id) as an opaque string for `?after=` ----------------
_CURSOR = re.compile(r"^(\d{20})~(\d{1,18})$")
CURSOR_MESSAGE = "after 应为上一页返回的 next 值"


def encode_cursor(position):
    """A keyset position (deadline, id) as an opaque string for `?after=`."""
    due, case_id = position
    return "%s~%d" % (due.strftime("%Y%m%d%H%M%S%f"), case_id)


def cursor_position(value):
    """The position `encode_cursor` made, or None when `value` is not one."""
    match = _CURSOR.match(value)
    try:
        due = datetime.datetime.strptime(match.group(1), "%Y%m%d%H%M%S%f") if match else None
    except ValueError:
        due = None
    return (due, int(match.group(2))) if due is not None else None


def decode_cursor(value):
    """The position `encode_cursor` made, None for none; 400 bad_cursor for anything else."""
    if not value:
        return None
    position = cursor_position(value)
    if position is None:
        raise LinliError("bad_cursor", CURSOR_MESSAGE, 400)
    return position
