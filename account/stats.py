"""Article reads and shares and the follower total, pulled daily from datacube into the
database, and summed per article and per month. WeChat has each day's figures the next day."""
import datetime

from peewee import fn

import wechat
from linli.clock import local
from models.content import Article
from models.content import ArticleDailyStat
from models.content import FollowerDailyStat
from models.db import db
from models.db import utcnow


def pull(day=None):
    """Store `day`'s figures (default: yesterday in Shanghai); run again, it overwrites."""
    day = day or local(utcnow()).date() - datetime.timedelta(days=1)
    cube = wechat.official().cube
    articles = cube.day("getarticlesummary", day)
    followers = cube.day("getusercumulate", day)
    with db.atomic():
        for row in articles:
            values = dict(title=row.get("title", "")[:64], read_users=row.get("int_page_read_user", 0),
                          reads=row.get("int_page_read_count", 0), share_users=row.get("share_user", 0),
                          shares=row.get("share_count", 0))
            (ArticleDailyStat.insert(ref_date=day, msgid=row["msgid"], **values)
             .on_conflict(conflict_target=[ArticleDailyStat.ref_date, ArticleDailyStat.msgid], update=values)
             .execute())
        for row in followers:
            (FollowerDailyStat.insert(ref_date=day, total=row.get("cumulate_user", 0))
             .on_conflict(conflict_target=[FollowerDailyStat.ref_date],
                          update={FollowerDailyStat.total: row.get("cumulate_user", 0)})
             .execute())
    return len(articles), len(followers)


def per_article(community_id=None):
    """Per article (msgid): title, reads, read users, shares, days counted; most read first.
    With `community_id`, without another community's articles (msgid is "<msg_data_id>_<index>");
    articles published outside Linli belong to the whole account and stay."""
    query = (ArticleDailyStat.select(ArticleDailyStat.msgid, fn.MAX(ArticleDailyStat.title).alias("title"),
                                     fn.SUM(ArticleDailyStat.reads).alias("reads"),
                                     fn.SUM(ArticleDailyStat.read_users).alias("read_users"),
                                     fn.SUM(ArticleDailyStat.shares).alias("shares"),
                                     fn.COUNT(ArticleDailyStat.id).alias("days"))
             .group_by(ArticleDailyStat.msgid).order_by(fn.SUM(ArticleDailyStat.reads).desc()).dicts())
    if community_id is None:
        return list(query)
    others = {a.msg_data_id for a in Article.select(Article.msg_data_id).where(
        (Article.community != community_id) & (Article.msg_data_id != ""))}
    return [row for row in query if row["msgid"].rsplit("_", 1)[0] not in others]


def per_month(year):
    """Per month of `year`: reads, shares, and followers at the month's last known day."""
    months = []
    for month in range(1, 13):
        first = datetime.date(year, month, 1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        sums = (ArticleDailyStat.select(fn.COALESCE(fn.SUM(ArticleDailyStat.reads), 0),
                                        fn.COALESCE(fn.SUM(ArticleDailyStat.shares), 0))
                .where(ArticleDailyStat.ref_date.between(first, last)).tuples().first())
        followers = (FollowerDailyStat.select(FollowerDailyStat.total)
                     .where(FollowerDailyStat.ref_date.between(first, last))
                     .order_by(FollowerDailyStat.ref_date.desc()).scalar())
        months.append({"month": first.strftime("%Y-%m"), "reads": sums[0], "shares": sums[1], "followers": followers})
    return months
