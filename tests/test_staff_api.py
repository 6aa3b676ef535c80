"""/api/mp/staff through HTTP, and the whole story of a case across residents and staff."""
import datetime
import io

import pytest
from PIL import Image

from cases import workflow
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.cases import Case
from models.community import Building
from models.db import utcnow
from models.people import Resident
from models.people import Staff


@pytest.fixture
def town(client, database, emulator):
    seed_demo()

    def staff(username):
        answer = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD})
        assert answer.status_code == 200, answer.json
        return {"Authorization": "Bearer " + answer.json["token"]}

    def resident(openid):
        answer = client.post("/api/mp/login", json={"code": emulator.login_code(openid)})
        headers = {"Authorization": "Bearer " + answer.json["token"]}
        building = Building.select().order_by(Building.id).first()            # grid G1
        client.put("/api/mp/me/address", json={"building_id": building.id}, headers=headers)
        return headers

    return staff, resident


def _photo():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_whole_story_of_a_case(client, town):
    staff, resident = town
    lu = resident("o-story-lu")
    photo = client.post("/api/mp/uploads", headers=lu, data={"file": (io.BytesIO(_photo()), "p.png")}).json
    number = client.post("/api/mp/reports", headers=dict(lu, **{"Idempotency-Key": "k1"}),
                         json={"description": "11号楼灭火器玻璃碎了", "photo_ids": [photo["id"]]}).json["number"]
    grid1 = staff("grid1")
    queue = client.get("/api/mp/staff/cases", headers=grid1).json
    assert [c["number"] for c in queue["items"]] == [number]
    assert client.post("/api/mp/staff/cases/%s/accept" % number, headers=grid1,
                       json={"note": "收到，马上安排处理"}).json["state"] == "accepted"
    # Nobody resolves it in time: its day passes, and the sweep finds it.
    Case.update(resolve_due_at=utcnow() - datetime.timedelta(minutes=1)).where(Case.number == number).execute()
    assert workflow.sweep_overdue() == [number]
    assert client.get("/api/mp/staff/cases/" + number, headers=grid1).json["can_act"] is False
    cadre = staff("cadre1")
    client.post("/api/mp/staff/cases/%s/escalate" % number, headers=cadre, json={"reason": "需要协调消防维保单位"})
    secretary = staff("tianbing")
    detail = client.get("/api/mp/staff/cases/" + number, headers=secretary).json
    assert detail["level"] == 3 and detail["can_act"] and detail["reporter"]["id"]
    client.post("/api/mp/staff/cases/%s/notes" % number, headers=secretary,
                json={"text": "已联系维保公司，明早更换", "public": False})
    resolved = client.post("/api/mp/staff/cases/%s/resolve" % number, headers=secretary,
                           json={"note": "玻璃已更换，灭火器检查合格"})
    assert resolved.json["state"] == "resolved"
    mine = client.get("/api/mp/reports/" + number, headers=lu).json
    assert "维保公司" not in str(mine["timeline"])            # internal notes stay internal
    assert [t["kind"] for t in mine["timeline"]][-1] == "resolved"
    assert client.post("/api/mp/reports/%s/rating" % number, headers=lu,
                       json={"score": 5, "comment": "及时"}).status_code == 200
    assert Case.get(Case.number == number).rating == 5


def test_a_grid_worker_outside_the_grid_gets_403_and_nothing_changes(client, town):
    staff, resident = town
    number = client.post("/api/mp/reports", headers=resident("o-g1"),
                         json={"description": "楼下路灯不亮了"}).json["number"]
    grid2 = staff("grid2")
    assert client.get("/api/mp/staff/cases/" + number, headers=grid2).status_code == 403
    answer = client.post("/api/mp/staff/cases/%s/accept" % number, headers=grid2, json={})
    assert answer.status_code == 403
    assert Case.get(Case.number == number).state == "submitted"
    assert client.get("/api/mp/staff/cases", headers=grid2).json["items"] == []


def test_staff_login_refuses_a_wrong_password_like_an_unknown_name(client, town):
    wrong = client.post("/api/mp/staff/login", json={"username": "grid1", "password": "guess"})
    unknown = client.post("/api/mp/staff/login", json={"username": "nobody", "password": "guess"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json                           # names cannot be probed


def test_a_resident_token_is_not_a_staff_token(client, town):
    # The same server key signs both: the salts keep them apart.
    _, resident = town
    assert client.get("/api/mp/staff/cases", headers=resident("o-sneaky")).status_code == 401


def test_queue_filters(client, town):
    staff, resident = town
    numbers = [client.post("/api/mp/reports", headers=resident("o-q%d" % n),
                           json={"description": "第%d个问题需要处理" % n}).json["number"] for n in range(3)]
    Case.update(level=2).where(Case.number == numbers[0]).execute()
    Case.update(resolve_due_at=datetime.datetime(2020, 1, 1)).where(Case.number == numbers[1]).execute()
    secretary = staff("tianbing")
    level2 = client.get("/api/mp/staff/cases?level=2", headers=secretary).json["items"]
    assert [c["number"] for c in level2] == [numbers[0]]
    overdue = client.get("/api/mp/staff/cases?overdue=1", headers=secretary).json["items"]
    assert [c["number"] for c in overdue] == [numbers[1]]
    assert client.get("/api/mp/staff/cases?level=x", headers=secretary).status_code == 400


def test_transfer_reject_and_merge_through_the_api(client, town):
    staff, resident = town
    first = client.post("/api/mp/reports", headers=resident("o-m1"),
                        json={"description": "消防通道被占用"}).json["number"]
    second = client.post("/api/mp/reports", headers=resident("o-m2"),
                         json={"description": "消防通道停了车"}).json["number"]
    third = client.post("/api/mp/reports", headers=resident("o-m3"),
                        json={"description": "想咨询养老政策"}).json["number"]
    grid1 = staff("grid1")
    merged = client.post("/api/mp/staff/cases/%s/merge" % second, headers=grid1, json={"into": first})
    assert merged.json["state"] == "duplicate"
    assert client.post("/api/mp/staff/cases/%s/reject" % third, headers=grid1, json={}).status_code == 422
    assert client.post("/api/mp/staff/cases/%s/reject" % third, headers=grid1,
                       json={"reason": "请到街道政务服务中心咨询"}).json["state"] == "rejected"
    # The property office has no case role: it cannot be made the assignee.
    refused = client.post("/api/mp/staff/cases/%s/transfer" % first, headers=grid1,
                          json={"to_staff_id": Staff.get(Staff.username == "wuye").id, "reason": "属于物业管理范围"})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "bad_assignee"
    target = Staff.get(Staff.username == "cadre1")
    moved = client.post("/api/mp/staff/cases/%s/transfer" % first, headers=grid1,
                        json={"to_staff_id": target.id, "reason": "片区统一协调"})
    assert moved.status_code == 200 and Case.get(Case.number == first).assignee_id == target.id
    assert client.post("/api/mp/staff/cases/%s/fly" % first, headers=grid1, json={}).status_code == 404


def test_building_leader_confirms_an_address_through_the_api(client, town):
    staff, resident = town
    resident("o-addr-api")
    who = Resident.get(Resident.mp_openid == "o-addr-api")
    leader = staff("louzhang2")                                 # leader of another building
    assert client.post("/api/mp/staff/residents/%d/address" % who.id, headers=leader, json={}).status_code == 403
    answer = client.post("/api/mp/staff/residents/%d/address" % who.id, headers=staff("louzhang1"), json={})
    assert answer.status_code == 200 and answer.json["address"]["state"] == "confirmed"


def test_the_queue_pages_by_cursor_through_ties_without_losing_or_repeating_a_case(client, town):
    staff, resident = town
    headers = resident("o-pager")
    numbers = [client.post("/api/mp/reports", headers=headers,
                           json={"description": "第%d处墙皮脱落" % n}).json["number"] for n in range(7)]
    # Three share one deadline: the page boundary falls inside the tie.
    same = datetime.datetime(2030, 1, 1)
    Case.update(resolve_due_at=same).where(Case.number.in_(numbers[2:5])).execute()
    grid1, seen, after, pages = staff("grid1"), [], "", 0
    while True:
        answer = client.get("/api/mp/staff/cases?size=2&after=" + after, headers=grid1)
        assert answer.status_code == 200, answer.json
        seen += [c["number"] for c in answer.json["items"]]
        pages += 1
        if answer.json["next"] is None:
            break
        after = answer.json["next"]
    expected = [c.number for c in Case.select().where(Case.number.in_(numbers))
                .order_by(Case.resolve_due_at, Case.id)]
    assert seen == expected and pages == 4


@pytest.mark.parametrize("cursor", ["garbage", "20261301000000000000~5", "~", "1~1", "2026" * 5 + "~x"])
def test_a_forged_or_mangled_cursor_is_a_clear_400(client, town, cursor):
    staff, _ = town
    answer = client.get("/api/mp/staff/cases?after=" + cursor, headers=staff("grid1"))
    assert answer.status_code == 400 and answer.json["error"]["code"] == "bad_cursor"


def test_the_queue_seeks_an_index_on_open_cases_by_deadline(town, database):
    # At a million cases (5% open) the queue stays fast only while it seeks open cases by
    # deadline in an index (report_open_due or state+resolve_due_at) instead of scanning them all.
    from cases import queries
    from models.db import is_postgres
    staff, _ = town
    grid1 = Staff.get(Staff.username == "grid1")
    query = {}
    real = database.obj.execute_sql

    def capture(sql, params=None, *args, **kwargs):
        query.update(sql=sql, params=params)
        return real(sql, params, *args, **kwargs)
    database.obj.execute_sql = capture
    try:
        queries.staff_queue(grid1, after=(datetime.datetime(2030, 1, 1), 0), size=20)
    finally:
        del database.obj.execute_sql
    if is_postgres():
        # SET LOCAL lasts only inside a transaction; outside one it is silently ignored.
        with database.atomic():
            database.execute_sql("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned
            plan = " ".join(row[0] for row in database.execute_sql("EXPLAIN " + query["sql"], query["params"]))
        assert "Seq Scan on report" not in plan and "resolve_due_at" in plan, plan
    else:
        plan = " ".join(str(row[-1]) for row in database.execute_sql("EXPLAIN QUERY PLAN " + query["sql"],
                                                                     query["params"]))
        assert "SCAN t1" not in plan and "resolve_due_at>" in plan, plan


def test_a_staff_token_ends_with_sign_out_and_a_new_password(client, town):
    # A grid worker's phone with the staff token is lost: signing out of the console, or a new
    # password, must end that token too (it is a session of the same person).
    from community.staff import end_sessions
    from community.staff import set_password
    staff, _ = town
    grid1 = Staff.get(Staff.username == "grid1")
    for end in (lambda: end_sessions(grid1), lambda: set_password(grid1, "new-password-1")):
        token = staff("grid1")
        assert client.get("/api/mp/staff/cases", headers=token).status_code == 200
        end()
        answer = client.get("/api/mp/staff/cases", headers=token)
        assert answer.status_code == 401 and answer.json["error"]["code"] == "bad_token"
