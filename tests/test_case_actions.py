"""One table of staff actions (cases.workflow.ACTIONS) and everything that reads it: the
console's buttons and forms, the staff API's /cases/<number>/<action> and its OpenAPI entry. A
new action is a row and its function; nothing else changes."""
import re

from cases import intake
from cases import permissions
from cases import workflow
from community.demo import DEMO_PASSWORD
from models.cases import Case
from models.cases import CaseEvent
from models.db import utcnow
from models.people import Resident


def _staff_token(client, username):
    answer = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": "Bearer " + answer.json["token"]}


def _case(text="楼道灯不亮"):
    return intake.submit(Resident.get(Resident.oa_openid == "demo-oa-1"), "miniprogram", text)


def test_the_openapi_entry_lists_the_tables_actions_and_their_fields(client):
    document = client.get("/api/mp/openapi.json").json
    operation = document["paths"]["/api/mp/staff/cases/{number}/{action}"]["post"]
    names = next(p for p in operation["parameters"] if p["name"] == "action")["schema"]["enum"]
    assert names == list(workflow.ACTIONS) + ["notes"]           # the older spelling, still taken
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rpartition("/")[2]
    properties = document["components"]["schemas"][body]["properties"]
    assert set(properties) == {f.name for row in workflow.ACTIONS.values() for f in row.fields}
    assert properties["reason"]["maxLength"] == 500                                  # the edge's limit


def test_a_progress_note_is_taken_by_both_of_its_names_in_the_staff_api(client, console):
    """The console called it `note`, the staff API `notes`: the table names it `note`, and the
    API takes both, so its existing clients keep working."""
    case = _case()
    grid1 = _staff_token(client, "grid1")
    for name in ("note", "notes"):
        answer = client.post("/api/mp/staff/cases/%s/%s" % (case.number, name), headers=grid1,
                             json={"text": "已联系物业（%s）" % name})
        assert answer.status_code == 200, answer.json
    notes = [e.note for e in CaseEvent.select().where((CaseEvent.case == case) & (CaseEvent.kind == "note"))]
    assert notes == ["已联系物业（note）", "已联系物业（notes）"]
    sign_in, csrf = console
    sign_in("grid1")
    assert client.post("/console/cases/%s/notes" % case.number,
                       data={"text": "只认一个名字", "csrf": csrf("/console/")}).status_code == 404


def test_a_new_action_is_one_row_in_the_table_and_its_function(client, console, monkeypatch):
    """回访 (a call to the reporter once the case is resolved), added as a new action is added:
    its function and its row. The console offers it with its field, and both the console and
    the staff API perform it."""
    def call_back(case, staff, note, now=None):
        permissions.require(staff, case, workflow.ACTIONS["call_back"].who)
        if case.state not in workflow.ACTIONS["call_back"].states:
            raise workflow.CaseError("state_changed", "案件状态已变化")
        return CaseEvent.create(case=case, kind="note", actor_staff=staff, public=False,
                                note="回访：%s" % note, created_at=now or utcnow())

    monkeypatch.setitem(workflow.ACTIONS, "call_back", workflow.Action(
        "call_back", "电话回访", ("resolved", "closed"), call_back,
        fields=(workflow.Field("note", required=True, hint="回访情况"),)))
    sign_in, csrf = console
    sign_in("grid1")
    case = _case()
    page = client.get("/console/cases/" + case.number).get_data(as_text=True)
    assert 'data-action="call_back"' not in page                     # not while it is open
    Case.update(state="resolved").where(Case.id == case.id).execute()
    page = client.get("/console/cases/" + case.number).get_data(as_text=True)
    form = re.search(r'<form method="post" data-action="call_back".*?</form>', page, re.DOTALL).group(0)
    assert 'name="note"' in form and 'placeholder="回访情况"' in form and "电话回访" in form
    answer = client.post("/console/cases/%s/call_back" % case.number,
                         data={"note": "居民表示满意", "csrf": csrf("/console/")})
    assert answer.status_code == 303
    assert "已完成：电话回访" in client.get("/console/cases/" + case.number).get_data(as_text=True)
    answer = client.post("/api/mp/staff/cases/%s/call_back" % case.number, headers=_staff_token(client, "grid1"),
                         json={"note": "再次回访"})
    assert answer.status_code == 200
    assert [e.note for e in CaseEvent.select().where(CaseEvent.note.startswith("回访"))] == [
        "回访：居民表示满意", "回访：再次回访"]
