"""The life of a case: submitted → accepted → in_progress → resolved → closed,
with reopened, rejected and duplicate; four levels with deadlines; every change an event.

Each transition is a conditional update on the state it starts from, so two people (or a person
and the escalation sweep) acting at once cannot both succeed: the second gets `state_changed`.
"""
import dataclasses
import typing

from cases import notify
from cases import permissions
from cases import photos
from cases import routing
from cases import sla
from cases.labels import LEVEL_LABELS
from community.policy import DEFAULT_POLICY
from linli import text_limits
from linli.errors import LinliError
from models.cases import OPEN_STATES
from models.cases import STATES
from models.cases import Case
from models.cases import CaseEvent
from models.cases import CaseFollower
from models.db import db
from models.db import utcnow
from models.people import Staff


class CaseError(LinliError):
    status = 409


# -- the staff actions' table -------------------------------------------------------------------
# ACTIONS (below the actions' functions) is the one list of what staff can do to a case: the
# console's buttons and forms, the staff API's /cases/<number>/<action> and the OpenAPI document
# all read it, and each function reads its own row for the states it starts from and who may.
FIELD_KINDS = ("line", "text", "flag", "staff", "case", "photos")
TEXT_KINDS = ("line", "text", "case")
MAX_FIX_PHOTOS = 9


@dataclasses.dataclass(frozen=True)
class Field:
    """A value an action takes, by name. `kind`: "line" (a line of text), "text" (paragraphs),
    "flag" (yes or no), "staff" (a staff member's id), "case" (another case's number), "photos"
    (ids of photos the staff member uploaded, shown with the step: on the phone only).
    `required`: the action fails without it (its function says why, 422); `hint`: the form's
    placeholder, or a flag's label; `canned`: the console offers the canned replies there."""
    name: str
    kind: str = "line"
    required: bool = False
    hint: str = ""
    canned: bool = False

    def __post_init__(self):
        if self.kind not in FIELD_KINDS:
            raise ValueError("unknown field kind %r" % self.kind)

    @property
    def max_length(self):
        """Characters it may hold: the edge refuses more, by the field's name, before any view
        (linli/text_limits.py), so the table reads that limit rather than stating a second one."""
        if self.kind == "photos":
            return MAX_FIX_PHOTOS
        return text_limits.limit(self.name) if self.kind in TEXT_KINDS else None


@dataclasses.dataclass(frozen=True)
class Action:
    """One staff action: `run(case, staff, now=None, **fields)` does it, in one transaction, when
    the case is in one of `states`, `when(case)` holds and `who(staff, case)` allows it.
    `aliases`: older names the staff API still accepts."""
    name: str
    label: str                  # the button, and "已完成：…" after it (Chinese: staff read it)
    states: tuple
    run: typing.Callable
    fields: tuple = ()
    who: typing.Callable = permissions.can_act
    when: typing.Callable | None = None
    aliases: tuple = ()


def start_clock(case, level, now):
    """Deadlines for `level` from `now` (values to store; the caller saves them)."""
    due = sla.deadlines(case.category_id, level, now, case.community_id)
    return dict(level=level, level_started_at=now, response_due_at=due.respond_by,
                resolve_due_at=due.resolve_by)


# -- staff ------------------------------------------------------------------------------------
def accept(case, staff, note="", now=None):
    _allowed("accept", staff, case)
    now = now or utcnow()
    with db.atomic():
        _move(case, ACTIONS["accept"].states, now, state="accepted",
              responded_at=case.responded_at or now, assignee=case.assignee_id or staff.id)
        _event(case, "accepted", now, staff=staff, note=note or "已受理")
        notify.case_changed(case, "accepted")
    return case


def start_work(case, staff, note="", now=None):
    _allowed("start", staff, case)
    now = now or utcnow()
    with db.atomic():
        _move(case, ACTIONS["start"].states, now, state="in_progress")
        _event(case, "in_progress", now, staff=staff, note=note or "正在处理")
    return case


def add_note(case, staff, text, public=False, photo_ids=(), now=None):
    """Progress, with photos of it: a public note's photos the resident sees, an internal one's not."""
    _allowed("note", staff, case)
    if not (text or "").strip():
        raise CaseError("empty_note", "内容不能为空", 422)
    with db.atomic():       # one transaction, so the audit line commits with it
        event = _event(case, "note", now or utcnow(), staff=staff, note=text.strip(), public=public)
        _show_photos(staff, case, event, photo_ids)
        return event


def transfer(case, staff, to_staff, reason, now=None):
    """Hand the case to someone else at the same level, whose role covers the case: the
    assignee may act on a case at any level, so a transfer must not grant what no role does."""
    _allowed("transfer", staff, case)
    _require_reason(reason)
    if not permissions.role_covers(to_staff, case):
        raise CaseError("bad_assignee", "接收人不存在、已停用，或其角色不负责该案件的网格和层级", 422)
    now = now or utcnow()
    with db.atomic():
        _move(case, ACTIONS["transfer"].states, now, assignee=to_staff.id)
        _event(case, "transferred", now, staff=staff, public=False,
               note="转交给%s：%s" % (to_staff.name, reason))
        notify.case_changed(case, "assigned")
    return case


def escalate(case, by, reason, now=None):
    """One level up (by=None: the deadline sweep); the next level's clock starts now."""
    if by is not None:
        _allowed("escalate", by, case)
    _require_reason(reason)
    if not below_top_level(case):
        raise CaseError("already_top_level", "已在最高层级")
    now = now or utcnow()
    level = case.level + 1
    owner = routing.owner_for(case.building, level, case.community_id, now)
    with db.atomic():
        _move(case, ACTIONS["escalate"].states, now,
              assignee=owner.id if owner else None, state="submitted", responded_at=None,
              **start_clock(case, level, now))
        _event(case, "escalated", now, staff=by,
               note="已升级至%s%s：%s" % (LEVEL_LABELS[level], owner.name if owner else "", reason))
        notify.case_changed(case, "escalated")
    return case


def below_top_level(case):
    return case.level < DEFAULT_POLICY.top_level


def resolve(case, staff, note, photo_ids=(), now=None):
    """`photo_ids`: the staff member's uploads (photos.save_fix_photo), the fix the resident sees."""
    _allowed("resolve", staff, case)
    _require_reason(note, "请填写处理结果")
    now = now or utcnow()
    with db.atomic():
        _move(case, ACTIONS["resolve"].states, now, state="resolved", resolved_at=now,
              responded_at=case.responded_at or now)
        _show_photos(staff, case, _event(case, "resolved", now, staff=staff, note=note), photo_ids)
        notify.case_changed(case, "resolved")
    return case


def reject(case, staff, reason, now=None):
    _allowed("reject", staff, case)
    _require_reason(reason)
    now = now or utcnow()
    with db.atomic():
        _move(case, ACTIONS["reject"].states, now, state="rejected", closed_at=now)
        _event(case, "rejected", now, staff=staff, note=reason)
    return case


def merge(case, into, staff, reason="", now=None):
    """`case` repeats `into`: it closes as a duplicate and its reporter follows `into`."""
    _allowed("merge", staff, case)
    if into.id == case.id or into.state not in OPEN_STATES:
        raise CaseError("bad_merge_target", "只能合并到另一个正在办理的案件", 422)
    now = now or utcnow()
    with db.atomic():
        _move(case, ACTIONS["merge"].states, now, state="duplicate", merged_into=into.id, closed_at=now)
        _event(case, "merged", now, staff=staff, note="与 %s 重复，已合并。%s" % (into.number, reason))
        if case.reporter_id and case.reporter_id != into.reporter_id:
            CaseFollower.insert(case=into, resident=case.reporter_id, created_at=now) \
                .on_conflict(conflict_target=[CaseFollower.case, CaseFollower.resident],
                             action="NOTHING").execute()
        _event(into, "duplicate_merged", now, staff=staff, public=False,
               note="%s 已合并到本案件" % case.number)
    return case


# The table's own entry points for the two actions whose fields name another object: its id or
# number comes from a form or a JSON body, and is looked up here, with the caller's rights.
def transfer_to(case, staff, to_staff_id, reason, now=None):
    return transfer(case, staff, Staff.get_or_none(Staff.id == to_staff_id), reason, now)


def merge_into(case, staff, into, reason="", now=None):
    target = Case.get_or_none(Case.number == (into or "").strip())
    if target is None or not permissions.can_view(staff, target):
        raise CaseError("not_found", "要合并到的案件不存在", 404)     # not theirs: as if absent
    return merge(case, target, staff, reason, now)


# In the order the console offers them.
ACTIONS = {action.name: action for action in (
    Action("accept", "受理", ("submitted", "reopened"), accept,
           fields=(Field("note", hint="收到，马上安排处理", canned=True),)),
    Action("start", "开始处理", ("accepted",), start_work,
           fields=(Field("note", hint="正在处理"),)),
    # "notes": the staff API's first spelling, kept for its clients.
    Action("note", "添加进展", STATES, add_note, aliases=("notes",),
           fields=(Field("text", "text", required=True), Field("public", "flag", hint="居民可见"),
                   Field("photo_ids", "photos", hint="现场照片"))),
    Action("resolve", "办结", OPEN_STATES, resolve,
           fields=(Field("note", "text", required=True), Field("photo_ids", "photos", hint="处理后的照片"))),
    Action("transfer", "转交", OPEN_STATES, transfer_to,
           fields=(Field("to_staff_id", "staff", required=True), Field("reason", required=True, hint="原因"))),
    Action("escalate", "升级", OPEN_STATES, escalate, when=below_top_level,
           fields=(Field("reason", required=True, hint="需要上级协调的原因"),)),
    Action("reject", "不予受理", OPEN_STATES, reject,
           fields=(Field("reason", required=True, hint="原因（居民可见）"),)),
    Action("merge", "合并", OPEN_STATES, merge_into,
           fields=(Field("into", "case", required=True, hint="案件编号 R…"), Field("reason", hint="原因"))),
)}
ALIASES = {alias: action for action in ACTIONS.values() for alias in action.aliases}


def find_action(name, aliases=False):
    """The row of ACTIONS called `name` (with `aliases`, an older name too), else unknown_action."""
    found = ACTIONS.get(name) or (ALIASES.get(name) if aliases else None)
    if found is None:
        raise CaseError("unknown_action", "未知操作：%s" % name, 404)
    return found


def perform(case, actor, action, now=None, **fields):
    """Do the staff action named `action` on `case` as `actor`, with its fields as plain values
    (text, a flag, a staff member's id, a case number). Its function checks who may, the state
    and the fields (CaseError, PermissionDenied), writes the change and its events in one
    transaction, and queues the notifications it calls for to go once that commits."""
    return find_action(action).run(case, actor, now=now, **fields)


def staff_actions(case, staff):
    """The actions (rows of ACTIONS) `staff` may take on `case` as it is now, in the table's
    order: a button is offered exactly when perform() would accept it."""
    verdicts = {}       # each rule asked once: most rows share permissions.can_act

    def may(rule):
        if rule not in verdicts:
            verdicts[rule] = rule(staff, case)
        return verdicts[rule]
    return [row for row in ACTIONS.values()
            if case.state in row.states and (row.when is None or row.when(case)) and may(row.who)]


# -- residents ---------------------------------------------------------------------------------
# What a case's reporter may do to it, by the states each action starts from (a rating, once):
# the functions below read their row, and resident_actions() offers exactly what they accept.
RESIDENT_ACTIONS = {
    "confirm": ("resolved",),
    "reopen": ("resolved",),
    "rate": ("resolved", "closed"),
}


def resident_actions(case, resident):
    """The names in RESIDENT_ACTIONS `resident` may take on `case` as it is now, in the table's
    order: only its reporter (a follower reads, and acts on nothing)."""
    if resident is None or case.reporter_id != resident.id:
        return []
    return [name for name, states in RESIDENT_ACTIONS.items()
            if case.state in states and (name != "rate" or case.rating is None)]


def confirm(case, resident, now=None):
    _require_reporter(case, resident)
    now = now or utcnow()
    with db.atomic():
        _move(case, RESIDENT_ACTIONS["confirm"], now, state="closed", closed_at=now, confirmed_at=now)
        _event(case, "confirmed", now, resident=resident, note="居民确认已解决")
    return case


def reopen(case, resident, reason, now=None):
    """"Not fixed": back to work at the same level, with a fresh clock."""
    _require_reporter(case, resident)
    _require_reason(reason, "请说明未解决的情况")
    now = now or utcnow()
    with db.atomic():
        _move(case, RESIDENT_ACTIONS["reopen"], now, state="reopened", resolved_at=None,
              **start_clock(case, case.level, now))
        _event(case, "reopened", now, resident=resident, note=reason)
    return case


def rate(case, resident, score, comment="", now=None):
    _require_reporter(case, resident)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise CaseError("bad_rating", "评分应为1到5分", 422)
    if case.rating is not None:
        # Said plainly; a rating given meanwhile is still refused by the update's guard.
        raise CaseError("already_rated", "您已经评价过了，每个案件只能评价一次")
    now = now or utcnow()
    with db.atomic():
        _move(case, RESIDENT_ACTIONS["rate"], now, guard=Case.rating.is_null(),
              rating=score, rating_comment=(comment or "").strip()[:500])
        _event(case, "rated", now, resident=resident, note="%d分 %s" % (score, comment or ""))
    return case


def follow(case, resident, now=None):
    """ "Me too": a neighbour with the same problem follows the case."""
    if case.state not in OPEN_STATES:
        raise CaseError("not_open", "案件已办结，无需关注")
    if case.reporter_id == resident.id:
        return case
    CaseFollower.insert(case=case, resident=resident, created_at=now or utcnow()) \
        .on_conflict(conflict_target=[CaseFollower.case, CaseFollower.resident],
                     action="NOTHING").execute()
    return case


# -- the clock ---------------------------------------------------------------------------------
def sweep_overdue(now=None):
    """Escalate every open case whose response or resolution deadline has passed; at the top
    level, record that it is overdue (once per level). Returns the numbers escalated."""
    now = now or utcnow()
    overdue = (Case.select().where(
        Case.state.in_(OPEN_STATES)
        & (((Case.responded_at.is_null()) & (Case.response_due_at < now))
           | (Case.resolve_due_at < now)))
        .order_by(Case.resolve_due_at))
    escalated = []
    # Read whole before writing: on SQLite a cursor still open holds a read snapshot, and a write
    # begun inside it is refused at once ("database is locked") once another writer committed.
    for case in list(overdue):
        missed = "响应" if case.responded_at is None and case.response_due_at < now else "办理"
        if case.level < DEFAULT_POLICY.top_level:
            try:
                escalate(case, None, "超过%s时限，自动升级" % missed, now)
                escalated.append(case.number)
            except CaseError:
                continue          # someone acted on it meanwhile: their change stands
        elif not CaseEvent.select().where((CaseEvent.case == case) & (CaseEvent.kind == "overdue")
                                            & (CaseEvent.created_at >= case.level_started_at)).exists():
            _event(case, "overdue", now, public=False, note="已超过%s时限（最高层级）" % missed)
    return escalated


def auto_close(now=None, after=DEFAULT_POLICY.auto_close_after):
    """Resolved cases the resident has not confirmed or reopened within `after` close."""
    now = now or utcnow()
    closed = []
    for case in list(Case.select().where((Case.state == "resolved") & (Case.resolved_at < now - after))):
        with db.atomic():
            try:
                _move(case, ("resolved",), now, state="closed", closed_at=now)
            except CaseError:
                continue
            _event(case, "auto_closed", now, note="居民%d天未确认，自动办结" % after.days)
        closed.append(case.number)
    return closed


# -- helpers -----------------------------------------------------------------------------------
def _move(case, from_states, now, guard=None, **changes):
    # The level too: a copy loaded at level 1 must not act after the sweep escalated the case,
    # whose state is `submitted` again.
    changes["updated_at"] = now
    condition = (Case.id == case.id) & Case.state.in_(from_states) & (Case.level == case.level)
    if guard is not None:
        condition &= guard
    if Case.update(**changes).where(condition).execute() != 1:
        raise CaseError("state_changed", "案件状态已变化（可能已被他人处理），请刷新后再试")
    for field, value in changes.items():
        setattr(case, field, value)         # a foreign key set by id drops the cached object


def _event(case, kind, now, staff=None, resident=None, note="", public=True):
    return CaseEvent.create(case=case, kind=kind, actor_staff=staff, actor_resident=resident,
                              note=note, public=public, created_at=now)


def _show_photos(staff, case, event, photo_ids):
    if not photos.attach_fix_photos(staff, case, event, photo_ids):
        # Raised inside the step's transaction: the step is undone with it.
        raise CaseError("bad_upload", "照片不存在、不是您上传的，或已用于其他案件", 422)


def _allowed(name, staff, case):
    permissions.require(staff, case, ACTIONS[name].who)


def _require_reason(text, message="请填写原因"):
    if not (text or "").strip():
        raise CaseError("reason_required", message, 422)


def _require_reporter(case, resident):
    if resident is None or case.reporter_id != resident.id:
        # Not theirs: say nothing about whether it exists.
        raise CaseError("not_found", "案件不存在", 404)
