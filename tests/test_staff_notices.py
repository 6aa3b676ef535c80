"""Staff hear of their cases on the mini-program they bound: a new case that lands on them and
a case near its deadline, each once (Notification.once_key), through the outbound queue, against
the WeChat emulator's subscribe-message endpoint."""
import datetime

import pytest

from cases import intake
from cases import notify
from cases import workflow
from community.demo import seed_demo
from models.community import Building
from models.db import utcnow
from models.notifications import Notification
from models.people import Resident
from models.people import Staff
from tests.support.settings import use_settings

SEND = "cgi-bin/message/subscribe/send"


@pytest.fixture
def town(database):
    seed_demo()
    use_settings(MP_STAFF_CASE_TEMPLATE_ID="tpl-staff-case")
    building = Building.select().order_by(Building.id).first()           # grid G1: grid1's
    staff = {s.username: s for s in Staff.select()}

    def report(text="消防通道被堵", openid="o-reporter", **kwargs):
        resident = Resident.get_or_none(Resident.oa_openid == openid) or Resident.create(
            oa_openid=openid, building=building, community=building.community_id, address_state="confirmed")
        return intake.submit(resident, "official_account", text, **kwargs)

    return staff, report


def _bind(staff, openid):
    Staff.update(mp_openid=openid).where(Staff.id == staff.id).execute()


def _sent_to(emulator, openid):
    return [c.body for c in emulator.calls(SEND) if c.body["touser"] == openid]


def test_a_new_case_routed_to_a_bound_grid_worker_sends_one_subscribe_message(town, emulator):
    staff, report = town
    _bind(staff["grid1"], "m-grid1")
    case = report()
    [sent] = _sent_to(emulator, "m-grid1")
    assert sent["template_id"] == "tpl-staff-case"
    assert sent["page"] == "work/case/index?number=" + case.number       # opens the case in work/
    assert sent["data"]["character_string1"]["value"] == case.number
    assert sent["data"]["thing2"]["value"] == "新案件，请及时响应"
    note = Notification.get((Notification.staff == staff["grid1"]) & (Notification.kind == "assigned"))
    assert (note.state, note.channel, note.template_id) == ("sent", "subscribe", "tpl-staff-case")
    # A second run: the assignment told again (a retried task, a transfer back), the row
    # delivered again: nothing more is queued or sent.
    assert notify.case_changed(case, "assigned") == []
    notify.deliver(note.id)
    assert len(_sent_to(emulator, "m-grid1")) == 1
    assert Notification.select().where(Notification.staff.is_null(False)).count() == 1


def test_an_unbound_grid_worker_gets_nothing_and_the_row_says_why(town, emulator):
    staff, report = town
    report("井盖丢了")
    assert not emulator.calls(SEND)
    note = Notification.get(Notification.staff == staff["grid1"])
    assert (note.state, note.errmsg) == ("skipped", "该工作人员未绑定微信")


def test_without_consent_wechats_43101_is_recorded(town, emulator):
    # The backend keeps no consent to a mini-program template (WeChat does): a worker who never
    # tapped 允许 on the queue page gets WeChat's refusal, kept on the row, and the case stands.
    staff, report = town
    _bind(staff["grid1"], "m-grid1-shy")
    emulator.state.no_subscription.add("m-grid1-shy")
    case = report("路灯不亮")
    note = Notification.get(Notification.staff == staff["grid1"])
    assert (note.state, note.channel, note.errcode) == ("failed", "subscribe", 43101)
    assert case.state == "submitted"


def test_a_worker_bound_on_both_hears_on_the_official_account_when_the_mini_program_is_refused(town, emulator):
    use_settings(MP_STAFF_CASE_TEMPLATE_ID="tpl-staff-case", WECHAT_STAFF_TEMPLATE_ID="tpl-staff")
    staff, report = town
    Staff.update(mp_openid="m-grid1-both", oa_openid="o-grid1-both").where(Staff.id == staff["grid1"].id).execute()
    emulator.state.no_subscription.add("m-grid1-both")
    report("楼道堆物")
    assert [c.body["touser"] for c in emulator.calls("cgi-bin/message/template/send")] == ["o-grid1-both"]
    assert Notification.get(Notification.staff == staff["grid1"]).channel == "template"


def test_a_case_near_its_deadline_is_told_once(town, emulator):
    staff, report = town
    _bind(staff["grid1"], "m-grid1-dl")
    case = report("井盖松动", now=utcnow() - datetime.timedelta(hours=23))     # due within the hour
    assert notify.warn_before_deadlines() == [case.number]
    assert notify.warn_before_deadlines() == []                                # the next sweep
    warned = [s for s in _sent_to(emulator, "m-grid1-dl") if s["data"]["thing2"]["value"] == "即将到期，请尽快办理"]
    assert len(warned) == 1 and warned[0]["page"] == "work/case/index?number=" + case.number


def test_an_escalated_case_is_news_to_the_next_level_once(town, emulator):
    staff, report = town
    cadre = Staff.get(Staff.username == "cadre1")
    _bind(cadre, "m-cadre1")
    case = report("违章搭建")
    workflow.escalate(case, staff["grid1"], "需要街道协调")
    assert case.assignee_id == cadre.id
    [sent] = _sent_to(emulator, "m-cadre1")
    assert sent["data"]["character_string1"]["value"] == case.number


def test_with_no_staff_template_nothing_is_recorded_for_staff(town, emulator):
    use_settings(MP_STAFF_CASE_TEMPLATE_ID="")
    staff, report = town
    _bind(staff["grid1"], "m-grid1-off")
    report("电梯困人")
    assert not Notification.select().where(Notification.staff.is_null(False)).exists()
    assert not emulator.calls(SEND)



def test_a_case_transferred_away_and_back_is_news_once_and_the_transfers_stand(town, emulator):
    # The duplicate is refused inside the transfer's own transaction (a savepoint): the transfer
    # itself must still commit.
    staff, report = town
    grid1, cadre = staff["grid1"], Staff.get(Staff.username == "cadre1")
    _bind(grid1, "m-grid1-tr")
    _bind(cadre, "m-cadre1-tr")
    case = report("小区门口路灯坏了")
    workflow.transfer(case, grid1, cadre, "属片区统一维修")
    workflow.transfer(case, cadre, grid1, "网格员处理更快")
    workflow.transfer(case, grid1, cadre, "还是片区来")
    assert case.assignee_id == cadre.id
    assert len(_sent_to(emulator, "m-grid1-tr")) == 1 and len(_sent_to(emulator, "m-cadre1-tr")) == 1
    assert [e.kind for e in case.events].count("transferred") == 3
