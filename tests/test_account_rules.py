"""The official account's policies at their edges: the photo + words merge window and the
hours a reply rule is active (Asia/Shanghai), and rules refused before they can misfire."""
import datetime

import pytest

from account import reporting
from account.rules import RuleError
from account.rules import match
from account.rules import save_rule
from community.demo import seed_demo
from models.cases import Case
from models.community import Building
from models.people import Resident

T0 = datetime.datetime(2026, 11, 23, 2, 0, 0)      # UTC; 10:00 in Shanghai


@pytest.fixture
def resident(database):
    seed_demo()
    building = Building.select().first()
    return Resident.create(oa_openid="o-edge", building=building, community=building.community_id,
                           address_state="confirmed")


@pytest.mark.parametrize("gap_seconds, cases", [(299, 1), (300, 1), (301, 2)])
def test_photo_and_words_merge_within_five_minutes_only(resident, gap_seconds, cases):
    reporting.photo(resident, "m1", "http://p/1", None, T0)
    reporting.words(resident, "楼道堆满杂物", None, T0 + datetime.timedelta(seconds=gap_seconds))
    assert Case.select().count() == cases


def test_words_do_not_merge_into_a_case_that_already_has_words(resident):
    reporting.words(resident, "路灯坏了", None, T0)
    reporting.words(resident, "另外楼下井盖松了", None, T0 + datetime.timedelta(seconds=30))
    assert Case.select().count() == 2


def test_a_photo_joins_the_case_a_quick_grid_worker_already_accepted(resident):
    # The worker accepted 3 minutes after the words; the photo sent a minute later is the same
    # report's, not a second case nobody asked for.
    first = reporting.words(resident, "单元门禁坏了", None, T0).case
    Case.update(state="accepted").where(Case.id == first.id).execute()
    joined = reporting.photo(resident, "m2", "", None, T0 + datetime.timedelta(minutes=4))
    assert (joined.case.id, joined.merged) == (first.id, True) and Case.select().count() == 1


def test_nothing_merges_into_a_case_already_resolved(resident):
    # A fix done within minutes: a later photo is a new report (or evidence it is not fixed,
    # which the resident says by reopening), never a silent change to a resolved case.
    first = reporting.photo(resident, "m1", "", None, T0).case
    Case.update(state="resolved").where(Case.id == first.id).execute()
    reporting.photo(resident, "m2", "", None, T0 + datetime.timedelta(seconds=10))
    assert Case.select().count() == 2


def test_case_numbers_follow_the_shanghai_day(resident):
    late = datetime.datetime(2026, 11, 23, 15, 59)   # 23:59 in Shanghai
    after = datetime.datetime(2026, 11, 23, 16, 1)   # 00:01 on the 24th
    assert reporting.words(resident, "a", None, late).case.number == "R2611230001"
    assert reporting.words(resident, "b", None, after).case.number == "R2611240001"
    assert reporting.words(resident, "c", None, after + datetime.timedelta(minutes=10)).case.number == "R2611240002"


@pytest.mark.parametrize("shanghai_hour, expected", [(21, None), (22, "夜间"), (3, "夜间"), (7, None)])
def test_overnight_rule_is_active_only_in_its_hours(database, shanghai_hour, expected):
    save_rule("夜间", "contains", "物业", reply_text="夜间", active_from="22:00", active_until="07:00")
    now = datetime.datetime(2026, 11, 23, (shanghai_hour - 8) % 24, 30)
    rule = match(text="物业电话", now=now)
    assert (rule.reply_text if rule else None) == expected


@pytest.mark.parametrize("kwargs, code", [
    (dict(match_type="regex", pattern="(unclosed"), "bad_regex"),
    (dict(match_type="fuzzy", pattern="x"), "bad_match_type"),
    (dict(match_type="exact", pattern=""), "bad_pattern"),
    (dict(match_type="exact", pattern="x", active_from="25:00", active_until="07:00"), "bad_hours"),
    (dict(match_type="exact", pattern="x", reply_text=""), "empty_reply"),
])
def test_bad_rules_are_refused_when_saved(database, kwargs, code):
    # Staff typos caught at save time, not when a resident's message hits the rule.
    kwargs.setdefault("reply_text", "好")
    with pytest.raises(RuleError) as refused:
        save_rule("r", **kwargs)
    assert refused.value.code == code


@pytest.mark.parametrize("text, expected", [
    ("报修：3号楼电梯坏了", "3号楼电梯坏了"), ("反映 垃圾没清", "垃圾没清"),
    ("投诉", "投诉"), ("我想报修", None), ("进度", None),
])
def test_report_words_must_lead_the_message(text, expected):
    assert reporting.report_text(text) == expected
