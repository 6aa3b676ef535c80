"""Urgent calls (紧急任务) in the console: staff ask a team for N people at a place now, and
watch the answers come in on a page that reloads itself every few seconds while the call is
open (a meta refresh: no script, nothing the content security policy refuses); it shows 已满员
when N said 来, and staff may close it early. The rules are volunteers/calls.py's."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from console.access import VOLUNTEER_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer
from console.volunteers import managed_team
from console.volunteers import staff_actor
from linli.errors import LinliError
from volunteers import calls

CALL_LABELS = {"open": "召集中", "filled": "已满员", "closed": "已结束"}
LIVE_REFRESH_SECONDS = 5


def _call(call_id):
    """A call of the staff's community that they may follow; 404 another community's."""
    call = calls.find(call_id)
    if call is None or call.team.community_id != staff_community():
        raise LinliError("not_found", "紧急任务不存在", 404)
    return calls.for_staff(staff_actor(), call.id)


@bp.post("/volunteers/teams/<int:team_id>/calls")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_call_create(team_id):
    team = managed_team(team_id)
    form = request.form
    call = calls.create(staff_actor(), team.id, form.get("what", ""), form.get("place", ""),
                        integer(form.get("needed")))
    flash("紧急任务已发出", "ok")
    return redirect(url_for("console.volunteer_call", call_id=call.id), code=303)


@bp.get("/volunteers/calls/<int:call_id>")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_call(call_id):
    live = calls.state(_call(call_id))
    return render_template("console/volunteer_call.html", live=live, call=live["call"], labels=CALL_LABELS,
                           refresh=LIVE_REFRESH_SECONDS if live["call"].state == "open" else None)


@bp.post("/volunteers/calls/<int:call_id>/close")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_call_close(call_id):
    call = calls.close(staff_actor(), _call(call_id).id)
    flash("紧急任务已结束", "ok")
    return redirect(url_for("console.volunteer_call", call_id=call.id), code=303)
