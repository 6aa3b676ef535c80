"""Hostile and broken pushes: each is refused with a clear status, nothing is stored, and the
worker goes on answering."""
import base64
import json
import os
import random
import time

import pytest

from account import views as account_views
from account.replay import make_replay_guard
from linli import config
from models.account import InboundMessage
from tests.support.settings import use_settings
from tests.support.wechat_apps import MP_APPID
from tests.support.wechat_apps import WECHAT_TOKEN
from tests.support.wechat_push import WeChat
from tests.support.wechat_push import sign
from wsgi import create_app


@pytest.fixture
def wechat(client, database):
    return WeChat(client, mode="plain")


def _nothing_stored_and_still_serving(wechat):
    assert InboundMessage.select().count() == 0
    assert "留言已收到" in wechat.say(wechat.text("o-after", "你好"))   # the worker is alive


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_forged_signature_is_403(client, database, mode):
    # Someone who found the URL posting messages as if they were WeChat.
    wechat = WeChat(client, mode=mode)
    answer = wechat.post(wechat.text("o-x", "报修 假消息"), signature="f" * 40)
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "bad_signature"
    _nothing_stored_and_still_serving(WeChat(client))


def test_missing_signature_is_403(wechat, client):
    answer = client.post("/wechat", data=wechat.text("o-x", "hi"), content_type="text/xml")
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "missing_signature"
    _nothing_stored_and_still_serving(wechat)


def test_signature_made_with_another_token_is_403(client, database):
    # The token leaked from another account, or a misconfigured second deployment.
    other = WeChat(client, token="not-our-token")
    assert other.post(other.text("o-x", "hi")).status_code == 403
    _nothing_stored_and_still_serving(WeChat(client))


@pytest.mark.parametrize("skew", [-3600, -301, 301, 86400])
def test_timestamp_outside_the_window_is_403(wechat, skew):
    # A captured push replayed later (or a forged one dated ahead), correctly signed.
    answer = wechat.post(wechat.text("o-x", "报修 重放"), timestamp=int(time.time()) + skew)
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "stale_timestamp"
    _nothing_stored_and_still_serving(wechat)


def test_safe_mode_with_a_forged_msg_signature_is_403(client, database):
    # The URL signature is right (replayed from a real push) but the ciphertext was swapped.
    wechat = WeChat(client, mode="safe")
    ts, nonce = str(int(time.time())), "nonce1"
    query = wechat.query(ts, nonce)
    query.update(encrypt_type="aes", msg_signature="0" * 40)
    body = "<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>"
    answer = client.post("/wechat", data=body, query_string=query, content_type="text/xml")
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "bad_signature"
    _nothing_stored_and_still_serving(WeChat(client))


def test_safe_mode_message_for_another_appid_is_403(client, database):
    other_app = WeChat(client, mode="safe", appid="wx-some-other-account")
    answer = other_app.post(other_app.text("o-x", "hi"))
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "wrong_appid"
    _nothing_stored_and_still_serving(WeChat(client))


def test_safe_mode_ciphertext_that_is_not_base64_is_400(client, database):
    wechat = WeChat(client)
    ts, nonce = str(int(time.time())), "n"
    encrypt = "this is not ciphertext"
    query = wechat.query(ts, nonce)
    query.update(encrypt_type="aes", msg_signature=sign(WECHAT_TOKEN, ts, nonce, encrypt))
    body = "<xml><Encrypt><![CDATA[%s]]></Encrypt></xml>" % encrypt
    answer = client.post("/wechat", data=body, query_string=query, content_type="text/xml")
    assert answer.status_code == 400
    _nothing_stored_and_still_serving(wechat)


def test_oversized_body_is_413(wechat):
    # WeChat's pushes are a few KB; megabytes are an attempt to exhaust the worker.
    answer = wechat.post(wechat.text("o-x", "报修 " + "长" * 40000))
    assert answer.status_code == 413
    _nothing_stored_and_still_serving(wechat)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-x</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol4;</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-x</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&secret;</Content><MsgId>2</MsgId></xml>"""


@pytest.mark.parametrize("body, code", [
    (BILLION_LAUGHS, "hostile_xml"),             # entity expansion: memory exhaustion
    (EXTERNAL_ENTITY, "hostile_xml"),            # XXE: reading the server's files
    ("<xml><MsgType>text</MsgType>", "malformed_xml"),
    ("this is not xml at all", "malformed_xml"),
    ("<xml><MsgType>text</MsgType><Content>no sender</Content></xml>", "malformed_message"),
    ("<notxml><a>1</a></notxml>", "malformed_message"),
    (b"<xml><Content>\xff\xfe</Content></xml>", "malformed_xml"),
    ("", "empty_body"),
])
def test_malformed_and_hostile_xml_is_400(wechat, body, code):
    answer = wechat.post(body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.json["error"]["code"] == code
    _nothing_stored_and_still_serving(wechat)


def test_encrypted_push_without_an_aes_key_configured_is_400(settings, client, database):
    app = create_app(settings, WECHAT_AES_KEY="")
    wechat = WeChat(app.test_client(), mode="safe")
    answer = wechat.post(wechat.text("o-x", "hi"))
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "aes_not_configured"


def test_plain_push_is_still_accepted_when_an_aes_key_is_set(client, database):
    # Switching modes in WeChat's admin must need no redeploy: both are accepted.
    plain, safe = WeChat(client, mode="plain"), WeChat(client, mode="safe")
    assert "留言已收到" in plain.say(plain.text("o-p", "你好"))
    assert "留言已收到" in safe.say(safe.text("o-s", "你好"))


def test_push_endpoint_without_a_token_configured_is_503(settings):
    app = create_app(settings, WECHAT_TOKEN="", WECHAT_AES_KEY="")
    wechat = WeChat(app.test_client())
    answer = wechat.post(wechat.text("o-x", "hi"))
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "not_configured"


def test_push_with_a_form_content_type_is_still_read(wechat, client):
    # Flask empties request.data for form content types; the gateway must read the raw body.
    xml = wechat.text("o-form", "报修 表单类型")
    answer = client.post("/wechat", data=xml.encode(), query_string=wechat.query(),
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert InboundMessage.get().content == "报修 表单类型"


def _random_ciphertexts(pusher, token, path, envelope, content_type, tries):
    """Random ciphertext under a correct msg_signature, `tries` times: the (status, code) seen."""
    statuses = set()
    for n in range(tries):
        ts, nonce = str(int(time.time())), "rand%d" % n
        encrypt = base64.b64encode(os.urandom(16 * random.randint(1, 12))).decode()
        query = pusher.query(ts, nonce)
        query.update(encrypt_type="aes", msg_signature=sign(token, ts, nonce, encrypt))
        answer = pusher.client.post(path, data=envelope(encrypt), query_string=query, content_type=content_type)
        statuses.add((answer.status_code, answer.json["error"]["code"]))
    return statuses


def test_random_ciphertext_with_a_valid_msg_signature_is_400_and_stores_nothing(client, database):
    # Someone who knows the token (or replays a real push's query) but not the AES key: the
    # ciphertext is theirs, correctly signed. wechatpy's decrypt used to fail with struct.error
    # (500) in about 9 of 16 tries; whatever the bytes, it is a 400 now.
    wechat = WeChat(client)
    envelope = "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>"
    statuses = _random_ciphertexts(wechat, WECHAT_TOKEN, "/wechat", envelope.__mod__, "text/xml", 64)
    assert statuses == {(400, "bad_ciphertext")}
    _nothing_stored_and_still_serving(wechat)


def test_a_push_encrypted_with_another_aes_key_is_400(client, database):
    # The EncodingAESKey was changed in WeChat's admin but not here (or an attacker guessed one).
    other_key = WeChat(client, mode="safe", aes_key="0123456789abcdefghijklmnopqrstuvwxyzABCDEFG")
    statuses = {other_key.post(other_key.text("o-x", "报修 %d" % n), nonce="k%d" % n).status_code
                for n in range(64)}
    assert statuses == {400}
    _nothing_stored_and_still_serving(WeChat(client))


def test_a_captured_push_url_replayed_with_another_body_is_403(app, client, database):
    # Plain mode signs only (token, timestamp, nonce): whoever captured one real push's URL could
    # post any body under it for 5 minutes, in any follower's name. The URL's first body wins,
    # in every worker: another process, with nothing in memory, sees what the first has seen.
    wechat = WeChat(client)
    ts, nonce = int(time.time()), "captured"
    assert wechat.post(wechat.text("o-real", "你好"), timestamp=ts, nonce=nonce).status_code == 200
    # a fresh guard, as another worker process has: nothing of the first push in memory
    account_views._replay_guard[:] = [make_replay_guard(config.active().REDIS_URL, config.active().REDIS_NAMESPACE)]
    answer = wechat.post(wechat.text("o-victim", "报修 假冒的投诉"), timestamp=ts, nonce=nonce)
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "replayed_signature"
    assert [m.openid for m in InboundMessage.select()] == ["o-real"]


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_the_same_body_under_the_same_url_is_wechats_retry(client, database, mode):
    # WeChat retries a push it got no answer to: same URL, same body. Answered as the first.
    wechat = WeChat(client, mode=mode)
    query, body = wechat.signed(wechat.text("o-retry", "报修 楼道灯不亮"))
    first, again = wechat.send(query, body), wechat.send(query, body)
    assert first.status_code == again.status_code == 200
    assert wechat.reply(first) == wechat.reply(again)
    assert InboundMessage.select().count() == 1


def test_with_safe_mode_required_a_plain_push_is_403(client, database):
    # WECHAT_REQUIRE_SAFE_MODE: once the account is in safe mode, a body can only be WeChat's
    # (msg_signature covers the ciphertext), so a plain push is an impostor.
    use_settings(WECHAT_REQUIRE_SAFE_MODE="1")
    plain, safe = WeChat(client, mode="plain"), WeChat(client, mode="safe")
    answer = plain.post(plain.text("o-x", "报修 假消息"))
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "plain_refused"
    assert InboundMessage.select().count() == 0
    assert "留言已收到" in safe.say(safe.text("o-s", "你好"))


# -- the mini-program's push URL (mediaCheckAsync verdicts) gets the same checks -----------------
MP_TOKEN, MP_AES_KEY = "linli-mp-token", "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"


@pytest.fixture
def mini(client, database):
    use_settings(MINIPROGRAM_TOKEN=MP_TOKEN, MINIPROGRAM_AES_KEY=MP_AES_KEY)
    return WeChat(client, token=MP_TOKEN, aes_key=MP_AES_KEY, appid=MP_APPID)


def test_random_ciphertext_to_the_mini_program_push_is_400(client, mini):
    statuses = _random_ciphertexts(mini, MP_TOKEN, "/wechat/miniprogram",
                                   lambda encrypt: json.dumps({"ToUserName": "gh", "Encrypt": encrypt}),
                                   "application/json", 32)
    assert statuses == {(400, "bad_ciphertext")}


def test_a_captured_mini_program_push_url_cannot_carry_another_verdict(client, mini):
    # A verdict holds or clears a resident's photo: a captured URL must not carry a forged one.
    query = mini.query(int(time.time()), "mp-captured")
    first = mini.media_check_verdict("trace-1", "pass")
    assert mini.send(query, json.dumps(first).encode(), path="/wechat/miniprogram").status_code == 200
    again = mini.send(query, json.dumps(first).encode(), path="/wechat/miniprogram")
    assert again.status_code == 200                                  # WeChat's retry
    forged = mini.send(query, json.dumps(mini.media_check_verdict("trace-1", "risky")).encode(),
                       path="/wechat/miniprogram")
    assert forged.status_code == 403 and forged.json["error"]["code"] == "replayed_signature"
