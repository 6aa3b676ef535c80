"""`python -m tests.miniprogram_backend`: the real backend the mini-program's tests drive
(miniprogram/test/), as `make run` serves it: gunicorn on a fresh SQLite database with the demo
community, the WeChat emulator standing in for WeChat. It prints one JSON line,
{"api": ..., "control": ..., "emulator": ...}, then serves until stdin closes or it is killed.

The control server is the test's hand on what only WeChat or the database would otherwise know:
  POST /login-code {"openid", "unionid"?}  → {"code"}: what wx.login() gives on a phone
  POST /phone-code {"phone"}               → {"code"}: what the getPhoneNumber button gives
  POST /sql {"sql", "params"}              → {"rows"}: a SELECT, to check what the backend stored
  POST /reset-limits                       → {}: forget the counters by address and staff name (every test
                                             signs in from 127.0.0.1); a resident's own are kept
  POST /risky-words {"words"}              → {}: msgSecCheck finds these words risky from now on (added)
  GET  /calls?path=                        → {"calls"}: the WeChat API calls the backend made
  POST /push {"xml"}                       → {"status", "body"}: a push to /wechat, signed as WeChat
                                             signs it (MASSSENDJOBFINISH, PUBLISHJOBFINISH …)
  POST /volunteers/stale-qr {"activity_id"} → {"qr"}: the leader's check-in QR as shown two minutes
                                             ago (a screenshot sent to a friend at home)
  POST /volunteers/shift {"activity_id", "minutes"} → {}: the clock moves on: the activity and its
                                             sign-ups' times move that many minutes into the past
                                             (an activity is posted only to start later, and its
                                             hours are confirmed only after its end)
"""
import datetime
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from coupons.codes import QR_SALT as COUPON_QR_SALT
from tests.support import ROOT
from tests.support.live_server import HttpClient
from tests.support.live_server import LiveServer
from tests.support.settings import _environment
from tests.support.settings import settings_for
from tests.support.wechat_apps import APPID
from tests.support.wechat_apps import MP_APPID
from tests.support.wechat_apps import MP_SECRET
from tests.support.wechat_apps import SECRET
from tests.support.wechat_push import WeChat
from tests.wechat_emulator import Emulator
from volunteers.attendance import QR_SALT

CASE_TEMPLATE = "tmpl-mp-case-progress"
PROPOSAL_TEMPLATE = "tmpl-mp-proposal-progress"
VOLUNTEER_TEMPLATE = "tmpl-mp-volunteer"
STAFF_CASE_TEMPLATE = "tmpl-mp-staff-case"


class Control(BaseHTTPRequestHandler):
    emulator = None
    database = None
    server_url = None
    secret_key = None

    def log_message(self, *args):
        pass

    def _answer(self, status, body):
        data = json.dumps(body, ensure_ascii=False, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/calls"):
            _, _, path = self.path.partition("path=")
            return self._answer(200, {"calls": self.emulator.calls(path or None)})
        return self._answer(404, {"error": "unknown"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/login-code":
            return self._answer(200, {"code": self.emulator.login_code(body["openid"], body.get("unionid"))})
        if self.path == "/phone-code":
            return self._answer(200, {"code": self.emulator.phone_code(body["phone"], MP_APPID)})
        if self.path == "/sql":
            sql = body["sql"]
            if not sql.lstrip().lower().startswith("select"):
                return self._answer(400, {"error": "only SELECT: the tests look, the mini-program acts"})
            with sqlite3.connect(self.database, timeout=10) as conn:
                conn.row_factory = sqlite3.Row
                rows = [dict(row) for row in conn.execute(sql, body.get("params") or [])]
            return self._answer(200, {"rows": rows})
        if self.path == "/risky-words":
            with self.emulator.state.lock:
                self.emulator.state.risky_words.update(body.get("words") or [])
            return self._answer(200, {})
        if self.path == "/push":
            answer = WeChat(HttpClient(self.server_url)).post(body["xml"])
            return self._answer(200, {"status": answer.status_code, "body": answer.text})
        if self.path == "/volunteers/stale-qr":
            return self._answer(200, {"qr": stale_qr({"a": body["activity_id"]}, self.secret_key)})
        if self.path == "/redcard/stale-qr":
            return self._answer(200, {"qr": stale_qr(body["code"], self.secret_key, COUPON_QR_SALT)})
        if self.path == "/volunteers/shift":
            shift_activity(self.database, body["activity_id"], datetime.timedelta(minutes=body["minutes"]))
            return self._answer(200, {})
        if self.path == "/reset-limits":
            # A resident's own counters stay: each test has a new resident, and a test of a
            # resident's limit must not see it reset by a test starting in another file.
            with sqlite3.connect(self.database, timeout=10) as conn:
                conn.execute("DELETE FROM rate_counter WHERE key NOT LIKE 'file:%' AND key NOT LIKE 'upload:%'")
            return self._answer(200, {})
        return self._answer(404, {"error": "unknown"})


def stale_qr(value, secret_key, salt=QR_SALT):
    """A rotating QR payload (linli/signed_qr.py) signed two minutes ago: a screenshot's. The
    volunteers' check-in code by default, a coupon's with coupons.codes' salt."""
    class TwoMinutesAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 120
    return URLSafeTimedSerializer(secret_key, salt=salt, signer=TwoMinutesAgo).dumps(value)


def shift_activity(database, activity_id, back):
    """Move an activity, and its sign-ups' times, `back` into the past (naive UTC, as stored)."""
    columns = {"volunteer_activity": ("starts_at", "ends_at", "created_at"),
               "volunteer_signup": ("signed_up_at", "checked_in_at", "checked_out_at")}
    with sqlite3.connect(database, timeout=10) as conn:
        for table, names in columns.items():
            key = "id" if table == "volunteer_activity" else "activity_id"
            for row in conn.execute("SELECT id, %s FROM %s WHERE %s = ?" % (", ".join(names), table, key),
                                    [activity_id]).fetchall():
                moved = [str(datetime.datetime.fromisoformat(v) - back) if v else None for v in row[1:]]
                conn.execute("UPDATE %s SET %s WHERE id = ?" % (table, ", ".join("%s = ?" % n for n in names)),
                             [*moved, row[0]])


def main():
    data_dir = Path(tempfile.mkdtemp(prefix="linli-mp-"))
    emulator = Emulator().start()
    emulator.register_app(APPID, SECRET)
    emulator.register_app(MP_APPID, MP_SECRET)
    settings = settings_for(data_dir, emulator.base_url)
    # A case template, as a deployment that sends case progress in the mini-program has: the
    # report page asks the resident to consent to it (GET /api/mp/settings names it).
    extra = dict(CONSOLE_COOKIE_SECURE="0", MP_ADDRESS_PAGE="pages/address/index", MP_CASE_TEMPLATE_ID=CASE_TEMPLATE,
                 MP_PROPOSAL_TEMPLATE_ID=PROPOSAL_TEMPLATE, MP_VOLUNTEER_TEMPLATE_ID=VOLUNTEER_TEMPLATE,
                 MP_VOLUNTEER_PAGE="volunteers/activity/index", MP_STAFF_CASE_TEMPLATE_ID=STAFF_CASE_TEMPLATE)
    env = _environment(settings, **extra)
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = LiveServer(settings, **extra)
    Control.emulator = emulator
    Control.database = str(data_dir / "linli.db")
    Control.server_url = server.url
    Control.secret_key = settings.SECRET_KEY
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    print(json.dumps({"api": server.url + "/api/mp", "base": server.url,
                      "control": "http://127.0.0.1:%d" % control.server_port,
                      "emulator": emulator.base_url, "data_dir": str(data_dir)}), flush=True)
    try:
        sys.stdin.read()        # the test run closes our stdin when it ends, or kills us
    finally:
        server.stop()
        control.shutdown()
        emulator.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
