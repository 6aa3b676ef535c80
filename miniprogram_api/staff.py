"""/api/mp/staff: grid workers and the levels above them, working cases from their phones."""
import dataclasses

from flask import Blueprint
from flask import Response
from flask import g
from flask import jsonify
from flask import request

from community import residents
from community.staff import authenticate
from linli.errors import LinliError
from miniprogram_api import serializers
from miniprogram_api.auth import issue
from miniprogram_api.auth import staff_required
from miniprogram_api.parsing import BadRequest
from miniprogram_api.parsing import decode_cursor
from miniprogram_api.parsing import encode_cursor
from miniprogram_api.parsing import integer
from miniprogram_api.parsing import json_body
from miniprogram_api.parsing import query_integer
from miniprogram_api.parsing import text
from models.people import Resident
from models.db import utcnow
from models.cases import Case
from cases import permissions
from cases import queries
from cases import rates
from linli.clock import local
from cases import workflow

bp = Blueprint("staff_api", __name__, url_prefix="/api/mp/staff")


def _case(number):
    case = Case.get_or_none(Case.number == number)
    if case is None:
        raise LinliError("not_found", "案件不存在", 404)
    if not permissions.can_view(g.staff, case):
        raise permissions.PermissionDenied("not_your_case", "您无权查看该案件")
    return case


@bp.post("/login")
def login():
    body = json_body()
    # The same answer for an unknown name and a wrong password, and the same limit as the console.
    staff = authenticate(text(body, "username"), text(body, "password"), request.remote_addr or "")
    token, expires_at = issue(staff, "staff")
    return jsonify({"token": token, "expires_at": expires_at,
                    "staff": {"id": staff.id, "name": staff.name,
                              "roles": sorted({r.role for r in staff.roles})}})


@bp.get("/cases")
@staff_required
def queue():
    args = request.args
    _, size = queries.page_args(1, args.get("size"))
    cases, following = queries.staff_queue(g.staff, grid_id=query_integer(args, "grid_id"),
                                           level=query_integer(args, "level"),
                                           state=args.get("state") or None,
                                           overdue=args.get("overdue") in ("1", "true"),
                                           after=decode_cursor(args.get("after")), size=size)
    return jsonify({"items": [serializers.case_summary(c) for c in cases], "size": size,
                    "next": encode_cursor(following) if following else None})


@bp.get("/cases/<number>")
@staff_required
def detail(number):
    case = _case(number)
    return jsonify(serializers.staff_case_detail(case, queries.full_timeline(case),
                                                 permissions.can_act(g.staff, case)))


@bp.post("/cases/<number>/<action>")
@staff_required
def act(number, action):
    case = _case(number)
    body = json_body()
    # The table's name, or an older one this API still takes ("notes" for "note").
    done = workflow.find_action(action, aliases=True)
    workflow.perform(case, g.staff, done.name, **{field.name: _body_value(body, field) for field in done.fields})
    return jsonify(serializers.case_summary(Case.get_by_id(case.id)))


def _body_value(body, field):
    """An action's field from the JSON body (cases.workflow.Field says which and of what kind):
    a 400 for a value of the wrong type, and for a missing staff member's id."""
    if field.kind == "flag":
        return bool(body.get(field.name))
    if field.kind == "staff":
        return integer(body, field.name, required=field.required)
    return text(body, field.name)


# Each action's body for the OpenAPI document, from the same table.
JSON_TYPES = {"line": "string", "text": "string", "case": "string", "flag": "boolean", "staff": "integer"}


def _property(field):
    schema = {"type": JSON_TYPES[field.kind]}
    if field.max_length:
        schema["maxLength"] = field.max_length
    return schema


ACTION_BODIES = {row.name: {"type": "object", "title": row.name, "description": row.label,
                            "properties": {f.name: _property(f) for f in row.fields},
                            "required": [f.name for f in row.fields if f.required]}
                 for row in workflow.ACTIONS.values()}
# Every name the path takes: the table's, then the older spellings still accepted.
ACTION_NAMES = list(workflow.ACTIONS) + list(workflow.ALIASES)


@bp.get("/rates")
@bp.get("/rates.csv")
@staff_required
def assessment_rates():
    community_id = permissions.overseen_community(g.staff)
    month = request.args.get("month") or local(utcnow()).strftime("%Y-%m")
    try:
        rows = rates.rates(community_id, month, request.args.get("by", "grid"))
    except ValueError as exc:
        raise BadRequest("bad_filter", "month 应为 YYYY-MM，by 应为 %s：%s" % ("/".join(rates.DIMENSIONS), exc)) from None
    if request.path.endswith(".csv"):
        return Response(rates.to_csv(rows), mimetype="text/csv", headers={
            "Content-Disposition": "attachment; filename=rates-%s-%s.csv" % (month, request.args.get("by", "grid"))})
    return jsonify({"month": month, "min_sample": rates.MIN_SAMPLE,
                    "rows": [dataclasses.asdict(r) for r in rows]})


@bp.post("/residents/<int:resident_id>/address")
@staff_required
def confirm_address(resident_id):
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None:
        raise LinliError("not_found", "居民不存在", 404)
    confirmed = residents.confirm_address(g.staff, resident, approve=body_flag(json_body(), "approve"))
    return jsonify(serializers.resident_json(confirmed))


def body_flag(body, name, default=True):
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest("bad_field", "%s 应为 true 或 false" % name)
    return value
