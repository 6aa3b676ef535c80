"""/api/mp: the community's notices and articles as residents read them in the mini-program
(account/feed.py says who sees what). The list is public for a community's notices to everyone
and its published articles (/communities/<code>/notices), and the signed-in resident's own
(/notices) adds what was sent to their confirmed building's or grid's tag."""
from typing import Literal

from flask import g
from flask import jsonify
from pydantic import BaseModel
from pydantic import Field

from account import feed
from cases import queries
from community import places
from linli.errors import LinliError
from miniprogram_api.auth import resident_required
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import examples
from miniprogram_api.serializers import CommunityRef
from miniprogram_api.serializers import Time
from miniprogram_api.serializers import when
from miniprogram_api.views import Paging
from miniprogram_api.views import bp
from models.community import Community

MEDIA_NOTE = "a path under the API's origin (/media/...)"


class FeedItem(BaseModel):
    kind: Literal["text", "article"] = Field(description="text: a text notice; article: an article, "
                                                         "published or sent as a notice")
    id: int = Field(description="the notice's id (GET /notices/{id}) or the article's (GET /articles/{id})")
    title: str
    summary: str
    urgent: bool
    pinned: bool = Field(description="urgent, and still within the days it stays on top")
    at: Time
    audience: str = Field(description="全体居民, or the grid or building it was sent to")
    cover: str | None = Field(description=MEDIA_NOTE)


class FeedPage(BaseModel):
    model_config = examples(
        {"community": {"code": "bajiazhuang", "name": "八家庄社区"}, "total": 2, "page": 1, "size": 20,
         "items": [{"kind": "text", "id": 14, "title": "明日停水通知",
                    "summary": "明日停水通知 因管网检修，11月29日8:00至14:00丰泽园小区停水，请提前储水。",
                    "urgent": True, "pinned": True, "at": "2026-11-28T09:00:00+08:00", "audience": "全体居民",
                    "cover": None},
                   {"kind": "article", "id": 6, "title": "健步道改建征询：您的一票很重要",
                    "summary": "小区北侧绿地改建方案和表决方式",
                    "urgent": False, "pinned": False, "at": "2026-11-25T10:00:00+08:00", "audience": "全体居民",
                    "cover": "/media/articles/202611/5b0e6f2d1c7a4e3f9a8b7c6d5e4f3a2b.jpg"}]})
    community: CommunityRef | None = Field(description="None: the resident has no community yet")
    total: int
    page: int
    size: int
    items: list[FeedItem]


class NoticeDetail(BaseModel):
    model_config = examples(
        {"id": 14, "title": "明日停水通知",
         "text": "明日停水通知\n因管网检修，11月29日8:00至14:00丰泽园小区停水，请提前储水。",
         "article_id": None, "urgent": True, "at": "2026-11-28T09:00:00+08:00", "audience": "全体居民"})
    id: int
    title: str
    text: str = Field(description="the text as sent; empty for an article's notice")
    article_id: int | None = Field(description="the article this notice sent, to open instead")
    urgent: bool
    at: Time
    audience: str


class ArticleDetail(BaseModel):
    model_config = examples(
        {"id": 6, "title": "健步道改建征询：您的一票很重要", "author": "八家庄社区",
         "digest": "小区北侧绿地改建方案和表决方式",
         "published_at": "2026-11-25T10:00:00+08:00",
         "cover": "/media/articles/202611/5b0e6f2d1c7a4e3f9a8b7c6d5e4f3a2b.jpg",
         "html": "<p>小区北侧绿地多年无人养护，社区拟将其改建为健步道。</p>", "url": None, "urgent": False,
         "audience": "全体居民"})
    id: int
    title: str
    author: str
    digest: str
    published_at: Time = Field(description="when it was published, or sent when it was only sent")
    cover: str | None = Field(description=MEDIA_NOTE)
    html: str = Field(description="the body as safe HTML for <rich-text>; image sources under /media/ "
                                  "are paths under the API's origin")
    url: str | None = Field(description="the article on WeChat, once published there")
    urgent: bool
    audience: str


def _cover(article):
    return "/media/" + article.cover_path.lstrip("/") if article.cover_path else None


def feed_item(kind, subject, notice, pinned):
    if kind == "text":
        return {"kind": kind, "id": subject.id, "title": feed.title_of(subject.text),
                "summary": feed.summary_of(subject.text), "urgent": subject.urgent, "pinned": pinned,
                "at": when(subject.send_at), "audience": feed.audience_label(subject), "cover": None}
    return {"kind": kind, "id": subject.id, "title": subject.title, "summary": subject.digest,
            "urgent": bool(notice and notice.urgent), "pinned": pinned,
            "at": when(notice.send_at if notice else subject.published_at),
            "audience": feed.audience_label(notice), "cover": _cover(subject)}


def _found(found, message):
    """What a lookup found, or 404: not there and not the caller's read the same."""
    if found is None:
        raise LinliError("not_found", message, 404)
    return found


def _page(audience, query):
    page, size = queries.page_args(query.page, query.size)
    total, items = feed.page(audience, page, size)
    community = Community.get_or_none(Community.id == audience.community_id) if audience.community_id else None
    return jsonify({"community": {"code": community.code, "name": community.name} if community else None,
                    "total": total, "page": page, "size": size,
                    "items": [feed_item(*item) for item in items]})


@bp.get("/notices")
@resident_required
@declare(FeedPage)
def my_notices(query: Paging):
    """My community's notices and articles, with those sent to my building or grid; urgent first"""
    return _page(feed.Audience.of_resident(g.resident), query)


@bp.get("/communities/<code>/notices")
@declare(FeedPage, 404)
def community_notices(code, query: Paging):
    """A community's notices to everyone and its published articles; urgent first"""
    return _page(feed.Audience.public(places.community_by_code(code)), query)


@bp.get("/notices/<int:notice_id>")
@resident_required
@declare(NoticeDetail, 404)
def notice_detail(notice_id):
    """One notice sent to me"""
    notice = _found(feed.notice_for(notice_id, feed.Audience.of_resident(g.resident)), "通知不存在")
    title = notice.article.title if notice.article_id else feed.title_of(notice.text)
    return jsonify({"id": notice.id, "title": title, "text": notice.text, "article_id": notice.article_id,
                    "urgent": notice.urgent, "at": when(notice.send_at), "audience": feed.audience_label(notice)})


@bp.get("/articles/<int:article_id>")
@resident_required
@declare(ArticleDetail, 404)
def article_detail(article_id):
    """One article of my community, published or sent to me, its body as safe HTML"""
    article, notice = _found(feed.article_for(article_id, feed.Audience.of_resident(g.resident)), "文章不存在")
    return jsonify({"id": article.id, "title": article.title, "author": article.author, "digest": article.digest,
                    "published_at": when(article.published_at or (notice and notice.send_at)),
                    "cover": _cover(article), "html": feed.body_html(article),
                    "url": article.url or None, "urgent": bool(notice and notice.urgent),
                    "audience": feed.audience_label(notice)})
