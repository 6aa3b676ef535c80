"""A building's e-screen (/screen/<token>) and a notice's printed A4 sheet (/console/notices/<id>/print),
through the test client on the demo community: who may make and revoke screen links, what the
screen shows (the building's notices, urgent first, and its service board) and what it must
never show (a resident's name or phone), and the sheet with its QR code."""
import datetime
import re
import uuid

from account import screens
from linli.clock import local
from models.community import Building
from models.community import Community
from models.content import Article
from models.content import Notice
from models.content import WeChatTag
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from models.screens import ScreenLink

RESIDENT_PHONE = "13712345678"
URL = "https://mp.weixin.qq.com/s/water-cut-2026"
TOKEN_IN_PAGE = re.compile(r'value="https?://[^/]+/screen/([A-Za-z0-9_-]+)"')


def _bajiazhuang():
    return Community.get(Community.code == "bajiazhuang")


def _buildings():
    """丰泽园小区 1号楼 (grid G1: grid1's) and the last building (grid G4: not grid1's)."""
    rows = list(Building.select().where(Building.community == _bajiazhuang()).order_by(Building.id))
    return rows[0], rows[-1]


def _post(client, csrf, path, **data):
    return client.post(path, data=dict(data, csrf=csrf("/console/")))


def _text(answer):
    return answer.get_data(as_text=True)


def _sent(text="", article=None, building=None, urgent=False, ago=datetime.timedelta(hours=1)):
    """A notice as it stands once WeChat has sent it (the sending itself is test_content's)."""
    tag = None
    if building is not None:
        tag = WeChatTag.get_or_none(WeChatTag.building == building) or WeChatTag.create(
            building=building, tag_id=1000 + building.id, name="b%d" % building.id)
    return Notice.create(community=_bajiazhuang(), article=article, text=text, tag=tag, urgent=urgent,
                         state="sent", send_at=utcnow() - ago, client_msg_id=uuid.uuid4().hex)


def _article(title="停水通知", digest="周五8:00至12:00停水，请提前储水", url=URL):
    return Article.create(community=_bajiazhuang(), title=title, digest=digest, body="正文", state="published",
                          url=url, draft_media_id="m-1", published_at=utcnow() - datetime.timedelta(hours=2))


def _make_link(client, csrf, building):
    """A link made in the console as staff make it; its token as the page shows it, once."""
    answer = _post(client, csrf, "/console/screens", building_id=building.id, place="1单元大堂")
    assert answer.status_code == 303, _text(answer)
    page = _text(client.get("/console/screens"))
    token = TOKEN_IN_PAGE.search(page).group(1)
    assert TOKEN_IN_PAGE.search(_text(client.get("/console/screens"))) is None      # shown once only
    return token


# -- the screen ---------------------------------------------------------------------------------------
def test_a_grid_worker_makes_a_screen_link_that_shows_the_buildings_notices_and_board_but_no_resident(
        client, console):
    sign_in, csrf = console
    home, elsewhere = _buildings()
    # The attack: a page left open in a lobby that leaks who lives there. A confirmed resident of
    # the building, with a phone and a name, must appear nowhere on it.
    Resident.update(phone=RESIDENT_PHONE).where(Resident.oa_openid == "demo-oa-1").execute()
    resident = Resident.get(Resident.oa_openid == "demo-oa-1")
    assert resident.building_id == home.id and resident.address_state == "confirmed"
    Community.update(phone="0311-86000000").where(Community.id == _bajiazhuang().id).execute()
    _sent("垃圾分类宣传周\n请按时分类投放", ago=datetime.timedelta(hours=5))
    _sent("今晚停电检修\n20:00至23:00，电梯停运", building=home, urgent=True)
    _sent("只发给别的楼的通知", building=elsewhere)
    _sent(article=_article(), ago=datetime.timedelta(hours=3))
    sign_in("grid1")

    token = _make_link(client, csrf, home)
    answer = client.get("/screen/" + token)

    assert answer.status_code == 200
    page = _text(answer)
    assert home.label in page and "八家庄社区" in page and "0311-86000000" in page
    headings = re.findall(r"<h3>(.*?)</h3>", page)
    assert [re.sub(r"<[^>]+>", "", h) for h in headings] == ["紧急今晚停电检修", "停水通知", "垃圾分类宣传周"]
    assert "20:00至23:00，电梯停运" in page and "只发给别的楼的通知" not in page
    assert "楼长老王" in page and "13900000031" in page           # the door plate's published phone
    assert "网格员一" in page and "13900000021" in page
    assert RESIDENT_PHONE not in page and resident.nickname not in page
    assert '<meta http-equiv="refresh" content="60">' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert answer.headers["Cache-Control"] == "no-store"
    # The console's policy holds on the public page too: no inline code to allow.
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"] and "<script" not in page
    link = ScreenLink.get(ScreenLink.building == home)
    assert link.last_seen_at is not None and link.place == "1单元大堂" and token not in link.token_hash


def test_a_revoked_or_unknown_token_is_the_same_plain_404(client, console):
    # The mistakes: a revoked link that still shows the lobby's notices (a screen carried off,
    # a link posted in a group chat), and an answer that tells a guessed token from a revoked one.
    sign_in, csrf = console
    home, _ = _buildings()
    sign_in("tianbing")
    token = _make_link(client, csrf, home)
    assert client.get("/screen/" + token).status_code == 200
    link = ScreenLink.get(ScreenLink.building == home)
    assert "…%s" % link.hint in _text(client.get("/console/screens"))

    assert _post(client, csrf, "/console/screens/%d/revoke" % link.id).status_code == 303

    revoked = client.get("/screen/" + token)
    guessed = client.get("/screen/" + token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert revoked.status_code == guessed.status_code == 404
    assert _text(revoked) == _text(guessed) and "链接无效" in _text(revoked)
    assert home.label not in _text(revoked)
    assert revoked.headers["Referrer-Policy"] == "no-referrer" and "noindex" in revoked.headers["X-Robots-Tag"]
    assert client.get("/screen/" + "x" * 300).status_code == 404
    assert ScreenLink.get_by_id(link.id).revoked_by_id == Staff.get(Staff.username == "tianbing").id
    assert 'id="link-%d"' % link.id not in _text(client.get("/console/screens"))       # no longer listed


def test_who_may_make_and_revoke_screen_links(client, console):
    # The attacks: an editor or a building leader (no screen role) making a link; a grid worker
    # making or revoking one for a building outside their grid, by posting its id.
    sign_in, csrf = console
    home, elsewhere = _buildings()
    sign_in("editor")
    assert client.get("/console/screens").status_code == 403
    assert _post(client, csrf, "/console/screens", building_id=home.id).status_code == 403
    sign_in("louzhang1")
    assert _post(client, csrf, "/console/screens", building_id=home.id).status_code == 403
    sign_in("grid1")
    page = _text(client.get("/console/screens"))
    assert home.label in page and elsewhere.label not in page       # the chooser offers only their grid
    assert _post(client, csrf, "/console/screens", building_id=elsewhere.id).status_code == 403
    assert ScreenLink.select().count() == 0
    sign_in("grid4")
    theirs = _make_link(client, csrf, elsewhere)
    link = ScreenLink.get(ScreenLink.building == elsewhere)
    sign_in("grid1")
    assert _post(client, csrf, "/console/screens/%d/revoke" % link.id).status_code == 403
    assert ScreenLink.get_by_id(link.id).revoked_at is None
    assert client.get("/screen/" + theirs).status_code == 200
    assert _post(client, csrf, "/console/screens", building_id=999999).status_code == 404


def test_another_communitys_building_is_not_found_and_nothing_is_made(client, console):
    from community.demo import seed_second_community
    sign_in, csrf = console
    seed_second_community()
    theirs = Building.select().join(Community).where(Community.code == "guangximen").first()
    sign_in("tianbing")
    assert _post(client, csrf, "/console/screens", building_id=theirs.id).status_code == 404
    answer = _post(client, csrf, "/console/screens", building_id=_buildings()[0].id, place="长" * 51)
    assert answer.status_code == 303 and ScreenLink.select().count() == 0     # refused with the reason shown
    assert "位置说明不超过50个字" in _text(client.get("/console/screens"))


def test_the_screen_follows_the_building_being_taken_out_of_use(client, database):
    # A building no longer in use (demolished, merged) shows nothing, even through a live link.
    from community.demo import seed_demo
    seed_demo()
    home, _ = _buildings()
    link, token = screens.create_link(Staff.get(Staff.username == "tianbing"), _bajiazhuang().id, home.id)
    assert client.get("/screen/" + token).status_code == 200
    Building.update(active=False).where(Building.id == home.id).execute()
    assert client.get("/screen/" + token).status_code == 404


# -- the printed sheet ----------------------------------------------------------------------------------
def test_an_article_notice_prints_with_its_qr_code_estate_building_and_the_communitys_phone(client, console):
    sign_in, csrf = console
    home, _ = _buildings()
    sign_in("tianbing")
    assert _post(client, csrf, "/console/community/phone", phone="0311-86000000").status_code == 303
    notice = _sent(article=_article(), building=home, urgent=True)
    sign_in("editor")
    assert "/console/notices/%d/print" % notice.id in _text(client.get("/console/articles"))

    answer = client.get("/console/notices/%d/print" % notice.id)

    assert answer.status_code == 200
    page = _text(answer)
    assert len(re.findall(r'<section class="sheet"', page)) == 1            # the notice went to one building
    assert "丰泽园小区" in page and home.name in page and "紧急通知" in page
    assert "停水通知" in page and "周五8:00至12:00停水，请提前储水" in page
    assert "社区电话：0311-86000000" in page and local(notice.send_at).strftime("%Y年%m月%d日") in page
    svg = re.search(r'<svg viewBox="0 0 (\d+) \1" class="qr">.*?</svg>', page, re.S)
    assert svg is not None and 'd="M4 4.5h7' in svg.group(0)      # a finder pattern behind its quiet zone
    assert "<script" not in svg.group(0) and "style=" not in page    # nothing the console's CSP would refuse
    assert 'href="/console/static/sheet.css"' in page


def test_a_text_notice_to_everyone_prints_one_sheet_per_building_or_the_one_chosen(client, console):
    sign_in, _ = console
    home, elsewhere = _buildings()
    Community.update(phone="").where(Community.id == _bajiazhuang().id).execute()   # a community yet to set it
    notice = _sent("明天8点到12点停水\n请提前储水")
    sign_in("editor")
    every = _text(client.get("/console/notices/%d/print" % notice.id))
    count = Building.select().where((Building.community == _bajiazhuang()) & (Building.active == True)).count()  # noqa: E712
    assert len(re.findall(r'<section class="sheet"', every)) == count == 39
    assert 'class="qr"' not in every                                # a text has no article to open
    one = _text(client.get("/console/notices/%d/print?building=%d" % (notice.id, elsewhere.id)))
    assert re.findall(r'<section class="sheet" id="sheet-(\d+)"', one) == [str(elsewhere.id)]
    assert "明天8点到12点停水" in one and "请提前储水" in one and "社区电话未设置" in one


def test_a_sheet_for_a_building_the_notice_did_not_reach_or_another_communitys_notice_is_404(client, console):
    # The mistakes: printing building 6's water cut for building 1's door, and reading another
    # community's notice by its id; and a role that does not handle notices.
    from community.demo import seed_second_community
    sign_in, _ = console
    home, elsewhere = _buildings()
    notice = _sent("本楼电梯检修", building=home)
    seed_second_community()
    beijing = Community.get(Community.code == "guangximen")
    theirs = Notice.create(community=beijing, text="北里通知", state="sent", client_msg_id=uuid.uuid4().hex)
    sign_in("editor")
    assert client.get("/console/notices/%d/print?building=%d" % (notice.id, elsewhere.id)).status_code == 404
    assert client.get("/console/notices/%d/print" % theirs.id).status_code == 404
    assert client.get("/console/notices/%d/print?building=abc" % notice.id).status_code == 400
    sign_in("grid1")
    assert client.get("/console/notices/%d/print" % notice.id).status_code == 403


def test_the_community_phone_takes_only_a_phone(client, console):
    sign_in, csrf = console
    sign_in("tianbing")
    before = _bajiazhuang().phone
    assert _post(client, csrf, "/console/community/phone", phone="<b>call</b>").status_code == 303
    assert _bajiazhuang().phone == before
    assert "电话只能含数字" in _text(client.get("/console/community"))
    sign_in("grid1")
    assert _post(client, csrf, "/console/community/phone", phone="110").status_code == 403
    assert _bajiazhuang().phone == before
