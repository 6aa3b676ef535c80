"""Two communities, and the whole role matrix across them: every staff member
of 光熙门北里北 tries 八家庄's cases, messages, articles, comments, staff, merchants, campaigns and
coupons through the console's pages and the staff and merchant APIs (lists, details, actions,
exports). Each try is refused (403 or 404) or shows nothing of 八家庄, and nothing changes."""
import datetime
import uuid

import pytest

from cases import intake
from community.demo import DEMO_PASSWORD
from community.demo import seed_second_community
from coupons import claims
from coupons import merchants
from models.cases import Case
from models.community import Building
from models.community import Community
from models.community import Grid
from models.content import ArticleDailyStat
from models.coupons import Campaign
from models.coupons import Coupon
from models.merchants import Merchant
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff
from tests import test_console

SECOND_STAFF = ("gx_shuji", "gx_admin", "gx_editor", "gx_wuye", "gx_jiedao", "gx_cadre", "gx_grid1", "gx_grid2",
                "gx_louzhang")
# What 八家庄's data looks like on a page: none of it may show to 光熙门北里北's staff.
SECRETS = ("楼道灯坏了", "门口垃圾没人清", "停水通知", "停电通知", "谢谢社区", "八家庄便民超市", "满20减5", "第一网格",
           "网格员一", "田冰", "老住户", "丰泽园", "待确认的住户")
# Actions of test_console._actions that act on 八家庄's objects (the rest create a community's own).
DRAFT = {"title": "越界活动", "kind": "cash_off", "value_fen": 100, "total_stock": 5,
         "claim_starts_at": "2026-12-01T09:00:00+08:00", "claim_ends_at": "2026-12-31T21:00:00+08:00", "valid_days": 7}
AIMED = ("case ", "inbox ", "article edit", "article sync", "article publish", "comment ", "staff phone",
         "merchant staff", "campaign ")


@pytest.fixture
def two(client, database, emulator, console):
    seed_second_community()
    world = test_console._world(Staff.get(Staff.username == "editor"))       # all in 八家庄
    emulator.state.comment_open.add((9001, 0))
    emulator.state.comments[(9001, 0)] = [{"user_comment_id": 1, "openid": "o-console", "content": "谢谢社区",
                                           "create_time": 1, "comment_type": 1, "deleted": False}]
    Campaign.update(state="live").where(Campaign.id == world["campaign"].id).execute()
    coupon, _ = claims.claim(world["campaign"].id, Resident.get(Resident.oa_openid == "demo-oa-1"))
    ArticleDailyStat.create(ref_date=datetime.date(2026, 11, 20), msgid="9001_1", title="停电通知", reads=90)
    pending = Resident.create(oa_openid="o-pending", nickname="待确认的住户", community=world["building"].community_id,
                              building=world["building"], address_state="pending")
    Resident.update(phone="13700000001").where(Resident.oa_openid == "o-console").execute()
    second = Community.get(Community.code == "guangximen")
    own = intake.submit(Resident.get(Resident.oa_openid == "demo-gx-1"), "miniprogram", "北里路灯不亮")
    world.update(coupon=coupon, pending=pending, second=second, own=own,
                 grid=Grid.get((Grid.community == world["building"].community_id) & (Grid.code == "G1")))
    return world


def _fingerprint():
    return (test_console._fingerprint(),
            [(c.id, c.state, c.resident_id) for c in Coupon.select().order_by(Coupon.id)],
            [(r.id, r.address_state) for r in Resident.select().order_by(Resident.id)],
            [(m.id, m.status) for m in Merchant.select().order_by(Merchant.id)],
            [(c.id, c.total_stock) for c in Campaign.select().order_by(Campaign.id)],
            RoleAssignment.select().count())


def _leaks(body):
    return [s for s in SECRETS if s in body]


@pytest.mark.parametrize("username", SECOND_STAFF)
@pytest.mark.slow
def test_the_console_shows_and_lets_do_nothing_of_another_community(client, console, two, username):
    sign_in, csrf = console
    assert sign_in(username).status_code == 303
    for page in ("/console/", "/console/cases", "/console/cases?state=submitted", "/console/cases/new",
                 "/console/inbox", "/console/articles", "/console/articles/new", "/console/comments",
                 "/console/comments?state=held", "/console/community", "/console/community/qrcodes",
                 "/console/redcard"):
        answer = client.get(page)
        assert answer.status_code in (200, 403), (username, page, answer.status_code)
        assert not _leaks(answer.get_data(as_text=True)), (username, page, _leaks(answer.get_data(as_text=True)))
    for page in ("/console/cases/" + two["case"].number, "/console/articles/%d" % two["article"].id,
                 "/console/redcard/campaigns/%d" % two["campaign"].id,
                 "/console/community/qrcodes/%d.png" % two["building"].id):
        assert client.get(page).status_code in (403, 404), (username, page)
    token = csrf("/console/")
    tried = 0
    aimed = [a for a in test_console._actions(two) if a[0].startswith(AIMED)] + [
        ("notice to their grid", "/console/notices", {"text": "停水", "target": "grid:%d" % two["grid"].id,
                                                        "key": uuid.uuid4().hex},
         None),
        ("notice to their building", "/console/notices", {"text": "停水", "target": "building:%d" % two["building"].id,
                                                            "key": uuid.uuid4().hex},
         None),
        ("merge ours into theirs", "/console/cases/%s/merge" % two["own"].number, {"into": two["case"].number,
                                                                                  "reason": "重复"}, None)]
    for name, path, form, _ in aimed:
        before = _fingerprint()
        answer = client.post(path, data=dict(form, csrf=token))
        assert answer.status_code in (403, 404), (username, name, answer.status_code)
        assert _fingerprint() == before, (username, name)
        tried += 1
    assert tried >= 20
    if "grid_worker" in {r.role for r in Staff.get(Staff.username == username).roles}:
        # A walk-in by phone: the caller's number is an 八家庄 resident's, who must not be linked
        # (their name would show on 光熙门北里北's case, and they would hear of it).
        answer = client.post("/console/cases/new", data={"description": "来电反映路灯", "phone": "13700000001",
                                                          "csrf": token})
        case = Case.select().order_by(Case.id.desc()).first()
        assert answer.status_code == 303 and case.reporter.community_id == two["second"].id
        assert not _leaks(client.get("/console/cases/" + case.number).get_data(as_text=True))


def test_a_secretary_sees_their_own_community_in_the_console(client, console, two):
    # The control: the pages above are not empty for everyone, they are empty of the other.
    sign_in, _ = console
    sign_in("gx_shuji")
    assert "北里路灯不亮" in client.get("/console/cases").get_data(as_text=True)
    assert "北里早点铺" in client.get("/console/redcard").get_data(as_text=True)
    assert "北里一网格" in client.get("/console/community").get_data(as_text=True)


@pytest.mark.parametrize("username", SECOND_STAFF)
@pytest.mark.slow
def test_the_staff_api_shows_and_lets_do_nothing_of_another_community(client, two, username):
    login = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD})
    headers = {"Authorization": "Bearer " + login.json["token"]}
    number, campaign_id, merchant_id = two["case"].number, two["campaign"].id, two["merchant"].id
    for path in ("/api/mp/staff/cases", "/api/mp/staff/cases?state=submitted", "/api/mp/staff/rates",
                 "/api/mp/staff/rates.csv", "/api/mp/staff/redcard/merchants", "/api/mp/staff/redcard/campaigns",
                 "/api/mp/staff/redcard/totals", "/api/mp/staff/redcard/totals.csv"):
        answer = client.get(path, headers=headers)
        body = answer.get_data(as_text=True)
        assert answer.status_code in (200, 403), (username, path, answer.status_code)
        assert number not in body and not _leaks(body), (username, path)
    assert client.get("/api/mp/staff/cases/" + number, headers=headers).status_code in (403, 404)
    assert client.get("/api/mp/staff/redcard/campaigns/%d/stats" % campaign_id,
                      headers=headers).status_code in (403, 404)
    staff_of_theirs = Staff.get(Staff.username == "cadre1").id
    ours = Merchant.get(Merchant.name == "北里早点铺").id
    tries = [("post", "/api/mp/staff/cases/%s/%s" % (number, action), body) for action, body in (
        ("accept", {"note": "收到"}), ("start", {}), ("notes", {"text": "看看"}),
        ("transfer", {"to_staff_id": staff_of_theirs, "reason": "换人"}), ("escalate", {"reason": "升级"}),
        ("resolve", {"note": "已修好"}), ("reject", {"reason": "不管"}), ("merge", {"into": two["other"].number}))]
    tries += [("post", "/api/mp/staff/cases/%s/merge" % two["own"].number, {"into": number, "reason": "重复"}),
              ("post", "/api/mp/staff/residents/%d/address" % two["pending"].id, {"approve": True}),
              ("put", "/api/mp/staff/redcard/merchants/%d/status" % merchant_id, {"status": "suspended"}),
              ("post", "/api/mp/staff/redcard/merchants/%d/staff" % merchant_id, {"name": "内鬼", "role": "clerk"}),
              ("post", "/api/mp/staff/redcard/campaigns", {"merchant_id": merchant_id, "title": "越界活动",
                                                           "kind": "cash_off", "value_fen": 100}),
              ("put", "/api/mp/staff/redcard/campaigns/%d/stock" % campaign_id, {"total_stock": 99}),
              # A draft for one's own merchant, aimed at the other community's grid or building.
              ("post", "/api/mp/staff/redcard/campaigns", dict(DRAFT, merchant_id=ours, grid_ids=[two["grid"].id])),
              ("post", "/api/mp/staff/redcard/campaigns", dict(DRAFT, merchant_id=ours,
                                                               building_ids=[two["building"].id]))]
    tries += [("post", "/api/mp/staff/redcard/campaigns/%d/%s" % (campaign_id, action), {})
              for action in ("approve", "launch", "pause", "resume", "end")]
    for method, path, body in tries:
        before = _fingerprint()
        answer = getattr(client, method)(path, headers=headers, json=body)
        # An audience outside one's community is refused as an unknown grid or building is (422).
        refusals = (403, 404, 422) if "grid_ids" in body or "building_ids" in body else (403, 404)
        assert answer.status_code in refusals, (username, method, path, answer.status_code)
        assert _fingerprint() == before, (username, path)


def test_a_merchant_and_a_resident_of_one_community_reach_nothing_of_another(client, two, emulator):
    merchant = Merchant.get(Merchant.name == "北里早点铺")
    _, code = merchants.add_staff(Staff.get(Staff.username == "gx_shuji"), merchant, "店主", "owner")
    token = client.post("/api/mp/merchant/bind", json={"code": emulator.login_code("o-gx-owner"),
                                                       "binding_code": code}).json["token"]
    headers = {"Authorization": "Bearer " + token}
    campaign_id, coupon = two["campaign"].id, two["coupon"]
    for path in ("/api/mp/merchant/campaigns", "/api/mp/merchant/redemptions"):
        assert not _leaks(client.get(path, headers=headers).get_data(as_text=True))
    for path in ("/api/mp/merchant/campaigns/%d/stats" % campaign_id,
                 "/api/mp/merchant/campaigns/%d/stats.csv" % campaign_id):
        assert client.get(path, headers=headers).status_code == 404
    for method, path, body in (("post", "/api/mp/merchant/campaigns/%d/pause" % campaign_id, {}),
                               ("put", "/api/mp/merchant/campaigns/%d/stock" % campaign_id, {"total_stock": 99}),
                               ("post", "/api/mp/merchant/redeem", {"code": coupon.code, "order_fen": 3000}),
                               ("post", "/api/mp/merchant/campaigns", dict(DRAFT, grid_ids=[two["grid"].id])),
                               ("post", "/api/mp/merchant/campaigns", dict(DRAFT, building_ids=[two["building"].id])),
                               ("post", "/api/mp/merchant/coupons/%s/reverse" % coupon.code, {"reason": "退"})):
        before = _fingerprint()
        answer = getattr(client, method)(path, headers=headers, json=body)
        assert 400 <= answer.status_code < 500 and answer.status_code != 401, (path, answer.status_code)
        assert _fingerprint() == before, path
    # A resident of 光熙门北里北 (address confirmed there) neither claims 八家庄's coupons nor follows its cases.
    resident = client.post("/api/mp/login", json={"code": emulator.login_code("o-gx-resident")}).json["token"]
    people = {"Authorization": "Bearer " + resident}
    building = Building.select().where(Building.community == two["second"]).first()
    client.put("/api/mp/me/address", json={"building_id": building.id}, headers=people)
    Resident.update(address_state="confirmed").where(Resident.mp_openid == "o-gx-resident").execute()
    assert all(c["id"] != campaign_id for c in client.get("/api/mp/campaigns", headers=people).json["items"])
    before = _fingerprint()
    assert client.post("/api/mp/campaigns/%d/claim" % campaign_id, headers=people).status_code in (403, 404, 409)
    assert client.post("/api/mp/reports/%s/follow" % two["case"].number, headers=people).status_code == 404
    assert client.get("/api/mp/reports/" + two["case"].number, headers=people).status_code == 404
    assert _fingerprint() == before and Case.get_by_id(two["case"].id).state == "submitted"
