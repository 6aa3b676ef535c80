"""The console's blueprint and what all its pages share: template helpers, the menu, and how
errors look. The pages (views.py: sign-in and the dashboard; cases.py, content.py, inbox.py,
community_pages.py, staff_pages.py, redcard.py, households.py) register their routes on `bp`, and
console/__init__.py imports them all: nothing here imports a page."""
from urllib.parse import urlencode

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from markupsafe import Markup

from community.staff import role_label
from console.access import MENU
from console.auth import csrf_token
from linli import audit
from linli.clock import local
from linli.errors import LinliError
from linli.errors import too_large_message
from models.people import RoleAssignment

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.app_template_global()
def csrf_field():
    return Markup('<input type="hidden" name="csrf" value="%s">' % csrf_token())


@bp.app_template_global()
def role_labels(staff):
    """A staff member's roles in words, for every page that names staff (never the raw keys)."""
    assignments = RoleAssignment.select().where(RoleAssignment.staff == staff).order_by(RoleAssignment.id)
    return "、".join(role_label(a) for a in assignments)


bp.add_app_template_global(role_label)


@bp.app_template_filter("local")
def local_time(value):
    return local(value).strftime("%m-%d %H:%M") if value else "—"


@bp.app_template_global()
def args_without_after(args):
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


@bp.errorhandler(413)
def too_large(exc):
    """The app answers 413 for every route (linli.errors); the console's is its own page."""
    return render_template("console/error.html", message=too_large_message(), status=413), 413


@bp.errorhandler(400)
def bad_request(exc):
    return render_template("console/error.html", message=exc.description, status=400), 400
