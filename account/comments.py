"""Article comments: synced from WeChat, screened, and acted on by staff.

There is no push for new comments, so a periodic job reads comment/list for every mass-sent
article that takes comments: 49 at a time (WeChat refuses 50), from where the last run stopped
less a few (comments deleted on WeChat's side shift later offsets back; the unique key absorbs
the overlap), a bounded number of pages per run (WeChat's rate limits), saving its place after
every page, so a run cut short resumes. The place counts the comments WeChat still lists: every
deletion made here (by policy or by staff) moves it back one, so no comment slips past unread.
-1 and timeouts leave the place for the next run; 45009 stops the job.

Every comment read is screened with the sensitive-word list, the elected ones too. A flagged one
is held for review or deleted, per COMMENT_FLAGGED_POLICY; a clean one may be elected (精选) by
rule (COMMENT_AUTO_ELECT). msgSecCheck v2 wants a mini-program openid seen in the last 2 hours,
so it screens only commenters who are also such mini-program users (linked by unionid); for the
rest the list carries the screening.

An action WeChat refuses or leaves unanswered, the policy's or a staff member's, is kept on the
comment (errcode, message, time) for staff to see and retry."""
import collections
import logging

import requests
from wechatpy.exceptions import WeChatClientException

import wechat
from account import screening
from account.words import Screen
from cases import intake
from linli import config
from linli.errors import LinliError
from models.content import Article
from models.content import Comment
from models.content import CommentCursor
from models.db import db
from models.db import utcnow
from models.people import Resident
from wechat import errcodes
from wechat import failures

logger = logging.getLogger(__name__)

PAGE = 49
OVERLAP = 5                # re-read: comments deleted on WeChat's side shift later ones back
PAGES_PER_RUN = 20
ELECTED = 1                # comment/list's comment_type: 1 精选, 0 not


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
    """Reads on from the cursor. `begin` is a place in the list as WeChat shows it now: a page's
    comments are all stored and screened before any is deleted, and the next page starts after
    the ones still listed, so a deletion never pushes a comment past a page unread."""
    client = wechat.official()
    begin = max(cursor.next_begin - OVERLAP, 0)
    new = 0
    for _ in range(pages):
        try:
            page = client.comments.list(article.msg_data_id, 0, begin, PAGE).get("comment") or []
        except WeChatClientException as exc:
            CommentCursor.update(errcode=exc.errcode).where(CommentCursor.id == cursor.id).execute()
            if exc.errcode == errcodes.QUOTA:
                raise failures.QuotaExhausted(exc.errmsg) from None
            if exc.errcode == errcodes.NO_COMMENT_PERMISSION or not failures.retryable(exc):
                return new
            raise
        new += _store(article, page)
        begin += len(page) - _screen_page(article, page, screen)
        # The place is written as it is (never the larger of old and new): comments deleted on
        # WeChat's side since the last run moved the end of the list back.
        CommentCursor.update(next_begin=begin, synced_at=utcnow(), errcode=None).where(
            CommentCursor.id == cursor.id).execute()
        if len(page) < PAGE:
            break
    return new


def _store(article, page):
    """Keeps the page's comments not seen before, as `new` until screened; returns how many."""
    new = 0
    with db.atomic():
        for item in page:
            new += len(Comment.insert(msg_data_id=article.msg_data_id, index=0,
                                      user_comment_id=item["user_comment_id"], openid=item.get("openid", ""),
                                      content=item.get("content", ""), wechat_time=item.get("create_time", 0))
                       .on_conflict_ignore().returning(Comment.id).execute())
    return new


def _screen_page(article, page, screen):
    """Screens the page's comments still `new` (a run cut short left some: they are screened on
    the re-read); returns how many were deleted on WeChat, which shortens the list."""
    elected = {item["user_comment_id"] for item in page if item.get("comment_type") == ELECTED}
    pending = Comment.select().where((Comment.msg_data_id == article.msg_data_id) & (Comment.index == 0)
                                     & Comment.user_comment_id.in_([item["user_comment_id"] for item in page])
                                     & (Comment.state == "new")).order_by(Comment.user_comment_id)
    return sum(moderate(comment, screen, elected=comment.user_comment_id in elected).state == "deleted"
               for comment in pending)


def moderate(comment, screen, now=None, elected=False):
    """Screens one comment and applies the policy. `elected`: WeChat lists it as 精选 already;
    a flagged one is still held or deleted, a clean one stays elected. A deletion WeChat refuses
    leaves the comment held, with the failure kept for a retry; a refused election, clean."""
    settings = config.active()
    found = screen.find(comment.content) or _sec_check(comment, now or utcnow())
    if found:
        matched = ",".join(found)
        if settings.COMMENT_FLAGGED_POLICY == "delete" and _act(comment, "delete"):
            return _done(comment, "delete", "deleted", matched=matched)
        return _set(comment, "held", matched=matched)
    if elected:
        return _set(comment, "elected")
    if settings.COMMENT_AUTO_ELECT and _act(comment, "elect"):
        return _done(comment, "elect", "elected")
    return _set(comment, "clean")


def _sec_check(comment, now):
    """msgSecCheck v2 (scene 2, comments), when the commenter is also a mini-program user seen in
    the last 2 hours: the only case WeChat allows. [] when clean or not checkable."""
    mp_openid = screening.recent_mp_openid(comment.openid, now)
    if mp_openid is None:
        return []
    try:
        result = wechat.miniprogram().security.msg_sec_check(mp_openid, comment.content, scene=2)
    except Exception:                              # the list has already screened it
        return []
    return [] if result.get("suggest") == "pass" else ["msgSecCheck:%s" % result.get("label", "")]


# -- staff ------------------------------------------------------------------------------------
# Each action WeChat may refuse, by the console's name: WeChat's call, what staff read, and the
# refused actions its success settles (itself, its opposite as the newer intent; a deletion, all).
Action = collections.namedtuple("Action", "call label settles")
ACTIONS = {
    "elect": Action("markelect", "精选", ("elect", "unelect")),
    "unelect": Action("unmarkelect", "取消精选", ("elect", "unelect")),
    "reply": Action("reply/add", "回复", ("reply", "delete_reply")),
    "delete_reply": Action("reply/delete", "删除回复", ("reply", "delete_reply")),
    "delete": Action("delete", "删除", ("elect", "unelect", "reply", "delete_reply", "delete")),
}


def of_community(community_id):
    """Comments on the community's own articles: what its editors may read and act on."""
    return Comment.msg_data_id.in_(Article.select(Article.msg_data_id).where(
        (Article.community == community_id) & (Article.msg_data_id != "")))


def elect(comment, staff):
    return _by_staff(comment, staff, "elect", "elected")


def unelect(comment, staff):
    return _by_staff(comment, staff, "unelect", "clean")


def delete(comment, staff):
    return _by_staff(comment, staff, "delete", "deleted")


def reply(comment, staff, text, confirm=False):
    """Answer publicly under the comment. Listed words stop it unless `confirm`: a warning
    naming them, never a silent edit."""
    text = (text or "").strip()
    if not text:
        raise LinliError("reply_required", "请填写回复内容")
    found = Screen.from_db().find(text)
    if found and not confirm:
        raise LinliError("sensitive_words", "回复含敏感词：%s。确认无误后再次提交" % "、".join(found))
    return _by_staff(comment, staff, "reply", comment.state, content=text, reply=text)


def delete_reply(comment, staff):
    return _by_staff(comment, staff, "delete_reply", comment.state, reply="")


def to_case(comment, staff, category_id=None):
    """File the comment as a case (channel "comment") and tell the commenter its number. The case
    stands if WeChat refuses the reply: the refusal is kept on the comment, to retry."""
    if comment.case_id:
        raise CommentError("already_a_case", "该留言已转为案件")
    community_id = Article.select(Article.community).where(Article.msg_data_id == comment.msg_data_id).scalar()
    reporter = Resident.get_or_none(Resident.oa_openid == comment.openid) if comment.openid else None
    case = intake.submit(reporter, "comment", comment.content, category_id=category_id, community_id=community_id)
    Comment.update(case=case.id, acted_by=staff.id, updated_at=utcnow()).where(Comment.id == comment.id).execute()
    reply_text = "您反映的问题已转为案件 %s，我们会尽快处理，进展可在“我的反映”中查看。" % case.number
    if _act(comment, "reply", content=reply_text):
        _done(comment, "reply", comment.state, reply=reply_text)
    return case


def retry(comment, staff):
    """Do again the action WeChat refused, with the same text. Success clears the failure; a new
    refusal replaces it."""
    action = comment.failed_action
    if not action:
        raise CommentError("nothing_to_retry", "该留言没有待重试的操作")
    if action == "reply":
        return reply(comment, staff, comment.failed_text, confirm=True)     # checked when first sent
    return {"elect": elect, "unelect": unelect, "delete": delete, "delete_reply": delete_reply}[action](comment, staff)


def queue(state, community_id, limit=100):
    """The console's list: the community's comments in `state`, or with "failed" those whose last
    action WeChat refused, newest first."""
    where = (Comment.failed_action != "") if state == "failed" else (Comment.state == state)
    return (Comment.select().where(where & of_community(community_id))
            .order_by(Comment.id.desc()).limit(limit))


def failure(comment):
    """What WeChat said, for people: "45009 reach max api daily quota limit"."""
    return " ".join(str(part) for part in (comment.errcode, comment.errmsg) if part not in (None, ""))


def _by_staff(comment, staff, action, state, content=None, **values):
    if not _act(comment, action, content):
        raise CommentError("wechat_refused", "微信未完成“%s”（%s），已记录，可在留言旁重试"
                           % (ACTIONS[action].label, failure(Comment.get_by_id(comment.id))), 502)
    return _done(comment, action, state, acted_by=staff.id, **values)


def _act(comment, action, content=None):
    """Ask WeChat to do `action`; True once done. Refused or unanswered: False, and the failure is
    kept on the comment (errcode, message, time, the text to send again), never dropped."""
    extra = {} if content is None else {"content": content}
    try:
        wechat.official().comments.act(ACTIONS[action].call, comment.msg_data_id, comment.index,
                                       comment.user_comment_id, **extra)
    except (WeChatClientException, requests.RequestException) as exc:
        errcode, errmsg = failures.describe(exc)
        logger.warning("comment %s: WeChat did not %s it: %s %s", comment.id, action, errcode, errmsg)
        Comment.update(failed_action=action, errcode=errcode, errmsg=errmsg or "微信接口出错", failed_at=utcnow(),
                       failed_text=content or "").where(Comment.id == comment.id).execute()
        return False
    return True


def _done(comment, action, state, **values):
    """Record what WeChat did. A deletion leaves the list one shorter, so the sync's place moves
    back one: the comment after it would otherwise sit behind the place unread. Not for a comment
    still `new`: its page is not counted in the place yet (the sync counts its own deletions per
    page, and writes its place after the page)."""
    with db.atomic():
        Comment.update(failed_action="", errcode=None, errmsg="", failed_at=None, failed_text="").where(
            (Comment.id == comment.id) & Comment.failed_action.in_(ACTIONS[action].settles)).execute()
        if action == "delete" and comment.state != "new":
            CommentCursor.update(next_begin=CommentCursor.next_begin - 1).where(
                (CommentCursor.msg_data_id == comment.msg_data_id) & (CommentCursor.index == comment.index)
                & (CommentCursor.next_begin > 0)).execute()
        return _set(comment, state, **values)


def _set(comment, state, **values):
    Comment.update(state=state, updated_at=utcnow(), **values).where(Comment.id == comment.id).execute()
    return Comment.get_by_id(comment.id)
