"""/api/mp: 志愿服务. Residents find teams and activities, sign up, cancel, check in and out by the
leader's QR, read their record and answer urgent calls; a team's leaders work it from the same
mini-program, under /volunteers/lead (a leader is a resident, signed in as one), and the
community's staff do the same under /api/mp/staff/volunteers with their staff token, where they
also set up teams, appoint leaders and send urgent calls. volunteers/ keeps the rules.

A leader's route is declared once here (`lead`) and registered on both blueprints: one handler,
two callers, each checked against the team (not_your_team, 403)."""
import io
from typing import Literal

import segno
from flask import Response
from flask import g
from flask import jsonify
from pydantic import BaseModel
from pydantic import Field
from pydantic import StrictBool

from linli import config
from linli import signed_qr
from linli.errors import LinliError
from miniprogram_api.auth import resident_required
from miniprogram_api.auth import staff_required
from miniprogram_api.openapi import CSV
from miniprogram_api.openapi import PNG
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import examples
from miniprogram_api.parsing import Body
from miniprogram_api.parsing import Id
from miniprogram_api.parsing import IdempotencyKey
from miniprogram_api.parsing import Moment
from miniprogram_api.parsing import Text
from miniprogram_api.parsing import Whole
from miniprogram_api.parsing import bounded
from miniprogram_api.serializers import Time
from miniprogram_api.serializers import when
from miniprogram_api.staff import bp as staff_bp
from miniprogram_api.views import bp
from models.community import Building
from models.volunteers import ANSWERS
from models.volunteers import CALL_STATES
from models.volunteers import MEMBER_ROLES
from models.volunteers import MEMBER_STATES
from models.volunteers import SIGNUP_STATES
from models.volunteers import Activity
from models.volunteers import UrgentCall
from volunteers import activities
from volunteers import attendance
from volunteers import calls
from volunteers import records
from volunteers import teams
from volunteers.teams import Actor


# -- shapes -----------------------------------------------------------------------------------------
class Membership(BaseModel):
    role: Literal[MEMBER_ROLES]
    state: Literal[MEMBER_STATES]


class TeamEntry(BaseModel):
    id: int
    name: str
    description: str
    building_id: int | None = Field(description="null: the whole community's team")
    needs_approval: bool
    membership: Membership | None = Field(description="mine")


class TeamList(BaseModel):
    items: list[TeamEntry]


class RolePlaces(BaseModel):
    name: str
    capacity: int
    taken: int


class MySignup(BaseModel):
    state: Literal[SIGNUP_STATES]
    role: str | None
    waitlist_position: int | None = Field(description="1: the next to move up; null when not waitlisted")
    late_cancel: bool
    no_show: bool
    checked_in_at: Time | None
    checked_out_at: Time | None
    minutes: int | None = Field(description="served, once the leader has confirmed the hours")


class ActivityEntry(BaseModel):
    id: int
    team_id: int
    team: str
    title: str
    place: str
    starts_at: Time
    ends_at: Time
    capacity: int
    taken: int
    roles: list[RolePlaces]
    state: Literal["open", "cancelled"]
    hours_confirmed: bool
    signup: MySignup | None = Field(description="mine")


class ActivityView(ActivityEntry):
    description: str
    late_cancel_hours: int


class ActivityList(BaseModel):
    items: list[ActivityEntry]


class Scan(Body):
    qr: Text = Field("", description="the payload of the leader's QR, as scanned")


class SignupRequest(Body):
    role: Text = Field("", description="the role's name, for an activity with roles")


class RecordEntry(BaseModel):
    activity_id: int
    title: str
    team: str
    starts_at: Time
    state: Literal[SIGNUP_STATES]
    no_show: bool
    minutes: int | None = Field(description="confirmed minutes; null until the leader confirms")


class VolunteerRecord(BaseModel):
    entries: list[RecordEntry]
    total_minutes: int = Field(description="confirmed only")


class CertificateLine(BaseModel):
    title: str
    team: str
    date: str
    minutes: int


class Certificate(BaseModel):
    name: str
    teams: list[str]
    activities: list[CertificateLine]
    total_minutes: int
    community: str = Field(description="the issuing community")


class CallAnswerRequest(Body):
    answer: Literal[ANSWERS] | None = Field(None, description="come: 来; not_coming: 不来")


class Answered(BaseModel):
    call_id: int
    answer: Literal[ANSWERS]
    state: Literal[CALL_STATES]


# -- residents --------------------------------------------------------------------------------------
def _membership(team):
    member = teams.membership(g.resident, team)
    return {"role": member.role, "state": member.state} if member else None


def team_json(team):
    return {"id": team.id, "name": team.name, "description": team.description, "building_id": team.building_id,
            "needs_approval": team.needs_approval, "membership": _membership(team)}


def signup_json(signup):
    if signup is None:
        return None
    role = signup.role.name if signup.role_id else None
    confirmed = signup.activity.hours_confirmed_at is not None
    return {"state": signup.state, "role": role, "waitlist_position": activities.waitlist_position(signup),
            "late_cancel": signup.late_cancel, "no_show": signup.no_show,
            "checked_in_at": when(signup.checked_in_at), "checked_out_at": when(signup.checked_out_at),
            "minutes": signup.minutes if confirmed else None}


def activity_json(activity, signup=None, detail=False):
    made = {"id": activity.id, "team_id": activity.team_id, "team": activity.team.name, "title": activity.title,
            "place": activity.place, "starts_at": when(activity.starts_at), "ends_at": when(activity.ends_at),
            "capacity": activity.capacity, "taken": activity.taken,
            "roles": [{"name": r.name, "capacity": r.capacity, "taken": r.taken}
                      for r in activities.roles_of(activity)],
            "state": activity.state, "hours_confirmed": activity.hours_confirmed_at is not None,
            "signup": signup_json(signup)}
    if detail:
        made.update(description=activity.description, late_cancel_hours=activity.late_cancel_hours)
    return made


def _mine(activity):
    fresh = Activity.get_by_id(activity.id)
    return activity_json(fresh, activities.signup_of(g.resident, fresh), detail=True)


@bp.get("/volunteers/teams")
@resident_required
@declare(TeamList)
def team_list():
    """The volunteer teams I may join: my community's and my building's"""
    return jsonify({"items": [team_json(t) for t in teams.teams_for(g.resident)]})


@bp.post("/volunteers/teams/<int:team_id>/join")
@resident_required
@declare((TeamEntry, "already asked or a member"), 403, 404, created=(TeamEntry, "asked, or joined"))
def join_team(team_id):
    """Join a team (pending the leader's approval where the team asks for it)"""
    member, created = teams.join(g.resident, team_id)
    return jsonify(team_json(member.team)), 201 if created else 200


@bp.get("/volunteers/activities")
@resident_required
@declare(ActivityList)
def activity_list():
    """Open activities of the teams I may serve in that have not ended, soonest first"""
    return jsonify({"items": [activity_json(a, activities.signup_of(g.resident, a))
                              for a in activities.upcoming(g.resident)]})


@bp.get("/volunteers/activities/<int:activity_id>")
@resident_required
@declare(ActivityView, 404)
def activity_detail(activity_id):
    """One activity with its places and my sign-up"""
    return jsonify(_mine(activities.visible(g.resident, activity_id)))


@bp.post("/volunteers/activities/<int:activity_id>/signup")
@resident_required
@declare((ActivityView, "already signed up (the same tap, or an earlier one)"), 403, 404, 409, 422,
         created=(ActivityView, "signed up: confirmed, or waitlisted when full"))
def sign_up(activity_id, json: SignupRequest, headers: IdempotencyKey):
    """Sign up; a full activity puts me on its waitlist. A retried tap (same Idempotency-Key) is one sign-up"""
    signup, created = activities.sign_up(g.resident, activity_id, json.role or None, headers.key)
    return jsonify(_mine(signup.activity)), 201 if created else 200


@bp.post("/volunteers/activities/<int:activity_id>/cancel")
@resident_required
@declare(ActivityView, 404, 409)
def cancel_signup(activity_id):
    """Cancel my sign-up (late within the activity's late_cancel_hours); my place goes to the first waitlisted"""
    signup, _ = activities.cancel(g.resident, activity_id)
    return jsonify(_mine(signup.activity))


@bp.post("/volunteers/activities/<int:activity_id>/check-in")
@resident_required
@declare(ActivityView, 404, 409, 422)
def check_in(activity_id, json: Scan):
    """Check in by the leader's QR; 422 qr_expired, qr_forged, wrong_activity; 409 already_checked_in"""
    signup = attendance.check_in(g.resident, activity_id, json.qr, config.active().SECRET_KEY)
    return jsonify(_mine(signup.activity))


@bp.post("/volunteers/activities/<int:activity_id>/check-out")
@resident_required
@declare(ActivityView, 404, 409, 422)
def check_out(activity_id, json: Scan):
    """Check out by the leader's QR (the time counts up to the activity's end at most)"""
    signup = attendance.check_out(g.resident, activity_id, json.qr, config.active().SECRET_KEY)
    return jsonify(_mine(signup.activity))


@bp.get("/volunteers/record")
@resident_required
@declare(VolunteerRecord)
def my_record():
    """My activities and my confirmed minutes of service"""
    made = records.record(g.resident)
    return jsonify({"entries": [{"activity_id": a.id, "title": a.title, "team": t.name, "starts_at": when(a.starts_at),
                                 "state": s.state, "no_show": s.no_show, "minutes": m}
                                for s, a, t, m in made["entries"]],
                    "total_minutes": made["total_minutes"]})


@bp.get("/volunteers/certificate")
@resident_required
@declare(Certificate)
def my_certificate():
    """What my certificate shows: only confirmed hours, and the issuing community"""
    return jsonify(records.certificate(g.resident))


@bp.post("/volunteers/calls/<int:call_id>/answer")
@resident_required
@declare((Answered, "the same answer again"), 403, 404, 409, 422, created=(Answered, "counted"))
def answer_call(call_id, json: CallAnswerRequest):
    """Answer an urgent call of my team: come (来) or not_coming (不来); 409 call_filled once enough said 来"""
    answer, created = calls.answer(g.resident, call_id, json.answer)
    call = answer.call
    return jsonify({"call_id": call.id, "answer": answer.answer,
                    "state": UrgentCall.get_by_id(call.id).state}), 201 if created else 200


# -- leaders (residents) and staff ------------------------------------------------------------------
def lead(method, rule, ok=None, *errors, created=None, body=None, csv=False, keyed=False):
    """Register `handler(actor, **path, json=..., key=...)` twice: for a team's resident leader at
    /api/mp/volunteers/lead<rule> and for staff at /api/mp/staff/volunteers<rule>. `keyed`: the
    route takes an Idempotency-Key header, given to the handler as `key`."""
    def register(handler):
        for blueprint, guard, prefix, kind in ((bp, resident_required, "/volunteers/lead", "lead"),
                                               (staff_bp, staff_required, "/volunteers", "staff")):
            view = _keyed(handler, kind, body) if keyed else _bound(handler, kind, body)
            view.__name__ = view.__qualname__ = "%s_%s" % (kind, handler.__name__)
            view.__doc__ = handler.__doc__
            blueprint.route(prefix + rule, methods=[method])(guard(declare(CSV if csv else ok, *errors,
                                                                           created=created)(view)))
        return handler
    return register


def _actor(kind):
    return Actor(resident=g.resident) if kind == "lead" else Actor(staff=g.staff)


def _bound(handler, kind, body):
    if body is None:
        def view(**path):
            return handler(_actor(kind), **path)
    else:
        def view(json: body, **path):
            return handler(_actor(kind), json=json, **path)
    return view


def _keyed(handler, kind, body):
    def view(json: body, headers: IdempotencyKey, **path):
        return handler(_actor(kind), json=json, key=headers.key, **path)
    return view


class MemberDecision(Body):
    resident_id: Id | None = None
    approve: StrictBool = True


class PendingMember(BaseModel):
    resident_id: int
    name: str
    asked_at: Time


class TeamMembers(BaseModel):
    pending: list[PendingMember]
    approved: int


class NewActivity(Body):
    title: bounded(activities.MAX_TITLE, *activities.TITLE_RULE) = ""
    description: Text = ""
    place: bounded(activities.MAX_PLACE, *activities.PLACE_RULE) = ""
    starts_at: Moment = None
    ends_at: Moment = None
    capacity: Whole | None = Field(None, description="without roles; with roles it is their sum")
    roles: dict[str, Whole] | None = Field(None, description='{"搬运": 4, "登记": 2}')
    late_cancel_hours: Whole = Field(activities.DEFAULT_LATE_CANCEL_HOURS,
                                     description="cancelling within this many hours of the start is recorded as late")


class LeaderQr(BaseModel):
    qr: str = Field(description="show as a QR code; fetch a fresh one every `rotate_seconds`")
    rotate_seconds: int
    valid_seconds: int


class RosterEntry(BaseModel):
    resident_id: int
    name: str
    state: Literal[SIGNUP_STATES]
    role: str | None
    late_cancel: bool
    no_show: bool
    checked_in_at: Time | None
    checked_out_at: Time | None
    minutes: int | None


class Roster(BaseModel):
    activity_id: int
    hours_confirmed: bool
    items: list[RosterEntry]


class Mark(Body):
    resident_id: Id | None = None
    action: Literal["check_in", "check_out"] | None = None
    at: Moment = Field(None, description="default now (a check-out: at the end at most)")


def roster_json(activity, rows):
    return {"activity_id": activity.id, "hours_confirmed": activity.hours_confirmed_at is not None,
            "items": [{"resident_id": s.resident_id, "name": teams.display_name(s.resident), "state": s.state,
                       "role": s.role.name if s.role_id else None, "late_cancel": s.late_cancel,
                       "no_show": s.no_show, "checked_in_at": when(s.checked_in_at),
                       "checked_out_at": when(s.checked_out_at), "minutes": s.minutes} for s in rows]}


class LedTeam(BaseModel):
    id: int
    name: str
    building_id: int | None = Field(description="null: the whole community's team")
    needs_approval: bool
    pending: int = Field(description="requests to join waiting for a leader")
    approved: int = Field(description="members, leaders included")


class LedTeams(BaseModel):
    model_config = examples({"items": [{"id": 3, "name": "楼道清洁队", "building_id": None, "needs_approval": True,
                                        "pending": 2, "approved": 9}]}, {"items": []})
    items: list[LedTeam] = Field(description="empty: the resident leads no team")


@bp.get("/volunteers/lead/teams")
@resident_required
@declare(LedTeams)
def led_teams():
    """The teams I lead (the mini-program shows the leader's pages only when there is one)"""
    return jsonify({"items": [{"id": t.id, "name": t.name, "building_id": t.building_id,
                               "needs_approval": t.needs_approval, "pending": len(teams.pending_members(t)),
                               "approved": len(teams.approved_members(t))} for t in teams.led_by(g.resident)]})


@lead("GET", "/teams/<int:team_id>/members", TeamMembers, 403, 404)
def team_members(actor, team_id):
    """The team's pending requests to join, and how many members it has"""
    team = teams.led_team(actor, team_id)
    return jsonify({"pending": [{"resident_id": m.resident_id, "name": teams.display_name(m.resident),
                                 "asked_at": when(m.asked_at)} for m in teams.pending_members(team)],
                    "approved": len(teams.approved_members(team))})


@lead("POST", "/teams/<int:team_id>/members/decide", Membership, 403, 404, 409, body=MemberDecision)
def decide_member(actor, team_id, json):
    """Approve or decline a resident's request to join; 409 not_pending"""
    member = teams.decide(actor, team_id, json.resident_id, json.approve)
    return jsonify({"role": member.role, "state": member.state})


@lead("POST", "/teams/<int:team_id>/activities", (ActivityView, "already posted with this Idempotency-Key"),
      403, 404, 422, body=NewActivity, created=(ActivityView, "posted"), keyed=True)
def post_activity(actor, team_id, json, key):
    """Post an activity of the team (its leader or staff); re-sent with the same Idempotency-Key: one activity"""
    activity, created = activities.post_once(
        actor, team_id, key, title=json.title, place=json.place, starts_at=json.starts_at, ends_at=json.ends_at,
        capacity=json.capacity, roles=json.roles, description=json.description,
        late_cancel_hours=json.late_cancel_hours)
    return jsonify(activity_json(activity, detail=True)), 201 if created else 200


@lead("GET", "/teams/<int:team_id>/activities", ActivityList, 403, 404)
def team_activities(actor, team_id):
    """The team's activities, the latest start first (cancelled and ended ones too: hours to confirm)"""
    _, listed = activities.of_team(actor, team_id)
    return jsonify({"items": [activity_json(a) for a in listed]})


@lead("GET", "/activities/<int:activity_id>/qr", LeaderQr, 403, 404)
def leader_qr(actor, activity_id):
    """The activity's rotating check-in/check-out QR for the leader's screen"""
    payload, _ = attendance.qr(actor, activity_id, config.active().SECRET_KEY)
    return jsonify({"qr": payload, "rotate_seconds": signed_qr.ROTATION, "valid_seconds": signed_qr.LIFETIME})


@lead("GET", "/activities/<int:activity_id>/qr.png", PNG, 403, 404)
def leader_qr_png(actor, activity_id):
    """The rotating QR drawn as a PNG, for a phone that shows it as an image; fetch a fresh one as /qr says"""
    payload, _ = attendance.qr(actor, activity_id, config.active().SECRET_KEY)
    return Response(qr_png(payload), mimetype="image/png", headers={"Cache-Control": "no-store"})


def qr_png(payload):
    """The payload as a PNG big enough for a phone's full width to stay sharp (10 px a module)."""
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()


@lead("GET", "/activities/<int:activity_id>/roster", Roster, 403, 404)
def roster(actor, activity_id):
    """Who signed up, who is waitlisted, who checked in and out"""
    return jsonify(roster_json(*attendance.roster(actor, activity_id)))


@lead("POST", "/activities/<int:activity_id>/attendance", Roster, 403, 404, 409, 422, body=Mark)
def mark(actor, activity_id, json):
    """Mark a volunteer in or out by hand; a check-out closes a forgotten one (at the end at most)"""
    if json.action is None or json.resident_id is None:
        raise LinliError("bad_mark", "请给出 resident_id 和 action", 422)
    attendance.mark(actor, activity_id, json.resident_id, json.action, at=json.at)
    return jsonify(roster_json(*attendance.roster(actor, activity_id)))


@lead("POST", "/activities/<int:activity_id>/confirm-hours", Roster, 403, 404, 409)
def confirm_hours(actor, activity_id):
    """Confirm the hours after the activity (final); no-shows are recorded; 409 open_check_outs, hours_confirmed"""
    attendance.confirm_hours(actor, activity_id)
    return jsonify(roster_json(*attendance.roster(actor, activity_id)))


@lead("POST", "/activities/<int:activity_id>/cancel", ActivityView, 403, 404, 409)
def cancel_activity(actor, activity_id):
    """Call the activity off before its start; everyone signed up or waitlisted is told; 409 started"""
    activity, _ = activities.cancel_activity(actor, activity_id)
    return jsonify(activity_json(activity, detail=True))


@lead("GET", "/teams/<int:team_id>/hours.csv", None, 403, 404, csv=True)
def hours_csv(actor, team_id):
    """The team's confirmed hours as CSV, one row per volunteer and activity"""
    team, text = records.hours_csv(actor, team_id)
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=volunteer-hours-team-%d.csv" % team.id})


# -- staff only -------------------------------------------------------------------------------------
class NewTeam(Body):
    community_id: Id | None = None
    building_id: Id | None = Field(None, description="a building's team; none: the community's")
    name: Text = ""
    description: Text = ""
    needs_approval: StrictBool = True


class StaffTeam(BaseModel):
    id: int
    name: str
    building_id: int | None
    needs_approval: bool


class Appointment(Body):
    resident_id: Id | None = None


class NewCall(Body):
    what: Text = ""
    place: Text = ""
    needed: Whole | None = None


class Responder(BaseModel):
    name: str
    answered_at: Time


class CallState(BaseModel):
    id: int
    team_id: int
    what: str
    place: str
    needed: int
    coming_count: int
    state: Literal[CALL_STATES]
    created_at: Time
    filled_at: Time | None
    closed_at: Time | None = Field(description="when staff closed it early")
    asked: int = Field(description="the team's members the call went to")
    coming: list[Responder]
    not_coming: list[Responder]


def call_json(call):
    live = calls.state(call)
    call = live["call"]
    return {"id": call.id, "team_id": call.team_id, "what": call.what, "place": call.place, "needed": call.needed,
            "coming_count": call.coming, "state": call.state, "created_at": when(call.created_at),
            "filled_at": when(call.filled_at), "closed_at": when(call.closed_at), "asked": live["asked"],
            "coming": [{"name": n, "answered_at": when(t)} for n, t in live["coming"]],
            "not_coming": [{"name": n, "answered_at": when(t)} for n, t in live["not_coming"]]}


@staff_bp.post("/volunteers/teams")
@staff_required
@declare(None, 403, 422, created=(StaffTeam, "set up"))
def create_team(json: NewTeam):
    """Set up a team of the community, or of one building"""
    community_id = json.community_id
    if json.building_id is not None:
        building = Building.get_or_none(Building.id == json.building_id)
        community_id = building.community_id if building else community_id
    team = teams.create_team(g.staff, community_id, json.name, building_id=json.building_id,
                             needs_approval=json.needs_approval, description=json.description)
    return jsonify({"id": team.id, "name": team.name, "building_id": team.building_id,
                    "needs_approval": team.needs_approval}), 201


class NextActivity(BaseModel):
    id: int
    title: str
    starts_at: Time
    capacity: int
    taken: int


class ManagedTeam(BaseModel):
    id: int
    name: str
    building_id: int | None = Field(description="null: the whole community's team")
    building: str | None = Field(description="the building's name, e.g. 1号楼")
    needs_approval: bool
    members: int = Field(description="approved members, leaders included")
    pending: int = Field(description="requests to join waiting for a decision")
    upcoming: list[NextActivity] = Field(description="the next open activities not yet ended (3 at most)")


class ManagedTeams(BaseModel):
    model_config = examples(
        {"items": [{"id": 5, "name": "1号楼公益小分队", "building_id": 1, "building": "1号楼", "needs_approval": True,
                    "members": 6, "pending": 1,
                    "upcoming": [{"id": 12, "title": "清理楼道杂物", "starts_at": "2026-11-28T09:00:00+08:00",
                                  "capacity": 8, "taken": 3}]}]},
        {"items": []})
    items: list[ManagedTeam] = Field(description="empty: the staff member manages no team")


@staff_bp.get("/volunteers/teams")
@staff_required
@declare(ManagedTeams)
def managed_teams():
    """The teams I manage (a building's leader: their building's), with requests waiting and what comes next"""
    return jsonify({"items": [{
        "id": t.id, "name": t.name, "building_id": t.building_id,
        "building": t.building.name if t.building_id else None, "needs_approval": t.needs_approval,
        "members": len(teams.approved_members(t)), "pending": len(teams.pending_members(t)),
        "upcoming": [{"id": a.id, "title": a.title, "starts_at": when(a.starts_at), "capacity": a.capacity,
                      "taken": a.taken} for a in activities.next_of(t)],
    } for t in teams.managed_anywhere(g.staff)]})


@staff_bp.post("/volunteers/teams/<int:team_id>/leaders")
@staff_required
@declare(Membership, 403, 404, 422)
def appoint_leader(team_id, json: Appointment):
    """Make a resident of the team's scope its leader"""
    member = teams.appoint_leader(Actor(staff=g.staff), team_id, json.resident_id)
    return jsonify({"role": member.role, "state": member.state})


@staff_bp.post("/volunteers/teams/<int:team_id>/calls")
@staff_required
@declare(None, 403, 404, 409, 422, created=(CallState, "sent to the team's members"))
def create_call(team_id, json: NewCall):
    """Urgent call: ask the team for N people at a place now; it goes out at once"""
    call = calls.create(Actor(staff=g.staff), team_id, json.what, json.place, json.needed)
    return jsonify(call_json(call)), 201


@staff_bp.get("/volunteers/calls/<int:call_id>")
@staff_required
@declare(CallState, 403, 404)
def call_state(call_id):
    """An urgent call's live state: how many come, who, who not"""
    return jsonify(call_json(calls.for_staff(Actor(staff=g.staff), call_id)))


@staff_bp.post("/volunteers/calls/<int:call_id>/close")
@staff_required
@declare(CallState, 403, 404, 409)
def close_call(call_id):
    """Close an open urgent call early; it takes no more answers (call_closed); 409 not_open"""
    return jsonify(call_json(calls.close(Actor(staff=g.staff), call_id)))


@staff_bp.post("/volunteers/teams/<int:team_id>/leaders/remove")
@staff_required
@declare(Membership, 403, 404, 409)
def remove_leader(team_id, json: Appointment):
    """Take a resident's leadership of the team back (they stay a member); 409 not_a_leader"""
    member = teams.remove_leader(Actor(staff=g.staff), team_id, json.resident_id)
    return jsonify({"role": member.role, "state": member.state})


# -- residents: an urgent call's page ---------------------------------------------------------------
# (added for the mini-program's call page, which a call's message opens: what is asked, where, how
# many are still needed, and my answer, before the member taps 来 or 不来)
class MemberCall(BaseModel):
    id: int
    team: str
    what: str
    place: str
    needed: int
    coming_count: int
    state: Literal[CALL_STATES]
    created_at: Time
    my_answer: Literal[ANSWERS] | None = Field(description="null: not answered yet")


@bp.get("/volunteers/calls/<int:call_id>")
@resident_required
@declare(MemberCall, 403, 404)
def member_call(call_id):
    """An urgent call of my team, with my answer; 403 not_a_member"""
    call = calls.for_member(g.resident, call_id)
    mine = calls.answer_of(g.resident, call)
    return jsonify({"id": call.id, "team": call.team.name, "what": call.what, "place": call.place,
                    "needed": call.needed, "coming_count": call.coming, "state": call.state,
                    "created_at": when(call.created_at), "my_answer": mine.answer if mine else None})
