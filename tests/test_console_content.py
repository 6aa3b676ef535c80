"""Notices, articles and buildings in the console, over HTTP: one notice per submitted form (also
across two gunicorn workers), buildings named with their estate, a published article's link,
and the cover picked from uploaded images."""
import io
import re
import threading
from pathlib import Path

import pytest
import requests
from PIL import Image

from account import articles
from account import notices
from cases import intake
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.community import Building
from models.content import Article
from models.content import Notice
from models.content import WeChatTag
from models.people import Resident
from models.people import Staff
from tests.support.live_server import LiveServer
from tests.support.settings import use_settings
from tests.support.wechat_push import WeChat

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NOTICE_KEY = re.compile(r'name="key" value="([^"]+)"')


@pytest.fixture
def sign_in(client, database, emulator, settings):
    """Signs the test client in as a demo user; returns their Staff row."""
    seed_demo()
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False

    def as_user(username):
        token = CSRF.search(client.get("/console/login").get_data(as_text=True)).group(1)
        assert client.post("/console/login", data={"username": username, "password": DEMO_PASSWORD,
                                                   "csrf": token}).status_code == 303
        return Staff.get(Staff.username == username)
    return as_user


@pytest.fixture
def editor(sign_in):
    return sign_in("editor")


def _synced_article(staff, title="明日停水通知"):
    article, _ = articles.save(staff, {"title": title, "body": "明天停水"},
                               community_id=Building.select().first().community_id)
    Article.update(state="synced", draft_media_id="draft-%d" % article.id).where(Article.id == article.id).execute()
    return Article.get_by_id(article.id)


def _notice_form(page, building):
    return {"csrf": CSRF.search(page).group(1), "key": NOTICE_KEY.search(page).group(1),
            "article_id": re.search(r'name="article_id" value="(\d+)"', page).group(1),
            "target": "building:%d" % building.id}


# -- one notice per intent ---------------------------------------------------------------------
def test_a_notice_form_sent_twice_is_one_notice_and_one_mass_send(client, editor, emulator):
    # The mistake: each submit made a fresh clientmsgid, so a double click or back-and-resubmit
    # had WeChat mass-send the same notice twice to every follower of the building.
    article = _synced_article(editor)
    building = Building.select().order_by(Building.id)[5]
    form = _notice_form(client.get("/console/articles/%d" % article.id).get_data(as_text=True), building)
    first = client.post("/console/notices", data=form)
    again = client.post("/console/notices", data=form)               # back, and submit the same form
    sends = emulator.calls("cgi-bin/message/mass/sendall")
    assert first.status_code == again.status_code == 303
    assert Notice.select().count() == len(sends) == 1
    notice = Notice.get()
    assert sends[0].body["clientmsgid"] == form["key"] == notice.client_msg_id
    # The second submit shows the first notice.
    assert again.headers["Location"].endswith("#notice-%d" % notice.id)
    assert "已提交过" in client.get(again.headers["Location"]).get_data(as_text=True)

    # A new visit to the form that says to send the same again: a second notice, its own key.
    form = _notice_form(client.get("/console/articles/%d" % article.id).get_data(as_text=True), building)
    assert form["key"] != notice.client_msg_id
    client.post("/console/notices", data=dict(form, repeat="1"))
    assert Notice.select().count() == 2 and len(emulator.calls("cgi-bin/message/mass/sendall")) == 2


def test_back_to_a_reloaded_notice_form_and_resubmit_is_one_mass_send(client, editor, emulator):
    # The mistake: a browser's Back may fetch the form again (it did in Chromium after the
    # notice's redirect), so the resubmitted form carried a fresh key and WeChat mass-sent the
    # same article to the same building twice. The same content to the same followers within
    # minutes is the same intent unless the editor ticks "send again".
    article = _synced_article(editor)
    building = Building.select().order_by(Building.id)[7]
    page = "/console/articles/%d" % article.id
    first = _notice_form(client.get(page).get_data(as_text=True), building)
    assert client.post("/console/notices", data=first).status_code == 303
    again = _notice_form(client.get(page).get_data(as_text=True), building)     # Back reloaded it
    assert again["key"] != first["key"]
    answer = client.post("/console/notices", data=again)
    notice = Notice.get()
    assert Notice.select().count() == len(emulator.calls("cgi-bin/message/mass/sendall")) == 1
    assert answer.headers["Location"].endswith("#notice-%d" % notice.id)
    assert "已提交过" in client.get(answer.headers["Location"]).get_data(as_text=True)

    # Another building, or the whole account, is another intent.
    other = _notice_form(client.get(page).get_data(as_text=True), Building.select().order_by(Building.id)[8])
    client.post("/console/notices", data=other)
    assert Notice.select().count() == len(emulator.calls("cgi-bin/message/mass/sendall")) == 2


def test_articles_and_notices_show_their_states_in_words(client, editor, emulator):
    # The mistake: the article list, the article page and the notice list showed raw keys
    # (publishing, synced, sending) to staff who read Chinese.
    article = _synced_article(editor)
    form = _notice_form(client.get("/console/articles/%d" % article.id).get_data(as_text=True),
                        Building.select().first())
    client.post("/console/notices", data=form)
    Article.update(state="publishing").where(Article.id == article.id).execute()
    listing = client.get("/console/articles").get_data(as_text=True)
    page = client.get("/console/articles/%d" % article.id).get_data(as_text=True)
    assert "发布中" in listing and "发布中" in page
    assert Notice.get().state == "sending" and "发送中" in listing
    for raw in ("publishing", "synced", ">sent", "sending", "scheduled"):
        assert raw not in listing.replace('name="', "") and raw not in page.replace('name="', ""), raw


def test_a_notice_form_without_its_key_is_refused(client, editor, emulator):
    article = _synced_article(editor)
    form = _notice_form(client.get("/console/articles/%d" % article.id).get_data(as_text=True),
                        Building.select().first())
    for key in ("", "short", "x" * 65, "<script>"):
        answer = client.post("/console/notices", data=dict(form, key=key))
        assert answer.status_code in (303, 400) and Notice.select().count() == 0


def test_wechat_refusing_the_tag_or_the_preview_is_said_plainly_and_sends_nothing(client, editor, emulator):
    # The mistake: a WeChat refusal while creating the building's tag was a 500 page.
    article = _synced_article(editor)
    building = Building.select().order_by(Building.id)[5]
    page = "/console/articles/%d" % article.id
    form = _notice_form(client.get(page).get_data(as_text=True), building)
    emulator.state.tags.update({1000 + i: "别的标签%d" % i for i in range(100)})     # WeChat's 100 are used
    answer = client.post("/console/notices", data=form, headers={"Referer": page})
    assert answer.status_code == 303 and "45056" in client.get(page).get_data(as_text=True)
    assert Notice.select().count() == WeChatTag.select().count() == 0

    # A tag freed, the same form again: it goes through, once.
    emulator.state.tags.pop(1000)
    assert client.post("/console/notices", data=form).status_code == 303
    assert Notice.select().count() == WeChatTag.select().count() == 1

    # A preview WeChat refuses: the notice is cancelled, not sent unseen.
    Staff.update(oa_openid="o-editor").where(Staff.id == editor.id).execute()
    form = dict(_notice_form(client.get(page).get_data(as_text=True), building), preview="1", repeat="1")
    emulator.fail(40003, path="cgi-bin/message/mass/preview")
    assert client.post("/console/notices", data=form, headers={"Referer": page}).status_code == 303
    assert "预览未能发送" in client.get(page).get_data(as_text=True)
    assert Notice.get(Notice.client_msg_id == form["key"]).state == "cancelled"
    assert len(emulator.calls("cgi-bin/message/mass/sendall")) == 1


@pytest.fixture
def two_workers(settings, database, emulator):
    """The console on gunicorn with two workers, signed in as the editor over real HTTP."""
    seed_demo()
    server = LiveServer(settings, CONSOLE_COOKIE_SECURE="0")
    session = requests.Session()
    token = CSRF.search(session.get(server.url + "/console/login", timeout=10).text).group(1)
    assert session.post(server.url + "/console/login", data={"username": "editor", "password": DEMO_PASSWORD,
                                                             "csrf": token}, timeout=10).ok
    yield server, session
    server.stop()


@pytest.mark.live_server
def test_a_double_click_on_a_buildings_first_notice_across_two_workers(two_workers, emulator):
    # The mistake: both requests created the building's tag; the second got 45157 and then an
    # IntegrityError (500), or both notices went out. The row is now claimed before WeChat is asked.
    server, session = two_workers
    article = _synced_article(Staff.get(Staff.username == "editor"))
    building = Building.select().order_by(Building.id)[5]
    Resident.create(oa_openid="o-b6", subscribed=True, community=building.community_id, building=building,
                    address_state="confirmed")
    form = _notice_form(session.get(server.url + "/console/articles/%d" % article.id, timeout=10).text, building)
    emulator.slow(1.0, path="cgi-bin/tags/create", times=2)           # both requests meet inside it
    answers = [None, None]

    def click(i):
        answers[i] = session.post(server.url + "/console/notices", data=form, allow_redirects=False, timeout=30)
    clicks = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    assert [a.status_code for a in answers] == [303, 303]
    assert len(emulator.calls("cgi-bin/tags/create")) == 1
    assert WeChatTag.select().count() == 1 and WeChatTag.get().tag_id is not None
    assert Notice.select().count() == 1 and len(emulator.calls("cgi-bin/message/mass/sendall")) == 1


# -- buildings named with their estate -----------------------------------------------------------
def _bare_building_names(html):
    """Building names left without their estate once every full label is taken out."""
    for building in Building.select():
        html = html.replace(building.label, "")
    return re.findall(r"\d+号楼", html)


def test_everywhere_a_building_is_chosen_or_shown_it_comes_with_its_estate(client, sign_in, emulator):
    # The mistake: six estates each have a 1号楼, and every list and chooser said just "1号楼".
    staff = sign_in("tianbing")                  # the secretary sees cases, content and the community
    first, second = Building.select().where(Building.name == "1号楼").order_by(Building.id)[:2]
    resident = Resident.create(oa_openid="o-estate", subscribed=True, community=second.community_id,
                               building=second, address_state="confirmed")
    case = intake.submit(resident, "miniprogram", "楼道灯坏了")
    article = _synced_article(staff)
    notices.create(staff, article.community_id, article_id=article.id, building_id=second.id)
    pages = {path: client.get(path).get_data(as_text=True) for path in (
        "/console/articles/%d" % article.id, "/console/articles", "/console/cases/new", "/console/community",
        "/console/community/qrcodes", "/console/cases/%s" % case.number)}
    assert ">丰泽园小区 1号楼<" in pages["/console/articles/%d" % article.id]
    assert second.label in pages["/console/articles"] and second.label in pages["/console/cases/%s" % case.number]
    assert {path: _bare_building_names(html) for path, html in pages.items()} == {path: [] for path in pages}

    # The follow greeting's service board and the mini-program say which 1号楼 too.
    wechat = WeChat(client)
    reply = wechat.say(wechat.event("o-door", "subscribe", key="qrscene_" + second.qr_scene))
    assert "【八家庄东区 1号楼服务牌】" in reply
    unit = second.units.first()
    assert client.get("/api/mp/units/%d/board" % unit.id).get_json()["building"] == "八家庄东区 1号楼"


# -- a published article's link ----------------------------------------------------------------
def test_a_published_articles_link_is_shown_with_a_copy_button(client, editor):
    # The mistake: the URL WeChat gave on publishing was stored but shown nowhere in the console.
    article = _synced_article(editor)
    url = "https://mp.weixin.qq.com/s/art-77"
    Article.update(state="publishing", publish_id="pub-1").where(Article.id == article.id).execute()
    articles.publish_finished("pub-1", 0, "art-77", [url])
    pages = (("/console/articles/%d" % article.id, "article-url"), ("/console/articles", "url-%d" % article.id))
    for path, field in pages:
        page = client.get(path).get_data(as_text=True)
        assert re.search(r'<input id="%s" class="copyable" value="%s" readonly' % (field, re.escape(url)), page)
        assert '<button type="button" class="secondary" data-copy="%s">' % field in page
        # The copy button's script is a file: no inline script or handler (the console's CSP).
        assert not re.search(r"<script(?![^>]*\bsrc=)|\son[a-z]+=", page)
    script = client.get("/console/static/console.js")
    assert script.status_code == 200 and "data-copy" in script.get_data(as_text=True)


# -- the cover picker --------------------------------------------------------------------------
def _image(colour, size=(800, 600)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_cover_is_picked_from_uploaded_images_or_uploaded_from_the_form(client, editor, settings, emulator):
    # The mistake: the cover had to be typed as a media file name.
    page = client.get("/console/articles/new").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    client.post("/console/media", data={"csrf": token, "file": (io.BytesIO(_image("red")), "red.png")},
                headers={"Referer": "/console/articles/new"})
    page = client.get("/console/articles/new").get_data(as_text=True)
    picked = re.search(r'name="cover_path" value="(articles/[^"]+)"', page).group(1)
    thumb = re.search(r'<img src="/media/([^"]+)" alt="封面候选 1"', page).group(1)
    with Image.open(Path(settings.MEDIA_DIR, thumb)) as small:
        assert thumb != picked and max(small.size) <= 240                    # a real thumbnail
    answer = client.post("/console/articles/new", data={"csrf": token, "title": "停水通知", "body": "明天停水",
                                                        "cover_path": picked})
    article = Article.get()
    assert answer.status_code == 303 and article.cover_path == picked
    assert 'value="%s" checked' % picked in client.get("/console/articles/%d" % article.id).get_data(as_text=True)

    # Upload from right there: the new image becomes the cover, the other edits are kept.
    client.post("/console/articles/%d" % article.id, data={
        "csrf": token, "title": "停水通知（更新）", "body": "明天停水", "cover_path": picked,
        "cover_file": (io.BytesIO(_image("blue")), "blue.png")}, content_type="multipart/form-data")
    article = Article.get()
    assert article.title == "停水通知（更新）" and article.cover_path not in ("", picked)
    assert Path(settings.MEDIA_DIR, article.cover_path).is_file()
    assert articles.sync(article).cover_media_id and len(emulator.calls("cgi-bin/material/add_material")) == 1

    # Not an image: refused, the article as it was.
    client.post("/console/articles/%d" % article.id, data={
        "csrf": token, "title": "改了", "body": "明天停水", "cover_path": picked,
        "cover_file": (io.BytesIO(b"<script>"), "x.png")}, content_type="multipart/form-data")
    assert Article.get().title == "停水通知（更新）"
