"""The first load of a community's households from a spreadsheet (CSV, as Excel saves it).

    estate,building,unit,room,floor_area,occupancy
    丰泽园小区,1号楼,1单元,101,89.50,业主

Every row is checked and reported with its line number: what it would do (create, update,
unchanged) or its exact problem. Nothing is written on a dry run, nor when any row has a problem:
the load is all or nothing, in one transaction. A blank area or occupancy is "not given": a new
household has none (unknown), an existing one keeps what it has.
"""
import csv
import dataclasses
import io

from peewee import JOIN
from peewee import IntegrityError

from community.households import HouseholdError
from community.households import can_keep
from community.households import link_residents
from community.households import parse_area
from community.households import parse_occupancy
from community.households import parse_room
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Estate
from models.community import Unit
from models.db import db
from models.db import utcnow
from models.households import Household
from models.people import RoleAssignment

REQUIRED = ("estate", "building", "unit", "room")
COLUMNS = REQUIRED + ("floor_area", "occupancy")
MAX_ROWS = 20_000
BATCH = 500


@dataclasses.dataclass
class Row:
    line: int
    place: str
    action: str = ""          # create | update | unchanged, when the row is good
    problem: str = ""         # a code, when it is not
    message: str = ""


@dataclasses.dataclass
class ImportReport:
    rows: list
    applied: bool = False
    problem: str = ""         # the whole file's (missing columns), when it has one
    message: str = ""

    @property
    def ok(self):
        return not self.problem and not any(r.problem for r in self.rows)

    def counts(self):
        counted = {"create": 0, "update": 0, "unchanged": 0, "bad": 0}
        for row in self.rows:
            counted["bad" if row.problem else row.action] += 1
        return counted


def csv_text(raw):
    """A file's bytes as text: UTF-8, with or without Excel's byte-order mark. Excel's plain
    "CSV" on a Chinese Windows is GBK; it is refused by name rather than guessed at."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HouseholdError("not_utf8", "文件不是 UTF-8 编码：请在 Excel 中另存为「CSV UTF-8（逗号分隔）」") from None


def template_csv(community_id):
    """A file to start from: the header and one example row naming one of the community's own
    units, with Excel's byte-order mark so it opens in Chinese."""
    unit = (Unit.select(Unit, Building, Estate).join(Building).join(Estate, JOIN.LEFT_OUTER)
            .where(Building.community == community_id).order_by(Building.id, Unit.id).first())
    place = ((unit.building.estate.name if unit.building.estate_id else "", unit.building.name, unit.name)
             if unit else ("丰泽园小区", "1号楼", "1单元"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(place + ("101", "89.50", "业主"))
    return "\ufeff" + out.getvalue()


def import_households(community_id, csv_text, staff, dry_run=True):
    """Check every row of `csv_text` against community `community_id`; unless `dry_run`, write
    them all if every row is good. `staff` None is the operator at the command line; staff may
    load only the units they keep (community.households.can_keep)."""
    if staff is not None and not _keeps_any(staff, community_id):
        raise PermissionDenied("not_your_community", "您无权管理该社区的住户")
    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            return ImportReport([], problem="missing_columns",
                                message="第1行缺少列：%s（应有 %s）" % (", ".join(missing), ",".join(COLUMNS)))
        with db.atomic():
            report, writes = _check(community_id, reader, header, staff)
            if report.ok and not dry_run:
                _write(writes)
                report.applied = True
    except csv.Error as exc:
        return ImportReport([], problem="bad_csv", message="第%d行无法按 CSV 读取：%s" % (reader.line_num, exc))
    return report


def _keeps_any(staff, community_id):
    return staff.active and RoleAssignment.select().where(
        (RoleAssignment.staff == staff) & (RoleAssignment.community == community_id)
        & RoleAssignment.role.in_(["secretary", "admin", "grid_worker", "unit_leader"])).exists()


def _check(community_id, reader, header, staff):
    places = _places(community_id)
    existing = {(h.unit_id, h.room): h for h in Household.select().join(Unit).join(Building)
                .where(Building.community == community_id)}
    report, writes, seen, kept = ImportReport([]), [], {}, {}
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue                # Excel's trailing empty lines
        if len(report.rows) >= MAX_ROWS:
            report.problem, report.message = "too_many_rows", "一次最多导入 %d 行" % MAX_ROWS
            break
        values = dict(zip(header, (c.strip() for c in cells), strict=False))   # short rows: blanks
        row = Row(reader.line_num, " ".join(values.get(c, "") for c in REQUIRED if values.get(c)))
        report.rows.append(row)
        try:
            if len(cells) > len(header):
                raise HouseholdError("extra_cells", "本行的列数多于表头（%d > %d）" % (len(cells), len(header)))
            unit = _unit(places, values)
            if staff is not None:
                if unit.id not in kept:
                    kept[unit.id] = can_keep(staff, unit)
                if not kept[unit.id]:
                    raise HouseholdError("not_your_unit", "您无权管理该单元的住户")
            room = parse_room(values.get("room"))
            area = parse_area(values.get("floor_area"))
            occupancy = parse_occupancy(values.get("occupancy"))
            if (unit.id, room) in seen:
                raise HouseholdError("duplicate_room", "与第%d行重复（同一单元同一门牌号）" % seen[unit.id, room])
            seen[unit.id, room] = row.line
        except HouseholdError as exc:
            row.problem, row.message = exc.code, exc.message
            continue
        found = existing.get((unit.id, room))
        if found is None:
            row.action = "create"
            writes.append(("create", dict(unit=unit.id, room=room, floor_area_dm2=area,
                                          occupancy=occupancy or "unknown")))
            continue
        changes = {k: v for k, v in (("floor_area_dm2", area), ("occupancy", occupancy))
                   if v is not None and getattr(found, k) != v}
        row.action = "update" if changes else "unchanged"
        if changes:
            writes.append(("update", dict(id=found.id, **changes)))
    return report, writes


def _places(community_id):
    """{(estate name, building name): building} and {(building id, unit name): unit}, in two queries."""
    buildings = {(b.estate.name if b.estate_id else "", b.name): b
                 for b in Building.listed(community_id)}
    units = {(u.building_id, u.name): u for u in Unit.select().join(Building)
             .where(Building.community == community_id)}
    estates = {e.name for e in Estate.select().where(Estate.community == community_id)}
    return buildings, units, estates


def _unit(places, values):
    buildings, units, estates = places
    estate, building_name, unit_name = values.get("estate", ""), values.get("building", ""), values.get("unit", "")
    if estate and estate not in estates:
        raise HouseholdError("unknown_estate", "社区中没有小区：%s" % estate)
    building = buildings.get((estate, building_name))
    if building is None:
        raise HouseholdError("unknown_building", "%s中没有楼栋：%s" % (estate or "社区", building_name or "（空）"))
    unit = units.get((building.id, unit_name))
    if unit is None:
        raise HouseholdError("unknown_unit", "%s没有单元：%s" % (building.label, unit_name or "（空）"))
    unit.building = building
    return unit


def _write(writes):
    now = utcnow()
    created = [dict(fields, created_at=now, updated_at=now) for kind, fields in writes if kind == "create"]
    try:
        for start in range(0, len(created), BATCH):
            Household.insert_many(created[start:start + BATCH]).execute()
    except IntegrityError:
        # Another keeper added one of these rooms after the check: nothing of this load stays.
        raise HouseholdError("changed_meanwhile", "导入期间住户已被他人修改，请重新检查后再导入", 409) from None
    for kind, fields in writes:
        if kind == "update":
            household_id = fields.pop("id")
            Household.update(updated_at=now, **fields).where(Household.id == household_id).execute()
    link_residents({fields["unit"] for kind, fields in writes if kind == "create"})
