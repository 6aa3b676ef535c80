"""Every message and event a resident (or WeChat itself) sends to the official account, pushed
as WeChat signs it, and what staff then see and can do with it."""
import re

import pytest

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.account import InboundMessage
from tests.support.wechat_push import WeChat


@pytest.fixture(params=["plain", "safe"])
def wechat(request, client, database, emulator):
    seed_demo()
    return WeChat(client, mode=request.param)


def _console_page(client, path, username="editor"):
    page = client.get("/console/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/console/login", data={"username": username, "password": DEMO_PASSWORD, "csrf": csrf})
    answer = client.get(path)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


@pytest.fixture
def console_page(client, wechat):
    from tests.support.settings import use_settings
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False
    return lambda path, username="editor": _console_page(client, path, username)


# -- every kind of message reaches staff ---------------------------------------------
def test_video_short_video_and_link_messages_reach_the_console_inbox(wechat, console_page):
    # The mistake: these got "your message was received" but the inbox listed only text, image,
    # voice and location, so no one ever saw them (a link's title and URL were only in raw XML).
    wechat.say(wechat.video("o-film", media_id="vid-1"))
    wechat.say(wechat.video("o-film", media_id="svid-1", msg_type="shortvideo"))
    wechat.say(wechat.link("o-film", "小区东门井盖松动", "车一压就响，晚上很危险",
                           "https://mp.weixin.qq.com/s/jinggai"))
    page = console_page("/console/inbox")
    assert "小区东门井盖松动" in page and "车一压就响，晚上很危险" in page
    assert 'href="https://mp.weixin.qq.com/s/jinggai"' in page
    assert page.count("<video") + page.count("视频，尚未下载") + page.count("小视频，尚未下载") >= 2
    assert InboundMessage.select().where(InboundMessage.msg_type.in_(["video", "shortvideo", "link"])).count() == 3


def test_a_link_turned_into_a_case_keeps_its_title_and_url(wechat, console_page):
    from models.cases import Case
    wechat.say(wechat.link("o-link", "楼道堆物照片", "3号楼", "https://example.com/a"))
    page = console_page("/console/inbox")
    message = InboundMessage.get(InboundMessage.msg_type == "link")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    wechat.client.post("/console/inbox/%d/case" % message.id, data={"csrf": csrf})
    assert Case.get().description == "楼道堆物照片\n3号楼\nhttps://example.com/a"


# -- the inbox's time column ----------------------------------------------------------
def test_inbox_shows_when_each_message_arrived(wechat, console_page):
    # The mistake: the template read a column the message does not have, so every row showed "—".
    wechat.say(wechat.text("o-time", "你好"))
    page = console_page("/console/inbox")
    cells = re.findall(r"<tr><td>([^<]*)</td>", page)
    assert cells and all(re.fullmatch(r"\d\d-\d\d \d\d:\d\d", c) for c in cells), cells


# -- WeChat's own senders and the account's verification -----------------------------
@pytest.mark.parametrize("event", ["MASSSENDJOBFINISH", "PUBLISHJOBFINISH", "qualification_verify_success",
                                   "verify_expired"])
def test_system_senders_never_become_residents(wechat, event):
    # The mistake: `mphelper` (WeChat's job reports) and the verification events' sender were
    # stored as residents, who then showed up in follower counts and could be "replied" to.
    from models.people import Resident
    before = Resident.select().count()
    response = wechat.post(wechat.event("mphelper", event))
    assert response.get_data(as_text=True) == "success"
    assert Resident.select().count() == before
    stored = InboundMessage.get(InboundMessage.event == event.lower())
    assert stored.state == "handled" and stored.resident_id is None


def test_losing_verification_alerts_staff_on_the_dashboard_and_in_the_log(wechat, console_page, caplog):
    # Losing verification silently removes template messages and publishing: an admin must hear.
    expires = 1767196800          # 2026-01-01 00:00 Asia/Shanghai
    wechat.say(wechat.xml("mphelper", "event", {"Event": "verify_expired", "ExpiredTime": expires}))
    assert any(r.levelname == "ERROR" and "verify_expired" in r.getMessage() for r in caplog.records)
    page = console_page("/console/", username="admin")
    assert 'id="verification-verify_expired"' in page and "认证已过期" in page and "2026-01-01" in page
    assert "认证已过期" not in console_page("/console/", username="grid1")     # not a case worker's business


# -- a message proves they follow; importing the followers WeChat has -------------------
def test_a_message_from_an_unrecorded_follower_lets_staff_reply(wechat, console_page, emulator):
    # The mistake: someone who followed before Linli was connected (no follow push ever came)
    # wrote in; their case was filed but they stayed "not subscribed", so the reply was refused
    # with "该居民未关注公众号" and case notifications were skipped.
    from models.account import OutboundMessage
    from models.people import Resident
    wechat.say(wechat.text("o-old-fan", "你好，请问社区几点上班"))
    assert Resident.get(Resident.oa_openid == "o-old-fan").subscribed
    page = console_page("/console/inbox")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    message = InboundMessage.get(InboundMessage.openid == "o-old-fan")
    wechat.client.post("/console/inbox/%d/reply" % message.id, data={"csrf": csrf, "text": "8:30上班"})
    assert OutboundMessage.get().state == "sent"
    assert emulator.calls("cgi-bin/message/custom/send")[0].body["touser"] == "o-old-fan"


def test_a_message_older_than_a_recorded_unsubscribe_does_not_resubscribe(wechat):
    import datetime

    from models.people import Resident
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    Resident.create(oa_openid="o-gone", subscribed=False, unsubscribed_at=now)
    wechat.say(wechat.text("o-gone", "在吗", create_time=int(now.timestamp()) - 60))     # a late retry
    assert not Resident.get(Resident.oa_openid == "o-gone").subscribed


def test_importing_followers_pages_batches_and_resumes_after_an_interruption(app, database, emulator):
    # 250 followers on 3 user/get pages; the import is cut off (WeChat busy) at its second batch.
    from models.people import Resident
    seed_demo()
    before = Resident.select().count()
    imported = Resident.select().where(Resident.oa_openid.startswith("f-") & (Resident.subscribed == True))  # noqa: E712
    Resident.create(mp_openid="mp-linked", unionid="u-7")        # known from the mini-program only
    Resident.create(oa_openid="f-000", subscribed=False)         # known, follow never recorded
    for n in range(250):
        emulator.follower("f-%03d" % n, unionid="u-%d" % n if n < 10 else None)
    emulator.state.user_page = 120
    emulator.fail(-1, path="cgi-bin/user/info/batchget", after=1)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["wechat", "followers", "import"])
    assert first.exit_code != 0 and "resume" in first.output and "100/250 followers read" in first.output
    assert imported.count() == 100
    second = runner.invoke(args=["wechat", "followers", "import"])
    assert second.exit_code == 0, second.output
    assert "200/250" in second.output and "done: 250 followers read of 250" in second.output
    batches = [[u["openid"] for u in c.body["user_list"]] for c in emulator.calls("cgi-bin/user/info/batchget")
               if c.errcode == 0]
    # 100 (then cut off), and on resuming from f-099: pages f-100..f-219 and f-220..f-249.
    assert [len(b) for b in batches] == [100, 100, 20, 30]
    assert batches[0][0] == "f-000" and batches[1][0] == "f-100"    # resumed, not from the start
    assert imported.count() == 250 and Resident.select().count() == before + 250
    assert Resident.get(Resident.unionid == "u-7").oa_openid == "f-007"       # linked, not duplicated
    assert Resident.get(Resident.oa_openid == "f-000").subscribed_at is not None


# -- every menu button answers -------------------------------------------------------
def _menu_keys():
    import json

    from account import menu
    shipped = json.loads(menu.MENU_FILE.read_text(encoding="utf-8"))
    return [b["key"] for top in shipped["button"] for b in top.get("sub_button", [top]) if b["type"] == "click"]


def test_every_button_of_the_shipped_menu_gets_a_real_answer(wechat):
    # The mistake: NOTICES, SERVICE_GUIDE and RED_CARD answered "您的留言已收到" — false for a tap.
    from models.community import Building
    from models.content import Article
    from models.content import Notice
    from models.people import Resident
    building = Building.select().order_by(Building.id).first()
    Resident.create(oa_openid="o-menu", community=building.community_id, building=building,
                    address_state="confirmed", subscribed=True)
    article = Article.create(community=building.community_id, title="11月28日停水通知", state="published",
                             url="https://mp.weixin.qq.com/s/tingshui")
    Notice.create(community=building.community_id, article=article, state="sent", client_msg_id="n-1")
    answers = {key: wechat.say(wechat.event("o-menu", "CLICK", key=key)) for key in _menu_keys()}
    assert set(answers) == {"REPORT_HELP", "MY_CASES", "NOTICES", "SERVICE_GUIDE", "RED_CARD", "PROPOSALS_AND_VOTES",
                            "VOLUNTEERS"}
    assert all(a and "留言已收到" not in a for a in answers.values()), answers
    assert '<a href="https://mp.weixin.qq.com/s/tingshui">11月28日停水通知</a>' in answers["NOTICES"]
    assert "办事指南" in answers["SERVICE_GUIDE"] and "服务牌" in answers["SERVICE_GUIDE"]
    assert "社区红卡" in answers["RED_CARD"] and 'data-miniprogram-appid="wx-test-mp"' in answers["RED_CARD"]


def test_menu_push_refuses_a_click_key_that_nothing_answers(app, database, emulator, tmp_path):
    import json

    from account.rules import save_rule
    menu_file = tmp_path / "menu.json"
    menu_file.write_text(json.dumps({"button": [{"type": "click", "name": "停车", "key": "PARKING"},
                                                {"type": "click", "name": "进度", "key": "MY_CASES"}]}))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["wechat", "menu", "push", "--file", str(menu_file)])
    assert refused.exit_code != 0 and "PARKING" in refused.output and "MY_CASES" not in refused.output
    assert not emulator.calls("cgi-bin/menu/create")
    save_rule("停车", "click", "PARKING", reply_text="小区停车请到物业登记")     # staff give it an answer
    assert runner.invoke(args=["wechat", "menu", "push", "--file", str(menu_file)]).exit_code == 0
    assert emulator.calls("cgi-bin/menu/create")


# -- voice, photos and videos kept while WeChat has them -----------------------------
def _jpeg(color="red"):
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, "JPEG")
    return buffer.getvalue()


AMR = b"#!AMR\n" + bytes(range(256)) * 4


def _resident(openid):
    from models.community import Building
    from models.people import Resident
    building = Building.select().order_by(Building.id).first()
    return Resident.create(oa_openid=openid, community=building.community_id, building=building,
                           address_state="confirmed", subscribed=True)


def test_voice_and_photo_are_downloaded_so_staff_can_play_and_see_them(wechat, console_page, emulator, settings):
    # The mistake: only WeChat's media_id was kept; WeChat forgets it after 3 days, and the voice
    # of a resident who cannot type was then lost for good (the photo's PicUrl is not ours either).
    from pathlib import Path

    from models.cases import Case
    _resident("o-media")
    emulator.resident_media("m-voice", AMR, "audio/amr")
    emulator.resident_media("m-photo", _jpeg(), "image/jpeg")
    wechat.say(wechat.voice("o-media", "", media_id="m-voice"))          # no recognition: only the voice says it
    wechat.say(wechat.image("o-media", media_id="m-photo"))
    voice = InboundMessage.get(InboundMessage.msg_type == "voice")
    photo = InboundMessage.get(InboundMessage.msg_type == "image")
    assert voice.media_path.endswith(".amr") and Path(settings.MEDIA_DIR, voice.media_path).read_bytes() == AMR
    assert photo.media_path.endswith(".jpg") and Path(settings.MEDIA_DIR, photo.media_path).is_file()
    assert [c.params["media_id"] for c in emulator.calls("cgi-bin/media/get")] == ["m-voice", "m-photo"]
    case = Case.get()
    assert [p.url for p in case.photos] == ["/media/" + photo.media_path]
    inbox = console_page("/console/inbox", username="admin")
    assert '<audio controls preload="none" src="/media/%s">' % voice.media_path in inbox
    assert '<img src="/media/%s"' % photo.media_path in inbox
    case_page = wechat.client.get("/console/cases/%s" % case.number).get_data(as_text=True)
    assert 'src="/media/%s"' % voice.media_path in case_page and 'src="/media/%s"' % photo.media_path in case_page
    assert wechat.client.get("/media/" + voice.media_path).data == AMR


def test_video_is_kept_and_media_wechat_no_longer_has_is_logged_not_fatal(wechat, console_page, emulator, caplog):
    emulator.resident_media("m-film", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, "video/mp4")
    emulator.resident_media("m-old", _jpeg(), "image/jpeg", age_days=4)       # gone from WeChat
    wechat.say(wechat.video("o-film2", media_id="m-film"))
    assert "补充" in wechat.say(wechat.image("o-film2", media_id="m-old"))   # the resident is answered anyway
    film = InboundMessage.get(InboundMessage.msg_type == "video")
    assert film.media_path.endswith(".mp4")
    assert '<video controls preload="none" src="/media/%s"' % film.media_path in console_page("/console/inbox")
    assert InboundMessage.get(InboundMessage.msg_type == "image").media_path == ""
    assert any("40007" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


# -- residents' photos go through WeChat's mediaCheckAsync ----------------------------
MP_TOKEN = "linli-mp-token"
MP_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"


@pytest.fixture
def mini_push(wechat, client, emulator):
    """The mini-program's own push URL, signed with its own token and key, in the test's mode."""
    from tests.support.settings import use_settings
    from tests.support.wechat_apps import MP_APPID
    use_settings(MINIPROGRAM_TOKEN=MP_TOKEN, MINIPROGRAM_AES_KEY=MP_AES_KEY)
    return WeChat(client, mode=wechat.mode, token=MP_TOKEN, aes_key=MP_AES_KEY, appid=MP_APPID)


def _mini_program_user(client, emulator, oa_openid, mp_openid):
    """A follower who also used the mini-program just now (what v2 checks require)."""
    from models.people import Resident
    answer = client.post("/api/mp/login", json={"code": emulator.login_code(mp_openid)})
    assert answer.status_code == 200, answer.json
    resident = Resident.get(Resident.mp_openid == mp_openid)
    from models.community import Building
    building = Building.select().order_by(Building.id).first()
    Resident.update(oa_openid=oa_openid, subscribed=True, community=building.community_id, building=building,
                    address_state="confirmed").where(Resident.id == resident.id).execute()
    return {"Authorization": "Bearer " + answer.json["token"]}


@pytest.mark.parametrize("data_format", ["json", "xml"])
def test_a_flagged_photo_is_held_and_a_clean_one_passes(wechat, mini_push, client, emulator, data_format):
    # The mistake: photos residents sent were never checked; a flagged one stayed on the case
    # residents see. Now the check is asked after the reply, and WeChat's verdict push holds it.
    from models.cases import Case
    from models.cases import CaseEvent
    from models.cases import CasePhoto
    auth = _mini_program_user(client, emulator, "o-pic", "mp-pic")
    emulator.resident_media("m-bad", _jpeg("black"), "image/jpeg")
    wechat.say(wechat.image("o-pic", media_id="m-bad"))
    asked = emulator.calls("wxa/media_check_async")
    assert len(asked) == 1 and asked[0].body["openid"] == "mp-pic" and asked[0].body["version"] == 2
    assert asked[0].body["media_url"] == "http://mmbiz.qpic.cn/m-bad" and asked[0].body["media_type"] == 2
    message = InboundMessage.get(InboundMessage.media_id == "m-bad")
    assert message.media_check == "pending" and message.media_trace_id
    case = Case.get()
    assert client.get("/api/mp/reports/%s" % case.number, headers=auth).json["photos"]       # shown until the verdict

    verdict = mini_push.media_check_verdict(message.media_trace_id, "risky", label=20002)
    for _ in range(2):                                   # WeChat retries: one effect
        answer = mini_push.post_fields(verdict, data_format=data_format)
        assert answer.status_code == 200 and answer.get_data(as_text=True) == "success"
    assert InboundMessage.get_by_id(message.id).media_check == "held"
    assert CasePhoto.get().held
    assert client.get("/api/mp/reports/%s" % case.number, headers=auth).json["photos"] == []
    notes = [e for e in case.events if e.kind == "note" and "内容安全检查" in e.note]
    assert len(notes) == 1 and not notes[0].public

    emulator.resident_media("m-good", _jpeg("white"), "image/jpeg")
    wechat.say(wechat.image("o-pic", media_id="m-good"))
    clean = InboundMessage.get(InboundMessage.media_id == "m-good")
    mini_push.post_fields(mini_push.media_check_verdict(clean.media_trace_id, "pass"), data_format=data_format)
    assert InboundMessage.get_by_id(clean.id).media_check == "pass"
    assert len(client.get("/api/mp/reports/%s" % case.number, headers=auth).json["photos"]) == 1
    assert CaseEvent.select().count() > 0


def test_a_forged_verdict_is_refused_and_changes_nothing(wechat, mini_push, client, emulator):
    # Someone posting "pass" for a held photo, or "risky" to hide evidence, without the token.
    _mini_program_user(client, emulator, "o-pic2", "mp-pic2")
    wechat.say(wechat.image("o-pic2", media_id="m-x"))
    message = InboundMessage.get(InboundMessage.media_id == "m-x")
    forger = WeChat(client, mode="plain", token="guessed-token")
    answer = forger.post_fields(forger.media_check_verdict(message.media_trace_id, "risky"))
    assert answer.status_code == 403
    assert InboundMessage.get_by_id(message.id).media_check == "pending"


def test_a_follower_who_is_not_a_recent_mini_program_user_is_not_sent_to_the_check(wechat, emulator):
    # v2 accepts only the openid of someone who used the mini-program in the last 2 hours.
    wechat.say(wechat.image("o-oa-only", media_id="m-y"))
    assert not emulator.calls("wxa/media_check_async")
    assert InboundMessage.get(InboundMessage.media_id == "m-y").media_check == ""


def test_a_flagged_photo_filed_later_by_staff_stays_held(wechat, mini_push, client, emulator, console_page):
    # The verdict came before staff turned the message into a case: the case must not show it.
    from models.cases import CasePhoto
    from models.people import Resident
    _mini_program_user(client, emulator, "o-late", "mp-late")
    wechat.say(wechat.image("o-late", media_id="m-late"))
    message = InboundMessage.get(InboundMessage.media_id == "m-late")
    mini_push.post_fields(mini_push.media_check_verdict(message.media_trace_id, "risky"))
    CasePhoto.delete().execute()                   # as if the photo had not become a case
    page = console_page("/console/inbox")
    assert "内容安全检查未通过" in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/console/inbox/%d/case" % message.id, data={"csrf": csrf})
    assert [p.held for p in CasePhoto.select()] == [True]
    assert Resident.get(Resident.oa_openid == "o-late").subscribed


def test_odd_verdict_pushes_are_answered_without_a_500(wechat, mini_push):
    # WeChat's JSON may differ from the documented shape; a broken body is the sender's error.
    odd = mini_push.media_check_verdict("trace-unknown", "risky")
    odd["result"] = "risky"
    assert mini_push.post_fields(odd).get_data(as_text=True) == "success"
    assert mini_push.post_fields(mini_push.media_check_verdict("trace-unknown", "pass"),
                                 data_format="xml").status_code == 200
    broken = mini_push.client.post("/wechat/miniprogram", data=b"{not json",
                                   query_string=mini_push.query(), content_type="application/json")
    assert broken.status_code == 400


def test_two_mass_sends_finishing_in_one_second_are_both_recorded(wechat):
    # WeChat reports each mass send's end (MASSSENDJOBFINISH) from the same system sender; two
    # notices finishing in one second differ only in MsgID, and a retried report repeats it.
    def finished(msg_id):
        return WeChat.xml("o-system", "event", {"Event": "MASSSENDJOBFINISH", "MsgID": msg_id, "Status": "send success",
                                                "TotalCount": "1", "FilterCount": "1", "SentCount": "1",
                                                "ErrorCount": "0"}, msg_id=False, create_time=1767225600)
    for xml in (finished("1000001"), finished("1000002"), finished("1000002")):
        assert wechat.post(xml).status_code == 200
    assert InboundMessage.select().where(InboundMessage.event == "masssendjobfinish").count() == 2
