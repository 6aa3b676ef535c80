"""The WeChat client against the emulator: routing, the one-time token retry, and every fault
switch the emulator offers (later issues rely on each behaving as WeChat does)."""
import pytest
import requests
from wechatpy.exceptions import APILimitedException
from wechatpy.exceptions import WeChatClientException

import wechat
from tests.support.wechat_apps import APPID
from tests.support.wechat_apps import SECRET
from wechat.client import LinliWeChatClient
from wechat.client import WeChatNotConfigured
from wechat.token_store import make_token_store


@pytest.fixture
def wx(app, settings):
    return wechat.official()


def test_calls_go_to_the_configured_base_with_a_valid_token(wx, emulator):
    assert wx.user.get("o-resident")["openid"] == "o-resident"
    call = emulator.calls("cgi-bin/user/info")[0]
    assert call.errcode == 0
    assert len(emulator.token_fetches()) == 1


def test_token_is_fetched_once_and_reused(wx, emulator):
    for _ in range(3):
        wx.message.send_text("o-resident", "收到")
    assert len(emulator.calls("cgi-bin/message/custom/send")) == 3
    assert len(emulator.token_fetches()) == 1


@pytest.mark.parametrize("invalidate, errcode", [("revoke_tokens", 40001), ("expire_tokens", 42001)])
def test_refused_token_is_refreshed_once_and_the_call_retried(wx, emulator, invalidate, errcode):
    wx.message.send_text("o-resident", "第一条")
    getattr(emulator, invalidate)()
    wx.message.send_text("o-resident", "第二条")
    sends = emulator.calls("cgi-bin/message/custom/send")
    assert [c.errcode for c in sends] == [0, errcode, 0]
    assert len(emulator.token_fetches()) == 2


def test_token_error_that_persists_is_retried_only_once(wx, emulator):
    wx.user.get("o-resident")
    emulator.fail(40001, path="cgi-bin/message/custom/send", times=5)
    with pytest.raises(WeChatClientException) as raised:
        wx.message.send_text("o-resident", "hi")
    assert raised.value.errcode == 40001
    assert len(emulator.calls("cgi-bin/message/custom/send")) == 2


def test_injected_42001_is_retried(wx, emulator):
    emulator.fail(42001, path="cgi-bin/message/custom/send")
    wx.message.send_text("o-resident", "hi")
    assert [c.errcode for c in emulator.calls("cgi-bin/message/custom/send")] == [42001, 0]


def test_quota_error_is_raised_without_retry(wx, emulator):
    emulator.fail(45009, path="cgi-bin/message/custom/send")
    with pytest.raises(APILimitedException):
        wx.message.send_text("o-resident", "hi")
    assert len(emulator.calls("cgi-bin/message/custom/send")) == 1


def test_quota_on_token_fetch_is_raised(wx, emulator):
    emulator.fail(45009, path="cgi-bin/stable_token")
    with pytest.raises(WeChatClientException) as raised:
        wx.user.get("o-resident")
    assert raised.value.errcode == 45009


def test_busy_error_is_not_retried_by_the_client(wx, emulator):
    # -1 may be retried only for idempotent calls; the client cannot know, so it never does.
    emulator.fail(-1, path="cgi-bin/message/custom/send")
    with pytest.raises(WeChatClientException) as raised:
        wx.message.send_text("o-resident", "hi")
    assert raised.value.errcode == -1
    assert len(emulator.calls("cgi-bin/message/custom/send")) == 1


def test_slow_answer_times_out(settings, emulator, app):
    client = LinliWeChatClient(APPID, SECRET, make_token_store(settings.REDIS_URL, settings.REDIS_NAMESPACE),
                               api_base=emulator.base_url, timeout=0.3)
    client.user.get("o-resident")                      # token fetched before the slow call
    emulator.slow(1.0, path="cgi-bin/user/info")
    with pytest.raises(requests.Timeout):
        client.user.get("o-resident")


def test_refused_connection_raises_connection_error(wx, emulator):
    emulator.refuse()
    with pytest.raises(requests.ConnectionError):
        wx.user.get("o-resident")
    emulator.resume()
    assert wx.user.get("o-resident")["openid"] == "o-resident"


def test_http_500_raises(wx, emulator):
    wx.user.get("o-resident")
    emulator.http_error(path="cgi-bin/user/info")
    with pytest.raises(WeChatClientException):
        wx.user.get("o-resident")


def test_call_with_a_forged_token_is_refused_by_the_emulator(emulator):
    answer = requests.get(emulator.base_url + "/cgi-bin/user/info",
                          params={"access_token": "forged", "openid": "o"}).json()
    assert answer["errcode"] == 40001


def test_unconfigured_client_says_so(settings, emulator):
    client = LinliWeChatClient("", "", make_token_store(""), api_base=emulator.base_url)
    with pytest.raises(WeChatNotConfigured):
        client.user.get("o")


def test_login_code_is_single_use(app, emulator):
    mini = wechat.miniprogram()
    code = emulator.login_code("o-mini", unionid="u-1")
    session = mini.wxa.code_to_session(code)
    assert (session["openid"], session["unionid"]) == ("o-mini", "u-1")
    assert not emulator.token_fetches()            # login needs appid + secret, not a token
    with pytest.raises(WeChatClientException) as reused:
        mini.wxa.code_to_session(code)
    assert reused.value.errcode == 40163
    with pytest.raises(WeChatClientException) as unknown:
        mini.wxa.code_to_session("made-up")
    assert unknown.value.errcode == 40029


def test_draft_and_publish_apis(wx, emulator):
    cover = wx.material.add("image", ("cover.png", b"\x89PNG fake", "image/png"))["media_id"]
    article = {"title": "停水通知", "content": "<p>6号楼明日停水</p>", "thumb_media_id": cover}
    media_id = wx.draft.add([article])
    assert wx.draft.get(media_id)[0]["title"] == "停水通知"
    publish_id = wx.freepublish.submit(media_id)
    assert wx.freepublish.get(publish_id)["publish_status"] == 0
    with pytest.raises(WeChatClientException) as too_long:
        wx.draft.add([dict(article, title="标" * 33)])
    assert too_long.value.errcode == 45003


def test_unverified_account_loses_publishing(wx, emulator):
    cover = wx.material.add("image", ("c.png", b"x", "image/png"))["media_id"]
    media_id = wx.draft.add([{"title": "t", "content": "c", "thumb_media_id": cover}])
    emulator.state.publish_allowed = False
    with pytest.raises(WeChatClientException) as raised:
        wx.freepublish.submit(media_id)
    assert raised.value.errcode == 48001


def test_mass_send_by_legacy_group_id_is_rejected_as_wechat_does(wx, emulator):
    # wechatpy's send_mass_text(group_or_users=tag) sends filter.group_id; WeChat wants tag_id.
    with pytest.raises(WeChatClientException):
        wx.message.send_mass_text(100, "通知")
    answer = wx.post("message/mass/sendall", data={
        "filter": {"is_to_all": False, "tag_id": 100}, "msgtype": "text",
        "text": {"content": "通知"}, "clientmsgid": "notice-1"})
    assert answer["msg_id"]
    with pytest.raises(WeChatClientException) as duplicate:
        wx.post("message/mass/sendall", data={
            "filter": {"is_to_all": True}, "msgtype": "text",
            "text": {"content": "通知"}, "clientmsgid": "notice-1"})
    assert duplicate.value.errcode == 45065


def _open_with_comments(wx, emulator, msg_data_id, count):
    wx.post("comment/open", data={"msg_data_id": msg_data_id, "index": 0})
    with emulator.state.lock:
        emulator.state.comments[(msg_data_id, 0)] = [
            {"user_comment_id": i, "openid": "o%d" % i, "content": "评论%d" % i,
             "comment_type": 0, "create_time": 0, "deleted": False} for i in range(1, count + 1)]


def test_comment_list_needs_index_and_a_count_below_50(wx, emulator):
    _open_with_comments(wx, emulator, 7, 60)
    page = wx.post("comment/list", data={"msg_data_id": 7, "index": 0, "begin": 40, "count": 49, "type": 0})
    assert page["total"] == 60 and len(page["comment"]) == 20
    with pytest.raises(WeChatClientException):
        wx.post("comment/list", data={"msg_data_id": 7, "index": 0, "begin": 0, "count": 50, "type": 0})
    with pytest.raises(WeChatClientException) as closed:
        wx.post("comment/list", data={"msg_data_id": 8, "index": 0, "begin": 0, "count": 10, "type": 0})
    assert closed.value.errcode == 88000


def test_comment_type_1_means_elected_as_documented(wx, emulator):
    # comment/list: comment_type 0 = not elected, 1 = elected (精选); the request's type picks
    # 0 all, 1 plain, 2 elected. markelect and unmarkelect flip it.
    _open_with_comments(wx, emulator, 9, 3)
    wx.post("comment/markelect", data={"msg_data_id": 9, "index": 0, "user_comment_id": 2})

    def listed(kind):
        page = wx.post("comment/list", data={"msg_data_id": 9, "index": 0, "begin": 0, "count": 10, "type": kind})
        return [(c["user_comment_id"], c["comment_type"]) for c in page["comment"]]
    assert listed(0) == [(1, 0), (2, 1), (3, 0)]
    assert listed(1) == [(1, 0), (3, 0)] and listed(2) == [(2, 1)]
    wx.post("comment/unmarkelect", data={"msg_data_id": 9, "index": 0, "user_comment_id": 2})
    assert listed(2) == []
