"""The article page in a real Chromium (fixtures from test_console_browser.py): a published
article's link copied with its button, and the cover chosen by clicking a thumbnail."""
from PIL import Image

from account import articles
from models.community import Building
from models.content import Article
from models.people import Staff
from tests.test_console_browser import chromium  # noqa: F401  (a fixture)
from tests.test_console_browser import site  # noqa: F401  (a fixture)


def test_an_editor_copies_a_published_articles_link(site):
    # The mistake: the link was stored but nowhere to be seen, let alone copied.
    page, url, sign_in = site
    editor = Staff.get(Staff.username == "editor")
    article, _ = articles.save(editor, {"title": "停水通知", "body": "明天停水"},
                               community_id=Building.select().first().community_id)
    Article.update(state="publishing", publish_id="pub-9").where(Article.id == article.id).execute()
    articles.publish_finished("pub-9", 0, "art-9", ["https://mp.weixin.qq.com/s/art-9"])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    sign_in("editor")
    page.goto(url + "/console/articles")
    page.click("button[data-copy=url-%d]" % article.id)
    page.wait_for_selector("button[data-copy=url-%d]:has-text('已复制')" % article.id)
    assert page.evaluate("navigator.clipboard.readText()") == "https://mp.weixin.qq.com/s/art-9"
    page.goto(url + "/console/articles/%d" % article.id)
    page.focus("#article-url")                    # selects itself, ready for Ctrl+C
    assert page.evaluate("window.getSelection().toString() || document.activeElement.value.substring("
                         "document.activeElement.selectionStart, document.activeElement.selectionEnd)") \
        == "https://mp.weixin.qq.com/s/art-9"


def test_an_editor_picks_a_cover_by_its_thumbnail(site, tmp_path):
    page, url, sign_in = site
    picture = tmp_path / "cover.png"
    Image.new("RGB", (640, 480), "green").save(picture, "PNG")
    sign_in("editor")
    page.goto(url + "/console/articles/new")
    page.set_input_files("input[name=file]", str(picture))
    page.click("#upload-image")
    page.wait_for_selector("text=可在封面中选用")
    page.fill("input[name=title]", "社区义诊")
    page.fill("textarea[name=body]", "周六上午社区义诊")
    page.click("img[alt='封面候选 1']")
    page.click("#save-article")
    page.wait_for_selector("text=已保存")
    cover = Article.get().cover_path
    assert cover.startswith("articles/") and page.is_checked("input[name=cover_path][value='%s']" % cover)
