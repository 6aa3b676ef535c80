"""/api/mp: 征询/表决 as residents of a scope see them and cast their household's voice, and the
staff routes that open, follow, record at the door, close and export (decisions/ keeps the rules)."""
import functools
from typing import Annotated
from typing import Literal

from flask import Response
from flask import g
from flask import jsonify
from flask import request
from pydantic import BaseModel
from pydantic import Field
from pydantic import StrictBool

from cases import photos
from cases import proposals
from decisions import consultations as consult
from decisions import follow_up
from linli import config
from linli.errors import LinliError
from miniprogram_api.auth import resident_required
from miniprogram_api.auth import staff_required
from miniprogram_api.openapi import CSV
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import example_of
from miniprogram_api.openapi import examples
from miniprogram_api.parsing import Body
from miniprogram_api.parsing import Form
from miniprogram_api.parsing import Id
from miniprogram_api.parsing import Moment
from miniprogram_api.parsing import Refusal
from miniprogram_api.parsing import Text
from miniprogram_api.parsing import UploadedFile
from miniprogram_api.serializers import Time
from miniprogram_api.serializers import when
from miniprogram_api.staff import bp as staff_bp
from miniprogram_api.views import bp
from models.community import Building
from models.community import Estate
from models.community import Unit
from models.db import utcnow
from models.decisions import OUTCOMES
from models.decisions import RULES
from models.decisions import STATES
from models.proposals import SCOPES


class Voice(BaseModel):
    model_config = examples(
        {"choice": 0, "option": "同意", "by": "居民老刘", "mine": True, "at_door": False, "recorded_by": None,
         "cast_at": "2026-11-25T12:06:41+08:00", "changed_at": None},
        {"choice": 0, "option": "同意", "by": "入户代录", "mine": False, "at_door": True, "recorded_by": "单元长",
         "cast_at": "2026-11-26T10:15:00+08:00", "changed_at": None})
    choice: int
    option: str
    by: str = Field(description="who cast it: a member's nickname, or 入户代录 (recorded at the door)")
    mine: bool = Field(description="I cast it")
    at_door: bool
    recorded_by: str | None = Field(
        description="at the door: who recorded it, by role (单元长, 楼长, 网格员 or 社区工作人员)")
    cast_at: Time
    changed_at: Time | None


class Check(BaseModel):
    test: str = Field(description="participation_owners, participation_area (hundredths of m²), consent_…, quorum_…")
    needed: str = Field(description='">=2/3" (at least) or ">1/2" (more than)')
    got: int | None = Field(description="null: cannot be decided (a floor area is missing)")
    of: int | None
    met: bool | None


class OptionCount(BaseModel):
    option: str
    households: int
    area_dm2: int | None = Field(description="their floor area in hundredths of m²; null when one is unknown")


class Result(BaseModel):
    # The green strip closed with 14 of 588 owner households answered: 11 consent, yet far from
    # the two thirds who must take part, by number and by floor area.
    model_config = examples(
        {"rule": "owners_art278_major", "outcome": "failed",
         "by_option": [{"option": "同意", "households": 11, "area_dm2": 99465},
                       {"option": "不同意", "households": 2, "area_dm2": 18625},
                       {"option": "弃权", "households": 1, "area_dm2": 11063}],
         "counted_households": 588, "answered_households": 14,
         "checks": [{"test": "participation_owners", "needed": ">=2/3", "got": 14, "of": 588, "met": False},
                    {"test": "participation_area", "needed": ">=2/3", "got": 129153, "of": 5085779, "met": False},
                    {"test": "consent_owners", "needed": ">=3/4", "got": 11, "of": 14, "met": True},
                    {"test": "consent_area", "needed": ">=3/4", "got": 99465, "of": 129153, "met": True}]})
    rule: Literal[RULES]
    outcome: Literal[OUTCOMES]
    by_option: list[OptionCount]
    counted_households: int = Field(description="the households the rule counts (owners only under Art. 278)")
    answered_households: int
    checks: list[Check]


class ConsultationSummary(BaseModel):
    model_config = examples(
        {"id": 1, "question": "小区北侧荒废绿地改建为健步道，您是否同意？", "scope": "estate",
         "scope_label": "丰泽园小区", "rule": "owners_art278_major",
         "rule_sentence": "依《民法典》第二百七十八条（重大事项）：专有面积和人数均占三分之二以上的业主参与表决，"
                          "且参与表决的业主中面积和人数均达四分之三以上同意即通过",
         "options": ["同意", "不同意", "弃权"], "allow_change": False, "opens_at": "2026-11-25T09:00:00+08:00",
         "closes_at": "2026-12-11T09:00:00+08:00", "closed_at": None, "state": "open", "taking": True,
         "voice": example_of(Voice), "outcome": None})
    id: int
    question: str
    scope: Literal[SCOPES]
    scope_label: str
    rule: Literal[RULES]
    rule_sentence: str = Field(description="the rule in one plain sentence")
    options: list[str] = Field(description="the first one consents (同意)")
    allow_change: bool
    opens_at: Time
    closes_at: Time
    closed_at: Time | None = Field(description="when it closed (staff may close before closes_at)")
    state: Literal[STATES]
    taking: bool = Field(description="voices are taken now")
    voice: Voice | None = Field(description="my household's voice")
    outcome: Literal[OUTCOMES] | None


class ConsultationDetail(ConsultationSummary):
    model_config = examples(example_of(
        ConsultationSummary, closed_at="2026-12-11T09:00:00+08:00", state="closed", taking=False, outcome="failed",
        description="小区北侧绿地多年无人养护，杂草丛生。社区拟将其改建为健步道，两侧补种花木、安装座椅和照明，"
                    "费用由社区申请专项资金承担，不动用维修资金。改变共有部分用途属《民法典》第二百七十八条"
                    "规定的重大事项，请各户业主表态。",
        result=example_of(Result)))
    description: str
    result: Result | None = Field(description="computed once at the close")


class ConsultationList(BaseModel):
    model_config = examples({"items": [example_of(ConsultationSummary)]})
    items: list[ConsultationSummary]


class Cast(Body):
    model_config = examples({"choice": 0}, {"choice": 1, "change": True})
    choice: int | None = Field(None, description="the option's index (0: the first, 同意)")
    change: StrictBool = Field(False, description="replace my household's earlier voice (where allowed)")


def summary(consultation):
    taking = consultation.state == "open" and consultation.opens_at <= utcnow() < consultation.closes_at
    voice = consult.voice(g.resident, consultation)
    if voice:
        voice = dict(voice, cast_at=when(voice["cast_at"]), changed_at=when(voice["changed_at"]))
    return {"id": consultation.id, "question": consultation.question, "scope": consultation.scope,
            "scope_label": proposals.scope_label(consultation), "rule": consultation.rule,
            "rule_sentence": consult.rule_sentence(consultation), "options": consult.options_of(consultation),
            "allow_change": consultation.allow_change, "opens_at": when(consultation.opens_at),
            "closes_at": when(consultation.closes_at), "closed_at": when(consultation.closed_at),
            "state": consultation.state, "taking": taking, "voice": voice, "outcome": consultation.outcome}


def detail(consultation):
    return dict(summary(consultation), description=consultation.description,
                result=consult.result_of(consultation))


@bp.get("/consultations")
@resident_required
@declare(ConsultationList, 403)
def consultation_list():
    """征询/表决 of my unit, building, estate and community that have opened"""
    return jsonify({"items": [summary(c) for c in consult.listing(g.resident)]})


@bp.get("/consultations/<int:consultation_id>")
@resident_required
@declare(ConsultationDetail, 403, 404)
def consultation_detail(consultation_id):
    """One consultation of my scopes with my household's voice and, once closed, its result"""
    return jsonify(detail(consult.visible(g.resident, consultation_id)))


@bp.post("/consultations/<int:consultation_id>/vote")
@resident_required
@declare((ConsultationSummary, "my own voice repeated, or changed"), 403, 404, 409, 422,
         created=(ConsultationSummary, "my household's voice, counted"))
def vote(consultation_id, json: Cast):
    """Cast my household's voice, once per household; 409 already_voted (with who cast it)"""
    consultation = consult.of_community(g.resident, consultation_id)
    _, created = consult.cast(g.resident, consultation, json.choice, change=json.change)
    return jsonify(summary(consultation)), 201 if created else 200


# -- staff ---------------------------------------------------------------------------------------
class NewConsultation(Body):
    model_config = examples(
        {"scope": "estate", "estate_id": 1, "question": "小区北侧荒废绿地改建为健步道，您是否同意？",
         "description": "改变共有部分用途属《民法典》第二百七十八条规定的重大事项，请各户业主表态。",
         "options": ["同意", "不同意", "弃权"], "rule": "owners_art278_major",
         "opens_at": "2026-11-25T09:00:00+08:00", "closes_at": "2026-12-11T09:00:00+08:00", "named_export": True},
        {"scope": "unit", "unit_id": 1, "question": "1号楼1单元楼道加装声控灯，您是否同意？",
         "rule": "households_majority", "params": {"quorum": ">=1/2"},
         "closes_at": "2026-12-05T20:00:00+08:00", "allow_change": True})
    scope: Literal[SCOPES] | None = None
    community_id: Id | None = Field(None, description="for a community's consultation")
    estate_id: Id | None = None
    building_id: Id | None = None
    unit_id: Id | None = None
    question: Text = ""
    description: Text = ""
    options: list[Text] | None = Field(None, description="default 同意, 不同意, 弃权; the first consents")
    rule: Literal[RULES] = "households_majority"
    params: dict[str, str] | None = Field(None, description='{"quorum": ">=1/2"} or {"needed": ">=2/3"}')
    opens_at: Moment = None
    closes_at: Moment = None
    allow_change: StrictBool = False
    named_export: StrictBool = False


class StaffConsultation(BaseModel):
    model_config = examples(
        {"id": 1, "question": "小区北侧荒废绿地改建为健步道，您是否同意？", "state": "closed", "outcome": "failed",
         "result": example_of(Result)},
        {"id": 2, "question": "1号楼1单元楼道加装声控灯，您是否同意？", "state": "open", "outcome": None,
         "result": None})
    id: int
    question: str
    state: Literal[STATES]
    outcome: Literal[OUTCOMES] | None
    result: Result | None


class DoorVoice(Body):
    model_config = examples({"household_id": 17, "choice": 0})
    household_id: Id | None = None
    choice: int | None = Field(None, description="the option's index")


class DoorPaper(Form):
    # A file part cannot be written in JSON: the example's string stands for the photo's bytes.
    model_config = examples({"household_id": 17, "choice": 0, "photo": "(the signed paper, JPEG)"})
    household_id: Id
    choice: Annotated[int, Refusal("bad_choice", "请选择一个选项", 422)]
    photo: Annotated[UploadedFile, Refusal("missing_file", "请附上签字照片（字段名 photo）")] = Field(
        description="the signed paper: JPEG, PNG or WebP, 10 MB")


class UnansweredHousehold(BaseModel):
    id: int
    door: str = Field(description="楼栋单元房间, e.g. 1号楼1单元501")


class Unanswered(BaseModel):
    model_config = examples({"items": [{"id": 6, "door": "1号楼1单元202"}, {"id": 7, "door": "1号楼1单元203"}]})
    items: list[UnansweredHousehold]


def staff_json(consultation):
    return {"id": consultation.id, "question": consultation.question, "state": consultation.state,
            "outcome": consultation.outcome, "result": consult.result_of(consultation)}


def _community_of(json):
    """The community of the scope's place (a community's consultation names it)."""
    place = {"unit": (Unit, json.unit_id), "building": (Building, json.building_id),
             "estate": (Estate, json.estate_id)}.get(json.scope)
    if place is None:
        return json.community_id
    model, place_id = place
    row = model.get_or_none(model.id == place_id) if place_id else None
    if row is None:
        raise LinliError("bad_place", "范围所指的地方不存在", 422)
    if model is Unit:
        row = Building.get_by_id(row.building_id)
    return row.community_id


@staff_bp.post("/consultations")
@staff_required
@declare(None, 403, 422, created=(StaffConsultation, "opened"))
def open_consultation(json: NewConsultation):
    """Open a consultation for a scope (secretary, admin, or the building's grid worker)"""
    if json.closes_at is None:
        raise LinliError("bad_times", "请填写截止时间", 422)
    consultation = consult.open_consultation(
        g.staff, _community_of(json), json.scope, json.question, json.closes_at, rule=json.rule,
        options=json.options or consult.DEFAULT_OPTIONS, params=json.params, opens_at=json.opens_at,
        estate_id=json.estate_id, building_id=json.building_id, unit_id=json.unit_id,
        allow_change=json.allow_change, named_export=json.named_export, description=json.description)
    return jsonify(staff_json(consultation)), 201


@staff_bp.post("/consultations/<int:consultation_id>/door")
@staff_required
@declare((StaffConsultation, "an earlier door voice corrected"), 403, 404, 409, 422,
         created=(StaffConsultation, "recorded"))
def record_at_door(consultation_id, json: DoorVoice):
    """Record a household's voice at the door (its unit's or building's leader, grid worker, staff)"""
    consultation = consult.for_door(g.staff, consultation_id)
    _, created = consult.record_at_door(g.staff, consultation, json.household_id, json.choice)
    return jsonify(staff_json(consultation)), 201 if created else 200


def _one_photo_at_most(view):
    """A door voice with its paper is one photo: 413 beyond it, before the form is read."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = photos.MAX_BYTES + 64 * 1024
        return view(*args, **kwargs)
    return wrapper


@staff_bp.post("/consultations/<int:consultation_id>/door/paper")
@staff_required
@_one_photo_at_most
@declare((StaffConsultation, "an earlier door voice corrected"), 403, 404, 409, 413, 422,
         created=(StaffConsultation, "recorded"))
def record_at_door_with_paper(consultation_id, form: DoorPaper):
    """Record a household's voice at the door with a photo of the signed paper (multipart)"""
    consultation = consult.for_door(g.staff, consultation_id)
    _, created = consult.record_at_door(g.staff, consultation, form.household_id, form.choice,
                                        photo=form.photo.read(photos.MAX_BYTES + 1),
                                        media_dir=config.active().MEDIA_DIR)
    return jsonify(staff_json(consultation)), 201 if created else 200


@staff_bp.get("/consultations/<int:consultation_id>/unanswered")
@staff_required
@declare(Unanswered, 403, 404)
def unanswered(consultation_id):
    """The households of the scope that have not answered yet"""
    consultation = consult.for_staff(g.staff, consultation_id)
    return jsonify({"items": [{"id": h.id, "door": h.door}
                              for h in follow_up.unanswered(g.staff, consultation)]})


@staff_bp.post("/consultations/<int:consultation_id>/close")
@staff_required
@declare(StaffConsultation, 403, 404, 409)
def close(consultation_id):
    """Close now and store the result (computed once); 409 already_closed"""
    return jsonify(staff_json(consult.close(consult.for_staff(g.staff, consultation_id), staff=g.staff)))


class Withdrawn(BaseModel):
    model_config = examples({"id": 15, "withdrawn": True})
    id: int
    withdrawn: Literal[True]


@staff_bp.post("/consultations/<int:consultation_id>/withdraw")
@staff_required
@declare(Withdrawn, 403, 404, 409)
def withdraw(consultation_id):
    """Take back a consultation no household has answered: deleted, nothing announced; 409
    has_voices once a household spoke, already_closed after the close"""
    consult.withdraw(g.staff, consult.for_staff(g.staff, consultation_id))
    return jsonify({"id": consultation_id, "withdrawn": True})


@staff_bp.get("/consultations/<int:consultation_id>/votes.csv")
@staff_required
@declare(CSV, 403, 404)
def export(consultation_id):
    """Every counted household's voice as CSV (named by door or anonymous, as the consultation says)"""
    text = follow_up.export_csv(g.staff, consult.for_staff(g.staff, consultation_id))
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=consultation-%d.csv" % consultation_id})
