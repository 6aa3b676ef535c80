"""/api/mp: parse, call one domain function, render. Each route is declared once (its request
models above it, its answers in `declare`); see miniprogram_api/openapi.py."""
import functools
from typing import Annotated

from flask import Blueprint
from flask import g
from flask import jsonify
from flask import request
from pydantic import BaseModel
from pydantic import Field

import wechat
from cases import filing
from cases import photos
from cases import queries
from cases import workflow
from community import places
from community import residents
from community.board import service_board
from community.board import unit_board
from linli import limits
from linli import storage
from linli.errors import LinliError
from miniprogram_api import serializers
from miniprogram_api.auth import issue
from miniprogram_api.auth import resident_required
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import document
from miniprogram_api.openapi import examples
from miniprogram_api.parsing import Body
from miniprogram_api.parsing import Form
from miniprogram_api.parsing import Id
from miniprogram_api.parsing import IdempotencyKey
from miniprogram_api.parsing import Page
from miniprogram_api.parsing import PageSize
from miniprogram_api.parsing import Query
from miniprogram_api.parsing import QueryWhole
from miniprogram_api.parsing import Refusal
from miniprogram_api.parsing import Text
from miniprogram_api.parsing import UploadedFile
from miniprogram_api.parsing import Whole
from miniprogram_api.serializers import BoardPage
from miniprogram_api.serializers import BuildingPlace
from miniprogram_api.serializers import CaseDetail
from miniprogram_api.serializers import CasePage
from miniprogram_api.serializers import CaseSummary
from miniprogram_api.serializers import Category as CategoryShape
from miniprogram_api.serializers import CommunityEntry
from miniprogram_api.serializers import Following
from miniprogram_api.serializers import Resident
from miniprogram_api.serializers import ResidentToken
from miniprogram_api.serializers import Structure
from miniprogram_api.serializers import Token
from miniprogram_api.serializers import UnitBoard
from miniprogram_api.serializers import UnitRooms
from miniprogram_api.serializers import Upload
from models.community import Building
from models.community import Unit
from models.workflow import Category

bp = Blueprint("miniprogram", __name__, url_prefix="/api/mp")
PLACES_MAX_AGE = 300       # seconds: estates and buildings change rarely, and a stale list costs nothing
LOGIN_PER_MINUTE = 30
# Two cases' worth of photos (9 each) in ten minutes; each upload costs a decode and disk.
UPLOADS_PER_TEN_MINUTES = 20


def _case(number):
    case = queries.case_for(number, g.resident)
    if case is None:
        raise LinliError("not_found", "案件不存在", 404)
    return case


class Paging(Query):
    page: Page = None
    size: PageSize = None


@bp.get("/openapi.json")
@declare((None, "this document"))
def openapi():
    """This document"""
    return jsonify(document())


# -- session ----------------------------------------------------------------------------------
class WeChatCode(Body):
    model_config = examples({"code": "0c3Xb8100CzSAV1nJa300sN3Yx2Xb81Q"})
    # A code that is not text was read as no code, and answered as the domain answers that.
    code: Annotated[Text, Refusal("bad_code", "缺少登录凭证 code", 401)] = ""


@bp.post("/login")
@declare(ResidentToken, 401, 429)
def login(json: WeChatCode):
    """Exchange a wx.login() code for a token (30 a minute per address)"""
    # Each try costs a WeChat call (jscode2session): 30 a minute from one address is plenty.
    limits.hit("mp-login:" + (request.remote_addr or ""), LOGIN_PER_MINUTE, 60, "登录过于频繁")
    resident = residents.login_with_code(wechat.miniprogram(), json.code)
    token, expires_at = issue(resident)
    return jsonify({"token": token, "expires_at": expires_at,
                    "resident": serializers.resident_json(resident)})


@bp.post("/token/refresh")
@resident_required
@declare(Token)
def refresh():
    """A new token"""
    token, expires_at = issue(g.resident)
    return jsonify({"token": token, "expires_at": expires_at})


@bp.get("/me")
@resident_required
@declare(Resident)
def me():
    """The signed-in resident"""
    return jsonify(serializers.resident_json(g.resident))


class PhoneCode(Body):
    model_config = examples({"code": "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144"})
    code: Annotated[Text, Refusal("bad_code", "缺少手机号凭证 code")] = ""


@bp.post("/me/phone")
@resident_required
@declare(Resident)
def bind_phone(json: PhoneCode):
    """Bind the phone number from the getPhoneNumber button's code"""
    resident = residents.bind_phone(wechat.miniprogram(), g.resident, json.code)
    return jsonify(serializers.resident_json(resident))


class AddressClaim(Body):
    model_config = examples({"building_id": 1, "unit_id": 1, "household_id": 17},
                            {"building_id": 12, "unit_id": 36, "room": "302"})
    building_id: Whole
    unit_id: Whole | None = None
    household_id: Whole | None = Field(None, description="a room from GET /units/<id>/rooms; "
                                                         "then `room` is ignored")
    room: Text = Field("", description="typed, where the unit has no rooms to choose")


@bp.put("/me/address")
@resident_required
@declare(Resident, 422)
def set_address(json: AddressClaim):
    """Claim an address (waits for confirmation): a room of the unit, or one typed"""
    resident = residents.set_address(g.resident, json.building_id, json.unit_id, json.room, json.household_id)
    return jsonify(serializers.resident_json(resident))


# -- cases ------------------------------------------------------------------------------------
def before_the_photo_is_read(uploader):
    """The size limit and the rate limit (per `uploader()`, a key naming who uploads) come before
    the upload is read (validation reads it)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request.max_content_length = photos.MAX_BYTES + 64 * 1024      # 413 beyond it, unread
            limits.hit("upload:%s" % uploader(), UPLOADS_PER_TEN_MINUTES, 600, "上传过于频繁")
            return view(*args, **kwargs)
        return wrapper
    return decorate


class Photo(Form):
    # A file part cannot be written in JSON: the example's string stands for the photo's bytes.
    model_config = examples({"file": "(the photo, JPEG)"})
    file: Annotated[UploadedFile, Refusal("missing_file", "请选择照片（字段名 file）")]


@bp.post("/uploads")
@resident_required
@before_the_photo_is_read(lambda: g.resident.id)
@declare(None, 413, 422, 429, 503, created=(Upload, "stored"))
def upload(form: Photo):
    """Upload a photo (JPEG, PNG, WebP; 10 MB; 20 in ten minutes)"""
    saved = photos.save_photo(g.resident, form.file.read(photos.MAX_BYTES + 1), storage.active())
    return jsonify({"id": saved.id, "url": storage.url_of(saved.path),
                    "width": saved.width, "height": saved.height}), 201


class Location(BaseModel):
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    lng: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
    label: Text = ""


class Filing(Body):
    model_config = examples(
        {"description": "1号楼1单元楼道灯坏了一周，晚上上下楼看不见", "category_id": 5, "photo_ids": [41],
         "anonymous": False, "publish_photos": True,
         "location": {"lat": 38.0512, "lng": 114.5219, "label": "丰泽园小区 1号楼"}})
    description: Text = ""
    category_id: Whole | None = None
    photo_ids: list[Id] | None = None
    anonymous: bool | None = None
    publish_photos: bool | None = Field(None, description="the reporter agrees the photos be published")
    location: Annotated[Location | None, Refusal(
        "bad_location", "location 应为 {{lat, lng, label}}，经纬度在有效范围内")] = None


@bp.post("/reports")
@resident_required
@declare((CaseSummary, "the case first filed with this Idempotency-Key"), 422, 429,
         created=(CaseSummary, "filed"))
def file_report(json: Filing, headers: IdempotencyKey):
    """File a case; send Idempotency-Key (20 an hour)"""
    location = json.location and (json.location.lat, json.location.lng, json.location.label[:200])
    case, created = filing.file_report(
        g.resident, json.description, category_id=json.category_id, upload_ids=json.photo_ids or [],
        anonymous=bool(json.anonymous), location=location, photos_public=json.publish_photos is True,
        key=headers.key, content_check=filing.wechat_content_check(wechat.miniprogram(), g.resident))
    return jsonify(serializers.case_summary(case)), 201 if created else 200


@bp.get("/reports")
@resident_required
@declare(CasePage)
def my_reports(query: Paging):
    """My cases"""
    page, size = queries.page_args(query.page, query.size)
    total, cases = queries.cases_of(g.resident, page, size)
    return jsonify(serializers.page(total, [serializers.case_summary(c) for c in cases], page, size))


@bp.get("/reports/<number>")
@resident_required
@declare(CaseDetail, 404)
def report_detail(number):
    """One of my (or followed) cases with its public timeline"""
    case = _case(number)
    return jsonify(serializers.case_detail(case, queries.public_timeline(case),
                                           workflow.resident_actions(case, g.resident)))


@bp.post("/reports/<number>/confirm")
@resident_required
@declare(CaseSummary, 404, 409)
def confirm(number):
    """Confirm it is solved"""
    return jsonify(serializers.case_summary(workflow.confirm(_case(number), g.resident)))


class Reason(Body):
    model_config = examples({"reason": "灯泡换了，第二天又不亮了，可能是线路问题"})
    reason: Text = ""


@bp.post("/reports/<number>/reopen")
@resident_required
@declare(CaseSummary, 404, 409, 422)
def reopen(number, json: Reason):
    """Not fixed: reopen"""
    return jsonify(serializers.case_summary(workflow.reopen(_case(number), g.resident, json.reason)))


class Rating(Body):
    model_config = examples({"score": 5, "comment": "当天就修好了，谢谢网格员"})
    score: Whole = Field(description="1 to 5")
    comment: Text = ""


@bp.post("/reports/<number>/rating")
@resident_required
@declare(CaseSummary, 404, 409, 422)
def rate(number, json: Rating):
    """Rate 1-5, once"""
    return jsonify(serializers.case_summary(workflow.rate(_case(number), g.resident, json.score, json.comment)))


@bp.post("/reports/<number>/follow")
@resident_required
@declare(Following, 404, 409)
def follow(number):
    """Me too: follow an open case of my community"""
    case = queries.followable(number, g.resident)
    if case is None:
        raise LinliError("not_found", "案件不存在", 404)
    workflow.follow(case, g.resident)
    return jsonify({"number": case.number, "following": True})


# -- public -----------------------------------------------------------------------------------
@bp.get("/categories")
@declare(list[CategoryShape])
def categories():
    """The category tree"""
    rows = Category.select().where(Category.active == True).order_by(Category.sort, Category.id)  # noqa: E712
    return jsonify([{"id": c.id, "code": c.code, "name": c.name, "parent_id": c.parent_id} for c in rows])


class BoardFilter(Paging):
    building_id: QueryWhole = Field(None, description="only this building's cases")


@bp.get("/communities/<code>/resolved")
@declare(BoardPage, 404)
def resolved(code, query: BoardFilter):
    """Resolved cases, without personal data; one building's with ?building_id="""
    community = places.community_by_code(code)
    if query.building_id is not None:
        places.building_of(community.id, query.building_id)
    page, size = queries.page_args(query.page, query.size)
    total, cases = queries.resolved_board(community.id, page, size, building_id=query.building_id)
    return jsonify(serializers.page(total, [serializers.board_entry(c) for c in cases], page, size))


@bp.get("/communities")
@declare(list[CommunityEntry])
def community_list():
    """Every community, to choose one's own (public, cacheable)"""
    return _cacheable(places.communities())


@bp.get("/communities/<code>/structure")
@declare(Structure, 404)
def community_structure(code):
    """Estates, buildings and units, to choose an address (public, cacheable, ETag)"""
    return _cacheable(places.structure(code))


@bp.get("/buildings/<int:building_id>")
@declare(BuildingPlace, 404)
def building(building_id):
    """A building with its units, as its QR code names it (public, cacheable, ETag)"""
    return _cacheable(places.building_place(building_id))


@bp.get("/units/<int:unit_id>/rooms")
@declare(UnitRooms, 404)
def unit_rooms(unit_id):
    """A unit's rooms, to choose one's own (public, room labels only, cacheable, ETag)"""
    return _cacheable(places.unit_rooms(unit_id))


def _cacheable(data):
    """The same answer for everyone: cached by the client and any proxy for a few minutes, and
    answered 304 without a body while the client's copy (If-None-Match) is still current."""
    response = jsonify(data)
    response.set_etag(places.version(data))
    response.cache_control.public = True
    response.cache_control.max_age = PLACES_MAX_AGE
    return response.make_conditional(request)


@bp.get("/units/<int:unit_id>/board")
@declare(UnitBoard, 404)
def unit_service_board(unit_id):
    """A unit's service board"""
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None:
        raise LinliError("not_found", "单元不存在", 404)
    return _board(unit.building, unit.name, unit_board(unit))


@bp.get("/buildings/<int:building_id>/board")
@declare(UnitBoard, 404)
def building_service_board(building_id):
    """A building's service board, every unit's leaders on it (for an address without a unit)"""
    found = Building.get_or_none(Building.id == building_id)
    if found is None:
        raise LinliError("not_found", "楼栋不存在", 404)
    return _board(found, "", service_board(found))


def _board(building, unit_name, entries):
    return jsonify({"building": building.label, "unit": unit_name,
                    "contacts": [{"role": e.label, "name": e.name, "phone": e.phone or None} for e in entries]})
