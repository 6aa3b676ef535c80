"""The demo community's last month: cases, ratings and the account's figures, made through the
workflow itself, so every console page of a fresh demo shows something real."""
import datetime
import random

from cases import intake
from cases import workflow
from community.demo import COMMUNITY
from models.cases import Case
from models.community import Building
from models.community import Community
from models.community import Grid
from models.community import Unit
from models.content import ArticleDailyStat
from models.content import FollowerDailyStat
from models.db import db
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from models.workflow import Category

HISTORY_DAYS = 30
HISTORY_CASES = 90
HISTORY_RESIDENTS = 24
HISTORY_PROBLEMS = ["楼道灯不亮", "下水道堵了，污水外溢", "电梯异响，停在三楼", "垃圾桶满了没人清运",
                    "楼下有车长期占用消防通道", "单元门禁坏了", "二楼楼梯扶手松动", "晚上十点后广场舞噪音大",
                    "小区路面塌陷一块", "暖气不热", "绿化带有积水蚊虫多", "楼顶漏水到六楼"]
# How quickly each grid answers, in hours (first grid quickest): the rates then differ by grid.
HISTORY_RESPONSE_HOURS = [0.5, 1.5, 5.0, 12.0]
HISTORY_ARTICLES = [("社区消防安全检查通知", 900), ("冬季供暖报修指南", 650), ("社区红卡商户上新", 480),
                    ("垃圾分类新规十问十答", 320)]
FOLLOWERS_NOW = 4250


def seed_demo_history(now=None):
    """A month of cases, ratings and account figures for the demo community, made through the
    workflow itself (clocks, events, escalations and ratings as they would happen), so every
    console page shows something real. Idempotent: done once, then left alone. Returns counts."""
    now = now or utcnow()
    rng = random.Random(2026)           # the same month on every machine
    community = Community.get(Community.code == COMMUNITY["code"])
    buildings = list(Building.select().where(Building.community == community).order_by(Building.id))
    with db.atomic():
        residents = []
        for n in range(HISTORY_RESIDENTS):
            building = buildings[(n * 7) % len(buildings)]
            resident, _ = Resident.get_or_create(oa_openid="demo-history-%02d" % (n + 1), defaults=dict(
                nickname="居民%s" % "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"[n],
                community=community, building=building, unit=building.units.order_by(Unit.id)[0],
                room="%d0%d" % (n % 6 + 1, n % 3 + 1), address_state="confirmed"))
            residents.append(resident)
        if not Case.select().where(Case.reporter.in_(residents)).exists():
            categories = list(Category.select().order_by(Category.id))
            fallback = Staff.get(Staff.username == "admin")
            grids = Grid.select().where(Grid.community == community).order_by(Grid.id)
            # Not strict: a grid added after the demo's four gets the default in _history_case.
            response_hours = dict(zip((g.id for g in grids), HISTORY_RESPONSE_HOURS, strict=False))
            for n in range(HISTORY_CASES):
                _history_case(rng, now, residents[n % len(residents)], rng.choice(categories), fallback,
                              response_hours, n)
        for day in range(HISTORY_DAYS):
            ref_date = (now - datetime.timedelta(days=day + 1)).date()
            FollowerDailyStat.get_or_create(ref_date=ref_date, defaults={
                "total": FOLLOWERS_NOW - day * 5 - rng.randint(0, 4)})
            for index, (title, first_day_reads) in enumerate(HISTORY_ARTICLES):
                age = HISTORY_DAYS - day - index * 6       # published a few days apart
                if age > 0:
                    reads = int(first_day_reads * 0.7 ** (age - 1)) + rng.randint(0, 5)
                    ArticleDailyStat.get_or_create(ref_date=ref_date, msgid="demo%d_1" % (index + 1), defaults=dict(
                        title=title, reads=reads, read_users=int(reads * 0.8), shares=reads // 12,
                        share_users=reads // 14))
    return {"cases": Case.select().where(Case.reporter.in_(residents)).count(),
            "follower_days": FollowerDailyStat.select().count()}


def _history_case(rng, now, resident, category, fallback, response_hours, n):
    """One case's life so far: filed some days ago, then each step some hours later, stopping
    at `now` (recent cases are still open) or at its fate (rejected, escalated, reopened...)."""
    hours = datetime.timedelta(hours=1)
    at = now - datetime.timedelta(days=rng.uniform(0.1, HISTORY_DAYS - 0.5))
    case = intake.submit(resident, "miniprogram", rng.choice(HISTORY_PROBLEMS), category_id=category.id, now=at)
    fate = rng.choices(["closed", "resolved", "rejected", "escalated", "reopened", "open"], [52, 8, 6, 14, 5, 15])[0]

    def actor():
        return Staff.get_by_id(case.assignee_id) if case.assignee_id else fallback

    def step(mean_hours):
        nonlocal at
        at = at + hours * rng.uniform(0.3, 1.7) * mean_hours
        return at < now

    if fate == "rejected":
        if step(2):
            workflow.reject(case, actor(), "不属于社区受理范围，已告知居民拨打12345", now=at)
        return
    if fate == "escalated" and step(30):
        workflow.escalate(case, None, "超过响应时限，自动升级", now=at)
    if not step(response_hours.get(case.building.grid_id, 2) if case.building_id else 2):
        return
    workflow.accept(case, actor(), "收到，马上安排处理", now=at)
    if not step(3):
        return
    workflow.start_work(case, actor(), "已联系物业上门查看", now=at)
    if fate == "open" or not step(20):
        return
    workflow.resolve(case, actor(), "已处理完毕，请您确认", now=at)
    if fate == "resolved":
        return                          # waiting for the resident to confirm
    if fate == "reopened":
        if step(12):
            workflow.reopen(case, resident, "还是老样子，没有修好", now=at)
        return
    if not step(10):
        return
    workflow.confirm(case, resident, now=at)
    if n % 3 and step(2):
        score = rng.choices([5, 4, 3, 2], [55, 30, 10, 5])[0]
        workflow.rate(case, resident, score, "处理及时，谢谢" if score >= 4 else "速度有点慢", now=at)
