"""The push endpoint WeChat calls: GET to verify the URL, POST for every message and event."""
import secrets

from flask import Blueprint
from flask import Response
from flask import request

from account import gateway
from account import mp_push
from account import push
from account import screening
from account.replay import make_replay_guard
from linli import config

bp = Blueprint("account", __name__)
_replay_guard = []      # made when the app is built, as the settings and the WeChat clients are


@bp.record_once
def _make_replay_guard(state):
    # On the storage the settings choose (database or Redis).
    _replay_guard[:] = [make_replay_guard(config.active().REDIS_URL, config.active().REDIS_NAMESPACE)]


def _config():
    settings = config.active()
    return push.PushConfig(settings.WECHAT_TOKEN, settings.WECHAT_AES_KEY, settings.WECHAT_APPID,
                           settings.WECHAT_REQUIRE_SAFE_MODE)


def _echo(config):
    """WeChat's check of a push URL: echostr back, unchanged, when the signature holds."""
    args = request.args
    echo = push.verify_url(config, args.get("signature", ""), args.get("timestamp", ""),
                           args.get("nonce", ""), args.get("echostr", ""))
    return Response(echo, mimetype="text/plain")


@bp.get("/wechat")
def verify():
    return _echo(_config())


@bp.post("/wechat")
def receive():
    request.max_content_length = push.MAX_BODY_BYTES      # 413 beyond it, before parsing
    config = _config()
    message = push.decode(config, request.args, request.get_data())
    reply = gateway.handle(message, replay_guard=_replay_guard[0])
    # A nonce only for a reply to encrypt: drawing one from the OS for every push was 3% of it.
    body = push.encode_reply(config, message, reply, nonce=secrets.token_hex(8) if message.encrypted else "")
    return Response(body, mimetype="application/xml" if body != "success" else "text/plain")


def _mp_config():
    settings = config.active()
    return push.PushConfig(settings.MINIPROGRAM_TOKEN, settings.MINIPROGRAM_AES_KEY, settings.MINIPROGRAM_APPID)


@bp.get("/wechat/miniprogram")
def verify_miniprogram():
    return _echo(_mp_config())


@bp.post("/wechat/miniprogram")
def receive_miniprogram():
    """The mini-program's pushes: mediaCheckAsync verdicts; other events are acknowledged."""
    request.max_content_length = push.MAX_BODY_BYTES
    body = request.get_data()
    fields = mp_push.decode(_mp_config(), request.args, body)
    # A verdict holds or clears a photo: its signed URL is good for one body, as on /wechat.
    _replay_guard[0].check(*push.signed_url(request.args, body))
    if fields.get("Event") == "wxa_media_check":
        screening.on_verdict(fields)
    return Response("success", mimetype="text/plain")
