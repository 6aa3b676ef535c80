"""/api/mp/staff/rounds: the door-to-door round and leaders' work notices from a phone, for the
serving side's mini-program to come (the console's pages do the same today). The rules are
community.rounds' and community.work_notices'."""
from typing import Literal

from flask import g
from flask import jsonify
from pydantic import BaseModel
from pydantic import Field

from community import rounds as domain
from community import work_notices
from miniprogram_api.auth import staff_required
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import example_of
from miniprogram_api.openapi import examples
from miniprogram_api.parsing import Body
from miniprogram_api.serializers import Time
from miniprogram_api.serializers import when
from miniprogram_api.staff import bp as staff_bp

Mark = Literal["informed", "not_home", "declined"]
ItemState = Literal["open", "not_home", "informed", "declined"]


class DoorItem(BaseModel):
    model_config = examples(
        {"id": 301, "door": "丰泽园小区 1号楼 1单元 301", "state": "informed",
         "marked_at": "2026-11-27T19:12:40+08:00"})
    id: int
    door: str = Field(description="小区 楼栋 单元 房间, e.g. 丰泽园小区 1号楼 1单元 301")
    state: ItemState
    marked_at: Time


class MyRound(BaseModel):
    id: int
    title: str
    deadline: Time
    items: list[DoorItem]


class MyTask(BaseModel):
    id: int
    text: str
    sent_at: Time
    deadline: Time
    acknowledged_at: Time


class MyRounds(BaseModel):
    model_config = examples(
        {"rounds": [{"id": 2, "title": "健步道征询入户告知", "deadline": "2026-12-06T18:00:00+08:00",
                     "items": [example_of(DoorItem),
                               {"id": 302, "door": "丰泽园小区 1号楼 1单元 302", "state": "open", "marked_at": None}]}],
         "tasks": [{"id": 7, "text": "本周六上午9点在社区广场集合，协助老人登记健步道意见",
                    "sent_at": "2026-11-26T16:00:00+08:00",
                    "deadline": "2026-11-29T09:00:00+08:00", "acknowledged_at": None}]})
    rounds: list[MyRound]
    tasks: list[MyTask]


class MarkBody(Body):
    model_config = examples({"state": "informed"}, {"state": "not_home"})
    state: Mark


class BuildingCoverage(BaseModel):
    building_id: int | None
    label: str
    households: int
    wechat: int = Field(description="reached on WeChat at the opening")
    informed: int
    declined: int
    not_home: int
    open: int
    covered: int = Field(description="wechat + informed")


class Behind(BaseModel):
    name: str | None = Field(description="null: the place has no leader and no grid worker")
    role: str | None
    open: int


class RoundCoverage(BaseModel):
    model_config = examples(
        {"id": 2, "title": "健步道征询入户告知", "deadline": "2026-12-06T18:00:00+08:00",
         "buildings": [{"building_id": 1, "label": "丰泽园小区 1号楼", "households": 84, "wechat": 31, "informed": 40,
                        "declined": 2, "not_home": 6, "open": 5, "covered": 71}],
         "total": {"building_id": None, "label": "合计", "households": 84, "wechat": 31, "informed": 40, "declined": 2,
                   "not_home": 6, "open": 5, "covered": 71},
         "behind": [{"name": "单元长小张", "role": "unit_leader", "open": 3}, {"name": None, "role": None, "open": 2}]})
    id: int
    title: str
    deadline: Time
    buildings: list[BuildingCoverage]
    total: BuildingCoverage
    behind: list[Behind]


class Acknowledged(BaseModel):
    model_config = examples({"id": 7, "acknowledged_at": "2026-11-26T16:05:31+08:00"})
    id: int
    acknowledged_at: Time


def _item(item):
    return {"id": item.id, "door": item.household.door, "state": item.state, "marked_at": when(item.marked_at)}


def _coverage(row):
    keys = ("households", "wechat", "informed", "declined", "not_home", "open", "covered")
    return dict({k: row[k] for k in keys}, building_id=row.get("building"), label=row.get("label", "合计"))


@staff_bp.get("/rounds/mine")
@staff_required
@declare(MyRounds)
def my_rounds():
    """The caller's households to inform at the door, by round, and their work notices"""
    return jsonify({
        "rounds": [{"id": r.id, "title": r.title, "deadline": when(r.deadline), "items": [_item(i) for i in items]}
                   for r, items in domain.my_items(g.staff)],
        "tasks": [{"id": t.id, "text": t.text, "sent_at": when(t.created_at), "deadline": when(t.deadline),
                   "acknowledged_at": when(a.acknowledged_at)} for t, a in work_notices.my_tasks(g.staff)]})


@staff_bp.post("/rounds/items/<int:item_id>")
@staff_required
@declare(DoorItem, 403, 404, 409, 422)
def mark(item_id, json: MarkBody):
    """Mark a household at the door; the same mark again (a double tap) changes nothing;
    403 not_your_household"""
    item, _ = domain.mark(g.staff, item_id, json.state)
    return jsonify(_item(domain.item_with_door(item.id)))


@staff_bp.get("/rounds/<int:round_id>")
@staff_required
@declare(RoundCoverage, 404)
def coverage(round_id):
    """A round's coverage per building and the leaders behind it (the community's staff)"""
    door_round = domain.get_round(g.staff, round_id)
    rows, total = domain.coverage(door_round.id)
    return jsonify({"id": door_round.id, "title": door_round.title, "deadline": when(door_round.deadline),
                    "buildings": [_coverage(r) for r in rows], "total": _coverage(total),
                    "behind": [{"name": b["leader"].name if b["leader"] else None, "role": b["role"],
                                "open": b["open"]} for b in domain.behind(door_round.community_id, door_round.id)]})


@staff_bp.post("/rounds/tasks/<int:task_id>/ack")
@staff_required
@declare(Acknowledged, 403, 404)
def acknowledge(task_id):
    """Acknowledge a work notice (once: again keeps the first time); 403 not_your_task"""
    ack, _ = work_notices.acknowledge(g.staff, task_id)
    return jsonify({"id": ack.task_id, "acknowledged_at": when(ack.acknowledged_at)})
