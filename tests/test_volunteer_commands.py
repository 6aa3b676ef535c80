"""志愿 on the official account, on both databases: typed, spoken or tapped in the menu, it lists
the activities the follower may join (their team's community, their building's team), with their
own sign-up or the places left and links into the mini-program's activity pages; pushed as WeChat
signs them."""
import datetime

import pytest

from account import volunteering
from community.demo import seed_demo
from models.cases import Case
from models.community import Building
from models.community import Community
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from tests.support.wechat_push import WeChat
from volunteers import activities
from volunteers import teams
from volunteers.teams import Actor

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def town(client, database, emulator):
    seed_demo()
    community = Community.get(Community.code == "bajiazhuang")
    home, elsewhere = Building.select().where(Building.community == community).order_by(Building.id)[:2]
    secretary = Actor(staff=Staff.get(Staff.username == "tianbing"))
    return dict(community=community, home=home, elsewhere=elsewhere, secretary=secretary, wechat=WeChat(client))


def follower(town, openid, building=None, state="confirmed"):
    building = building or town["home"]
    return Resident.create(oa_openid=openid, subscribed=True, nickname=openid, community=town["community"],
                           building=building, room="101", address_state=state)


def activity(town, team, title, starts_in, capacity=2):
    now = utcnow()
    return activities.post(town["secretary"], team.id, title, "1号楼下", now + starts_in, now + starts_in + 2 * HOUR,
                           capacity=capacity, now=now)


def test_the_command_the_menu_key_and_a_spoken_word_list_what_i_may_join(town):
    me = follower(town, "o-me")
    other = follower(town, "o-other")
    community_team = teams.create_team(town["secretary"].staff, town["community"].id, "红色志愿服务队")
    my_building = teams.create_team(town["secretary"].staff, town["community"].id, "1号楼公益小分队",
                                    building_id=town["home"].id)
    their_building = teams.create_team(town["secretary"].staff, town["community"].id, "2号楼公益小分队",
                                       building_id=town["elsewhere"].id)
    later = activity(town, community_team, "社区广场大扫除", 48 * HOUR, capacity=3)
    soon = activity(town, my_building, "清理楼道杂物", 2 * HOUR, capacity=1)
    activity(town, their_building, "别的楼的活动", 3 * HOUR)                       # not my building's team
    activities.sign_up(other, soon.id, idempotency_key="k-other-0123456789")        # takes the only place
    activities.sign_up(me, soon.id, idempotency_key="k-me-0123456789abc")           # waitlisted
    wechat = town["wechat"]

    typed = wechat.say(wechat.text("o-me", "志愿"))
    assert wechat.say(wechat.text("o-me", "志愿服务？")) == typed
    assert wechat.say(wechat.event("o-me", "CLICK", key="VOLUNTEERS")) == typed
    assert wechat.say(wechat.voice("o-me", "志愿者。")) == typed
    assert "近期的志愿活动（2项）" in typed and "别的楼的活动" not in typed
    assert typed.index("清理楼道杂物") < typed.index("社区广场大扫除")             # soonest first
    assert "您在候补第1位" in typed and "还剩3个名额" in typed
    assert 'data-miniprogram-path="volunteers/activity/index?id=%d"' % later.id in typed
    assert 'data-miniprogram-path="volunteers/activities/index"' in typed
    # The mistake it stands for: a spoken or typed 志愿 filed as a case ("您的留言已收到").
    assert "留言已收到" not in typed
    assert Case.select().count() == 0


def test_without_a_confirmed_address_it_says_how_to_get_one(town):
    follower(town, "o-pending", state="pending")
    wechat = town["wechat"]
    answer = wechat.say(wechat.text("o-pending", "志愿"))
    assert "请先在小程序中登记住址" in answer and 'data-miniprogram-path="pages/address/index"' in answer


def test_with_nothing_to_join_it_says_so_and_a_long_list_stays_within_wechats_limit(town):
    follower(town, "o-me")
    wechat = town["wechat"]
    assert "近期没有可报名的志愿活动" in wechat.say(wechat.text("o-me", "志愿"))
    team = teams.create_team(town["secretary"].staff, town["community"].id, "红色志愿服务队")
    for n in range(30):
        activity(town, team, "长长的活动名称" * 8 + str(n), (n + 2) * HOUR)
    answer = wechat.say(wechat.text("o-me", "志愿"))
    assert "近期的志愿活动（30项）" in answer and "全部志愿活动" in answer
    assert len(answer.encode()) <= volunteering.reply_text.MAX_REPLY_BYTES
