"""Pushes built the way WeChat builds them: XML, signed, and in safe mode AES-encrypted, with
wechatpy's own crypto. Used to drive /wechat over HTTP (a Flask test client or a live server)."""
import hashlib
import itertools
import json
import secrets
import time

import xmltodict
from wechatpy.crypto import WeChatCrypto

from tests.support.wechat_apps import APPID
from tests.support.wechat_apps import WECHAT_AES_KEY
from tests.support.wechat_apps import WECHAT_TOKEN

ACCOUNT = "gh_linli_test"
_ids = itertools.count(int(time.time() * 1000))


def sign(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class WeChat:
    """`post(xml)` sends like WeChat; helpers build each message and event type."""

    def __init__(self, client, mode="plain", token=WECHAT_TOKEN, aes_key=WECHAT_AES_KEY, appid=APPID,
                 emulator=None):
        self.client = client               # anything with .post(url, data=..., query_string=...)
        self.emulator = emulator           # told of each push, as WeChat knows what its users do
        self.mode = mode                   # "plain" | "safe"
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid)

    # -- building messages ------------------------------------------------------------------
    @staticmethod
    def xml(openid, msg_type, fields, create_time=None, msg_id=True):
        items = {"ToUserName": ACCOUNT, "FromUserName": openid,
                 "CreateTime": str(create_time or int(time.time())), "MsgType": msg_type}
        items.update(fields)
        if msg_id and msg_type != "event":
            items.setdefault("MsgId", str(next(_ids)))
        body = "".join("<%s><![CDATA[%s]]></%s>" % (k, v, k) if not str(v).isdigit()
                       else "<%s>%s</%s>" % (k, v, k) for k, v in items.items())
        return "<xml>%s</xml>" % body

    def text(self, openid, content, **kw):
        return self.xml(openid, "text", {"Content": content}, **kw)

    def image(self, openid, media_id="img-media-1", **kw):
        return self.xml(openid, "image", {"PicUrl": "http://mmbiz.qpic.cn/%s" % media_id,
                                          "MediaId": media_id}, **kw)

    def voice(self, openid, recognition, media_id="voice-1", **kw):
        return self.xml(openid, "voice", {"MediaId": media_id, "Format": "amr",
                                          "Recognition": recognition}, **kw)

    def video(self, openid, media_id="video-1", msg_type="video", **kw):
        return self.xml(openid, msg_type, {"MediaId": media_id, "ThumbMediaId": "thumb-" + media_id}, **kw)

    def link(self, openid, title, description, url, **kw):
        return self.xml(openid, "link", {"Title": title, "Description": description, "Url": url}, **kw)

    def location(self, openid, lat=38.05, lng=114.51, label="石家庄市长安区八家庄", **kw):
        return self.xml(openid, "location", {"Location_X": lat, "Location_Y": lng, "Scale": "15",
                                             "Label": label}, **kw)

    def event(self, openid, event, key=None, **kw):
        fields = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self.xml(openid, "event", fields, **kw)

    @staticmethod
    def media_check_verdict(trace_id, suggest, label=100, appid="wx-test-mp"):
        """The `wxa_media_check` event mediaCheckAsync pushes to the mini-program's URL."""
        return {"ToUserName": "gh_linli_mp", "FromUserName": "o-system", "CreateTime": int(time.time()),
                "MsgType": "event", "Event": "wxa_media_check", "appid": appid, "trace_id": trace_id,
                "version": 2, "errcode": 0, "errmsg": "ok",
                "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}],
                "result": {"suggest": suggest, "label": label}}

    def post_fields(self, fields, data_format="json", path="/wechat/miniprogram", nonce=None):
        """Post `fields` as the mini-program's push does: JSON or XML, plain or safe mode."""
        timestamp = str(int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        query = self.query(timestamp, nonce)
        if data_format == "json":
            body = json.dumps(fields, ensure_ascii=False)
        else:
            body = xmltodict.unparse({"xml": fields}, full_document=False)
        if self.mode == "safe":
            envelope = xmltodict.parse(self.crypto.encrypt_message(body, nonce, timestamp))["xml"]
            query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            outer = {"ToUserName": fields["ToUserName"], "Encrypt": envelope["Encrypt"]}
            body = json.dumps(outer) if data_format == "json" else xmltodict.unparse({"xml": outer},
                                                                                  full_document=False)
        return self.client.post(path, data=body.encode(), query_string=query,
                                content_type="application/json" if data_format == "json" else "text/xml")

    # -- sending ----------------------------------------------------------------------------
    def query(self, timestamp=None, nonce=None, signature=None, body=""):
        timestamp = str(timestamp or int(time.time()))
        nonce = nonce or secrets.token_hex(5)      # WeChat's nonce differs for every push
        query = {"timestamp": timestamp, "nonce": nonce, "openid": "o",
                 "signature": signature or sign(self.token, timestamp, nonce)}
        return query

    def signed(self, xml, timestamp=None, nonce=None, signature=None):
        """(query, body) as WeChat sends `xml`: signed, and in safe mode encrypted."""
        timestamp = str(timestamp or int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        query = self.query(timestamp, nonce, signature)
        body = xml
        if self.mode == "safe":
            envelope = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
            query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            body = "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>" % (
                ACCOUNT, envelope["Encrypt"])
        return query, body.encode() if isinstance(body, str) else body

    def post(self, xml, timestamp=None, nonce=None, signature=None, path="/wechat"):
        query, body = self.signed(xml, timestamp, nonce, signature)
        if self.emulator is not None:
            self.emulator.heard(xml)
        return self.send(query, body, path)

    def send(self, query, body, path="/wechat"):
        """Post an already signed push: WeChat's retry sends the very same request again."""
        return self.client.post(path, data=body, query_string=query, content_type="text/xml")

    def reply(self, response):
        """The reply's fields as a dict ({} for `success`), decrypting a safe-mode reply."""
        body = response.get_data(as_text=True)
        if body in ("", "success"):
            return {}
        fields = xmltodict.parse(body)["xml"]
        if "Encrypt" in fields:
            assert self.mode == "safe", "an encrypted reply to a plain push"
            plain = self.crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"],
                                                fields["Nonce"])
            fields = xmltodict.parse(plain)["xml"]
        elif self.mode == "safe":
            raise AssertionError("a plain reply to an encrypted push: %s" % body)
        return fields

    def say(self, xml, **kw):
        """Post and return the reply's text content ('' for `success`)."""
        response = self.post(xml, **kw)
        assert response.status_code == 200, response.get_data(as_text=True)
        return self.reply(response).get("Content", "")

