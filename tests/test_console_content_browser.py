"""The article list and page in a real Chromium (fixtures from test_console_browser.py): a
published article's link copied with its button. (Picking a cover by its thumbnail is in
test_console_browser.py's editor story.)"""
from account import articles
from models.community import Building
from models.content import Article
from models.people import Staff


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
