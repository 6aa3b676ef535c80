"""/api/mp/staff: grid workers and the levels above them, working cases from their phones."""
import dataclasses
from typing import Annotated
from typing import Literal

from flask import Blueprint
from flask import Response
from flask import g
from flask import jsonify
from flask import request
from pydantic import Field
from pydantic import StrictBool
from pydantic import create_model

import wechat
from cases import action_keys
from cases import permissions
from cases import photos
from cases import queries
from cases import rates
from cases import workflow
from community import residents
from community import staff_binding
from community.staff import authenticate
from linli import storage
from linli.clock import local
from linli.errors import LinliError
from miniprogram_api import serializers
from miniprogram_api.auth import issue
from miniprogram_api.auth import staff_required
from miniprogram_api.openapi import CSV
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import examples
from miniprogram_api.parsing import BadRequest
from miniprogram_api.parsing import Body
from miniprogram_api.parsing import Cursor
from miniprogram_api.parsing import Id
from miniprogram_api.parsing import IdempotencyKey
from miniprogram_api.parsing import PageSize
from miniprogram_api.parsing import Query
from miniprogram_api.parsing import QueryWhole
from miniprogram_api.parsing import Text
from miniprogram_api.parsing import Whole
from miniprogram_api.parsing import optional_filter
from miniprogram_api.serializers import CaseQueue
from miniprogram_api.serializers import CaseSummary
from miniprogram_api.serializers import Rates
from miniprogram_api.serializers import Resident as ResidentShape
from miniprogram_api.serializers import StaffCaseDetail
from miniprogram_api.serializers import StaffToken
from miniprogram_api.serializers import Upload
from miniprogram_api.views import Photo
from miniprogram_api.views import before_the_photo_is_read
from models.cases import Case
from models.db import utcnow
from models.people import Resident

bp = Blueprint("staff_api", __name__, url_prefix="/api/mp/staff")


def _case(number):
    case = Case.get_or_none(Case.number == number)
    if case is None:
        raise LinliError("not_found", "案件不存在", 404)
    if not permissions.can_view(g.staff, case):
        raise permissions.PermissionDenied("not_your_case", "您无权查看该案件")
    return case


class Credentials(Body):
    model_config = examples({"username": "tianbing", "password": "••••••••"})
    username: Text = ""
    password: Text = ""


@bp.post("/login")
@declare(StaffToken, 401, 429)
def login(json: Credentials):
    """Staff sign-in (5 failures per name and address in 15 min, then 429)"""
    # The same answer for an unknown name and a wrong password, and the same limit as the console.
    staff = authenticate(json.username, json.password, request.remote_addr or "")
    return _staff_token(staff)


class StaffBinding(Body):
    bind_code: Text = Field("", description="the one-time code from the console (工作人员 → 小程序绑定码)")
    code: Text = Field("", description="from wx.login()")


@bp.post("/bind")
@declare(StaffToken, 400, 401, 403, 409, 410, 429)
def bind(json: StaffBinding):
    """Bind this WeChat to a staff account with a one-time code (single use, 30 minutes; wrong
    codes counted like wrong passwords, then 429)"""
    session = residents.code_to_session(wechat.miniprogram(), json.code)
    return _staff_token(staff_binding.bind(session["openid"], json.bind_code, request.remote_addr or ""),
                        wechat=session["openid"])


class WeChatSignIn(Body):
    code: Text = Field("", description="from wx.login()")


@bp.post("/wx-login")
@declare(StaffToken, 401)
def wx_login(json: WeChatSignIn):
    """A bound staff member signs in with a wx.login() code (401 not_bound otherwise)"""
    session = residents.code_to_session(wechat.miniprogram(), json.code)
    return _staff_token(staff_binding.bound_staff(session["openid"]), wechat=session["openid"])


def _staff_token(staff, wechat=None):
    token, expires_at = issue(staff, "staff", wechat=wechat)
    return jsonify({"token": token, "expires_at": expires_at,
                    "staff": {"id": staff.id, "name": staff.name,
                              "roles": sorted({r.role for r in staff.roles})}})


class QueueFilters(Query):
    grid_id: QueryWhole = None
    level: QueryWhole = None
    state: str | None = None
    overdue: str | None = Field(None, description="1 or true: only the overdue")
    after: Cursor = None
    size: PageSize = None


@bp.get("/cases")
@staff_required
@declare(CaseQueue)
def queue(query: QueueFilters):
    """The queue the caller's roles cover, soonest deadline first, paged by cursor (no total: a
    worker may have thousands open)"""
    _, size = queries.page_args(1, query.size)
    cases, following = queries.staff_queue(g.staff, grid_id=query.grid_id, level=query.level,
                                           state=query.state or None, overdue=query.overdue in ("1", "true"),
                                           after=query.after, size=size)
    return jsonify({"items": [serializers.case_summary(c) for c in cases], "size": size,
                    "next": queries.encode_cursor(following) if following else None})


@bp.get("/cases/<number>")
@staff_required
@declare(StaffCaseDetail, 403, 404)
def detail(number):
    """A case with internal notes"""
    case = _case(number)
    return jsonify(serializers.staff_case_detail(case, queries.full_timeline(case), permissions.can_act(g.staff, case),
                                                 workflow.staff_actions(case, g.staff),
                                                 permissions.assignees_for(case)))


# The pydantic type of each kind of action field (cases.workflow.Field.kind).
KIND_TYPES = {"line": (Text, ""), "text": (Text, ""), "case": (Text, ""), "flag": (StrictBool | None, None),
              "staff": (Whole | None, None), "photos": (list[Id] | None, None)}
# Every action's fields, each optional here: which ones an action needs is its own row's rule,
# checked by the dispatch below. Built from the actions table, so a new action's field needs no edit.
def _action_field(field):
    kind, default = KIND_TYPES[field.kind]
    return kind, Field(default, max_length=field.max_length, description=field.hint or None)


class _ActionExamples(Body):
    """What CaseAction's fields look like filled in, for the document (create_model takes a base
    or a configuration, not both)."""
    model_config = examples({"note": "已更换灯泡", "photo_ids": [58]},
                            {"text": "已联系物业电工，明早上门", "public": True},
                            {"to_staff_id": 7, "reason": "属物业维修，转物业处理"},
                            {"into": "R2611270003", "reason": "同一盏楼道灯，已有案件在办"})


CaseAction = create_model(
    "CaseAction", __base__=_ActionExamples, __doc__="The fields of every case action (cases.workflow.ACTIONS).",
    **{field.name: _action_field(field) for row in workflow.ACTIONS.values() for field in row.fields})
# Every name the path takes: the table's, then the older spellings still accepted.
ACTION_NAMES = list(workflow.ACTIONS) + list(workflow.ALIASES)


@bp.post("/cases/<number>/<action>")
@staff_required
@declare(CaseSummary, 403, 404, 409, 422, path={"action": ACTION_NAMES})
def act(number, action, json: CaseAction, headers: IdempotencyKey):
    """Act on a case; a retry with the same Idempotency-Key answers the case as it is without acting
    again. 409 state_changed: someone else moved the case first"""
    case = _case(number)
    # The table's name, or an older one this API still takes ("notes" for "note").
    done = workflow.find_action(action, aliases=True)
    fields = {field.name: getattr(json, field.name) for field in done.fields}
    for field in done.fields:
        if field.kind == "staff" and field.required and fields[field.name] is None:
            raise BadRequest("bad_field", "%s 应为整数" % field.name)
        if field.kind == "flag":
            fields[field.name] = bool(fields[field.name])
        if field.kind == "photos":
            fields[field.name] = fields[field.name] or ()
    action_keys.perform_once(case, g.staff, done.name, headers.key, **fields)
    return jsonify(serializers.case_summary(Case.get_by_id(case.id)))


@bp.post("/uploads")
@staff_required
@before_the_photo_is_read(lambda: "staff%d" % g.staff.id)
@declare(None, 413, 422, 429, 503, created=(Upload, "stored"))
def upload(form: Photo):
    """Upload a photo of a fix (JPEG, PNG, WebP; 10 MB; 20 in ten minutes), then send its id in
    the resolution's or a note's photo_ids"""
    saved = photos.save_fix_photo(g.staff, form.file.read(photos.MAX_BYTES + 1), storage.active())
    return jsonify({"id": saved.id, "url": storage.url_of(saved.path),
                    "width": saved.width, "height": saved.height}), 201


Month = Annotated[str, Field(pattern="^[0-9]{4}-[0-9]{2}$")]


class RatesFilters(Query):
    month: optional_filter(Month) = Field(None, description="YYYY-MM; this month by default")
    by: Literal[rates.DIMENSIONS] = "grid"


@bp.get("/rates")
@staff_required
@declare(Rates, 403)
def assessment_rates(query: RatesFilters):
    """Assessment rates (README: formulas)"""
    month, rows = _rates(query)
    return jsonify({"month": month, "min_sample": rates.MIN_SAMPLE,
                    "rows": [dataclasses.asdict(r) for r in rows]})


@bp.get("/rates.csv")
@staff_required
@declare(CSV, 403)
def assessment_rates_csv(query: RatesFilters):
    """Assessment rates as CSV"""
    month, rows = _rates(query)
    return Response(rates.to_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=rates-%s-%s.csv" % (month, query.by)})


def _rates(query):
    community_id = permissions.overseen_community(g.staff)
    month = query.month or local(utcnow()).strftime("%Y-%m")
    try:
        return month, rates.rates(community_id, month, query.by)
    except ValueError as exc:
        raise BadRequest("bad_filter", "month 应为 YYYY-MM，by 应为 %s：%s"
                         % ("/".join(rates.DIMENSIONS), exc)) from None


class Verdict(Body):
    model_config = examples({"approve": True}, {"approve": False})
    approve: StrictBool = True


@bp.post("/residents/<int:resident_id>/address")
@staff_required
@declare(ResidentShape, 403, 404, 409)
def confirm_address(resident_id, json: Verdict):
    """Confirm or reject a resident's address"""
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None:
        raise LinliError("not_found", "居民不存在", 404)
    confirmed = residents.confirm_address(g.staff, resident, approve=json.approve)
    return jsonify(serializers.resident_json(confirmed))
