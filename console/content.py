"""Articles, notices and comments in the console: the editor with its preview, sync, publish,
notices to all or to a grid or building, per-article figures, the comment queue and the
sensitive-word list."""
import datetime
import uuid

from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from account import article_html
from account import articles as article_domain
from account import comments as comment_domain
from account import notices
from account import stats
from account import words
from cases import photos
from community.policy import policy_for
from console.access import CONTENT_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer
from linli.clock import SHANGHAI
from linli.clock import stored
from models.community import Building
from models.community import Estate
from models.community import Grid
from models.content import Article
from models.content import Comment
from models.content import Notice
from models.content import SensitiveWord
from models.content import WeChatTag

FIELDS = ("title", "author", "digest", "body", "body_format", "cover_path", "source_url", "comments")
# The states as staff read them (models.content.ARTICLE_STATES, NOTICE_STATES).
ARTICLE_STATE_LABELS = {"draft": "草稿", "synced": "已同步到草稿箱", "publishing": "发布中",
                        "published": "已发布", "failed": "发布失败"}
NOTICE_STATE_LABELS = {"scheduled": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                       "cancelled": "已取消"}


@bp.get("/articles")
@signed_in(*CONTENT_ROLES)
def articles():
    rows = Article.select().where(Article.community == staff_community()).order_by(Article.id.desc())
    return render_template("console/articles.html", articles=rows, figures=stats.per_article(staff_community())[:20],
                           article_states=ARTICLE_STATE_LABELS, notice_states=NOTICE_STATE_LABELS,
                           notices=Notice.select().where(Notice.community == staff_community())
                           .order_by(Notice.id.desc()).limit(20).prefetch(Article, WeChatTag, Building, Estate),
                           **_notice_form())


@bp.route("/articles/new", methods=["GET", "POST"])
@bp.route("/articles/<int:article_id>", methods=["GET", "POST"])
@signed_in(*CONTENT_ROLES)
def article(article_id=None):
    current = _article(article_id) if article_id else None
    if request.method == "POST":
        values = {f: request.form.get(f, "") for f in FIELDS}
        upload = request.files.get("cover_file")
        if upload is not None and upload.filename:           # a new cover uploaded from the form itself
            values["cover_path"] = article_domain.store_image(upload.read(photos.MAX_BYTES + 1))[0]
        current, warnings = article_domain.save(g.staff, values, article=current, community_id=staff_community())
        if warnings:
            flash("注意，含敏感词：%s（已保存，未作修改）" % "、".join(warnings))
        else:
            flash("已保存", "ok")
        return redirect(url_for("console.article", article_id=current.id), code=303)
    preview = article_html.render(current.body, current.body_format) if current else ""
    return render_template("console/article.html", article=current, preview=preview,
                           article_states=ARTICLE_STATE_LABELS,
                           covers=article_domain.cover_choices(current.cover_path if current else ""),
                           **_notice_form())


@bp.post("/articles/<int:article_id>/<action>")
@signed_in(*CONTENT_ROLES)
def article_action(article_id, action):
    current = _article(article_id)
    if action == "sync":
        article_domain.sync(current)
        flash("已同步到微信草稿箱", "ok")
    elif action == "publish":
        article_domain.publish(current, confirm=request.form.get("confirm") == "1")
        flash("已提交发布，结果稍后更新", "ok")
    else:
        abort(404)
    return redirect(url_for("console.article", article_id=article_id), code=303)


@bp.post("/media")
@signed_in(*CONTENT_ROLES)
def upload_image():
    """An image for an article: checked by content, stored, offered as a cover and its path shown
    to paste into the body."""
    file = request.files.get("file")
    if file is None:
        abort(400, "请选择图片")
    relative, width, height = article_domain.store_image(file.read(photos.MAX_BYTES + 1))
    flash("已上传（%d×%d），可在封面中选用；正文插入：![图片](/media/%s)" % (width, height, relative), "ok")
    return redirect(request.referrer or url_for("console.articles"), code=303)


@bp.post("/notices")
@signed_in(*CONTENT_ROLES)
def notice():
    form = request.form
    if not form.get("key"):
        abort(400, "表单缺少提交标识，请刷新页面后重新提交")
    send_at = None
    if form.get("send_at"):
        try:
            send_at = stored(datetime.datetime.fromisoformat(form["send_at"]).replace(tzinfo=SHANGHAI))
        except ValueError:
            abort(400, "发送时间格式有误")
    target = form.get("target", "all")
    created, new = notices.submit(g.staff, staff_community(), article_id=integer(form.get("article_id")),
                                  text=form.get("text", ""),
                                  grid_id=integer(target[5:]) if target.startswith("grid:") else None,
                                  building_id=integer(target[9:]) if target.startswith("building:") else None,
                                  send_at=send_at, confirm=form.get("confirm") == "1", key=form["key"],
                                  repeat=form.get("repeat") == "1", urgent=form.get("urgent") == "1")
    if not new:
        # The same form again (double click, back and resubmit): its notice, not a second one.
        flash("这条通知已提交过（第 %d 号，%s），没有重复发送；如确需再次群发，请勾选“再次群发同一内容”"
              % (created.id, NOTICE_STATE_LABELS[created.state]))
        return redirect(url_for("console.articles", _anchor="notice-%d" % created.id), code=303)
    if form.get("preview") == "1":
        if not g.staff.oa_openid:
            flash("您的账号未绑定微信，无法预览")
        else:
            notices.preview(created, g.staff.oa_openid)
            flash("预览已发送到您的微信", "ok")
    notices.schedule(created)
    flash("通知已安排发送", "ok")
    return redirect(url_for("console.articles", _anchor="notice-%d" % created.id), code=303)


@bp.get("/comments")
@signed_in(*CONTENT_ROLES)
def comments():
    state = request.args.get("state") or "held"
    return render_template("console/comments.html", comments=comment_domain.queue(state, staff_community()),
                           state=state, actions=comment_domain.ACTIONS, failure=comment_domain.failure,
                           words="\n".join(w.word for w in SensitiveWord.select().order_by(SensitiveWord.word)))


@bp.post("/comments/<int:comment_id>/<action>")
@signed_in(*CONTENT_ROLES)
def comment_action(comment_id, action):
    comment = Comment.get_or_none((Comment.id == comment_id) & comment_domain.of_community(staff_community()))
    if comment is None:
        abort(404)
    if action == "elect":
        comment_domain.elect(comment, g.staff)
    elif action == "unelect":
        comment_domain.unelect(comment, g.staff)
    elif action == "reply":
        comment_domain.reply(comment, g.staff, request.form.get("text", ""), confirm=request.form.get("confirm") == "1")
    elif action == "delete_reply":
        comment_domain.delete_reply(comment, g.staff)
    elif action == "delete":
        comment_domain.delete(comment, g.staff)
    elif action == "case":
        case = comment_domain.to_case(comment, g.staff)
        flash("已转为案件 %s" % case.number, "ok")
        # A "reply" failure now is the case's own reply: had it gone through, it would settle any older one.
        if Comment.get_by_id(comment_id).failed_action == "reply":
            flash("告知案件编号的回复微信未完成，已记录，可在留言旁重试")
    elif action == "retry":
        comment_domain.retry(comment, g.staff)
        flash("已重试成功", "ok")
    else:
        abort(404)
    return redirect(request.referrer or url_for("console.comments"), code=303)


@bp.post("/words")
@signed_in(*CONTENT_ROLES)
def set_words():
    count = words.set_words(request.form.get("words", "").splitlines())
    flash("敏感词表已更新：%d 个" % count, "ok")
    return redirect(url_for("console.comments"), code=303)


def _notice_form():
    """What a notice form offers: the community's grids and buildings to aim at, and its key."""
    return dict(grids=Grid.select().where(Grid.community == staff_community()).order_by(Grid.id),
                buildings=Building.listed(staff_community()), notice_key=uuid.uuid4().hex,
                urgent_days=policy_for(staff_community()).urgent_pinned.days)


def _article(article_id):
    found = Article.get_or_none((Article.id == article_id) & (Article.community == staff_community()))
    if found is None:
        abort(404)
    return found

