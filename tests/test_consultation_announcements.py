"""The official account and the households' decisions, on both databases: 议事/征询 typed, spoken
or tapped in the menu answers with the open consultations and proposals of the follower's own
scopes (pushed as WeChat signs them), and a consultation's result is mass-sent once to the
followers of its scope, through the notices' path, whatever closes it and however often."""
import datetime
import re
import threading

import pytest

from account import announcements
from account import participation
from account import reply_text
from cases import proposals
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from decisions import consultations as consult
from linli.queue import huey
from models.cases import Case
from models.community import Building
from models.community import Estate
from models.community import Grid
from models.community import Unit
from models.content import Notice
from models.db import connected
from models.db import utcnow
from models.decisions import Consultation
from models.households import Household
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff
from tests.support.wechat_push import WeChat

HOUR = datetime.timedelta(hours=1)
SENDALL = "cgi-bin/message/mass/sendall"


@pytest.fixture
def demo(client, database, emulator):
    seed_demo()
    unit = RoleAssignment.get(RoleAssignment.role == "unit_leader").unit          # 丰泽园小区 1号楼 1单元
    building = Building.get_by_id(unit.building_id)
    other_unit = Unit.select().where((Unit.building == building) & (Unit.id != unit.id)).order_by(Unit.id).first()
    elsewhere = Building.select().where(Building.estate != building.estate_id).order_by(Building.id).first()
    return {"unit": unit, "building": building, "other_unit": other_unit, "elsewhere": elsewhere,
            "community": building.community_id, "wechat": WeChat(client)}


_rooms = {}


def follower(openid, unit=None, building=None, state="confirmed"):
    """An official-account follower whose address is the next free room of `unit` (or of the
    first unit of `building`), in `state`."""
    unit = unit or Unit.select().where(Unit.building == building).order_by(Unit.id).first()
    taken = _rooms.setdefault(unit.id, set())
    household = (Household.select().where((Household.unit == unit) & Household.id.not_in(taken or [0]))
                 .order_by(Household.id).first())
    taken.add(household.id)
    home = Building.get_by_id(unit.building_id)
    return Resident.create(oa_openid=openid, subscribed=True, nickname=openid, community=home.community_id,
                           building=home.id, unit=unit.id, room=household.room, household=household.id,
                           address_state=state)


@pytest.fixture(autouse=True)
def _fresh_rooms():
    _rooms.clear()
    yield
    huey.flush()                 # retries a failing send left in the in-memory schedule


def staff(username):
    return Staff.get(Staff.username == username)


def open_one(demo, scope="building", question="楼道加装声控灯", opens=None, closes=None, **place):
    now = utcnow()
    place.setdefault("unit_id", demo["unit"].id if scope == "unit" else None)
    place.setdefault("building_id", demo["building"].id if scope in ("unit", "building") else None)
    place.setdefault("estate_id", demo["building"].estate_id if scope == "estate" else None)
    return consult.open_consultation(staff("tianbing"), demo["community"], scope, question,
                                     opens_at=opens or now - HOUR, closes_at=closes or now + 24 * HOUR,
                                     now=now - 2 * HOUR, **place)


def staff_token(client, username):
    answer = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": "Bearer " + answer.json["token"]}


def living_in(*buildings):
    """The openids of the followers whose confirmed address is in `buildings` (the demo has its own)."""
    return sorted(r.oa_openid for r in Resident.select().where(
        Resident.building.in_([b.id for b in buildings]) & (Resident.address_state == "confirmed")
        & (Resident.subscribed == True) & Resident.oa_openid.is_null(False)))  # noqa: E712


def reached(emulator, call):
    """The openids a recorded mass send reached, as the emulator's tags hold them."""
    tag_id = call.body["filter"].get("tag_id")
    return sorted(o for o, tags in emulator.state.user_tags.items() if tag_id in tags)


# -- 议事/征询 in the conversation -----------------------------------------------------------------
def test_the_command_the_menu_key_and_a_spoken_word_list_the_open_items_of_my_scopes(demo, emulator):
    me = follower("o-me", demo["unit"])
    neighbour = follower("o-neighbour", demo["unit"])
    lamp = open_one(demo, "unit", "一单元楼道加装声控灯")
    consult.cast(me, lamp, 0)
    lift = open_one(demo, "building", "1号楼外墙保温改造")
    open_one(demo, "building", "隔壁小区的停车改造", building_id=demo["elsewhere"].id)           # another scope
    open_one(demo, "unit", "二单元的事", unit_id=demo["other_unit"].id)                        # the next unit
    done = open_one(demo, "building", "已经结束的征询")
    consult.close(done, staff=staff("tianbing"))
    open_one(demo, "building", "下周才开始的征询", opens=utcnow() + 48 * HOUR, closes=utcnow() + 96 * HOUR)
    raised, _ = proposals.raise_proposal(neighbour, "building", "单车棚加装充电桩",
                                         "电动车在楼道充电危险，建议在单车棚装充电桩。")
    proposals.raise_proposal(follower("o-far", building=demo["elsewhere"]), "building", "别处的议事",
                             "这是另一个小区一栋楼里的议事内容。")

    wechat = demo["wechat"]
    typed = wechat.say(wechat.text("o-me", "征询"))
    assert wechat.say(wechat.text("o-me", " 议事？")) == typed
    assert wechat.say(wechat.event("o-me", "CLICK", key="PROPOSALS_AND_VOTES")) == typed
    assert wechat.say(wechat.voice("o-me", "议事。")) == typed
    # The two open ones of my unit and building, soonest closing first, mine answered, the other not.
    assert "正在征询（2项）" in typed and typed.index("一单元楼道加装声控灯") < typed.index("1号楼外墙保温改造")
    assert "您家已表态（同意）" in typed and "您家尚未表态" in typed
    for absent in ("隔壁小区的停车改造", "二单元的事", "已经结束的征询", "下周才开始的征询", "别处的议事"):
        assert absent not in typed
    assert "单车棚加装充电桩" in typed and "附议1/%d户" % raised.support_needed in typed and "您家尚未附议" in typed
    paths = re.findall(r'data-miniprogram-appid="wx-test-mp" data-miniprogram-path="([^"]+)"', typed)
    assert paths == ["consultations/detail/index?id=%d" % lamp.id, "consultations/detail/index?id=%d" % lift.id,
                     "consultations/list/index", "proposals/detail/index?id=%d" % raised.id, "proposals/list/index"]
    # The mistake it guards against: a spoken 议事 from an elder filed as a case.
    assert Case.select().count() == 0


def test_a_neighbour_of_another_building_sees_only_their_own_scopes(demo):
    open_one(demo, "unit", "一单元楼道加装声控灯")
    open_one(demo, "community", "社区春节联欢会办不办")
    follower("o-far", building=demo["elsewhere"])
    wechat = demo["wechat"]
    answer = wechat.say(wechat.text("o-far", "征询"))
    assert "社区春节联欢会办不办" in answer and "声控灯" not in answer and "正在征询（1项）" in answer
    assert "目前没有征集附议中的议事" in answer


def test_a_follower_without_a_confirmed_address_is_told_how_to_set_one(demo):
    secret = open_one(demo, "community", "社区春节联欢会办不办")
    wechat = demo["wechat"]
    Resident.create(oa_openid="o-new", subscribed=True)
    answer = wechat.say(wechat.event("o-new", "CLICK", key="PROPOSALS_AND_VOTES"))
    assert "登记住址" in answer and 'data-miniprogram-path="pages/address/index"' in answer
    assert secret.question not in answer          # nothing of a community they have not shown to live in
    pending = follower("o-pending", demo["unit"], state="pending")
    assert "等待社区确认" in wechat.say(wechat.text(pending.oa_openid, "议事"))
    # A confirmed address in a building without households on file: told whom to ask.
    Resident.create(oa_openid="o-no-room", subscribed=True, community=demo["community"],
                    building=demo["building"].id, address_state="confirmed")
    assert "还没有对应到具体房间" in wechat.say(wechat.text("o-no-room", "投票"))
    assert Case.select().count() == 0


def test_the_answer_stays_within_wechats_2048_bytes_and_keeps_the_way_to_the_rest(demo):
    # Many long questions: WeChat shows nothing at all for a text reply over 2048 bytes.
    for n in range(8):
        open_one(demo, "unit", "第%d项：" % n + "关于本单元公共部位维修资金使用和楼道粉刷的意见征询" * 6)
    me = follower("o-me", demo["unit"])
    for n in range(4):
        proposals.raise_proposal(me, "unit", "议事%d：" % n + "建议单元门口的快递柜挪到单车棚旁边" * 3,
                                 "快递柜挡住了单元门口的轮椅通道，老人进出不便。")
    wechat = demo["wechat"]
    answer = wechat.say(wechat.text("o-me", "征询"))
    assert len(answer.encode()) <= reply_text.MAX_REPLY_BYTES < len(_untrimmed(me).encode())
    assert "正在征询（8项）" in answer and "第0项" in answer and "第3项" not in answer
    assert "议事（征集附议4条" in answer and "议事3：" in answer and "议事0：" not in answer   # newest first
    assert 'data-miniprogram-path="consultations/list/index">全部征询</a>' in answer
    assert 'data-miniprogram-path="proposals/list/index">全部议事</a>' in answer


def _untrimmed(resident):
    now = utcnow()
    return "\n".join(text for text, _ in participation._consultations(resident, now)
                     + participation._proposals(resident))


def test_without_a_mini_program_the_answer_says_where_to_look_instead(demo):
    # A deployment without MINIPROGRAM_APPID: no link WeChat could not open, the way in words.
    from tests.support.settings import use_settings
    use_settings(MINIPROGRAM_APPID="")
    lamp = open_one(demo, "unit", "一单元楼道加装声控灯")
    follower("o-me", demo["unit"])
    wechat = demo["wechat"]
    answer = wechat.say(wechat.text("o-me", "议事"))
    assert lamp.question in answer and "<a " not in answer and "更多征询请在小程序“征询”中查看" in answer
    Resident.create(oa_openid="o-new", subscribed=True)
    assert "<a " not in wechat.say(wechat.text("o-new", "议事"))


# -- results announced ---------------------------------------------------------------------------
def test_closing_a_building_consultation_mass_sends_its_result_once_to_that_building(demo, client, emulator):
    inside = [follower("o-b1-%d" % n, demo["unit"]) for n in range(3)]
    follower("o-b1-pending", demo["unit"], state="pending")
    follower("o-far", building=demo["elsewhere"])
    lamp = open_one(demo, "building", "楼道加装声控灯")
    for resident, choice in zip(inside, (0, 0, 1), strict=True):
        consult.cast(resident, lamp, choice)
    grid = staff_token(client, "grid1")
    closed = client.post("/api/mp/staff/consultations/%d/close" % lamp.id, headers=grid)
    assert closed.status_code == 200 and closed.json["outcome"] == "passed"

    sends = emulator.calls(SENDALL)
    assert len(sends) == 1
    notice = Notice.get(Notice.consultation == lamp.id)
    assert sends[0].body["filter"] == {"is_to_all": False, "tag_id": notice.tag.tag_id}
    assert sends[0].body["clientmsgid"] == notice.client_msg_id and notice.tag.building_id == demo["building"].id
    assert reached(emulator, sends[0]) == living_in(demo["building"])
    assert {"o-b1-0", "o-b1-1", "o-b1-2"} <= set(reached(emulator, sends[0]))
    assert not {"o-b1-pending", "o-far"} & set(reached(emulator, sends[0]))
    text = sends[0].body["text"]["content"]
    assert text == notice.text and "【征询结果】楼道加装声控灯" in text and "结果：通过" in text
    assert "同意 2户，不同意 1户，弃权 0户；共%d户，3户表态" % len(consult.roll_of(lamp)) in text
    assert "同意的住户（占表态住户）：2/3户，需超过1/2，已达到" in text and "丰泽园小区 1号楼" in text

    # A second close (staff again, the periodic task), the task run again, the safety net: no more.
    assert client.post("/api/mp/staff/consultations/%d/close" % lamp.id, headers=grid).status_code == 409
    assert consult.close_due(now=lamp.closes_at + HOUR) == 0
    announcements.announce_result(lamp.id)
    assert announcements.resume(now=utcnow() + HOUR) == ([], [])
    assert len(emulator.calls(SENDALL)) == 1 and Notice.select().count() == 1

    # WeChat's job report lands on the notice, as for any notice.
    xml = WeChat.xml("o-system", "event", {"Event": "MASSSENDJOBFINISH", "MsgID": Notice.get().msg_id,
                                           "Status": "send success", "TotalCount": "3", "FilterCount": "3",
                                           "SentCount": "3", "ErrorCount": "0"}, msg_id=False)
    assert demo["wechat"].post(xml).status_code == 200
    assert (Notice.get().state, Notice.get().sent_count) == ("sent", 3)


def test_the_periodic_close_announces_a_units_result_to_its_building_naming_the_unit(demo, emulator):
    voters = [follower("o-u1-%d" % n, demo["unit"]) for n in range(2)]
    follower("o-u2", demo["other_unit"])                     # the same building, the next unit
    lift = open_one(demo, "unit", "一单元加装电梯", closes=utcnow() + HOUR)
    consult.cast(voters[0], lift, 1)
    assert not emulator.calls(SENDALL)                          # nothing before the close
    assert consult.close_due(now=lift.closes_at) == 1
    sends = emulator.calls(SENDALL)
    assert len(sends) == 1 and reached(emulator, sends[0]) == living_in(demo["building"])
    assert {"o-u1-0", "o-u1-1", "o-u2"} <= set(reached(emulator, sends[0]))
    text = sends[0].body["text"]["content"]
    assert "范围：丰泽园小区 1号楼 %s（本单元的征询，结果告知全楼邻居）" % demo["unit"].name in text
    assert "结果：未通过" in text and "同意 0户，不同意 1户" in text


def test_an_art278_result_counts_area_and_says_what_participation_lacked(demo, emulator):
    Household.update(occupancy="owner", floor_area_dm2=8000).where(Household.unit == demo["unit"]).execute()
    owner = follower("o-owner", demo["unit"])
    fund = open_one(demo, "unit", "使用维修资金更换水泵", rule="owners_art278_ordinary")
    consult.cast(owner, fund, 0)
    consult.close(fund, staff=staff("tianbing"))
    text = emulator.calls(SENDALL)[0].body["text"]["content"]
    assert "结果：未通过" in text and "同意 1户（80.00㎡）" in text and "民法典" in text
    assert "参与表决的业主（户数）：1/28户，需不少于2/3，未达到" in text
    assert "参与表决的业主（专有面积）：80.00/2240.00㎡，需不少于2/3，未达到" in text


def test_an_estate_result_goes_to_a_grid_wholly_inside_it_and_to_the_other_buildings(demo, emulator):
    # 建北小区: its 1-3号楼 become a grid of their own; 4-6号楼 share 第四网格 with 丰收小区, whose
    # tag would reach outside the estate, though it would save a send. Followers live in 1号楼,
    # 2号楼, 5号楼 and 6号楼 (and in 丰收小区, who must not hear it).
    jianbei = list(Building.select().join(Estate).where(Estate.name == "建北小区").order_by(Building.id))
    fengshou = Building.select().join(Estate).where((Estate.name == "丰收小区") & (Building.name == "4号楼")).get()
    assert fengshou.grid_id == jianbei[4].grid_id
    own = Grid.create(community=demo["community"], code="JB", name="建北网格")
    Building.update(grid=own).where(Building.id.in_([b.id for b in jianbei[:3]])).execute()
    for n, building in ((1, jianbei[0]), (2, jianbei[1]), (5, jianbei[4]), (6, jianbei[5])):
        follower("o-jb-%d" % n, building=building)
    follower("o-fengshou", building=fengshou)
    fence = open_one(demo, "estate", "小区加装电动门禁", estate_id=jianbei[0].estate_id)
    consult.close(fence, staff=staff("tianbing"))
    sends = emulator.calls(SENDALL)
    tags = [n.tag for n in Notice.select().where(Notice.consultation == fence.id).order_by(Notice.id)]
    assert [(t.grid_id, t.building_id) for t in tags] == [(own.id, None), (None, jianbei[4].id),
                                                          (None, jianbei[5].id)]
    by_tag = {s.body["filter"]["tag_id"]: reached(emulator, s) for s in sends}
    assert [by_tag[t.tag_id] for t in tags] == [living_in(*jianbei[:3]), living_in(jianbei[4]),
                                                living_in(jianbei[5])]
    assert {"o-jb-1", "o-jb-2"} <= set(by_tag[tags[0].tag_id]) and len(sends) == 3
    assert "o-fengshou" not in sum(by_tag.values(), [])


def test_a_community_result_goes_to_every_follower(demo, emulator):
    follower("o-anyone", demo["unit"])
    gala = open_one(demo, "community", "社区春节联欢会办不办")
    consult.close(gala, staff=staff("tianbing"))
    sends = emulator.calls(SENDALL)
    assert len(sends) == 1 and sends[0].body["filter"] == {"is_to_all": True}
    assert "范围：全社区" in sends[0].body["text"]["content"]


def test_a_wechat_failure_leaves_the_close_standing_and_the_announcement_retried(demo, client, emulator):
    follower("o-b1", demo["unit"])
    lamp = open_one(demo, "building", "楼道加装声控灯")
    # WeChat busy at the send: the close stands, the notice waits with the reason.
    emulator.fail(-1, path=SENDALL)
    closed = client.post("/api/mp/staff/consultations/%d/close" % lamp.id, headers=staff_token(client, "grid1"))
    assert closed.status_code == 200 and Consultation.get_by_id(lamp.id).state == "closed"
    notice = Notice.get(Notice.consultation == lamp.id)
    assert (notice.state, notice.errcode) == ("scheduled", -1)
    # The safety net leaves a send in its retries alone, and takes it up once they are past.
    assert announcements.resume() == ([], [])
    assert announcements.resume(now=utcnow() + announcements.STALLED_AFTER + HOUR) == ([], [notice.id])
    assert Notice.get_by_id(notice.id).msg_id
    sends = emulator.calls(SENDALL)
    assert len({s.body["clientmsgid"] for s in sends}) == 1 and len(sends) == 2      # one intent, sent once
    assert announcements.resume(now=utcnow() + 2 * HOUR) == ([], [])


def test_a_tag_wechat_would_not_create_leaves_the_close_and_is_announced_later(demo, emulator):
    follower("o-b1", demo["unit"])
    lamp = open_one(demo, "building", "楼道加装声控灯")
    emulator.fail(-1, path="cgi-bin/tags/create")
    consult.close(lamp, staff=staff("tianbing"))
    assert Consultation.get_by_id(lamp.id).state == "closed" and Notice.select().count() == 0
    assert not emulator.calls(SENDALL)
    assert announcements.resume() == ([lamp.id], [])
    assert len(emulator.calls(SENDALL)) == 1 and Notice.get().consultation_id == lamp.id
    assert announcements.resume() == ([], [])


def test_an_old_close_is_not_announced_late(demo, emulator):
    follower("o-b1", demo["unit"])
    lamp = open_one(demo, "building", "楼道加装声控灯")
    # A consultation closed three days ago, as if before announcements existed (no listener ran).
    Consultation.update(state="closed", outcome="failed", closed_at=utcnow() - 3 * 24 * HOUR) \
        .where(Consultation.id == lamp.id).execute()
    assert announcements.resume() == ([], []) and announcements.announce(lamp.id) == []
    assert not emulator.calls(SENDALL)


def test_two_workers_announcing_at_once_send_once(demo, emulator):
    # The close's task and the safety net (or a retried task) running together on two workers.
    # Both make the building's tag (one claims it, the other waits) and the notice (one inserts
    # it, the other finds it): one notice, one send.
    follower("o-b1", demo["unit"])
    lamp = open_one(demo, "building", "楼道加装声控灯")
    emulator.fail(-1, path="cgi-bin/tags/create")             # the close's own try made nothing
    consult.close(lamp, staff=staff("tianbing"))
    assert Notice.select().count() == 0
    barrier, errors = threading.Barrier(2), []

    def worker():
        try:
            with connected():
                barrier.wait()
                announcements.announce(lamp.id)
        except Exception as exc:        # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and Notice.select().count() == 1 and len(emulator.calls("cgi-bin/tags/create")) == 2
    assert len(emulator.calls(SENDALL)) == 1 and Notice.get().msg_id
