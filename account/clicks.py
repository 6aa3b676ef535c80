"""What each menu CLICK key answers (account/menu.json). One table, `ANSWERS`: the message
handler answers a tap from it, and `wechat menu push` refuses a menu with a key it lacks (unless
an auto-reply rule answers that key), so no button ever answers "your message was received".

An answer takes (resident, now) and returns the text to reply; text replies may carry links."""
from html import escape

from peewee import JOIN

from account import feed
from account import links
from account import participation
from account import reporting
from account import texts
from account import volunteering
from community.board import render_board
from community.board import service_board
from coupons import campaigns
from linli import config
from linli.clock import local
from models.content import Article
from models.content import Notice
from models.content import ResidentTag

LATEST_NOTICES = 5
SHOWN_CAMPAIGNS = 5


def latest_notices(resident, now):
    """The last notices sent to everyone, or to a tag the resident has (their building, their
    grid), newest first; articles as links."""
    tags = ResidentTag.select(ResidentTag.tag).where(ResidentTag.resident == resident)
    audience = Notice.tag.is_null() | Notice.tag.in_(tags)
    if resident.community_id:
        audience &= Notice.community == resident.community_id
    notices = (Notice.select(Notice, Article).join(Article, JOIN.LEFT_OUTER)
               .where(feed.out() & audience)
               .order_by(Notice.send_at.desc(), Notice.id.desc()).limit(LATEST_NOTICES))
    lines = []
    for notice in notices:
        day = local(notice.send_at).strftime("%m-%d")
        article = notice.article if notice.article_id else None
        if article is not None and article.url:
            lines.append('%s <a href="%s">%s</a>' % (day, escape(article.url), escape(article.title)))
        else:
            text = (article.title if article is not None else notice.text).splitlines()
            lines.append("%s %s" % (day, text[0][:40] if text else ""))
    if not lines:
        return "近期没有社区通知。有新通知时会推送给您。"
    return "最近的社区通知：\n" + "\n".join(lines)


def service_guide(resident, now):
    """The community's guide (staff edit it), with the resident's building's service board."""
    guide = texts.get("service_guide")
    if resident.building_id:
        guide += "\n\n" + render_board(resident.building, service_board(resident.building))
    return guide


def red_card(resident, now):
    """The red card lives in the mini-program: what can be claimed now, and the way there."""
    lines = ["【社区红卡】合作商家给本社区居民的优惠券，在小程序中领取，到店出示核销。"]
    if resident.address_state != "confirmed":
        lines.append("请先在小程序中登记住址，社区确认后即可领取。")
    else:
        offers = campaigns.claimable(resident, now)[:SHOWN_CAMPAIGNS]
        lines += ["· %s（%s）" % (c.title, c.merchant.name) for c, _ in offers] or ["目前没有可领取的优惠券。"]
    link = links.miniprogram(config.active().MP_COUPON_PAGE, "打开社区红卡")
    if link:
        lines.append(link)
    return "\n".join(lines)


ANSWERS = {
    "REPORT_HELP": lambda resident, now: texts.get("report_help"),
    "MY_CASES": lambda resident, now: reporting.progress(resident),
    "NOTICES": latest_notices,
    "SERVICE_GUIDE": service_guide,
    "RED_CARD": red_card,
    "PROPOSALS_AND_VOTES": participation.answer,
    "VOLUNTEERS": volunteering.answer,
}
