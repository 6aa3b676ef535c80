"""The console's front door: sign-in, sign-out and the dashboard."""
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from account import stats as account_stats
from account import verification
from cases import permissions
from cases import queries
from cases import rates
from cases.labels import STATE_LABELS
from community.staff import authenticate
from community.staff import end_sessions
from console.access import CASE_ROLES
from console.access import CONTENT_ROLES
from console.access import MANAGER_ROLES
from console.access import staff_community
from console.auth import check_csrf
from console.auth import safe_next
from console.auth import signed_in
from console.auth import start_session
from console.blueprint import bp
from console.charts import bars
from console.charts import line
from coupons import stats as coupon_stats
from linli.clock import local
from linli.errors import LinliError
from models.content import FollowerDailyStat
from models.db import utcnow


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        check_csrf()
        try:
            staff = authenticate(request.form.get("username"), request.form.get("password"),
                                 request.remote_addr or "")
        except LinliError as exc:
            error, status = exc.message, exc.status
        else:
            start_session(staff)
            # Only a path of this console: an open redirect would lend our domain to phishing.
            return redirect(safe_next(request.args.get("next"), url_for("console.dashboard")), code=303)
    return render_template("console/login.html", error=error), status


@bp.post("/logout")
@signed_in()
def logout():
    # Server-side: a copy of this cookie (or the staff API's token) must not outlive the sign-out.
    end_sessions(g.staff)
    session.clear()
    return redirect(url_for("console.login"), code=303)


@bp.get("/")
@signed_in()
def dashboard():
    community_id = staff_community()
    # Ten of each, and whether there are more (the queue's next cursor): "10+" only then.
    (mine, more_mine), (overdue, more_overdue) = ([], None), ([], None)
    if g.roles & set(CASE_ROLES):
        mine, more_mine = queries.staff_queue(g.staff, size=10)
        overdue, more_overdue = queries.staff_queue(g.staff, overdue=True, size=10)
    month = request.args.get("month") or local(utcnow()).strftime("%Y-%m")
    try:
        rates.month_bounds(month)
    except ValueError:
        flash("月份应为 YYYY-MM 格式（如 2026-11），已显示本月")
        month = local(utcnow()).strftime("%Y-%m")
    # Everyone who oversees the grids (permissions.OVERSEERS, as the staff API's rates): the
    # street grid centre assesses them too.
    show_rates = bool(community_id and g.roles & set(permissions.OVERSEERS))
    grid_rates = rates.rates(community_id, month, "grid") if show_rates else []
    followers = list(FollowerDailyStat.select().order_by(FollowerDailyStat.ref_date.desc()).limit(30))[::-1]
    return render_template(
        "console/dashboard.html", mine=mine, overdue=overdue, more_mine=bool(more_mine),
        more_overdue=bool(more_overdue), month=month, grid_rates=grid_rates,
        adjacent=rates.adjacent_months(month), show_rates=show_rates,
        response_chart=bars([(r.label, r.response_rate) for r in grid_rates]),
        resolution_chart=bars([(r.label, r.resolution_rate) for r in grid_rates]),
        satisfaction_chart=bars([(r.label, r.satisfaction_rate) for r in grid_rates]),
        show_content=bool(g.roles & set(CONTENT_ROLES)), states=STATE_LABELS,
        top_articles=account_stats.per_article(community_id)[:5] if g.roles & set(CONTENT_ROLES) else [],
        follower_chart=line([(f.ref_date.isoformat(), f.total) for f in followers]),
        coupons=coupon_stats.community_totals(community_id) if community_id and g.roles & set(MANAGER_ROLES) else [],
        verification_alerts=verification.alerts() if g.roles & set(CONTENT_ROLES + MANAGER_ROLES) else [])
