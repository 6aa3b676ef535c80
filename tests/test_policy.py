"""The community policy: its defaults are the rules the code ran before it had one, a community's
override changes what its case rules do and nobody else's, and an override the policy cannot
honour stops the start."""
import datetime
import json
from fractions import Fraction

import pytest

from cases import intake
from cases import workflow
from cases.labels import LEVEL_LABELS
from cases.labels import ROLE_LABELS
from cases.sla import deadlines
from community.demo import seed_demo
from community.demo import seed_second_community
from community.policy import DEFAULT_POLICY
from community.policy import Share
from community.policy import policy_for
from linli.config import ConfigError
from linli.config import Settings
from models.cases import Case
from models.community import Building
from models.community import Community
from models.db import connected
from models.db import init_db
from models.db import migration_runner
from models.db import upgrade
from models.people import Resident
from models.people import Staff
from models.workflow import Category
from models.workflow import SlaPolicy
from wsgi import create_app

T0 = datetime.datetime(2026, 11, 23, 1, 0)        # Monday 09:00 in Shanghai
HOUR = datetime.timedelta(hours=1)
SECRETARY_12_HOURS = {"bajiazhuang": {"deadlines": {"3": {"resolve": "12 hours"}}}}


def start(settings, overrides):
    return create_app(settings, COMMUNITY_POLICY_OVERRIDES=json.dumps(overrides, ensure_ascii=False))


def file_in(community_code, text="楼道灯不亮"):
    building = (Building.select().join(Community).where(Community.code == community_code)
                .order_by(Building.id).first())
    resident = Resident.create(oa_openid="o-%s" % community_code, building=building,
                               community=building.community_id, address_state="confirmed")
    return intake.submit(resident, "miniprogram", text, now=T0)


def fresh(case):
    return Case.get_by_id(case.id)


def test_the_defaults_are_the_chain_and_clocks_the_code_had():
    chain = [(level.number, level.role, level.label, level.scope, str(level.respond), str(level.resolve))
             for level in DEFAULT_POLICY.levels]
    assert chain == [
        (1, "grid_worker", "网格员", "grid", "2 hours", "24 hours"),
        (2, "area_cadre", "片区负责人", "grid", "4 hours", "24 hours"),
        (3, "secretary", "社区书记", "community", "4 hours", "24 hours"),            # the secretary's 24 h
        (4, "street_centre", "街道网格中心", "community", "1 working_days", "2 working_days"),
    ]
    assert DEFAULT_POLICY.top_level == 4
    assert DEFAULT_POLICY.role_max_level == {"grid_worker": 1, "area_cadre": 2, "secretary": 3,
                                           "street_centre": 4, "admin": 4}
    assert LEVEL_LABELS == {1: "网格员", 2: "片区负责人", 3: "社区书记", 4: "街道网格中心"}
    assert list(ROLE_LABELS.items()) == [
        ("grid_worker", "网格员"), ("area_cadre", "片区负责人"), ("building_leader", "楼长"),
        ("unit_leader", "单元长"), ("secretary", "社区书记"), ("street_centre", "街道网格中心"),
        ("property", "物业"), ("editor", "宣传编辑"), ("admin", "系统管理员")]
    assert DEFAULT_POLICY.grid_roles == ("grid_worker", "area_cadre")
    assert DEFAULT_POLICY.auto_close_after == datetime.timedelta(days=7)
    assert DEFAULT_POLICY.deadline_warning == datetime.timedelta(hours=2)


def test_the_default_shares_are_the_civil_codes_and_the_citys():
    consent = DEFAULT_POLICY.consent
    assert [str(s) for s in (consent.owners_participation, consent.owners_ordinary, consent.owners_major)] == \
        [">=2/3", ">1/2", ">=3/4"]
    assert (str(consent.households_majority), consent.households_quorum, str(consent.unit_consent)) == \
        (">1/2", None, ">=2/3")
    assert (DEFAULT_POLICY.proposals.support_households, DEFAULT_POLICY.proposals.support_share) == (10, Fraction(1, 5))


def test_shares_are_exact_and_say_whether_the_number_itself_passes():
    more_than_half, two_thirds = Share.parse(">1/2"), Share.parse(">=2/3")
    assert not more_than_half.met(50, 100) and more_than_half.met(51, 100)       # 过半数
    assert two_thirds.met(200, 300) and not two_thirds.met(199, 300)              # 三分之二以上
    assert two_thirds.met(66.66, 99.99) and not two_thirds.met(66.65, 99.99)    # areas in m², as written
    assert not two_thirds.met(0, 0)                # nobody to decide


def test_a_proposal_needs_ten_households_or_a_fifth_of_a_smaller_scope():
    needed = DEFAULT_POLICY.proposals.support_needed
    assert (needed(3000), needed(50), needed(12), needed(1)) == (10, 10, 3, 1)


def test_a_communitys_override_gives_its_secretary_12_hours_and_leaves_the_others_24(settings):
    start(settings, SECRETARY_12_HOURS)
    with connected():
        seed_demo()
        seed_second_community()
        here, there = file_in("bajiazhuang"), file_in("guangximen")
        assert fresh(here).resolve_due_at == fresh(there).resolve_due_at == T0 + 24 * HOUR   # level 1 as before
        secretaries = [Staff.get(Staff.username == name) for name in ("tianbing", "gx_shuji")]
        for case, secretary in zip((here, there), secretaries, strict=True):
            for _ in range(2):
                workflow.escalate(fresh(case), None, "测试升级", now=T0)
            workflow.accept(fresh(case), secretary, now=T0 + HOUR)
        assert (fresh(here).response_due_at, fresh(here).resolve_due_at) == (T0 + 4 * HOUR, T0 + 12 * HOUR)
        assert fresh(there).resolve_due_at == T0 + 24 * HOUR
        # The clock that escalates reads the same deadlines: only here is overdue at 13 hours.
        assert workflow.sweep_overdue(now=T0 + 13 * HOUR) == [here.number]
        assert (fresh(here).level, fresh(there).level) == (4, 3)


def test_a_categorys_own_deadlines_come_before_the_communitys_level_default(settings):
    start(settings, SECRETARY_12_HOURS)
    with connected():
        seed_demo()
        community = Community.get(Community.code == "bajiazhuang")
        elevator = Category.get(Category.code == "elevator")
        SlaPolicy.create(category=elevator, level=3, response_amount=1, response_unit="hours",
                         resolution_amount=48, resolution_unit="hours")
        assert deadlines(elevator.id, 3, T0, community.id).resolve_by == T0 + 48 * HOUR
        assert deadlines(None, 3, T0, community.id).resolve_by == T0 + 12 * HOUR
        assert deadlines(None, 3, T0, None).resolve_by == T0 + 24 * HOUR


def test_every_community_takes_the_star_entry_and_its_own_on_top(settings):
    start(settings, {"*": {"consent": {"unit_consent": ">=3/4"}},
                     "guangximen": {"consent": {"unit_consent": ">=2/3"}, "proposals": {"support_households": 5}}})
    with connected():
        seed_demo()
        seed_second_community()
        bajiazhuang, guangximen = (Community.get(Community.code == code) for code in ("bajiazhuang", "guangximen"))
        assert str(policy_for(bajiazhuang).consent.unit_consent) == ">=3/4"
        assert str(policy_for(guangximen.id).consent.unit_consent) == ">=2/3"          # by id too
        assert policy_for(guangximen).proposals.support_households == 5
        assert policy_for(None) == policy_for(bajiazhuang) != DEFAULT_POLICY


def test_without_overrides_every_community_has_the_default(app, database):
    seed_demo()
    assert policy_for(Community.get(Community.code == "bajiazhuang")) is DEFAULT_POLICY


@pytest.mark.parametrize("entry, message", [
    ({"deadlines": {"3": {"resolve": "12 hrs"}}}, 'deadlines: level 3 resolve: expected e.g. "12 hours"'),
    ({"deadlines": {"3": {"resolve": "0 hours"}}}, "must be more than 0"),
    ({"deadlines": {"5": {"resolve": "12 hours"}}}, "levels are 1 to 4"),
    ({"deadlines": {"3": {"respond": "30 hours"}}}, "the response is due after the resolution"),
    ({"deadlines": {"3": {"escalate": "1 hours"}}}, 'unknown "escalate"'),
    ({"levels": {"3": {"label": "书记"}}}, '"levels" cannot be overridden per community'),
    ({"auto_close_after": "3 days"}, '"auto_close_after" cannot be overridden'),
    ({"consent": {"owners_major": ">=2/3"}}, "Civil Code Art. 278 asks >=3/4"),
    ({"consent": {"owners_ordinary": ">=1/2"}}, "Civil Code Art. 278 asks >1/2"),
    ({"consent": {"households_majority": ">1/3"}}, "a decision needs at least half"),
    ({"consent": {"unit_consent": "2/3"}}, 'expected a share such as ">1/2"'),
    ({"proposals": {"support_households": 0}}, "support_households is a whole number"),
    ({"proposals": {"support_share": "3/2"}}, "at most 1"),
    ([], "must be a JSON object"),
])
def test_an_override_the_policy_cannot_honour_stops_the_start(settings, entry, message):
    with pytest.raises(ConfigError) as refused:
        start(settings, {"bajiazhuang": entry})
    assert 'COMMUNITY_POLICY_OVERRIDES["bajiazhuang"]' in str(refused.value)
    assert message in str(refused.value)


def test_the_setting_is_inline_json_or_a_file_and_must_be_an_object(tmp_path):
    env = {"LINLI_DATA_DIR": str(tmp_path)}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(SECRETARY_12_HOURS), encoding="utf-8")
    from_file = Settings.from_env(env, COMMUNITY_POLICY_OVERRIDES=str(path))
    assert json.loads(from_file.COMMUNITY_POLICY_OVERRIDES) == SECRETARY_12_HOURS
    assert Settings.from_env(env).COMMUNITY_POLICY_OVERRIDES == ""
    for bad, message in [("{bajiazhuang: 1}", "is not valid JSON"),
                         ("/nowhere/policy.json", "is neither a JSON object nor a readable file")]:
        with pytest.raises(ConfigError, match="COMMUNITY_POLICY_OVERRIDES " + message):
            Settings.from_env(env, COMMUNITY_POLICY_OVERRIDES=bad)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        Settings.from_env(env, COMMUNITY_POLICY_OVERRIDES=str(path))


def test_an_upgrade_keeps_a_changed_level_default_until_it_is_moved_into_the_policy(empty_database_url):
    # The level defaults used to be rows; one an operator changed must not vanish silently.
    init_db(empty_database_url)
    with connected():
        migration_runner().up(target="0018_open311_privacy")
        SlaPolicy.update(resolution_amount=12).where(SlaPolicy.category.is_null() & (SlaPolicy.level == 3)).execute()
    with pytest.raises(RuntimeError, match=r"changed level defaults \(levels 3\).*COMMUNITY_POLICY_OVERRIDES"):
        upgrade()
    with connected():
        SlaPolicy.delete().where(SlaPolicy.category.is_null() & (SlaPolicy.level == 3)).execute()
    assert "0019_level_deadlines_in_policy" in upgrade()
    with connected():
        assert SlaPolicy.select().count() == 0
