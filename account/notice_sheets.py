"""A notice as a printed A4 sheet for the building's blackboard (小黑板): the estate and building,
the notice in large type, the community office's phone, and a QR code that opens the article
(seed 001: building leaders post notices downstairs for those who do not read WeChat).

One sheet per building the notice went to (its building, its grid's buildings, or every building
for a notice to everyone), or only the one asked for. The QR code is drawn here as inline SVG
(segno), so the sheet needs no image request and prints sharp at any size."""
import dataclasses

import segno
from markupsafe import Markup

from account import feed
from linli.clock import local
from linli.errors import LinliError
from models.community import Building
from models.community import Community
from models.content import Notice


@dataclasses.dataclass(frozen=True)
class Sheet:
    building: Building
    title: str
    text: str
    url: str                 # what the QR code opens; "" when there is none
    qr_svg: Markup           # "" without a URL
    date: str                # the day it was sent, in full: a sheet stays up for days


def notice_in(community_id, notice_id):
    """A notice of the community, or 404 (another community's is not revealed)."""
    notice = Notice.get_or_none((Notice.id == notice_id) & (Notice.community == community_id))
    if notice is None:
        raise LinliError("not_found", "通知不存在", 404)
    return notice


def target_buildings(notice):
    """The buildings in use that the notice went to, in their order of entry, with estates."""
    buildings = Building.listed(notice.community_id).where(Building.active == True)  # noqa: E712
    if notice.tag_id and notice.tag.building_id:
        return list(buildings.where(Building.id == notice.tag.building_id))
    if notice.tag_id and notice.tag.grid_id:
        return list(buildings.where(Building.grid == notice.tag.grid_id))
    return list(buildings)


def sheets(notice, building_id=None):
    """The sheets to print: one per target building, or the one of `building_id` (404 when the
    notice did not go there)."""
    buildings = target_buildings(notice)
    if building_id is not None:
        buildings = [b for b in buildings if b.id == building_id]
        if not buildings:
            raise LinliError("not_found", "这条通知没有发往该楼栋", 404)
    if notice.article_id:
        title, text, url = notice.article.title, notice.article.digest, notice.article.url
    else:
        title, text, url = feed.title_of(notice.text), notice.text, ""
        if text.strip() == title:
            text = ""                    # a one-line notice: its line is the title
    qr = qr_svg(url) if url else Markup("")
    date = local(notice.send_at).strftime("%Y年%m月%d日")
    return [Sheet(building=b, title=title, text=text, url=url, qr_svg=qr, date=date) for b in buildings]


def community_of(notice):
    return Community.get_by_id(notice.community_id)


def qr_svg(url):
    """`url` as a QR code in inline SVG, sized by its container (a viewBox, no width or height),
    with a quiet zone of four modules as the standard asks. Error correction M: a sheet behind
    glass or slightly creased still scans."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(omitsize=True, svgclass="qr", lineclass=None, title="扫码阅读全文"))
