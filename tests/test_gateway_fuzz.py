"""The message gateway fuzzed with hypothesis (bounded): random and hostile XML, bodies in
other encodings, any size up to past the limit, and random or stale signatures, in plain and
safe mode. Whatever arrives: no 500, and a refused push stores nothing. A validly signed,
well-formed message with random content is stored once and answered."""
import time

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from models.account import InboundMessage
from tests.support.wechat_apps import WECHAT_TOKEN
from tests.support.wechat_push import WeChat
from tests.support.wechat_push import sign

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

HOSTILE = st.sampled_from([
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><xml>&b;</xml>',
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>',
    "<xml>" + "<a>" * 5000 + "</a>" * 5000 + "</xml>",
    "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml" ,
    "<xml><![CDATA[</xml>]]>",
    "\ufeff<xml><ToUserName>x</ToUserName></xml>",
    "<xml><MsgType>event</MsgType><Event>subscribe</Event></xml>",
    "",
])
BODIES = st.one_of(
    HOSTILE.map(str.encode),
    st.binary(max_size=2048),
    st.text(max_size=512).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(alphabet="<>/![]CDAT xmlFromUserNameMsgTypeContent", max_size=400).map(str.encode),
    st.integers(min_value=60 * 1024, max_value=80 * 1024).map(lambda n: b"<xml>" + b"a" * n + b"</xml>"),
    st.text(max_size=200).map(lambda t: ("<xml><Content>%s</Content></xml>" % t).encode("gbk", "ignore")),
)


@pytest.fixture
def wechat(client, database):
    return client, WeChat(client, mode="plain")


@FUZZ
@given(body=BODIES, signed=st.booleans(), skew=st.sampled_from([0, 0, 400, -400, 10 ** 9]),
       encrypted=st.booleans(), nonce=st.text(max_size=40))
def test_no_push_breaks_the_gateway_or_is_stored_when_refused(wechat, body, signed, skew, encrypted, nonce):
    client, _ = wechat
    before = InboundMessage.select().count()
    timestamp = str(int(time.time()) + skew)
    query = {"timestamp": timestamp, "nonce": nonce,
             "signature": sign(WECHAT_TOKEN, timestamp, nonce) if signed else "0" * 40}
    if encrypted:
        query.update(encrypt_type="aes", msg_signature="0" * 40)
    answer = client.post("/wechat", data=body, query_string=query, content_type="text/xml")
    assert answer.status_code < 500, answer.get_data(as_text=True)[:300]
    if answer.status_code >= 400:
        assert InboundMessage.select().count() == before


@FUZZ
@given(content=st.text(min_size=1, max_size=600).filter(lambda t: t.strip()), mode=st.sampled_from(["plain", "safe"]))
def test_any_well_formed_text_from_wechat_is_stored_once_and_answered(client, database, content, mode):
    # XML can carry neither NUL nor most control characters; WeChat never sends them.
    text = "".join(ch for ch in content if ch in "\t\n\r" or (ord(ch) >= 0x20 and not 0xD800 <= ord(ch) <= 0xDFFF
                                                                   and ord(ch) not in (0xFFFE, 0xFFFF)))
    if not text.strip():
        return
    wechat = WeChat(client, mode=mode)
    xml = wechat.text("o-fuzz", text.replace("]]>", "]] >"))
    before = InboundMessage.select().count()
    first = wechat.post(xml)
    again = wechat.post(xml)                       # WeChat's retry of the same MsgId
    assert first.status_code == again.status_code == 200, first.get_data(as_text=True)[:300]
    assert wechat.reply(first) == wechat.reply(again)        # the stored reply, not a second one
    assert InboundMessage.select().count() == before + 1
