"""议事: a resident raises a proposal for their unit, building, estate or the community; the
households of that scope support it (附议), once each, and comment; at the community's threshold
it goes on the residents' council's agenda; staff record the outcome, public to the scope.

Who takes part is a household, through a member whose address is confirmed (Resident.household
with address_state "confirmed"): the raiser's own household supports its proposal from the start.
A scope is a place of the household's unit: its unit, its building, the building's estate, or the
community. Residents see the proposals of their scopes only; another scope's proposal is not
found (404), and a support from outside the scope of one of the community's proposals is refused
(403 outside_scope).

Supports are decided by the schema: the unique key (proposal, household) lets one of two
members tapping at once in two workers through, and the other is told already_supported (409).
The count and the move to the agenda happen in the support's transaction by conditional updates,
so the threshold is crossed once, whatever arrives together.

Comments are screened with the sensitive-word list as article comments are (account/words.py,
passed in as `find`: this layer sits below account): under COMMENT_FLAGGED_POLICY "hold" a flagged
one is kept for staff, shown to its author only; under "delete" it is refused and nothing kept.
"""
import collections

from peewee import JOIN
from peewee import IntegrityError

from cases import intake
from cases import notify
from cases import photos as uploads
from cases import workflow
from community.policy import policy_for
from linli import config
from linli import limits
from linli import storage
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.cases import OPEN_STATES as CASE_OPEN_STATES
from models.cases import Case
from models.community import Building
from models.community import Estate
from models.community import Unit
from models.db import db
from models.db import utcnow
from models.households import Household
from models.miniprogram import Upload
from models.people import RoleAssignment
from models.proposals import OPEN_STATES
from models.proposals import SCOPES
from models.proposals import Proposal
from models.proposals import ProposalComment
from models.proposals import ProposalSupport

MAX_TITLE, MIN_TEXT, MAX_TEXT, MAX_COMMENT, MAX_REASON, MAX_PHOTOS = 60, 10, 2000, 500, 500, 9
# (code, message) of a bad field: answered here and by the API's model for the same length.
TITLE_RULE = ("bad_title", "请填写标题（不超过%d个字）" % MAX_TITLE)
TEXT_RULE = ("bad_text", "请说明议事内容（%d到%d个字）" % (MIN_TEXT, MAX_TEXT))
COMMENT_RULE = ("bad_text", "评论应为1到%d个字" % MAX_COMMENT)
PROPOSALS_PER_DAY = 5
COMMENTS_PER_HOUR = 30
SCOPE_LABELS = {"unit": "本单元", "building": "本楼", "estate": "本小区", "community": "本社区"}
# The labels carry their own 已/未 (已采纳, 未采纳): a message says "该议事" + label, never "已" + label.
STATE_LABELS = {"open": "征集附议", "on_agenda": "已列入议事会议程", "adopted": "已采纳", "merged": "已合并",
                "declined": "未采纳"}
# Who records an outcome: the community's secretary and admin, and for a unit's or a building's
# proposal the worker of the building's grid.
DECIDERS = ("secretary", "admin")


class ProposalError(LinliError):
    status = 409


# A household's place, as its unit gives it: what its member may raise for and support.
Place = collections.namedtuple("Place", "household community_id estate_id building_id unit_id")


def place_of(resident):
    """The place of the resident's household; 403 without a confirmed address in a known room."""
    if resident.address_state != "confirmed" or resident.community_id is None:
        raise PermissionDenied("address_not_confirmed", "请先填写住址并等待社区确认后再参与议事")
    household = (Household.select(Household, Unit, Building).join(Unit).join(Building)
                 .where(Household.id == resident.household_id).first() if resident.household_id else None)
    if household is None:
        raise PermissionDenied("no_household", "您的住址还没有对应到具体房间，请联系社区工作人员")
    building = household.unit.building
    return Place(household, building.community_id, building.estate_id, building.id, household.unit_id)


def _scope_of(place, scope):
    """The scope's fields for a proposal raised from `place`."""
    if scope == "unit":
        return dict(unit=place.unit_id, building=place.building_id, estate=place.estate_id)
    if scope == "building":
        return dict(building=place.building_id, estate=place.estate_id)
    if scope == "estate":
        if place.estate_id is None:
            raise ProposalError("no_estate", "您的楼栋不属于任何小区，请选择本楼或本社区", 422)
        return dict(estate=place.estate_id)
    return {}


def within(model, place):
    """The rows of `model` (a proposal or a consultation: both have a scope over the community's
    places) whose scope holds `place`."""
    return (model.community == place.community_id) & (
        (model.scope == "community")
        | ((model.scope == "estate") & (model.estate == place.estate_id))
        | ((model.scope == "building") & (model.building == place.building_id))
        | ((model.scope == "unit") & (model.unit == place.unit_id)))


def holds(scoped, place):
    """Whether a proposal's or consultation's scope holds `place`."""
    if scoped.community_id != place.community_id:
        return False
    return {"community": True, "estate": scoped.estate_id == place.estate_id,
            "building": scoped.building_id == place.building_id,
            "unit": scoped.unit_id == place.unit_id}[scoped.scope]


def scope_households(community_id, scope, estate_id=None, building_id=None, unit_id=None):
    """The households (Household rows) of a scope."""
    query = Household.select().join(Unit).join(Building)
    where = {"community": Building.community == community_id, "estate": Building.estate == estate_id,
             "building": Building.id == building_id, "unit": Unit.id == unit_id}[scope]
    return query.where(where).count()


# -- residents -------------------------------------------------------------------------------------
def raise_proposal(resident, scope, title, text, upload_ids=(), key=None, now=None):
    """(proposal, created): a new proposal, supported by the raiser's household from the start; on
    the agenda at once when that is already enough (a scope of very few households). With `key`,
    a retry after a lost answer gets the proposal the first try raised (created False)."""
    if key is not None and not 1 <= len(key) <= 100:
        raise ProposalError("bad_idempotency_key", "Idempotency-Key 长度应为1到100", 422)
    if key:
        earlier = Proposal.get_or_none((Proposal.proposer == resident) & (Proposal.idempotency_key == key))
        if earlier is not None:
            return earlier, False
    place = place_of(resident)
    if scope not in SCOPES:
        raise ProposalError("bad_scope", "范围应为 %s 之一" % "、".join(SCOPES), 422)
    title, text = (title or "").strip(), (text or "").strip()
    upload_ids = list(dict.fromkeys(upload_ids or []))
    if not 1 <= len(title) <= MAX_TITLE:
        raise ProposalError(*TITLE_RULE, 422)
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        raise ProposalError(*TEXT_RULE, 422)
    if len(upload_ids) > MAX_PHOTOS:
        raise ProposalError("too_many_photos", "最多上传%d张照片" % MAX_PHOTOS, 422)
    fields = _scope_of(place, scope)
    needed = policy_for(place.community_id).proposals.support_needed(
        scope_households(place.community_id, scope, place.estate_id, place.building_id, place.unit_id))
    limits.hit("proposal:%d" % resident.id, PROPOSALS_PER_DAY, 86400, "今天提出的议事已经够多了，请明天再来")
    now = now or utcnow()
    try:
        with db.atomic():
            proposal = Proposal.create(community=place.community_id, scope=scope, proposer=resident, title=title,
                                       text=text, support_needed=needed, idempotency_key=key or None,
                                       created_at=now, updated_at=now, **fields)
            _attach(proposal, resident, upload_ids)
            _add_support(proposal, place.household, resident, now)
    except IntegrityError:
        # the same key's first try committed while this one ran (two taps, two workers)
        earlier = key and Proposal.get_or_none((Proposal.proposer == resident) & (Proposal.idempotency_key == key))
        if not earlier:
            raise
        return earlier, False
    return Proposal.get_by_id(proposal.id), True


def _attach(proposal, resident, upload_ids):
    if not uploads.claim(resident, upload_ids, proposal=proposal):
        # Someone else's photo, an unknown id, or one a case or another proposal took.
        raise ProposalError("bad_upload", "照片不存在或已被使用", 422)


def support(proposal, resident, now=None):
    """The household's support (附议); returns (proposal, created). The same resident's retry is
    answered with the proposal as it stands; another member's, or the raiser's household's, is
    already_supported."""
    place = place_of(resident)
    if not holds(proposal, place):
        raise PermissionDenied("outside_scope", "该议事面向%s的住户，您家不在其中" % scope_label(proposal))
    if proposal.state not in OPEN_STATES:
        raise ProposalError("proposal_closed", "该议事%s，不能再附议" % STATE_LABELS[proposal.state])
    try:
        with db.atomic():
            _add_support(proposal, place.household, resident, now or utcnow())
    except IntegrityError:
        earlier = ProposalSupport.get_or_none((ProposalSupport.proposal == proposal)
                                              & (ProposalSupport.household == place.household))
        if earlier is None:
            raise
        if earlier.resident_id == resident.id and proposal.proposer_id != resident.id:
            return Proposal.get_by_id(proposal.id), False
        raise ProposalError("already_supported", "您家已附议过该议事（每户一次）") from None
    return Proposal.get_by_id(proposal.id), True


def _add_support(proposal, household, resident, now):
    """Inside the caller's transaction: the row (the unique key refuses a second one for the
    household), the count, and the agenda once the count reaches the bar."""
    ProposalSupport.create(proposal=proposal, household=household, resident=resident, created_at=now)
    counted = (Proposal.update(supporters=Proposal.supporters + 1, updated_at=now)
               .where((Proposal.id == proposal.id) & Proposal.state.in_(OPEN_STATES)).execute())
    if not counted:                       # decided meanwhile: the support is not taken
        raise ProposalError("proposal_closed", "该议事已有结果，不能再附议")
    if (Proposal.update(state="on_agenda", on_agenda_at=now)
            .where((Proposal.id == proposal.id) & (Proposal.state == "open")
                   & (Proposal.supporters >= Proposal.support_needed)).execute()):
        notify.proposal_changed(proposal, "on_agenda")      # this support crossed the bar: once


def comment(proposal, resident, text, find, now=None):
    """A neighbour's comment. `find(text)`: the listed words in it (account.words.Screen.find)."""
    place = place_of(resident)
    if not holds(proposal, place):
        raise PermissionDenied("outside_scope", "该议事面向%s的住户，您家不在其中" % scope_label(proposal))
    if proposal.state not in OPEN_STATES:
        raise ProposalError("proposal_closed", "该议事%s，不再接受评论" % STATE_LABELS[proposal.state])
    text = (text or "").strip()
    if not 1 <= len(text) <= MAX_COMMENT:
        raise ProposalError(*COMMENT_RULE, 422)
    found = find(text)
    if found and config.active().COMMENT_FLAGGED_POLICY == "delete":
        raise ProposalError("sensitive_words", "评论含有不宜发布的内容，请修改后再发", 422)
    limits.hit("proposal-comment:%d" % resident.id, COMMENTS_PER_HOUR, 3600, "评论过于频繁，请稍后再试")
    return ProposalComment.create(proposal=proposal, resident=resident, text=text,
                                  state="held" if found else "shown", matched=",".join(found)[:200],
                                  created_at=now or utcnow())


def visible(resident, proposal_id, model=Proposal, missing="议事不存在"):
    """The proposal (or consultation, by `model`) for a resident of its scope; 404 otherwise
    (another scope's is not shown)."""
    found = model.get_or_none(model.id == proposal_id)
    if found is None or not holds(found, place_of(resident)):
        raise LinliError("not_found", missing, 404)
    return found


def of_community(resident, proposal_id, model=Proposal, missing="议事不存在"):
    """A proposal (or consultation, by `model`) of the resident's community, to act on: an
    action from outside its scope is then answered outside_scope by the action itself; 404 for
    another community's."""
    found = model.get_or_none(model.id == proposal_id)
    if found is None or found.community_id != place_of(resident).community_id:
        raise LinliError("not_found", missing, 404)
    return found


def listing(resident, scope=None, state=None, page=1, size=20):
    """(total, proposals) of the resident's scopes, one scope or state if given, newest first."""
    place = place_of(resident)
    where = within(Proposal, place)
    if scope:
        where &= Proposal.scope == scope
    if state:
        where &= Proposal.state == state
    query = Proposal.select().where(where)
    return query.count(), list(query.order_by(Proposal.created_at.desc(), Proposal.id.desc()).paginate(page, size))


def supported_by(resident, proposal_ids):
    """The ids among `proposal_ids` the resident's household supports."""
    if not resident.household_id or not proposal_ids:
        return set()
    return {s.proposal_id for s in ProposalSupport.select(ProposalSupport.proposal).where(
        ProposalSupport.proposal.in_(list(proposal_ids)) & (ProposalSupport.household == resident.household_id))}


def comments_for(proposal, resident):
    """The shown comments, and the reader's own held ones, oldest first."""
    return list(ProposalComment.select().where(
        (ProposalComment.proposal == proposal)
        & ((ProposalComment.state == "shown") | (ProposalComment.resident == resident)))
        .order_by(ProposalComment.id))


def photos(proposal):
    """Links to its photos for a reader the caller has let see the proposal (signed on S3)."""
    return [storage.url_of(u.path) for u in Upload.select(Upload.path).where(Upload.proposal == proposal)
            .order_by(Upload.id)]


def timeline(proposal):
    """Its public steps: raised, on the agenda, the outcome with its reason."""
    steps = [{"kind": "raised", "label": "提出议事", "at": proposal.created_at, "note": ""}]
    if proposal.on_agenda_at:
        steps.append({"kind": "on_agenda", "label": STATE_LABELS["on_agenda"], "at": proposal.on_agenda_at,
                      "note": "%d户附议" % proposal.support_needed})
    if proposal.decided_at:
        steps.append({"kind": proposal.state, "label": STATE_LABELS[proposal.state], "at": proposal.decided_at,
                      "note": proposal.outcome_reason})
    return steps


def scope_label(proposal):
    """The place as its residents name it: "丰泽园小区 3号楼 2单元", "丰泽园小区", "全社区"."""
    if proposal.scope in ("unit", "building"):
        building = (Building.select(Building, Estate).join(Estate, JOIN.LEFT_OUTER)
                    .where(Building.id == proposal.building_id).get())
        if proposal.scope == "building":
            return building.label
        return "%s %s" % (building.label, Unit.select(Unit.name).where(Unit.id == proposal.unit_id).scalar())
    if proposal.scope == "estate":
        return Estate.select(Estate.name).where(Estate.id == proposal.estate_id).scalar()
    return "全社区"


# -- staff -----------------------------------------------------------------------------------------
def can_decide(staff, proposal):
    if staff is None or not staff.active:
        return False
    scope = (RoleAssignment.community == proposal.community_id) & RoleAssignment.role.in_(DECIDERS)
    if proposal.scope in ("unit", "building"):
        grid_id = Building.select(Building.grid).where(Building.id == proposal.building_id).scalar()
        if grid_id:
            scope |= (RoleAssignment.grid == grid_id) & (RoleAssignment.role == "grid_worker")
    return RoleAssignment.select().where((RoleAssignment.staff == staff) & scope).exists()


def decided(staff, proposal_id):
    """The proposal for `staff` to decide: 404 unknown, PermissionDenied when not theirs."""
    proposal = Proposal.get_or_none(Proposal.id == proposal_id)
    if proposal is None:
        raise LinliError("not_found", "议事不存在", 404)
    if not can_decide(staff, proposal):
        raise PermissionDenied("not_your_proposal", "只有社区书记、管理员或该楼所在网格的网格员可以记录议事结果")
    return proposal


def _adopt(proposal, case_number=None, file_case=False, now=None, **_):
    if file_case and case_number:
        raise ProposalError("case_twice", "请二选一：新建案件，或填写已有案件编号", 422)
    if file_case:
        # Filed by staff for the scope, not the proposer's own complaint: at the proposal's
        # building and unit where its scope has them (none for an estate's or the community's,
        # routed then to the community), the proposal named in its text.
        case = intake.submit(None, "staff", "【议事#%d】%s\n%s" % (proposal.id, proposal.title, proposal.text),
                             community_id=proposal.community_id, building=proposal.building,
                             unit=proposal.unit_id, now=now)
    elif case_number:
        case = Case.get_or_none((Case.number == case_number) & (Case.community == proposal.community_id))
        if case is None:
            raise ProposalError("unknown_case", "本社区没有案件 %s" % case_number, 422)
    else:
        return {}
    # The proposer is told the case's number: they follow it, as with 我也遇到 (a closed case they
    # could not follow themselves stays closed to them), so they see its progress and hear of it.
    if case.state in CASE_OPEN_STATES:
        workflow.follow(case, proposal.proposer, now)
    return {"case": case.id}


def _merge(proposal, merged_into_id=None, **_):
    target = Proposal.get_or_none((Proposal.id == merged_into_id) & (Proposal.community == proposal.community_id)) \
        if merged_into_id else None
    if target is None or target.id == proposal.id:
        raise ProposalError("unknown_proposal", "请选择本社区另一条议事作为合并目标", 422)
    if target.state == "merged":
        raise ProposalError("merged_target", "目标议事本身已被合并，请合并到它所并入的议事", 422)
    return {"merged_into": target.id}


Action = collections.namedtuple("Action", "state label from_states fields")
# The outcomes staff record, read by the staff API and its document. Adopting follows the
# council's discussion; merging and declining may come earlier (a duplicate, a matter beyond the
# residents' say), always with a public reason.
ACTIONS = {
    "adopt": Action("adopted", "采纳", ("on_agenda",), _adopt),
    "merge": Action("merged", "合并", OPEN_STATES, _merge),
    "decline": Action("declined", "不采纳", OPEN_STATES, lambda proposal, **_: {}),
}


def decide(proposal, staff, action, reason, case_number=None, merged_into_id=None, file_case=False, now=None):
    """Record the outcome with its public reason (adopt: with an existing case's number, or
    `file_case` to file one from it in the same transaction), and notify the proposer; 409
    state_changed when it is no longer in a state the action takes (another staff member decided
    first), and then no case is filed and no one notified."""
    rule = ACTIONS.get(action)
    if rule is None:
        raise ProposalError("unknown_action", "未知操作", 404)
    if not can_decide(staff, proposal):
        raise PermissionDenied("not_your_proposal", "只有社区书记、管理员或该楼所在网格的网格员可以记录议事结果")
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= MAX_REASON:
        raise ProposalError("reason_required", "请填写公开说明（不超过%d个字）" % MAX_REASON, 422)
    if proposal.state not in rule.from_states:
        raise ProposalError("state_changed", "该议事当前为“%s”，不能%s" % (STATE_LABELS[proposal.state], rule.label))
    now = now or utcnow()
    with db.atomic():
        values = rule.fields(proposal, case_number=case_number, merged_into_id=merged_into_id,
                             file_case=file_case, now=now)
        changed = (Proposal.update(state=rule.state, outcome_reason=reason, decided_by=staff, decided_at=now,
                                   updated_at=now, **values)
                   .where((Proposal.id == proposal.id) & Proposal.state.in_(rule.from_states)).execute())
        if not changed:
            raise ProposalError("state_changed", "该议事刚刚已有结果，请刷新")
        proposal = Proposal.get_by_id(proposal.id)
        notify.proposal_changed(proposal, rule.state)
    return proposal


def case_number(proposal):
    return Case.select(Case.number).where(Case.id == proposal.case_id).scalar() if proposal.case_id else None

