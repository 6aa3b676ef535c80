"""A building's e-screen and a notice's printed sheet in a real Chromium (fixtures from
conftest.py): the e-screen as a lobby's 1920×1080 display shows it, the sheet as it prints on A4.

Each test saves its picture: into test-artifacts/, or, with LINLI_SCREENSHOTS=1, over the
README's own in docs/screenshots/ (they show the time of the run, so an ordinary run leaves the
checkout as it was)."""
import datetime
import os
import re
import uuid

from models.community import Building
from models.community import Community
from models.content import Article
from models.content import Notice
from models.content import WeChatTag
from models.db import utcnow
from models.people import Resident
from tests.support import ROOT
from tests.support.browser import ARTIFACTS

SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("LINLI_SCREENSHOTS") == "1" else ARTIFACTS
FULL_HD = {"width": 1920, "height": 1080}
# A4 at CSS's 96 pixels an inch: 210 × 297 mm.
A4 = {"width": 794, "height": 1123}
# Read from a few metres: body text at least this many CSS pixels (the console's is 15).
SCREEN_TEXT_PX = 28
SHEET_TITLE_PX = 40
RESIDENT_PHONE = "13712345678"


def _community():
    return Community.get(Community.code == "bajiazhuang")


def _notice(building=None, urgent=False, ago=datetime.timedelta(hours=1), **content):
    tag = None
    if building is not None:
        tag = WeChatTag.get_or_none(WeChatTag.building == building) or WeChatTag.create(
            building=building, tag_id=1000 + building.id, name="b%d" % building.id)
    return Notice.create(community=_community(), tag=tag, urgent=urgent, state="sent", send_at=utcnow() - ago,
                         client_msg_id=uuid.uuid4().hex, **content)


def _font_px(page, selector):
    """The computed font size of the first element `selector` finds, in CSS pixels."""
    return page.evaluate("s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector)


def _csp_watch(page):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_the_escreen_fills_a_full_hd_display_in_large_type_with_no_resident_on_it(site):
    # The mistakes: type too small to read across a lobby, a page wider than the display (a
    # long notice pushing the board off the side), a page the CSP breaks, and a resident's
    # phone on a public wall.
    page, url, sign_in = site
    refused = _csp_watch(page)
    home = Building.select().where(Building.community == _community()).order_by(Building.id).first()
    Resident.update(phone=RESIDENT_PHONE).where(Resident.oa_openid == "demo-oa-1").execute()
    Community.update(phone="0311-86000000").where(Community.id == _community().id).execute()
    _notice(text="社区垃圾分类宣传周\n本周六上午九点在社区广场设咨询台，欢迎居民参加", ago=datetime.timedelta(days=1))
    _notice(text="燃气管道年度安全检查\n" + "入户检查时请家中留人，检查人员均佩戴工作证，不收取任何费用。" * 3,
            building=home, ago=datetime.timedelta(hours=6))
    _notice(text="今晚停电检修\n今晚20:00至23:00本楼停电检修，电梯停运，请提前做好准备",
            building=home, urgent=True)
    sign_in("grid1")
    page.click("nav >> text=电子屏")
    page.select_option("select[name=building_id]", str(home.id))
    page.fill("input[name=place]", "1单元大堂")
    page.click("#make-screen-link")
    link = page.input_value("#screen-url")
    assert re.fullmatch(re.escape(url) + r"/screen/[A-Za-z0-9_-]{32}", link)

    page.set_viewport_size(FULL_HD)
    page.goto(link)

    assert page.inner_text("#building") == home.label
    headings = page.locator("article.item h3").all_inner_texts()
    assert headings[0].startswith("紧急") and "今晚停电检修" in headings[0] and len(headings) == 3
    body_px, heading_px, phone_px = (_font_px(page, s) for s in ("body", "article.item h3", ".board .phone"))
    assert body_px >= SCREEN_TEXT_PX and heading_px > body_px and phone_px >= SCREEN_TEXT_PX
    assert page.evaluate("document.documentElement.scrollWidth") <= FULL_HD["width"]
    board = page.locator("aside.board").bounding_box()
    assert board["x"] + board["width"] <= FULL_HD["width"]
    assert "楼长老王" in page.inner_text("aside.board") and "13900000031" in page.inner_text("aside.board")
    assert RESIDENT_PHONE not in page.content() and "卢兰英" not in page.content()
    assert refused == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "escreen.png"))


def test_an_article_notice_prints_on_one_a4_page_in_large_type_with_its_qr_code(site):
    # The mistakes: a sheet that spills onto a second page or off the side of the paper, the
    # console's buttons printed on it, and a QR code too small to scan from a blackboard.
    page, url, sign_in = site
    refused = _csp_watch(page)
    home = Building.select().where(Building.community == _community()).order_by(Building.id).first()
    Community.update(phone="0311-86000000").where(Community.id == _community().id).execute()
    article = Article.create(community=_community(), title="周五停水通知", state="published", body="正文",
                             digest="因管网改造，本周五8:00至12:00停水，请提前储水。恢复供水后水质浑浊请放水片刻。",
                             url="https://mp.weixin.qq.com/s/water-cut-2026", draft_media_id="m-1",
                             published_at=utcnow())
    notice = _notice(article=article, building=home, urgent=True)
    page.add_init_script("window.print = function () { window.printed = true; };")
    sign_in("editor")
    page.goto(url + "/console/articles")
    page.click("#notice-%d a.print-sheet" % notice.id)
    page.wait_for_selector("section.sheet")
    page.click("button[data-print]")                  # console.js: the policy runs no inline handler
    assert page.evaluate("window.printed === true")

    page.set_viewport_size(A4)
    page.emulate_media(media="print")

    assert page.locator("form.toolbar").is_hidden()
    assert _font_px(page, ".sheet .title") >= SHEET_TITLE_PX and _font_px(page, ".sheet .text") >= SCREEN_TEXT_PX
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    qr = page.locator(".sheet svg.qr").bounding_box()
    assert qr["width"] >= 180 and qr["width"] == qr["height"]          # about 5 cm: scans from arm's length
    assert "社区电话：0311-86000000" in page.inner_text(".sheet footer")
    assert "丰泽园小区" in page.inner_text(".sheet .place") and home.name in page.inner_text(".sheet .place")
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    assert refused == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "print-sheet.png"), full_page=True)
