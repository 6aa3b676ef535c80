"""Articles: written by editors, synced to WeChat as drafts, published, and followed to their
result (the PUBLISHJOBFINISH event, or polling freepublish/get when the event is lost).

Lifecycle: draft → synced (draft/add, then draft/update) → publishing (freepublish/submit) →
published or failed, with WeChat's errcode and message. Editing a synced or failed article
makes it a draft again. Publishing is a conditional move from `synced`, so two clicks (or two
workers) publish once; a submit that timed out is not repeated blindly, since it may have
arrived."""
import datetime
import io
import os
from pathlib import Path

import requests
from PIL import Image
from wechatpy.exceptions import WeChatClientException

import wechat
from account import article_html
from account.words import Screen
from cases import photos
from linli import storage
from linli.errors import LinliError
from models.content import Article
from models.content import ArticleImage
from models.db import utcnow
from wechat import errcodes
from wechat import failures

TITLE_MAX, AUTHOR_MAX, DIGEST_MAX = 32, 16, 120
CONTENT_MAX_CHARS, CONTENT_MAX_BYTES = 20000, 1024 * 1024
# freepublish publish_status: what each means for the article.
PUBLISH_STATUS = {0: "成功", 1: "发布中", 2: "原创声明失败", 3: "常规失败", 4: "平台审核不通过",
                  5: "成功后用户删除所有文章", 6: "成功后系统封禁所有文章"}
POLL_AFTER = datetime.timedelta(minutes=2)
IMAGE_FOLDER = "articles"                 # under MEDIA_DIR: what the console uploads for articles
THUMB_SIDE, THUMB_SUFFIX = 240, ".thumb.jpg"
PICKER_SIZE = 48                          # the newest images offered as covers


class ArticleError(LinliError):
    status = 409


def save(staff, values, article=None, community_id=None):
    """Create or edit an article from plain `values` (title, author, digest, body, body_format,
    cover_path, source_url, comments). Returns (article, warnings): the listed sensitive words
    found in it, to show the editor. Nothing is changed silently."""
    fields = _validated(values)
    now = utcnow()
    if article is None:
        article = Article.create(community=community_id, created_by=staff.id, **fields)
    else:
        if article.state in ("publishing", "published"):
            raise ArticleError("article_locked", "文章已发布或正在发布，不能修改")
        fields.update(state="draft", updated_at=now)
        if fields.get("cover_path") != article.cover_path:
            fields["cover_media_id"] = ""
        Article.update(**fields).where(Article.id == article.id).execute()
        article = Article.get_by_id(article.id)
    return article, screen(article)


def store_image(data):
    """An image for an article (cover or body): checked by content, cleaned and stored, with a
    small copy for the cover picker. Returns (its key, the path under MEDIA_DIR; width, height)."""
    store = storage.active()
    relative, _, width, height = photos.store_image(data, store, IMAGE_FOLDER)
    with Image.open(io.BytesIO(store.read(relative))) as image:
        image.thumbnail((THUMB_SIDE, THUMB_SIDE))
        small = io.BytesIO()
        image.save(small, "JPEG", quality=80)
    store.put(_thumb_key(relative), small.getvalue(), "image/jpeg")
    return relative, width, height


def cover_choices(current=""):
    """The uploaded images an editor can pick as a cover, newest first, as (path, thumbnail path);
    the article's current cover first even when it is older or was placed by hand (a form that
    did not offer it would drop it on the next save)."""
    listed = storage.active().keys(IMAGE_FOLDER)
    present = {key for key, _ in listed}
    paths = [key for key, _ in listed if key.endswith(".jpg") and not key.endswith(THUMB_SUFFIX)][:PICKER_SIZE]
    if current:
        paths = [current] + [p for p in paths if p != current]
    return [(path, _thumb_key(path) if _thumb_key(path) in present else path) for path in paths]


def _thumb_key(path):
    return str(Path(path).with_name(Path(path).stem + THUMB_SUFFIX))


def screen(article, words=None):
    words = words or Screen.from_db()
    return words.find(" ".join((article.title, article.author, article.digest, article.body)))


def sync(article):
    """Upload images and cover, then add or update the WeChat draft. Raises ArticleError with
    WeChat's errcode and message when WeChat refuses (also recorded on the article)."""
    if article.state in ("publishing", "published"):
        raise ArticleError("article_locked", "文章已发布或正在发布")
    client = wechat.official()
    try:
        content = _content(article, client)
        cover = article.cover_media_id or _upload_cover(article, client)
        item = {"title": article.title, "author": article.author, "digest": article.digest, "content": content,
                "content_source_url": article.source_url, "thumb_media_id": cover,
                "need_open_comment": int(article.comments != "closed"),
                "only_fans_can_comment": int(article.comments == "followers_only")}
        if article.draft_media_id:
            client.draft.update(article.draft_media_id, 0, item)
            media_id = article.draft_media_id
        else:
            media_id = client.draft.add([item])
    except WeChatClientException as exc:
        _record_failure(article, exc, state=None)
        raise ArticleError("wechat_refused", "微信拒绝了草稿（%s）：%s" % (exc.errcode, exc.errmsg)) from None
    Article.update(state="synced", draft_media_id=media_id, cover_media_id=cover, errcode=None, errmsg="",
                   updated_at=utcnow()).where(Article.id == article.id).execute()
    return Article.get_by_id(article.id)


def publish(article, confirm=False):
    """Submit the synced draft for publishing, once. Listed sensitive words stop it, named,
    unless the editor confirms."""
    found = screen(article)
    if found and not confirm:
        raise LinliError("sensitive_words", "文章含敏感词：%s。确认无误后再次发布" % "、".join(found))
    moved = Article.update(state="publishing", updated_at=utcnow()).where(
        (Article.id == article.id) & (Article.state == "synced")).execute()
    if not moved:
        current = Article.get_by_id(article.id).state
        if current in ("publishing", "published"):
            raise ArticleError("already_publishing", "文章已提交发布，不会重复发布")
        raise ArticleError("not_synced", "请先同步草稿再发布")
    try:
        publish_id = wechat.official().freepublish.submit(article.draft_media_id)
    except WeChatClientException as exc:
        _record_failure(article, exc, state="failed")
        if exc.errcode == errcodes.NO_PUBLISH_PERMISSION:
            raise ArticleError("publish_unauthorized",
                               "公众号没有发布接口权限（48001）："
                               "未认证的公众号自 2025 年 7 月起不能通过接口发布") from None
        raise ArticleError("wechat_refused", "微信拒绝发布（%s）：%s" % (exc.errcode, exc.errmsg)) from None
    except Exception as exc:
        errcode, message = failures.describe(exc)
        if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
            # Never reached WeChat: nothing was submitted, so it may be tried again.
            Article.update(state="synced", errcode=errcode, errmsg=message).where(Article.id == article.id).execute()
        else:
            # It may have arrived: stay `publishing` and say so; without an id there is nothing to poll.
            Article.update(errcode=errcode, errmsg="提交发布时出错，可能已提交，请在公众号后台核对：" + message).where(
                Article.id == article.id).execute()
        raise
    Article.update(publish_id=str(publish_id)).where(Article.id == article.id).execute()
    return Article.get_by_id(article.id)


def publish_finished(publish_id, status, article_id="", urls=(), fail_reason=""):
    """The result of a publish job (from the event or from polling); returns the article."""
    article = Article.get_or_none(Article.publish_id == str(publish_id))
    if article is None or status == 1:
        return article
    if status == 0:
        Article.update(state="published", article_id=article_id, url=(urls or [""])[0], published_at=utcnow(),
                       errcode=None, errmsg="").where(Article.id == article.id).execute()
    else:
        Article.update(state="failed" if status in (2, 3, 4) else "published", errcode=status,
                       errmsg=PUBLISH_STATUS.get(status, "未知状态") + (("：" + fail_reason) if fail_reason else "")
                       ).where(Article.id == article.id).execute()
    return Article.get_by_id(article.id)


def on_publish_event(fields):
    """PUBLISHJOBFINISH as xmltodict parsed it; wechatpy does not know this event."""
    info = fields.get("PublishEventInfo") or {}
    detail = (info.get("article_detail") or {}).get("item") or []
    if isinstance(detail, dict):                   # a single item arrives as a dict
        detail = [detail]
    return publish_finished(info.get("publish_id", ""), int(info.get("publish_status", 3)),
                            info.get("article_id", ""), [i.get("article_url", "") for i in detail],
                            str(info.get("fail_idx", "") or ""))


def poll_publishing(now=None):
    """Ask WeChat about articles still publishing after POLL_AFTER (the event may be lost)."""
    now = now or utcnow()
    settled = []
    for article in list(Article.select().where((Article.state == "publishing") & (Article.publish_id != "")
                                               & (Article.updated_at < now - POLL_AFTER))):
        result = wechat.official().freepublish.get(article.publish_id)
        items = (result.get("article_detail") or {}).get("item") or []
        done = publish_finished(article.publish_id, int(result.get("publish_status", 1)),
                                result.get("article_id", ""), [i.get("article_url", "") for i in items])
        if done.state != "publishing":
            settled.append(done.id)
    return settled


def _content(article, client):
    html = article_html.render(article.body, article.body_format)
    sources = article_html.image_sources(html)
    known = {i.source: i.wechat_url for i in ArticleImage.select().where(ArticleImage.article == article.id)}
    for source in sources:
        if source not in known:
            key, data = _media_file(source)
            url = client.media.upload_image((os.path.basename(key), data, storage.guess_type(key)))
            ArticleImage.create(article=article.id, source=source, wechat_url=url)
            known[source] = url
    html = article_html.rewrite_images(html, known)
    if len(html) >= CONTENT_MAX_CHARS or len(html.encode()) >= CONTENT_MAX_BYTES:
        raise ArticleError("content_too_long", "正文过长：微信要求少于 2 万字且小于 1 MB")
    return html


def _upload_cover(article, client):
    if not article.cover_path:
        raise ArticleError("cover_required", "请上传封面图片")
    key, data = _media_file("/media/" + article.cover_path.lstrip("/"))
    result = client.material.add("image", (os.path.basename(key), data, storage.guess_type(key)))
    return result["media_id"]


def _media_file(source):
    """(key, bytes) of the article image a body image's `/media/...` source names: never private
    media (a crafted `/media/../x` or `/media/votes/...` reads nothing, so is not published)."""
    key = storage.key_of(source)
    if key is None:
        raise ArticleError("image_not_uploaded", "正文图片须先上传到本系统（%s）" % source[:80])
    try:
        if not storage.is_public(storage.check_key(key)):
            raise storage.MediaMissing("not_found", "文件不存在")
        return key, storage.active().read(key)
    except storage.MediaMissing:
        raise ArticleError("image_missing", "找不到图片 %s" % source[:80]) from None


def _record_failure(article, exc, state):
    values = dict(errcode=exc.errcode, errmsg=exc.errmsg or "", updated_at=utcnow())
    if state:
        values["state"] = state
    Article.update(**values).where(Article.id == article.id).execute()


def _validated(values):
    title = (values.get("title") or "").strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise LinliError("bad_title", "标题应为 1–%d 个字" % TITLE_MAX)
    author, digest = (values.get("author") or "").strip(), (values.get("digest") or "").strip()
    if len(author) > AUTHOR_MAX or len(digest) > DIGEST_MAX:
        raise LinliError("bad_field", "作者不超过 %d 字，摘要不超过 %d 字" % (AUTHOR_MAX, DIGEST_MAX))
    body_format = values.get("body_format") or "markdown"
    if body_format not in ("markdown", "html"):
        raise LinliError("bad_body_format", "正文格式应为 markdown 或 html")
    comments = values.get("comments") or "open"
    if comments not in ("closed", "open", "followers_only"):
        raise LinliError("bad_comments", "留言设置应为 closed、open 或 followers_only")
    source_url = (values.get("source_url") or "").strip()
    if source_url and not source_url.startswith(("http://", "https://")):
        raise LinliError("bad_source_url", "原文链接应以 http:// 或 https:// 开头")
    return dict(title=title, author=author, digest=digest, body=values.get("body") or "", body_format=body_format,
                cover_path=(values.get("cover_path") or "").strip(), source_url=source_url[:500], comments=comments)
