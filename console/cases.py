"""Cases in the console: the queue with filters, a case with its timeline, photos and every
action, and a walk-in or phone report entered by staff."""
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from cases import permissions
from cases import queries
from cases import workflow
from cases.labels import EVENT_LABELS
from cases.labels import LEVEL_LABELS
from cases.labels import STATE_LABELS
from cases.walk_in import file_walk_in
from console.access import CASE_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer
from models.cases import Case
from models.community import Building
from models.community import Grid
from models.workflow import CannedReply
from models.workflow import Category


@bp.get("/cases")
@signed_in(*CASE_ROLES)
def cases():
    args = request.args
    found, following = queries.staff_queue(g.staff, grid_id=integer(args.get("grid")),
                                           level=integer(args.get("level")), state=args.get("state") or None,
                                           overdue=args.get("overdue") == "1",
                                           after=queries.decode_cursor(args.get("after")), size=30)
    return render_template("console/cases.html", cases=found,
                           next=queries.encode_cursor(following) if following else None,
                           grids=Grid.select().where(Grid.community == staff_community()).order_by(Grid.id),
                           states=STATE_LABELS, levels=LEVEL_LABELS,
                           args=args)


@bp.get("/cases/<number>")
@signed_in(*CASE_ROLES)
def case(number):
    case = _case(number)
    canned = CannedReply.select().where((CannedReply.active == True)  # noqa: E712
                                        & ((CannedReply.category.is_null())
                                           | (CannedReply.category == case.category_id))
                                        & ((CannedReply.state == "") | (CannedReply.state == case.state)))
    return render_template("console/case.html", case=case, timeline=queries.full_timeline(case),
                           actions=workflow.staff_actions(case, g.staff), canned=list(canned),
                           # not the assignee: a transfer to themself would only add noise
                           staff_list=[s for s in permissions.assignees_for(case) if s.id != case.assignee_id],
                           states=STATE_LABELS, levels=LEVEL_LABELS, events=EVENT_LABELS,
                           channels=CHANNEL_LABELS)


@bp.post("/cases/<number>/<action>")
@signed_in(*CASE_ROLES)
def act(number, action):
    case = _case(number)
    if action not in workflow.ACTIONS:
        abort(404)
    done = workflow.ACTIONS[action]
    workflow.perform(case, g.staff, action, **{field.name: _form_value(field) for field in done.fields})
    flash("已完成：%s" % done.label, "ok")
    return redirect(url_for("console.case", number=number), code=303)


@bp.route("/cases/new", methods=["GET", "POST"])
@signed_in(*CASE_ROLES)
def walk_in():
    """A report made in person or by phone: staff enter it for the resident."""
    community_id = staff_community()
    if request.method == "POST":
        form = request.form
        case = file_walk_in(g.staff, community_id, form.get("description", ""), phone=form.get("phone", ""),
                              name=form.get("name", ""), building_id=integer(form.get("building_id")),
                              category_id=integer(form.get("category_id")), source=form.get("source", ""))
        flash("已登记案件 %s" % case.number, "ok")
        return redirect(url_for("console.case", number=case.number), code=303)
    return render_template("console/walk_in.html", categories=Category.select().order_by(Category.id),
                           buildings=Building.listed(community_id))


def _form_value(field):
    """An action's field from the form (cases.workflow.Field says which and of what kind)."""
    if field.kind == "flag":
        return request.form.get(field.name) == "1"
    if field.kind == "staff":
        return integer(request.form.get(field.name))
    if field.kind == "photos":
        return ()           # taken on the phone only
    return request.form.get(field.name, "")


CHANNEL_LABELS = {"official_account": "公众号", "miniprogram": "小程序", "comment": "文章留言",
                  "staff": "来电/来访", "open311": "Open311"}


def _case(number):
    case = Case.get_or_none(Case.number == number)
    if case is None:
        abort(404)
    if not permissions.can_view(g.staff, case):
        abort(403)
    return case

