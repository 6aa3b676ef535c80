"""What residents read of their community in the mini-program: the notices the official account
sent, and the articles it published. Urgent notices first while they are fresh (the policy's
`urgent_pinned`), then everything newest first.

Who sees what: a notice to everyone and a published article are the community's public
information; a notice sent to a grid's or a building's tag reaches only the followers WeChat
tags there, that is residents whose address there is confirmed, and the mini-program shows it to
the same people. A claimed but unconfirmed address is a claim anyone could make, so it opens
nothing that the official account did not send them."""
from peewee import JOIN
from peewee import SQL
from peewee import Case
from peewee import Value
from peewee import fn

from account import article_html
from community.policy import policy_for
from models.community import Building
from models.community import Community
from models.community import Estate
from models.community import Grid
from models.content import Article
from models.content import Notice
from models.content import WeChatTag
from models.db import utcnow

EVERYONE = "全体居民"
# freepublish statuses for an article that was published and then taken down: deleted by the
# account (5) or banned by WeChat (6). It is not shown again here.
WITHDRAWN = (5, 6)
TITLE_CHARS, SUMMARY_CHARS = 30, 80
# MASSSENDJOBFINISH's Status when WeChat's review refused the content (err(10001) 涉嫌广告,
# err(20001) 涉嫌政治…), as opposed to "send fail".
REVIEW_REFUSED = "err("


def out():
    """The condition for a notice that is out: shown on the e-screens and in the mini-program.

    From the moment its send starts (sending), not when WeChat reports the mass send finished,
    which can take an hour: an urgent notice is read in the lobby meanwhile. A send retried after
    a passing error (back to scheduled, with its errcode) stays out. A failed one stays out too: a
    quota or a refused request only kept it from WeChat, and a resident not on WeChat reads it on
    the screen all the same; only one WeChat's review refused for its content is taken down.
    Never: a notice scheduled for later, or called off (cancelled)."""
    started = (Notice.state.in_(("sending", "sent"))
               | ((Notice.state == "scheduled") & Notice.errcode.is_null(False)))
    failed = (Notice.state == "failed") & ~Notice.wechat_status.startswith(REVIEW_REFUSED)
    return started | failed


class Audience:
    """Whom a reader is: their community (or none) and the tags WeChat would give them."""

    def __init__(self, community_id, building_id=None, grid_id=None):
        self.community_id = community_id
        self.building_id = building_id
        self.grid_id = grid_id

    @classmethod
    def of_resident(cls, resident):
        """The resident's community (the one their address claims, or the only one there is),
        and their building's and grid's tags once the address is confirmed."""
        community_id = resident.community_id or _only_community()
        if resident.address_state != "confirmed" or not resident.building_id:
            return cls(community_id)
        building = Building.get_by_id(resident.building_id)
        return cls(community_id, building.id, building.grid_id)

    @classmethod
    def public(cls, community):
        return cls(community.id)

    def tags(self):
        """The ids of the tags this reader carries, as a subquery (None: no tag)."""
        if self.building_id is None:
            return None
        where = WeChatTag.building == self.building_id
        if self.grid_id:
            where |= WeChatTag.grid == self.grid_id
        return WeChatTag.select(WeChatTag.id).where(where)

    def notices(self):
        """The condition for a notice this reader was sent."""
        tags = self.tags()
        to_them = Notice.tag.is_null() if tags is None else (Notice.tag.is_null() | Notice.tag.in_(tags))
        return (Notice.community == self.community_id) & out() & to_them


def _only_community():
    ids = [c.id for c in Community.select(Community.id).limit(2)]
    return ids[0] if len(ids) == 1 else None


def _published():
    return (Article.state == "published") & (Article.errcode.is_null() | Article.errcode.not_in(WITHDRAWN))


def page(audience, page_number=1, size=20, now=None):
    """(total, items) of one page: each item (kind, object, notice, pinned). `kind` "text" is a
    text notice (the object is the Notice); "article" is an article (the object is the Article),
    with the latest notice that sent it, or None when it was only published."""
    if audience.community_id is None:
        return 0, []
    now = now or utcnow()
    since = now - policy_for(audience.community_id).urgent_pinned
    pinned = Case(None, [((Notice.urgent == True) & (Notice.send_at >= since), 1)], 0)  # noqa: E712
    sent = audience.notices()
    # A notice whose article was since deleted has neither article nor text: nothing to show.
    texts = (Notice.select(Value("text").alias("kind"), Notice.id.alias("item_id"), Notice.id.alias("notice_id"),
                           Notice.send_at.alias("moment"), pinned.alias("pinned"))
             .where(sent & Notice.article.is_null() & (Notice.text != "")))
    latest_send = (Notice.select(fn.MAX(Notice.id)).where(sent & Notice.article.is_null(False))
                   .group_by(Notice.article))
    sent_articles = (Notice.select(Value("article"), Notice.article, Notice.id, Notice.send_at, pinned)
                     .where(Notice.id.in_(latest_send)))
    published = (Article.select(Value("article"), Article.id, Value(None), Article.published_at, Value(0))
                 .where((Article.community == audience.community_id) & _published()
                        & Article.id.not_in(Notice.select(Notice.article).where(sent & Notice.article.is_null(False)))))
    union = texts + sent_articles + published
    total = union.count()
    order = (SQL("pinned").desc(), SQL("moment").desc(), SQL("notice_id").desc(), SQL("item_id").desc())
    rows = list(union.order_by(*order).paginate(page_number, size).dicts())
    notices = _notices([r["notice_id"] for r in rows if r["notice_id"]])
    articles = {a.id: a for a in Article.select().where(Article.id.in_([r["item_id"] for r in rows
                                                                         if r["kind"] == "article"]))}
    items = []
    for row in rows:
        notice = notices.get(row["notice_id"])
        subject = notice if row["kind"] == "text" else articles[row["item_id"]]
        items.append((row["kind"], subject, notice, bool(row["pinned"])))
    return total, items


def _notices(ids):
    if not ids:
        return {}
    rows = (Notice.select(Notice, WeChatTag, Building, Estate, Grid)
            .join(WeChatTag, JOIN.LEFT_OUTER).join(Building, JOIN.LEFT_OUTER).join(Estate, JOIN.LEFT_OUTER)
            .switch(WeChatTag).join(Grid, JOIN.LEFT_OUTER)
            .where(Notice.id.in_(ids)))
    return {n.id: n for n in rows}


def notice_for(notice_id, audience):
    """One notice the reader was sent, or None."""
    return (Notice.select().where((Notice.id == notice_id) & audience.notices()).first()
            if audience.community_id else None)


def article_for(article_id, audience):
    """(article, the latest notice that sent it to the reader or None) for an article of the
    reader's community that was published or sent to them; None otherwise (drafts, another
    community's, one sent only to another building)."""
    if audience.community_id is None:
        return None
    article = Article.get_or_none((Article.id == article_id) & (Article.community == audience.community_id))
    if article is None:
        return None
    notice = (Notice.select().where(audience.notices() & (Notice.article == article.id))
              .order_by(Notice.id.desc()).first())
    if notice is None and not Article.select().where((Article.id == article.id) & _published()).exists():
        return None
    return article, notice


def audience_label(notice):
    """Whom a notice went to, as residents say it."""
    return notice.tag.label if notice is not None and notice.tag_id else EVERYONE


def title_of(text):
    """A text notice's first line, cut, as its title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS] + "…"


def summary_of(text):
    flat = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return flat if len(flat) <= SUMMARY_CHARS else flat[:SUMMARY_CHARS] + "…"


def body_html(article):
    """The article's body as the mini-program's <rich-text> may show it: the same cleaned HTML
    WeChat gets (scripts, handlers, frames and forms removed); images keep their /media/ paths."""
    return article_html.render(article.body, article.body_format)
