"""The JSON APIs' authorization matrix: every documented operation that needs a caller is tried
with no token and with each other kind's token (resident, staff, merchant): 401, and nothing in
the database changes. Staff operations that need a role are tried by a building leader: 403."""
import datetime

import pytest

from cases import intake
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from coupons import merchants
from models import ALL_MODELS
from models.coupons import Campaign
from models.db import utcnow
from models.merchants import Merchant
from models.people import Resident
from models.people import Staff

ROLE_GATED = ("/api/mp/staff/redcard/", "/api/mp/staff/rates")


@pytest.fixture
def callers(client, database, emulator):
    seed_demo()
    resident = client.post("/api/mp/login", json={"code": emulator.login_code("o-authz")}).json["token"]

    def staff(username):
        return client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD}).json["token"]
    merchant = Merchant.select().first()
    Merchant.update(status="active").where(Merchant.id == merchant.id).execute()
    _, code = merchants.add_staff(Staff.get(Staff.username == "tianbing"), merchant, "店主", "owner")
    owner = client.post("/api/mp/merchant/bind", json={"code": emulator.login_code("o-authz-owner"),
                                                       "binding_code": code}).json["token"]
    case = intake.submit(Resident.get(Resident.mp_openid == "o-authz"), "miniprogram", "楼道灯不亮了")
    campaign = Campaign.create(merchant=merchant, community=merchant.community_id, title="满20减5", kind="cash_off",
                               value_fen=500, threshold_fen=2000, total_stock=10, claim_starts_at=utcnow(),
                               claim_ends_at=utcnow() + datetime.timedelta(days=1), valid_days=7)
    values = {"number": case.number, "campaign_id": campaign.id, "merchant_id": merchant.id, "coupon_id": 1,
              "resident_id": Resident.get(Resident.mp_openid == "o-authz").id, "code": "0" * 17, "unit_id": 1,
              "notice_id": 1, "article_id": 1, "proposal_id": 1, "consultation_id": 1,
              "team_id": 1, "activity_id": 1, "call_id": 1, "item_id": 1, "round_id": 1, "task_id": 1,
              "action": None}
    return {"resident": resident, "staff": staff("tianbing"), "merchant": owner,
            "building_leader": staff("louzhang1")}, values


def _operations(client):
    for path, item in client.get("/api/mp/openapi.json").json["paths"].items():
        for method, operation in item.items():
            kind = next(iter(operation["security"][0])) if operation.get("security") else None
            actions = next((p["schema"]["enum"] for p in operation.get("parameters", [])
                            if p["name"] == "action" and "enum" in p["schema"]), [None])
            for action in actions:
                yield path, method, kind, action


def _url(path, values, action):
    for name, value in dict(values, action=action).items():
        path = path.replace("{%s}" % name, str(value))
    return path


def _fingerprint():
    return {m._meta.table_name: m.select().count() for m in ALL_MODELS if m._meta.table_name not in
            ("login_attempt", "rate_counter", "audit_entry", "access_token")}


@pytest.mark.slow
def test_every_operation_refuses_every_other_kind_of_caller(client, callers):
    tokens, values = callers
    tried = 0
    for path, method, kind, action in _operations(client):
        if kind is None:
            continue
        url = _url(path, values, action)
        for other in [None] + [k for k in ("resident", "staff", "merchant") if k != kind]:
            before = _fingerprint()
            headers = {"Authorization": "Bearer " + tokens[other]} if other else {}
            answer = getattr(client, method)(url, headers=headers, json={})
            assert answer.status_code == 401, (method, url, other, answer.status_code)
            assert _fingerprint() == before, (method, url, other)
            tried += 1
    assert tried >= 100


def test_staff_operations_that_need_a_role_refuse_a_building_leader(client, callers):
    tokens, values = callers
    headers = {"Authorization": "Bearer " + tokens["building_leader"]}
    tried = 0
    for path, method, kind, action in _operations(client):
        if kind != "staff" or not path.startswith(ROLE_GATED):
            continue
        before = _fingerprint()
        body = {"total_stock": 20, "name": "越权", "role": "clerk", "status": "suspended"}
        answer = getattr(client, method)(_url(path, values, action), headers=headers, json=body)
        assert answer.status_code == 403, (method, path, action, answer.status_code, answer.get_data(as_text=True))
        assert _fingerprint() == before and Campaign.get().state == "draft"
        tried += 1
    assert tried >= 12
