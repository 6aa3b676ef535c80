"""Households (户) of the demo community 八家庄: a room per unit, kept by the community's staff and
the unit's own leader, loaded from a spreadsheet with a dry run. On both databases."""
from decimal import Decimal

import peewee
import pytest

from community import households
from community.demo import DEMO_HOUSEHOLDS
from community.demo import FLOORS
from community.demo import ROOMS_PER_FLOOR
from community.demo import seed_demo
from community.demo import seed_second_community
from community.household_import import import_households
from community.residents import confirm_address
from community.residents import set_address
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Community
from models.community import Unit
from models.db import db
from models.households import Household
from models.people import Resident
from models.people import Staff

HEADER = "estate,building,unit,room,floor_area,occupancy\n"


def _staff(username):
    return Staff.get(Staff.username == username)


def _units():
    """丰泽园小区 1号楼's 1单元 (danyuan1 leads it; grid G1) and 2单元."""
    building = Building.select().order_by(Building.id).first()
    first, second = building.units.order_by(Unit.id)[:2]
    return first, second


def _room(unit, room):
    return Household.get((Household.unit == unit) & (Household.room == room))


def _count():
    return Household.select().count()


# -- the model and the demo ------------------------------------------------------------------------
def test_the_demo_gives_every_unit_its_rooms_and_links_the_demo_residents(database):
    summary = seed_demo()
    assert summary["households"] == DEMO_HOUSEHOLDS == 3312                  # seed 004's count
    # Each unit's own count says its rows: 28 rooms, 32 in the three 8-storey buildings' units.
    rooms = {u.id: 0 for u in Unit.select()}
    for h in Household.select(Household.unit):
        rooms[h.unit_id] += 1
    assert {u.id: u.households for u in Unit.select()} == rooms
    assert sorted(set(rooms.values())) == [FLOORS * ROOMS_PER_FLOOR, (FLOORS + 1) * ROOMS_PER_FLOOR]
    # Every flat has its area, by its type: the end flats (x01, x04) 三室, the middle ones 两室.
    for h in Household.select():
        end = h.room[-1] in "14"
        low, high = (Decimal("86"), Decimal("118")) if end else (Decimal("56"), Decimal("84"))
        assert h.floor_area is not None and low <= h.floor_area <= high, (h.room, h.floor_area)
    occupancy = {o: Household.select().where(Household.occupancy == o).count() for o in ("owner", "tenant")}
    assert sum(occupancy.values()) == summary["households"] and 0.7 < occupancy["owner"] / sum(occupancy.values()) < 0.9
    lu = Resident.get(Resident.oa_openid == "demo-oa-1")
    assert (lu.household.unit_id, lu.household.room) == (lu.unit_id, "301")
    assert all(r.household_id for r in Resident.select().where(Resident.community == Community.get(code="bajiazhuang")))
    first = {(h.unit_id, h.room, h.floor_area_dm2, h.occupancy) for h in Household.select()}
    seed_demo()
    assert {(h.unit_id, h.room, h.floor_area_dm2, h.occupancy) for h in Household.select()} == first


def test_a_demo_seeded_before_the_8th_floors_gets_them_and_counts_them(database):
    # The mistake it stands for: a demo database of the 28-room days (make run keeps var/linli.db)
    # seeded again, whose tall units would keep saying 28 households while holding 32 rooms.
    seed_demo()
    tall = [u.id for u in Unit.select().where(Unit.households == (FLOORS + 1) * ROOMS_PER_FLOOR)]
    assert len(tall) == 9
    kept = Household.get((Household.unit == tall[0]) & (Household.room == "101"))
    Household.delete().where(Household.unit.in_(tall) & Household.room.startswith("8")).execute()
    Unit.update(households=FLOORS * ROOMS_PER_FLOOR).where(Unit.id.in_(tall)).execute()
    assert seed_demo()["households"] == DEMO_HOUSEHOLDS
    assert {u.households for u in Unit.select().where(Unit.id.in_(tall))} == {(FLOORS + 1) * ROOMS_PER_FLOOR}
    assert Household.get_by_id(kept.id).room == "101"                   # the rooms that were there stay


def test_the_schema_keeps_one_room_per_unit_and_honest_values(database):
    # The mistakes: the same door entered twice, an occupancy outside the list, an area of 0.
    seed_demo()
    unit, _ = _units()
    for fields in (dict(room="101"), dict(room="999", occupancy="landlord"), dict(room="998", floor_area_dm2=0)):
        with pytest.raises(peewee.IntegrityError):
            with db.atomic():
                Household.create(unit=unit, **fields)
    with pytest.raises(households.HouseholdError) as refused:
        households.create_household(_staff("tianbing"), unit.id, " 101 ")
    assert refused.value.code == "duplicate_room"


def test_an_area_is_kept_exactly_to_the_hundredth(database):
    seed_demo()
    unit, _ = _units()
    made = households.create_household(_staff("tianbing"), unit.id, "801", floor_area="89.5", occupancy="业主")
    stored = Household.get_by_id(made.id)
    assert (stored.floor_area_dm2, stored.floor_area, stored.occupancy) == (8950, Decimal("89.50"), "owner")
    for bad in ("89.555", "0", "-5", "八十", "1e9", "nan"):
        # A third decimal, nothing, a negative, words, a typo of magnitude, not a number.
        with pytest.raises(households.HouseholdError) as refused:
            households.update_household(_staff("tianbing"), made.id, floor_area=bad)
        assert refused.value.code == "bad_area", bad
    assert Household.get_by_id(made.id).floor_area_dm2 == 8950


# -- who keeps them ----------------------------------------------------------------------------------
def test_the_unit_leader_keeps_their_own_unit_only(database):
    seed_demo()
    own, other = _units()
    leader = _staff("danyuan1")
    assert len(households.list_households(leader, own.id)) == FLOORS * ROOMS_PER_FLOOR
    assert households.update_household(leader, _room(own, "101").id, floor_area="66.6").floor_area_dm2 == 6660
    # The mistake: a unit leader reaching into the next unit of the same building.
    with pytest.raises(PermissionDenied):
        households.list_households(leader, other.id)
    with pytest.raises(PermissionDenied):
        households.update_household(leader, _room(other, "101").id, floor_area="66.6")
    assert _room(other, "101").floor_area_dm2 != 6660


def test_the_grid_worker_keeps_their_grid_and_the_secretary_the_community(database):
    seed_demo()
    seed_second_community()
    unit, _ = _units()                                    # building 1 is in grid G1
    assert households.list_households(_staff("grid1"), unit.id)
    assert households.list_households(_staff("tianbing"), unit.id)
    # The mistakes: the worker of another grid, staff whose role is not households (the editor,
    # the building leader), and the secretary of another community.
    for username in ("grid2", "editor", "louzhang1", "gx_shuji"):
        with pytest.raises(PermissionDenied):
            households.create_household(_staff(username), unit.id, "901")
    assert not Household.select().where(Household.room == "901").exists()


def test_an_unknown_unit_is_not_found(database):
    seed_demo()
    for unit_id in (999999, 2**40, "1", None):
        with pytest.raises(households.HouseholdError) as refused:
            households.list_households(_staff("tianbing"), unit_id)
        assert refused.value.status == 404


# -- members and the representative ----------------------------------------------------------------
def test_the_representative_must_be_a_confirmed_member(database):
    seed_demo()
    unit, _ = _units()
    household = _room(unit, "301")
    lu = Resident.get(Resident.oa_openid == "demo-oa-1")           # confirmed at 301
    newcomer = set_address(Resident.create(mp_openid="o-new"), unit.building_id, unit.id, "301")
    neighbour = set_address(Resident.create(mp_openid="o-neighbour"), unit.building_id, unit.id, "302")
    confirm_address(_staff("tianbing"), neighbour)
    leader = _staff("danyuan1")
    # The mistakes: an address still waiting for confirmation (anyone can claim any room), a
    # confirmed neighbour from the next door, and a resident id that does not exist.
    for resident_id in (newcomer.id, neighbour.id, 999999, 2**40):
        with pytest.raises(households.HouseholdError) as refused:
            households.set_representative(leader, household.id, resident_id)
        assert refused.value.code == "not_a_member"
    assert Household.get_by_id(household.id).representative_id is None
    assert households.set_representative(leader, household.id, lu.id).representative_id == lu.id
    confirm_address(_staff("tianbing"), newcomer)
    assert households.set_representative(leader, household.id, newcomer.id).representative_id == newcomer.id
    # The representative who claims another address no longer speaks for the room they left.
    set_address(newcomer, unit.building_id, unit.id, "302")
    assert Household.get_by_id(household.id).representative_id is None
    assert households.set_representative(leader, household.id, lu.id).representative_id == lu.id
    assert households.set_representative(leader, household.id, None).representative_id is None


def test_member_phones_are_masked_except_to_staff_of_the_place(database):
    seed_demo()
    unit, _ = _units()
    Resident.update(phone="13812345678").where(Resident.oa_openid == "demo-oa-1").execute()

    def phones(username):
        rows = households.list_households(_staff(username), unit.id)
        return [m["phone"] for h in rows if h["room"] == "301" for m in h["members"]]

    assert phones("danyuan1") == ["138****5678"]          # the unit leader: a neighbour
    assert phones("grid1") == phones("tianbing") == ["13812345678"]


# -- the CSV import -------------------------------------------------------------------------------
def test_a_dry_run_reports_every_bad_row_with_its_line_and_writes_nothing(database):
    seed_demo()
    before = [(h.id, h.floor_area_dm2, h.occupancy, h.updated_at) for h in Household.select().order_by(Household.id)]
    text = "\ufeff" + HEADER + "\n".join([
        "丰泽园小区,1号楼,1单元,801,89.50,业主",         # 2: a new room
        "丰泽园小区,1号楼,1单元,101,66.00,tenant",       # 3: an existing one, changed
        "丰泽园小区,99号楼,1单元,101,70,owner",          # 4: a building that does not exist
        "丰泽园小区,1号楼,9单元,101,70,owner",           # 5: a unit the building does not have
        "无名小区,1号楼,1单元,101,70,owner",             # 6: an estate of another community
        "丰泽园小区,1号楼,1单元,801,90,owner",           # 7: the same door as line 2
        "丰泽园小区,1号楼,1单元,802,八十九,owner",       # 8: an area in words
        "丰泽园小区,1号楼,1单元,803,89.555,owner",       # 9: a third decimal
        "丰泽园小区,1号楼,1单元,804,-3,owner",           # 10: a negative area
        "丰泽园小区,1号楼,1单元,805,80,房东",            # 11: an occupancy outside the list
        "丰泽园小区,1号楼,1单元,,80,owner",              # 12: no room
        "丰泽园小区,1号楼,1单元,806,80,owner,extra",     # 13: a cell beyond the header
        ",,,,,",                                        # 14: Excel's empty line: skipped
    ]) + "\n"
    for dry_run in (True, False):          # with any bad row, --apply writes nothing either
        report = import_households(Community.get(code="bajiazhuang").id, text, None, dry_run=dry_run)
        assert not report.ok and not report.applied
        assert [(r.line, r.action or r.problem) for r in report.rows] == [
            (2, "create"), (3, "update"), (4, "unknown_building"), (5, "unknown_unit"), (6, "unknown_estate"),
            (7, "duplicate_room"), (8, "bad_area"), (9, "bad_area"), (10, "bad_area"), (11, "bad_occupancy"),
            (12, "bad_room"), (13, "extra_cells")]
        assert "第2行" in report.rows[5].message
        assert report.counts() == {"create": 1, "update": 1, "unchanged": 0, "bad": 10}
    after = [(h.id, h.floor_area_dm2, h.occupancy, h.updated_at) for h in Household.select().order_by(Household.id)]
    assert after == before


def test_a_file_without_the_place_columns_is_refused_whole(database):
    # The mistake: a sheet exported with Chinese headings or a column left out.
    seed_demo()
    text = "小区,楼栋,单元,门牌\n丰泽园小区,1号楼,1单元,101\n"
    report = import_households(Community.get(code="bajiazhuang").id, text, None, dry_run=False)
    assert report.problem == "missing_columns" and not report.applied and report.rows == []


def test_a_unit_leader_may_load_only_their_own_unit(database):
    seed_demo()
    community_id = Community.get(code="bajiazhuang").id
    text = HEADER + "丰泽园小区,1号楼,1单元,801,80,owner\n丰泽园小区,1号楼,2单元,801,80,owner\n"
    before = _count()
    report = import_households(community_id, text, _staff("danyuan1"), dry_run=False)
    assert [r.action or r.problem for r in report.rows] == ["create", "not_your_unit"]
    assert not report.applied and _count() == before
    with pytest.raises(PermissionDenied):                      # staff of the other community
        seed_second_community()
        import_households(community_id, text, _staff("gx_shuji"))


def test_the_import_command_checks_then_applies_and_links_waiting_residents(app, database, tmp_path):
    seed_demo()
    unit, _ = _units()
    waiting = set_address(Resident.create(mp_openid="o-waiting"), unit.building_id, unit.id, "801")
    path = tmp_path / "households.csv"
    path.write_bytes(("\ufeff" + HEADER + "丰泽园小区,1号楼,1单元,801,89.50,业主\r\n"
                      "丰泽园小区,1号楼,1单元,101,66.00,tenant\r\n"
                      "丰泽园小区,1号楼,1单元,102,,\r\n").encode("utf-8"))     # as Excel saves "CSV UTF-8"
    runner = app.test_cli_runner()
    before = _count()
    checked = runner.invoke(args=["households", "import", str(path), "--community", "bajiazhuang"])
    assert checked.exit_code == 0, checked.output
    assert "line 2: create 丰泽园小区 1号楼 1单元 801" in checked.output and "dry run:" in checked.output
    assert _count() == before
    applied = runner.invoke(args=["households", "import", str(path), "--community", "bajiazhuang", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "applied: create=1 update=1 unchanged=1 bad=0" in applied.output
    assert _count() == before + 1
    new = _room(unit, "801")
    assert (new.floor_area, new.occupancy) == (Decimal("89.50"), "owner")
    assert (_room(unit, "101").floor_area_dm2, _room(unit, "101").occupancy) == (6600, "tenant")
    assert Resident.get_by_id(waiting.id).household_id == new.id


def test_the_import_command_exits_1_on_a_bad_row_and_on_a_file_not_in_utf8(app, database, tmp_path):
    seed_demo()
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "丰泽园小区,1号楼,1单元,801,89.50,房东\n", encoding="utf-8")
    result = runner.invoke(args=["households", "import", str(bad), "--community", "bajiazhuang", "--apply"])
    assert result.exit_code == 1 and "line 2: ERROR bad_occupancy" in result.output and "NOT applied" in result.output
    # The mistake: a sheet saved by an old Excel in GBK; it must be refused, not read as mojibake.
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + "丰泽园小区,1号楼,1单元,801,89.50,业主\n").encode("gbk"))
    result = runner.invoke(args=["households", "import", str(gbk), "--community", "bajiazhuang", "--apply"])
    assert result.exit_code == 1 and "CSV UTF-8" in result.output
    assert not Household.select().where((Household.unit == _units()[0]) & (Household.room == "801")).exists()
