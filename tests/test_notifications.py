"""Notifications about cases, delivered by the queue against the WeChat emulator: who hears
what, through which channel, and that a failure never fails the action."""
import datetime

import pytest

from cases import intake
from cases import notify
from cases import proposals
from cases import workflow
from community.demo import seed_demo
from models.account import InboundMessage
from models.community import Building
from models.db import db
from models.db import utcnow
from models.households import Household
from models.notifications import Notification
from models.people import Resident
from models.people import Staff
from models.proposals import Proposal
from tests.support.races import another_connection_commits
from tests.support.settings import use_settings


@pytest.fixture
def town(database):
    seed_demo()
    building = Building.select().order_by(Building.id).first()
    staff = {s.username: s for s in Staff.select()}

    def resident(oa=None, mp=None):
        person = Resident.create(oa_openid=oa, mp_openid=mp, subscribed=bool(oa), building=building,
                                 community=building.community_id, address_state="confirmed")
        if oa:   # they wrote to the account just now: the 48-hour window is open
            InboundMessage.create(dedup_key="msg:" + oa, openid=oa, msg_type="text", wechat_time=0,
                                  raw_xml="<xml/>", resident=person)
        return person

    return staff, resident


def _custom_texts(emulator, openid):
    return [c.body["text"]["content"] for c in emulator.calls("cgi-bin/message/custom/send")
            if c.body["touser"] == openid]


def test_reporter_and_followers_hear_of_acceptance_on_the_official_account(town, emulator):
    staff, resident = town
    reporter, neighbour = resident(oa="o-rep"), resident(oa="o-nb")
    case = intake.submit(reporter, "official_account", "楼道灯不亮")
    workflow.follow(case, neighbour)
    workflow.accept(case, staff["grid1"])
    assert _custom_texts(emulator, "o-rep") == ["您反映的问题（%s）已受理，网格员正在处理。" % case.number]
    assert len(_custom_texts(emulator, "o-nb")) == 1
    assert {(n.kind, n.state, n.channel) for n in Notification.select().where(Notification.resident.is_null(False))} \
        == {("accepted", "sent", "custom")}


def test_mini_program_resident_gets_a_subscribe_message(town, emulator):
    use_settings(MP_CASE_TEMPLATE_ID="tpl-case", MP_CASE_PAGE="pages/case/detail")
    staff, resident = town
    case = intake.submit(resident(mp="m-rep"), "miniprogram", "电梯异响")
    workflow.resolve(case, staff["grid1"], "已请维保检修")
    sent = emulator.calls("cgi-bin/message/subscribe/send")[0].body
    assert (sent["touser"], sent["template_id"]) == ("m-rep", "tpl-case")
    assert sent["page"] == "pages/case/detail?number=" + case.number
    assert sent["data"]["character_string1"]["value"] == case.number
    assert len(sent["data"]["thing3"]["value"]) <= 20


def test_without_a_subscription_the_official_account_steps_in(town, emulator):
    use_settings(MP_CASE_TEMPLATE_ID="tpl-case")
    emulator.state.no_subscription.add("m-both")
    staff, resident = town
    both = resident(oa="o-both", mp="m-both")
    workflow.accept(intake.submit(both, "miniprogram", "水管漏水"), staff["grid1"])
    assert len(_custom_texts(emulator, "o-both")) == 1
    assert Notification.get(Notification.resident == both).channel == "custom"


def test_without_a_subscription_or_the_official_account_wechats_refusal_is_kept(town, emulator):
    use_settings(MP_CASE_TEMPLATE_ID="tpl-case")
    emulator.state.no_subscription.add("m-only")
    staff, resident = town
    only = resident(mp="m-only")
    workflow.accept(intake.submit(only, "miniprogram", "楼顶漏水"), staff["grid1"])
    note = Notification.get(Notification.resident == only)
    assert (note.state, note.channel, note.errcode) == ("failed", "subscribe", 43101)


def test_staff_hear_of_new_cases_by_template_when_bound(town, emulator):
    use_settings(WECHAT_STAFF_TEMPLATE_ID="tpl-staff")
    staff, resident = town
    Staff.update(oa_openid="o-grid1").where(Staff.id == staff["grid1"].id).execute()
    case = intake.submit(resident(oa="o-r"), "official_account", "消防栓漏水")
    sent = emulator.calls("cgi-bin/message/template/send")[0].body
    assert (sent["touser"], sent["template_id"]) == ("o-grid1", "tpl-staff")
    assert sent["data"]["character_string1"]["value"] == case.number


def test_staff_without_a_bound_wechat_are_recorded_as_skipped_without_a_call(town, emulator):
    use_settings(WECHAT_STAFF_TEMPLATE_ID="tpl-staff")
    staff, resident = town
    intake.submit(resident(oa="o-r2"), "official_account", "垃圾没清")
    note = Notification.get(Notification.staff == staff["grid1"])
    assert note.state == "skipped" and not emulator.calls("cgi-bin/message/template/send")


def test_with_no_staff_template_staff_notifications_are_off(town, emulator):
    staff, resident = town
    intake.submit(resident(oa="o-r3"), "official_account", "井盖丢了")
    assert not Notification.select().where(Notification.staff.is_null(False)).exists()


def test_a_failed_notification_never_fails_the_action_and_is_delivered_later(town, emulator):
    staff, resident = town
    case = intake.submit(resident(oa="o-later"), "official_account", "门禁坏了")
    emulator.refuse()
    workflow.accept(case, staff["grid1"])                 # WeChat is down: the action stands
    note = Notification.get((Notification.resident.is_null(False)) & (Notification.kind == "accepted"))
    assert note.state == "queued" and case.state == "accepted"
    emulator.resume()
    notify.deliver(note.id)                               # the queue's retry
    assert Notification.get_by_id(note.id).state == "sent"
    notify.deliver(note.id)                               # run twice: sent once
    assert len(_custom_texts(emulator, "o-later")) == 1


def test_deadline_warnings_reach_every_case_while_another_writer_commits(town, emulator, stack, monkeypatch):
    # The mistake (found by the month's simulation, sim/): the warning sweep walked an open
    # cursor and wrote inside it; once another process committed meanwhile, SQLite refused the
    # next write at once with "database is locked" and the job failed, warning no one after.

    use_settings(WECHAT_STAFF_TEMPLATE_ID="tpl-staff")
    staff, resident = town
    cases = [intake.submit(resident(oa="o-w%d" % n), "official_account", "井盖松动%d" % n,
                           now=utcnow() - datetime.timedelta(hours=23)) for n in range(3)]
    written = []

    class CommitsFirst:
        """The module's database, with another process committing just before each transaction."""
        def atomic(self):
            if db.transaction_depth() == 0:      # nested ones are savepoints of this transaction,
                another_connection_commits(written)   # whose write lock the other would wait on
            return db.atomic()

        def __getattr__(self, name):
            return getattr(db, name)

    monkeypatch.setattr(notify, "db", CommitsFirst())
    assert sorted(notify.warn_before_deadlines()) == sorted(c.number for c in cases)
    assert len(written) >= len(cases)         # someone else committed before each case's warning


def test_a_rolled_back_action_notifies_no_one(town, emulator):
    staff, resident = town
    case = intake.submit(resident(oa="o-rb"), "official_account", "路面塌陷")
    with pytest.raises(RuntimeError):
        with db.atomic():
            workflow.accept(case, staff["grid1"])
            raise RuntimeError("the request failed after accepting")
    assert not _custom_texts(emulator, "o-rb")
    assert not Notification.select().where(Notification.kind == "accepted").exists()


def test_deadline_warnings_go_once_per_level(town, emulator):
    use_settings(WECHAT_STAFF_TEMPLATE_ID="tpl-staff")
    staff, resident = town
    Staff.update(oa_openid="o-grid1").where(Staff.id == staff["grid1"].id).execute()
    case = intake.submit(resident(oa="o-dl"), "official_account", "井盖松动",
                         now=utcnow() - datetime.timedelta(hours=23))
    assert notify.warn_before_deadlines() == [case.number]
    assert notify.warn_before_deadlines() == []
    deadline_calls = [c.body["data"] for c in emulator.calls("cgi-bin/message/template/send")
                      if c.body["data"]["thing2"]["value"] == "即将到期，请尽快办理"]
    assert len(deadline_calls) == 1 and deadline_calls[0]["character_string1"]["value"] == case.number


# -- 议事: the proposer hears each step --------------------------------------------------------------
def _proposer_with_neighbours(town, needed):
    """A unit proposal of a resident who wrote to the account just now, and `needed - 1`
    neighbours of other rooms of the unit to support it."""
    rooms = list(Household.select().order_by(Household.id).limit(needed))
    unit = rooms[0].unit

    def seat(n, **extra):
        return Resident.create(community=unit.building.community_id, building=unit.building_id, unit=unit.id,
                               room=rooms[n].room, household=rooms[n].id, address_state="confirmed", **extra)
    proposer = seat(0, oa_openid="o-prop", subscribed=True)
    InboundMessage.create(dedup_key="msg:o-prop", openid="o-prop", msg_type="text", wechat_time=0, raw_xml="<xml/>",
                          resident=proposer)
    proposal, _ = proposals.raise_proposal(proposer, "unit", "楼道堆物清理", "楼道堆满杂物，影响通行和消防。")
    return proposal, [seat(n, mp_openid="m-nb-%d" % n) for n in range(1, needed)]


def test_a_proposal_reaching_the_agenda_and_its_outcome_are_told_to_the_proposer(town, emulator):
    staff, _ = town
    proposal, neighbours = _proposer_with_neighbours(town, 6)
    for neighbour in neighbours:
        proposals.support(proposal, neighbour)
    proposals.decide(Proposal.get_by_id(proposal.id), staff["tianbing"], "decline", "不属于居民自治事项")
    notes = Notification.select().where(Notification.proposal == proposal).order_by(Notification.id)
    assert [(n.kind, n.state, n.channel) for n in notes] == [("proposal_on_agenda", "sent", "custom"),
                                                             ("proposal_declined", "sent", "custom")]
    assert _custom_texts(emulator, "o-prop") == [
        "您提出的议事“楼道堆物清理”已获6户附议，列入议事会议程。",
        "您提出的议事“楼道堆物清理”未被采纳。说明：不属于居民自治事项"]


def test_an_outcome_refused_as_decided_meanwhile_notifies_no_one(town, emulator):
    staff, _ = town
    proposal, _ = _proposer_with_neighbours(town, 6)
    stale = Proposal.get_by_id(proposal.id)
    proposals.decide(proposal, staff["tianbing"], "decline", "重复")
    with pytest.raises(proposals.ProposalError):
        # Another secretary's page, loaded before the decline: its state check passes, the update does not.
        stale.state = "open"
        proposals.decide(stale, staff["admin"], "decline", "另一条说明")
    assert [n.kind for n in Notification.select().where(Notification.proposal == proposal)] == ["proposal_declined"]
    assert len(_custom_texts(emulator, "o-prop")) == 1
