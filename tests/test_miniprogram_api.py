"""/api/mp through HTTP: login against the emulator, tokens, address, photos, filing and the
resident's side of a case."""
import io
import threading
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from PIL import Image

from cases import workflow
from community.demo import seed_demo
from miniprogram_api.auth import SALT
from models.cases import Case
from models.cases import CaseFollower
from models.community import Building
from models.community import Community
from models.miniprogram import MpSession
from models.people import Resident
from models.people import Staff
from models.workflow import Category


@pytest.fixture
def mp(client, database, emulator):
    seed_demo()

    def login(openid="o-mp-1", unionid=None):
        answer = client.post("/api/mp/login", json={"code": emulator.login_code(openid, unionid)})
        assert answer.status_code == 200, answer.json
        return {"Authorization": "Bearer " + answer.json["token"]}

    return login


def _jpeg_with_gps():
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (38.0, 3.0, 0.0), 3: "E", 4: (114.0, 30.0, 0.0)})   # the home's position
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(buffer.getvalue())).getexif().get_ifd(0x8825)   # it is there
    return buffer.getvalue()


def _home(client, headers, building_index=0):
    building = Building.select().order_by(Building.id)[building_index]
    unit = building.units[0]
    answer = client.put("/api/mp/me/address", json={"building_id": building.id, "unit_id": unit.id,
                                                     "room": "302"}, headers=headers)
    assert answer.status_code == 200
    return building


# -- login and tokens -------------------------------------------------------------------------
def test_login_returns_a_token_and_keeps_the_session_key_on_the_server(client, mp):
    headers = mp("o-mp-login")
    resident = Resident.get(Resident.mp_openid == "o-mp-login")
    assert MpSession.get_by_id(resident.id).session_key == "sk-o-mp-login"
    me = client.get("/api/mp/me", headers=headers)
    assert me.status_code == 200 and me.json["id"] == resident.id
    assert "session_key" not in me.get_data(as_text=True)


def test_login_links_the_official_account_follower_by_unionid(client, mp):
    follower = Resident.create(oa_openid="o-oa-9", unionid="u-9", nickname="老赵")
    mp("o-mp-9", unionid="u-9")
    linked = Resident.get_by_id(follower.id)
    assert (linked.mp_openid, linked.oa_openid) == ("o-mp-9", "o-oa-9")
    assert Resident.select().count() == 3 + 1          # the demo's three, and this one


def test_a_used_or_made_up_code_is_401(client, mp, emulator):
    code = emulator.login_code("o-once")
    assert client.post("/api/mp/login", json={"code": code}).status_code == 200
    replay = client.post("/api/mp/login", json={"code": code})      # a replayed login request
    assert replay.status_code == 401 and replay.json["error"]["code"] == "bad_code"
    assert client.post("/api/mp/login", json={"code": "guess"}).status_code == 401
    assert client.post("/api/mp/login", json=["not", "an", "object"]).status_code == 400


@pytest.mark.parametrize("header, code", [
    (None, "missing_token"),
    ("Bearer not-a-token", "bad_token"),
    ("Token abc", "missing_token"),
])
def test_missing_or_forged_tokens_are_401(client, mp, header, code):
    answer = client.get("/api/mp/reports", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401 and answer.json["error"]["code"] == code


def test_a_token_signed_with_another_key_is_401(client, mp):
    mp("o-forge")
    forged = URLSafeTimedSerializer("someone-elses-secret-key", salt=SALT).dumps({"r": 1})
    answer = client.get("/api/mp/me", headers={"Authorization": "Bearer " + forged})
    assert answer.status_code == 401 and answer.json["error"]["code"] == "bad_token"


def test_an_expired_token_is_401_and_refresh_gives_a_new_one(app, client, mp, monkeypatch):
    headers = mp("o-old")
    fresh = client.post("/api/mp/token/refresh", headers=headers)
    assert fresh.status_code == 200 and fresh.json["expires_at"] > time.time()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 8 * 24 * 3600)   # eight days on
    answer = client.get("/api/mp/me", headers=headers)
    assert answer.status_code == 401 and answer.json["error"]["code"] == "token_expired"



# -- phone ------------------------------------------------------------------------------------
def test_a_resident_binds_the_phone_the_button_shared(client, mp, emulator):
    from tests.support.wechat_apps import MP_APPID
    headers = mp("o-phone")
    answer = client.post("/api/mp/me/phone", headers=headers,
                         json={"code": emulator.phone_code("13800138000", MP_APPID)})
    assert answer.status_code == 200 and answer.json["phone"] == "13800138000"
    assert Resident.get(Resident.mp_openid == "o-phone").phone == "13800138000"
    abroad = client.post("/api/mp/me/phone", headers=headers,
                         json={"code": emulator.phone_code("91234567", MP_APPID, country="852")})
    assert abroad.json["phone"] == "+85291234567"            # the country code stays with it


@pytest.mark.parametrize("case", ["replayed", "unknown", "other_app", "missing", "not_text"])
def test_a_bad_phone_code_is_refused_and_the_number_kept(client, mp, emulator, case):
    # Replayed: a code captured from an earlier binding. Other app: a code another mini-program
    # obtained for the same user, passed to us to plant a number. Unknown/missing: client bugs.
    from tests.support.wechat_apps import MP_APPID
    headers = mp("o-phone-bad")
    client.post("/api/mp/me/phone", headers=headers, json={"code": emulator.phone_code("13900000001", MP_APPID)})
    code = {"replayed": None, "unknown": "phone-404", "other_app": emulator.phone_code("13700000000", "wx-other"),
            "missing": "", "not_text": 42}[case]
    if case == "replayed":
        code = emulator.phone_code("13600000000", MP_APPID)
        client.post("/api/mp/me/phone", headers=mp("o-phone-first"), json={"code": code})
    answer = client.post("/api/mp/me/phone", headers=headers, json={"code": code})
    assert answer.status_code == 400 and answer.json["error"]["code"] == "bad_code"
    assert Resident.get(Resident.mp_openid == "o-phone-bad").phone == "13900000001"

# -- address ----------------------------------------------------------------------------------
def test_address_waits_for_the_building_leader_to_confirm(client, mp):
    from cases.permissions import PermissionDenied
    from community.residents import confirm_address
    headers = mp("o-addr")
    _home(client, headers)
    resident = Resident.get(Resident.mp_openid == "o-addr")
    assert resident.address_state == "pending"
    with pytest.raises(PermissionDenied):                           # another building's leader
        confirm_address(Staff.get(Staff.username == "louzhang2"), resident)
    confirm_address(Staff.get(Staff.username == "louzhang1"), resident)
    assert client.get("/api/mp/me", headers=headers).json["address"]["state"] == "confirmed"


def test_a_unit_of_another_building_is_refused(client, mp):
    headers = mp("o-addr2")
    first, second = Building.select().order_by(Building.id)[:2]
    answer = client.put("/api/mp/me/address", json={"building_id": first.id,
                                                     "unit_id": second.units[0].id}, headers=headers)
    assert answer.status_code == 422 and answer.json["error"]["code"] == "unknown_unit"


# -- photos and filing ------------------------------------------------------------------------
def test_photo_is_stored_without_its_gps_and_joins_the_case(client, mp, settings, emulator):
    headers = mp("o-photo")
    building = _home(client, headers)
    uploaded = client.post("/api/mp/uploads", headers=headers,
                           data={"file": (io.BytesIO(_jpeg_with_gps()), "IMG_0001.jpg")})
    assert uploaded.status_code == 201
    stored = Image.open(f"{settings.MEDIA_DIR}/{uploaded.json['url'][len('/media/'):]}")
    assert not stored.getexif()                                   # no GPS, no maker
    assert "IMG_0001" not in uploaded.json["url"]                 # a random name
    filed = client.post("/api/mp/reports", headers=headers, json={
        "description": "楼道里的灭火器玻璃碎了", "photo_ids": [uploaded.json["id"]]})
    assert filed.status_code == 201
    case = Case.get(Case.number == filed.json["number"])
    assert case.channel == "miniprogram" and case.building_id == building.id
    assert [p.url for p in case.photos] == [uploaded.json["url"]]
    assert client.get(uploaded.json["url"]).status_code == 200    # served under /media/
    check = emulator.calls("wxa/msg_sec_check")[0].body
    assert (check["version"], check["openid"], check["content"]) == (2, "o-photo", "楼道里的灭火器玻璃碎了")


@pytest.mark.parametrize("payload, name, code, status", [
    (b"GIF89a" + b"\x00" * 100, "a.gif", "not_an_image", 422),     # a broken GIF
    (b"<?php system($_GET['c']); ?>", "shell.jpg", "not_an_image", 422),   # script named .jpg
    (b"", "empty.jpg", "empty_file", 422),
])
def test_a_file_that_is_not_a_photo_is_refused(client, mp, payload, name, code, status):
    headers = mp("o-bad-file")
    answer = client.post("/api/mp/uploads", headers=headers, data={"file": (io.BytesIO(payload), name)})
    assert answer.status_code == status and answer.json["error"]["code"] == code


def test_an_oversized_upload_is_413(client, mp):
    headers = mp("o-huge")
    answer = client.post("/api/mp/uploads", headers=headers,
                         data={"file": (io.BytesIO(b"\xff" * (11 * 1024 * 1024)), "big.jpg")})
    assert answer.status_code == 413


def test_someone_elses_photo_cannot_be_attached(client, mp):
    owner = mp("o-owner")
    photo = client.post("/api/mp/uploads", headers=owner,
                        data={"file": (io.BytesIO(_jpeg_with_gps()), "a.jpg")}).json["id"]
    thief = mp("o-thief")
    answer = client.post("/api/mp/reports", headers=thief, json={"description": "借用别人的照片",
                                                                 "photo_ids": [photo]})
    assert answer.status_code == 422 and answer.json["error"]["code"] == "bad_upload"
    assert Case.select().count() == 0


def test_replayed_filing_with_the_same_key_creates_one_case(client, mp):
    headers = dict(mp("o-twice"), **{"Idempotency-Key": "file-7f3a"})
    first = client.post("/api/mp/reports", headers=headers, json={"description": "单元门禁坏了"})
    again = client.post("/api/mp/reports", headers=headers, json={"description": "单元门禁坏了"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["number"] == again.json["number"] and Case.select().count() == 1


def test_concurrent_double_click_files_once(live_server, emulator, database):
    # Two taps on "submit" reach two gunicorn workers at the same moment.
    import requests
    seed_demo()
    token = requests.post(live_server.url + "/api/mp/login",
                          json={"code": emulator.login_code("o-double")}).json()["token"]
    headers = {"Authorization": "Bearer " + token, "Idempotency-Key": "tap-1"}
    answers = []

    def tap():
        answers.append(requests.post(live_server.url + "/api/mp/reports", headers=headers,
                                     json={"description": "电梯困人了，快来"}, timeout=10))

    threads = [threading.Thread(target=tap) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["number"] for a in answers}) == 1
    assert Case.select().count() == 1


def test_risky_content_is_refused_and_files_nothing(client, mp, emulator):
    emulator.state.risky_words.add("违禁词")
    headers = mp("o-risky")
    answer = client.post("/api/mp/reports", headers=headers, json={"description": "这里有违禁词内容"})
    assert answer.status_code == 422 and answer.json["error"]["code"] == "content_rejected"
    assert Case.select().count() == 0


def test_when_the_content_check_is_down_the_case_is_filed_for_review(client, mp, emulator):
    headers = mp("o-check-down")
    emulator.fail(-1, path="wxa/msg_sec_check")
    answer = client.post("/api/mp/reports", headers=headers, json={"description": "路灯不亮很久了"})
    assert answer.status_code == 201
    notes = [e.note for e in Case.get().events]
    assert any("人工复核" in n for n in notes)


@pytest.mark.parametrize("body, code", [
    ({"description": "短"}, "description_too_short"),
    ({"description": "长" * 1001}, "description_too_long"),
    ({"description": "分类不存在的问题", "category_id": 9999}, "unknown_category"),
    ({"description": "位置不对的问题", "location": {"lat": "north"}}, "bad_location"),
    ({"description": 42}, "bad_field"),
])
def test_bad_filings_are_refused_with_the_field_named(client, mp, body, code):
    answer = client.post("/api/mp/reports", headers=mp("o-bad"), json=body)
    assert answer.status_code in (400, 422) and answer.json["error"]["code"] == code
    assert Case.select().count() == 0


# -- my cases ---------------------------------------------------------------------------------
def test_my_cases_detail_timeline_confirm_and_rate(client, mp):
    headers = mp("o-story")
    _home(client, headers)
    number = client.post("/api/mp/reports", headers=headers,
                         json={"description": "垃圾桶满了三天没人清"}).json["number"]
    case = Case.get(Case.number == number)
    workflow.accept(case, Staff.get(Staff.username == "grid1"))
    workflow.resolve(Case.get_by_id(case.id), Staff.get(Staff.username == "grid1"), "已清运")
    mine = client.get("/api/mp/reports?page=1&size=5", headers=headers).json
    assert mine["total"] == 1 and mine["items"][0]["state"] == "resolved"
    detail = client.get("/api/mp/reports/" + number, headers=headers).json
    assert [t["kind"] for t in detail["timeline"]] == ["submitted", "assigned", "accepted", "resolved"]
    assert detail["created_at"].endswith("+08:00")
    assert client.post("/api/mp/reports/%s/confirm" % number, headers=headers).json["state"] == "closed"
    rated = client.post("/api/mp/reports/%s/rating" % number, headers=headers, json={"score": 5})
    assert rated.status_code == 200 and Case.get_by_id(case.id).rating == 5
    again = client.post("/api/mp/reports/%s/rating" % number, headers=headers, json={"score": 1})
    assert again.status_code == 409


def test_the_detail_names_the_category_and_handler_and_offers_what_the_resident_may_do_now(client, mp):
    headers = mp("o-actions")
    _home(client, headers)
    category = Category.select().where(Category.active == True).first()  # noqa: E712
    number = client.post("/api/mp/reports", headers=headers, json={
        "description": "楼道灯不亮了", "category_id": category.id}).json["number"]
    grid1 = Staff.get(Staff.username == "grid1")
    detail = client.get("/api/mp/reports/" + number, headers=headers).json
    assert (detail["category"], detail["handler"], detail["actions"]) == (category.name, "网格员一", [])
    neighbour = mp("o-actions-neighbour")
    _home(client, neighbour)
    _confirmed("o-actions-neighbour")
    assert client.post("/api/mp/reports/%s/follow" % number, headers=neighbour).status_code == 200
    workflow.add_note(Case.get(Case.number == number), grid1, "已联系物业电工", public=True)
    workflow.add_note(Case.get(Case.number == number), grid1, "电工下午才到", public=False)
    workflow.resolve(Case.get(Case.number == number), grid1, "灯已换新")
    detail = client.get("/api/mp/reports/" + number, headers=headers).json
    assert detail["actions"] == ["confirm", "reopen", "rate"]
    replies = [(t["note"], t["by"]) for t in detail["timeline"] if t["kind"] in ("note", "resolved")]
    assert replies == [("已联系物业电工", "网格员一"), ("灯已换新", "网格员一")]      # the internal note stays inside
    assert client.get("/api/mp/reports/" + number, headers=neighbour).json["actions"] == []   # reads, acts on nothing
    assert client.post("/api/mp/reports/%s/confirm" % number, headers=headers).status_code == 200
    assert client.get("/api/mp/reports/" + number, headers=headers).json["actions"] == ["rate"]
    rated = client.post("/api/mp/reports/%s/rating" % number, headers=headers, json={"score": 4, "comment": "挺快的"})
    assert rated.status_code == 200
    detail = client.get("/api/mp/reports/" + number, headers=headers).json
    assert (detail["rating"], detail["rating_comment"], detail["actions"]) == (4, "挺快的", [])
    again = client.post("/api/mp/reports/%s/rating" % number, headers=headers, json={"score": 1})
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_rated")
    assert Case.get(Case.number == number).rating == 4


def test_a_resident_reading_anothers_case_gets_404(client, mp):
    owner = mp("o-owner2")
    number = client.post("/api/mp/reports", headers=owner, json={"description": "我家门口漏水"}).json["number"]
    other = mp("o-nosy")
    for answer in (client.get("/api/mp/reports/" + number, headers=other),
                   client.post("/api/mp/reports/%s/confirm" % number, headers=other),
                   client.get("/api/mp/reports/R0000000000", headers=other)):
        assert answer.status_code == 404


def _confirmed(openid):
    Resident.update(address_state="confirmed").where(Resident.mp_openid == openid).execute()


def test_a_neighbour_follows_and_then_sees_the_case(client, mp):
    owner = mp("o-first")
    _home(client, owner)
    number = client.post("/api/mp/reports", headers=owner, json={"description": "小区门口路灯坏了"}).json["number"]
    neighbour = mp("o-second")
    _home(client, neighbour)
    _confirmed("o-second")
    assert client.post("/api/mp/reports/%s/follow" % number, headers=neighbour).status_code == 200
    assert client.get("/api/mp/reports/" + number, headers=neighbour).status_code == 200


def test_only_confirmed_residents_of_the_cases_community_may_follow_it(client, mp):
    # The harvest: case numbers are sequential, so a resident with no address (or an address
    # claimed but never confirmed, or one in another community) walked every number with
    # "me too" and then read each case's text, photos and exact location.
    from community.demo import seed_second_community
    seed_second_community()
    owner = mp("o-victim")
    _home(client, owner)
    _confirmed("o-victim")
    number = client.post("/api/mp/reports", headers=owner,
                         json={"description": "我家302门口漏水",
                               "location": {"lat": 38.05, "lng": 114.52}}).json["number"]
    nobody = mp("o-no-address")
    claimed = mp("o-claimed-only")
    _home(client, claimed)
    elsewhere = mp("o-elsewhere")
    other = Building.select().join(Community).where(Community.code == "guangximen").first()
    assert client.put("/api/mp/me/address", json={"building_id": other.id}, headers=elsewhere).status_code == 200
    _confirmed("o-elsewhere")
    unknown = client.post("/api/mp/reports/R0000000000/follow", headers=nobody)
    for harvester in (nobody, claimed, elsewhere):
        answer = client.post("/api/mp/reports/%s/follow" % number, headers=harvester)
        assert (answer.status_code, answer.json) == (unknown.status_code, unknown.json) == (404, unknown.json)
        assert client.get("/api/mp/reports/" + number, headers=harvester).status_code == 404
    assert CaseFollower.select().count() == 0


def test_reopen_needs_a_reason(client, mp):
    headers = mp("o-reopen")
    number = client.post("/api/mp/reports", headers=headers, json={"description": "水管还在漏水"}).json["number"]
    case = Case.get(Case.number == number)
    workflow.resolve(case, Staff.get(Staff.username == "tianbing"), "已修")
    assert client.post("/api/mp/reports/%s/reopen" % number, headers=headers, json={}).status_code == 422
    answer = client.post("/api/mp/reports/%s/reopen" % number, headers=headers, json={"reason": "还在漏"})
    assert answer.json["state"] == "reopened"


# -- public -----------------------------------------------------------------------------------
def test_public_boards_show_no_personal_data(client, mp):
    headers = mp("o-public")
    _home(client, headers)
    number = client.post("/api/mp/reports", headers=headers,
                         json={"description": "请联系我13812345678，302门口堆满杂物"}).json["number"]
    workflow.resolve(Case.get(Case.number == number), Staff.get(Staff.username == "grid1"), "已清理")
    board = client.get("/api/mp/communities/bajiazhuang/resolved").json
    entry = board["items"][0]
    assert entry["number"] == number and "13812345678" not in entry["summary"] and "***" in entry["summary"]
    assert set(entry) == {"number", "category", "building", "summary", "resolved_at"}
    unit = Building.select().order_by(Building.id).first().units[0]
    contacts = client.get("/api/mp/units/%d/board" % unit.id).json["contacts"]
    assert {"role": "楼长", "name": "楼长老王", "phone": "13900000031"} in contacts
    assert client.get("/api/mp/categories").json[0]["name"] == "环境卫生"


def test_without_mini_program_credentials_a_report_is_still_filed(client, mp):
    # Found by the soak: a deployment with no MINIPROGRAM_APPID answered every filing with 500.
    from tests.support.settings import use_settings
    headers = mp("o-unconfigured")
    use_settings(MINIPROGRAM_APPID="", MINIPROGRAM_SECRET="")
    answer = client.post("/api/mp/reports", headers=headers, json={"description": "单元门禁坏了两天了"})
    assert answer.status_code == 201 and Case.select().count() == 1


def test_settings_name_the_subscribe_templates_in_use_and_null_for_those_unset(client):
    # The mini-program asks a resident to consent only to a template the backend sends with:
    # a hard-coded id would ask for consent to a message that never comes.
    from tests.support.settings import use_settings
    use_settings(MP_CASE_TEMPLATE_ID="tmpl-case", MP_COUPON_TEMPLATE_ID="")
    answer = client.get("/api/mp/settings")
    assert answer.status_code == 200
    assert answer.json == {"subscribe_templates": {"case": "tmpl-case", "coupon": None, "proposal": None,
                                                   "volunteer": None, "staff_case": None}}
    use_settings(MP_CASE_TEMPLATE_ID="", MP_COUPON_TEMPLATE_ID="tmpl-coupon", MP_PROPOSAL_TEMPLATE_ID="tmpl-prop",
                 MP_VOLUNTEER_TEMPLATE_ID="tmpl-vol", MP_STAFF_CASE_TEMPLATE_ID="tmpl-staff")
    assert client.get("/api/mp/settings").json["subscribe_templates"] == \
        {"case": None, "coupon": "tmpl-coupon", "proposal": "tmpl-prop", "volunteer": "tmpl-vol",
         "staff_case": "tmpl-staff"}
