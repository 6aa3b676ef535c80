"""Households (户) in the console: choose estate → building → unit among the units one keeps,
then the unit's households, with add, edit and the representative; and the CSV first load with
its dry-run report (secretary and admin). A unit leader uses it on a phone at the door: one
column, big targets, no script needed.

Who keeps which unit and who sees phones in full is community.households' rule; these views
only ask it."""
from flask import Response
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from community import household_import
from community import households as domain
from console.access import HOUSEHOLD_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer

OCCUPANCY_LABELS = {"owner": "业主", "tenant": "租户", "unknown": "未知"}
ACTION_LABELS = {"create": "新建", "update": "更新", "unchanged": "不变"}


@bp.get("/households")
@signed_in(*HOUSEHOLD_ROLES)
def households():
    """The chooser: each level is skipped when it offers one choice, so a unit leader lands on
    their own unit and a grid worker of one estate starts at its buildings."""
    units = domain.kept_units(g.staff, staff_community())
    if len(units) == 1:
        return redirect(url_for("console.household_unit", unit_id=units[0].id))
    estates = _distinct((u.building.estate_id or 0, u.building.estate.name if u.building.estate_id else "其他楼栋")
                        for u in units)
    estate_id = integer(request.args.get("estate"))
    if estate_id is None and len(estates) == 1:
        estate_id = estates[0][0]
    in_estate = [u for u in units if (u.building.estate_id or 0) == estate_id]
    buildings = _distinct((u.building_id, u.building.name) for u in in_estate)
    building_id = integer(request.args.get("building"))
    if building_id is None and len(buildings) == 1:
        building_id = buildings[0][0]
    in_building = [u for u in in_estate if u.building_id == building_id]
    return render_template("console/households.html", estates=estates, estate_id=estate_id,
                           buildings=buildings, building_id=building_id, units=in_building,
                           estate_name=dict(estates).get(estate_id), building_name=dict(buildings).get(building_id),
                           may_import=bool(g.roles & set(domain.COMMUNITY_KEEPERS)))


def _distinct(pairs):
    return list(dict(pairs).items())


@bp.get("/households/units/<int:unit_id>")
@signed_in(*HOUSEHOLD_ROLES)
def household_unit(unit_id):
    unit = domain.kept_unit(g.staff, unit_id)
    rows = domain.list_households(g.staff, unit_id)
    for row in rows:
        row["representative"] = next((m for m in row["members"] if m["id"] == row["representative_id"]), None)
    return render_template("console/household_unit.html", unit=unit, rows=rows, occupancies=OCCUPANCY_LABELS,
                           phones_in_full=domain.sees_phones(g.staff, unit))


@bp.post("/households/units/<int:unit_id>")
@signed_in(*HOUSEHOLD_ROLES)
def add_household(unit_id):
    form = request.form
    made = domain.create_household(g.staff, unit_id, form.get("room", ""), floor_area=form.get("floor_area"),
                                   occupancy=form.get("occupancy", ""))
    flash("已添加 %s 室" % made.room, "ok")
    return _back_to(made)


@bp.post("/households/<int:household_id>")
@signed_in(*HOUSEHOLD_ROLES)
def edit_household(household_id):
    form = request.form
    changed = domain.update_household(g.staff, household_id, room=form.get("room", ""),
                                      floor_area=form.get("floor_area", ""), occupancy=form.get("occupancy", ""))
    flash("已保存 %s 室" % changed.room, "ok")
    return _back_to(changed)


@bp.post("/households/<int:household_id>/representative")
@signed_in(*HOUSEHOLD_ROLES)
def household_representative(household_id):
    changed = domain.set_representative(g.staff, household_id, integer(request.form.get("resident_id")))
    flash("已设置 %s 室的户代表" % changed.room if changed.representative_id else "已取消 %s 室的户代表" % changed.room,
          "ok")
    return _back_to(changed)


def _back_to(household):
    return redirect(url_for("console.household_unit", unit_id=household.unit_id, _anchor="h%d" % household.id),
                    code=303)


# -- the CSV first load -------------------------------------------------------------------------------
@bp.get("/households/import")
@signed_in(*domain.COMMUNITY_KEEPERS)
def household_import_form():
    return render_template("console/household_import.html", report=None, limit_kb=_limit() // 1000)


@bp.post("/households/import")
@signed_in(*domain.COMMUNITY_KEEPERS)
def household_import_check():
    """A file is checked (a dry run) and its report shown with the file's text carried in the
    form; 导入 posts that text back with apply=1, and it is checked again as it is written: the
    load is all or nothing whatever the form carries."""
    if "csv_text" in request.form:
        text = request.form["csv_text"]
    else:
        upload = request.files.get("file")
        raw = upload.read(_limit() + 1) if upload else b""
        if not raw:
            return _import_refused("请选择一个 CSV 文件")
        # Browsers send a textarea's line ends as CRLF: the text posted back may grow by a byte a line.
        if len(raw) + raw.count(b"\n") > _limit():
            return _import_refused("文件超过 %d KB：请按小区分成几个文件分别导入" % (_limit() // 1000))
        text = household_import.csv_text(raw)
    apply = request.form.get("apply") == "1"
    report = household_import.import_households(staff_community(), text, g.staff, dry_run=not apply)
    if report.applied:
        counts = report.counts()
        flash("已导入：新建 %d 户，更新 %d 户，不变 %d 户" % (counts["create"], counts["update"], counts["unchanged"]),
              "ok")
        return redirect(url_for("console.household_import_form"), code=303)
    return render_template("console/household_import.html", report=report, counts=report.counts(), text=text,
                           actions=ACTION_LABELS, limit_kb=_limit() // 1000), 200 if report.ok else 422


def _import_refused(message):
    flash(message)
    return redirect(url_for("console.household_import_form"), code=303)


def _limit():
    """The largest file taken: its text must fit back into the apply form's one field, which
    Flask caps at MAX_FORM_MEMORY_SIZE (500 KB, about ten thousand rows)."""
    return request.max_form_memory_size or 500_000


@bp.get("/households/import/template.csv")
@signed_in(*domain.COMMUNITY_KEEPERS)
def household_template():
    return Response(household_import.template_csv(staff_community()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=households.csv"})
