"""征询/表决: staff open a consultation for a unit, building, estate or the community; each
household of the scope has one voice, cast online by any confirmed member or recorded at the
door by staff; the result is computed once, at the close, from the stored voices.

Who speaks is a household (cases.proposals.place_of: a confirmed address in a known room). The
unique key (consultation, household) lets one of two members tapping at once through; the other
is told already_voted, with who cast it. A door-to-door voice never replaces one the household
cast itself (cast_by_household, 409).

Votes and the close meet on the consultation's row. Every vote runs in a transaction that first
reads that row FOR SHARE (PostgreSQL) and checks it is still open; the close takes the same row
FOR UPDATE, which waits for the votes in flight to commit and keeps new ones waiting until it
commits. So the close's tally, read after the lock, holds every vote that committed, and a vote
that waited reads the row again (READ COMMITTED re-reads a locked row) and finds it closed:
every vote is in the result or refused, none counted after. On SQLite every writing
transaction begins IMMEDIATE (models/db.py) and writers take turns, which gives the same order.
The close is also a conditional update (state = 'open'), so the result is stored exactly once.
"""
import datetime
import json
from pathlib import Path

from peewee import JOIN
from peewee import IntegrityError

from cases import photos as uploads
from cases import proposals as scoped
from cases.proposals import Place
from cases.proposals import holds
from cases.proposals import place_of
from community.policy import policy_for
from decisions import rules
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Estate
from models.community import Unit
from models.db import db
from models.db import is_postgres
from models.db import utcnow
from models.decisions import Consultation
from models.decisions import Vote
from models.households import Household
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff
from models.proposals import SCOPES

MAX_QUESTION, MAX_OPTION, MIN_OPTIONS, MAX_OPTIONS = 200, 30, 2, 10
DEFAULT_OPTIONS = ("同意", "不同意", "弃权")
MANAGERS = ("secretary", "admin")      # and the building's grid worker for a unit or building


class ConsultationError(LinliError):
    status = 409


# -- who may do what --------------------------------------------------------------------------------
def _roles(staff, community_id, building_id=None, unit_id=None, leaders=True):
    """Staff's roles over a place: the community's managers, the building's grid worker, and
    with `leaders` the building's and the unit's leaders."""
    scope = (RoleAssignment.community == community_id) & RoleAssignment.role.in_(MANAGERS)
    if building_id is not None:
        grid_id = Building.select(Building.grid).where(Building.id == building_id).scalar()
        if grid_id:
            scope |= (RoleAssignment.grid == grid_id) & (RoleAssignment.role == "grid_worker")
        if leaders:
            scope |= (RoleAssignment.building == building_id) & (RoleAssignment.role == "building_leader")
    if leaders and unit_id is not None:
        scope |= (RoleAssignment.unit == unit_id) & (RoleAssignment.role == "unit_leader")
    return RoleAssignment.select().where((RoleAssignment.staff == staff) & scope).exists()


def can_manage(staff, consultation):
    """Open, close and export: the community's secretary and admin; for a unit's or a building's
    consultation also the grid worker of its building."""
    if staff is None or not staff.active:
        return False
    building = consultation.building_id if consultation.scope in ("unit", "building") else None
    return _roles(staff, consultation.community_id, building, leaders=False)


def can_follow(staff, consultation):
    """See who has not answered: the managers, and the leaders of the scope's building or unit."""
    if staff is None or not staff.active:
        return False
    building = consultation.building_id if consultation.scope in ("unit", "building") else None
    unit = consultation.unit_id if consultation.scope == "unit" else None
    return _roles(staff, consultation.community_id, building, unit)


def can_record_for(staff, community_id, household):
    """Record a household's voice at the door: its unit's or building's leader, its building's
    grid worker, the community's managers (seed 004: staff and volunteers knocked together)."""
    if staff is None or not staff.active:
        return False
    unit = Unit.get_by_id(household.unit_id)
    return _roles(staff, community_id, unit.building_id, unit.id)


# -- opening ----------------------------------------------------------------------------------------
def open_consultation(staff, community_id, scope, question, closes_at, rule="households_majority",
                      options=DEFAULT_OPTIONS, params=None, opens_at=None, estate_id=None, building_id=None,
                      unit_id=None, allow_change=False, named_export=False, description="", proposal=None,
                      now=None):
    """A new consultation; 422 with a code for each bad field, 403 when not staff's to open."""
    now = now or utcnow()
    opens_at = opens_at or now
    if scope not in SCOPES:
        raise ConsultationError("bad_scope", "范围应为 %s 之一" % "、".join(SCOPES), 422)
    if rule not in rules.RULES:
        raise ConsultationError("bad_rule", "规则应为 %s 之一" % "、".join(rules.RULES), 422)
    if rule == "unit_consent" and scope != "unit":
        raise ConsultationError("bad_rule", "单元同意规则只用于一个单元的征询", 422)
    place = _place(community_id, scope, estate_id, building_id, unit_id)
    question = (question or "").strip()
    if not 1 <= len(question) <= MAX_QUESTION:
        raise ConsultationError("bad_question", "请填写征询事项（不超过%d个字）" % MAX_QUESTION, 422)
    options = [str(o).strip() for o in options or ()]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS or len(set(options)) != len(options) \
            or not all(1 <= len(o) <= MAX_OPTION for o in options):
        raise ConsultationError("bad_options", "请给出%d到%d个不同的选项，第一个为同意" % (MIN_OPTIONS, MAX_OPTIONS),
                                422)
    if closes_at <= opens_at or closes_at <= now:
        raise ConsultationError("bad_times", "截止时间应晚于开始时间和现在", 422)
    try:
        params = rules.fix_params(rule, params, policy_for(community_id).consent)
    except rules.RuleError as exc:
        raise ConsultationError("bad_params", str(exc), 422) from None
    probe = Consultation(community=community_id, scope=scope, **place)
    if not can_manage(staff, probe):
        raise PermissionDenied("not_your_scope", "只有社区书记、管理员或该楼所在网格的网格员可以发起征询")
    consultation = Consultation(community=community_id, scope=scope, **place)
    roll = [[h.id, h.floor_area_dm2, h.occupancy] for h in scope_households(consultation)]
    return Consultation.create(
        community=community_id, scope=scope, question=question, description=(description or "").strip(),
        options=json.dumps(options, ensure_ascii=False), rule=rule, rule_params=json.dumps(params),
        roll=json.dumps(roll),
        allow_change=bool(allow_change), named_export=bool(named_export), opens_at=opens_at, closes_at=closes_at,
        proposal=proposal, created_by=staff, created_at=now, **place)


def _place(community_id, scope, estate_id, building_id, unit_id):
    """The scope's fields, checked to lie in the community (as a proposal's: a unit's carries its
    building and estate, a building's its estate)."""
    if scope == "unit":
        unit = Unit.get_or_none(Unit.id == unit_id) if unit_id else None
        building = Building.get_or_none(Building.id == unit.building_id) if unit else None
        if building is None or building.community_id != community_id:
            raise ConsultationError("bad_place", "单元不存在", 422)
        return dict(unit=unit.id, building=building.id, estate=building.estate_id)
    if scope == "building":
        building = Building.get_or_none(Building.id == building_id) if building_id else None
        if building is None or building.community_id != community_id:
            raise ConsultationError("bad_place", "楼栋不存在", 422)
        return dict(building=building.id, estate=building.estate_id)
    if scope == "estate":
        estate = Estate.get_or_none(Estate.id == estate_id) if estate_id else None
        if estate is None or estate.community_id != community_id:
            raise ConsultationError("bad_place", "小区不存在", 422)
        return dict(estate=estate.id)
    return {}


# -- voices -----------------------------------------------------------------------------------------
def options_of(consultation):
    return json.loads(consultation.options)


def _locked(consultation_id, exclusive=False):
    """The consultation's row, locked for the transaction (see the module's docstring)."""
    query = Consultation.select().where(Consultation.id == consultation_id)
    if is_postgres():
        query = query.for_update("FOR UPDATE" if exclusive else "FOR SHARE")
    return query.get()


def _taking(consultation, now):
    if consultation.state != "open" or now >= consultation.closes_at:
        raise ConsultationError("closed", "征询已截止")
    if now < consultation.opens_at:
        raise ConsultationError("not_open_yet", "征询尚未开始")


def _choice(consultation, choice):
    if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < len(options_of(consultation)):
        raise ConsultationError("bad_choice", "请选择一个选项", 422)
    return choice


def _roll(consultation):
    """[(household id, area in dm2 or None, occupancy or None)] as they stood at the opening (a
    roll written before occupancy was kept on it says None: the household's own is read then)."""
    return [(entry[0], entry[1], entry[2] if len(entry) > 2 else None)
            for entry in json.loads(consultation.roll or "[]")]


def roll_of(consultation):
    """{household id: area in dm2 or None}: the scope's flats as they stood when it opened."""
    return {hid: area for hid, area, _ in _roll(consultation)}


def occupancy_at_opening(consultation, household):
    return next((occupancy for hid, _, occupancy in _roll(consultation) if hid == household.id),
                None) or household.occupancy


def _may_speak(consultation, household, at_door=False):
    # A flat added to the scope after the opening is not on the roll: it neither votes nor counts.
    if household.id not in roll_of(consultation):
        raise PermissionDenied("outside_scope", "该户不在本次征询开始时的范围内")
    # Under Art. 278 the owner speaks for the flat. Online, a member speaks: in a flat not an
    # owner's at the opening (re-marking it during the vote changes nothing) the members are
    # tenants, who do not vote; the owner's voice comes through the door (the owner's signed
    # paper, recorded by the leader), so a let flat still has a way to its voice.
    if not at_door and consultation.rule in rules.OWNERS_ONLY \
            and occupancy_at_opening(consultation, household) != "owner":
        raise PermissionDenied("owners_only", "本次表决依《民法典》第二百七十八条由业主参与：租户不参与表决，"
                                              "房屋业主可通过单元长入户书面表决")


def _cast_by(vote):
    if vote.recorded_by_id:
        return "入户代录"
    nickname = Resident.select(Resident.nickname).where(Resident.id == vote.resident_id).scalar()
    return nickname or "家庭成员"


def cast(resident, consultation, choice, change=False, now=None):
    """The household's voice by one of its members; returns (vote, created). A second voice for
    the household is already_voted (with who cast the first) unless `change` is asked and the
    consultation allows changes; the same member repeating the same choice gets it back."""
    now = now or utcnow()
    place = place_of(resident)
    if not holds(consultation, place):
        raise PermissionDenied("outside_scope", "本次征询不包括您家")
    _may_speak(consultation, place.household)
    choice = _choice(consultation, choice)
    try:
        with db.atomic():
            current = _locked(consultation.id)
            _taking(current, now)
            earlier = Vote.get_or_none((Vote.consultation == current) & (Vote.household == place.household))
            if earlier is None:
                return Vote.create(consultation=current, household=place.household, choice=choice,
                                   resident=resident, cast_at=now), True
            if earlier.resident_id == resident.id and earlier.choice == choice:
                return earlier, False
            if earlier.recorded_by_id is not None:
                # A door voice stands in for a household that had not spoken; when a member then
                # speaks while voices are taken, the household's own voice takes its place (a
                # leader can never pre-empt a household, as the household can never be overruled
                # at the door: _over). The paper's photo stays on disk, no longer its voice.
                _change(earlier, choice, now, resident=resident, recorded_by=None, recorded_at=None, photo="")
                return Vote.get_by_id(earlier.id), True
            if not change:
                raise ConsultationError("already_voted", "您家已表态（%s），每户一票" % _cast_by(earlier))
            if not current.allow_change:
                raise ConsultationError("change_not_allowed", "本次征询表态后不能更改")
            _change(earlier, choice, now, resident=resident, recorded_by=None, recorded_at=None)
            return Vote.get_by_id(earlier.id), False
    except IntegrityError:
        # Another member's voice committed between our look and our insert.
        earlier = Vote.get_or_none((Vote.consultation == consultation.id) & (Vote.household == place.household))
        if earlier is None:
            raise
        raise ConsultationError("already_voted", "您家已表态（%s），每户一票" % _cast_by(earlier)) from None


def _change(vote, choice, now, **who):
    Vote.update(choice=choice, changed_at=now, **who).where(Vote.id == vote.id).execute()


def record_at_door(staff, consultation, household_id, choice, photo=None, media_dir=None, now=None):
    """A household's voice recorded at the door by staff (who and when kept, with an optional
    photo of the signed paper); returns (vote, created). Never over a voice the household cast
    itself (cast_by_household); over an earlier door voice only where changes are allowed."""
    now = now or utcnow()
    household = Household.get_or_none(Household.id == household_id) if isinstance(household_id, int) else None
    if household is None:
        raise ConsultationError("not_found", "住户不存在", 404)
    unit = Unit.get_by_id(household.unit_id)
    building = Building.get_by_id(unit.building_id)
    if building.community_id != consultation.community_id or not can_record_for(staff, building.community_id,
                                                                                 household):
        raise PermissionDenied("not_your_household", "只有该户所在单元长、楼长、网格员或社区工作人员可以代录")
    if not holds(consultation, Place(household, building.community_id, building.estate_id, building.id, unit.id)):
        raise PermissionDenied("outside_scope", "该户不在本次征询范围内")
    _may_speak(consultation, household, at_door=True)
    choice = _choice(consultation, choice)
    path = uploads.store_image(photo, media_dir, "votes")[0] if photo else ""
    try:
        vote, created = _record(staff, consultation, household, choice, path, now)
    except Exception:
        if path:
            (Path(media_dir) / path).unlink(missing_ok=True)     # no paper kept for a voice refused
        raise
    if path and vote.photo != path:
        (Path(media_dir) / path).unlink(missing_ok=True)         # a retry's copy of the paper kept already
    return vote, created


def _record(staff, consultation, household, choice, path, now):
    who = dict(resident=None, recorded_by=staff, recorded_at=now, photo=path)
    try:
        with db.atomic():
            current = _locked(consultation.id)
            _taking(current, now)
            earlier = Vote.get_or_none((Vote.consultation == current) & (Vote.household == household))
            if earlier is None:
                return Vote.create(consultation=current, household=household, choice=choice, cast_at=now, **who), True
            if earlier.recorded_by_id == staff.id and earlier.choice == choice:
                # The same door voice again: a retry whose answer was lost on a weak connection,
                # or a double tap. It is the voice already recorded (its time kept), never a
                # refusal the leader would take for a failure; a paper photographed only now joins it.
                if path and not earlier.photo:
                    Vote.update(photo=path).where(Vote.id == earlier.id).execute()
                return Vote.get_by_id(earlier.id), False
            _over(earlier, current)
            _change(earlier, choice, now, **who)
            return Vote.get_by_id(earlier.id), False
    except IntegrityError:
        # A voice committed between our look and our insert: refused as if it had been there.
        earlier = Vote.get_or_none((Vote.consultation == consultation.id) & (Vote.household == household))
        if earlier is None:
            raise
        _over(earlier, consultation)
        raise ConsultationError("already_voted", "该户刚刚已由工作人员代录") from None


def _over(earlier, consultation):
    """Whether a door voice may replace `earlier`: never the household's own."""
    if earlier.recorded_by_id is None:
        raise ConsultationError("cast_by_household", "该户已自行表态，不能代录覆盖")
    if not consultation.allow_change:
        raise ConsultationError("already_voted", "该户已由工作人员代录")


# The most local role first: a member reads "由单元长代录", not the recorder's name.
RECORDERS = (("unit_leader", "单元长"), ("building_leader", "楼长"), ("grid_worker", "网格员"))


def recorder_role(vote, community_id):
    roles = set(RoleAssignment.select(RoleAssignment.role).where(
        (RoleAssignment.staff == vote.recorded_by_id) & (RoleAssignment.community == community_id)).scalars())
    return next((label for role, label in RECORDERS if role in roles), "社区工作人员")


def voice(resident, consultation):
    """The household's voice as its members see it: None, or the choice and who cast it (a door
    voice by the recorder's role)."""
    if not resident.household_id:
        return None
    vote = Vote.get_or_none((Vote.consultation == consultation) & (Vote.household == resident.household_id))
    if vote is None:
        return None
    return {"choice": vote.choice, "option": options_of(consultation)[vote.choice], "by": _cast_by(vote),
            "mine": vote.resident_id == resident.id, "at_door": vote.recorded_by_id is not None,
            "recorded_by": recorder_role(vote, consultation.community_id) if vote.recorded_by_id else None,
            "cast_at": vote.cast_at, "changed_at": vote.changed_at}


RULE_SENTENCES = {
    "households_majority": "每户一票，参与表态的住户中超过半数同意即通过",
    "owners_art278_ordinary": "依《民法典》第二百七十八条：专有面积和人数均占三分之二以上的业主参与表决，"
                              "且参与表决的业主中面积和人数均过半数同意即通过",
    "owners_art278_major": "依《民法典》第二百七十八条（重大事项）：专有面积和人数均占三分之二以上的业主参与表决，"
                           "且参与表决的业主中面积和人数均达四分之三以上同意即通过",
    "unit_consent": "本单元住户中达到规定比例（%s）同意即通过",
}


def rule_sentence(consultation):
    """The rule in one plain sentence, for residents."""
    sentence = RULE_SENTENCES[consultation.rule]
    params = json.loads(consultation.rule_params)
    if consultation.rule == "unit_consent":
        return sentence % params.get("needed", "").lstrip(">=")
    if params.get("quorum"):
        sentence += "（需至少%s的住户参与）" % params["quorum"].lstrip(">=")
    return sentence


def listing(resident, now=None):
    """The consultations of the resident's scopes that have opened, newest first."""
    opened = scoped.within(Consultation, place_of(resident)) & (Consultation.opens_at <= (now or utcnow()))
    return list(Consultation.select().where(opened)
                .order_by(Consultation.closes_at.desc(), Consultation.id.desc()))


def visible(resident, consultation_id):
    """A consultation of the resident's scopes; 404 for another scope's (it is not shown)."""
    return scoped.visible(resident, consultation_id, model=Consultation, missing="征询不存在")


def of_community(resident, consultation_id):
    """A consultation of the resident's community (a vote from outside its scope is then told
    outside_scope); 404 for another community's."""
    return scoped.of_community(resident, consultation_id, model=Consultation, missing="征询不存在")


def for_door(staff, consultation_id):
    """A consultation of staff's community for a door voice: record_at_door then checks that the
    household is theirs to record (a unit leader in an estate-wide or community-wide consultation
    records for their own unit). 404 for an unknown consultation or another community's."""
    consultation = Consultation.get_or_none(Consultation.id == consultation_id)
    if consultation is None or not RoleAssignment.select().where(
            (RoleAssignment.staff == staff) & (RoleAssignment.community == consultation.community_id)).exists():
        raise LinliError("not_found", "征询不存在", 404)
    return consultation


def for_staff(staff, consultation_id):
    """A consultation for staff who follow it (can_follow); 404 unknown, 403 not theirs."""
    consultation = Consultation.get_or_none(Consultation.id == consultation_id)
    if consultation is None:
        raise LinliError("not_found", "征询不存在", 404)
    if not can_follow(staff, consultation):
        raise PermissionDenied("not_your_scope", "您无权查看该征询")
    return consultation


# -- the close --------------------------------------------------------------------------------------
def _scope_where(consultation):
    return {"community": Building.community == consultation.community_id,
            "estate": Building.estate == consultation.estate_id,
            "building": Building.id == consultation.building_id,
            "unit": Unit.id == consultation.unit_id}[consultation.scope]


def scope_households(consultation):
    """The scope's households with their units, buildings and estates (for Household.door), in
    door order."""
    return list(Household.select(Household, Unit, Building, Estate).join(Unit).join(Building)
                .join(Estate, JOIN.LEFT_OUTER)
                .where(_scope_where(consultation)).order_by(Building.id, Unit.id, Household.id))


def tally(consultation):
    # Counted over the roll fixed at the opening: a unit leader changing a flat's occupancy or
    # area, or staff adding rooms, during the vote moves nothing. Every flat has an owner, so
    # under Art. 278 every flat counts toward the two-thirds, whoever lives in it; occupancy only
    # decides who may cast a voice (_may_speak), never the totals, so a flat not marked "owner"
    # makes passing harder, never easier.
    homes = tuple(rules.Home(hid, True, area) for hid, area in roll_of(consultation).items())
    # Plain tuples: a model object per vote cost 0.1 s of the close at 3,312 households (bench).
    choices = dict(Vote.select(Vote.household, Vote.choice).where(Vote.consultation == consultation.id).tuples())
    return rules.Tally(tuple(options_of(consultation)), homes, choices)


# Who hears of a close. Layers above register here (account announces the result to the scope's
# followers; decisions may not import account): a listener is called inside the close's
# transaction with the consultation's id, so what it queues after the commit never outlives a
# rollback, and it is called once, by the close that stored the result.
_close_listeners = []


def on_close(listener):
    """Call `listener(consultation_id)` at every close from now on (once, however often asked)."""
    if listener not in _close_listeners:
        _close_listeners.append(listener)


def close(consultation, staff=None, now=None):
    """Close and store the result, once. Staff (a manager) may close early; without staff (the
    periodic task) only a consultation past its closing time closes. 409 already_closed."""
    now = now or utcnow()
    if staff is not None and not can_manage(staff, consultation):
        raise PermissionDenied("not_your_scope", "只有社区书记、管理员或该楼所在网格的网格员可以结束征询")
    with db.atomic():
        current = _locked(consultation.id, exclusive=True)
        if current.state != "open":
            raise ConsultationError("already_closed", "征询已结束")
        if staff is None and now < current.closes_at:
            raise ConsultationError("not_due", "征询尚未到截止时间")
        result = rules.decide(current.rule, json.loads(current.rule_params), tally(current))
        closed = (Consultation.update(state="closed", outcome=result["outcome"], closed_at=now, closed_by=staff,
                                      result=json.dumps(result, ensure_ascii=False))
                  .where((Consultation.id == current.id) & (Consultation.state == "open")).execute())
        if not closed:
            raise ConsultationError("already_closed", "征询已结束")
        for listener in _close_listeners:
            listener(current.id)
    return Consultation.get_by_id(consultation.id)


def close_due(now=None):
    """Close every consultation past its closing time; how many closed (the periodic task)."""
    now = now or utcnow()
    done = 0
    # Read whole before writing (cases.workflow.sweep_overdue says why).
    for consultation in list(Consultation.select().where((Consultation.state == "open")
                                                         & (Consultation.closes_at <= now))):
        try:
            close(consultation, now=now)
            done += 1
        except ConsultationError:          # another worker closed it first
            pass
    return done


def result_of(consultation):
    return json.loads(consultation.result) if consultation.result else None


# -- the console's forms --------------------------------------------------------------------------
# A form sent twice (a double click, Back and send again) opens the first consultation again:
# the same question for the same place by the same staff within this window is the same intent.
REPEAT_WINDOW = datetime.timedelta(minutes=10)


def open_once(staff, community_id, scope, question, closes_at, now=None, **fields):
    """open_consultation, but a repeat of the same staff's form (same place, question, rule,
    options and times, opened within REPEAT_WINDOW) gets that one back; returns (consultation,
    created). A corrected form (another rule, option or time) opens its own: the mistaken one is
    then withdrawn (`withdraw`). The staff's
    row is locked first, so two copies of one form on two workers take turns and the second
    finds the first (SQLite's writers take turns anyway)."""
    now = now or utcnow()
    with db.atomic():
        if is_postgres():
            Staff.select(Staff.id).where(Staff.id == staff.id).for_update().get()
        place = _place(community_id, scope, fields.get("estate_id"), fields.get("building_id"),
                       fields.get("unit_id")) if scope in SCOPES else None
        if place is not None:
            same = [getattr(Consultation, name) == value for name, value in place.items()]
            earlier = (Consultation.select()
                       .where((Consultation.community == community_id) & (Consultation.scope == scope)
                              & (Consultation.question == (question or "").strip())
                              & (Consultation.created_by == staff) & (Consultation.created_at >= now - REPEAT_WINDOW),
                              *same).order_by(Consultation.id).first())
            if earlier is not None and _same_form(earlier, closes_at, fields):
                return earlier, False
        return open_consultation(staff, community_id, scope, question, closes_at, now=now, **fields), True


def _same_form(earlier, closes_at, fields):
    options = [str(o).strip() for o in fields.get("options") or DEFAULT_OPTIONS]
    return (earlier.rule == fields.get("rule", "households_majority") and earlier.closes_at == closes_at
            and options_of(earlier) == options
            and (fields.get("opens_at") is None or earlier.opens_at == fields["opens_at"])
            and earlier.allow_change == bool(fields.get("allow_change"))
            and earlier.named_export == bool(fields.get("named_export")))


def withdraw(staff, consultation):
    """Take back a consultation no household has answered (opened by mistake, or with a wrong
    rule or time): it is deleted, nothing is announced. Once a household has spoken the
    consultation stands and ends with its result (409 has_voices); a closed one is history (409
    already_closed). Its managers only."""
    if not can_manage(staff, consultation):
        raise PermissionDenied("not_your_scope", "只有社区书记、管理员或该楼所在网格的网格员可以撤回征询")
    with db.atomic():
        current = _locked(consultation.id, exclusive=True)
        if current.state != "open":
            raise ConsultationError("already_closed", "征询已结束，不能撤回")
        if Vote.select().where(Vote.consultation == current).exists():
            raise ConsultationError("has_voices", "已有住户表态，征询不能撤回，只能如期或提前结束")
        Consultation.delete().where(Consultation.id == current.id).execute()
