"""A demo community modelled on seed 004's 八家庄社区 (长安区, 石家庄): 6 estates, 39 buildings,
about 3,300 households, grids with their workers and staff of every role.

Idempotent: every object is found by its natural key before it is created, so running the seed
again changes nothing and never resets a password someone has changed.
"""
from community.staff import assign_role
from community.staff import create_staff
from community.staff import hash_password
from models.community import Building
from models.community import Community
from models.community import Estate
from models.community import Grid
from models.community import Unit
from models.db import db
from models.merchants import Merchant
from models.merchants import MerchantStaff
from models.people import Resident
from models.people import Staff

DEMO_PASSWORD = "linli-demo-2026"
COMMUNITY = dict(code="bajiazhuang", name="八家庄社区", district="长安区", city="石家庄市",
                 centre_lat=38.0530, centre_lng=114.5260)
# (estate, buildings): 39 buildings in all, as in seed 004. 丰泽园 is named in the seed.
ESTATES = [("丰泽园小区", 7), ("八家庄东区", 7), ("八家庄西区", 7),
           ("百花小区", 6), ("丰收小区", 6), ("建北小区", 6)]
GRIDS = [("G1", "第一网格"), ("G2", "第二网格"), ("G3", "第三网格"), ("G4", "第四网格")]
HOUSEHOLDS_PER_UNIT = 28
# username, name, phone, role, scope ("community", a grid code, or "building:<n>")
STAFF = [
    ("tianbing", "田冰", "13900000001", "secretary", "community"),
    ("admin", "系统管理员", "", "admin", "community"),
    ("editor", "宣传干事", "", "editor", "community"),
    ("wuye", "物业服务中心", "0311-80000000", "property", "community"),
    ("jiedao", "街道网格中心", "0311-80000001", "street_centre", "community"),
    ("cadre1", "片区负责人甲", "13900000011", "area_cadre", "G1"),
    ("cadre1", "片区负责人甲", "13900000011", "area_cadre", "G2"),
    ("cadre2", "片区负责人乙", "13900000012", "area_cadre", "G3"),
    ("cadre2", "片区负责人乙", "13900000012", "area_cadre", "G4"),
    ("grid1", "网格员一", "13900000021", "grid_worker", "G1"),
    ("grid2", "网格员二", "13900000022", "grid_worker", "G2"),
    ("grid3", "网格员三", "13900000023", "grid_worker", "G3"),
    ("grid4", "网格员四", "13900000024", "grid_worker", "G4"),
    ("louzhang1", "楼长老王", "13900000031", "building_leader", "building:1"),
    ("louzhang2", "楼长老李", "13900000032", "building_leader", "building:2"),
    ("danyuan1", "单元长小张", "13900000041", "unit_leader", "unit:1"),
]
RESIDENTS = [
    ("demo-oa-1", "卢兰英", 0, 0, "301"),
    ("demo-oa-2", "居民小陈", 0, 1, "502"),
    ("demo-oa-3", "居民老赵", 8, 0, "101"),
]
MERCHANTS = [("八家庄便民超市", "超市"), ("丰收路理发店", "理发")]

# A second, smaller community (seed 001's 光熙门北里北, 朝阳区, Beijing) so that every boundary
# between communities can be tried: its grid codes repeat the first's on purpose.
SECOND = dict(code="guangximen", name="光熙门北里北社区", district="朝阳区", city="北京市",
              centre_lat=39.9680, centre_lng=116.4360)
SECOND_ESTATES = [("光熙门北里", 4), ("北里北小区", 2)]
SECOND_GRIDS = [("G1", "北里一网格"), ("G2", "北里二网格")]
SECOND_STAFF = [
    ("gx_shuji", "北里书记", "13900000101", "secretary", "community"),
    ("gx_admin", "北里管理员", "", "admin", "community"),
    ("gx_editor", "北里宣传员", "", "editor", "community"),
    ("gx_wuye", "北里物业", "010-80000000", "property", "community"),
    ("gx_jiedao", "左家庄街道网格中心", "010-80000001", "street_centre", "community"),
    ("gx_cadre", "北里片区负责人", "13900000111", "area_cadre", "G1"),
    ("gx_cadre", "北里片区负责人", "13900000111", "area_cadre", "G2"),
    ("gx_grid1", "北里网格员小周", "13900000121", "grid_worker", "G1"),
    ("gx_grid2", "北里网格员小吴", "13900000122", "grid_worker", "G2"),
    ("gx_louzhang", "北里楼长", "13900000131", "building_leader", "building:1"),
]
SECOND_RESIDENTS = [("demo-gx-1", "北里居民老周", 0, 0, "201"), ("demo-gx-2", "北里居民小吴", 4, 0, "602")]
SECOND_MERCHANTS = [("北里早点铺", "餐饮")]


def seed_demo():
    """Create the demo community where missing; returns a summary of what now exists."""
    with db.atomic():
        community, grids, buildings, units = _community(COMMUNITY, GRIDS, ESTATES, STAFF, RESIDENTS, MERCHANTS)
    return {
        "community": community.name,
        "estates": Estate.select().where(Estate.community == community).count(),
        "buildings": len(buildings),
        "units": len(units),
        "grids": len(grids),
        "staff": Staff.select().count(),
        "residents": Resident.select().where(Resident.community == community).count(),
        "merchants": Merchant.select().where(Merchant.community == community).count(),
    }


def seed_second_community():
    """The second demo community (光熙门北里北), where missing; seed_demo() does not create it,
    since a deployment with one community files an address-less resident's case there."""
    with db.atomic():
        community, grids, buildings, _ = _community(SECOND, SECOND_GRIDS, SECOND_ESTATES, SECOND_STAFF,
                                                    SECOND_RESIDENTS, SECOND_MERCHANTS)
    return {"community": community.name, "buildings": len(buildings), "grids": len(grids)}


def _community(fields, grid_names, estates, staff_rows, resident_rows, merchant_rows):
    community, _ = Community.get_or_create(code=fields["code"], defaults=fields)
    grids = [Grid.get_or_create(community=community, code=code, defaults={"name": name})[0]
             for code, name in grid_names]
    buildings = _buildings(community, grids, estates)
    units = [u for b in buildings for u in b.units.order_by(Unit.id)]
    password_hash = None
    for username, name, phone, role, scope in staff_rows:
        staff = Staff.get_or_none(Staff.username == username)
        if staff is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            staff = create_staff(username, name, password_hash, phone=phone, phone_public=bool(phone))
        assign_role(staff, role, _scope(scope, community, grids, buildings, units))
    for openid, nickname, building_index, unit_index, room in resident_rows:
        building = buildings[building_index]
        Resident.get_or_create(oa_openid=openid, defaults=dict(
            nickname=nickname, community=community, building=building,
            unit=building.units.order_by(Unit.id)[unit_index], room=room,
            address_state="confirmed", subscribed=True))
    for name, category in merchant_rows:
        merchant, created = Merchant.get_or_create(
            community=community, name=name, defaults={"category": category, "status": "active"})
        if created:
            MerchantStaff.create(merchant=merchant, name="店主", role="owner")
    return community, grids, buildings, units


def _buildings(community, grids, estates):
    buildings = []
    number = 0
    for estate_name, count in estates:
        estate, _ = Estate.get_or_create(community=community, name=estate_name)
        for n in range(1, count + 1):
            grid = grids[number * len(grids) // sum(c for _, c in estates)]
            number += 1
            building, _ = Building.get_or_create(
                community=community, estate=estate, name="%d号楼" % n,
                defaults={"grid": grid, "qr_scene": "building-%s-%d" % (community.code, number)})
            for u in range(1, 2 + n % 3 + 1):       # 2 to 4 units a building
                Unit.get_or_create(building=building, name="%d单元" % u,
                                   defaults={"households": HOUSEHOLDS_PER_UNIT})
            buildings.append(building)
    return buildings


def _scope(scope, community, grids, buildings, units):
    if scope == "community":
        return community
    kind, _, index = scope.partition(":")
    if kind == "building":
        return buildings[int(index) - 1]
    if kind == "unit":
        return units[int(index) - 1]
    return next(g for g in grids if g.code == scope)


# -- a month of history (kept apart from seed_demo: tests seed the community without it) ---------
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
    import datetime
    import random

    from models.content import ArticleDailyStat
    from models.content import FollowerDailyStat
    from models.db import utcnow
    from models.cases import Case
    from models.workflow import Category

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
            response_hours = dict(zip((g.id for g in grids), HISTORY_RESPONSE_HOURS))
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
    import datetime

    from models.people import Staff as StaffModel
    from cases import intake
    from cases import workflow

    hours = datetime.timedelta(hours=1)
    at = now - datetime.timedelta(days=rng.uniform(0.1, HISTORY_DAYS - 0.5))
    case = intake.submit(resident, "miniprogram", rng.choice(HISTORY_PROBLEMS), category_id=category.id, now=at)
    fate = rng.choices(["closed", "resolved", "rejected", "escalated", "reopened", "open"], [52, 8, 6, 14, 5, 15])[0]

    def actor():
        return StaffModel.get_by_id(case.assignee_id) if case.assignee_id else fallback

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
