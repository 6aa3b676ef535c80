"""Hostile input from outside, over HTTP, on both databases: every one of these was a 500 (or was
stored as sent) and must be a clear 400 with nothing written."""
import pytest

from community.demo import seed_demo
from models.reports import ReportEvent
from models.reports import Report


@pytest.fixture
def town(client, database, emulator):
    seed_demo()

    class Town:
        def resident(self, openid="o-hostile"):
            answer = client.post("/api/mp/login", json={"code": emulator.login_code(openid)})
            return {"Authorization": "Bearer " + answer.json["token"]}

        def staff(self, username="tianbing"):
            from community.demo import DEMO_PASSWORD
            answer = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD})
            return {"Authorization": "Bearer " + answer.json["token"]}
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
    assert Report.select().count() == 0 and ReportEvent.select().count() == 0
