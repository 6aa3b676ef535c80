"""征询/表决 in the console: the community's consultations (taking voices first), opening one
from a form, one consultation with its live count, who has not answered, the close and the CSV;
and the door page, where a unit or building leader records the voices of their households on a
phone. Every action is decisions.consultations' function, the same as the staff API's; who may
do what is its rule (can_manage, can_follow, can_record_for)."""
import datetime

from flask import Response
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from cases.proposals import scope_label
from community import households
from console.access import CONSULTATION_ROLES
from console.access import DOOR_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer
from console.forms import moment
from decisions import consultations as consult
from decisions import follow_up
from decisions import rules
from linli import config
from linli.clock import local
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Estate
from models.community import Unit
from models.db import utcnow

PHASE_LABELS = {"open": "进行中", "upcoming": "未开始", "due": "待结束", "closed": "已结束"}
OUTCOME_LABELS = {"passed": "通过", "failed": "未通过", "undecidable": "无法按面积判定"}
RULE_LABELS = {"households_majority": "每户一票过半数", "owners_art278_ordinary": "民法典第278条·一般事项",
               "owners_art278_major": "民法典第278条·重大事项", "unit_consent": "单元同意比例"}
CHECK_LABELS = {"quorum_households": "参与户数", "consent_households": "同意户数",
                "participation_owners": "参与表决的业主人数", "participation_area": "参与表决的专有面积",
                "consent_owners": "同意的业主人数", "consent_area": "同意的专有面积"}
SCOPE_LABELS = {"unit": "一个单元", "building": "一栋楼", "estate": "一个小区", "community": "全社区"}
PARAM_FIELDS = {"quorum": "参与比例（如 1/2，可留空）", "needed": "同意比例（如 2/3）"}


@bp.get("/consultations")
@signed_in(*CONSULTATION_ROLES)
def consultations():
    rows = [dict(c=c, answered=answered, roll=len(consult.roll_of(c)), phase=follow_up.phase(c),
                 scope_label=scope_label(c), follows=consult.can_follow(g.staff, c))
            for c, answered in follow_up.of_staff_community(staff_community())]
    return render_template("console/consultations.html", rows=rows, phases=PHASE_LABELS, outcomes=OUTCOME_LABELS,
                           rules=RULE_LABELS, scopes=SCOPE_LABELS)


# -- opening ----------------------------------------------------------------------------------------
@bp.get("/consultations/new")
@signed_in(*CONSULTATION_ROLES)
def consultation_form():
    now = local(utcnow()).replace(second=0, microsecond=0, tzinfo=None)
    values = {"scope": "estate", "rule": "households_majority", "options": "\n".join(consult.DEFAULT_OPTIONS),
              "opens_at": now.isoformat(), "closes_at": (now + datetime.timedelta(days=7)).isoformat()}
    return _form(values)


def _form(values, message=None, status=200):
    community_id = staff_community()
    sample = {rule: consult.RULE_SENTENCES[rule] % "2/3" if rule == "unit_consent" else consult.RULE_SENTENCES[rule]
              for rule in rules.RULES}
    return render_template(
        "console/consultation_new.html", values=values, message=message, scopes=SCOPE_LABELS, rules=RULE_LABELS,
        sentences=sample, own_params=rules.OWN_PARAMS, param_fields=PARAM_FIELDS,
        estates=Estate.select().where(Estate.community == community_id).order_by(Estate.id),
        buildings=Building.listed(community_id),
        units=Unit.select(Unit, Building).join(Building).where(Building.community == community_id)
        .order_by(Building.id, Unit.id)), status


@bp.post("/consultations/new")
@signed_in(*CONSULTATION_ROLES)
def consultation_open():
    form = request.form
    scope, rule = form.get("scope", ""), form.get("rule", "")
    place = {"unit": "unit_id", "building": "building_id", "estate": "estate_id"}.get(scope)
    params = {name: form[name].strip() for name in rules.OWN_PARAMS.get(rule, ()) if form.get(name, "").strip()}
    try:
        opened, created = consult.open_once(
            g.staff, staff_community(), scope, form.get("question", ""), _moment(form.get("closes_at")),
            rule=rule, options=[o for o in form.get("options", "").splitlines() if o.strip()], params=params,
            opens_at=_moment(form.get("opens_at")), description=form.get("description", ""),
            allow_change=form.get("allow_change") == "1", named_export=form.get("named_export") == "1",
            **({place: integer(form.get(place))} if place else {}))
    except PermissionDenied:
        raise
    except LinliError as exc:
        # Bad input: the form again, as it was sent, with the reason; nothing was opened.
        message = exc.message
        if exc.code == "bad_params":        # rules.RuleError speaks English (it is for the API's callers too)
            message = "比例应写作分数，如 1/2 或 2/3（%s）" % exc.message
        return _form(form.to_dict(), message, 422)
    flash("已发起征询" if created else "该征询刚才已发起，未重复创建", "ok")
    return redirect(url_for("console.consultation", consultation_id=opened.id), code=303)


def _moment(value):
    """A datetime-local field (Asia/Shanghai, as staff read the clock) as stored (naive UTC)."""
    if not value:
        raise LinliError("bad_times", "请填写开始和截止时间", 422)
    return moment(value)


# -- one consultation -------------------------------------------------------------------------------
@bp.get("/consultations/<int:consultation_id>")
@signed_in(*CONSULTATION_ROLES)
def consultation(consultation_id):
    found = _followed(consultation_id)
    stored_result = consult.result_of(found)
    waiting = follow_up.unanswered(g.staff, found)
    return render_template(
        "console/consultation.html", c=found, scope_label=scope_label(found), options=consult.options_of(found),
        sentence=consult.rule_sentence(found), roll=len(consult.roll_of(found)), phase=follow_up.phase(found),
        phases=PHASE_LABELS, outcomes=OUTCOME_LABELS, rules=RULE_LABELS, checks=CHECK_LABELS,
        result=stored_result or follow_up.live(found), final=stored_result is not None,
        unanswered=_reachable(waiting), may_manage=consult.can_manage(g.staff, found))


def _followed(consultation_id):
    """404 for another community's (it is not shown, as for_door says), 403 for one of this
    community that the staff does not follow."""
    return consult.for_staff(g.staff, consult.for_door(g.staff, consultation_id).id)


def _reachable(waiting):
    people = _people(waiting)
    return [{"id": home.id, "door": home.door, "members": people[home.id]} for home in waiting]


def _people(homes):
    """{household id: [(name, phone)]}: its confirmed members, phones masked where the viewer is
    not staff of the place (households.sees_phones, asked once per unit)."""
    found = households.members(h.id for h in homes)
    full = {}
    people = {}
    for home in homes:
        if home.unit_id not in full:
            full[home.unit_id] = households.sees_phones(g.staff, home.unit)
        shown = (lambda phone: phone or "") if full[home.unit_id] else households.mask_phone
        people[home.id] = [(r.nickname or "居民", shown(r.phone)) for r in found.get(home.id, [])]
    return people


@bp.post("/consultations/<int:consultation_id>/close")
@signed_in(*CONSULTATION_ROLES)
def consultation_close(consultation_id):
    found = _followed(consultation_id)
    try:
        consult.close(found, staff=g.staff)
    except consult.ConsultationError as exc:      # already_closed: someone (or the task) was first
        flash(exc.message)
    else:
        flash("征询已结束，结果已保存", "ok")
    return redirect(url_for("console.consultation", consultation_id=found.id), code=303)


@bp.post("/consultations/<int:consultation_id>/withdraw")
@signed_in(*CONSULTATION_ROLES)
def consultation_withdraw(consultation_id):
    found = _followed(consultation_id)
    try:
        consult.withdraw(g.staff, found)
    except consult.ConsultationError as exc:      # has_voices, already_closed: it stands
        flash(exc.message)
        return redirect(url_for("console.consultation", consultation_id=found.id), code=303)
    flash("征询已撤回，未发布任何结果", "ok")
    return redirect(url_for("console.consultations"), code=303)


@bp.get("/consultations/<int:consultation_id>/votes.csv")
@signed_in(*CONSULTATION_ROLES)
def consultation_csv(consultation_id):
    found = _followed(consultation_id)
    return Response(follow_up.export_csv(g.staff, found), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=consultation-%d.csv" % found.id})


# -- at the door --------------------------------------------------------------------------------------
@bp.get("/door")
@signed_in(*DOOR_ROLES)
def door_choose():
    """The consultations taking voices in which the staff has households to record."""
    rows = [(c, scope_label(c)) for c, _ in follow_up.of_staff_community(staff_community())
            if follow_up.phase(c) == "open" and follow_up.door_roll(g.staff, c)]
    if len(rows) == 1:
        return redirect(url_for("console.door", consultation_id=rows[0][0].id))
    return render_template("console/consultation_doors.html", rows=rows)


@bp.get("/door/<int:consultation_id>")
@signed_in(*DOOR_ROLES)
def door(consultation_id):
    """My households on the roll, one unit at a time: a building's leader or a grid worker first
    picks the unit (with how many there have not answered), so a phone shows one stairwell."""
    found = consult.for_door(g.staff, consultation_id)
    homes = follow_up.door_roll(g.staff, found)
    units = {}
    for home, vote in homes:
        label, total, waiting = units.get(home.unit_id, ("%s %s" % (home.unit.building.label, home.unit.name), 0, 0))
        units[home.unit_id] = (label, total + 1, waiting + (vote is None))
    unit_id = integer(request.args.get("unit"))
    if unit_id not in units:
        if len(units) > 1:
            return render_template("console/consultation_door_units.html", c=found, units=units,
                                   scope_label=scope_label(found))
        unit_id = next(iter(units), None)
    homes = [(home, vote) for home, vote in homes if home.unit_id == unit_id]
    people = _people([h for h, _ in homes])
    rows = [{"h": home, "vote": vote, "door": home.door, "members": people[home.id],
             "state": "未表态" if vote is None else "已代录" if vote.recorded_by_id else "已自行表态",
             "let": found.rule in rules.OWNERS_ONLY and consult.occupancy_at_opening(found, home) != "owner"}
            for home, vote in homes]
    return render_template("console/consultation_door.html", c=found, rows=rows, options=consult.options_of(found),
                           sentence=consult.rule_sentence(found), scope_label=scope_label(found),
                           phase=follow_up.phase(found), phases=PHASE_LABELS, unit_id=unit_id, several=len(units) > 1)


@bp.post("/door/<int:consultation_id>")
@signed_in(*DOOR_ROLES)
def door_record(consultation_id):
    found = consult.for_door(g.staff, consultation_id)
    household_id = integer(request.form.get("household_id"))
    back = {"consultation_id": found.id, "unit": integer(request.form.get("unit"))}
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None
    try:
        vote, _ = consult.record_at_door(g.staff, found, household_id, integer(request.form.get("choice")),
                                         photo=photo, media_dir=config.active().MEDIA_DIR)
    except LinliError as exc:
        # Every refusal (cast_by_household, already_voted, outside_scope, not_your_household,
        # closed, a bad photo) comes back to the same list with the reason; nothing was written.
        flash("未能代录：%s" % exc.message)
        return redirect(url_for("console.door", _anchor="h%s" % (household_id or ""), **back), code=303)
    flash("已代录 %s：%s%s" % (vote.household.door, consult.options_of(found)[vote.choice],
                              "（附签字照片）" if vote.photo else ""), "ok")
    return redirect(url_for("console.door", _anchor="h%d" % vote.household_id, **back), code=303)
