"""Run the emulator as a real HTTP server on 127.0.0.1, in a thread of the test process or on
its own (`python -m tests.wechat_emulator --port 9100`), and drive it from tests."""
import socket
import threading
import time

import xmltodict
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from tests.wechat_emulator.api import make_app
from tests.wechat_emulator.state import Fault
from tests.wechat_emulator.state import State


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass          # calls are recorded in the state; the access log would drown test output


class Emulator:
    def __init__(self, host="127.0.0.1", port=0):
        self.state = State()
        self.app = make_app(self.state)
        self.host = host
        self.port = port
        self._server = None
        self._thread = None
        self._held = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self):
        self._server = make_server(self.host, self.port, self.app, threaded=True,
                                   request_handler=_QuietHandler)
        self.port = self._server.server_port       # keep it: refuse()/resume() reuse the port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def refuse(self):
        """Stop listening: connections to the emulator are refused until resume(). The port stays
        bound, not listening (a connection gets a reset, as from a stopped server): free, another
        xdist worker's gunicorn or emulator could take it and answer in WeChat's place."""
        self.stop()
        self._held = socket.socket()
        self._held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # our closed connections' TIME_WAIT
        self._held.bind((self.host, self.port))

    def resume(self):
        if self._held is not None:
            self._held.close()
            self._held = None
        self.start()

    @property
    def running(self):
        return self._server is not None

    @property
    def base_url(self):
        return "http://%s:%d" % (self.host, self.port)

    def reset(self):
        """Forget everything between tests, keeping the server up."""
        fresh = State()
        with self.state.lock:
            self.state.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "lock"})

    # -- setup ------------------------------------------------------------------------------
    def register_app(self, appid, secret):
        with self.state.lock:
            self.state.apps[appid] = secret

    def follower(self, openid, unionid=None, subscribe_time=1700000000):
        """Someone who follows the official account (user/get and user/info know them)."""
        profile = {"subscribe": 1, "nickname": "", "subscribe_time": subscribe_time,
                   "subscribe_scene": "ADD_SCENE_QR_CODE"}
        if unionid:
            profile["unionid"] = unionid
        with self.state.lock:
            self.state.users[openid] = profile

    def resident_media(self, media_id, data, content_type, age_days=0):
        """A file a follower sent (photo, voice, video), kept by WeChat for 3 days after sending."""
        with self.state.lock:
            self.state.media[media_id] = {"type": "resident", "permanent": False, "data": data,
                                          "content_type": content_type,
                                          "expires_at": time.time() + (3 - age_days) * 86400}

    def login_code(self, openid, unionid=None):
        """A single-use jscode2session code for `openid`, as wx.login() would give the app."""
        code = "code-%d" % self.state.next_id()
        with self.state.lock:
            self.state.login_codes[code] = {"openid": openid, "unionid": unionid, "used": False}
        return code

    def phone_code(self, phone, appid, country="86"):
        """A single-use getPhoneNumber code for `phone` (without country code), as the
        mini-program's phone button gives it; the watermark names `appid`."""
        code = "phone-%d" % self.state.next_id()
        with self.state.lock:
            self.state.phone_codes[code] = {"phone": phone, "country": country, "appid": appid, "used": False}
        return code

    # -- what users do ----------------------------------------------------------------------
    def heard(self, xml):
        """WeChat saw this push's user act (tests/support/wechat_push.py tells it): the customer-service
        window opens as WeChat's rule says (State.hear)."""
        fields = xmltodict.parse(xml).get("xml") or {}
        openid = fields.get("FromUserName", "")
        self.state.hear(openid, fields.get("MsgType", ""), fields.get("Event") or "")
        # The subscription-notice popup and settings happen on WeChat: it knows the answers.
        holder = fields.get("SubscribeMsgPopupEvent") or fields.get("SubscribeMsgChangeEvent")
        items = holder.get("List") if isinstance(holder, dict) else []
        for item in [items] if isinstance(items, dict) else items or []:
            with self.state.lock:
                self.state.notice_consent[(openid, item.get("TemplateId"))] = item.get("SubscribeStatusString")

    def age(self, openid, seconds):
        """As if `seconds` had passed for `openid`'s window."""
        self.state.age(openid, seconds)

    # -- faults -----------------------------------------------------------------------------
    def fail(self, errcode, path="", times=1, after=0):
        """The next `times` calls whose path starts with `path` answer `errcode`
        (40001, 42001, 45009 quota, -1 busy, ...), once `after` such calls went through."""
        self._add(Fault("errcode", path, times, errcode=errcode, after=after))

    def slow(self, seconds, path="", times=1):
        """The next `times` matching calls wait `seconds` before answering."""
        self._add(Fault("slow", path, times, seconds=seconds))

    def http_error(self, path="", times=1):
        self._add(Fault("http500", path, times))

    def _add(self, fault):
        with self.state.lock:
            self.state.faults.append(fault)

    def expire_tokens(self):
        self.state.expire_tokens()

    def revoke_tokens(self):
        self.state.revoke_tokens()

    # -- assertions -------------------------------------------------------------------------
    def calls(self, path=None):
        with self.state.lock:
            return [c for c in self.state.calls if path is None or c.path == path]

    def token_fetches(self):
        return [c for c in self.calls() if c.path in ("cgi-bin/token", "cgi-bin/stable_token")
                and c.errcode == 0]
