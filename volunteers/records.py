"""A volunteer's record, the data of their certificate, and a team's hours as CSV.

Only confirmed hours count (志愿服务条例: a record is free and truthful): an activity whose hours
the leader has not confirmed shows without hours, and never adds to a total or a certificate.
"""
from linli.clock import local
from linli.csv_export import csv_text
from linli.errors import LinliError
from models.community import Community
from models.people import Resident
from models.volunteers import Activity
from models.volunteers import Signup
from models.volunteers import Team
from models.volunteers import TeamMember
from volunteers.teams import display_name
from volunteers.teams import led_team


def entries(resident):
    """(signup, activity, team) of every sign-up that was not cancelled, newest first."""
    return list(Signup.select(Signup, Activity, Team).join(Activity).join(Team)
                .where((Signup.resident == resident) & (Signup.state != "cancelled"))
                .order_by(Activity.starts_at.desc(), Activity.id.desc()))


def confirmed_minutes(signup):
    """The minutes that count: only once the activity's hours are confirmed."""
    return signup.minutes if signup.activity.hours_confirmed_at is not None and signup.minutes else 0


def record(resident):
    """{"entries": [(signup, activity, team, confirmed minutes or None)], "total_minutes"}."""
    rows = []
    for signup in entries(resident):
        confirmed = signup.activity.hours_confirmed_at is not None
        rows.append((signup, signup.activity, signup.activity.team, confirmed_minutes(signup) if confirmed else None))
    return {"entries": rows, "total_minutes": sum(m or 0 for *_, m in rows)}


def certificate(resident):
    """What the printable certificate shows: the volunteer, their teams, each activity with
    confirmed hours, the total and the issuing community."""
    served = [(s.activity, s.activity.team, confirmed_minutes(s)) for s in entries(resident) if confirmed_minutes(s)]
    teams = [t.name for t in Team.select().join(TeamMember).where(
        (TeamMember.resident == resident) & (TeamMember.state == "approved")).order_by(Team.id)]
    community = Community.get_or_none(Community.id == resident.community_id)
    return {"name": display_name(resident), "teams": teams,
            "activities": [{"title": a.title, "team": t.name, "date": local(a.starts_at).date().isoformat(),
                            "minutes": m} for a, t, m in served],
            "total_minutes": sum(m for *_, m in served),
            "community": community.name if community else ""}


def member_certificate(actor, team_id, resident_id, today):
    """A member's certificate for the team's leaders and staff to print: the same data as the
    volunteer's own, with the day it is issued. 404 for a resident who is not a member."""
    team = led_team(actor, team_id)
    member = TeamMember.get_or_none((TeamMember.team == team) & (TeamMember.resident == resident_id)
                                    & (TeamMember.state == "approved"))
    if member is None:
        raise LinliError("not_found", "该居民不是本队队员", 404)
    return dict(certificate(Resident.get_by_id(resident_id)), issued_on=today.isoformat())


def hours_csv(actor, team_id):
    """Every confirmed service of the team: activity, date, volunteer, hours (for the
    community's reporting); for its leaders and staff. A volunteer who checked in and out before
    the start served no time: no row, as on their record and certificate (a 0.00 row would read
    as service reported)."""
    team = led_team(actor, team_id)
    rows = (Signup.select(Signup, Activity, Resident).join(Activity).switch(Signup).join(Resident)
            .where((Activity.team == team) & Activity.hours_confirmed_at.is_null(False)
                   & (Signup.state == "confirmed") & (Signup.minutes > 0))
            .order_by(Activity.starts_at, Activity.id, Resident.id))
    return team, csv_text(["活动", "日期", "志愿者", "服务时长(小时)"],
                          [[s.activity.title, local(s.activity.starts_at).date().isoformat(), display_name(s.resident),
                            "%.2f" % (s.minutes / 60)] for s in rows])
