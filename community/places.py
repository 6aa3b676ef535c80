"""A community's places as a resident chooses among them: estates, their buildings, the buildings'
units and the units' rooms. Public and the same for everyone: names, room labels and ids only,
never a person (nor whether a room has members, its area or who owns it)."""
import hashlib
import json

from community.households import room_order
from linli.errors import LinliError
from models.community import Building
from models.community import Community
from models.community import Estate
from models.community import Unit
from models.households import Household


def communities():
    """Every community, by name: what the mini-program offers before an address is known."""
    return [{"code": c.code, "name": c.name, "district": c.district, "city": c.city}
            for c in Community.select().order_by(Community.name)]


def community_by_code(code):
    """The community of `code`; 404 for an unknown code."""
    found = Community.get_or_none(Community.code == code)
    if found is None:
        raise LinliError("not_found", "社区不存在", 404)
    return found


def structure(code):
    """The community `code` as a tree: estates → buildings → units, in their order of entry.
    Buildings that are no longer in use are left out; a building outside any estate sits under
    an estate of `id` None. 404 for an unknown code."""
    community = community_by_code(code)
    buildings = list(Building.select().where((Building.community == community) & (Building.active == True))  # noqa: E712
                     .order_by(Building.id))
    units = {}
    for unit in Unit.select().where(Unit.building.in_([b.id for b in buildings])).order_by(Unit.id):
        units.setdefault(unit.building_id, []).append({"id": unit.id, "name": unit.name})
    estates = {e.id: {"id": e.id, "name": e.name, "buildings": []}
               for e in Estate.select().where(Estate.community == community).order_by(Estate.id)}
    loose = {"id": None, "name": "其他楼栋", "buildings": []}
    for building in buildings:
        estate = estates.get(building.estate_id, loose)
        estate["buildings"].append({"id": building.id, "name": building.name,
                                    "units": units.get(building.id, [])})
    listed = [e for e in estates.values() if e["buildings"]] + ([loose] if loose["buildings"] else [])
    return {"community": {"code": community.code, "name": community.name}, "estates": listed}


def building_place(building_id):
    """One building with its community, estate and units: what a scanned building QR names."""
    building = Building.get_or_none((Building.id == building_id) & (Building.active == True))  # noqa: E712
    if building is None:
        raise LinliError("not_found", "楼栋不存在", 404)
    community = building.community
    return {"id": building.id, "name": building.name, "label": building.label,
            "estate": building.estate.name if building.estate_id else None,
            "community": {"code": community.code, "name": community.name},
            "units": [{"id": u.id, "name": u.name}
                      for u in Unit.select().where(Unit.building == building).order_by(Unit.id)]}


def unit_rooms(unit_id):
    """A unit with its rooms (its households) in door order, to choose one's own; `rooms` is
    empty where the households were never loaded, and the resident types the room instead.
    404 for an unknown unit or one of a building out of use."""
    unit = (Unit.select(Unit, Building).join(Building)
            .where((Unit.id == unit_id) & (Building.active == True)).first())  # noqa: E712
    if unit is None:
        raise LinliError("not_found", "单元不存在", 404)
    rooms = sorted(Household.select(Household.id, Household.room).where(Household.unit == unit),
                   key=lambda h: room_order(h.room))
    return {"unit": {"id": unit.id, "name": unit.name, "building_id": unit.building_id,
                     "building": unit.building.label},
            "rooms": [{"id": h.id, "room": h.room} for h in rooms]}


def building_of(community_id, building_id):
    """A building of the community, in use or not (its past cases stay its own); 404 for
    another community's or an unknown one."""
    building = Building.get_or_none((Building.id == building_id) & (Building.community == community_id))
    if building is None:
        raise LinliError("not_found", "楼栋不存在", 404)
    return building


# What a building's mini-program code carries: WeChat passes it to the page as `scene` (32
# characters at most), and the page reads the building's id from it and asks /api/mp/buildings/<id>.
SCENE_FORMAT = "b=%d"


def building_code(client, building_id, community_id, page):
    """The PNG of a building's mini-program code, for staff of its community to print; 404 for
    another community's building or one out of use."""
    building = Building.get_or_none((Building.id == building_id) & (Building.community == community_id)
                                    & (Building.active == True))  # noqa: E712
    if building is None:
        raise LinliError("not_found", "楼栋不存在", 404)
    return client.wxa_code(SCENE_FORMAT % building.id, page)


def version(data):
    """A short digest of `data` for an ETag: the client's cached copy is still good while it holds."""
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]
