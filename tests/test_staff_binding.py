"""Staff bind their WeChat with a one-time code from the console, then sign in to the
mini-program with wx.login() alone; and their case actions are idempotent under retries."""
import datetime
import re

import pytest

from community import staff_binding
from community.demo import DEMO_PASSWORD
from community.demo import seed_second_community
from models.cases import Case
from models.cases import CaseEvent
from models.db import utcnow
from models.people import Staff
from models.staff_wechat import StaffBindingCode


@pytest.fixture
def desk(client, console):
    """(sign_in, code_for): code_for(path) posts a console form and reads the code it shows."""
    sign_in, csrf = console

    def code_for(path):
        answer = client.post(path, data={"csrf": csrf("/console/")})
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        assert answer.headers["Cache-Control"] == "no-store"
        return re.search(r'id="binding-code"[^>]*>([A-Z0-9]+)<', answer.get_data(as_text=True)).group(1)
    return sign_in, code_for


def _bind(client, emulator, openid, code):
    return client.post("/api/mp/staff/bind", json={"bind_code": code, "code": emulator.login_code(openid)})


def _wx_login(client, emulator, openid):
    return client.post("/api/mp/staff/wx-login", json={"code": emulator.login_code(openid)})


def test_a_grid_worker_binds_their_wechat_and_signs_in_with_it(client, emulator, desk):
    sign_in, code_for = desk
    sign_in("grid1")
    code = code_for("/console/me/wechat-code")
    # Only the hash is stored: a database leak gives no usable code.
    assert not StaffBindingCode.select().where(StaffBindingCode.code_hash == code).exists()
    # Unbound: wx-login says so, and gives no token.
    refused = _wx_login(client, emulator, "o-grid1-phone")
    assert refused.status_code == 401 and refused.json["error"]["code"] == "not_bound"
    bound = _bind(client, emulator, "o-grid1-phone", code.lower())       # typed in lower case: accepted
    assert bound.status_code == 200, bound.json
    assert bound.json["staff"]["name"] == "网格员一" and bound.json["staff"]["roles"] == ["grid_worker"]
    assert Staff.get(Staff.username == "grid1").mp_openid == "o-grid1-phone"
    # A later run of the mini-program: wx.login alone, and the token works on the staff API.
    token = _wx_login(client, emulator, "o-grid1-phone").json["token"]
    queue = client.get("/api/mp/staff/cases", headers={"Authorization": "Bearer " + token})
    assert queue.status_code == 200


def test_a_replayed_code_is_refused_and_binds_nothing_more(client, emulator, desk):
    # The attack: a code seen over a shoulder, sent again after its owner used it.
    sign_in, code_for = desk
    sign_in("grid1")
    code = code_for("/console/me/wechat-code")
    assert _bind(client, emulator, "o-owner", code).status_code == 200
    replay = _bind(client, emulator, "o-thief", code)
    assert replay.status_code == 410 and replay.json["error"]["code"] == "binding_code_used"
    assert Staff.get(Staff.username == "grid1").mp_openid == "o-owner"
    assert _wx_login(client, emulator, "o-thief").status_code == 401


def test_wrong_expired_and_superseded_codes_are_refused_plainly(client, emulator, desk):
    sign_in, code_for = desk
    sign_in("grid2")
    wrong = _bind(client, emulator, "o-guess", "ABCDEFGHJK")
    assert wrong.status_code == 400 and wrong.json["error"]["code"] == "bad_binding_code"
    old = code_for("/console/me/wechat-code")
    new = code_for("/console/me/wechat-code")                # a newer code voids the older one
    assert _bind(client, emulator, "o-grid2", old).json["error"]["code"] == "binding_code_expired"
    StaffBindingCode.update(expires_at=utcnow() - datetime.timedelta(seconds=1)).execute()
    late = _bind(client, emulator, "o-grid2", new)
    assert late.status_code == 410 and late.json["error"]["code"] == "binding_code_expired"
    assert Staff.get(Staff.username == "grid2").mp_openid is None


def test_guessing_codes_is_rate_limited_like_passwords(client, emulator, desk):
    sign_in, code_for = desk
    sign_in("grid1")
    code = code_for("/console/me/wechat-code")
    answers = [_bind(client, emulator, "o-guesser", "WRONG%05d" % n).status_code for n in range(6)]
    assert answers == [400] * 5 + [429]
    # The right code from that WeChat is refused too, until the window passes: guessing stops.
    assert _bind(client, emulator, "o-guesser", code).status_code == 429
    assert Staff.get(Staff.username == "grid1").mp_openid is None


def test_a_manager_issues_codes_only_for_their_own_communitys_staff(client, emulator, desk):
    sign_in, code_for = desk
    seed_second_community()
    sign_in("tianbing")                      # the demo community's secretary
    grid3 = Staff.get(Staff.username == "grid3")
    code = code_for("/console/staff/%d/wechat-code" % grid3.id)
    assert _bind(client, emulator, "o-grid3", code).json["staff"]["name"] == grid3.name
    # The mistake or probe: another community's grid worker, by id. Not found, no code made.
    other = Staff.get(Staff.username == "gx_grid1")
    csrf = re.search(r'name="csrf" value="([^"]+)"',
                              client.get("/console/").get_data(as_text=True)).group(1)
    answer = client.post("/console/staff/%d/wechat-code" % other.id, data={"csrf": csrf})
    assert answer.status_code == 404
    assert not StaffBindingCode.select().where(StaffBindingCode.staff == other).exists()


def test_a_grid_worker_cannot_issue_codes_for_a_colleague(client, desk):
    sign_in, _ = desk
    sign_in("grid1")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/").get_data(as_text=True)).group(1)
    grid2 = Staff.get(Staff.username == "grid2")
    assert client.post("/console/staff/%d/wechat-code" % grid2.id, data={"csrf": csrf}).status_code == 403
    with pytest.raises(staff_binding.BindingError) as refused:     # and the domain says so too
        staff_binding.issue_code(Staff.get(Staff.username == "grid1"), grid2.id, grid2.roles[0].community_id)
    assert refused.value.code == "not_a_manager"
    assert not StaffBindingCode.select().where(StaffBindingCode.staff == grid2).exists()


def test_one_wechat_is_bound_to_one_staff_member(client, emulator, desk):
    # A shared phone must not silently become another account: the second code is refused and kept.
    sign_in, code_for = desk
    sign_in("grid1")
    assert _bind(client, emulator, "o-shared", code_for("/console/me/wechat-code")).status_code == 200
    sign_in("grid2")
    code = code_for("/console/me/wechat-code")
    refused = _bind(client, emulator, "o-shared", code)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "wechat_bound_elsewhere"
    assert _bind(client, emulator, "o-grid2-own", code).status_code == 200      # the code still works


def test_a_disabled_member_cannot_sign_in_with_their_bound_wechat(client, emulator, desk):
    sign_in, code_for = desk
    sign_in("grid1")
    _bind(client, emulator, "o-leaver", code_for("/console/me/wechat-code"))
    Staff.update(active=False).where(Staff.username == "grid1").execute()
    assert _wx_login(client, emulator, "o-leaver").json["error"]["code"] == "not_bound"


def _filed(client, emulator, openid="o-retry"):
    token = client.post("/api/mp/login", json={"code": emulator.login_code(openid)}).json["token"]
    headers = {"Authorization": "Bearer " + token}
    from models.community import Building
    client.put("/api/mp/me/address", json={"building_id": Building.select().order_by(Building.id).first().id},
               headers=headers)
    return client.post("/api/mp/reports", headers=headers, json={"description": "楼道灯不亮了"}).json["number"]


def _staff(client, username):

    token = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD}).json["token"]
    return {"Authorization": "Bearer " + token}


def test_the_detail_lists_the_actions_the_workflow_allows_and_a_retry_does_not_act_twice(client, emulator, desk):
    number = _filed(client, emulator)
    grid1 = _staff(client, "grid1")
    detail = client.get("/api/mp/staff/cases/" + number, headers=grid1).json
    names = [a["name"] for a in detail["actions"]]
    assert names == ["accept", "note", "resolve", "transfer", "escalate", "reject", "merge"]
    assert "cadre1" not in str(detail["assignees"]) and detail["location"] is None
    escalate = next(a for a in detail["actions"] if a["name"] == "escalate")
    assert escalate["fields"] == [{"name": "reason", "kind": "line", "required": True, "hint": "需要上级协调的原因"}]
    # A weak connection: the escalation's answer is lost and the phone sends it again.
    retry = dict(grid1, **{"Idempotency-Key": "esc-1"})
    first = client.post("/api/mp/staff/cases/%s/escalate" % number, headers=retry, json={"reason": "需要协调"})
    again = client.post("/api/mp/staff/cases/%s/escalate" % number, headers=retry, json={"reason": "需要协调"})
    assert first.status_code == again.status_code == 200 and first.json["level"] == again.json["level"] == 2
    case = Case.get(Case.number == number)
    assert case.level == 2
    assert CaseEvent.select().where((CaseEvent.case == case) & (CaseEvent.kind == "escalated")).count() == 1
    # The same key for another action is a client's bug: said, nothing done.
    misuse = client.post("/api/mp/staff/cases/%s/note" % number, headers=retry, json={"text": "x"})
    assert misuse.status_code == 422 and misuse.json["error"]["code"] == "idempotency_key_reused"
    # Another worker moved the case meanwhile (the cadre accepted it): a tap on the old screen is
    # the plain 409, not a second acceptance.
    cadre = _staff(client, "cadre1")
    assert client.post("/api/mp/staff/cases/%s/accept" % number, headers=cadre, json={}).status_code == 200
    late = client.post("/api/mp/staff/cases/%s/accept" % number, headers=_staff(client, "cadre1"), json={})
    assert late.status_code == 409 and late.json["error"]["code"] == "state_changed"
    assert CaseEvent.select().where((CaseEvent.case == case) & (CaseEvent.kind == "accepted")).count() == 1


def test_binding_a_new_phone_ends_the_old_phones_tokens_and_nothing_else(client, emulator, desk):
    # The mistake: a lost phone kept its staff token for up to 7 days after the member bound a new
    # one, and with it the queue and residents' phone numbers.
    sign_in, code_for = desk
    sign_in("grid1")
    old = _bind(client, emulator, "o-old-phone", code_for("/console/me/wechat-code")).json["token"]
    by_password = client.post("/api/mp/staff/login", json={"username": "grid1", "password": DEMO_PASSWORD}).json
    assert _bind(client, emulator, "o-new-phone", code_for("/console/me/wechat-code")).status_code == 200
    refused = client.get("/api/mp/staff/cases", headers={"Authorization": "Bearer " + old})
    assert refused.status_code == 401 and refused.json["error"]["code"] == "bad_token"
    new = _wx_login(client, emulator, "o-new-phone").json["token"]
    for token in (new, by_password["token"]):          # the new phone, and a password sign-in, go on
        assert client.get("/api/mp/staff/cases", headers={"Authorization": "Bearer " + token}).status_code == 200
    assert client.get("/console/").status_code == 200   # the console session that made the code too
