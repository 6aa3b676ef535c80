"""The case workflow as stories: who may act, what each action changes, and the clock that
escalates what nobody handled (the four levels)."""
import datetime

import pytest

from cases import intake
from cases import permissions
from cases import workflow
from cases.permissions import PermissionDenied
from cases.workflow import CaseError
from community.demo import seed_demo
from models.cases import Case
from models.cases import CaseEvent
from models.cases import CaseFollower
from models.community import Building
from models.people import Resident
from models.people import Staff
from models.staff_wechat import StaffUpload
from models.workflow import DutyRoster
from tests.support.races import another_connection_commits

T0 = datetime.datetime(2026, 11, 23, 1, 0)        # Monday 09:00 in Shanghai
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def town(database):
    seed_demo()
    staff = {s.username: s for s in Staff.select()}
    building = Building.select().order_by(Building.id).first()          # in grid G1
    resident = Resident.create(oa_openid="o-wf", building=building, community=building.community_id,
                               address_state="confirmed")
    neighbour = Resident.create(oa_openid="o-wf2", building=building, community=building.community_id)
    return staff, resident, neighbour


def _file(resident, text="楼道灯不亮", now=T0):
    return intake.submit(resident, "miniprogram", text, now=now)


def _fresh(case):
    return Case.get_by_id(case.id)


def _kinds(case):
    return [e.kind for e in CaseEvent.select().where(CaseEvent.case == case).order_by(CaseEvent.id)]


def test_a_new_case_has_its_owner_and_first_level_clock(town):
    staff, resident, _ = town
    case = _file(resident)
    assert (case.level, case.state, case.assignee_id) == (1, "submitted", staff["grid1"].id)
    assert case.category is None                   # staff classify it; default deadlines
    assert case.response_due_at == T0 + 2 * HOUR and case.resolve_due_at == T0 + 24 * HOUR


def test_grid_worker_accepts_works_and_resolves_then_resident_confirms_and_rates(town):
    staff, resident, _ = town
    case = _file(resident)
    workflow.accept(case, staff["grid1"], now=T0 + HOUR)
    workflow.start_work(case, staff["grid1"], now=T0 + 2 * HOUR)
    fix = StaffUpload.create(staff=staff["grid1"], path="fixes/202611/after.jpg", size=1, width=1, height=1)
    workflow.resolve(case, staff["grid1"], "已更换灯泡", photo_ids=[fix.id], now=T0 + 3 * HOUR)
    workflow.confirm(_fresh(case), resident, now=T0 + 4 * HOUR)
    workflow.rate(_fresh(case), resident, 5, "很快", now=T0 + 5 * HOUR)
    done = _fresh(case)
    assert (done.state, done.rating, done.responded_at) == ("closed", 5, T0 + HOUR)
    assert _kinds(case) == ["submitted", "assigned", "accepted", "in_progress", "resolved",
                            "confirmed", "rated"]
    assert [(p.url, p.event.kind) for p in done.photos] == [("/media/fixes/202611/after.jpg", "resolved")]


def test_a_grid_worker_of_another_grid_may_not_act(town):
    staff, resident, _ = town
    case = _file(resident)
    with pytest.raises(PermissionDenied):
        workflow.accept(case, staff["grid2"])
    assert _fresh(case).state == "submitted"


def test_the_secretary_may_act_on_any_grid_up_to_level_3_and_the_street_centre_on_level_4(town):
    staff, resident, _ = town
    case = _file(resident)
    workflow.add_note(case, staff["tianbing"], "请网格员尽快处理", public=False)
    for _ in range(3):
        workflow.escalate(_fresh(case), None, "测试升级", now=T0)
    top = _fresh(case)
    assert top.level == 4 and top.assignee_id == staff["jiedao"].id
    with pytest.raises(PermissionDenied):
        workflow.accept(top, staff["tianbing"])
    workflow.accept(top, staff["jiedao"])


def test_overdue_cases_climb_the_chain_one_level_per_missed_deadline(town):
    staff, resident, _ = town
    case = _file(resident)
    workflow.accept(case, staff["grid1"], now=T0 + HOUR)      # responded; resolution due at +24 h
    assert workflow.sweep_overdue(now=T0 + 23 * HOUR) == []
    assert workflow.sweep_overdue(now=T0 + 25 * HOUR) == [case.number]
    level2 = _fresh(case)
    assert (level2.level, level2.state, level2.assignee_id) == (2, "submitted", staff["cadre1"].id)
    assert level2.response_due_at == T0 + 29 * HOUR           # the next level's clock starts now
    assert workflow.sweep_overdue(now=T0 + 25 * HOUR) == []   # no double escalation
    assert workflow.sweep_overdue(now=T0 + 30 * HOUR) == [case.number]        # missed response
    assert _fresh(case).assignee_id == staff["tianbing"].id
    assert workflow.sweep_overdue(now=T0 + 35 * HOUR) == [case.number]
    top = _fresh(case)
    assert (top.level, top.assignee_id) == (4, staff["jiedao"].id)
    later = T0 + 30 * 24 * HOUR
    assert workflow.sweep_overdue(now=later) == []
    workflow.sweep_overdue(now=later + HOUR)
    assert _kinds(case).count("overdue") == 1                 # recorded once at the top
    escalations = CaseEvent.select().where((CaseEvent.case == case) & (CaseEvent.kind == "escalated"))
    assert [e.note.split("：")[1] for e in escalations] == ["超过办理时限，自动升级", "超过响应时限，自动升级",
                                                            "超过响应时限，自动升级"]


def test_an_action_on_a_stale_copy_after_escalation_is_refused(town):
    # The grid worker opened the case at level 1; the sweep escalated it meanwhile.
    staff, resident, _ = town
    case = _file(resident)
    stale = _fresh(case)
    workflow.sweep_overdue(now=T0 + 3 * HOUR)
    with pytest.raises(CaseError) as refused:
        workflow.accept(stale, staff["grid1"], now=T0 + 3 * HOUR)
    assert refused.value.code == "state_changed"
    assert _fresh(case).level == 2 and _fresh(case).responded_at is None


def test_manual_escalation_and_transfer_need_a_reason(town):
    staff, resident, _ = town
    case = _file(resident)
    with pytest.raises(CaseError, match="原因"):
        workflow.escalate(case, staff["grid1"], "  ")
    workflow.transfer(case, staff["grid1"], staff["cadre1"], "片区统一协调")
    assert _fresh(case).assignee_id == staff["cadre1"].id and _fresh(case).level == 1
    workflow.escalate(_fresh(case), staff["grid1"], "需要协调供电公司")
    assert _fresh(case).level == 2


def test_a_case_goes_only_to_staff_whose_role_covers_its_grid_and_level(town):
    # Handing a case to someone with no case role (the property office, an editor), another
    # grid's worker or another community's staff made them its assignee, and the assignee may
    # act on it at any level: a transfer granted what no role does.
    from community.demo import seed_second_community
    seed_second_community()
    staff, resident, _ = town
    strangers = [Staff.get(Staff.username == name) for name in ("wuye", "editor", "louzhang1", "grid2", "gx_shuji",
                                                               "gx_grid1", "gx_admin")]
    case = _file(resident)
    for stranger in strangers:
        with pytest.raises(CaseError) as refused:
            workflow.transfer(_fresh(case), staff["grid1"], stranger, "换人")
        assert refused.value.code == "bad_assignee", stranger.username
        assert _fresh(case).assignee_id == staff["grid1"].id
    eligible = {s.username for s in permissions.assignees_for(_fresh(case))}
    assert eligible == {"grid1", "cadre1", "tianbing", "jiedao", "admin"}
    workflow.escalate(_fresh(case), staff["grid1"], "需要片区协调")                 # level 2: not a grid worker's
    with pytest.raises(CaseError):
        workflow.transfer(_fresh(case), staff["cadre1"], staff["grid1"], "还给网格员")
    assert {s.username for s in permissions.assignees_for(_fresh(case))} == eligible - {"grid1"}
    workflow.transfer(_fresh(case), staff["cadre1"], staff["tianbing"], "请书记协调")
    assert _fresh(case).assignee_id == staff["tianbing"].id
    Staff.update(active=False).where(Staff.username == "jiedao").execute()
    with pytest.raises(CaseError):
        workflow.transfer(_fresh(case), staff["tianbing"], Staff.get(Staff.username == "jiedao"), "停用的人")


def test_top_level_cannot_escalate(town):
    staff, resident, _ = town
    case = _file(resident)
    for _ in range(3):
        workflow.escalate(_fresh(case), None, "升级", now=T0)
    with pytest.raises(CaseError) as refused:
        workflow.escalate(_fresh(case), staff["jiedao"], "再升级")
    assert refused.value.code == "already_top_level"


def test_not_fixed_reopens_at_the_same_level_with_a_fresh_clock(town):
    staff, resident, _ = town
    case = _file(resident)
    workflow.resolve(case, staff["grid1"], "已处理", now=T0 + HOUR)
    with pytest.raises(CaseError, match="未解决"):
        workflow.reopen(_fresh(case), resident, "")
    workflow.reopen(_fresh(case), resident, "灯还是不亮", now=T0 + 10 * HOUR)
    again = _fresh(case)
    assert (again.state, again.level, again.resolved_at) == ("reopened", 1, None)
    assert again.resolve_due_at == T0 + 34 * HOUR
    workflow.accept(again, staff["grid1"], now=T0 + 11 * HOUR)


def test_only_the_reporter_confirms_reopens_or_rates_and_only_once(town):
    staff, resident, neighbour = town
    case = _file(resident)
    workflow.resolve(case, staff["grid1"], "已处理")
    with pytest.raises(CaseError) as not_theirs:
        workflow.confirm(_fresh(case), neighbour)
    assert not_theirs.value.status == 404                     # never reveal someone else's case
    stale = _fresh(case)                                      # a second tap, read before the first rated
    workflow.rate(_fresh(case), resident, 4)
    with pytest.raises(CaseError) as twice:
        workflow.rate(_fresh(case), resident, 1)
    assert (twice.value.code, twice.value.status) == ("already_rated", 409)
    with pytest.raises(CaseError) as raced:
        workflow.rate(stale, resident, 1)
    assert raced.value.code == "state_changed" and _fresh(case).rating == 4
    with pytest.raises(CaseError):
        workflow.rate(_fresh(case), resident, 6)


@pytest.mark.parametrize("action", ["confirm", "reopen"])
def test_residents_act_only_on_resolved_cases(town, action):
    _, resident, _ = town
    case = _file(resident)
    args = (resident, "原因") if action == "reopen" else (resident,)
    with pytest.raises(CaseError) as refused:
        getattr(workflow, action)(case, *args)
    assert refused.value.code == "state_changed"


def test_unconfirmed_resolutions_close_after_seven_days(town):
    staff, resident, _ = town
    case = _file(resident)
    workflow.resolve(case, staff["grid1"], "已处理", now=T0)
    assert workflow.auto_close(now=T0 + 6 * 24 * HOUR) == []
    assert workflow.auto_close(now=T0 + 8 * 24 * HOUR) == [case.number]
    assert _fresh(case).state == "closed" and "auto_closed" in _kinds(case)


def test_duplicate_merges_and_its_reporter_follows_the_original(town):
    staff, resident, neighbour = town
    original = _file(resident, "消防通道被占")
    repeat = _file(neighbour, "消防通道有车")
    workflow.merge(repeat, original, staff["grid1"], "同一辆车")
    assert (_fresh(repeat).state, _fresh(repeat).merged_into_id) == ("duplicate", original.id)
    assert [f.resident_id for f in CaseFollower.select()] == [neighbour.id]
    with pytest.raises(CaseError):
        workflow.merge(_fresh(original), _fresh(repeat), staff["grid1"])   # not into a closed case


def test_me_too_is_idempotent_and_only_on_open_cases(town):
    staff, resident, neighbour = town
    case = _file(resident)
    workflow.follow(case, neighbour)
    workflow.follow(case, neighbour)
    assert CaseFollower.select().count() == 1
    workflow.reject(_fresh(case), staff["grid1"], "不属于社区职责")
    with pytest.raises(CaseError):
        workflow.follow(_fresh(case), neighbour)


def test_reject_needs_a_reason(town):
    staff, resident, _ = town
    case = _file(resident)
    with pytest.raises(CaseError):
        workflow.reject(case, staff["grid1"], "")
    assert _fresh(case).state == "submitted"


def test_a_case_with_no_grid_worker_goes_to_the_duty_roster(town):
    staff, resident, _ = town
    homeless = Resident.create(oa_openid="o-nohome")
    DutyRoster.create(community=Building.select().first().community_id, staff=staff["wuye"],
                      weekday=0)                               # Monday
    case = _file(homeless, now=T0)                             # T0 is a Monday in Shanghai
    assert case.assignee_id == staff["wuye"].id


def test_the_periodic_sweep_runs_on_the_queue(town):
    # Through the task, as the consumer runs it every 5 minutes (here in immediate mode).
    from cases.tasks import sweep_overdue
    _, resident, _ = town
    overdue = _file(resident, now=T0 - 48 * HOUR)
    sweep_overdue()                     # periodic tasks keep no result: look at the case
    assert _fresh(overdue).level == 2 and "escalated" in _kinds(overdue)


def test_a_walk_in_links_the_caller_by_phone_and_says_who_entered_it(town):
    from cases.walk_in import file_walk_in
    from linli.errors import LinliError
    staff, resident, _ = town
    Resident.update(phone="13900000001").where(Resident.id == resident.id).execute()
    with pytest.raises(LinliError):
        file_walk_in(staff["grid1"], resident.community_id, "  ", phone="13900000001")
    assert Case.select().count() == 0
    case = file_walk_in(staff["grid1"], resident.community_id, "电梯异响", phone=" 13900000001 ",
                        building_id=resident.building_id, source="来访", now=T0)
    stranger = file_walk_in(staff["grid1"], resident.community_id, "路灯不亮", phone="13900000002", name="老王")
    assert case.reporter_id == resident.id and case.channel == "staff" and case.assignee_id == staff["grid1"].id
    assert stranger.reporter.nickname == "老王" and stranger.reporter.community_id == resident.community_id
    entered = CaseEvent.get((CaseEvent.case == case) & (CaseEvent.kind == "note"))
    assert (entered.note, entered.public, entered.actor_staff_id) == ("工作人员代录：来访", False, staff["grid1"].id)


def test_the_sweep_escalates_every_overdue_case_while_another_writer_commits(town, stack, monkeypatch):
    # The mistake: on SQLite the sweep walked an open cursor and wrote inside it; once another
    # process committed meanwhile (the consumer's other worker delivering notifications, a
    # resident filing), the next escalation was refused at once with "database is locked" and the
    # rest of the overdue cases waited for the next sweep.
    _, resident, _ = town
    cases = [_file(resident, "楼道灯不亮%d" % n) for n in range(3)]
    real, written = workflow.escalate, []

    def escalate_after_another_commit(*args, **kwargs):
        another_connection_commits(written)
        return real(*args, **kwargs)

    monkeypatch.setattr(workflow, "escalate", escalate_after_another_commit)
    assert sorted(workflow.sweep_overdue(now=T0 + 25 * HOUR)) == sorted(c.number for c in cases)
    assert {_fresh(c).level for c in cases} == {2} and len(written) == 3
