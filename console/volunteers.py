"""志愿服务 in the console: the teams a staff member manages (volunteers.teams.managed_by), a
team with its members, requests, leaders, activities, urgent calls and hours CSV; an activity
with its sign-ups, waitlist and check-ins, the hand marks, the hours' confirmation and the
cancellation; the leader's screen (a phone page with the rotating check-in QR, drawn here as
SVG, that reloads itself before the code expires); a member's printable certificate. Urgent
calls are console/volunteer_calls.py.

Every action is volunteers/' function, the same as the staff API's; whose team it is is its
rule (not_your_team, 403). Refusals of a POST come back as a message (blueprint.domain_error)."""
import datetime
import re

import segno
from flask import Response
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from console.access import VOLUNTEER_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer
from console.forms import moment
from linli import config
from linli import signed_qr
from linli.clock import local
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.db import utcnow
from models.volunteers import Activity
from volunteers import activities
from volunteers import attendance
from volunteers import calls
from volunteers import records
from volunteers import teams
from volunteers.teams import Actor

ROLE_LINE = re.compile(r"(.+?)\s+([0-9]{1,4})")
SIGNUP_LABELS = {"confirmed": "已报名", "waitlisted": "候补", "cancelled": "已取消"}
# The screen reloads a little before a code's rotation, so the one shown is always good to scan.
SCREEN_REFRESH_SECONDS = signed_qr.ROTATION - 10


def staff_actor():
    return Actor(staff=g.staff)


def managed_team(team_id):
    """A team the staff manages; 404 unknown or another community's, 403 not theirs."""
    team = teams.team_for(team_id)
    if team.community_id != staff_community():
        raise LinliError("not_found", "志愿服务队不存在", 404)
    return teams.led_team(staff_actor(), team.id)


def _activity(activity_id):
    """An activity of a team the staff manages; 404 as _team says."""
    activity = Activity.get_or_none(Activity.id == activity_id)
    if activity is None:
        raise LinliError("not_found", "活动不存在", 404)
    managed_team(activity.team_id)
    return activity


# -- teams ------------------------------------------------------------------------------------------
@bp.get("/volunteers")
@signed_in(*VOLUNTEER_ROLES)
def volunteers():
    community_id = staff_community()
    return render_template("console/volunteers.html", teams=teams.managed_by(g.staff, community_id),
                           buildings=Building.listed(community_id))


@bp.post("/volunteers/teams")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_team_create():
    form = request.form
    team = teams.create_team(g.staff, staff_community(), form.get("name", ""),
                             building_id=integer(form.get("building_id")),
                             needs_approval=form.get("needs_approval") == "1", description=form.get("description", ""))
    flash("已建立志愿服务队：%s" % team.name, "ok")
    return redirect(url_for("console.volunteer_team", team_id=team.id), code=303)


@bp.get("/volunteers/teams/<int:team_id>")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_team(team_id):
    team = managed_team(team_id)
    _, listed = activities.of_team(staff_actor(), team.id)
    query = request.args.get("q", "")
    return render_template("console/volunteer_team.html", team=team, members=teams.members_of(team),
                           pending=teams.pending_members(team), activities=listed, query=query,
                           candidates=teams.candidates(team, query), calls=calls.of_team(staff_actor(), team.id),
                           display_name=teams.display_name)


@bp.post("/volunteers/teams/<int:team_id>/requests/<int:resident_id>")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_decide(team_id, resident_id):
    team = managed_team(team_id)
    approve = request.form.get("approve") == "1"
    teams.decide(staff_actor(), team.id, resident_id, approve)
    flash("已同意入队" if approve else "已婉拒入队申请", "ok")
    return redirect(url_for("console.volunteer_team", team_id=team.id), code=303)


@bp.post("/volunteers/teams/<int:team_id>/leaders")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_appoint(team_id):
    team = managed_team(team_id)
    member = teams.appoint_leader(staff_actor(), team.id, integer(request.form.get("resident_id")))
    flash("已任命 %s 为队长" % teams.display_name(member.resident), "ok")
    return redirect(url_for("console.volunteer_team", team_id=team.id), code=303)


@bp.post("/volunteers/teams/<int:team_id>/leaders/<int:resident_id>/remove")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_unappoint(team_id, resident_id):
    team = managed_team(team_id)
    member = teams.remove_leader(staff_actor(), team.id, resident_id)
    flash("%s 不再担任队长（仍是队员）" % teams.display_name(member.resident), "ok")
    return redirect(url_for("console.volunteer_team", team_id=team.id), code=303)


@bp.get("/volunteers/teams/<int:team_id>/hours.csv")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_hours_csv(team_id):
    team, text = records.hours_csv(staff_actor(), managed_team(team_id).id)
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=volunteer-hours-team-%d.csv" % team.id})


@bp.get("/volunteers/teams/<int:team_id>/members/<int:resident_id>/certificate")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_certificate(team_id, resident_id):
    team = managed_team(team_id)
    made = records.member_certificate(staff_actor(), team.id, resident_id, local(utcnow()).date())
    return render_template("console/volunteer_certificate.html", team=team, c=made)


# -- activities -------------------------------------------------------------------------------------
@bp.get("/volunteers/teams/<int:team_id>/activities/new")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_activity_form(team_id):
    team = managed_team(team_id)
    start = local(utcnow()).replace(minute=0, second=0, microsecond=0, tzinfo=None) + datetime.timedelta(days=1)
    return _activity_form(team, {"starts_at": start.isoformat(), "ends_at": (start + datetime.timedelta(hours=2))
                                 .isoformat(), "capacity": "10",
                                 "late_cancel_hours": str(activities.DEFAULT_LATE_CANCEL_HOURS)})


def _activity_form(team, values, message=None, status=200):
    return render_template("console/volunteer_activity_new.html", team=team, values=values,
                           message=message), status


@bp.post("/volunteers/teams/<int:team_id>/activities/new")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_activity_post(team_id):
    team = managed_team(team_id)
    form = request.form
    try:
        activity = activities.post(staff_actor(), team.id, form.get("title", ""), form.get("place", ""),
                                   moment(form.get("starts_at")), moment(form.get("ends_at")),
                                   capacity=integer(form.get("capacity")), roles=_roles(form.get("roles", "")),
                                   description=form.get("description", ""),
                                   late_cancel_hours=integer(form.get("late_cancel_hours")))
    except PermissionDenied:
        raise
    except LinliError as exc:
        # Bad input: the form again as it was sent, with the reason; nothing was posted.
        return _activity_form(team, form.to_dict(), exc.message, 422)
    flash("已发布活动：%s" % activity.title, "ok")
    return redirect(url_for("console.volunteer_activity", activity_id=activity.id), code=303)


def _roles(text):
    """Roles one a line, "搬运 4" (any space between, a full-width one too); None for none."""
    roles = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        found = ROLE_LINE.fullmatch(line.strip())
        if found is None:
            raise LinliError("bad_roles", "岗位每行写“名称 人数”，如：搬运 4", 422)
        roles[found.group(1)] = int(found.group(2))
    return roles or None


@bp.get("/volunteers/activities/<int:activity_id>")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_activity(activity_id):
    activity, rows = attendance.roster(staff_actor(), _activity(activity_id).id)
    now = utcnow()
    return render_template("console/volunteer_activity.html", a=activity, rows=rows, labels=SIGNUP_LABELS,
                           roles=activities.roles_of(activity), ended=now >= activity.ends_at,
                           started=now >= activity.starts_at, display_name=teams.display_name,
                           position=activities.waitlist_position)


@bp.get("/volunteers/activities/<int:activity_id>/screen")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_screen(activity_id):
    """The leader's phone at the place: the check-in QR, fresh on every load, and the confirmed
    volunteers to mark by hand."""
    activity = _activity(activity_id)
    payload, _ = attendance.qr(staff_actor(), activity.id, config.active().SECRET_KEY)
    _, rows = attendance.roster(staff_actor(), activity.id)
    svg = segno.make(payload, error="m").svg_inline(svgclass="checkin-qr", omitsize=True, border=2)
    return render_template("console/volunteer_screen.html", a=activity, payload=payload, svg=svg,
                           rows=[r for r in rows if r.state == "confirmed"], refresh=SCREEN_REFRESH_SECONDS,
                           display_name=teams.display_name)


@bp.post("/volunteers/activities/<int:activity_id>/marks")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_mark(activity_id):
    activity = _activity(activity_id)
    form = request.form
    signup = attendance.mark(staff_actor(), activity.id, integer(form.get("resident_id")), form.get("action", ""),
                             at=moment(form.get("at")))
    flash("%s：%s" % (teams.display_name(signup.resident), "已签到" if form.get("action") == "check_in" else "已签退"),
          "ok")
    back = "console.volunteer_screen" if form.get("back") == "screen" else "console.volunteer_activity"
    return redirect(url_for(back, activity_id=activity.id, _anchor="s%d" % signup.resident_id), code=303)


@bp.post("/volunteers/activities/<int:activity_id>/confirm")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_confirm(activity_id):
    activity = attendance.confirm_hours(staff_actor(), _activity(activity_id).id)
    flash("服务时长已确认", "ok")
    return redirect(url_for("console.volunteer_activity", activity_id=activity.id), code=303)


@bp.post("/volunteers/activities/<int:activity_id>/cancel")
@signed_in(*VOLUNTEER_ROLES)
def volunteer_activity_cancel(activity_id):
    activity, told = activities.cancel_activity(staff_actor(), _activity(activity_id).id)
    flash("活动已取消，已通知 %d 位报名的志愿者" % len(told), "ok")
    return redirect(url_for("console.volunteer_activity", activity_id=activity.id), code=303)
