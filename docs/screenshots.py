"""The README's console screenshots: the demo community with a month of cases, through gunicorn
and Debian's Chromium. Needs a CJK font for the Chinese (Debian: fonts-wqy-zenhei).

    .venv/bin/python docs/screenshots.py        # writes docs/console-dashboard.png, docs/console-case.png
"""
import datetime
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.serving import wait_for

ROOT = Path(__file__).resolve().parent.parent
PORT = 8799


def main():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(LINLI_DATA_DIR=tempfile.mkdtemp(prefix="linli-shots-"), SECRET_KEY="screenshots-secret-key-0123456789",
               CONSOLE_COOKIE_SECURE="0", LOG_LEVEL="WARNING", WEB_CONCURRENCY="2", LINLI_BIND="127.0.0.1:%d" % PORT)
    number = _prepare(env)
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                            "wsgi:create_app()"],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(PORT)
        _shoot("http://127.0.0.1:%d" % PORT, number)
    finally:
        web.terminate()
        web.wait(timeout=20)


def _prepare(env):
    """A month of cases across the grids, some handled, some rated; follower figures."""
    from cases import intake
    from cases import workflow
    from community.demo import seed_demo
    from linli.config import Settings
    from models.community import Building
    from models.content import FollowerDailyStat
    from models.db import connected
    from models.db import upgrade
    from models.db import utcnow
    from models.people import Resident
    from models.people import Staff
    from wsgi import create_app
    app = create_app(Settings.from_env(env))
    texts = ["楼道灯不亮", "消防通道被电动车占用", "单元门禁坏了", "楼下垃圾桶满了没人清", "电梯异响", "暖气不热",
             "小区门口路面塌陷", "楼上漏水", "违规饲养大型犬", "路灯不亮"]
    with app.app_context(), connected():
        upgrade()
        seed_demo()
        buildings = list(Building.select().order_by(Building.id))
        now = utcnow()
        first = None
        for n in range(24):
            building = buildings[(n * 7) % len(buildings)]
            resident = Resident.create(oa_openid="o-shot-%d" % n, community=building.community_id,
                                       building=building, address_state="confirmed", nickname="居民%d" % n)
            case = intake.submit(resident, "miniprogram", texts[n % len(texts)],
                                 now=now - datetime.timedelta(hours=30 - n))
            owner = Staff.get_by_id(case.assignee_id) if case.assignee_id else None
            if owner and n % 3 != 0:
                workflow.accept(case, owner, "收到，马上安排处理", now=now - datetime.timedelta(hours=29 - n))
                if n % 2 == 0:
                    workflow.resolve(case, owner, "已处理完毕", now=now - datetime.timedelta(hours=28 - n))
                    workflow.confirm(case, resident, now=now - datetime.timedelta(hours=27 - n))
                    workflow.rate(case, resident, 5 if n % 4 else 3, now=now - datetime.timedelta(hours=26 - n))
            if n == 1:
                first = case.number
        for day in range(30):
            FollowerDailyStat.create(ref_date=datetime.date.today() - datetime.timedelta(days=30 - day),
                                     total=26500 + day * 50 + (day % 7) * 20)
    return first


def _shoot(url, number):
    from playwright.sync_api import sync_playwright

    from community.demo import DEMO_PASSWORD
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
        page.goto(url + "/console/login")
        page.fill("input[name=username]", "tianbing")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/console/")
        page.screenshot(path=str(ROOT / "docs" / "console-dashboard.png"), full_page=True)
        page.goto(url + "/console/cases/" + number)
        page.screenshot(path=str(ROOT / "docs" / "console-case.png"), full_page=True)
        browser.close()
    print("saved docs/console-dashboard.png and docs/console-case.png")


if __name__ == "__main__":
    main()
