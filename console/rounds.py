"""Reaching every household in the console: the leaders' door-to-door list (a phone at the door:
one column, big buttons, no script needed), and for the community's staff each round's coverage
per building, who is behind, and leaders' work notices with who acknowledged.

The rules (who may mark which household, what a double tap is, who gets a work notice) are
community.rounds' and community.work_notices'; these views parse the form and ask them."""
import datetime

from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from community import rounds as domain
from community import work_notices
from console.access import ROUND_LEADER_ROLES
from console.access import ROUND_STAFF_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer
from linli.clock import SHANGHAI
from linli.clock import stored
from linli.edge import bounds_own_text
from linli.errors import LinliError
from models.community import Building
from models.community import Estate
from models.community import Grid
from models.content import Notice
from models.db import utcnow
from models.rounds import DoorRound

STATE_LABELS = {"wechat": "微信已达", "open": "未上门", "not_home": "不在家", "informed": "已告知", "declined": "拒绝"}
MARK_LABELS = (("informed", "已告知"), ("not_home", "不在家"), ("declined", "拒绝"))
ROLE_WORDS = {"unit_leader": "单元长", "building_leader": "楼长", "grid_worker": "网格员"}
SCOPE_WORDS = {"community": "全社区", "estate": "小区", "building": "楼栋", "unit": "单元", "grid": "网格"}


@bp.get("/rounds")
@signed_in(*ROUND_LEADER_ROLES)
def rounds():
    """The staff's overview; a leader goes straight to their own list."""
    if not g.roles & set(ROUND_STAFF_ROLES):
        return redirect(url_for("console.my_round"))
    community_id = staff_community()
    listed = [(r, domain.coverage(r.id)[1]) for r in domain.rounds_of(community_id)]
    with_round = DoorRound.select(DoorRound.notice).where(DoorRound.notice.is_null(False))
    notices = list(Notice.select().where((Notice.community == community_id) & Notice.id.not_in(with_round)
                                         & Notice.state.not_in(("cancelled", "failed")))
                   .order_by(Notice.id.desc()).limit(10))
    return render_template("console/rounds.html", rounds=listed, behind=domain.behind(community_id),
                           notices=notices, tasks=work_notices.tasks_of(community_id), places=_places(community_id),
                           may_manage=domain.is_manager(g.staff, community_id), roles=ROLE_WORDS,
                           scopes=SCOPE_WORDS)


def _places(community_id):
    """The scopes a form offers: the community, its estates, grids and buildings."""
    places = [("community", "全社区")]
    places += [("estate:%d" % e.id, e.name) for e in Estate.select().where(Estate.community == community_id)
               .order_by(Estate.id)]
    places += [("grid:%d" % g_.id, g_.name) for g_ in Grid.select().where(Grid.community == community_id)
               .order_by(Grid.id)]
    places += [("building:%d" % b.id, b.label) for b in Building.listed(community_id)]
    return places


def _scope_field(value):
    kind, _, place = (value or "community").partition(":")
    return kind, integer(place) if place else None


def _deadline(value, default):
    """A datetime-local field, in Asia/Shanghai, as stored; `default` from now when empty."""
    if not value:
        return utcnow() + default
    try:
        return stored(datetime.datetime.fromisoformat(value).replace(tzinfo=SHANGHAI))
    except ValueError:
        raise LinliError("bad_deadline", "截止时间格式不对") from None


@bp.post("/rounds")
@signed_in(*ROUND_STAFF_ROLES)
def open_round():
    form = request.form
    notice_id = integer(form.get("notice_id"))
    deadline = _deadline(form.get("deadline"), domain.DEFAULT_DEADLINE)
    created = True
    if notice_id is not None:
        door_round, created = domain.open_for_notice(g.staff, notice_id, deadline=deadline)
    else:
        kind, place = _scope_field(form.get("scope"))
        door_round = domain.open_round(g.staff, staff_community(), form.get("title", ""), deadline,
                                       kind=kind, place_id=place)
    left = domain.still_to_visit(door_round.id)
    flash(("已安排上门通知：%d 户需上门" if created else "该通知已安排过上门通知：还有 %d 户待上门") % left, "ok")
    return redirect(url_for("console.round_page", round_id=door_round.id), code=303)


@bp.get("/rounds/<int:round_id>")
@signed_in(*ROUND_STAFF_ROLES)
def round_page(round_id):
    door_round = domain.get_round(g.staff, round_id)
    rows, total = domain.coverage(door_round.id)
    return render_template("console/round.html", round=door_round, rows=rows, total=total,
                           behind=domain.behind(door_round.community_id, round_id=door_round.id),
                           late=utcnow() > door_round.deadline, roles=ROLE_WORDS, scopes=SCOPE_WORDS)


# -- the leader's list ----------------------------------------------------------------------------------
@bp.get("/rounds/mine")
@signed_in(*ROUND_LEADER_ROLES)
def my_round():
    now = utcnow()
    mine = domain.my_items(g.staff, now=now)
    marks = domain.history(i.id for _, items in mine for i in items)
    return render_template("console/round_mine.html", mine=mine, marks=marks, tasks=work_notices.my_tasks(g.staff),
                           states=STATE_LABELS, choices=MARK_LABELS, now=now)


@bp.post("/rounds/items/<int:item_id>")
@signed_in(*ROUND_LEADER_ROLES)
def mark_item(item_id):
    item, marked = domain.mark(g.staff, item_id, request.form.get("state", ""))
    room = item.household.room if item.household_id else ""
    if marked:
        flash("%s 室：%s" % (room, STATE_LABELS[item.state]), "ok")
    return redirect(url_for("console.my_round", _anchor="i%d" % item.id), code=303)


# -- leaders' work notices -------------------------------------------------------------------------------
@bp.post("/rounds/tasks")
@bounds_own_text("text")               # work_notices.MAX_TEXT (500), answered on the form as bad_text
@signed_in(*ROUND_STAFF_ROLES)
def send_task():
    form = request.form
    kind, place = _scope_field(form.get("scope"))
    deadline = _deadline(form.get("deadline"), datetime.timedelta(days=1)) if form.get("deadline") else None
    task = work_notices.send_task(g.staff, staff_community(), form.get("text", ""), kind=kind, place_id=place,
                                  deadline=deadline)
    flash("工作通知已发给 %d 位楼长、单元长" % task.acks.count(), "ok")
    return redirect(url_for("console.task_page", task_id=task.id), code=303)


@bp.get("/rounds/tasks/<int:task_id>")
@signed_in(*ROUND_STAFF_ROLES)
def task_page(task_id):
    task, acks = work_notices.task_status(g.staff, task_id)
    return render_template("console/round_task.html", task=task, acks=acks, roles=ROLE_WORDS,
                           place=_place_name(task))


def _place_name(task):
    if task.scope == "community":
        return "全社区"
    return dict(_places(task.community_id)).get("%s:%d" % (task.scope, task.place_id), SCOPE_WORDS[task.scope])


@bp.post("/rounds/tasks/<int:task_id>/ack")
@signed_in(*ROUND_LEADER_ROLES)
def acknowledge_task(task_id):
    _, acknowledged = work_notices.acknowledge(g.staff, task_id)
    if acknowledged:
        flash("已确认收到", "ok")
    return redirect(url_for("console.my_round", _anchor="t%d" % task_id), code=303)


