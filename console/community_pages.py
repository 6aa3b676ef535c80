"""The community in the console: grids, buildings and units, staff and their roles, the service
board's contacts, the community office's phone, printable building QR codes, auto-reply rules
and the holiday calendar."""
from flask import Response
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

import wechat
from account import qrcodes as qrcodes_domain
from account import rules
from cases import calendar
from community import places
from community import staff_admin
from console.access import MANAGER_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import day
from console.forms import integer
from linli import config
from models.account import AutoReplyRule
from models.community import Building
from models.community import Community
from models.community import Grid
from models.community import Unit
from models.people import RoleAssignment
from models.people import Staff
from models.workflow import CalendarDay


@bp.get("/community")
@signed_in(*MANAGER_ROLES)
def community():
    community_id = staff_community()
    buildings = list(Building.listed(community_id))
    units = {}
    for unit in Unit.select().where(Unit.building.in_([b.id for b in buildings] or [0])):
        units.setdefault(unit.building_id, []).append(unit)
    roles = {}
    for assignment in RoleAssignment.select().where(RoleAssignment.community == community_id):
        roles.setdefault(assignment.staff_id, []).append(assignment)
    # Not `staff`: that name is the signed-in member in every console template.
    people = Staff.select().where(Staff.id.in_(list(roles) or [0])).order_by(Staff.name)
    return render_template("console/community.html", grids=Grid.select().where(Grid.community == community_id),
                           buildings=buildings, units=units, people=people, roles=roles,
                           rules=AutoReplyRule.select().order_by(AutoReplyRule.priority.desc()),
                           days=CalendarDay.select().order_by(CalendarDay.day.desc()).limit(60),
                           community_phone=Community.get_by_id(community_id).phone)


@bp.post("/community/phone")
@signed_in(*MANAGER_ROLES)
def community_phone():
    """The community office's phone on printed notice sheets and the buildings' e-screens."""
    phone = staff_admin.set_community_phone(g.staff, staff_community(), request.form.get("phone", ""))
    flash("社区电话已更新为 %s" % phone if phone else "社区电话已清除", "ok")
    return redirect(url_for("console.community"), code=303)


@bp.post("/community/staff/<int:staff_id>/phone")
@signed_in(*MANAGER_ROLES)
def staff_phone(staff_id):
    """The phone a staff member shows on the buildings' service boards, and whether to show it."""
    person = staff_admin.set_board_phone(g.staff, staff_community(), staff_id, request.form.get("phone", ""),
                                         request.form.get("phone_public") == "1")
    flash("已更新 %s 的联系电话" % person.name, "ok")
    return redirect(url_for("console.community"), code=303)


@bp.get("/community/qrcodes")
@signed_in(*MANAGER_ROLES)
def qrcodes():
    buildings = Building.listed(staff_community()).where(Building.qr_scene.is_null(False))
    return render_template("console/qrcodes.html", buildings=buildings)


@bp.get("/community/qrcodes/<int:building_id>.png")
@signed_in(*MANAGER_ROLES)
def qrcode_image(building_id):
    building = Building.get_or_none((Building.id == building_id) & (Building.community == staff_community()))
    if building is None or not building.qr_scene:
        abort(404)
    client = wechat.official()
    return Response(client.show_qrcode(qrcodes_domain.ensure_ticket(client, building)), mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=86400"})


@bp.get("/community/wxacodes")
@signed_in(*MANAGER_ROLES)
def wxacodes():
    buildings = Building.listed(staff_community()).where(Building.active == True)  # noqa: E712
    return render_template("console/wxacodes.html", buildings=buildings)


@bp.get("/community/wxacodes/<int:building_id>.png")
@signed_in(*MANAGER_ROLES)
def wxacode_image(building_id):
    image = places.building_code(wechat.miniprogram(), building_id, staff_community(), config.active().MP_ADDRESS_PAGE)
    return Response(image, mimetype="image/png", headers={"Cache-Control": "private, max-age=86400"})


@bp.post("/community/rules")
@signed_in(*MANAGER_ROLES)
def add_rule():
    form = request.form
    rules.save_rule(form.get("name", "").strip()[:100], form.get("match_type", ""), form.get("pattern", "").strip(),
                    reply_text=form.get("reply_text", "").strip(), priority=integer(form.get("priority")) or 0,
                    active_from=form.get("active_from", ""), active_until=form.get("active_until", ""))
    flash("已添加自动回复规则", "ok")
    return redirect(url_for("console.community"), code=303)


@bp.post("/community/calendar")
@signed_in(*MANAGER_ROLES)
def set_calendar():
    form = request.form
    first = day(form.get("first"))
    last = day(form.get("last")) if form.get("last") else first
    try:
        count = calendar.set_days(first, last, form.get("kind", ""), form.get("name", "").strip()[:50])
    except ValueError as exc:
        abort(400, str(exc))
    flash("已设置 %d 天" % count, "ok")
    return redirect(url_for("console.community"), code=303)
