"""The mini-program, merchant and staff JSON APIs against their OpenAPI document, by
schemathesis: generated requests (valid and not) with each caller's real token, a bounded
number per operation. No answer may be a 500, use an undocumented status, or break its schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.checks import response_schema_conformance
from schemathesis.checks import status_code_conformance

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from coupons import merchants

EXAMPLES = 10                     # per operation and stack: bounded, so CI stays short


@pytest.fixture
def api_schema(app, database, emulator):
    seed_demo()
    return schemathesis.openapi.from_wsgi("/api/mp/openapi.json", app)


@pytest.fixture
def tokens(client, emulator):
    resident = client.post("/api/mp/login", json={"code": emulator.login_code("o-contract")}).json["token"]
    staff = client.post("/api/mp/staff/login", json={"username": "tianbing", "password": DEMO_PASSWORD}).json["token"]
    from models.merchants import Merchant
    from models.people import Staff
    person, code = merchants.add_staff(Staff.get(Staff.username == "tianbing"), Merchant.select().first(),
                                       "店主", "owner")
    merchant = client.post("/api/mp/merchant/bind", json={"code": emulator.login_code("o-contract-owner"),
                                                          "binding_code": code}).json["token"]
    return {"resident": resident, "staff": staff, "merchant": merchant}


def _checker(operation, headers):
    """Generated requests for one operation, sent with the caller's token, each answer checked."""
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers, checks=[not_a_server_error, status_code_conformance,
                                                        response_schema_conformance])
    return check


@pytest.mark.slow
def test_the_api_keeps_its_contract(api_schema, tokens):
    # Driven by hand rather than by schemathesis' pytest plugin, which does not run on pytest 9.
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        security = operation.definition.raw.get("security") or []
        kind = next(iter(security[0]), None) if security else None
        headers = {"Authorization": "Bearer " + tokens[kind]} if kind else {}

        try:
            _checker(operation, headers)()
        except Exception as exc:                 # every operation is tried; all failures are shown
            failures.append("%s %s:\n%s" % (operation.method.upper(), operation.path, str(exc)[:1500]))
    assert operations >= 40
    assert not failures, "\n\n".join(failures)
