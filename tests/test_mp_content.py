"""The community's notices and articles in the mini-program (/api/mp/notices, /notices/<id>,
/articles/<id>, /communities/<code>/notices), a building's resolved cases and service board, and
the console's urgent notices. Who sees a notice is who WeChat sent it to: everyone, or the
confirmed residents of its building or grid."""
import datetime
import io
import itertools
import os
import re
import time

import jsonschema
import pytest
from PIL import Image
from wechatpy.exceptions import WeChatClientException

from account import articles
from account import notices
from account import screens
from cases import intake
from cases import workflow
from community.demo import seed_demo
from community.demo import seed_second_community
from models.community import Building
from models.community import Community
from models.content import Article
from models.content import Notice
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from tests.support.wechat_push import WeChat
from wechat.failures import QuotaExhausted

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NOTICE_KEY = re.compile(r'name="key" value="([^"]+)"')
# Events are deduplicated by sender and CreateTime: each of WeChat's reports has its own second.
_event_times = itertools.count(int(time.time()))


@pytest.fixture
def bajiazhuang(client, database, emulator, settings):
    seed_demo()
    os.makedirs(settings.MEDIA_DIR, exist_ok=True)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, "JPEG")
    with open(os.path.join(settings.MEDIA_DIR, "cover.jpg"), "wb") as f:
        f.write(buffer.getvalue())
    return Community.get(Community.code == "bajiazhuang")


@pytest.fixture
def editor(bajiazhuang):
    return Staff.get(Staff.username == "editor")


def _resident(client, emulator, openid, building=None, confirmed=True):
    """A mini-program resident's headers, living in `building` (confirmed or only claimed)."""
    token = client.post("/api/mp/login", json={"code": emulator.login_code(openid)}).json["token"]
    headers = {"Authorization": "Bearer " + token}
    if building is not None:
        unit = building.units.first()
        assert client.put("/api/mp/me/address", headers=headers, json={
            "building_id": building.id, "unit_id": unit.id, "room": "101"}).status_code == 200
        if confirmed:
            Resident.update(address_state="confirmed").where(Resident.mp_openid == openid).execute()
    return headers


def _sent(client, notice):
    """The notice mass-sent (the emulator) and finished as WeChat's MASSSENDJOBFINISH says."""
    done = notices.send(notice.id)
    xml = WeChat.xml("o-system", "event", {"Event": "MASSSENDJOBFINISH", "MsgID": done.msg_id,
                                           "Status": "send success", "TotalCount": "1", "FilterCount": "1",
                                           "SentCount": "1", "ErrorCount": "0"}, create_time=next(_event_times),
                     msg_id=False)
    assert WeChat(client).post(xml).status_code == 200
    sent = Notice.get_by_id(notice.id)
    assert sent.state == "sent"
    return sent


def _text(client, editor, text, ago=None, **target):
    """A text notice sent `ago` (a timedelta) before now."""
    notice = notices.create(editor, editor_community(), text=text, send_at=utcnow() - (ago or datetime.timedelta()),
                            **target)
    return _sent(client, notice)


def editor_community():
    return Community.get(Community.code == "bajiazhuang").id


def _published(editor, title, body="正文", ago=None, community_id=None):
    article, _ = articles.save(editor, {"title": title, "body": body, "digest": title + "摘要",
                                        "author": "八家庄社区", "cover_path": "cover.jpg"},
                               community_id=community_id or editor_community())
    article = articles.publish(articles.sync(article))
    url = "https://mp.weixin.qq.com/s/x%d" % article.id
    done = articles.publish_finished(article.publish_id, 0, "article-x", [url])
    if ago:
        Article.update(published_at=utcnow() - ago).where(Article.id == done.id).execute()
    return Article.get_by_id(done.id)


def _titles(answer):
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [(item["kind"], item["title"]) for item in answer.json["items"]]


def _buildings():
    return list(Building.select().where(Building.community == editor_community()).order_by(Building.id))


# -- the list ---------------------------------------------------------------------------------
def test_urgent_notices_come_first_while_fresh_then_everything_newest_first(client, emulator, editor):
    _text(client, editor, "上周的紧急通知：已过置顶期", ago=datetime.timedelta(days=4), urgent=True)
    _published(editor, "社区春节活动", ago=datetime.timedelta(days=2))
    _text(client, editor, "垃圾分类宣传", ago=datetime.timedelta(days=1))
    _text(client, editor, "明天8点到12点停水\n请提前储水", ago=datetime.timedelta(hours=30), urgent=True)
    _text(client, editor, "今晚停电检修", ago=datetime.timedelta(hours=2), urgent=True)
    headers = _resident(client, emulator, "o-feed", _buildings()[0])

    answer = client.get("/api/mp/notices", headers=headers)
    assert _titles(answer) == [("text", "今晚停电检修"), ("text", "明天8点到12点停水"),
                               ("text", "垃圾分类宣传"), ("article", "社区春节活动"),
                               ("text", "上周的紧急通知：已过置顶期")]
    pinned = [(i["title"], i["urgent"], i["pinned"]) for i in answer.json["items"]]
    assert pinned[0] == ("今晚停电检修", True, True)
    assert pinned[-1] == ("上周的紧急通知：已过置顶期", True, False)     # urgent, but past its 3 days
    assert answer.json["community"] == {"code": "bajiazhuang", "name": "八家庄社区"}
    assert answer.json["items"][1]["summary"] == "明天8点到12点停水 请提前储水"
    article = answer.json["items"][3]
    assert article["cover"].startswith("/media/") and article["audience"] == "全体居民"


def test_the_list_pages_and_counts(client, emulator, editor):
    for n in range(5):
        _text(client, editor, "通知%d" % n, ago=datetime.timedelta(minutes=10 - n))
    headers = _resident(client, emulator, "o-pages")
    first = client.get("/api/mp/notices?page=1&size=2", headers=headers).json
    third = client.get("/api/mp/notices?page=3&size=2", headers=headers).json
    assert (first["total"], [i["title"] for i in first["items"]]) == (5, ["通知4", "通知3"])
    assert [i["title"] for i in third["items"]] == ["通知0"]


def test_a_building_notice_reaches_only_its_confirmed_residents(client, emulator, editor):
    building, other = _buildings()[5], _buildings()[0]
    _text(client, editor, "6号楼电梯维修", building_id=building.id)
    _text(client, editor, "全社区：疫苗接种")
    inside = _resident(client, emulator, "o-inside", building)
    claimed = _resident(client, emulator, "o-claimed", building, confirmed=False)
    elsewhere = _resident(client, emulator, "o-elsewhere", other)
    seed_second_community()
    beijing = Building.select().join(Community).where(Community.code == "guangximen").first()
    stranger = _resident(client, emulator, "o-beijing", beijing)

    assert _titles(client.get("/api/mp/notices", headers=inside)) == [("text", "全社区：疫苗接种"),
                                                                       ("text", "6号楼电梯维修")]
    assert client.get("/api/mp/notices", headers=inside).json["items"][1]["audience"] == building.label
    # A claim anyone could make opens nothing; nor does living in the next building.
    assert _titles(client.get("/api/mp/notices", headers=claimed)) == [("text", "全社区：疫苗接种")]
    assert _titles(client.get("/api/mp/notices", headers=elsewhere)) == [("text", "全社区：疫苗接种")]
    # A resident of another community sees their own community's notices: none of this one's.
    assert _titles(client.get("/api/mp/notices", headers=stranger)) == []
    assert client.get("/api/mp/notices", headers=stranger).json["community"]["code"] == "guangximen"
    # Anyone, signed in or not, sees the community's public notices only.
    assert _titles(client.get("/api/mp/communities/bajiazhuang/notices")) == [("text", "全社区：疫苗接种")]
    # One notice by its id: the same rule (an id guessed by another building's resident is 404).
    tagged = Notice.get(Notice.text == "6号楼电梯维修")
    assert client.get("/api/mp/notices/%d" % tagged.id, headers=inside).json["text"] == "6号楼电梯维修"
    for headers in (claimed, elsewhere, stranger):
        answer = client.get("/api/mp/notices/%d" % tagged.id, headers=headers)
        assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"


def test_a_grid_notice_reaches_every_building_of_the_grid(client, emulator, editor):
    first, second = [b for b in _buildings() if b.grid_id == _buildings()[0].grid_id][:2]
    last = _buildings()[-1]
    assert last.grid_id != first.grid_id
    _text(client, editor, "第一网格：周六义诊", grid_id=first.grid_id)
    assert _titles(client.get("/api/mp/notices", headers=_resident(client, emulator, "o-g1", second))) == [
        ("text", "第一网格：周六义诊")]
    assert _titles(client.get("/api/mp/notices", headers=_resident(client, emulator, "o-g4", last))) == []


def test_a_notice_shows_from_the_moment_its_send_starts_until_it_is_called_off(client, emulator, editor):
    # The mistake: showing only notices WeChat reported finished (state "sent"). An urgent notice
    # stayed off the mini-program for as long as WeChat took to report, and one refused for the
    # day's quota never showed, though a resident not on WeChat reads it nowhere else.
    community = editor_community()
    later = notices.create(editor, community, text="明天才发", send_at=utcnow() + datetime.timedelta(hours=20))
    sending = notices.create(editor, community, text="微信还在发")
    notices.send(sending.id)                                                    # sending, no event yet
    assert Notice.get_by_id(sending.id).state == "sending"
    emulator.fail(45009, path="cgi-bin/message/mass/sendall")
    over_quota = notices.create(editor, community, text="今天的群发次数用完了")
    with pytest.raises(QuotaExhausted):
        notices.send(over_quota.id)
    assert Notice.get_by_id(over_quota.id).state == "failed"
    emulator.fail(-1, path="cgi-bin/message/mass/sendall")
    retried = notices.create(editor, community, text="微信繁忙，稍后重发")
    with pytest.raises(WeChatClientException):
        notices.send(retried.id)
    assert Notice.get_by_id(retried.id).state == "scheduled"                  # the queue sends it again
    refused = notices.create(editor, community, text="微信审核不通过")
    Notice.update(state="failed", wechat_status="err(10001)").where(Notice.id == refused.id).execute()
    cancelled = notices.create(editor, community, text="预览后取消")
    Notice.update(state="cancelled").where(Notice.id == cancelled.id).execute()
    _text(client, editor, "已经发出", ago=datetime.timedelta(hours=1))
    headers = _resident(client, emulator, "o-sent")
    shown = _titles(client.get("/api/mp/notices", headers=headers))
    assert sorted(shown) == sorted([("text", "微信还在发"), ("text", "今天的群发次数用完了"),
                                    ("text", "微信繁忙，稍后重发"), ("text", "已经发出")])
    assert client.get("/api/mp/notices/%d" % sending.id, headers=headers).status_code == 200
    for hidden in (later, refused, cancelled):
        assert client.get("/api/mp/notices/%d" % hidden.id, headers=headers).status_code == 404, hidden.text


def test_an_article_published_and_mass_sent_is_listed_once(client, emulator, editor):
    article = _published(editor, "停水后的水质说明", ago=datetime.timedelta(days=1))
    _sent(client, notices.create(editor, editor_community(), article_id=article.id, urgent=True))
    items = client.get("/api/mp/notices", headers=_resident(client, emulator, "o-once")).json["items"]
    assert [(i["kind"], i["id"], i["urgent"], i["pinned"]) for i in items] == [("article", article.id, True, True)]


def test_a_resident_without_an_address_reads_the_only_community_or_nothing(client, emulator, editor):
    _text(client, editor, "欢迎使用邻里")
    headers = _resident(client, emulator, "o-nowhere")
    assert _titles(client.get("/api/mp/notices", headers=headers)) == [("text", "欢迎使用邻里")]
    seed_second_community()               # two communities: which one is theirs is not known yet
    answer = client.get("/api/mp/notices", headers=headers).json
    assert (answer["community"], answer["items"], answer["total"]) == (None, [], 0)


def test_an_unknown_community_is_404(client, bajiazhuang):
    answer = client.get("/api/mp/communities/nowhere/notices")
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"


# -- one article ------------------------------------------------------------------------------
def test_a_published_article_reads_as_safe_html_with_its_wechat_link(client, emulator, editor):
    article = _published(editor, "安全用电", body="# 安全用电\n\n**不要**私拉电线。<script>alert(1)</script>"
                                               '<img src="/media/cover.jpg" onerror="steal()">')
    answer = client.get("/api/mp/articles/%d" % article.id, headers=_resident(client, emulator, "o-read"))
    assert answer.status_code == 200
    body = answer.json
    assert (body["title"], body["author"], body["digest"]) == ("安全用电", "八家庄社区", "安全用电摘要")
    assert "<h1>安全用电</h1>" in body["html"] and "<strong>不要</strong>" in body["html"]
    # A script or an event handler in an editor's HTML never reaches the resident's phone.
    assert "<script" not in body["html"] and "onerror" not in body["html"]
    assert '<img src="/media/cover.jpg">' in body["html"]
    assert body["url"] == "https://mp.weixin.qq.com/s/x%d" % article.id
    assert body["cover"] == "/media/cover.jpg" and body["published_at"].endswith("+08:00")


def test_drafts_withdrawn_and_other_communities_articles_are_404(client, emulator, editor):
    draft, _ = articles.save(editor, {"title": "还没写完"}, community_id=editor_community())
    withdrawn = _published(editor, "已被删除")
    articles.publish_finished(withdrawn.publish_id, 5)          # deleted on WeChat after publishing
    seed_second_community()
    beijing = Community.get(Community.code == "guangximen")
    theirs = _published(Staff.get(Staff.username == "gx_editor"), "北里通知", community_id=beijing.id)
    headers = _resident(client, emulator, "o-404", _buildings()[0])
    for article in (draft, withdrawn, theirs):
        answer = client.get("/api/mp/articles/%d" % article.id, headers=headers)
        assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found", article.title
    assert _titles(client.get("/api/mp/notices", headers=headers)) == []


def test_an_article_sent_only_to_a_building_opens_only_there(client, emulator, editor):
    building = _buildings()[2]
    article, _ = articles.save(editor, {"title": "3号楼加装电梯说明", "body": "请各户阅读", "cover_path": "cover.jpg"},
                               community_id=editor_community())
    article = articles.sync(article)                     # sent as a notice, never published
    _sent(client, notices.create(editor, editor_community(), article_id=article.id, building_id=building.id))
    inside = _resident(client, emulator, "o-lift", building)
    outside = _resident(client, emulator, "o-no-lift", _buildings()[3])
    answer = client.get("/api/mp/articles/%d" % article.id, headers=inside)
    assert answer.status_code == 200 and answer.json["audience"] == building.label
    assert answer.json["url"] is None and answer.json["published_at"]
    assert client.get("/api/mp/articles/%d" % article.id, headers=outside).status_code == 404
    notice = Notice.get(Notice.article == article.id)
    assert client.get("/api/mp/notices/%d" % notice.id, headers=inside).json["article_id"] == article.id


# -- a building: its resolved cases and its board ----------------------------------------------
def test_the_resolved_board_filters_to_one_building(client, emulator, bajiazhuang):
    first, second = _buildings()[:2]
    secretary = Staff.get(Staff.username == "tianbing")
    for building, text in ((first, "1号楼楼道灯修好了"), (second, "2号楼门禁修好了"), (first, "1号楼水管修好了")):
        reporter = Resident.create(mp_openid="o-" + text, community=bajiazhuang, building=building,
                                   address_state="confirmed")
        workflow.resolve(intake.submit(reporter, "miniprogram", text, building=building), secretary, "已修好")
    answer = client.get("/api/mp/communities/bajiazhuang/resolved?building_id=%d" % first.id)
    assert answer.status_code == 200
    assert sorted(i["summary"] for i in answer.json["items"]) == sorted(["1号楼水管修好了", "1号楼楼道灯修好了"])
    assert answer.json["total"] == 2
    assert client.get("/api/mp/communities/bajiazhuang/resolved").json["total"] == 3
    # Another community's building is not this community's: 404, not an empty list.
    seed_second_community()
    beijing = Building.select().join(Community).where(Community.code == "guangximen").first()
    refused = client.get("/api/mp/communities/bajiazhuang/resolved?building_id=%d" % beijing.id)
    assert refused.status_code == 404
    assert client.get("/api/mp/communities/bajiazhuang/resolved?building_id=x").json["error"]["code"] == "bad_filter"


def test_a_buildings_board_lists_every_units_leader(client, bajiazhuang):
    building = _buildings()[0]
    answer = client.get("/api/mp/buildings/%d/board" % building.id)
    assert answer.status_code == 200
    roles = [(c["role"], c["name"], c["phone"]) for c in answer.json["contacts"]]
    assert roles[0] == ("楼长", "楼长老王", "13900000031")
    assert ("1单元 单元长", "单元长小张", "13900000041") in roles
    assert answer.json["building"] == building.label and answer.json["unit"] == ""
    assert client.get("/api/mp/buildings/999999/board").status_code == 404


# -- the console ------------------------------------------------------------------------------
@pytest.fixture
def console_editor(client, editor, settings):
    from tests.support.settings import use_settings
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False
    token = CSRF.search(client.get("/console/login").get_data(as_text=True)).group(1)
    assert client.post("/console/login", data={"username": "editor", "password": "linli-demo-2026",
                                               "csrf": token}).status_code == 303
    return editor


def test_the_console_sends_an_urgent_text_notice_to_one_building(client, emulator, console_editor):
    building = _buildings()[4]
    page = client.get("/console/articles").get_data(as_text=True)
    assert "群发文字通知" in page and 'name="urgent"' in page and "置顶 3 天" in page
    answer = client.post("/console/notices", data={
        "csrf": CSRF.search(page).group(1), "key": NOTICE_KEY.search(page).group(1),
        "text": "5号楼今晚停气", "target": "building:%d" % building.id, "urgent": "1"})
    assert answer.status_code == 303
    notice = Notice.get(Notice.text == "5号楼今晚停气")
    assert (notice.urgent, notice.tag.building_id, notice.state) == (True, building.id, "sending")
    assert "紧急" in client.get("/console/articles").get_data(as_text=True)
    # Before WeChat reports the mass send finished, the building's screen and its residents
    # already show it (it used to wait for MASSSENDJOBFINISH: 暂无通知, total 0).
    _, token = screens.create_link(Staff.get(Staff.username == "tianbing"), building.community_id, building.id)
    page = client.get("/screen/" + token).get_data(as_text=True)
    assert "5号楼今晚停气" in page and "暂无通知" not in page
    listed = client.get("/api/mp/notices", headers=_resident(client, emulator, "o-5", building))
    assert (listed.json["total"], listed.json["items"][0]["title"], listed.json["items"][0]["pinned"]) == \
        (1, "5号楼今晚停气", True)


def test_a_notice_without_the_box_ticked_is_not_urgent(client, console_editor):
    page = client.get("/console/articles").get_data(as_text=True)
    client.post("/console/notices", data={"csrf": CSRF.search(page).group(1), "key": NOTICE_KEY.search(page).group(1),
                                          "text": "社区图书室开放", "target": "all"})
    assert Notice.get(Notice.text == "社区图书室开放").urgent is False


# -- the document -----------------------------------------------------------------------------
def test_answers_validate_against_the_openapi_document(client, emulator, editor):
    document = client.get("/api/mp/openapi.json").json

    def schema(name):
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": document["components"],
                "$ref": "#/components/schemas/" + name}
    article = _published(editor, "文档校验")
    notice = _text(client, editor, "文档校验通知", urgent=True)
    headers = _resident(client, emulator, "o-doc-content", _buildings()[0])
    jsonschema.validate(client.get("/api/mp/notices", headers=headers).json, schema("FeedPage"))
    jsonschema.validate(client.get("/api/mp/communities/bajiazhuang/notices").json, schema("FeedPage"))
    jsonschema.validate(client.get("/api/mp/notices/%d" % notice.id, headers=headers).json, schema("NoticeDetail"))
    jsonschema.validate(client.get("/api/mp/articles/%d" % article.id, headers=headers).json, schema("ArticleDetail"))
    jsonschema.validate(client.get("/api/mp/buildings/%d/board" % _buildings()[0].id).json, schema("UnitBoard"))
