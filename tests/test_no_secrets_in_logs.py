"""Secrets and personal data stay out of the logs: WeChat's session_key and access token, our
session tokens, passwords, and residents' phone numbers, through a login, a filing, a staff
sign-in, a failing WeChat call and an unhandled error."""
import logging

from account import outbox
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.account import InboundMessage
from models.account import OutboundMessage
from models.people import Resident
from models.people import Staff


def test_a_busy_day_logs_no_secret(client, database, emulator, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    seed_demo()
    login = client.post("/api/mp/login", json={"code": emulator.login_code("o-secret")}).json
    headers = {"Authorization": "Bearer " + login["token"]}
    client.post("/api/mp/reports", headers=headers, json={"description": "楼上漏水，请联系我13912345678"})
    staff = client.post("/api/mp/staff/login", json={"username": "grid1", "password": DEMO_PASSWORD}).json
    client.post("/api/mp/staff/login", json={"username": "grid1", "password": "wrong-" + DEMO_PASSWORD})
    # A staff reply to a follower who just wrote in, refused by a busy WeChat (-1).
    resident = Resident.create(oa_openid="o-follower", subscribed=True)
    InboundMessage.create(dedup_key="msg:secret-1", openid="o-follower", resident=resident, msg_type="text",
                          content="你好", wechat_time=1, raw_xml="<xml/>", state="handled")
    emulator.fail(-1, path="cgi-bin/message/custom/send")
    reply = outbox.reply(Staff.get(Staff.username == "grid1"), resident, "您好，已安排")
    assert OutboundMessage.get_by_id(reply.id).errcode == -1 and emulator.calls("cgi-bin/message/custom/send")
    # An unhandled error carrying a request with a token in it.
    import miniprogram_api.views as views
    monkeypatch.setattr(views.queries, "cases_of", lambda *a, **k: 1 / 0)
    assert client.get("/api/mp/reports", headers=headers).status_code == 500
    logged = "\n".join(r.getMessage() + (str(r.exc_text or "")) for r in caplog.records)
    access_tokens = [t for t in emulator.state.tokens]
    secrets = [login["token"], staff["token"], DEMO_PASSWORD, "sk-o-secret", "13912345678"] + access_tokens
    assert logged                                                     # something was logged at all
    leaked = [s for s in secrets if s and s in logged]
    assert not leaked, leaked
