"""A demo community modelled on 八家庄社区 (长安区, 石家庄): 6 estates, 39 buildings, 117 units
and 3,312 households (seed 004's count), grids with their workers and staff of every role.

Idempotent: every object is found by its natural key before it is created, so running the seed
again changes nothing and never resets a password someone has changed.
"""
import zlib

from community.households import link_residents
from community.staff import assign_role
from community.staff import create_staff
from community.staff import hash_password
from models.community import Building
from models.community import Community
from models.community import Estate
from models.community import Grid
from models.community import Unit
from models.db import db
from models.db import utcnow
from models.households import Household
from models.merchants import Merchant
from models.merchants import MerchantStaff
from models.people import Resident
from models.people import Staff

DEMO_PASSWORD = "linli-demo-2026"
COMMUNITY = dict(code="bajiazhuang", name="八家庄社区", district="长安区", city="石家庄市",
                 centre_lat=38.0530, centre_lng=114.5260, phone="0311-86000000")
# (estate, buildings): 39 buildings in all, as 八家庄 has; 丰泽园 is one of its estates.
ESTATES = [("丰泽园小区", 7), ("八家庄东区", 7), ("八家庄西区", 7),
           ("百花小区", 6), ("丰收小区", 6), ("建北小区", 6)]
GRIDS = [("G1", "第一网格"), ("G2", "第二网格"), ("G3", "第三网格"), ("G4", "第四网格")]
# Each unit's rooms: 7 floors of 4 (101 … 704); the units of three 8-storey buildings (3 units
# each) have an 8th floor (801 … 804) too: 108 × 28 + 9 × 32 = 3,312 households, seed 004's count.
FLOORS, ROOMS_PER_FLOOR = 7, 4
TALL_BUILDINGS = {("百花小区", "4号楼"), ("建北小区", "1号楼"), ("建北小区", "4号楼")}
DEMO_HOUSEHOLDS = 3312
# Room by place on the floor: the end flats (x01, x04) are 三室, the middle ones 两室; their
# exclusive floor areas in dm² (hundredths of m²), from … to, as in a 1990s estate.
AREAS_DM2 = {1: (8600, 11800), 2: (5600, 8400), 3: (5600, 8400), 4: (8600, 11800)}
OCCUPANCY_MIX = ("owner",) * 8 + ("tenant",) * 2       # mostly owners, as in an old estate
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

# A second, smaller community (光熙门北里北, 朝阳区, Beijing) so that every boundary
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
        _households(community, buildings, units)
    return {
        "community": community.name,
        "estates": Estate.select().where(Estate.community == community).count(),
        "buildings": len(buildings),
        "units": len(units),
        "grids": len(grids),
        "staff": Staff.select().count(),
        "residents": Resident.select().where(Resident.community == community).count(),
        "households": Household.select().where(Household.unit.in_([u.id for u in units])).count(),
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
                                   defaults={"households": _floors(estate_name, building.name) * ROOMS_PER_FLOOR})
            buildings.append(building)
    return buildings


def _floors(estate_name, building_name):
    return FLOORS + 1 if (estate_name, building_name) in TALL_BUILDINGS else FLOORS


def _households(community, buildings, units):
    """Every unit's rooms as households, where missing (one query, then inserts in batches), and
    the demo residents linked to theirs. Areas (by the room's type) and occupancy (8 in 10
    owners) follow from the room's place by name, so every database gets the same."""
    estate_names = [name for name, count in ESTATES for _ in range(count)]       # _buildings' order
    floors = {b.id: _floors(estate, b.name) for b, estate in zip(buildings, estate_names, strict=True)}
    mine = Household.select(Household.unit, Household.room).where(Household.unit.in_([u.id for u in units]))
    if mine.count() < sum(floors[u.building_id] for u in units) * ROOMS_PER_FLOOR:     # else seeded: cheap
        have = set(mine.tuples())
        _insert_households(_missing_rooms(community, units, floors, have))
        # A demo seeded before its tall buildings grew an 8th floor: their units' counts follow.
        seeded = {unit_id for unit_id, _ in have}
        for unit in units:
            rooms = floors[unit.building_id] * ROOMS_PER_FLOOR
            if unit.id in seeded and unit.households != rooms:
                Unit.update(households=rooms).where(Unit.id == unit.id).execute()
    link_residents([u.id for u in units])


def _missing_rooms(community, units, floors, have):
    """The rows of the rooms not in `have`, in the database's terms."""
    labels = {b.id: b.label for b in Building.listed(community.id)}
    now = Household.created_at.db_value(utcnow())
    rows = []
    for unit in units:
        for floor in range(1, floors[unit.building_id] + 1):
            for n in range(1, ROOMS_PER_FLOOR + 1):
                room = "%d%02d" % (floor, n)
                if (unit.id, room) in have:
                    continue
                mark = zlib.crc32(("%s/%s/%s" % (labels[unit.building_id], unit.name, room)).encode())
                low, high = AREAS_DM2[n]
                rows.append((unit.id, room, low + mark % (high - low + 1),
                             OCCUPANCY_MIX[(mark >> 16) % len(OCCUPANCY_MIX)], now, now))
    return rows


def _insert_households(rows, batch=500):
    """A plain multi-row INSERT of rows already in the database's terms: peewee's insert_many
    spent 0.4 s building the SQL of 3,276 rows, and the demo is seeded before many tests."""
    columns = ("unit", "room", "floor_area_dm2", "occupancy", "created_at", "updated_at")
    fields = [Household._meta.fields[c] for c in columns]
    head = "INSERT INTO %s (%s) VALUES " % (Household._meta.table_name, ", ".join(f.column_name for f in fields))
    one = "(%s)" % ", ".join([db.param] * len(fields))
    for start in range(0, len(rows), batch):
        part = rows[start:start + batch]
        db.execute_sql(head + ", ".join([one] * len(part)), [value for row in part for value in row])


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
