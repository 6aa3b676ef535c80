"""Every message and event a resident (or WeChat itself) sends to the official account, pushed
as WeChat signs it, and what staff then see and can do with it."""
import re

import pytest

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.account import InboundMessage
from tests.wechat_push import WeChat


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
    from tests.conftest import use_settings
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False
    return lambda path, username="editor": _console_page(client, path, username)


# -- item 10: every kind of message reaches staff ---------------------------------------------
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
    from models.reports import Report
    wechat.say(wechat.link("o-link", "楼道堆物照片", "3号楼", "https://example.com/a"))
    page = console_page("/console/inbox")
    message = InboundMessage.get(InboundMessage.msg_type == "link")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    wechat.client.post("/console/inbox/%d/case" % message.id, data={"csrf": csrf})
    assert Report.get().description == "楼道堆物照片\n3号楼\nhttps://example.com/a"


# -- item 16: the inbox's time column ----------------------------------------------------------
def test_inbox_shows_when_each_message_arrived(wechat, console_page):
    # The mistake: the template read a column the message does not have, so every row showed "—".
    wechat.say(wechat.text("o-time", "你好"))
    page = console_page("/console/inbox")
    cells = re.findall(r"<tr><td>([^<]*)</td>", page)
    assert cells and all(re.fullmatch(r"\d\d-\d\d \d\d:\d\d", c) for c in cells), cells


# -- item 15: WeChat's own senders and the account's verification -----------------------------
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
