"""Debian's Chromium, driven by Playwright, and the console signed in through it against gunicorn.
A failing test leaves a screenshot in test-artifacts/."""
import contextlib
import os
import shutil

import pytest

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from tests.support import ROOT
from tests.support.live_server import LiveServer

CHROMIUM = os.environ.get("LINLI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("LINLI_TEST_REQUIRE_BROWSER") == "1"     # CI: missing is a failure
ARTIFACTS = ROOT / "test-artifacts"
# As the machine's notes advise: no background traffic a closed network would refuse.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def chromium():
    """A headless Chromium; the test is skipped (failed, when required) without one."""
    problem = None if os.path.exists(CHROMIUM) else "no Chromium at %s (Debian: apt-get install chromium)" % CHROMIUM
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = problem or "the playwright package is not installed (requirements-dev.txt)"
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail("browser tests required but " + problem)
        pytest.skip("browser tests skipped: " + problem)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def console_site(browser, settings, item):
    """(page, url, sign_in): the demo community served by gunicorn on the test's database, in a
    fresh browser context. `item` is the test: if it failed, its page is saved."""
    seed_demo()
    server = LiveServer(settings, CONSOLE_COOKIE_SECURE="0")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)

    def sign_in(username):
        page.goto(server.url + "/console/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/console/")
    yield page, server.url, sign_in
    failed = getattr(item, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / ("%s.png" % item.name.replace("/", "_"))), full_page=True)
    context.close()
    server.stop()
