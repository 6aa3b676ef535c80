"""The console's blueprint: sign-in, the dashboard, and how errors look. The other pages are in
cases.py, content.py, inbox.py, community_pages.py and redcard.py, registered on this blueprint."""
from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from linli import audit
from community.policy import DEFAULT_POLICY
from community.staff import MANAGER_ROLES
from community.staff import authenticate
from community.staff import end_sessions
from community.staff import role_label
from console import auth
from console import charts
from linli.errors import LinliError
from models.db import utcnow
from models.people import RoleAssignment
from cases.labels import STATE_LABELS

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")

CASE_ROLES = tuple(DEFAULT_POLICY.role_max_level)        # the roles that act on cases
CONTENT_ROLES = ("editor", "secretary", "admin")
# The menu: (endpoint, label, roles that see it; empty = everyone).
MENU = (("console.dashboard", "工作台", ()), ("console.cases", "案件", CASE_ROLES),
        ("console.inbox", "留言消息", CONTENT_ROLES), ("console.articles", "文章", CONTENT_ROLES),
        ("console.comments", "评论", CONTENT_ROLES), ("console.community", "社区", MANAGER_ROLES),
        ("console.staff_list", "工作人员", MANAGER_ROLES),
        ("console.redcard", "社区红卡", MANAGER_ROLES))


@bp.app_template_global()
def csrf_field():
    from markupsafe import Markup
    return Markup('<input type="hidden" name="csrf" value="%s">' % auth.csrf_token())


@bp.app_template_global()
def role_labels(staff):
    """A staff member's roles in words, for every page that names staff (never the raw keys)."""
    assignments = RoleAssignment.select().where(RoleAssignment.staff == staff).order_by(RoleAssignment.id)
    return "、".join(role_label(a) for a in assignments)


bp.add_app_template_global(role_label)


@bp.app_template_filter("local")
def local_time(value):
    from cases.clock import local
    return local(value).strftime("%m-%d %H:%M") if value else "—"


@bp.app_template_global()
def args_without_after(args):
    from urllib.parse import urlencode
    return urlencode([(k, v) for k, v in args.items(multi=True) if k != "after"])


@bp.context_processor
def menu():
    roles = getattr(g, "roles", set())
    return {"menu": [(e, label) for e, label, needs in MENU if not needs or roles & set(needs)],
            "staff": getattr(g, "staff", None)}


@bp.errorhandler(LinliError)
def domain_error(exc):
    """A refused action: 403 stays a 403 page; anything else goes back with the reason shown."""
    audit.refused()
    if exc.status in (403, 404, 429) or request.method != "POST":
        return render_template("console/error.html", message=exc.message, status=exc.status), exc.status
    flash(exc.message)
    return redirect(request.referrer or url_for("console.dashboard"), code=303)


@bp.errorhandler(403)
def forbidden(exc):
    return render_template("console/error.html", message="您的角色无权进行此操作", status=403), 403


@bp.errorhandler(400)
def bad_request(exc):
    return render_template("console/error.html", message=exc.description, status=400), 400


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        auth.check_csrf()
        try:
            staff = authenticate(request.form.get("username"), request.form.get("password"),
                                 request.remote_addr or "")
        except LinliError as exc:
            error, status = exc.message, exc.status
        else:
            auth.start_session(staff)
            # Only a path of this console: an open redirect would lend our domain to phishing.
            return redirect(auth.safe_next(request.args.get("next"), url_for("console.dashboard")), code=303)
    return render_template("console/login.html", error=error), status


@bp.post("/logout")
@auth.signed_in()
def logout():
    # Server-side: a copy of this cookie (or the staff API's token) must not outlive the sign-out.
    end_sessions(g.staff)
    session.clear()
    return redirect(url_for("console.login"), code=303)


@bp.get("/")
@auth.signed_in()
def dashboard():
    from account import stats as account_stats
    from account import verification
    from coupons import stats as coupon_stats
    from models.content import FollowerDailyStat
    from cases import permissions
    from cases import queries
    from cases import rates
    from cases.clock import local
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
        response_chart=charts.bars([(r.label, r.response_rate) for r in grid_rates]),
        resolution_chart=charts.bars([(r.label, r.resolution_rate) for r in grid_rates]),
        satisfaction_chart=charts.bars([(r.label, r.satisfaction_rate) for r in grid_rates]),
        show_content=bool(g.roles & set(CONTENT_ROLES)), states=STATE_LABELS,
        top_articles=account_stats.per_article(community_id)[:5] if g.roles & set(CONTENT_ROLES) else [],
        follower_chart=charts.line([(f.ref_date.isoformat(), f.total) for f in followers]),
        coupons=coupon_stats.community_totals(community_id) if community_id and g.roles & set(MANAGER_ROLES) else [],
        verification_alerts=verification.alerts() if g.roles & set(CONTENT_ROLES + MANAGER_ROLES) else [])


def staff_community():
    """The community the signed-in staff works for (their first role's)."""
    assignment = RoleAssignment.select().where(RoleAssignment.staff == g.staff).first()
    return assignment.community_id if assignment else None


from console import cases  # noqa: E402,F401  (registers its routes on bp)
from console import community_pages  # noqa: E402,F401
from console import content  # noqa: E402,F401
from console import inbox  # noqa: E402,F401
from console import redcard  # noqa: E402,F401
from console import staff_pages  # noqa: E402,F401
