"""The audit log: staff actions through the console and the APIs are recorded with who, what and
where, without the values typed; and no one, not even the application's own database account,
can change or delete an entry."""
import re

import pytest
from peewee import DatabaseError

from cases import intake
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.audit import AuditEntry
from models.people import Resident
from models.people import Staff


@pytest.fixture
def case(database):
    seed_demo()
    return intake.submit(Resident.select().first(), "miniprogram", "楼道灯不亮，电话13800001111")


def test_console_and_api_actions_are_recorded_without_what_was_typed(client, case):
    from tests.support.settings import use_settings
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").get_data(as_text=True)).group(1)
    client.post("/console/login", data={"username": "grid1", "password": DEMO_PASSWORD, "csrf": token})
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/").get_data(as_text=True)).group(1)
    assert client.post("/console/cases/%s/accept" % case.number,
                       data={"note": "收到，已联系住户13800001111", "csrf": token}).status_code == 303
    staff_token = client.post("/api/mp/staff/login",
                              json={"username": "grid1", "password": DEMO_PASSWORD}).json["token"]
    client.post("/api/mp/staff/cases/%s/notes" % case.number, headers={"Authorization": "Bearer " + staff_token},
                json={"text": "明早更换灯泡", "public": True})
    entries = list(AuditEntry.select().order_by(AuditEntry.id))
    grid1 = Staff.get(Staff.username == "grid1")
    assert [(e.actor_kind, e.actor_id, e.action) for e in entries] == [
        ("staff", grid1.id, "console.act"), ("staff", grid1.id, "staff_api.act")]
    assert entries[0].target == "action=accept,number=%s" % case.number and entries[0].detail == "note"
    assert entries[1].detail == "public,text"
    everything = " ".join("%s %s %s" % (e.target, e.detail, e.actor_name) for e in entries)
    assert "13800001111" not in everything and DEMO_PASSWORD not in everything   # no values kept
    # A refused action changed nothing and is not an action taken.
    client.post("/console/cases/%s/accept" % case.number, data={"note": "x"})            # no CSRF: 400
    assert AuditEntry.select().count() == 2


def test_the_log_cannot_be_rewritten(database, case):
    entry = AuditEntry.create(actor_kind="staff", actor_id=1, action="console.act", status=303)
    for rewrite in (lambda: AuditEntry.update(action="nothing").where(AuditEntry.id == entry.id).execute(),
                    lambda: AuditEntry.delete().where(AuditEntry.id == entry.id).execute()):
        with pytest.raises(DatabaseError):
            with database.atomic():
                rewrite()
    assert AuditEntry.get_by_id(entry.id).action == "console.act"


def _console_sign_in(client, username="grid1"):
    from tests.support.settings import use_settings
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").get_data(as_text=True)).group(1)
    client.post("/console/login", data={"username": username, "password": DEMO_PASSWORD, "csrf": token})
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/console/").get_data(as_text=True)).group(1)


@pytest.fixture
def audit_refuses(database):
    """The audit table refuses every new line (a full disk, a revoked grant), by a real trigger."""
    from models.db import is_postgres
    if is_postgres():
        database.execute_sql("CREATE FUNCTION audit_refuses() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN RAISE EXCEPTION 'no room for the audit log'; END $$")
        database.execute_sql("CREATE TRIGGER audit_refuses BEFORE INSERT ON audit_entry "
                             "FOR EACH ROW EXECUTE FUNCTION audit_refuses()")
    else:
        database.execute_sql("CREATE TRIGGER audit_refuses BEFORE INSERT ON audit_entry "
                             "BEGIN SELECT RAISE(ABORT, 'no room for the audit log'); END")
    yield
    database.execute_sql("DROP TRIGGER audit_refuses ON audit_entry" if is_postgres() else "DROP TRIGGER audit_refuses")
    if is_postgres():
        database.execute_sql("DROP FUNCTION audit_refuses()")


def test_an_action_whose_audit_line_cannot_be_written_does_not_happen(client, case, audit_refuses):
    """The line used to be written after the action's commit: when it failed, the case had been
    accepted by someone the log never names."""
    from models.cases import Case
    from models.cases import CaseEvent
    token = _console_sign_in(client)
    answer = client.post("/console/cases/%s/accept" % case.number, data={"note": "收到", "csrf": token})
    assert answer.status_code == 303
    assert "无法写入操作记录" in client.get(answer.headers["Location"]).get_data(as_text=True)
    staff_token = client.post("/api/mp/staff/login",
                              json={"username": "grid1", "password": DEMO_PASSWORD}).json["token"]
    answer = client.post("/api/mp/staff/cases/%s/notes" % case.number,
                         headers={"Authorization": "Bearer " + staff_token},
                         json={"text": "明早更换灯泡", "public": True})
    assert answer.status_code == 503 and answer.json["error"]["code"] == "audit_failed"
    assert Case.get_by_id(case.id).state == "submitted"
    assert not CaseEvent.select().where((CaseEvent.case == case.id)
                                          & CaseEvent.kind.in_(["accepted", "note"])).exists()


def test_an_action_and_its_line_commit_together_and_a_refused_one_leaves_none(client, case):
    """A refusal the console shows as a message (a 303 back to the page) was logged as an action
    taken: resolving a case already rejected changed nothing, yet the log said it was done."""
    from cases import workflow
    from models.cases import Case
    token = _console_sign_in(client)
    client.post("/console/cases/%s/accept" % case.number, data={"note": "收到", "csrf": token})
    [line] = AuditEntry.select()
    assert (line.action, line.status) == ("console.act", 0)          # written inside the action's commit
    workflow.reject(Case.get_by_id(case.id), Staff.get(Staff.username == "grid1"), "重复反映")
    answer = client.post("/console/cases/%s/resolve" % case.number, data={"note": "已修好", "csrf": token})
    assert answer.status_code == 303 and Case.get_by_id(case.id).state == "rejected"
    assert AuditEntry.select().count() == 1
