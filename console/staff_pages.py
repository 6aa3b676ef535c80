"""Staff in the console: a community's managers (community.staff_admin.MANAGER_ROLES) add
accounts, give, move and take away roles, disable accounts, and send one-time sign-in links. The
rules (who may, the last manager) are in community/staff_admin.py and the links in
community/staff.py; these views parse and render."""
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from cases.labels import ROLE_LABELS
from community import staff as staff_accounts
from community import staff_admin
from community import staff_binding
from console.access import MANAGER_ROLES
from console.auth import check_csrf
from console.auth import signed_in
from console.auth import start_session
from console.blueprint import bp
from console.forms import integer
from linli.errors import LinliError
from models.people import ROLE_SCOPES
from models.people import RoleAssignment
from models.people import Staff


@bp.get("/staff")
@signed_in(*MANAGER_ROLES)
def staff_list():
    community_id = _community()
    roles = {}
    for assignment in (RoleAssignment.select().where(RoleAssignment.community == community_id)
                       .order_by(RoleAssignment.id)):
        roles.setdefault(assignment.staff_id, []).append(assignment)
    people = Staff.select().where(Staff.id.in_(list(roles) or [0])).order_by(Staff.active.desc(), Staff.name)
    return render_template("console/staff.html", people=people, roles=roles, role_names=ROLE_LABELS,
                           role_scopes=ROLE_SCOPES, scopes=staff_admin.scope_choices(community_id),
                           hours=_link_hours())


@bp.post("/staff")
@signed_in(*MANAGER_ROLES)
def add_staff():
    form = request.form
    person, token = staff_admin.add_staff(g.staff, _community(), form.get("username", ""), form.get("name", ""),
                                           form.get("role", ""), form.get("scope", ""), phone=form.get("phone", ""))
    return _show_link(person, token, "已添加 %s" % person.name)


@bp.post("/staff/<int:staff_id>/active")
@signed_in(*MANAGER_ROLES)
def set_staff_active(staff_id):
    active = request.form.get("active") == "1"
    person = staff_admin.change_active(g.staff, _community(), staff_id, active)
    flash("已%s %s 的账号" % ("启用" if active else "停用", person.name), "ok")
    return redirect(url_for("console.staff_list"), code=303)


@bp.post("/staff/<int:staff_id>/link")
@signed_in(*MANAGER_ROLES)
def staff_link(staff_id):
    person, token = staff_admin.reissue_link(g.staff, _community(), staff_id)
    return _show_link(person, token, "已为 %s 生成新的登录链接（之前的链接已失效）" % person.name)


@bp.post("/staff/<int:staff_id>/wechat-code")
@signed_in(*MANAGER_ROLES)
def staff_wechat_code(staff_id):
    """A manager gets a one-time code that binds a member's WeChat in the mini-program."""
    return _show_binding_code(*staff_binding.issue_code(g.staff, staff_id, _community()))


@bp.post("/me/wechat-code")
@signed_in()
def my_wechat_code():
    """Any staff member gets their own code, to bind the WeChat on their phone."""
    return _show_binding_code(*staff_binding.issue_code(g.staff))


def _show_binding_code(person, code):
    minutes = int(staff_binding.CODE_LIFETIME.total_seconds() // 60)
    # Shown once: no cache keeps the page.
    return (render_template("console/staff_wechat_code.html", person=person, code=code, minutes=minutes),
            200, {"Cache-Control": "no-store"})


@bp.post("/staff/roles")
@signed_in(*MANAGER_ROLES)
def grant_staff_role():
    assignment = staff_admin.grant_role(g.staff, _community(), integer(request.form.get("staff_id")),
                                         request.form.get("role", ""), request.form.get("scope", ""))
    flash("已分配：%s" % staff_accounts.role_label(assignment), "ok")
    return redirect(url_for("console.staff_list"), code=303)


@bp.post("/staff/roles/<int:assignment_id>/delete")
@signed_in(*MANAGER_ROLES)
def revoke_staff_role(assignment_id):
    staff_admin.revoke_role(g.staff, _community(), assignment_id)
    flash("已收回该角色", "ok")
    return redirect(url_for("console.staff_list"), code=303)


@bp.post("/staff/roles/<int:assignment_id>/scope")
@signed_in(*MANAGER_ROLES)
def rescope_staff_role(assignment_id):
    assignment = staff_admin.rescope_role(g.staff, _community(), assignment_id, request.form.get("scope", ""))
    flash("已调整为：%s" % staff_accounts.role_label(assignment), "ok")
    return redirect(url_for("console.staff_list"), code=303)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token):
    """The page a one-time link opens: the holder sets their password, and is signed in. Opening
    it does not use the link up (a messenger's link preview would); setting the password does."""
    error, status = None, 200
    if request.method == "POST":
        check_csrf()
        if request.form.get("password", "") != request.form.get("confirm", ""):
            error, status = "两次输入的密码不一致", 422
        else:
            try:
                person = staff_accounts.redeem_link(token, request.form.get("password", ""))
            except LinliError as exc:
                error, status = exc.message, exc.status
            else:
                start_session(person)
                flash("密码已设置，欢迎使用社区工作台", "ok")
                return redirect(url_for("console.dashboard"), code=303)
    person = staff_accounts.link_holder(token)
    if person is None and status == 200:
        error, status = "链接无效、已使用或已过期，请联系社区管理员重新发送", 410
    # The token is in the path: no referrer carries it elsewhere, no cache keeps the page.
    return (render_template("console/welcome.html", person=person, error=error), status,
            {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


def _show_link(person, token, message):
    flash(message, "ok")
    return render_template("console/staff_link.html", person=person,
                           link=url_for("console.welcome", token=token, _external=True),
                           hours=_link_hours())


def _link_hours():
    return int(staff_accounts.LINK_LIFETIME.total_seconds() // 3600)


def _community():
    """The community whose staff the signed-in manager manages."""
    return staff_accounts.community_by_role(g.staff, staff_admin.MANAGER_ROLES)
