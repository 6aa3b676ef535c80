"""/api/mp/staff: the consultations a leader records voices for at the door, and their doors. The
recording itself is consultations.py's /door and /door/paper; the rules are decisions'."""
from flask import g
from flask import jsonify
from pydantic import BaseModel
from pydantic import Field

from cases import proposals
from decisions import consultations as consult
from decisions import follow_up
from decisions import rules
from miniprogram_api.auth import staff_required
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import example_of
from miniprogram_api.openapi import examples
from miniprogram_api.serializers import Time
from miniprogram_api.serializers import when
from miniprogram_api.staff import bp as staff_bp

OWNERS_NOTE = ("依《民法典》第二百七十八条由业主表决：租户不在线上表态，出租房屋请记录业主签字的书面意见")


class DoorConsultation(BaseModel):
    model_config = examples(
        {"id": 1, "question": "小区北侧荒废绿地改建为健步道，您是否同意？", "scope_label": "丰泽园小区",
         "options": ["同意", "不同意", "弃权"],
         "rule_sentence": "依《民法典》第二百七十八条（重大事项）：专有面积和人数均占三分之二以上的业主参与表决，"
                          "且参与表决的业主中面积和人数均达四分之三以上同意即通过",
         "owners_only": True, "closes_at": "2026-12-11T09:00:00+08:00", "households": 28, "waiting": 9})
    id: int
    question: str
    scope_label: str
    options: list[str]
    rule_sentence: str
    owners_only: bool = Field(description="Art. 278: the owner speaks for a flat; a let flat's voice is the "
                                          "owner's signed paper, recorded at the door")
    closes_at: Time
    households: int = Field(description="my households on its roll (those I may record at the door)")
    waiting: int = Field(description="of them, without a voice yet")


class DoorConsultations(BaseModel):
    model_config = examples({"items": [example_of(DoorConsultation)]})
    items: list[DoorConsultation]


class DoorVoiceSeen(BaseModel):
    choice: int
    option: str
    at_door: bool
    by_me: bool = Field(description="recorded at the door by the caller")
    paper: bool = Field(description="a photo of the signed paper is kept")


class DoorHousehold(BaseModel):
    model_config = examples(
        {"id": 17, "door": "1号楼1单元301", "let": False, "voice": None},
        {"id": 18, "door": "1号楼1单元302", "let": True,
         "voice": {"choice": 0, "option": "同意", "at_door": True, "by_me": True, "paper": True}})
    id: int
    door: str = Field(description="楼栋单元房间, e.g. 1号楼1单元301")
    let: bool = Field(description="under Art. 278, not an owner's flat at the opening: its tenants do not vote "
                                  "online; record the owner's signed paper")
    voice: DoorVoiceSeen | None


class DoorRoll(BaseModel):
    model_config = examples(dict(example_of(DoorConsultation), owners_note=OWNERS_NOTE, taking=True,
                                 items=[example_of(DoorHousehold)]))
    id: int
    question: str
    scope_label: str
    options: list[str]
    rule_sentence: str
    owners_only: bool
    owners_note: str | None = Field(description="what the leader is told under Art. 278; null otherwise")
    closes_at: Time
    taking: bool = Field(description="voices are taken now")
    households: int
    waiting: int
    items: list[DoorHousehold]


def _summary(consultation, homes):
    return {"id": consultation.id, "question": consultation.question,
            "scope_label": proposals.scope_label(consultation), "options": consult.options_of(consultation),
            "rule_sentence": consult.rule_sentence(consultation),
            "owners_only": consultation.rule in rules.OWNERS_ONLY, "closes_at": when(consultation.closes_at),
            "households": len(homes), "waiting": sum(1 for _, vote in homes if vote is None)}


def _voice(vote, options):
    if vote is None:
        return None
    return {"choice": vote.choice, "option": options[vote.choice], "at_door": vote.recorded_by_id is not None,
            "by_me": vote.recorded_by_id == g.staff.id, "paper": bool(vote.photo)}


@staff_bp.get("/consultations")
@staff_required
@declare(DoorConsultations)
def door_consultations():
    """The consultations taking voices in which I have households to record at the door, closing
    soonest first, with how many of mine have no voice yet"""
    return jsonify({"items": [_summary(c, homes) for c, homes in follow_up.door_listing(g.staff)]})


@staff_bp.get("/consultations/<int:consultation_id>/doors")
@staff_required
@declare(DoorRoll, 404)
def door_households(consultation_id):
    """My households on a consultation's roll, in door order, each with its voice (who may record
    there: the unit's or building's leader, the grid worker, the managers)"""
    consultation = consult.for_door(g.staff, consultation_id)
    homes = follow_up.door_roll(g.staff, consultation)
    options = consult.options_of(consultation)
    owners_only = consultation.rule in rules.OWNERS_ONLY
    return jsonify(dict(
        _summary(consultation, homes), owners_note=OWNERS_NOTE if owners_only else None,
        taking=follow_up.phase(consultation) == "open",
        items=[{"id": h.id, "door": h.door, "voice": _voice(vote, options),
                "let": owners_only and consult.occupancy_at_opening(consultation, h) != "owner"}
               for h, vote in homes]))
