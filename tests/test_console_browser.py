"""The console in a real headless Chromium (Debian's, driven by Playwright) against gunicorn on
127.0.0.1 and the WeChat emulator: sign in, handle a case from the queue to resolved, publish an
article, moderate a comment, approve a campaign. A failing test leaves a screenshot in
test-artifacts/."""
import datetime
import re
from pathlib import Path

from PIL import Image

from account import articles
from account import comments
from account import words
from cases import intake
from models.cases import Case
from models.community import Building
from models.content import Article
from models.content import Comment
from models.coupons import Campaign
from models.db import utcnow
from models.merchants import Merchant
from models.people import Resident
from models.people import Staff


def _case_in_grid_one(openid, nickname, text):
    """A resident's case in the first building (grid G1), filed through the mini-program."""
    building = Building.select().order_by(Building.id).first()
    resident = Resident.create(oa_openid=openid, community=building.community_id, building=building,
                               address_state="confirmed", nickname=nickname)
    return intake.submit(resident, "miniprogram", text)


def test_a_grid_worker_takes_a_case_from_the_queue_to_resolved(site):
    page, url, sign_in = site
    case = _case_in_grid_one("o-browser", "王大妈", "11号楼灭火器玻璃碎了")
    sign_in("grid1")
    assert page.inner_text("#my-count") == "1"
    page.click("text=案件")
    page.click("text=" + case.number)
    page.fill("form[action$='/accept'] input[name=note]", "收到，马上安排处理")
    page.click("#act-accept")
    page.wait_for_selector("text=已完成：受理")
    assert page.locator("#act-accept").count() == 0          # accepted: 受理 is no longer offered
    page.fill("#resolve-note", "玻璃已更换，灭火器检查合格")
    page.click("#act-resolve")
    page.wait_for_selector("text=已完成：办结")
    assert "玻璃已更换" in page.inner_text(".timeline")
    assert Case.get_by_id(case.id).state == "resolved"


def test_the_transfer_card_fits_its_box_and_offers_only_others(site):
    # The mistakes: the transfer list's long entries (name and every role) pushed the select
    # and its button out of their card over the next one, and the list offered the case's own
    # assignee, a transfer to themself that only adds noise to the timeline.
    page, url, sign_in = site
    case = _case_in_grid_one("o-transfer", "李叔", "楼道堆放杂物")
    sign_in("grid1")
    page.goto(url + "/console/cases/" + case.number)
    card = page.locator("form[data-action=transfer]")
    box, select = card.bounding_box(), card.locator("select").bounding_box()
    assert select["x"] + select["width"] <= box["x"] + box["width"] + 0.5
    names = card.locator("option").all_inner_texts()
    assert names and not any(n.startswith("网格员一（") for n in names), names


def _luminance(css_color):
    channels = [int(c) / 255 for c in re.findall(r"\d+", css_color)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_signed_in_roles_in_the_header_are_readable(site):
    # The mistake: the roles next to one's name (网格员 · 第一网格) were grey on the red header,
    # a contrast of about 1.4:1, unreadable; WCAG asks 4.5:1 for text.
    page, url, sign_in = site
    sign_in("grid1")
    fg = page.evaluate("getComputedStyle(document.querySelector('#my-roles')).color")
    bg = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    light, dark = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5, (fg, bg)


def test_an_editor_writes_syncs_and_publishes_an_article(site, settings, emulator, tmp_path):
    page, url, sign_in = site
    picture = tmp_path / "cover.png"
    Image.new("RGB", (32, 32), "red").save(picture, "PNG")
    sign_in("editor")
    page.goto(url + "/console/articles/new")
    page.set_input_files("input[name=file]", str(picture))
    page.click("#upload-image")
    cover = re.search(r"!\[图片\]\(/media/(\S+)\)", page.inner_text(".flash")).group(1)
    assert Path(settings.MEDIA_DIR, cover).is_file()
    page.fill("input[name=title]", "6号楼明日停水通知")
    page.click("input[name=cover_path][value='%s'] + img" % cover)      # its thumbnail in the picker
    page.fill("textarea[name=body]", "# 停水通知\n\n因管道维修，**6号楼**明天 9:00–17:00 停水。")
    page.click("#save-article")
    page.wait_for_selector("text=已保存")
    assert Article.get().cover_path == cover
    assert "6号楼" in page.inner_text(".preview strong")
    page.click("#sync-article")
    page.wait_for_selector("text=已同步到微信草稿箱")
    page.click("#publish-article")
    page.wait_for_selector("text=已提交发布")
    assert page.inner_text("#article-state") == "发布中"
    assert len(emulator.calls("cgi-bin/freepublish/submit")) == 1
    assert Article.get().state == "publishing"


def test_an_editor_deletes_a_held_comment(site, emulator):
    page, url, sign_in = site
    editor = Staff.get(Staff.username == "editor")
    article, _ = articles.save(editor, {"title": "停水通知", "body": "明天停水"},
                               community_id=Building.select().first().community_id)
    Article.update(state="published", draft_media_id="d-1",
                   msg_data_id="7001").where(Article.id == article.id).execute()
    emulator.state.comment_open.add((7001, 0))
    emulator.state.comments[(7001, 0)] = [{"user_comment_id": 5, "openid": "o-x", "content": "代开发票加微信",
                                           "create_time": 1, "comment_type": 0, "deleted": False}]
    words.set_words(["代开发票"])
    comments.sync()
    held = Comment.get()
    assert held.state == "held"
    sign_in("editor")
    page.click("text=评论")
    row = page.locator("#comment-%d" % held.id)
    assert "代开发票" in row.inner_text()
    row.locator("button[value=delete]").click()
    page.wait_for_url(url + "/console/comments")
    assert Comment.get_by_id(held.id).state == "deleted" and emulator.state.comments[(7001, 0)][0]["deleted"]


def test_the_secretary_approves_and_launches_a_campaign(site):
    page, url, sign_in = site
    merchant = Merchant.select().order_by(Merchant.id).first()
    Merchant.update(status="active").where(Merchant.id == merchant.id).execute()
    campaign = Campaign.create(merchant=merchant, community=merchant.community_id, title="开业满30减10",
                               kind="cash_off", value_fen=1000, threshold_fen=3000, total_stock=100,
                               claim_starts_at=utcnow(), claim_ends_at=utcnow() + datetime.timedelta(days=7),
                               valid_days=7)
    sign_in("tianbing")
    page.click("text=社区红卡")
    page.click("#approve-%d" % campaign.id)
    page.wait_for_selector("text=活动已更新")
    page.click("#launch-%d" % campaign.id)
    page.wait_for_selector("#campaign-state-%d:has-text('进行中')" % campaign.id)
    assert Campaign.get_by_id(campaign.id).state == "live"


def test_the_secretary_adds_a_grid_worker_who_signs_in_through_the_link(site):
    """No password travels in clear: the secretary adds 王芳 and hands her a one-time link; she
    sets her own password and lands in her role, shown in words."""
    page, url, sign_in = site
    sign_in("tianbing")
    page.click("nav >> text=工作人员")
    add = page.locator("form[action$='/console/staff']")
    add.locator("input[name=username]").fill("wangfang")
    add.locator("input[name=name]").fill("王芳")
    add.locator("select[name=role]").select_option("grid_worker")
    add.locator("select[name=scope]").select_option(label="第二网格")
    add.locator("button").click()
    link = page.input_value("#signin-link")
    assert "/console/welcome/" in link
    newcomer = page.context.browser.new_context(locale="zh-CN").new_page()
    newcomer.goto(link)
    newcomer.fill("input[name=password]", "wangfang-2026")
    newcomer.fill("input[name=confirm]", "wangfang-2026")
    newcomer.click("button[type=submit]")
    newcomer.wait_for_url(url + "/console/")
    assert newcomer.inner_text("#my-roles") == "网格员 · 第二网格"
    newcomer.goto(link)
    assert "链接无效、已使用或已过期" in newcomer.inner_text("main")
    newcomer.context.close()


def test_the_console_works_under_its_content_security_policy(site):
    # The policy forbids inline code; a page that still had some would be broken in the browser
    # (a dead button, lost styling), and Chromium says so on its console. The print button's
    # behaviour comes from console/static/console.js.
    page, url, sign_in = site
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("window.print = function () { window.printed = true; };")
    sign_in("tianbing")
    for path in ("/console/", "/console/cases", "/console/inbox", "/console/articles", "/console/comments",
                 "/console/community", "/console/redcard", "/console/staff", "/console/community/qrcodes"):
        page.goto(url + path)
    page.click("button[data-print]")
    assert page.evaluate("window.printed === true")
    assert refused == []
