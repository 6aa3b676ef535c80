"""Decoding WeChat's pushes: signature, freshness, safe-mode decryption and hostile XML.

Plain mode: `signature` = sha1 of the sorted (token, timestamp, nonce).
Safe and compatible modes add `encrypt_type=aes` and `msg_signature` = sha1 of the sorted
(token, timestamp, nonce, Encrypt); the body is decrypted with `msg_signature` (not
`signature`: a classic bug), and the reply must be encrypted in turn.
"""
import base64
import binascii
import dataclasses
import hashlib
import hmac
import struct

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.crypto.cryptography import WeChatCipher

from linli import clock
from linli.errors import LinliError

# WeChat retries within about 15 seconds; five minutes allows for clock drift, and a request
# replayed later than that is refused.
MAX_AGE_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024


class PushRejected(LinliError):
    """The push is not from WeChat or not readable; nothing is stored."""


@dataclasses.dataclass(frozen=True)
class Push:
    xml: str            # the message's XML, decrypted
    message: object     # wechatpy's parsed message or event
    encrypted: bool     # reply encrypted, as the push was
    signed: tuple = ()  # (timestamp, nonce, signature, sha256 of the body): for account/replay.py


@dataclasses.dataclass(frozen=True)
class PushConfig:
    token: str
    aes_key: str
    appid: str
    encrypted_only: bool = False      # WECHAT_REQUIRE_SAFE_MODE: plain pushes are refused

    def crypto(self):
        return WeChatCrypto(self.token, self.aes_key, self.appid)


def verify_url(config, signature, timestamp, nonce, echostr):
    """GET verification when the URL is set in WeChat's admin: echostr back, unchanged."""
    _check_signature(config, signature, timestamp, nonce)
    return echostr


def decode(config, args, body, now=None):
    """`args`: the query parameters. Returns a Push or raises PushRejected."""
    timestamp = args.get("timestamp", "")
    nonce = args.get("nonce", "")
    _check_signature(config, args.get("signature", ""), timestamp, nonce)
    _check_fresh(timestamp, now)
    encrypted = args.get("encrypt_type", "raw").lower() == "aes"
    if config.encrypted_only and not encrypted:
        # Plain mode signs only the URL, never the body: with safe mode required, a captured
        # URL cannot carry a body of someone else's making.
        raise PushRejected("plain_refused", "只接受安全模式（加密）消息", 403)
    xml = _safe_text(body)
    if encrypted:
        if not config.aes_key:
            raise PushRejected("aes_not_configured", "收到加密消息，但未配置 WECHAT_AES_KEY", 400)
        encrypt = _field(xml, "Encrypt")
        if not encrypt:
            raise PushRejected("bad_ciphertext", "加密消息缺少 Encrypt", 400)
        _check_signature(config, args.get("msg_signature", ""), timestamp, nonce, encrypt,
                         what="msg_signature")
        xml = _safe_text(_open_envelope(config, encrypt))
    try:
        message = parse_message(xml)
    except Exception as exc:   # xmltodict and wechatpy raise assorted errors on odd shapes
        raise PushRejected("malformed_message", "消息格式无效：%s" % exc, 400) from None
    if message is None or not message.source:
        raise PushRejected("malformed_message", "消息缺少 FromUserName", 400)
    return Push(xml=xml, message=message, encrypted=encrypted, signed=signed_url(args, body))


def signed_url(args, body):
    """What a push's signed URL vouches for, for account/replay.py: (timestamp, nonce, signature,
    sha256 of the body)."""
    return (args.get("timestamp", ""), args.get("nonce", ""), args.get("signature", ""),
            hashlib.sha256(body or b"").hexdigest())


def encode_reply(config, push, reply_xml, nonce, timestamp=None):
    """The reply in the push's own mode; '' and 'success' are never encrypted."""
    if not push.encrypted or not reply_xml or reply_xml == "success":
        return reply_xml or "success"
    return config.crypto().encrypt_message(reply_xml, nonce, timestamp)


def _check_signature(config, signature, timestamp, nonce, *more, what="签名"):
    """sha1 of the sorted (token, timestamp, nonce[, Encrypt]), compared in constant time."""
    if not config.token:
        raise PushRejected("not_configured", "公众号未配置 WECHAT_TOKEN", 503)
    if not (signature and timestamp and nonce):
        raise PushRejected("missing_signature", "缺少签名参数", 403)
    expected = hashlib.sha1("".join(sorted((config.token, timestamp, nonce) + more)).encode()).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.lower().encode("utf-8", "replace")):
        raise PushRejected("bad_signature", "%s校验失败" % what, 403)


def _field(xml, name):
    """One top-level field of a (checked) push body, '' when absent."""
    node = defusedxml.ElementTree.fromstring(xml, forbid_dtd=True).find(name)
    return (node.text or "").strip() if node is not None else ""


def _open_envelope(config, encrypt):
    """The XML inside safe mode's `Encrypt`, checked byte by byte.

    WeChat's envelope is AES-256-CBC (key = the EncodingAESKey, IV = its first 16 bytes) of
    16 random bytes + the XML's length (4 bytes, big-endian) + the XML + the appid, PKCS#7-padded
    to a multiple of 32. wechatpy trusts the padding and the length it reads back, so random
    ciphertext or a wrong key ends in `struct.error` (a 500) or a bogus "wrong appid". Here
    anything that is not a well-formed envelope is a 400; a well-formed one for another appid
    is a 403."""
    unreadable = PushRejected("bad_ciphertext", "无法解密消息（密文无效或 EncodingAESKey 不符）", 400)
    try:
        sealed = base64.b64decode(encrypt, validate=True)
    except (binascii.Error, ValueError):
        raise unreadable from None
    if not sealed or len(sealed) % 16:
        raise unreadable
    key = base64.b64decode(config.aes_key + "=")
    plain = WeChatCipher(key).decrypt(sealed)
    pad = plain[-1]
    if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad or len(plain) - pad < 20:
        raise unreadable
    body = plain[16:-pad]
    (length,) = struct.unpack(">I", body[:4])
    if length > len(body) - 4:
        raise unreadable
    xml, appid = body[4:4 + length], body[4 + length:]
    if appid != config.appid.encode():
        raise PushRejected("wrong_appid", "消息不是发给本公众号的", 403)
    return xml


def _check_fresh(timestamp, now):
    try:
        sent = int(timestamp)
    except ValueError:
        raise PushRejected("bad_timestamp", "时间戳无效", 403) from None
    if abs((now or clock.timestamp()) - sent) > MAX_AGE_SECONDS:
        raise PushRejected("stale_timestamp", "时间戳超出允许范围（可能是重放）", 403)


def _safe_text(body):
    """The body as text, after refusing DTDs, entities and anything that is not XML.

    WeChat never sends a DTD; defusedxml refuses every one, which stops entity expansion
    ("billion laughs") and external entities before any parser could act on them."""
    if not body:
        raise PushRejected("empty_body", "消息为空", 400)
    try:
        defusedxml.ElementTree.fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise PushRejected("hostile_xml", "消息含有不允许的 DTD 或实体", 400) from None
    except Exception:   # ParseError and encoding errors: the body is not XML
        raise PushRejected("malformed_xml", "消息不是有效的 XML", 400) from None
    try:
        return body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise PushRejected("malformed_xml", "消息不是 UTF-8 编码", 400) from None
