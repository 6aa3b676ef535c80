"""Buildings' e-screens and printed notice sheets in the console: the screen links staff of the
place make, list and revoke (account/screens.py), and a notice's A4 sheet for the blackboard
(account/notice_sheets.py). The screen itself is public, on console/screen_view.py."""
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from account import notice_sheets
from account import screens
from console.access import CONTENT_ROLES
from console.access import SCREEN_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer

# The link made a moment ago, kept in the session until its page is shown once: the token is
# stored nowhere else (only its hash), so this page is the one chance to copy it.
NEW_LINK = "new_screen_link"


@bp.get("/screens")
@signed_in(*SCREEN_ROLES)
def screen_links():
    return render_template("console/screens.html", links=screens.links(g.staff, staff_community()),
                           buildings=screens.kept_buildings(g.staff, staff_community()),
                           new_link=session.pop(NEW_LINK, None))


@bp.post("/screens")
@signed_in(*SCREEN_ROLES)
def make_screen_link():
    link, token = screens.create_link(g.staff, staff_community(), integer(request.form.get("building_id")),
                                      request.form.get("place", ""))
    session[NEW_LINK] = {"id": link.id, "label": link.building.label,
                         "url": url_for("screen.show", token=token, _external=True)}
    flash("已生成 %s 的电子屏链接，请复制后在电子屏的浏览器中打开" % link.building.label, "ok")
    return redirect(url_for("console.screen_links"), code=303)


@bp.post("/screens/<int:link_id>/revoke")
@signed_in(*SCREEN_ROLES)
def revoke_screen_link(link_id):
    link = screens.revoke(g.staff, staff_community(), link_id)
    flash("已停用 %s 的电子屏链接（…%s）" % (link.building.label, link.hint), "ok")
    return redirect(url_for("console.screen_links"), code=303)


@bp.get("/notices/<int:notice_id>/print")
@signed_in(*CONTENT_ROLES)
def notice_sheet(notice_id):
    """The notice as A4 sheets, one per building it went to, or the one chosen (?building=)."""
    notice = notice_sheets.notice_in(staff_community(), notice_id)
    chosen = integer(request.args.get("building"))
    return render_template("console/notice_sheet.html", notice=notice, chosen=chosen,
                           sheets=notice_sheets.sheets(notice, chosen),
                           buildings=notice_sheets.target_buildings(notice),
                           community=notice_sheets.community_of(notice))
