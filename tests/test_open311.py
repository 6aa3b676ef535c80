"""Open311 GeoReport v2 as a client sees it: the spec's paths, fields, formats and errors."""
import datetime
import io
import json
from xml.etree import ElementTree

import pytest
from PIL import Image

from cases import intake
from cases import workflow
from community.demo import seed_demo
from community.demo import seed_second_community
from models.cases import Case
from models.cases import CaseEvent
from models.people import Resident
from models.people import Staff
from tests.support.settings import use_settings

KEY = "key-of-the-city-app"


@pytest.fixture
def city(client, database):
    seed_demo()
    use_settings(OPEN311_API_KEYS=KEY)

    def post(fmt="json", **fields):
        form = dict({"api_key": KEY, "service_code": "environment", "lat": "38.0512", "long": "114.5213",
                     "description": "垃圾箱满了，联系13812345678"}, **fields)
        return client.post("/open311/v2/requests." + fmt, data={k: v for k, v in form.items() if v is not None})

    return post


def test_services_in_json_and_xml(client, city):
    services = client.get("/open311/v2/services.json").json
    assert {"service_code": "environment", "service_name": "环境卫生", "description": "环境卫生",
            "metadata": False, "type": "realtime", "keywords": "", "group": "社区服务"} in services
    xml = ElementTree.fromstring(client.get("/open311/v2/services.xml").data)
    assert xml.tag == "services" and xml.find("service/service_code").text == "environment"
    assert xml.find("service/metadata").text == "false"
    definition = client.get("/open311/v2/services/elevator.json").json
    assert definition == {"service_code": "elevator", "attributes": []}


def test_post_request_files_a_case_without_exposing_the_contact(client, city):
    answer = city(email="resident@example.com", phone="13900001111", media_url="https://img.example/1.jpg")
    assert answer.status_code == 201
    number = answer.json[0]["service_request_id"]
    case = Case.get(Case.number == number)
    assert (case.channel, case.category.code, case.location_x) == ("open311", "environment", 38.0512)
    internal = CaseEvent.get((CaseEvent.case == case) & (CaseEvent.public == False))  # noqa: E712
    assert "resident@example.com" in internal.note
    public = client.get("/open311/v2/requests/%s.json" % number).json[0]
    assert "resident@example.com" not in str(public) and "13812345678" not in public["description"]
    assert public["media_url"] == "https://img.example/1.jpg"
    assert public["status"] == "open" and public["agency_responsible"] == "网格员"
    assert public["requested_datetime"].endswith("+08:00")
    expected = datetime.datetime.fromisoformat(public["expected_datetime"])
    requested = datetime.datetime.fromisoformat(public["requested_datetime"])
    assert expected - requested == datetime.timedelta(hours=24)       # level 1 resolution deadline


@pytest.mark.parametrize("fields, status, code", [
    ({"api_key": None}, 403, "403"),                       # an app without a key
    ({"api_key": "stolen-or-made-up"}, 403, "403"),
    ({"service_code": None}, 400, "400"),
    ({"service_code": "teleport"}, 404, "404"),
    ({"lat": None, "long": None}, 400, "400"),
    ({"lat": "north"}, 400, "400"),
])
def test_bad_posts_get_the_specs_error_body(city, fields, status, code):
    answer = city(**fields)
    assert answer.status_code == status
    assert answer.json[0]["code"] == code and answer.json[0]["description"]
    assert Case.select().count() == 0


def test_errors_in_xml(client, city):
    answer = city(fmt="xml", api_key="wrong")
    root = ElementTree.fromstring(answer.data)
    assert answer.status_code == 403 and root.tag == "errors" and root.find("error/code").text == "403"


def test_get_requests_with_the_specs_filters(client, city):
    numbers = [city(service_code=code).json[0]["service_request_id"] for code in ("environment", "parking", "parking")]
    case = Case.get(Case.number == numbers[0])
    workflow.resolve(case, Staff.get(Staff.username == "tianbing"), "已清运")
    assert len(client.get("/open311/v2/requests.json").json) == 3
    closed = client.get("/open311/v2/requests.json?status=closed").json
    assert [r["service_request_id"] for r in closed] == [numbers[0]] and closed[0]["status_notes"].startswith("已办结")
    parking = client.get("/open311/v2/requests.json?service_code=parking").json
    assert {r["service_request_id"] for r in parking} == set(numbers[1:])
    by_id = client.get("/open311/v2/requests.json?service_request_id=%s,%s" % (numbers[0], numbers[2])).json
    assert {r["service_request_id"] for r in by_id} == {numbers[0], numbers[2]}
    future = (datetime.datetime.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert client.get("/open311/v2/requests.json", query_string={"start_date": future}).json == []
    assert client.get("/open311/v2/requests.json?start_date=" + future).json == []    # "+" unencoded
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    xml = ElementTree.fromstring(client.get("/open311/v2/requests/%s.xml" % numbers[1]).data)
    assert xml.tag == "service_requests" and xml.find("request/service_code").text == "parking"


def test_unknown_request_and_token(client, city):
    assert client.get("/open311/v2/requests/R0000000000.json").status_code == 404
    number = city().json[0]["service_request_id"]
    assert client.get("/open311/v2/tokens/%s.json" % number).json == [{"service_request_id": number, "token": number}]


# -- hostile input ----------------------------------------------------------------------------
@pytest.mark.parametrize("edge", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                  "0001-01-01T03:00:00"])          # no offset: Asia/Shanghai, before year 1 in UTC
def test_iso_times_at_the_calendars_edges_are_a_400(client, city, edge):
    # Valid ISO 8601 whose UTC falls off the calendar: an OverflowError, answered 500.
    for name in ("start_date", "end_date"):
        answer = client.get("/open311/v2/requests.json", query_string={name: edge})
        assert answer.status_code == 400 and answer.json[0]["code"] == "400", (name, edge)
        assert name in answer.json[0]["description"]


@pytest.mark.parametrize("lat, long", [("NaN", "114.52"), ("38.05", "nan"), ("Infinity", "114.52"),
                                       ("38.05", "-inf"), ("1e999", "114.52"), ("1000", "114.52"),
                                       ("38.05", "1000"), ("-90.5", "114.52"), ("38.05", "180.01")])
def test_coordinates_must_be_finite_and_in_range(client, city, lat, long):
    # NaN, infinities and 1000° were filed (201), and the list then was not valid JSON.
    answer = city(lat=lat, long=long)
    assert answer.status_code == 400 and answer.json[0]["code"] == "400"
    assert Case.select().count() == 0
    assert _strict_json(client.get("/open311/v2/requests.json")) == []


def test_a_point_far_from_every_community_is_refused_and_a_near_one_files_there(client, city):
    # A real place, but a thousand kilometres away: nobody here can act on it.
    shanghai = city(lat="31.2304", long="121.4737")
    assert shanghai.status_code == 400 and Case.select().count() == 0
    seed_second_community()                                  # now Beijing's 光熙门北里北 is served
    number = city(lat="39.9671", long="116.4349").json[0]["service_request_id"]
    assert Case.get(Case.number == number).community.code == "guangximen"
    number = city().json[0]["service_request_id"]
    assert Case.get(Case.number == number).community.code == "bajiazhuang"
    use_settings(OPEN311_API_KEYS=KEY, OPEN311_RADIUS_M="100")
    assert city(lat="39.9800", long="116.4360").status_code == 400     # 1.3 km out, beyond 100 m


def test_a_stored_nan_still_gives_valid_json(client, city):
    # A row stored before the check: the list must stay readable by any JSON parser.
    number = city().json[0]["service_request_id"]
    Case.update(location_x=float("nan"), location_y=float("inf")).where(Case.number == number).execute()
    row = _strict_json(client.get("/open311/v2/requests.json"))[0]
    assert (row["lat"], row["long"]) == (None, None)


def _strict_json(answer):
    def refuse(constant):
        raise ValueError("not JSON: %s" % constant)
    return json.loads(answer.get_data(as_text=True), parse_constant=refuse)


# -- what is published of a resident's own report (PIPL) -----------------------------------------
@pytest.fixture
def residents_report(city):
    resident = Resident.get(Resident.oa_openid == "demo-oa-1")        # 丰泽园小区 1号楼
    case = intake.submit(resident, "miniprogram", "楼道灯坏了", photo=("", "/media/2026/11/home.jpg"),
                         location=(38.051234, 114.521987, "丰泽园1号楼1单元301室门口"))
    oa_case = intake.submit(resident, "official_account", "门口有积水", photo=("mid-1", "http://mmbiz/x.jpg"),
                            location=(38.049876, 114.523456, "河北省石家庄市长安区丰收路12号"))
    return case, oa_case


def test_a_residents_own_report_shows_only_a_coarse_place_and_no_photo(client, residents_report):
    # Open311 handed anyone the exact point and photo of a case the mini-program hides from
    # other residents: where someone lives or stood is personal information (PIPL).
    case, oa_case = residents_report
    public = client.get("/open311/v2/requests/%s.json" % case.number).json[0]
    assert (public["lat"], public["long"]) == (38.051, 114.522)         # about 100 m
    assert public["address"] == "丰泽园小区 1号楼" and public["media_url"] == ""
    listed = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").json}
    assert (listed[oa_case.number]["lat"], listed[oa_case.number]["long"]) == (38.05, 114.523)
    assert "丰收路12号" not in str(listed) and "301" not in str(listed) and "x.jpg" not in str(listed)
    xml = client.get("/open311/v2/requests/%s.xml" % oa_case.number).get_data(as_text=True)
    assert "38.049876" not in xml and "丰收路12号" not in xml and "x.jpg" not in xml


def test_the_exact_view_needs_a_read_key(client, residents_report):
    case, _ = residents_report
    use_settings(OPEN311_API_KEYS=KEY, OPEN311_READ_KEYS="key-of-the-grid-centre")
    url = "/open311/v2/requests/%s.json" % case.number
    exact = client.get(url, query_string={"api_key": "key-of-the-grid-centre"}).json[0]
    # (PostgreSQL keeps a FloatField as `real`: about 7 significant digits, a few centimetres here.)
    assert (exact["lat"], exact["long"]) == (pytest.approx(38.051234, abs=1e-5), pytest.approx(114.521987, abs=1e-5))
    assert exact["media_url"] == "/media/2026/11/home.jpg"
    assert exact["address"] == "丰泽园1号楼1单元301室门口"
    listed = client.get("/open311/v2/requests.json", query_string={"api_key": "key-of-the-grid-centre"}).json
    assert sorted(r["lat"] for r in listed) == [pytest.approx(38.049876, abs=1e-5), pytest.approx(38.051234, abs=1e-5)]
    assert client.get(url, query_string={"api_key": KEY}).json[0]["lat"] == 38.051       # a filing key reads coarse
    refused = client.get(url, query_string={"api_key": "guessed"})
    assert refused.status_code == 403 and refused.json[0]["code"] == "403"


def test_a_photo_is_published_only_with_the_residents_consent(client, mp_city):
    login = mp_city
    for openid, consent in (("o-consents", True), ("o-declines", None)):
        headers = login(openid)
        upload = client.post("/api/mp/uploads", headers=headers,
                             data={"file": (io.BytesIO(_jpeg()), "p.jpg")}).json["id"]
        body = {"description": "楼下路灯坏了好几天", "photo_ids": [upload]}
        if consent is not None:
            body["publish_photos"] = consent
        number = client.post("/api/mp/reports", headers=headers, json=body).json["number"]
        public = client.get("/open311/v2/requests/%s.json" % number).json[0]
        assert bool(public["media_url"]) is bool(consent), openid
        assert Case.get(Case.number == number).photos_public is bool(consent)


@pytest.fixture
def mp_city(client, city, emulator):
    def login(openid):
        token = client.post("/api/mp/login", json={"code": emulator.login_code(openid)}).json["token"]
        return {"Authorization": "Bearer " + token}
    return login


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(buffer, "JPEG")
    return buffer.getvalue()
