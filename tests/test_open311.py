"""Open311 GeoReport v2 as a client sees it: the spec's paths, fields, formats and errors."""
import datetime
from xml.etree import ElementTree

import pytest

from community.demo import seed_demo
from models.reports import Report
from models.reports import ReportEvent
from models.people import Staff
from reports import workflow
from tests.conftest import use_settings

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
    case = Report.get(Report.number == number)
    assert (case.channel, case.category.code, case.location_x) == ("open311", "environment", 38.0512)
    internal = ReportEvent.get((ReportEvent.report == case) & (ReportEvent.public == False))  # noqa: E712
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
    assert Report.select().count() == 0


def test_errors_in_xml(client, city):
    answer = city(fmt="xml", api_key="wrong")
    root = ElementTree.fromstring(answer.data)
    assert answer.status_code == 403 and root.tag == "errors" and root.find("error/code").text == "403"


def test_get_requests_with_the_specs_filters(client, city):
    numbers = [city(service_code=code).json[0]["service_request_id"] for code in ("environment", "parking", "parking")]
    case = Report.get(Report.number == numbers[0])
    workflow.resolve(case, Staff.get(Staff.username == "tianbing"), "已清运")
    assert len(client.get("/open311/v2/requests.json").json) == 3
    closed = client.get("/open311/v2/requests.json?status=closed").json
    assert [r["service_request_id"] for r in closed] == [numbers[0]] and closed[0]["status_notes"].startswith("已办结")
    assert {r["service_request_id"] for r in client.get("/open311/v2/requests.json?service_code=parking").json} == set(numbers[1:])
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
