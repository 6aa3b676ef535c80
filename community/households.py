"""Households (户) of a unit, kept by the community's staff and by the unit's own leader.

Who keeps a unit's households: the community's secretary or admin, the worker of the building's
grid, and the leader of that unit (单元长) only; anyone else is refused (PermissionDenied). A
member's phone is shown in full only to the staff of the place (secretary, admin, the grid's
worker), masked (138****0000) to the unit leader, a neighbour.

A household's members are the residents whose address is its room (Resident.household) and
confirmed; its representative (户代表) must be one of them.
"""
from decimal import Decimal
from decimal import InvalidOperation

from peewee import JOIN
from peewee import IntegrityError

from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Estate
from models.community import Unit
from models.db import INT_MAX
from models.db import db
from models.db import utcnow
from models.households import Household
from models.households import to_dm2
from models.people import Resident
from models.people import RoleAssignment

# The roles of the community who keep every unit's households and see members' phones in full.
COMMUNITY_KEEPERS = ("secretary", "admin")
# No room is larger: an area beyond it is a typo (8950 for 89.50), not a flat.
MAX_AREA = Decimal("10000")
MAX_ROOM = 20
# What a spreadsheet may write for occupancy: the codes, or the words staff use.
OCCUPANCY_WORDS = {"owner": "owner", "业主": "owner", "自住": "owner",
                   "tenant": "tenant", "租户": "tenant", "出租": "tenant",
                   "unknown": "unknown", "未知": "unknown"}
UNCHANGED = object()


class HouseholdError(LinliError):
    status = 422


# -- values, as a form or a CSV row gives them -----------------------------------------------------
def parse_room(text):
    room = (text or "").strip()
    if not room:
        raise HouseholdError("bad_room", "门牌号不能为空")
    if len(room) > MAX_ROOM:
        raise HouseholdError("bad_room", "门牌号不超过%d个字符：%s" % (MAX_ROOM, room))
    return room


def parse_area(value):
    """m² with at most two decimals, more than 0 and at most MAX_AREA, as whole hundredths;
    None for a blank (not known)."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    try:
        area = Decimal(text)
        if not area.is_finite() or not 0 < area <= MAX_AREA:
            raise ValueError(text)
        return to_dm2(area)
    except (InvalidOperation, ValueError):
        raise HouseholdError("bad_area", "面积应为大于0、不超过%s的平方米数，最多两位小数：%s"
                             % (MAX_AREA, text)) from None


def parse_occupancy(value, blank=None):
    text = (value or "").strip()
    if not text:
        return blank
    occupancy = OCCUPANCY_WORDS.get(text.lower())
    if occupancy is None:
        raise HouseholdError("bad_occupancy", "居住情况应为 业主/owner、租户/tenant 或 未知/unknown：%s" % text)
    return occupancy


def mask_phone(phone):
    """13800000000 → 138****0000; a short number shows nothing."""
    phone = phone or ""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


# -- who keeps them ----------------------------------------------------------------------------------
def _roles_over(staff, building, unit_id, roles_for_community):
    scope = (RoleAssignment.community == building.community_id) & RoleAssignment.role.in_(roles_for_community)
    if building.grid_id:
        scope |= (RoleAssignment.grid == building.grid_id) & (RoleAssignment.role == "grid_worker")
    if unit_id is not None:
        scope |= (RoleAssignment.unit == unit_id) & (RoleAssignment.role == "unit_leader")
    return RoleAssignment.select().where((RoleAssignment.staff == staff) & scope)


def can_keep(staff, unit):
    """Whether `staff` keeps `unit`'s households (see the module's docstring)."""
    if staff is None or not staff.active:
        return False
    return _roles_over(staff, unit.building, unit.id, COMMUNITY_KEEPERS).exists()


def sees_phones(staff, unit):
    """Whether `staff` sees members' phones in full: staff of the place, not the unit's leader."""
    if staff is None or not staff.active:
        return False
    return _roles_over(staff, unit.building, None, COMMUNITY_KEEPERS).exists()


def kept_units(staff, community_id):
    """The units of community `community_id` whose households `staff` keeps (can_keep), with
    their buildings and estates, in one query: every unit for the community's keepers, the
    grid's for its worker, their own for a unit leader."""
    if staff is None or not staff.active:
        return []
    mine = RoleAssignment.staff == staff
    communities = RoleAssignment.select(RoleAssignment.community).where(
        mine & RoleAssignment.role.in_(COMMUNITY_KEEPERS))
    grids = RoleAssignment.select(RoleAssignment.grid).where(mine & (RoleAssignment.role == "grid_worker"))
    units = RoleAssignment.select(RoleAssignment.unit).where(mine & (RoleAssignment.role == "unit_leader"))
    return list(Unit.select(Unit, Building, Estate).join(Building).join(Estate, JOIN.LEFT_OUTER)
                .where((Building.community == community_id)
                       & (Building.community.in_(communities) | Building.grid.in_(grids) | Unit.id.in_(units)))
                .order_by(Building.id, Unit.id))


def kept_unit(staff, unit_id):
    """The unit `unit_id` for `staff` to keep: 404 when unknown, PermissionDenied when not theirs."""
    unit = (Unit.select(Unit, Building).join(Building).where(Unit.id == unit_id).first()
            if _an_id(unit_id) else None)
    if unit is None:
        raise HouseholdError("not_found", "单元不存在", 404)
    if not can_keep(staff, unit):
        raise PermissionDenied("not_your_unit", "您无权管理该单元的住户")
    return unit


def kept_household(staff, household_id):
    household = Household.get_or_none(Household.id == household_id) if _an_id(household_id) else None
    if household is None:
        raise HouseholdError("not_found", "住户不存在", 404)
    kept_unit(staff, household.unit_id)
    return household


def _an_id(value):
    # An id past 32 bits is an error on PostgreSQL, not a row that is missing.
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX


# -- reading ------------------------------------------------------------------------------------------
def room_order(room):
    """101, 102, …, 1001: by length, then the label (rooms are numbered, not named)."""
    return (len(room), room)


def members(household_ids):
    """{household id: [its confirmed residents, by id]}."""
    found = {}
    query = (Resident.select().where(Resident.household.in_(list(household_ids))
                                     & (Resident.address_state == "confirmed")).order_by(Resident.id))
    for resident in query:
        found.setdefault(resident.household_id, []).append(resident)
    return found


def list_households(staff, unit_id):
    """The unit's households with their members, by room: what its keeper sees."""
    unit = kept_unit(staff, unit_id)
    full = sees_phones(staff, unit)
    households = sorted(Household.select().where(Household.unit == unit), key=lambda h: room_order(h.room))
    people = members(h.id for h in households)

    def person(resident):
        return {"id": resident.id, "name": resident.nickname,
                "phone": (resident.phone or "") if full else mask_phone(resident.phone)}

    return [{"id": h.id, "room": h.room,
             "floor_area": str(h.floor_area) if h.floor_area is not None else None,
             "occupancy": h.occupancy, "representative_id": h.representative_id,
             "members": [person(r) for r in people.get(h.id, [])]}
            for h in households]


# -- keeping ------------------------------------------------------------------------------------------
def link_residents(unit_ids):
    """Link residents whose address names a room that now has a household: an address claimed
    before its room was loaded joins it. Two queries, then one UPDATE per resident linked."""
    unit_ids = list(unit_ids)
    waiting = list(Resident.select(Resident.id, Resident.unit, Resident.room)
                   .where(Resident.unit.in_(unit_ids) & Resident.household.is_null() & (Resident.room != "")))
    if not waiting:
        return
    rooms = {(h.unit_id, h.room): h.id for h in Household.select(Household.id, Household.unit, Household.room)
             .where(Household.unit.in_({r.unit_id for r in waiting}))}
    for resident in waiting:
        household_id = rooms.get((resident.unit_id, resident.room))
        if household_id is not None:
            Resident.update(household=household_id).where(Resident.id == resident.id).execute()


def create_household(staff, unit_id, room, floor_area=None, occupancy="unknown"):
    unit = kept_unit(staff, unit_id)
    fields = dict(room=parse_room(room), floor_area_dm2=parse_area(floor_area),
                  occupancy=parse_occupancy(occupancy, blank="unknown"))
    try:
        with db.atomic():
            household = Household.create(unit=unit, **fields)
            link_residents([unit.id])
    except IntegrityError:
        raise HouseholdError("duplicate_room", "该单元已有 %s 室" % fields["room"], 409) from None
    return household


def update_household(staff, household_id, room=UNCHANGED, floor_area=UNCHANGED, occupancy=UNCHANGED):
    """Change what is given; a blank area means not known."""
    household = kept_household(staff, household_id)
    fields = {"updated_at": utcnow()}
    if room is not UNCHANGED:
        fields["room"] = parse_room(room)
    if floor_area is not UNCHANGED:
        fields["floor_area_dm2"] = parse_area(floor_area)
    if occupancy is not UNCHANGED:
        fields["occupancy"] = parse_occupancy(occupancy, blank="unknown")
    try:
        with db.atomic():
            Household.update(**fields).where(Household.id == household.id).execute()
    except IntegrityError:
        raise HouseholdError("duplicate_room", "该单元已有 %s 室" % fields.get("room"), 409) from None
    return Household.get_by_id(household.id)


def set_representative(staff, household_id, resident_id):
    """Make a member the household's representative (None: none). Only a resident whose
    confirmed address is this room can speak for it."""
    household = kept_household(staff, household_id)
    with db.atomic():
        if resident_id is not None:
            member = _an_id(resident_id) and Resident.select().where(
                (Resident.id == resident_id) & (Resident.household == household.id)
                & (Resident.address_state == "confirmed")).exists()
            if not member:
                raise HouseholdError("not_a_member", "户代表须是该户地址已确认的居民")
        (Household.update(representative=resident_id, updated_at=utcnow())
         .where(Household.id == household.id).execute())
    return Household.get_by_id(household.id)

