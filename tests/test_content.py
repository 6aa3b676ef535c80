"""Articles, notices, statistics and comments against the WeChat emulator: the publishing
lifecycle with images, tag-targeted and scheduled mass sends, the events that finish them,
the daily stats, comment sync with paging and resume, every moderation action, and failures
(40001 refreshed and retried, -1 retried, 45009 stopping the job)."""
import datetime
import io
import os
import re

import pytest
import requests
from PIL import Image
from wechatpy.exceptions import WeChatClientException

from account import articles
from account import comments
from account import notices
from account import stats
from account import words
from account.words import Screen
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from linli.errors import LinliError
from models.cases import Case
from models.community import Building
from models.community import Estate
from models.content import Article
from models.content import Comment
from models.content import CommentCursor
from models.content import Notice
from models.content import ResidentTag
from models.content import WeChatTag
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from tests.support.settings import use_settings
from tests.support.wechat_push import WeChat
from wechat.failures import QuotaExhausted


@pytest.fixture
def editor(database, settings, emulator):
    seed_demo()
    os.makedirs(settings.MEDIA_DIR, exist_ok=True)
    for name, colour in (("cover.jpg", "red"), ("pipe.png", "blue"), ("map.png", "green")):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16), colour).save(buffer, "PNG" if name.endswith("png") else "JPEG")
        with open(os.path.join(settings.MEDIA_DIR, name), "wb") as f:
            f.write(buffer.getvalue())
    return Staff.get(Staff.username == "editor")


def _article(editor, **values):
    fields = {"title": "6号楼明日停水通知", "author": "八家庄社区", "digest": "明天 9:00-17:00 停水",
              "body": "# 停水通知\n\n因管道维修，**6号楼**明天停水。\n\n"
                      "![水管](/media/pipe.png)\n\n![地图](/media/map.png)",
              "cover_path": "cover.jpg"}
    fields.update(values)
    article, warnings = articles.save(editor, fields, community_id=Building.select().first().community_id)
    return article, warnings


def _paths(emulator, prefix):
    return [c for c in emulator.calls() if c.path.startswith(prefix)]


# -- articles ---------------------------------------------------------------------------------
def test_an_article_from_markdown_to_published(client, editor, emulator):
    article, warnings = _article(editor, body_format="markdown")
    assert warnings == [] and article.state == "draft"
    synced = articles.sync(article)
    assert synced.state == "synced" and synced.draft_media_id and synced.cover_media_id
    assert len(_paths(emulator, "cgi-bin/media/uploadimg")) == 2            # the body's two images
    assert len(_paths(emulator, "cgi-bin/material/add_material")) == 1      # the cover, permanent
    content = emulator.state.drafts[synced.draft_media_id][0]["content"]
    assert "<strong>6号楼</strong>" in content and "/media/" not in content and content.count("mmbiz.qpic.cn") == 2

    # Edited after syncing: a draft again, updated in place, nothing uploaded twice.
    edited, _ = articles.save(editor, {"title": "6号楼明日停水通知（更新）", "body": synced.body,
                                       "cover_path": "cover.jpg"}, article=synced)
    assert edited.state == "draft"
    articles.sync(edited)
    assert len(_paths(emulator, "cgi-bin/draft/update")) == 1 and len(_paths(emulator, "cgi-bin/media/uploadimg")) == 2
    assert emulator.state.drafts[synced.draft_media_id][0]["title"] == "6号楼明日停水通知（更新）"

    publishing = articles.publish(Article.get_by_id(article.id))
    assert publishing.state == "publishing" and publishing.publish_id
    # A second click, or a second worker: never a second publish.
    with pytest.raises(LinliError) as twice:
        articles.publish(Article.get_by_id(article.id))
    assert twice.value.code == "already_publishing" and len(_paths(emulator, "cgi-bin/freepublish/submit")) == 1

    # WeChat's PUBLISHJOBFINISH: one article arrives as a dict, not a list.
    xml = ("<xml><ToUserName><![CDATA[gh_linli_test]]></ToUserName><FromUserName><![CDATA[o-system]]></FromUserName>"
           "<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event>"
           "<PublishEventInfo><publish_id>%s</publish_id><publish_status>0</publish_status>"
           "<article_id><![CDATA[art-77]]></article_id><article_detail><count>1</count><item><idx>1</idx>"
           "<article_url><![CDATA[https://mp.weixin.qq.com/s/art-77]]></article_url></item></article_detail>"
           "</PublishEventInfo></xml>") % (int(utcnow().timestamp()), publishing.publish_id)
    assert WeChat(client).post(xml).status_code == 200
    done = Article.get_by_id(article.id)
    assert (done.state, done.article_id, done.url) == ("published", "art-77", "https://mp.weixin.qq.com/s/art-77")
    with pytest.raises(LinliError):
        articles.save(editor, {"title": "改标题"}, article=done)      # published: locked


def test_html_bodies_are_cleaned_and_foreign_images_refused(editor):
    article, _ = _article(editor, body_format="html",
                          body='<p onclick="steal()">你好<script>alert(1)</script></p><iframe src="x"></iframe>')
    synced = articles.sync(article)
    assert synced.state == "synced"
    from account import article_html
    html = article_html.render(article.body, "html")
    assert "script" not in html and "onclick" not in html and "iframe" not in html and "你好" in html
    outside, _ = _article(editor, body="![外链](http://example.com/x.png)")
    with pytest.raises(LinliError) as refused:
        articles.sync(outside)
    assert refused.value.code == "image_not_uploaded"
    escape, _ = _article(editor, body="![偷看](/media/../../etc/passwd)")       # a path out of MEDIA_DIR
    with pytest.raises(LinliError) as missing:
        articles.sync(escape)
    assert missing.value.code == "image_missing"


def test_an_unverified_account_is_told_plainly_and_the_article_is_failed(editor, emulator):
    emulator.state.publish_allowed = False
    article = articles.sync(_article(editor)[0])
    with pytest.raises(LinliError) as refused:
        articles.publish(article)
    assert refused.value.code == "publish_unauthorized" and "48001" in refused.value.message
    failed = Article.get_by_id(article.id)
    assert (failed.state, failed.errcode) == ("failed", 48001)


def test_a_lost_publish_event_is_made_up_by_polling(editor, emulator):
    article = articles.publish(articles.sync(_article(editor)[0]))
    assert articles.poll_publishing() == []                          # too soon to ask
    emulator.state.publishes[article.publish_id]["status"] = 0
    assert articles.poll_publishing(now=utcnow() + datetime.timedelta(minutes=5)) == [article.id]
    assert Article.get_by_id(article.id).state == "published"


def test_an_expired_token_is_refreshed_and_the_call_retried(editor, emulator):
    emulator.fail(40001, path="cgi-bin/draft/add")
    assert articles.sync(_article(editor)[0]).state == "synced"
    assert len(_paths(emulator, "cgi-bin/draft/add")) == 2


def test_sensitive_words_are_named_never_silently_edited(editor):
    words.set_words(["代开发票", "法轮"])
    article, warnings = _article(editor, digest="代開 發*票，请联系")           # traditional, space, symbol
    assert warnings == ["代开发票"] and Article.get_by_id(article.id).digest == "代開 發*票，请联系"
    community = article.community_id
    with pytest.raises(LinliError) as stopped:
        notices.create(editor, community, text="ＦＡ 法 轮")
    assert stopped.value.code == "sensitive_words" and "法轮" in stopped.value.message
    assert Notice.select().count() == 0
    assert notices.create(editor, community, text="法轮", confirm=True).state == "scheduled"


def test_normalization_sees_through_the_usual_dodges():
    screen = Screen(["falun", "发票", "代开"])
    assert screen.find("Ｆａｌｕｎ") == ["falun"]
    assert screen.find("f a l u n") == ["falun"]
    assert screen.find("發\u200b票") == ["发票"]                       # traditional with a zero-width space
    assert screen.find("代-开") == ["代开"]
    assert screen.find("发😀票") == ["发票"]                              # an emoji between
    assert screen.find("今天停水") == [] and Screen([]).find("任何话") == []


# -- notices ----------------------------------------------------------------------------------
def _follower(openid, building, confirmed=True):
    return Resident.create(oa_openid=openid, subscribed=True, community=building.community_id, building=building,
                           address_state="confirmed" if confirmed else "pending")


def test_a_notice_to_one_building_reaches_that_building(client, editor, emulator):
    building6, other = Building.select().order_by(Building.id)[5], Building.select().order_by(Building.id)[0]
    inside = _follower("o-b6-a", building6)
    _follower("o-b6-pending", building6, confirmed=False)
    _follower("o-elsewhere", other)
    article = articles.sync(_article(editor)[0])
    notice = notices.create(editor, article.community_id, article_id=article.id, building_id=building6.id)
    notices.preview(notice, "o-editor")
    assert _paths(emulator, "cgi-bin/message/mass/preview")[0].body["touser"] == "o-editor"
    sent = notices.send(notice.id)
    call = _paths(emulator, "cgi-bin/message/mass/sendall")[0].body
    tag_id = sent.tag.tag_id
    assert call["filter"] == {"is_to_all": False, "tag_id": tag_id} and call["clientmsgid"] == notice.client_msg_id
    assert call["mpnews"]["media_id"] == article.draft_media_id
    assert [o for o, t in emulator.state.user_tags.items() if tag_id in t] == ["o-b6-a"]
    assert ResidentTag.select().where(ResidentTag.resident == inside).count() == 1     # tags exist once used
    assert Article.get_by_id(article.id).msg_data_id == sent.msg_data_id
    assert notices.send(notice.id) is None                                              # sent once

    xml = WeChat.xml("o-system", "event", {"Event": "MASSSENDJOBFINISH", "MsgID": sent.msg_id,
                                           "Status": "send success", "TotalCount": "1", "FilterCount": "1",
                                           "SentCount": "1", "ErrorCount": "0"}, msg_id=False)
    assert WeChat(client).post(xml).status_code == 200
    finished = Notice.get_by_id(notice.id)
    assert (finished.state, finished.total_count, finished.sent_count, finished.error_count) == ("sent", 1, 1, 0)

    # The resident moves away: the next sync takes the tag back.
    Resident.update(building=other).where(Resident.id == inside.id).execute()
    assert notices.sync_tags() == (0, 1)
    assert tag_id not in emulator.state.user_tags.get("o-b6-a", set())


def test_a_notice_to_one_estates_1号楼_never_reaches_another_estates_1号楼(editor, emulator):
    # The demo has six 1号楼: tags named by the bare building name collided on WeChat (45157), the
    # fallback took the other estate's tag and the insert failed (500), or reached the wrong people.
    first, second = Building.select().where(Building.name == "1号楼").order_by(Building.id)[:2]
    _follower("o-estate-a", first)
    _follower("o-estate-b", second)
    sent = [notices.send(notices.create(editor, b.community_id, text="明天停水", building_id=b.id).id)
            for b in (first, second)]
    reached = [sorted(o for o, t in emulator.state.user_tags.items() if n.tag.tag_id in t) for n in sent]
    assert "o-estate-a" in reached[0] and "o-estate-b" not in reached[0] and reached[1] == ["o-estate-b"]
    names = [n.tag.name for n in sent]
    assert names[0] != names[1] and all(len(n.encode()) <= 30 for n in names)
    assert [first.estate.name in names[0], second.estate.name in names[1]] == [True, True]


def test_tag_names_stay_unique_within_wechats_30_bytes(editor, emulator):
    # A long estate name cut to fit must not make two buildings' tag names equal, nor lose the
    # building's own name.
    community = Building.select().first().community
    estate = Estate.create(community=community, name="石家庄市长安区八家庄街道丰泽园小区北院")
    buildings = [Building.create(community=community, estate=estate, name="%d号楼" % n) for n in (11, 12)]
    names = [notices.tag_for(building=b).name for b in buildings]
    assert names[0] != names[1] and all(len(n.encode()) <= 30 for n in names)
    assert [b.name in n for b, n in zip(buildings, names, strict=True)] == [True, True]
    assert sorted(emulator.state.tags.values()) == sorted(names)


def test_a_tag_created_on_wechat_whose_answer_was_lost_is_adopted_not_recreated(editor, emulator):
    # tags/create arrived but its answer did not: the next try meets 45157 and takes that tag,
    # once; a name another row already holds is refused plainly, never inserted twice (500).
    building = Building.select().order_by(Building.id).first()
    name = notices.tag_name(building=building)
    emulator.state.tags[555] = name
    assert notices.tag_for(building=building).tag_id == 555
    other = Building.select().order_by(Building.id)[1]
    WeChatTag.update(building=other).where(WeChatTag.tag_id == 555).execute()
    with pytest.raises(LinliError) as taken:
        notices.tag_for(building=building)
    assert taken.value.code == "tag_name_taken" and WeChatTag.select().count() == 1


def test_a_claim_left_by_a_dead_worker_is_taken_over_and_a_live_one_waited_for(editor, emulator, monkeypatch):
    # A worker killed between claiming a building's tag and WeChat's answer must not block that
    # building's notices for good; a claim still in progress is waited for, then refused plainly.
    first, second = Building.select().order_by(Building.id)[:2]
    WeChatTag.create(building=first, name=notices.tag_name(building=first),
                     claimed_at=utcnow() - notices.CLAIM_STALE - datetime.timedelta(seconds=1))
    assert notices.tag_for(building=first).tag_id is not None and WeChatTag.select().count() == 1
    WeChatTag.create(building=second, name=notices.tag_name(building=second), claimed_at=utcnow())
    monkeypatch.setattr(notices, "CLAIM_WAIT", 0.3)
    with pytest.raises(LinliError) as pending:
        notices.tag_for(building=second)
    assert pending.value.code == "tag_pending" and len(_paths(emulator, "cgi-bin/tags/create")) == 1


def test_the_same_notice_key_twice_is_one_notice_and_one_send(editor, emulator):
    # A form submitted twice carries one key: the second gets the first notice back.
    community = Building.select().first().community_id
    first, created = notices.submit(editor, community, text="周六上午社区义诊", key="k" * 32)
    again, created_again = notices.submit(editor, community, text="周六上午社区义诊", key="k" * 32)
    assert (created, created_again, again.id) == (True, False, first.id) and Notice.select().count() == 1
    notices.send(first.id)
    notices.send(again.id)
    sends = _paths(emulator, "cgi-bin/message/mass/sendall")
    assert len(sends) == 1 and sends[0].body["clientmsgid"] == "k" * 32


def test_a_scheduled_notice_waits_for_its_time(editor, emulator):
    from linli.queue import huey
    later = utcnow() + datetime.timedelta(hours=3)
    notice = notices.create(editor, Building.select().first().community_id, text="今晚8点小区停电检修", send_at=later)
    notices.schedule(notice)
    assert [t.args for t in huey.scheduled()] == [(notice.id,)] and _paths(emulator, "cgi-bin/message/mass") == []
    huey.flush()


def test_a_busy_wechat_is_retried_with_the_same_clientmsgid(editor, emulator):
    notice = notices.create(editor, Building.select().first().community_id, text="明早9点燃气入户安检")
    emulator.fail(-1, path="cgi-bin/message/mass/sendall")
    with pytest.raises(WeChatClientException):
        notices.send(notice.id)
    assert Notice.get_by_id(notice.id).state == "scheduled"               # back in line for the retry
    assert notices.send(notice.id).msg_id
    sends = _paths(emulator, "cgi-bin/message/mass/sendall")
    assert len(sends) == 2 and sends[0].body["clientmsgid"] == sends[1].body["clientmsgid"]
    assert sends[1].body["filter"] == {"is_to_all": True}


def test_quota_exhausted_stops_the_send_and_says_so(editor, emulator):
    notice = notices.create(editor, Building.select().first().community_id, text="停水通知")
    emulator.fail(45009, path="cgi-bin/message/mass/sendall")
    with pytest.raises(QuotaExhausted):
        notices.send(notice.id)
    assert (Notice.get_by_id(notice.id).state, Notice.get_by_id(notice.id).errcode) == ("failed", 45009)


# -- stats ------------------------------------------------------------------------------------
def test_daily_stats_are_pulled_and_summed(editor, emulator):
    emulator.state.datacube["getarticlesummary"] = [
        {"ref_date": "2026-11-20", "msgid": "1001_1", "title": "停水通知", "int_page_read_user": 900,
         "int_page_read_count": 1200, "share_user": 40, "share_count": 55},
        {"ref_date": "2026-11-21", "msgid": "1001_1", "title": "停水通知", "int_page_read_user": 300,
         "int_page_read_count": 350, "share_user": 5, "share_count": 6}]
    emulator.state.datacube["getusercumulate"] = [{"ref_date": "2026-11-20", "cumulate_user": 28000},
                                                  {"ref_date": "2026-11-21", "cumulate_user": 28100}]
    assert stats.pull(datetime.date(2026, 11, 20)) == (1, 1)
    assert stats.pull(datetime.date(2026, 11, 21)) == (1, 1)
    assert stats.pull(datetime.date(2026, 11, 21)) == (1, 1)                  # again: overwritten, not added
    (row,) = stats.per_article()
    assert (row["msgid"], row["reads"], row["shares"], row["days"]) == ("1001_1", 1550, 61, 2)
    november = stats.per_month(2026)[10]
    assert november == {"month": "2026-11", "reads": 1550, "shares": 61, "followers": 28100}


# -- comments ---------------------------------------------------------------------------------
@pytest.fixture
def commented(editor, emulator):
    """A mass-sent article with comments open in the emulator."""
    article = articles.sync(_article(editor)[0])
    notice = notices.send(notices.create(editor, article.community_id, article_id=article.id).id)
    key = (int(notice.msg_data_id), 0)
    emulator.state.comment_open.add(key)

    def add(count, start=0, text="路灯修好了，谢谢社区", elected=False):
        # As comment/list answers: comment_type 1 = elected (精选), 0 = not.
        emulator.state.comments.setdefault(key, []).extend(
            {"user_comment_id": start + i, "openid": "o-c%d" % (start + i), "content": "%s%d" % (text, start + i),
             "create_time": 1763000000 + i, "comment_type": int(elected), "deleted": False} for i in range(count))
    return Article.get_by_id(article.id), key, add


def test_comment_sync_pages_and_resumes(commented, emulator):
    article, key, add = commented
    add(120)
    assert comments.sync(pages_per_run=1) == 49                    # cut short after one page
    assert CommentCursor.get().next_begin == 49
    assert comments.sync(pages_per_run=1) == 44                    # resumes, re-reading 5
    assert comments.sync() == 27
    assert comments.sync() == 0 and Comment.select().count() == 120
    assert all(c.body["count"] == 49 and c.body["index"] == 0 for c in _paths(emulator, "cgi-bin/comment/list"))
    add(3, start=120)
    assert comments.sync() == 3                                     # incremental
    # Moderators deleted three early comments on WeChat's side: later offsets shift back.
    for stored in emulator.state.comments[key][:3]:
        stored["deleted"] = True
    add(2, start=123)
    assert comments.sync() == 2


@pytest.mark.parametrize("policy", ["hold", "delete"])
def test_every_comment_is_read_and_screened_whatever_the_policy(commented, emulator, editor, policy):
    # Deleting flagged comments while paging by offset, then advancing `begin` by the whole page,
    # shifted later comments behind the next page: with 120 comments (16 flagged) 14 were never
    # read and 2 flagged ones stayed visible for good. Flagged ones sit on every page and its edges.
    article, key, add = commented
    words.set_words(["代开发票"])
    use_settings(COMMENT_FLAGGED_POLICY=policy)
    flagged = {0, 5, 13, 27, 40, 47, 48, 49, 50, 60, 75, 97, 98, 99, 110, 119}
    for n in range(120):
        add(1, start=n, text="代开发票加微信" if n in flagged else "路灯修好了")
    assert comments.sync() == 120
    verdict = "deleted" if policy == "delete" else "held"
    assert {c.user_comment_id: c.state for c in Comment.select()} == {
        n: verdict if n in flagged else "clean" for n in range(120)}
    visible = [c["user_comment_id"] for c in emulator.state.comments[key] if not c["deleted"]]
    assert visible == [n for n in range(120) if policy == "hold" or n not in flagged]
    assert CommentCursor.get().next_begin == len(visible)          # its place: the end of the list

    # Staff delete eight comments already read: the comments that come next are read all the same.
    for comment in Comment.select().where(Comment.state == "clean").order_by(Comment.id).limit(8):
        comments.delete(comment, editor)
    add(3, start=120)
    add(3, start=123, text="代开发票")
    assert comments.sync() == 6 and Comment.select().count() == 126
    assert [c.state for c in Comment.select().where(Comment.user_comment_id >= 120).order_by(Comment.id)] == [
        "clean"] * 3 + [verdict] * 3


def test_flagged_comments_are_held_or_deleted_and_clean_ones_elected_by_rule(commented, emulator):
    article, key, add = commented
    words.set_words(["代开发票"])
    add(2)
    add(1, start=2, text="代 开 發 票 加微信")
    comments.sync()
    held = Comment.get(Comment.user_comment_id == 2)
    assert (held.state, held.matched) == ("held", "代开发票")
    assert [c.state for c in Comment.select().where(Comment.user_comment_id < 2)] == ["clean", "clean"]
    use_settings(COMMENT_FLAGGED_POLICY="delete", COMMENT_AUTO_ELECT="1")
    add(1, start=3, text="代开发票")
    add(1, start=4)
    comments.sync()
    assert Comment.get(Comment.user_comment_id == 3).state == "deleted"
    assert Comment.get(Comment.user_comment_id == 4).state == "elected"
    stored = {c["user_comment_id"]: c for c in emulator.state.comments[key]}
    assert stored[3]["deleted"] and stored[4]["comment_type"] == 1


def test_comments_elected_on_wechat_arrive_elected(commented, emulator):
    # WeChat's comment/list says comment_type 1 for 精选 and 0 otherwise; reading 2 as elected
    # showed every comment elected on WeChat as a plain one.
    article, key, add = commented
    words.set_words(["代开发票"])
    add(2)
    add(2, start=2, elected=True)
    add(1, start=4, text="代开发票", elected=True)                    # elected, yet screened too
    comments.sync()
    assert [c.state for c in Comment.select().order_by(Comment.user_comment_id)] == [
        "clean", "clean", "elected", "elected", "held"]


def test_each_moderation_action_reaches_wechat(commented, emulator, editor):
    article, key, add = commented
    add(2)
    comments.sync()
    first, second = Comment.select().order_by(Comment.user_comment_id)
    stored = {c["user_comment_id"]: c for c in emulator.state.comments[key]}
    assert comments.elect(first, editor).state == "elected" and stored[0]["comment_type"] == 1
    assert comments.unelect(first, editor).state == "clean" and stored[0]["comment_type"] == 0
    assert comments.reply(first, editor, "感谢支持！").reply == "感谢支持！"
    assert stored[0]["reply"]["content"] == "感谢支持！"
    comments.delete_reply(first, editor)
    assert "reply" not in stored[0] and Comment.get_by_id(first.id).reply == ""
    words.set_words(["傻"])
    with pytest.raises(LinliError) as warned:
        comments.reply(first, editor, "你傻")
    assert warned.value.code == "sensitive_words" and "reply" not in stored[0]
    assert comments.delete(second, editor).state == "deleted" and stored[1]["deleted"]


def test_a_comment_becomes_a_case_and_the_commenter_hears_its_number(commented, emulator, editor):
    article, key, add = commented
    add(1, text="11号楼灭火器玻璃碎了")
    comments.sync()
    comment = Comment.get()
    case = comments.to_case(comment, editor)
    assert (case.channel, case.description) == ("comment", "11号楼灭火器玻璃碎了0")
    assert Comment.get_by_id(comment.id).case_id == case.id and Case.select().count() == 1
    assert case.number in emulator.state.comments[key][0]["reply"]["content"]
    with pytest.raises(LinliError) as twice:
        comments.to_case(Comment.get_by_id(comment.id), editor)
    assert twice.value.code == "already_a_case" and Case.select().count() == 1


def test_a_comment_action_wechat_refuses_is_kept_shown_and_retried(client, commented, emulator, editor):
    # An election, or the reply telling a case's number, that WeChat refused (45009 quota,
    # 88000 no permission) was lost: nothing on the comment said so, nothing offered a retry.
    article, key, add = commented
    add(3)
    comments.sync()
    first, second, _ = Comment.select().order_by(Comment.user_comment_id)
    stored = {c["user_comment_id"]: c for c in emulator.state.comments[key]}
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False

    def token(path):
        return re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)

    client.post("/console/login", data={"username": "editor", "password": DEMO_PASSWORD,
                                        "csrf": token("/console/login")})
    emulator.fail(45009, path="cgi-bin/comment/markelect")
    answer = client.post("/console/comments/%d/elect" % first.id, data={"csrf": token("/console/comments")})
    assert answer.status_code == 303
    assert "微信未完成“精选”（45009 injected fault）" in client.get("/console/comments").get_data(as_text=True)
    kept = Comment.get_by_id(first.id)
    assert (kept.state, kept.failed_action, kept.errcode, kept.errmsg) == ("clean", "elect", 45009, "injected fault")
    assert kept.failed_at is not None and stored[0]["comment_type"] == 0
    emulator.fail(88000, path="cgi-bin/comment/reply/add")
    case = comments.to_case(second, editor)                           # the case stands
    waiting = Comment.get_by_id(second.id)
    assert (waiting.case_id, waiting.failed_action, waiting.errcode) == (case.id, "reply", 88000)
    assert case.number in waiting.failed_text and waiting.reply == "" and "reply" not in stored[1]

    # The console lists both with what WeChat said, and retries from there.
    page = client.get("/console/comments?state=failed").get_data(as_text=True)
    assert 'id="failure-%d"' % first.id in page and "微信未完成“精选”" in page and "45009 injected fault" in page
    assert 'id="failure-%d"' % second.id in page and "88000" in page and case.number in page
    answer = client.post("/console/comments/%d/retry" % first.id, data={"csrf": token("/console/comments")})
    assert answer.status_code == 303
    elected = Comment.get_by_id(first.id)
    assert (elected.state, elected.failed_action, elected.errcode, elected.errmsg, elected.failed_at) == (
        "elected", "", None, "", None)
    assert stored[0]["comment_type"] == 1

    # The domain's retry sends the same reply; success clears the failure.
    replied = comments.retry(Comment.get_by_id(second.id), editor)
    assert (replied.reply, replied.failed_action, replied.errcode) == (waiting.failed_text, "", None)
    assert stored[1]["reply"]["content"] == waiting.failed_text
    assert "没有这类留言" in client.get("/console/comments?state=failed").get_data(as_text=True)
    with pytest.raises(LinliError) as nothing:
        comments.retry(replied, editor)
    assert nothing.value.code == "nothing_to_retry"


def test_a_deletion_refused_during_sync_is_held_and_retried(commented, emulator, editor):
    # Under COMMENT_FLAGGED_POLICY=delete a refused deletion stopped the sync with the flagged
    # comment unrecorded; now it is held with the refusal kept, the sync reads on, a retry deletes.
    article, key, add = commented
    use_settings(COMMENT_FLAGGED_POLICY="delete")
    words.set_words(["代开发票"])
    add(1)
    add(1, start=1, text="代开发票")
    add(1, start=2)
    emulator.fail(88000, path="cgi-bin/comment/delete")
    assert comments.sync() == 3
    held = Comment.get(Comment.user_comment_id == 1)
    assert (held.state, held.matched, held.failed_action, held.errcode) == ("held", "代开发票", "delete", 88000)
    assert CommentCursor.get().next_begin == 3                       # it is still listed
    deleted = comments.retry(held, editor)
    assert (deleted.state, deleted.failed_action) == ("deleted", "")
    assert emulator.state.comments[key][1]["deleted"] and CommentCursor.get().next_begin == 2
    add(1, start=3)
    assert comments.sync() == 1


def test_quota_stops_the_comment_sync_and_busy_leaves_its_place(commented, emulator):
    from account import tasks
    article, key, add = commented
    add(60)
    comments.sync(pages_per_run=1)
    emulator.fail(45009, path="cgi-bin/comment/list")
    with pytest.raises(QuotaExhausted):
        comments.sync()
    assert CommentCursor.get().errcode == 45009
    emulator.fail(45009, path="cgi-bin/comment/list")
    assert tasks.sync_comments.call_local() is None                  # the task logs it and ends
    emulator.fail(-1, path="cgi-bin/comment/list")
    with pytest.raises(WeChatClientException):
        comments.sync()
    assert CommentCursor.get().next_begin == 49                      # its place kept
    assert comments.sync() == 11 and Comment.select().count() == 60


def test_a_send_that_timed_out_but_arrived_is_not_sent_twice(editor, emulator):
    # The first try reaches WeChat, which answers too late; the retry must not be a second send.
    use_settings(WECHAT_TIMEOUT="0.5")
    notice = notices.create(editor, Building.select().first().community_id, text="明天上午社区义诊")
    emulator.slow(1.5, path="cgi-bin/message/mass/sendall")
    with pytest.raises(requests.ReadTimeout):
        notices.send(notice.id)
    import time
    time.sleep(1.2)                                   # the slow answer lands on WeChat's side
    assert notices.send(notice.id).state == "sent"
    assert len(emulator.state.mass_jobs) == 1 and len(_paths(emulator, "cgi-bin/message/mass/sendall")) == 2


def test_msgseccheck_screens_commenters_it_can_and_only_those(commented, emulator):
    # WeChat checks only a mini-program openid seen in the last 2 hours: a commenter linked to
    # such a user (by unionid) is checked; anyone else is left to the word list.
    from models.miniprogram import MpSession
    article, key, add = commented
    emulator.state.risky_words.add("违禁")
    linked = Resident.create(oa_openid="o-c0", mp_openid="mp-c0")
    MpSession.create(resident=linked, session_key="sk", updated_at=utcnow())
    add(2, text="这里有违禁内容")
    comments.sync()
    checked, unchecked = Comment.select().order_by(Comment.user_comment_id)
    assert (checked.state, checked.matched) == ("held", "msgSecCheck:20006")
    assert unchecked.state == "clean"
    assert [c.body["openid"] for c in _paths(emulator, "wxa/msg_sec_check")] == ["mp-c0"]
    assert _paths(emulator, "wxa/msg_sec_check")[0].body["scene"] == 2


def test_publishing_names_listed_words_and_waits_for_confirmation(editor, emulator):
    words.set_words(["代开发票"])
    article = articles.sync(_article(editor, body="本店代开发票")[0])
    with pytest.raises(LinliError) as stopped:
        articles.publish(article)
    assert stopped.value.code == "sensitive_words" and "代开发票" in stopped.value.message
    assert Article.get_by_id(article.id).state == "synced" and _paths(emulator, "cgi-bin/freepublish") == []
    assert articles.publish(article, confirm=True).state == "publishing"


def test_wechat_down_while_publishing_loses_nothing(editor, emulator):
    # WeChat unreachable at the moment of publishing: nothing was submitted, so the article goes
    # back to `synced` with the reason, and publishing again works once WeChat is back.
    article = articles.sync(_article(editor)[0])
    emulator.refuse()
    try:
        with pytest.raises(requests.ConnectionError):
            articles.publish(article)
    finally:
        emulator.resume()
    back = Article.get_by_id(article.id)
    assert back.state == "synced" and "无法连接" in back.errmsg
    assert articles.publish(back).state == "publishing"
    assert len(_paths(emulator, "cgi-bin/freepublish/submit")) == 1
