"""The staff console through HTTP: signing in (rate limit, CSRF, cookie flags, no open
redirect), and every action tried by every role: the wrong role gets 403 and nothing changes."""
import datetime
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from account import articles
from cases import intake
from cases import permissions
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from linli import config
from models.account import AutoReplyRule
from models.account import InboundMessage
from models.account import OutboundMessage
from models.cases import Case
from models.cases import CaseEvent
from models.community import Building
from models.content import Article
from models.content import Comment
from models.content import Notice
from models.content import SensitiveWord
from models.coupons import Campaign
from models.db import utcnow
from models.merchants import Merchant
from models.merchants import MerchantStaff
from models.people import Resident
from models.people import Staff
from models.workflow import CalendarDay

USERS = ("tianbing", "admin", "editor", "wuye", "jiedao", "cadre1", "cadre2", "grid1", "grid2", "louzhang1",
         "danyuan1")
CASE = ("grid_worker", "area_cadre", "secretary", "street_centre", "admin")
CONTENT = ("editor", "secretary", "admin")
MANAGERS = ("secretary", "admin")


# -- signing in -----------------------------------------------------------------------------------
def test_sign_in_out_and_what_an_anonymous_visitor_sees(client, console):
    sign_in, csrf = console
    assert client.get("/console/cases").headers["Location"].startswith("/console/login")
    answer = sign_in("grid1")
    assert answer.status_code == 303 and answer.headers["Location"] == "/console/"
    assert "网格员一" in client.get("/console/").get_data(as_text=True)
    client.post("/console/logout", data={"csrf": csrf("/console/")})
    assert client.get("/console/").status_code == 302


def test_a_wrong_password_and_an_unknown_name_look_the_same_and_both_count(client, console):
    sign_in, _ = console
    wrong, unknown = sign_in("grid1", "guess"), sign_in("nobody", "guess")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True) and "用户名或密码错误" in unknown.get_data(as_text=True)
    for _ in range(4):
        sign_in("grid1", "guess")
    # Guessing a password: after 5 failures even the right one waits.
    assert sign_in("grid1").status_code == 429


@pytest.mark.password_hashing
@pytest.mark.slow
def test_an_unknown_name_takes_as_long_as_a_known_one(client, console):
    # Timing a wrong password tells which staff names exist when only known names get the slow
    # hash check (~100 ms against ~4 ms). Medians, interleaved, with a factor of 3 to spare on a
    # busy machine: a gap of 25 times still shows.
    import statistics
    import time
    _, csrf = console
    token = csrf("/console/login")

    def timed(username, n):
        start = time.perf_counter()
        answer = client.post("/console/login", data={"username": username, "password": "guess", "csrf": token},
                             environ_base={"REMOTE_ADDR": "203.0.113.%d" % n})
        assert answer.status_code == 401
        return time.perf_counter() - start
    known, unknown = [], []
    for n, username in enumerate(USERS[:8]):
        known.append(timed(username, n))
        unknown.append(timed("nobody%d" % n, n))
    assert statistics.median(unknown) > statistics.median(known) / 3, (known, unknown)


def test_a_form_without_its_csrf_token_is_refused(client, console):
    # A page on another site posting into a signed-in secretary's browser.
    sign_in, _ = console
    sign_in("tianbing")
    answer = client.post("/console/community/calendar", data={"first": "2026-10-01", "kind": "holiday"})
    assert answer.status_code == 400 and CalendarDay.select().count() == 0
    forged = client.post("/console/community/calendar", data={"first": "2026-10-01", "kind": "holiday",
                                                              "csrf": "forged"})
    assert forged.status_code == 400 and CalendarDay.select().count() == 0
    login = client.post("/console/login", data={"username": "tianbing", "password": DEMO_PASSWORD})
    assert login.status_code == 400                                  # sign-in forms too (login CSRF)


def test_the_session_cookie_flags(client, database, emulator):
    # Production: Secure (TLS only), HttpOnly (no script reads it), SameSite=Lax.
    seed_demo()
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = client.post("/console/login", data={"username": "grid1", "password": DEMO_PASSWORD, "csrf": token})
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_open_redirect_after_sign_in(client, console):
    # A phishing link to our sign-in page that would bounce the user to another site after it.
    # Also what used to pass the "/console/" prefix test or break the header: CR LF (a 500, or
    # a header of the attacker's), backslashes browsers read as slashes, and `..` out of /console.
    _, csrf = console
    refused = ("//evil.example/x", "https://evil.example/", "/api/mp/me", "/console/\r\nSet-Cookie: a=b",
               "/console/\nx", "/console/\x7f", "/\\evil.example/", "/console/\\/evil.example",
               "\t//evil.example/", "/console/../api/mp/me", "/console/%2e%2e/api/mp/me", "/console/./x",
               "javascript:alert(1)", "/console:80@evil.example/", "/consolexyz")
    for target in refused + ("/console/cases", "/console/cases?state=open&page=2", "/console/"):
        answer = client.post("/console/login", query_string={"next": target}, data={
            "username": "grid1", "password": DEMO_PASSWORD, "csrf": csrf("/console/login")})
        assert answer.status_code == 303, target
        assert answer.headers["Location"] == ("/console/" if target in refused else target), target
    # A NUL anywhere in a request is refused before any view (edge.py), sign-in included.
    answer = client.post("/console/login", query_string={"next": "/console/\x00"}, data={
        "username": "grid1", "password": DEMO_PASSWORD, "csrf": csrf("/console/login")})
    assert answer.status_code == 400 and "Location" not in answer.headers


def _replay(client, cookie):
    """The dashboard opened in another browser with a copy of `cookie`."""
    other = client.application.test_client()
    other.set_cookie("linli_console", cookie)
    return other.get("/console/")


def _sent_to_sign_in(answer):
    return answer.status_code == 302 and answer.headers["Location"].startswith("/console/login")


def test_a_copied_cookie_dies_with_sign_out(client, console):
    # Someone copied grid1's cookie (a shared office PC, a proxy log); grid1 signs out.
    sign_in, csrf = console
    sign_in("grid1")
    copied = client.get_cookie("linli_console").value
    assert _replay(client, copied).status_code == 200
    client.post("/console/logout", data={"csrf": csrf("/console/")})
    assert _sent_to_sign_in(_replay(client, copied))


def test_a_new_password_ends_every_session(client, console):
    # grid1 suspects the cookie was stolen and changes the password: through set_password, or
    # any code path that writes a new hash (a one-time sign-in link, the CLI).
    from community.staff import hash_password
    from community.staff import set_password
    sign_in, _ = console
    grid1 = Staff.get(Staff.username == "grid1")
    changes = ((DEMO_PASSWORD, lambda: set_password(grid1, "new-password-1")),
               ("new-password-1", lambda: Staff.update(password_hash=hash_password("new-password-2"))
                .where(Staff.id == grid1.id).execute()))
    for password, change in changes:
        assert sign_in("grid1", password).status_code == 303
        copied = client.get_cookie("linli_console").value
        assert _replay(client, copied).status_code == 200
        change()
        assert _sent_to_sign_in(_replay(client, copied))


def test_disabling_ends_every_session_for_good(client, console):
    # A staff member leaves; a cookie kept from before must not come back when the account is
    # enabled again (for someone else's use of the name, or by mistake).
    from community.staff import set_active
    sign_in, _ = console
    sign_in("grid1")
    copied = client.get_cookie("linli_console").value
    grid1 = Staff.get(Staff.username == "grid1")
    set_active(grid1, False)
    assert _sent_to_sign_in(_replay(client, copied))
    set_active(grid1, True)
    assert _sent_to_sign_in(_replay(client, copied))
    assert sign_in("grid1").status_code == 303                       # a new sign-in works


# -- browser protections --------------------------------------------------------------------------
INLINE_CODE = (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),          # an inline script
               re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),               # onclick= and the like
               re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),                   # a style attribute
               re.compile(r"<style", re.I), re.compile(r"javascript:", re.I))
TEMPLATES = Path(__file__).resolve().parent.parent / "console" / "templates"


def test_every_answer_forbids_framing_sniffing_and_inline_code(client, console):
    # Clickjacking: another site frames the console and steers a secretary's click on 批准. And
    # if markup were ever injected, the policy keeps it from running or restyling the page.
    sign_in, _ = console
    anonymous = [client.get(path) for path in ("/console/login", "/healthz", "/api/mp/me", "/console/nowhere")]
    sign_in("tianbing")
    signed_in = [client.get(path) for path in ("/console/", "/console/community/qrcodes")]
    for answer in anonymous + signed_in:
        policy = answer.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy and answer.headers.get("X-Frame-Options") == "DENY"
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
        assert answer.headers.get("X-Content-Type-Options") == "nosniff"


def test_console_pages_have_no_inline_code_the_policy_would_block(client, console):
    # The rule every template must keep: no inline <script>, no on*= handlers, no style=
    # attributes or <style> blocks, no javascript: links (console/static/ has the code).
    sign_in, _ = console
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert not [p.pattern for p in INLINE_CODE if p.search(text)], template.name
    sign_in("tianbing")                     # and as rendered, with what Python adds (charts, fields)
    for path in ("/console/", "/console/cases", "/console/inbox", "/console/articles", "/console/comments",
                 "/console/community", "/console/community/qrcodes", "/console/community/wxacodes",
                 "/console/redcard"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert not [p.pattern for p in INLINE_CODE if p.search(answer.get_data(as_text=True))], path


# -- every action, every role ---------------------------------------------------------------------
def _world(editor):
    """One of everything the actions act on."""
    building = Building.select().order_by(Building.id).first()                      # grid G1
    resident = Resident.create(oa_openid="o-console", subscribed=True, community=building.community_id,
                               building=building, address_state="confirmed", nickname="老住户")
    case = intake.submit(resident, "miniprogram", "楼道灯坏了")
    other = intake.submit(resident, "miniprogram", "楼道灯还是坏的")
    message = InboundMessage.create(dedup_key="msg:console-1", openid="o-console", resident=resident,
                                    msg_type="text", content="门口垃圾没人清", wechat_time=int(utcnow().timestamp()),
                                    raw_xml="<xml/>", state="handled")
    article, _ = articles.save(editor, {"title": "停水通知", "body": "明天停水", "cover_path": ""},
                               community_id=building.community_id)
    synced, _ = articles.save(editor, {"title": "停电通知", "body": "明天停电"}, community_id=building.community_id)
    Article.update(state="synced", draft_media_id="draft-x",
                   msg_data_id="9001").where(Article.id == synced.id).execute()
    comment = Comment.create(msg_data_id="9001", user_comment_id=1, openid="o-console", content="谢谢社区",
                             state="held")
    merchant = Merchant.select().order_by(Merchant.id).first()
    Merchant.update(status="active").where(Merchant.id == merchant.id).execute()
    campaign = Campaign.create(merchant=merchant, community=building.community_id, title="满20减5", kind="cash_off",
                               value_fen=500, threshold_fen=2000, total_stock=10, claim_starts_at=utcnow(),
                               claim_ends_at=utcnow() + datetime.timedelta(days=3), valid_days=7)
    return dict(case=case, other=other, message=message, article=article, synced=synced, comment=comment,
                merchant=merchant, campaign=campaign, building=building)


def _actions(w):
    """(name, path, form, roles the page admits, or a function of the staff for case actions)."""
    case, number = w["case"], w["case"].number

    def on_case(staff):
        return permissions.can_act(staff, Case.get_by_id(case.id))
    case_actions = [
        ("accept", {"note": "收到"}), ("start", {}), ("note", {"text": "已联系物业"}),
        ("escalate", {"reason": "需要协调"}), ("transfer", {"to_staff_id": "1", "reason": "换人"}),
        ("reject", {"reason": "不属于社区职责"}), ("merge", {"into": w["other"].number, "reason": "重复"}),
        ("resolve", {"note": "已修好"})]
    return ([("case " + a, "/console/cases/%s/%s" % (number, a), form, on_case) for a, form in case_actions]
            + [("walk-in", "/console/cases/new", {"description": "电话反映：电梯异响", "phone": "13800000000"}, CASE),
               ("inbox reply", "/console/inbox/%d/reply" % w["message"].id, {"text": "收到，马上处理"}, CONTENT),
               ("inbox case", "/console/inbox/%d/case" % w["message"].id, {}, CONTENT),
               ("article new", "/console/articles/new", {"title": "新文章", "body": "正文"}, CONTENT),
               ("image upload", "/console/media", {"file": (io.BytesIO(_png()), "cover.png")}, CONTENT),
               ("article edit", "/console/articles/%d" % w["article"].id, {"title": "改过的标题"}, CONTENT),
               ("article sync", "/console/articles/%d/sync" % w["article"].id, {}, CONTENT),
               ("article publish", "/console/articles/%d/publish" % w["synced"].id, {"confirm": "1"}, CONTENT),
               ("notice", "/console/notices", {"text": "今晚停电检修", "target": "all", "key": "k" * 32}, CONTENT),
               ("comment elect", "/console/comments/%d/elect" % w["comment"].id, {}, CONTENT),
               ("comment reply", "/console/comments/%d/reply" % w["comment"].id, {"text": "谢谢"}, CONTENT),
               ("comment delete_reply", "/console/comments/%d/delete_reply" % w["comment"].id, {}, CONTENT),
               ("comment unelect", "/console/comments/%d/unelect" % w["comment"].id, {}, CONTENT),
               ("comment case", "/console/comments/%d/case" % w["comment"].id, {}, CONTENT),
               ("comment retry", "/console/comments/%d/retry" % w["comment"].id, {}, CONTENT),
               ("comment delete", "/console/comments/%d/delete" % w["comment"].id, {}, CONTENT),
               ("words", "/console/words", {"words": "代开发票"}, CONTENT),
               ("staff phone", "/console/community/staff/1/phone", {"phone": "110", "phone_public": "1"}, MANAGERS),
               ("rule", "/console/community/rules", {"name": "r", "match_type": "contains", "pattern": "停水",
                                                     "reply_text": "见通知"}, MANAGERS),
               ("calendar", "/console/community/calendar", {"first": "2026-10-01", "last": "2026-10-07",
                                                            "kind": "holiday", "name": "国庆"}, MANAGERS),
               ("merchant", "/console/redcard/merchants", {"name": "新开的面馆"}, MANAGERS),
               ("merchant staff", "/console/redcard/merchants/%d/staff" % w["merchant"].id,
                {"name": "小王", "role": "clerk"}, MANAGERS)]
            + [("campaign " + a, "/console/redcard/campaigns/%d/%s" % (w["campaign"].id, a), {}, MANAGERS)
               for a in ("approve", "launch", "pause", "resume", "end")])


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _fingerprint():
    """What any action could change."""
    media = Path(config.active().MEDIA_DIR)
    return (
        sorted(str(p) for p in media.rglob("*")) if media.exists() else [],
        [(r.id, r.state, r.level, r.assignee_id, r.merged_into_id) for r in Case.select().order_by(Case.id)],
        CaseEvent.select().count(), OutboundMessage.select().count(),
        [(a.id, a.title, a.state) for a in Article.select().order_by(Article.id)], Notice.select().count(),
        [(c.id, c.state, c.reply, c.case_id) for c in Comment.select().order_by(Comment.id)],
        SensitiveWord.select().count(), [(s.id, s.phone, s.phone_public) for s in Staff.select().order_by(Staff.id)],
        AutoReplyRule.select().count(), CalendarDay.select().count(), Merchant.select().count(),
        MerchantStaff.select().count(), [(c.id, c.state) for c in Campaign.select().order_by(Campaign.id)])


@pytest.mark.parametrize("username", USERS)
@pytest.mark.slow
def test_every_action_by_every_role(client, console, emulator, username):
    sign_in, csrf = console
    editor = Staff.get(Staff.username == "editor")
    world = _world(editor)
    emulator.state.comment_open.add((9001, 0))
    emulator.state.comments[(9001, 0)] = [{"user_comment_id": 1, "openid": "o-console", "content": "谢谢社区",
                                           "create_time": 1, "comment_type": 0, "deleted": False}]
    assert sign_in(username).status_code == 303
    staff = Staff.get(Staff.username == username)
    roles = {r.role for r in staff.roles}
    token = csrf("/console/")
    tried = 0
    for name, path, form, allowed in _actions(world):
        may = allowed(staff) if callable(allowed) else bool(roles & set(allowed))
        before = _fingerprint()
        answer = client.post(path, data=dict(form, csrf=token))
        if may:
            assert answer.status_code != 403, (username, name)
        else:
            assert answer.status_code == 403, (username, name, answer.status_code)
            assert _fingerprint() == before, (username, name)
        tried += 1
    assert tried == len(_actions(world)) >= 32


def test_behind_nginx_the_sign_in_limit_counts_each_client_not_the_proxy(client, console):
    # Every request reaches gunicorn from nginx at 127.0.0.1; without the forwarded address one
    # guesser would lock every colleague out.
    from linli.app import trust_proxies
    trust_proxies(client.application, 1)
    proxied = client

    def attempt(address, password):
        page = proxied.get("/console/login", headers={"X-Forwarded-For": address})
        token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        return proxied.post("/console/login", headers={"X-Forwarded-For": address},
                            data={"username": "user%d" % attempt.n, "password": password, "csrf": token})
    attempt.n = 0
    for n in range(20):
        attempt.n = n
        assert attempt("203.0.113.9", "guess").status_code == 401
    attempt.n = 99
    assert attempt("203.0.113.9", "guess").status_code == 429          # that address waits
    from models.console import LoginAttempt
    assert {a.address for a in LoginAttempt.select()} == {"203.0.113.9"}
    attempt.n = 100
    assert attempt("198.51.100.7", "guess").status_code == 401         # another client does not


def test_an_uploaded_file_must_really_be_an_image(client, console):
    # A script renamed to .png: refused by its content, nothing stored.
    sign_in, csrf = console
    sign_in("editor")
    answer = client.post("/console/media", data={"csrf": csrf("/console/articles"),
                                                 "file": (io.BytesIO(b"<script>alert(1)</script>"), "x.png")},
                         headers={"Referer": "/console/articles"})
    assert answer.status_code == 303
    assert "文件不是有效的图片" in client.get("/console/articles").get_data(as_text=True)
    media = Path(config.active().MEDIA_DIR)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_the_transfer_list_offers_only_staff_whose_role_covers_the_case(client, console):
    # It offered every active staff member, of any role and any community: the property office
    # picked there became the assignee, free to act at any level.
    from community.demo import seed_second_community
    seed_second_community()
    sign_in, csrf = console
    world = _world(Staff.get(Staff.username == "editor"))
    sign_in("grid1")
    page = client.get("/console/cases/" + world["case"].number).get_data(as_text=True)
    options = page.split('name="to_staff_id"')[1].split("</select>")[0]
    # the name, before any role
    offered = {name.strip() for name in re.findall(r'<option value="\d+">([^<（]+)', options)}
    # grid1 covers it too, but holds it already: not offered to themself
    assert world["case"].assignee.username == "grid1"
    assert offered == {"片区负责人甲", "田冰", "街道网格中心", "系统管理员"}
    wuye = Staff.get(Staff.username == "wuye")
    answer = client.post("/console/cases/%s/transfer" % world["case"].number,
                         data={"to_staff_id": str(wuye.id), "reason": "物业维修", "csrf": csrf("/console/")})
    assert answer.status_code == 303 and Case.get_by_id(world["case"].id).assignee_id != wuye.id


def test_inbox_replies_and_campaigns_show_their_states_in_words(client, console, emulator):
    # The mistakes: a reply's fate showed as "（sent）", a campaign as "draft"/"live", and a
    # follower with no nickname (never registered, or erased when they unfollowed) as an empty
    # cell, so staff could not tell two such senders apart.
    sign_in, csrf = console
    world = _world(Staff.get(Staff.username == "editor"))
    stranger = Resident.create(oa_openid="o-stranger-4711", subscribed=True)
    InboundMessage.create(dedup_key="msg:console-2", openid="o-stranger-4711", resident=stranger, msg_type="text",
                          content="小区门口井盖丢了", wechat_time=int(utcnow().timestamp()), raw_xml="<xml/>",
                          state="handled")
    sign_in("tianbing")
    client.post("/console/inbox/%d/reply" % world["message"].id,
                data={"text": "收到，马上处理", "csrf": csrf("/console/")})
    inbox = client.get("/console/inbox").get_data(as_text=True)
    assert "收到，马上处理（已发送）" in inbox and "（sent）" not in inbox
    assert "粉丝 …r-4711" in inbox
    redcard = client.get("/console/redcard").get_data(as_text=True)
    assert ">待审批</span>" in redcard and ">draft</span>" not in redcard
    page = client.get("/console/redcard/campaigns/%d" % world["campaign"].id).get_data(as_text=True)
    assert "待审批" in page and ">draft<" not in page


def test_the_street_grid_centre_sees_the_grid_assessment_with_its_month_picker(client, console):
    # The mistake: the dashboard's grid figures and month picker were for secretary and admin
    # only, so the street grid centre, which the staff API lets read the same rates and whose
    # work is assessing the grids, saw only its own queue.
    sign_in, csrf = console
    sign_in("jiedao")
    page = client.get("/console/?month=2026-10").get_data(as_text=True)
    assert 'id="month-picker"' in page and "2026-10 各网格考核" in page
    assert "红卡 ·" not in page                  # the merchants' figures stay with the managers
