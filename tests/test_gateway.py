"""/wechat driven the way WeChat drives it: signed (and encrypted) pushes, retries, attacks."""
import time

import pytest

from community.demo import seed_demo
from models.account import InboundMessage
from models.cases import Case
from models.cases import CaseEvent
from models.cases import CasePhoto
from models.community import Building
from models.people import Resident
from tests.support.wechat_apps import WECHAT_TOKEN
from tests.support.wechat_push import WeChat
from tests.support.wechat_push import sign


@pytest.fixture(params=["plain", "safe"])
def wechat(request, client, database):
    seed_demo()
    return WeChat(client, mode=request.param)


def _resident_in_building(openid, building_number=1):
    building = Building.select().order_by(Building.id)[building_number - 1]
    return Resident.create(oa_openid=openid, community=building.community_id, building=building,
                           address_state="confirmed")


# -- URL verification -------------------------------------------------------------------------
def test_url_verification_echoes_echostr(client):
    ts, nonce = str(int(time.time())), "abc"
    answer = client.get("/wechat", query_string={"signature": sign(WECHAT_TOKEN, ts, nonce),
                                                 "timestamp": ts, "nonce": nonce, "echostr": "echo-123"})
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == "echo-123"


def test_url_verification_with_a_forged_signature_is_refused(client):
    # Someone else trying to point our account's URL check at a forged answer.
    answer = client.get("/wechat", query_string={"signature": "0" * 40, "timestamp": "1",
                                                 "nonce": "n", "echostr": "x"})
    assert answer.status_code == 403


# -- reports ----------------------------------------------------------------------------------
def test_text_report_becomes_a_case_routed_to_the_grid_worker(wechat):
    resident = _resident_in_building("o-lu")
    reply = wechat.say(wechat.text("o-lu", "报修：3单元楼道灯不亮了"))
    case = Case.get(Case.reporter == resident)
    assert case.description == "3单元楼道灯不亮了"
    assert case.channel == "official_account" and case.state == "submitted" and case.level == 1
    assert case.assignee.name == "网格员一"
    assert case.number in reply and "网格员" in reply and "进度" in reply
    message = InboundMessage.get(InboundMessage.openid == "o-lu")
    assert message.state == "handled" and "楼道灯" in message.raw_xml
    assert [e.kind for e in case.events.order_by(CaseEvent.id)] == ["submitted", "assigned"]


def test_retry_of_same_msgid_creates_one_case_and_gets_the_same_reply(wechat):
    _resident_in_building("o-retry")
    xml = wechat.text("o-retry", "反映 垃圾桶满了没人清")
    first = wechat.say(xml)
    second = wechat.say(xml)
    third = wechat.say(xml)
    assert first == second == third
    assert Case.select().count() == 1
    assert InboundMessage.select().count() == 1


def test_retry_of_same_event_has_no_second_effect(wechat):
    xml = wechat.event("o-sub", "subscribe")
    assert "欢迎关注" in wechat.say(xml)
    assert "欢迎关注" in wechat.say(xml)
    assert InboundMessage.select().count() == 1
    assert Resident.select().where(Resident.oa_openid == "o-sub").count() == 1


def test_photo_then_words_make_one_case(wechat):
    _resident_in_building("o-photo")
    first = wechat.say(wechat.image("o-photo", media_id="m-glass"))
    assert "补充一句文字说明" in first
    second = wechat.say(wechat.text("o-photo", "随手拍 11号楼灭火器玻璃碎了"))
    case = Case.get()
    assert Case.select().count() == 1
    assert case.description == "11号楼灭火器玻璃碎了"
    assert [p.media_id for p in case.photos] == ["m-glass"]
    assert case.number in second and "补充" in second


def test_words_then_photo_make_one_case(wechat):
    _resident_in_building("o-words")
    wechat.say(wechat.text("o-words", "报修 电梯不动了"))
    reply = wechat.say(wechat.image("o-words", media_id="m-lift"))
    assert Case.select().count() == 1
    assert CasePhoto.get().case.description == "电梯不动了"
    assert "照片" in reply


def test_voice_report_uses_its_recognition(wechat):
    _resident_in_building("o-elder")
    reply = wechat.say(wechat.voice("o-elder", "我家楼下的路灯坏了好几天了"))
    assert Case.get().description == "我家楼下的路灯坏了好几天了"
    assert "案件编号" in reply


def test_voice_without_recognition_is_still_a_case(wechat):
    _resident_in_building("o-elder2")
    wechat.say(wechat.voice("o-elder2", ""))
    case = Case.get()
    assert "未能识别" in case.description
    assert InboundMessage.get().media_id == "voice-1"       # staff can fetch the voice itself


def test_location_becomes_a_case_with_the_point(wechat):
    _resident_in_building("o-where")
    reply = wechat.say(wechat.location("o-where", lat=38.0512, lng=114.5213, label="丰收路口"))
    case = Case.get()
    assert (case.location_x, case.location_y, case.location_label) == (38.0512, 114.5213, "丰收路口")
    assert "文字或照片" in reply


def test_resident_without_address_still_gets_a_case(wechat):
    reply = wechat.say(wechat.text("o-new", "投诉 夜里广场舞太吵"))
    case = Case.get()
    assert case.assignee is None and case.community.code == "bajiazhuang"
    assert "社区工作人员" in reply


# -- progress ---------------------------------------------------------------------------------
def test_progress_query_lists_open_cases_with_state_and_level(wechat):
    _resident_in_building("o-prog")
    wechat.say(wechat.text("o-prog", "报修 水管漏水"))
    number = Case.get().number
    for question in ("进度", "查询"):
        reply = wechat.say(wechat.text("o-prog", question))
        assert number in reply and "水管漏水" in reply and "网格员" in reply
    menu = wechat.say(wechat.event("o-prog", "CLICK", key="MY_CASES"))
    assert number in menu


def test_progress_query_never_shows_someone_elses_case(wechat):
    _resident_in_building("o-a")
    wechat.say(wechat.text("o-a", "报修 我家门口漏水"))
    reply = wechat.say(wechat.text("o-b", "进度"))
    assert "没有正在办理" in reply and "漏水" not in reply


# -- followers --------------------------------------------------------------------------------
def test_following_through_a_buildings_qr_code_records_it_and_shows_its_board(wechat):
    building = Building.select().order_by(Building.id).first()
    reply = wechat.say(wechat.event("o-door", "subscribe", key="qrscene_" + building.qr_scene))
    resident = Resident.get(Resident.oa_openid == "o-door")
    assert resident.building_id == building.id and resident.address_state == "pending"
    assert resident.subscribed
    assert "欢迎关注八家庄社区" in reply
    assert "楼长：楼长老王 13900000031" in reply        # published phone on the board
    assert "网格员：网格员一 13900000021" in reply
    assert "1单元 单元长：单元长小张" in reply


def test_scan_by_an_existing_follower_shows_the_board(wechat):
    building = Building.select().order_by(Building.id)[1]
    wechat.say(wechat.event("o-scan", "subscribe"))
    reply = wechat.say(wechat.event("o-scan", "SCAN", key=building.qr_scene))
    assert "楼长老李" in reply
    assert Resident.get(Resident.oa_openid == "o-scan").building_id == building.id


def test_scan_does_not_overwrite_a_confirmed_address(wechat):
    resident = _resident_in_building("o-home", 1)
    other = Building.select().order_by(Building.id)[5]
    wechat.say(wechat.event("o-home", "SCAN", key=other.qr_scene))
    assert Resident.get_by_id(resident.id).building_id == resident.building_id


def test_unsubscribe_erases_the_profile_and_keeps_the_cases(wechat):
    resident = _resident_in_building("o-leave")
    Resident.update(nickname="老赵", phone="13812345678").where(Resident.id == resident.id).execute()
    wechat.say(wechat.text("o-leave", "报修 楼顶漏雨"))
    assert wechat.say(wechat.event("o-leave", "unsubscribe")) == ""
    gone = Resident.get_by_id(resident.id)
    assert (gone.subscribed, gone.nickname, gone.phone) == (False, "", None)
    assert Case.get().reporter_id == resident.id and Case.get().description == "楼顶漏雨"


def test_welcome_text_is_editable(wechat):
    from account import texts
    texts.set_text("welcome", "欢迎来到{community}，有事请留言。")
    assert wechat.say(wechat.event("o-w", "subscribe")) == "欢迎来到社区公众号，有事请留言。"


# -- replies ----------------------------------------------------------------------------------
def test_auto_reply_rules_by_priority_then_default(wechat):
    from account.rules import save_rule
    save_rule("办事时间", "contains", "时间", reply_text="社区办公时间：周一至周五 8:30-17:30")
    save_rule("低保", "regex", r"低保|救助", reply_text="低保申请请带身份证到社区服务站", priority=5)
    save_rule("精确", "exact", "你好", reply_text="您好！")
    assert wechat.say(wechat.text("o-r", "社区几点上班，办公时间？")).startswith("社区办公时间")
    assert wechat.say(wechat.text("o-r", "低保办理时间")) == "低保申请请带身份证到社区服务站"
    assert wechat.say(wechat.text("o-r", "你好")) == "您好！"
    assert "留言已收到" in wechat.say(wechat.text("o-r", "你好呀"))
    assert Case.select().count() == 0


def test_menu_click_rule_and_news_reply(wechat):
    from account.rules import save_rule
    save_rule("通知", "click", "NOTICES", reply_type="news", reply_articles=[
        {"title": "停水通知", "description": "6号楼", "url": "https://mp.weixin.qq.com/s/x",
         "image": ""}])
    response = wechat.post(wechat.event("o-m", "CLICK", key="NOTICES"))
    reply = wechat.reply(response)
    assert reply["MsgType"] == "news" and reply["Articles"]["item"]["Title"] == "停水通知"
    assert "反映问题" in wechat.say(wechat.event("o-m", "CLICK", key="REPORT_HELP"))


@pytest.mark.parametrize("event", ["VIEW", "LOCATION", "MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH",
                                   "PUBLISHJOBFINISH", "view_miniprogram", "kf_create_session"])
def test_other_events_are_stored_and_answered_success(wechat, event):
    response = wechat.post(wechat.event("o-e", event, key="x"))
    assert response.status_code == 200 and response.get_data(as_text=True) == "success"
    assert InboundMessage.get().event == event.lower()


def test_unknown_message_type_is_stored_and_answered_success(wechat):
    response = wechat.post(wechat.xml("o-u", "hologram", {"Content": "?"}))
    assert response.get_data(as_text=True) == "success"
    stored = InboundMessage.get()
    assert stored.msg_type == "hologram" and stored.state == "handled"


@pytest.mark.parametrize("msg_type", ["video", "shortvideo", "link"])
def test_media_we_do_not_act_on_gets_the_default_reply(wechat, msg_type):
    assert "留言已收到" in wechat.say(wechat.xml("o-v", msg_type, {"MediaId": "m", "Title": "t"}))


def test_a_failure_while_handling_keeps_the_message_and_tells_the_resident(wechat, monkeypatch):
    from account import conversation

    def broken(*args):
        raise RuntimeError("routing table missing")

    monkeypatch.setattr(conversation, "respond", broken)
    reply = wechat.say(wechat.text("o-f", "报修 门禁坏了"))
    assert "已收到并保存" in reply
    stored = InboundMessage.get()
    assert stored.state == "failed" and "routing table missing" in stored.error
    assert "门禁坏了" in stored.raw_xml
    assert Case.select().count() == 0


def test_two_menu_taps_in_one_second_are_two_events_not_a_retry(wechat):
    now = int(time.time())
    first = wechat.say(wechat.event("o-tap", "CLICK", key="REPORT_HELP", create_time=now))
    second = wechat.say(wechat.event("o-tap", "CLICK", key="MY_CASES", create_time=now))
    assert "反映问题" in first and "没有正在办理" in second
    assert InboundMessage.select().count() == 2


def test_concurrent_duplicates_in_two_worker_processes_make_one_case(live_server, database):
    # WeChat's retry can reach the other gunicorn worker while the first is still working.
    import threading

    from tests.support.live_server import HttpClient
    seed_demo()
    _resident_in_building("o-burst")
    pusher = WeChat(HttpClient(live_server.url), mode="safe")
    xml = pusher.text("o-burst", "报修 消防通道被车堵了")
    replies, threads = [], []
    for _ in range(8):
        threads.append(threading.Thread(target=lambda: replies.append(pusher.post(xml))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in replies] == [200] * 8
    assert Case.select().count() == 1
    assert InboundMessage.select().count() == 1
    number = Case.get().number
    answered = [pusher.reply(r).get("Content", "") for r in replies]
    # Each try gets the first reply, or `success` if it came while the first was working.
    assert all(number in a or a == "" for a in answered) and any(number in a for a in answered)
