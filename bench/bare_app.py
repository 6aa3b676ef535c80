"""The baseline for bench/gateway.py: only what wechatpy itself does for a text message."""
from flask import Flask
from flask import request
from wechatpy import create_reply
from wechatpy import parse_message
from wechatpy.utils import check_signature

TOKEN = "bench-token"
app = Flask(__name__)


@app.post("/wechat")
def receive():
    args = request.args
    check_signature(TOKEN, args["signature"], args["timestamp"], args["nonce"])
    message = parse_message(request.get_data())
    return create_reply("收到", message).render()
