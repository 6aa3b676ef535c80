"""JSON shapes of the mini-program API: each serializer beside the model that documents what it
returns (the OpenAPI document's response schemas). Times are ISO 8601 in Asia/Shanghai (+08:00)."""
from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from cases.labels import EVENT_LABELS
from cases.labels import LEVEL_LABELS
from cases.labels import STATE_LABELS
from cases.queries import mask
from cases.workflow import FIELD_KINDS
from cases.workflow import RESIDENT_ACTIONS
from community import residents
from linli import storage
from linli.clock import local
from miniprogram_api.openapi import example_of
from miniprogram_api.openapi import examples
from models.cases import STATES
from models.people import ADDRESS_STATES

Time = Annotated[str | None, Field(json_schema_extra={"format": "date-time"}, description="ISO 8601, +08:00")]
Rate = float | None



def when(value):
    return local(value).isoformat(timespec="seconds") if value else None


class Confirmer(BaseModel):
    role: str
    name: str


class CommunityRef(BaseModel):
    code: str
    name: str


class Address(BaseModel):
    building_id: int | None
    unit_id: int | None
    household_id: int | None = Field(description="the room chosen from the unit's households; "
                                                  "null when typed or not chosen")
    room: str
    state: Literal[ADDRESS_STATES]
    label: str = Field(description="丰泽园小区 1号楼 2单元 301; empty without an address")
    community: CommunityRef | None
    confirmers: list[Confirmer] = Field(description="who may confirm it: the building's leaders and grid worker, "
                                                     "then the secretary")


class Resident(BaseModel):
    model_config = examples(
        {"id": 12, "nickname": "居民老刘", "phone": "13800000000",
         "address": {"building_id": 1, "unit_id": 1, "household_id": 17, "room": "501", "state": "confirmed",
                     "label": "丰泽园小区 1号楼 1单元 501", "community": {"code": "bajiazhuang", "name": "八家庄社区"},
                     "confirmers": [{"role": "楼长", "name": "楼长老王"},
                                    {"role": "1单元 单元长", "name": "单元长小张"},
                                    {"role": "网格员", "name": "网格员一"}, {"role": "社区书记", "name": ""}]}})
    id: int
    nickname: str
    phone: str | None
    address: Address


def resident_json(resident):
    return {"id": resident.id, "nickname": resident.nickname, "phone": resident.phone or None,
            "address": residents.address_view(resident)}


class CaseSummary(BaseModel):
    model_config = examples(
        {"number": "R2611280001", "state": "submitted", "state_label": "已提交，等待受理", "level": 1,
         "owner": "网格员", "category_id": None, "description": "1号楼1单元楼道灯坏了一周，晚上上下楼看不见",
         "created_at": "2026-11-28T08:57:29+08:00", "resolve_due_at": "2026-11-29T08:57:29+08:00"})
    number: Annotated[str, Field(pattern="^R[0-9]{10,}$")]
    state: Literal[STATES]
    state_label: str
    level: Annotated[int, Field(ge=1, le=4)]
    owner: str
    category_id: int | None
    description: str
    created_at: Time
    resolve_due_at: Time


def case_summary(case):
    return {"number": case.number, "state": case.state, "state_label": STATE_LABELS[case.state],
            "level": case.level, "owner": LEVEL_LABELS[case.level],
            "category_id": case.category_id, "description": case.description,
            "created_at": when(case.created_at), "resolve_due_at": when(case.resolve_due_at)}


class TimelineEntry(BaseModel):
    kind: str
    label: str
    note: str
    at: Time
    by: str | None = Field(description="the staff member who did it (their reply, when a note); None for the "
                                       "resident's own steps and the system's")
    photos: list[str] = Field([], description="photos of the fix shown with this step (the resolution, a note), "
                                              "links: /media/... or, with MEDIA_BACKEND=s3, presigned ones")


class CaseLocation(BaseModel):
    lat: float
    lng: float
    label: str


def case_location(case):
    return ({"lat": case.location_x, "lng": case.location_y, "label": case.location_label}
            if case.location_x is not None else None)


class CaseDetail(CaseSummary):
    model_config = examples(example_of(
        CaseSummary, state="resolved", state_label="已办结，待您确认", category_id=5, category="物业维修",
        handler="网格员一", anonymous=False, rating=None, rating_comment="",
        photos=["/media/reports/202611/0474d3f15ec84622a6904eda894c3d7d.jpg"],
        location={"lat": 38.0512, "lng": 114.5219, "label": "丰泽园小区 1号楼"}, actions=["confirm", "reopen", "rate"],
        timeline=[{"kind": "submitted", "label": "提交", "note": "", "at": "2026-11-28T08:57:29+08:00", "by": None},
                  {"kind": "assigned", "label": "分派", "note": "已分派给网格员一", "at": "2026-11-28T08:57:29+08:00",
                   "by": None},
                  {"kind": "resolved", "label": "办结", "note": "已更换灯泡", "at": "2026-11-28T15:40:12+08:00",
                   "by": "网格员一", "photos": ["/media/fixes/202611/9b1e6f0c2d8a4e7fb3c5a1d9e8f70246.jpg"]}],
        fix_photos=["/media/fixes/202611/9b1e6f0c2d8a4e7fb3c5a1d9e8f70246.jpg"]))
    category: str | None = Field(description="the category's name; None until staff classify the case")
    handler: str | None = Field(description="the staff member handling it now")
    anonymous: bool
    rating: int | None
    rating_comment: str
    photos: list[str] = Field(description="the reporter's photos: /media/... or presigned links (s3)")
    fix_photos: list[str] = Field(description="photos of the fix staff showed the resident (each also on its "
                                              "timeline step): /media/... or presigned links (s3)")
    location: CaseLocation | None
    actions: list[Literal[tuple(RESIDENT_ACTIONS)]] = Field(
        description="what the caller may do now, each POST /reports/<number>/<action> (rate: /rating); "
                    "empty for a follower")
    timeline: list[TimelineEntry]


def case_detail(case, timeline, actions):
    """One case as its reporter (or a follower) reads it; `actions`: workflow.resident_actions.
    `timeline` holds the public events only, so an internal note's photos are not among them."""
    fixes = fix_photos(case)
    return dict(case_summary(case),
                category=case.category.name if case.category_id else None,
                handler=case.assignee.name if case.assignee_id else None,
                anonymous=case.anonymous, rating=case.rating, rating_comment=case.rating_comment or "",
                photos=visible_photos(case),
                fix_photos=[url for e in timeline for url in fixes.get(e.id, [])],
                location=case_location(case),
                actions=list(actions),
                timeline=[{"kind": e.kind, "label": EVENT_LABELS.get(e.kind, e.kind),
                           "note": e.note if e.kind != "submitted" else "", "at": when(e.created_at),
                           "by": e.actor_staff.name if e.actor_staff_id else None, "photos": fixes.get(e.id, [])}
                          for e in timeline])


class Reporter(BaseModel):
    id: int
    nickname: str
    phone: str | None
    room: str


class StaffTimelineEntry(TimelineEntry):
    public: bool


class ActionField(BaseModel):
    name: str
    kind: Literal[FIELD_KINDS]
    required: bool
    hint: str


class StaffAction(BaseModel):
    name: str = Field(description="POST /staff/cases/<number>/<name>")
    label: str
    fields: list[ActionField]


class Colleague(BaseModel):
    id: int
    name: str


class StaffCaseDetail(CaseSummary):
    model_config = examples(example_of(
        CaseSummary, state="in_progress", state_label="处理中", can_act=True, assignee="网格员一",
        building="丰泽园小区 1号楼", reporter={"id": 12, "nickname": "居民老刘", "phone": "13800000000", "room": "501"},
        anonymous=False, photos=["/media/reports/202611/0474d3f15ec84622a6904eda894c3d7d.jpg"],
        response_due_at="2026-11-28T10:57:29+08:00", responded_at="2026-11-28T09:20:03+08:00",
        timeline=[{"kind": "submitted", "label": "提交", "note": "1号楼1单元楼道灯坏了一周，晚上上下楼看不见",
                   "public": True, "at": "2026-11-28T08:57:29+08:00", "by": None},
                  {"kind": "note", "label": "备注", "note": "灯泡型号已确认，下午带梯子去换", "public": False,
                   "at": "2026-11-28T09:20:03+08:00", "by": "网格员一"}],
        actions=[{"name": "note", "label": "添加进展", "fields": [
                      {"name": "note", "kind": "text", "required": True, "hint": "进展说明"},
                      {"name": "public", "kind": "flag", "required": False, "hint": "居民可见"}]},
                 {"name": "resolve", "label": "办结", "fields": [
                      {"name": "note", "kind": "text", "required": True, "hint": "处理结果"},
                      {"name": "photo_ids", "kind": "photos", "required": False, "hint": "处理后的照片"}]}],
        assignees=[{"id": 7, "name": "网格员二"}],
        location={"lat": 38.0531, "lng": 114.5262, "label": "丰泽园小区1号楼1单元"}))
    can_act: bool
    actions: list[StaffAction] = Field(description="what the caller may do now, from the workflow's table "
                                                   "(cases.workflow.ACTIONS), in its order")
    assignees: list[Colleague] = Field(description="to whom the case may be transferred (to_staff_id)")
    assignee: str | None
    building: str | None
    reporter: Reporter | None
    anonymous: bool
    photos: list[str]
    location: CaseLocation | None
    response_due_at: Time
    responded_at: Time
    timeline: list[StaffTimelineEntry]


def staff_case_detail(case, timeline, can_act, actions=(), assignees=()):
    """For staff: the reporter (even when anonymous to the public), internal notes, actors;
    `actions`: workflow.staff_actions, `assignees`: permissions.assignees_for."""
    reporter, fixes = case.reporter, fix_photos(case)
    return dict(case_summary(case),
                can_act=can_act,
                actions=[{"name": a.name, "label": a.label,
                          "fields": [{"name": f.name, "kind": f.kind, "required": f.required, "hint": f.hint}
                                     for f in a.fields]} for a in actions],
                assignees=[{"id": s.id, "name": s.name} for s in assignees if s.id != case.assignee_id],
                location=case_location(case),
                assignee=case.assignee.name if case.assignee_id else None,
                building=case.building.label if case.building_id else None,
                reporter={"id": reporter.id, "nickname": reporter.nickname, "phone": reporter.phone,
                          "room": reporter.room} if reporter else None,
                anonymous=case.anonymous, photos=[storage.url_of(p.url) for p in case.photos if p.event_id is None],
                response_due_at=when(case.response_due_at), responded_at=when(case.responded_at),
                timeline=[{"kind": e.kind, "label": EVENT_LABELS.get(e.kind, e.kind), "note": e.note,
                           "public": e.public, "at": when(e.created_at),
                           "by": e.actor_staff.name if e.actor_staff_id else None, "photos": fixes.get(e.id, [])}
                          for e in timeline])


class BoardEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str
    category: str
    building: str | None
    summary: str
    resolved_at: Time


def board_entry(case):
    """Public: no reporter, no unit or room, long numbers masked."""
    return {"number": case.number, "category": case.category.name if case.category_id else "未分类",
            "building": case.building.label if case.building_id else None,
            "summary": mask(case.description), "resolved_at": when(case.resolved_at)}


class CasePage(BaseModel):
    model_config = examples({"total": 1, "page": 1, "size": 20, "items": [example_of(CaseSummary)]})
    total: int
    page: int
    size: int
    items: list[CaseSummary]


class BoardPage(CasePage):
    model_config = examples(
        {"total": 1, "page": 1, "size": 20,
         "items": [{"number": "R2611280001", "category": "物业维修", "building": "丰泽园小区 1号楼",
                    "summary": "1号楼1单元楼道灯坏了一周，晚上上下楼看不见",
                    "resolved_at": "2026-11-28T15:40:12+08:00"}]})
    items: list[BoardEntry]


def page(total, items, page_number, size):
    return {"total": total, "page": page_number, "size": size, "items": items}


# -- shapes without a serializer of their own (the views build them) ---------------------------
class Token(BaseModel):
    model_config = examples({"token": "eyJyIjoxMn0.awm2eQ.wjT5CgHb4KiUU6DaAFdMRQNWdWI", "expires_at": 1796403449})
    token: str
    expires_at: int = Field(description="unix seconds")


class ResidentToken(Token):
    model_config = examples(example_of(Token, resident=example_of(Resident)))
    resident: Resident


class StaffMember(BaseModel):
    id: int
    name: str
    roles: list[str]


class StaffToken(Token):
    model_config = examples(example_of(Token, token="eyJzIjoxfQ.awm2eQ.Xr0bJ3m1m3Zb2h2GkUuJgB1rUjE",
                                       staff={"id": 1, "name": "田冰", "roles": ["secretary"]}))
    staff: StaffMember


class Upload(BaseModel):
    model_config = examples(
        {"id": 41, "url": "/media/reports/202611/0474d3f15ec84622a6904eda894c3d7d.jpg", "width": 800, "height": 600})
    id: int
    url: str
    width: int
    height: int


class Following(BaseModel):
    model_config = examples({"number": "R2611280001", "following": True})
    number: str
    following: bool


class Category(BaseModel):
    model_config = examples({"id": 1, "code": "environment", "name": "环境卫生", "parent_id": None})
    id: int
    code: str
    name: str
    parent_id: int | None


class Contact(BaseModel):
    role: str
    name: str
    phone: str | None


class Place(BaseModel):
    id: int
    name: str


class BuildingNode(Place):
    units: list[Place]


class EstateNode(BaseModel):
    id: int | None = Field(description="None: the buildings outside any estate")
    name: str
    buildings: list[BuildingNode]


class CommunityEntry(CommunityRef):
    model_config = examples({"code": "bajiazhuang", "name": "八家庄社区", "district": "长安区", "city": "石家庄市"})
    district: str
    city: str


class Structure(BaseModel):
    model_config = examples(
        {"community": {"code": "bajiazhuang", "name": "八家庄社区"},
         "estates": [{"id": 1, "name": "丰泽园小区", "buildings": [
                         {"id": 1, "name": "1号楼", "units": [{"id": 1, "name": "1单元"}, {"id": 2, "name": "2单元"},
                                                             {"id": 3, "name": "3单元"}]},
                         {"id": 2, "name": "2号楼", "units": [{"id": 4, "name": "1单元"}, {"id": 5, "name": "2单元"},
                                                             {"id": 6, "name": "3单元"}, {"id": 7, "name": "4单元"}]}]},
                     {"id": 2, "name": "八家庄东区", "buildings": [
                         {"id": 8, "name": "1号楼", "units": [{"id": 22, "name": "1单元"}, {"id": 23, "name": "2单元"},
                                                             {"id": 24, "name": "3单元"}]}]}]})
    community: CommunityRef
    estates: list[EstateNode]


class UnitRef(Place):
    building_id: int
    building: str = Field(description="the building's label: 丰泽园小区 1号楼")


class Room(BaseModel):
    id: int = Field(description="the household's id, for PUT /me/address household_id")
    room: str = Field(description="as on the door: 501")


class UnitRooms(BaseModel):
    model_config = examples(
        {"unit": {"id": 1, "name": "1单元", "building_id": 1, "building": "丰泽园小区 1号楼"},
         "rooms": [{"id": 1, "room": "101"}, {"id": 2, "room": "102"}, {"id": 16, "room": "404"},
                   {"id": 17, "room": "501"}, {"id": 18, "room": "502"}]},
        {"unit": {"id": 36, "name": "1单元", "building_id": 12, "building": "八家庄东区 5号楼"}, "rooms": []})
    unit: UnitRef
    rooms: list[Room] = Field(description="in door order; empty where the unit's households are not loaded: "
                                          "the resident types the room")


class BuildingPlace(BaseModel):
    model_config = examples(
        {"id": 1, "name": "1号楼", "label": "丰泽园小区 1号楼", "estate": "丰泽园小区",
         "community": {"code": "bajiazhuang", "name": "八家庄社区"},
         "units": [{"id": 1, "name": "1单元"}, {"id": 2, "name": "2单元"}, {"id": 3, "name": "3单元"}]})
    id: int
    name: str
    label: str
    estate: str | None
    community: CommunityRef
    units: list[Place]


class UnitBoard(BaseModel):
    model_config = examples(
        {"building": "丰泽园小区 1号楼", "unit": "1单元",
         "contacts": [{"role": "楼长", "name": "楼长老王", "phone": "13900000031"},
                      {"role": "1单元 单元长", "name": "单元长小张", "phone": "13900000041"},
                      {"role": "网格员", "name": "网格员一", "phone": "13900000021"},
                      {"role": "片区负责人", "name": "片区负责人甲", "phone": None}]})
    building: str
    unit: str
    contacts: list[Contact]


class CaseQueue(BaseModel):
    model_config = examples({"items": [example_of(CaseSummary)], "size": 20, "next": "20261129085729000000~1"})
    items: list[CaseSummary]
    size: int
    next: str | None = Field(description="pass as ?after= for the next page; null on the last")


class RateRow(BaseModel):
    key: Any
    label: str
    cases: int
    response_rate: Rate
    on_time_resolution_rate: Rate
    resolution_rate: Rate
    satisfaction_rate: Rate
    mean_hours_to_respond: Rate
    mean_hours_to_resolve: Rate
    overdue: int
    rank: int | None


class Rates(BaseModel):
    model_config = examples(
        {"month": "2026-11", "min_sample": 10,
         "rows": [{"key": 1, "label": "第一网格", "cases": 23, "response_rate": 0.9565,
                   "on_time_resolution_rate": 0.8261, "resolution_rate": 0.913, "satisfaction_rate": 0.85,
                   "mean_hours_to_respond": 0.7, "mean_hours_to_resolve": 19.4, "overdue": 1, "rank": 1},
                  {"key": 2, "label": "第二网格", "cases": 4, "response_rate": 1.0, "on_time_resolution_rate": 1.0,
                   "resolution_rate": 0.75, "satisfaction_rate": None, "mean_hours_to_respond": 0.4,
                   "mean_hours_to_resolve": 6.2, "overdue": 0, "rank": None}]})
    month: str
    min_sample: int
    rows: list[RateRow]


def visible_photos(case):
    """The reporter's photos as residents see them: without those WeChat's media check flagged."""
    return [storage.url_of(p.url) for p in case.photos if not p.held and p.event_id is None]


def fix_photos(case):
    """The photos staff showed with a step of the case, by event id, in upload order."""
    found = {}
    for photo in sorted(case.photos, key=lambda p: p.id):
        if photo.event_id is not None:
            found.setdefault(photo.event_id, []).append(storage.url_of(photo.url))
    return found
