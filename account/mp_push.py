"""The mini-program's message push (its own URL, token and key in WeChat's mini-program admin):
here it carries mediaCheckAsync's verdicts. WeChat sends it as XML or JSON (the data format
chosen in the admin), plain or in safe mode; signatures and freshness are checked as for the
official account's pushes (account.push)."""
import json

import xmltodict

from account import push
from account.push import PushRejected


def decode(config, args, body, now=None):
    """The push's fields as a dict, or raises PushRejected."""
    timestamp = args.get("timestamp", "")
    nonce = args.get("nonce", "")
    push._check_signature(config, args.get("signature", ""), timestamp, nonce)
    push._check_fresh(timestamp, now)
    fields = _fields(body)
    if args.get("encrypt_type", "raw").lower() == "aes":
        if not config.aes_key:
            raise PushRejected("aes_not_configured", "收到加密消息，但未配置 MINIPROGRAM_AES_KEY", 400)
        encrypt = fields.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise PushRejected("malformed_message", "加密消息缺少 Encrypt", 400)
        push._check_signature(config, args.get("msg_signature", ""), timestamp, nonce, encrypt,
                              what="msg_signature")
        # The same byte-by-byte envelope check as the official account's: never a 500.
        fields = _fields(push._open_envelope(config, encrypt))
    return fields


def _fields(body):
    if not body:
        raise PushRejected("empty_body", "消息为空", 400)
    if body.lstrip()[:1] in (b"{", "{"):
        try:
            fields = json.loads(body)
        except ValueError:
            raise PushRejected("malformed_json", "消息不是有效的 JSON", 400) from None
    else:
        fields = (xmltodict.parse(push._safe_text(body)) or {}).get("xml")
    if not isinstance(fields, dict):
        raise PushRejected("malformed_message", "消息格式无效", 400)
    return fields
