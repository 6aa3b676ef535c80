"""Door-to-door rounds (敲门行动): the households a notice could not reach on WeChat, on their
leaders' lists until someone has knocked.

A round is opened for a notice (automatically when the notice is urgent: account.notices; on a
manager's request for any other) or for any scope. At the opening each household of the scope
is looked up once (community.reach): reached on WeChat, or an item of the round for the leader
of its unit, else of its building, else the worker of its grid. The leader marks each item
informed, not at home (it stays open: try again) or declined, with the time.

Who may mark a household: the leaders of its unit and building, its grid's worker, the
community's secretary and admin. Anyone else is refused (not_your_household) and nothing
changes. A mark that repeats the item's last one (the same person, the same state) within
DOUBLE_TAP, or repeats an informed/declined at any time, is the same mark: a double tap, a
retried request or two workers racing leave one.
"""
import datetime

from peewee import JOIN
from peewee import Case
from peewee import fn

from community import reach
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Estate
from models.community import Unit
from models.content import Article
from models.content import Notice
from models.db import INT_MAX
from models.db import db
from models.db import transaction
from models.db import utcnow
from models.households import Household
from models.people import RoleAssignment
from models.people import Staff
from models.rounds import MARKS
from models.rounds import OPEN_STATES
from models.rounds import DoorRound
from models.rounds import RoundHousehold
from models.rounds import RoundMark

MANAGERS = ("secretary", "admin")
# Who follows a round's coverage and who is behind: the managers and the community's workers.
FOLLOWERS = MANAGERS + ("grid_worker", "area_cadre")
# Who may mark any household of the community, besides its own leaders and grid worker.
MARKERS = MANAGERS
DOUBLE_TAP = datetime.timedelta(seconds=60)
URGENT_DEADLINE = datetime.timedelta(hours=12)     # a storm's notice: told at the door the same day
DEFAULT_DEADLINE = datetime.timedelta(hours=48)
MAX_DEADLINE = datetime.timedelta(days=60)
MAX_TITLE = 200
INSERT_BATCH = 500
FINAL = ("informed", "declined")
MARK_TRIES = 5


class RoundError(LinliError):
    status = 422


def _an_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX


def is_manager(staff, community_id):
    return staff is not None and staff.active and RoleAssignment.select().where(
        (RoleAssignment.staff == staff) & (RoleAssignment.community == community_id)
        & RoleAssignment.role.in_(MANAGERS)).exists()


# -- opening -----------------------------------------------------------------------------------------
def leaders_of(community_id):
    """({unit id: (staff id, role)}, {building id: …}, {grid id: …}): each place's first active
    leader by assignment, in three dictionaries from one query."""
    found = {"unit_leader": {}, "building_leader": {}, "grid_worker": {}}
    query = (RoleAssignment.select(RoleAssignment.role, RoleAssignment.unit, RoleAssignment.building,
                                   RoleAssignment.grid, RoleAssignment.staff)
             .join(Staff).where((RoleAssignment.community == community_id) & (Staff.active == True)  # noqa: E712
                                & RoleAssignment.role.in_(tuple(found)))
             .order_by(RoleAssignment.id))
    for role, unit, building, grid, staff in query.tuples():
        place = {"unit_leader": unit, "building_leader": building, "grid_worker": grid}[role]
        found[role].setdefault(place, (staff, role))
    return found["unit_leader"], found["building_leader"], found["grid_worker"]


def open_round(staff, community_id, title, deadline, kind="community", place_id=None, now=None):
    """A round for a scope, opened by a manager (secretary, admin)."""
    if not is_manager(staff, community_id):
        raise PermissionDenied("not_a_manager", "只有社区书记或管理员可以安排上门通知")
    return _open(staff, reach.scope(community_id, kind, place_id), title, deadline, now=now)


def open_for_notice(staff, notice_id, deadline=None, now=None):
    """The round of a notice of the manager's community, opened once: asked again, the first
    is returned. Returns (round, created)."""
    notice = Notice.get_or_none(Notice.id == notice_id) if _an_id(notice_id) else None
    if notice is None or not is_manager(staff, notice.community_id):
        raise RoundError("not_found", "通知不存在", 404)
    return round_for_notice(notice, staff, deadline=deadline, now=now)


def round_for_notice(notice, staff=None, deadline=None, now=None):
    """(round, created): the notice's round, opened now if it has none. Called inside the
    notice's own transaction for an urgent notice (account.notices.submit)."""
    earlier = DoorRound.get_or_none(DoorRound.notice == notice.id)
    if earlier is not None:
        return earlier, False
    now = now or utcnow()
    if deadline is None:
        deadline = max(notice.send_at, now) + (URGENT_DEADLINE if notice.urgent else DEFAULT_DEADLINE)
    # A deadline counts from the send: a notice scheduled weeks ahead is told at the door then.
    return _open(staff, reach.scope_of_notice(notice), _notice_title(notice), deadline, notice=notice, now=now,
                 since=max(notice.send_at, now)), True


def _notice_title(notice):
    if notice.article_id:
        article = Article.get_or_none(Article.id == notice.article_id)
        if article is not None:
            return article.title[:MAX_TITLE]
    return (notice.text or "通知")[:MAX_TITLE]


def _open(staff, scope, title, deadline, notice=None, now=None, since=None):
    now = now or utcnow()
    since = since or now
    title = (title or "").strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise RoundError("bad_title", "请填写要通知的内容（不超过%d字）" % MAX_TITLE)
    if not isinstance(deadline, datetime.datetime) or not now < deadline <= since + MAX_DEADLINE:
        raise RoundError("bad_deadline", "截止时间应在现在之后的%d天内" % MAX_DEADLINE.days)
    homes = reach.households(scope)
    by_unit, by_building, by_grid = leaders_of(scope.community_id)
    with transaction():
        door_round = DoorRound.create(community=scope.community_id, notice=notice, title=title, scope=scope.kind,
                                      place_id=scope.place_id, deadline=deadline, households=len(homes),
                                      reached=sum(1 for h in homes if h[4]), created_by=staff, created_at=now)
        rows = []
        for household, unit, building, grid, reachable in homes:
            if reachable:
                rows.append((door_round.id, household, "wechat", None, None, 0))
                continue
            leader, role = by_unit.get(unit) or by_building.get(building) or by_grid.get(grid) or (None, None)
            rows.append((door_round.id, household, "open", leader, role, 0))
        _insert_rows(rows)
    return door_round


def _insert_rows(rows):
    """Plain multi-row INSERTs of values already in the database's terms: peewee's insert_many
    took 0.4 s to compose the SQL of a community's 3,312 rows, in the request of an urgent notice."""
    columns = ", ".join(f.column_name for f in (RoundHousehold.round, RoundHousehold.household, RoundHousehold.state,
                                                RoundHousehold.leader, RoundHousehold.leader_role,
                                                RoundHousehold.marks))
    head = "INSERT INTO %s (%s) VALUES " % (RoundHousehold._meta.table_name, columns)
    one = "(%s)" % ", ".join([db.param] * 6)
    for start in range(0, len(rows), INSERT_BATCH):
        part = rows[start:start + INSERT_BATCH]
        db.execute_sql(head + ", ".join([one] * len(part)), [value for row in part for value in row])


# -- marking ------------------------------------------------------------------------------------------
def may_mark(staff, household):
    """Whether `staff` may mark `household` (a Household with its unit and building loaded)."""
    if staff is None or not staff.active:
        return False
    building = household.unit.building
    places = ((RoleAssignment.community == building.community_id) & RoleAssignment.role.in_(MARKERS))
    places |= (RoleAssignment.unit == household.unit_id) & (RoleAssignment.role == "unit_leader")
    places |= (RoleAssignment.building == building.id) & (RoleAssignment.role == "building_leader")
    if building.grid_id:
        places |= (RoleAssignment.grid == building.grid_id) & (RoleAssignment.role == "grid_worker")
    return RoleAssignment.select().where((RoleAssignment.staff == staff) & places).exists()


def mark(staff, item_id, state, now=None):
    """Mark a household of a round at the door. Returns (item, marked): marked is False when
    this repeated the last mark (see the module's docstring)."""
    if state not in MARKS:
        raise RoundError("bad_mark", "应为 已告知、不在家 或 拒绝")
    item = (RoundHousehold.select(RoundHousehold, Household, Unit, Building)
            .join(Household).join(Unit).join(Building).where(RoundHousehold.id == item_id).first()
            if _an_id(item_id) else None)
    if item is None:
        raise RoundError("not_found", "该户不在上门名单上", 404)
    if not may_mark(staff, item.household):
        raise PermissionDenied("not_your_household", "该户不在您负责的单元或楼栋")
    if item.state == "wechat":
        raise RoundError("reached_on_wechat", "该户已通过微信收到通知，无需上门", 409)
    for _ in range(MARK_TRIES):
        now_ = now or utcnow()
        with transaction():
            current = RoundHousehold.get_by_id(item.id)
            if current.state == state and (state in FINAL or (
                    current.marked_by_id == staff.id and now_ - current.marked_at < DOUBLE_TAP)):
                return current, False
            changed = (RoundHousehold.update(state=state, marks=RoundHousehold.marks + 1, marked_by=staff,
                                             marked_at=now_)
                       .where((RoundHousehold.id == item.id) & (RoundHousehold.marks == current.marks)).execute())
            if changed:
                RoundMark.create(item=item.id, state=state, marked_by=staff, marked_at=now_)
                return RoundHousehold.get_by_id(item.id), True
        # Another mark came in between: look again (it may be this same tap, from another worker).
    raise RoundError("busy", "该户正被同时标记，请稍后重试", 409)


# -- reading -------------------------------------------------------------------------------------------
def rounds_of(community_id, limit=50):
    return list(DoorRound.select().where(DoorRound.community == community_id)
                .order_by(DoorRound.created_at.desc(), DoorRound.id.desc()).limit(limit))


def get_round(staff, round_id):
    """A round for one of its community's FOLLOWERS; 404 for anyone else (a leader sees their
    own list, not the others' progress)."""
    door_round = DoorRound.get_or_none(DoorRound.id == round_id) if _an_id(round_id) else None
    if door_round is None or not (staff.active and RoleAssignment.select().where(
            (RoleAssignment.staff == staff) & (RoleAssignment.community == door_round.community_id)
            & RoleAssignment.role.in_(FOLLOWERS)).exists()):
        raise RoundError("not_found", "上门通知不存在", 404)
    return door_round


def item_with_door(item_id):
    """A round's row with its household, unit, building and estate (for `door`)."""
    return (RoundHousehold.select(RoundHousehold, Household, Unit, Building, Estate)
            .join(Household).join(Unit).join(Building).join(Estate, JOIN.LEFT_OUTER)
            .where(RoundHousehold.id == item_id).get())


def _count(condition):
    return fn.SUM(Case(None, [(condition, 1)], 0))


def still_to_visit(round_id):
    """How many of the round's households are still to be told at the door now (open, or not
    home last time); the round's `households - reached` is that count as it was at the opening."""
    return RoundHousehold.select().where((RoundHousehold.round == round_id)
                                         & RoundHousehold.state.in_(OPEN_STATES)).count()


def coverage(round_id):
    """Per building of the round, in one query: [{building, label, households, wechat, informed,
    declined, not_home, open, covered, share}] and the totals as the last row's sums."""
    state = RoundHousehold.state
    query = (RoundHousehold.select(Building.id, Building.name, Estate.name, fn.COUNT(RoundHousehold.id),
                                   _count(state == "wechat"), _count(state == "informed"),
                                   _count(state == "declined"), _count(state == "not_home"),
                                   _count(state == "open"))
             .join(Household).join(Unit).join(Building).join(Estate, JOIN.LEFT_OUTER)
             .where(RoundHousehold.round == round_id)
             .group_by(Building.id, Building.name, Estate.name).order_by(Building.id))
    rows = []
    for bid, name, estate, total, wechat, informed, declined, not_home, still in query.tuples():
        rows.append(_figures(dict(building=bid, label="%s %s" % (estate, name) if estate else name, households=total,
                                  wechat=int(wechat), informed=int(informed), declined=int(declined),
                                  not_home=int(not_home), open=int(still))))
    keys = ("households", "wechat", "informed", "declined", "not_home", "open")
    total = _figures({k: sum(r[k] for r in rows) for k in keys})
    return rows, total


def _figures(row):
    row["covered"] = row["wechat"] + row["informed"]
    row["share"] = row["covered"] / row["households"] if row["households"] else 1.0
    return row


def behind(community_id, round_id=None, now=None):
    """The leaders with open items past their round's deadline, most first: [{leader (Staff or
    None: nobody leads that place), role, open, since (the earliest deadline missed)}]."""
    now = now or utcnow()
    where = ((DoorRound.community == community_id) & (DoorRound.deadline < now)
             & RoundHousehold.state.in_(OPEN_STATES))
    if round_id is not None:
        where &= DoorRound.id == round_id
    query = (RoundHousehold.select(RoundHousehold.leader, RoundHousehold.leader_role, fn.COUNT(RoundHousehold.id),
                                   fn.MIN(DoorRound.deadline))
             .join(DoorRound).where(where)
             .group_by(RoundHousehold.leader, RoundHousehold.leader_role)
             .order_by(fn.COUNT(RoundHousehold.id).desc()))
    rows = list(query.tuples())
    staff = {s.id: s for s in Staff.select().where(Staff.id.in_([r[0] for r in rows if r[0]]))}
    return [{"leader": staff.get(leader), "role": role, "open": count,
             "since": since if isinstance(since, datetime.datetime) else RoundHousehold.marked_at.python_value(since)}
            for leader, role, count, since in rows]


def my_items(staff, now=None, recent=datetime.timedelta(days=14)):
    """The door items `staff` is to knock at, by round (open rounds first by deadline) then by
    door: [(round, [items with household, unit, building])]. A round is listed while it has open
    items of theirs, or was opened within `recent`."""
    now = now or utcnow()
    items = (RoundHousehold.select(RoundHousehold, DoorRound, Household, Unit, Building, Estate)
             .join(DoorRound).switch(RoundHousehold).join(Household).join(Unit).join(Building)
             .join(Estate, JOIN.LEFT_OUTER)
             .where((RoundHousehold.leader == staff) & (RoundHousehold.state != "wechat")
                    & (RoundHousehold.state.in_(OPEN_STATES) | (DoorRound.created_at > now - recent)))
             .order_by(DoorRound.deadline, DoorRound.id, Building.id, Unit.id, fn.LENGTH(Household.room),
                       Household.room))
    grouped = {}
    for item in items:
        grouped.setdefault(item.round.id, (item.round, []))[1].append(item)
    return list(grouped.values())


def history(item_ids):
    """{item id: [its marks, oldest first]}."""
    found = {}
    for row in (RoundMark.select(RoundMark, Staff).join(Staff, JOIN.LEFT_OUTER)
                .where(RoundMark.item.in_(list(item_ids))).order_by(RoundMark.id)):
        found.setdefault(row.item_id, []).append(row)
    return found
