"""/api/mp: 议事 (proposals) as residents of a scope see, raise, support and discuss them, and the
staff route that records an outcome (cases/proposals.py keeps the rules)."""
from typing import Literal

from flask import g
from flask import jsonify
from pydantic import BaseModel
from pydantic import Field

from account.words import Screen
from cases import proposals
from cases import queries
from miniprogram_api.auth import resident_required
from miniprogram_api.auth import staff_required
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import example_of
from miniprogram_api.openapi import examples
from miniprogram_api.parsing import Body
from miniprogram_api.parsing import Id
from miniprogram_api.parsing import IdempotencyKey
from miniprogram_api.parsing import Text
from miniprogram_api.parsing import bounded
from miniprogram_api.serializers import Time
from miniprogram_api.serializers import when
from miniprogram_api.staff import bp as staff_bp
from miniprogram_api.views import Paging
from miniprogram_api.views import bp
from models.proposals import SCOPES
from models.proposals import STATES

Scope = Literal[SCOPES]
State = Literal[STATES]


class ProposalSummary(BaseModel):
    model_config = examples(
        {"id": 3, "title": "楼道堆物清理", "scope": "unit", "scope_label": "丰泽园小区 1号楼 1单元", "state": "open",
         "state_label": "征集附议", "supporters": 4, "support_needed": 6, "supported": True, "mine": False,
         "created_at": "2026-11-20T19:32:10+08:00"})
    id: int
    title: str
    scope: Scope
    scope_label: str = Field(description="the place: 丰泽园小区 3号楼 2单元, 丰泽园小区, 全社区")
    state: State
    state_label: str
    supporters: int = Field(description="households supporting it, the raiser's included")
    support_needed: int = Field(description="households that put it on the council's agenda")
    supported: bool = Field(description="my household supports it")
    mine: bool = Field(description="I raised it")
    created_at: Time


class ProposalPage(BaseModel):
    model_config = examples(
        {"total": 2, "page": 1, "size": 20,
         "items": [example_of(ProposalSummary),
                   example_of(ProposalSummary, id=1, title="小区北侧荒废绿地改建为健步道", scope="estate",
                              scope_label="丰泽园小区", state="on_agenda", state_label="已列入议事会议程",
                              supporters=10, support_needed=10, supported=False,
                              created_at="2026-11-02T08:45:51+08:00")]})
    total: int
    page: int
    size: int
    items: list[ProposalSummary]


class ProposalComment(BaseModel):
    model_config = examples(
        {"id": 12, "text": "同意，楼道里的旧自行车也该清走。", "held": False, "mine": True,
         "at": "2026-11-21T07:58:02+08:00"})
    id: int
    text: str
    held: bool = Field(description="it names listed words: kept for staff, shown to its author only")
    mine: bool
    at: Time


class Step(BaseModel):
    kind: Literal[("raised", "on_agenda") + STATES[2:]]
    label: str
    at: Time
    note: str


class Outcome(BaseModel):
    reason: str = Field(description="the public reason staff gave")
    case_number: str | None = Field(description="the case it became, when adopted as one")
    merged_into_id: int | None = Field(description="the proposal it was merged into")
    at: Time


class ProposalDetail(ProposalSummary):
    model_config = examples(example_of(
        ProposalSummary, state="adopted", state_label="已采纳", supporters=6, mine=True,
        text="楼道堆满杂物，影响通行和消防，建议统一清理。",
        photos=["/media/reports/202611/3f9c2a7e51d04b8c9a6e1f2d7c40b853.jpg"],
        outcome={"reason": "议事会讨论通过，物业本周内统一清理。", "case_number": "R2611240007", "merged_into_id": None,
                 "at": "2026-11-24T16:20:00+08:00"},
        timeline=[{"kind": "raised", "label": "提出议事", "at": "2026-11-20T19:32:10+08:00", "note": ""},
                  {"kind": "on_agenda", "label": "已列入议事会议程", "at": "2026-11-22T09:11:37+08:00",
                   "note": "6户附议"},
                  {"kind": "adopted", "label": "已采纳", "at": "2026-11-24T16:20:00+08:00",
                   "note": "议事会讨论通过，物业本周内统一清理。"}],
        comments=[example_of(ProposalComment, mine=False)]))
    text: str
    photos: list[str] = Field(description="paths under the API's origin (/media/...)")
    outcome: Outcome | None
    timeline: list[Step]
    comments: list[ProposalComment]


class ProposalFilter(Paging):
    scope: Scope | None = None
    state: State | None = None


class NewProposal(Body):
    model_config = examples(
        {"scope": "unit", "title": "楼道堆物清理", "text": "楼道堆满杂物，影响通行和消防，建议统一清理。",
         "photo_ids": [41]})
    scope: Scope | None = Field(None, description="whose proposal it is; without one, 422 bad_scope")
    title: bounded(proposals.MAX_TITLE, *proposals.TITLE_RULE) = ""
    text: bounded(proposals.MAX_TEXT, *proposals.TEXT_RULE) = ""
    photo_ids: list[Id] | None = None


class NewComment(Body):
    model_config = examples({"text": "同意，楼道里的旧自行车也该清走。"})
    text: bounded(proposals.MAX_COMMENT, *proposals.COMMENT_RULE) = ""


def summary(proposal, supported, labels=None):
    labels = {} if labels is None else labels
    key = (proposal.scope, proposal.estate_id, proposal.building_id, proposal.unit_id)
    if key not in labels:
        labels[key] = proposals.scope_label(proposal)
    return {"id": proposal.id, "title": proposal.title, "scope": proposal.scope, "scope_label": labels[key],
            "state": proposal.state, "state_label": proposals.STATE_LABELS[proposal.state],
            "supporters": proposal.supporters, "support_needed": proposal.support_needed,
            "supported": proposal.id in supported, "mine": proposal.proposer_id == g.resident.id,
            "created_at": when(proposal.created_at)}


def comment_json(comment):
    return {"id": comment.id, "text": comment.text, "held": comment.state == "held",
            "mine": comment.resident_id == g.resident.id, "at": when(comment.created_at)}


def detail(proposal):
    data = summary(proposal, proposals.supported_by(g.resident, [proposal.id]))
    outcome = None
    if proposal.decided_at:
        outcome = {"reason": proposal.outcome_reason, "case_number": proposals.case_number(proposal),
                   "merged_into_id": proposal.merged_into_id, "at": when(proposal.decided_at)}
    data.update(text=proposal.text, photos=proposals.photos(proposal), outcome=outcome,
                timeline=[dict(step, at=when(step["at"])) for step in proposals.timeline(proposal)],
                comments=[comment_json(c) for c in proposals.comments_for(proposal, g.resident)])
    return data


@bp.get("/proposals")
@resident_required
@declare(ProposalPage, 403)
def proposal_list(query: ProposalFilter):
    """议事 of my unit, building, estate and community (or one scope, one state), newest first"""
    page, size = queries.page_args(query.page, query.size)
    total, found = proposals.listing(g.resident, query.scope, query.state, page, size)
    supported, labels = proposals.supported_by(g.resident, [p.id for p in found]), {}
    return jsonify({"total": total, "page": page, "size": size,
                    "items": [summary(p, supported, labels) for p in found]})


@bp.post("/proposals")
@resident_required
@declare((ProposalDetail, "the proposal first raised with this Idempotency-Key"), 403, 422, 429,
         created=(ProposalDetail, "raised, my household's support counted"))
def raise_proposal(json: NewProposal, headers: IdempotencyKey):
    """Raise a proposal for my unit, building, estate or community (needs a confirmed address); send
    Idempotency-Key"""
    proposal, created = proposals.raise_proposal(g.resident, json.scope, json.title, json.text,
                                                 json.photo_ids or [], key=headers.key)
    return jsonify(detail(proposal)), 201 if created else 200


@bp.get("/proposals/<int:proposal_id>")
@resident_required
@declare(ProposalDetail, 403, 404)
def proposal_detail(proposal_id):
    """One proposal of my scopes with its comments and timeline"""
    return jsonify(detail(proposals.visible(g.resident, proposal_id)))


@bp.post("/proposals/<int:proposal_id>/support")
@resident_required
@declare((ProposalSummary, "my own support, retried"), 403, 404, 409,
         created=(ProposalSummary, "supported; on the agenda when this reached the bar"))
def support(proposal_id):
    """Support (附议) for my household, once per household; 409 already_supported"""
    proposal, created = proposals.support(proposals.of_community(g.resident, proposal_id), g.resident)
    return jsonify(summary(proposal, {proposal.id})), 201 if created else 200


@bp.post("/proposals/<int:proposal_id>/comments")
@resident_required
@declare(None, 403, 404, 409, 422, 429, created=(ProposalComment, "kept; held when it names listed words"))
def comment(proposal_id, json: NewComment):
    """Comment on a proposal of my scopes (screened like article comments)"""
    proposal = proposals.of_community(g.resident, proposal_id)
    found = proposals.comment(proposal, g.resident, json.text, Screen.from_db().find)
    return jsonify(comment_json(found)), 201


# -- staff ---------------------------------------------------------------------------------------
class StaffOutcome(BaseModel):
    model_config = examples(
        {"id": 3, "state": "adopted", "state_label": "已采纳", "reason": "议事会讨论通过，物业本周内统一清理。",
         "case_number": "R2611240007", "merged_into_id": None, "decided_at": "2026-11-24T16:20:00+08:00"})
    id: int
    state: State
    state_label: str
    reason: str
    case_number: str | None
    merged_into_id: int | None
    decided_at: Time


class Decision(Body):
    model_config = examples(
        {"reason": "议事会讨论通过，物业本周内统一清理。", "file_case": True},
        {"reason": "与“1号楼楼道杂物”为同一件事，合并办理。", "merged_into_id": 2})
    reason: Text = ""
    case_number: Text = Field("", description="adopt: the case it became (optional)")
    merged_into_id: Id | None = Field(None, description="merge: the proposal it joins")
    file_case: bool = Field(False, description="adopt: file a new case from it (not with case_number)")


@staff_bp.post("/proposals/<int:proposal_id>/<action>")
@staff_required
@declare(StaffOutcome, 403, 404, 409, 422, path={"action": list(proposals.ACTIONS)})
def decide(proposal_id, action, json: Decision):
    """Record a proposal's outcome with its public reason (secretary, admin, or the grid's worker)"""
    proposal = proposals.decide(proposals.decided(g.staff, proposal_id), g.staff, action, json.reason,
                                case_number=json.case_number.strip() or None, merged_into_id=json.merged_into_id,
                                file_case=json.file_case)
    return jsonify({"id": proposal.id, "state": proposal.state, "state_label": proposals.STATE_LABELS[proposal.state],
                    "reason": proposal.outcome_reason, "case_number": proposals.case_number(proposal),
                    "merged_into_id": proposal.merged_into_id, "decided_at": when(proposal.decided_at)})
