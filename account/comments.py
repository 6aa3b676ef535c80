"""Article comments: synced from WeChat, screened, and acted on by staff.

There is no push for new comments, so a periodic job reads comment/list for every mass-sent
article that takes comments: 49 at a time (WeChat refuses 50), from where the last run stopped
less a few (a deletion shifts later offsets back; the unique key absorbs the overlap), a
bounded number of pages per run (WeChat's rate limits), saving its place after every page, so
a run cut short resumes. -1 and timeouts leave the place for the next run; 45009 stops the job.

Each new comment is screened with the sensitive-word list. A flagged one is held for review or
deleted, per COMMENT_FLAGGED_POLICY; a clean one may be elected (精选) by rule
(COMMENT_AUTO_ELECT). msgSecCheck v2 wants a mini-program openid seen in the last 2 hours, so it
screens only commenters who are also such mini-program users (linked by unionid); for the rest
the list carries the screening."""
import datetime

from wechatpy.exceptions import WeChatClientException

import config
import wechat
from account.words import Screen
from errors import LinliError
from models.content import Article
from models.content import Comment
from models.content import CommentCursor
from models.db import db
from models.db import utcnow
from models.miniprogram import MpSession
from models.people import Resident
from reports import intake
from wechat import failures

PAGE = 49
SEC_CHECK_WINDOW = datetime.timedelta(hours=2)
OVERLAP = 5                # re-read: comments deleted meanwhile shift later ones back
PAGES_PER_RUN = 20
NO_PERMISSION = 88000


class CommentError(LinliError):
    status = 409


def sync(screen=None, pages_per_run=PAGES_PER_RUN):
    """Read new comments of every commentable mass-sent article; returns how many were new."""
    screen = screen or Screen.from_db()
    new = 0
    articles = Article.select().where((Article.msg_data_id != "") & (Article.comments != "closed"))
    for article in articles:
        cursor, _ = CommentCursor.get_or_create(msg_data_id=article.msg_data_id, index=0)
        new += _sync_one(article, cursor, screen, pages_per_run)
    return new


def _sync_one(article, cursor, screen, pages):
    client = wechat.official()
    begin = max(cursor.next_begin - OVERLAP, 0)
    new = 0
    for _ in range(pages):
        try:
            page = client.comments.list(article.msg_data_id, 0, begin, PAGE).get("comment") or []
        except WeChatClientException as exc:
            CommentCursor.update(errcode=exc.errcode).where(CommentCursor.id == cursor.id).execute()
            if exc.errcode == failures.QUOTA:
                raise failures.QuotaExhausted(exc.errmsg) from None
            if exc.errcode == NO_PERMISSION or not failures.retryable(exc):
                return new
            raise
        with db.atomic():
            for item in page:
                new += _store(article, item, screen)
            begin += len(page)
            CommentCursor.update(next_begin=max(begin, cursor.next_begin), synced_at=utcnow(), errcode=None).where(
                CommentCursor.id == cursor.id).execute()
        if len(page) < PAGE:
            break
    return new


def _store(article, item, screen):
    inserted = list(Comment.insert(msg_data_id=article.msg_data_id, index=0, user_comment_id=item["user_comment_id"],
                                   openid=item.get("openid", ""), content=item.get("content", ""),
                                   wechat_time=item.get("create_time", 0),
                                   state="elected" if item.get("comment_type") == 2 else "new")
                    .on_conflict_ignore().returning(Comment.id).execute())
    if not inserted:
        return 0                                   # seen before: the overlap, or a re-read
    comment = Comment.get_by_id(inserted[0].id)
    if comment.state == "new":
        moderate(comment, screen)
    return 1


def moderate(comment, screen, now=None):
    settings = config.active()
    found = screen.find(comment.content) or _sec_check(comment, now or utcnow())
    if found:
        if settings.COMMENT_FLAGGED_POLICY == "delete":
            _act(comment, "delete")
            return _set(comment, "deleted", matched=",".join(found))
        return _set(comment, "held", matched=",".join(found))
    if settings.COMMENT_AUTO_ELECT:
        _act(comment, "markelect")
        return _set(comment, "elected")
    return _set(comment, "clean")


def _sec_check(comment, now):
    """msgSecCheck v2 (scene 2, comments), when the commenter is also a mini-program user seen in
    the last 2 hours: the only case WeChat allows. [] when clean or not checkable."""
    session = (MpSession.select(MpSession, Resident).join(Resident)
               .where((Resident.oa_openid == comment.openid) & Resident.mp_openid.is_null(False)
                      & (MpSession.updated_at > now - SEC_CHECK_WINDOW)).first()) if comment.openid else None
    if session is None:
        return []
    try:
        result = wechat.miniprogram().security.msg_sec_check(session.resident.mp_openid, comment.content, scene=2)
    except Exception:                              # the list has already screened it
        return []
    return [] if result.get("suggest") == "pass" else ["msgSecCheck:%s" % result.get("label", "")]


# -- staff ------------------------------------------------------------------------------------
def of_community(community_id):
    """Comments on the community's own articles: what its editors may read and act on."""
    return Comment.msg_data_id.in_(Article.select(Article.msg_data_id).where(
        (Article.community == community_id) & (Article.msg_data_id != "")))


def elect(comment, staff):
    _act(comment, "markelect")
    return _set(comment, "elected", acted_by=staff.id)


def unelect(comment, staff):
    _act(comment, "unmarkelect")
    return _set(comment, "clean", acted_by=staff.id)


def delete(comment, staff):
    _act(comment, "delete")
    return _set(comment, "deleted", acted_by=staff.id)


def reply(comment, staff, text, confirm=False):
    """Answer publicly under the comment. Listed words stop it unless `confirm`: a warning
    naming them, never a silent edit."""
    text = (text or "").strip()
    if not text:
        raise LinliError("reply_required", "请填写回复内容")
    found = Screen.from_db().find(text)
    if found and not confirm:
        raise LinliError("sensitive_words", "回复含敏感词：%s。确认无误后再次提交" % "、".join(found))
    _act(comment, "reply/add", content=text)
    return _set(comment, comment.state, reply=text, acted_by=staff.id)


def delete_reply(comment, staff):
    _act(comment, "reply/delete")
    return _set(comment, comment.state, reply="", acted_by=staff.id)


def to_case(comment, staff, category_id=None):
    """File the comment as a case (channel "comment") and tell the commenter its number."""
    if comment.report_id:
        raise CommentError("already_a_case", "该留言已转为案件")
    community_id = Article.select(Article.community).where(Article.msg_data_id == comment.msg_data_id).scalar()
    reporter = Resident.get_or_none(Resident.oa_openid == comment.openid) if comment.openid else None
    case = intake.submit(reporter, "comment", comment.content, category_id=category_id, community_id=community_id)
    Comment.update(report=case.id, acted_by=staff.id, updated_at=utcnow()).where(Comment.id == comment.id).execute()
    reply_text = "您反映的问题已转为案件 %s，我们会尽快处理，进展可在“我的反映”中查看。" % case.number
    try:
        _act(comment, "reply/add", content=reply_text)
        Comment.update(reply=reply_text).where(Comment.id == comment.id).execute()
    except WeChatClientException:
        pass                                       # the case stands; staff can reply again
    return case


def _act(comment, action, **extra):
    try:
        wechat.official().comments.act(action, comment.msg_data_id, comment.index, comment.user_comment_id, **extra)
    except WeChatClientException as exc:
        raise LinliError("wechat_refused", "微信拒绝了该操作（%s）：%s" % (exc.errcode, exc.errmsg), 502) from None


def _set(comment, state, **values):
    Comment.update(state=state, updated_at=utcnow(), **values).where(Comment.id == comment.id).execute()
    return Comment.get_by_id(comment.id)
