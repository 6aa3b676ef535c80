"""/api/mp: parse, call one domain function, render."""
from flask import Blueprint
from flask import g
from flask import jsonify
from flask import request

from linli import config
from linli import limits
import wechat
from community import residents
from community.board import unit_board
from linli.errors import LinliError
from miniprogram_api import serializers
from miniprogram_api.auth import issue
from miniprogram_api.auth import resident_required
from miniprogram_api.openapi import DOCUMENT
from miniprogram_api.parsing import INT_LIMIT
from miniprogram_api.parsing import BadRequest
from miniprogram_api.parsing import integer
from miniprogram_api.parsing import json_body
from models.community import Community
from models.community import Unit
from models.workflow import Category
from cases import filing
from cases import intake
from cases import photos
from cases import queries
from cases import workflow

bp = Blueprint("miniprogram", __name__, url_prefix="/api/mp")
LOGIN_PER_MINUTE = 30
# Two cases' worth of photos (9 each) in ten minutes; each upload costs a decode and disk.
UPLOADS_PER_TEN_MINUTES = 20


def _case(number):
    case = queries.case_for(number, g.resident)
    if case is None:
        raise LinliError("not_found", "案件不存在", 404)
    return case


@bp.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)


# -- session ----------------------------------------------------------------------------------
@bp.post("/login")
def login():
    # Each try costs a WeChat call (jscode2session): 30 a minute from one address is plenty.
    limits.hit("mp-login:" + (request.remote_addr or ""), LOGIN_PER_MINUTE, 60, "登录过于频繁")
    code = json_body().get("code")
    resident = residents.login_with_code(wechat.miniprogram(), code if isinstance(code, str) else "")
    token, expires_at = issue(resident)
    return jsonify({"token": token, "expires_at": expires_at,
                    "resident": serializers.resident_json(resident)})


@bp.post("/token/refresh")
@resident_required
def refresh():
    token, expires_at = issue(g.resident)
    return jsonify({"token": token, "expires_at": expires_at})


@bp.get("/me")
@resident_required
def me():
    return jsonify(serializers.resident_json(g.resident))


@bp.post("/me/phone")
@resident_required
def bind_phone():
    code = json_body().get("code")
    resident = residents.bind_phone(wechat.miniprogram(), g.resident, code if isinstance(code, str) else "")
    return jsonify(serializers.resident_json(resident))


@bp.put("/me/address")
@resident_required
def set_address():
    body = json_body()
    resident = residents.set_address(g.resident, integer(body, "building_id", required=True),
                                     integer(body, "unit_id"), body.get("room") or "")
    return jsonify(serializers.resident_json(resident))


# -- cases ------------------------------------------------------------------------------------
@bp.post("/uploads")
@resident_required
def upload():
    request.max_content_length = photos.MAX_BYTES + 64 * 1024      # 413 beyond it, unread
    limits.hit("upload:%d" % g.resident.id, UPLOADS_PER_TEN_MINUTES, 600, "上传过于频繁")
    file = request.files.get("file")
    if file is None:
        raise BadRequest("missing_file", "请选择照片（字段名 file）")
    saved = photos.save_photo(g.resident, file.read(photos.MAX_BYTES + 1), config.active().MEDIA_DIR)
    return jsonify({"id": saved.id, "url": "/media/" + saved.path,
                    "width": saved.width, "height": saved.height}), 201


@bp.post("/reports")
@resident_required
def file_report():
    body = json_body()
    location = body.get("location")
    if location is not None:
        if not isinstance(location, dict) or not all(isinstance(location.get(k), (int, float))
                                                     for k in ("lat", "lng")) \
                or not (-90 <= location["lat"] <= 90 and -180 <= location["lng"] <= 180):
            raise BadRequest("bad_location", "location 应为 {lat, lng, label}，经纬度在有效范围内")
        location = (location["lat"], location["lng"], str(location.get("label", ""))[:200])
    upload_ids = body.get("photo_ids") or []
    if not isinstance(upload_ids, list) or not all(isinstance(i, int) and 0 < i <= INT_LIMIT for i in upload_ids):
        raise BadRequest("bad_field", "photo_ids 应为整数数组")
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise BadRequest("bad_field", "description 应为字符串")
    intake.count_filing(g.resident)
    case, created = filing.file_report(
        g.resident, description, category_id=integer(body, "category_id"), upload_ids=upload_ids,
        anonymous=bool(body.get("anonymous")), location=location,
        photos_public=body.get("publish_photos") is True,
        key=request.headers.get("Idempotency-Key"),
        content_check=filing.wechat_content_check(wechat.miniprogram(), g.resident))
    return jsonify(serializers.case_summary(case)), 201 if created else 200


@bp.get("/reports")
@resident_required
def my_reports():
    page, size = queries.page_args(request.args.get("page"), request.args.get("size"))
    total, cases = queries.cases_of(g.resident, page, size)
    return jsonify(serializers.page(total, [serializers.case_summary(c) for c in cases], page, size))


@bp.get("/reports/<number>")
@resident_required
def report_detail(number):
    case = _case(number)
    return jsonify(serializers.case_detail(case, queries.public_timeline(case)))


@bp.post("/reports/<number>/confirm")
@resident_required
def confirm(number):
    return jsonify(serializers.case_summary(workflow.confirm(_case(number), g.resident)))


@bp.post("/reports/<number>/reopen")
@resident_required
def reopen(number):
    reason = json_body().get("reason")
    return jsonify(serializers.case_summary(
        workflow.reopen(_case(number), g.resident, reason if isinstance(reason, str) else "")))


@bp.post("/reports/<number>/rating")
@resident_required
def rate(number):
    body = json_body()
    comment = body.get("comment") if isinstance(body.get("comment"), str) else ""
    return jsonify(serializers.case_summary(
        workflow.rate(_case(number), g.resident, integer(body, "score", required=True), comment)))


@bp.post("/reports/<number>/follow")
@resident_required
def follow(number):
    case = queries.followable(number, g.resident)
    if case is None:
        raise LinliError("not_found", "案件不存在", 404)
    workflow.follow(case, g.resident)
    return jsonify({"number": case.number, "following": True})


# -- public -----------------------------------------------------------------------------------
@bp.get("/categories")
def categories():
    rows = Category.select().where(Category.active == True).order_by(Category.sort, Category.id)  # noqa: E712
    return jsonify([{"id": c.id, "code": c.code, "name": c.name, "parent_id": c.parent_id} for c in rows])


@bp.get("/communities/<code>/resolved")
def resolved(code):
    community = Community.get_or_none(Community.code == code)
    if community is None:
        raise LinliError("not_found", "社区不存在", 404)
    page, size = queries.page_args(request.args.get("page"), request.args.get("size"))
    total, cases = queries.resolved_board(community.id, page, size)
    return jsonify(serializers.page(total, [serializers.board_entry(c) for c in cases], page, size))


@bp.get("/units/<int:unit_id>/board")
def unit_service_board(unit_id):
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None:
        raise LinliError("not_found", "单元不存在", 404)
    return jsonify({"building": unit.building.label, "unit": unit.name,
                    "contacts": [{"role": e.label, "name": e.name, "phone": e.phone or None}
                                 for e in unit_board(unit)]})
