"""Who can be reached on WeChat, per household of a scope (the community, an estate, a building,
a unit or a grid).

A household is reachable when one of its members, a resident whose confirmed address is that
room, follows the official account or has signed in to the mini-program: a notice reaches the
first by the mass send (a building's or grid's tag follows the confirmed address), the second on
the mini-program's notices. Anyone else, and every household with no member at all, must be told
at the door.

One query for a whole scope, whatever its size: the households with an EXISTS over their members,
never a query per household (a community of 3,312 households in a few milliseconds).
"""
import dataclasses

from peewee import fn

from linli.errors import LinliError
from models.community import Building
from models.community import Estate
from models.community import Grid
from models.community import Unit
from models.content import WeChatTag
from models.households import Household
from models.people import Resident
from models.rounds import SCOPES

PLACES = {"estate": Estate, "building": Building, "grid": Grid}


@dataclasses.dataclass(frozen=True)
class Scope:
    community_id: int
    kind: str = "community"
    place_id: int | None = None

    def where(self):
        """The condition on Household ⋈ Unit ⋈ Building that keeps the scope's households."""
        inside = Building.community == self.community_id
        column = {"estate": Building.estate, "building": Building.id, "unit": Unit.id, "grid": Building.grid}
        if self.kind != "community":
            inside &= column[self.kind] == self.place_id
        return inside


def scope(community_id, kind="community", place_id=None):
    """A scope checked to lie in the community: another community's place is refused (404), as
    a notice to it would be."""
    if kind not in SCOPES:
        raise LinliError("bad_scope", "范围应为 %s 之一" % "、".join(SCOPES))
    if kind == "community":
        return Scope(community_id)
    if not isinstance(place_id, int) or isinstance(place_id, bool):
        raise LinliError("bad_scope", "请选择范围内的具体位置")
    if kind == "unit":
        found = Unit.select().join(Building).where((Unit.id == place_id)
                                                   & (Building.community == community_id)).exists()
    else:
        model = PLACES[kind]
        found = model.select().where((model.id == place_id) & (model.community == community_id)).exists()
    if not found:
        raise LinliError("bad_scope", "范围不存在", 404)
    return Scope(community_id, kind, place_id)


def scope_of_notice(notice):
    """A notice's followers as a scope: its grid's or building's tag, else the whole community."""
    if notice.tag_id:
        tag = WeChatTag.get_by_id(notice.tag_id)
        if tag.building_id:
            return Scope(notice.community_id, "building", tag.building_id)
        return Scope(notice.community_id, "grid", tag.grid_id)
    return Scope(notice.community_id)


def scope_of(item):
    """The scope of anything placed as proposals and consultations are (scope + estate/building/
    unit)."""
    place = {"community": None, "estate": item.estate_id, "building": item.building_id, "unit": item.unit_id}
    return Scope(item.community_id, item.scope, place[item.scope])


def _members_reachable():
    return (Resident.select(Resident.id)
            .where((Resident.household == Household.id) & (Resident.address_state == "confirmed")
                   & ((Resident.subscribed == True) | Resident.mp_openid.is_null(False))))  # noqa: E712


def households(where_scope):
    """[(household id, unit id, building id, grid id or None, reachable)] of the scope, in door
    order (building, unit, household)."""
    query = (Household.select(Household.id, Unit.id, Building.id, Building.grid,
                              fn.EXISTS(_members_reachable()))
             .join(Unit).join(Building).where(where_scope.where())
             .order_by(Building.id, Unit.id, Household.id))
    return [(hid, uid, bid, gid, bool(ok)) for hid, uid, bid, gid, ok in query.tuples()]


def counts(where_scope):
    """(households, reachable) of the scope, counted in the database."""
    reachable = fn.SUM(fn.EXISTS(_members_reachable()).cast("integer"))
    total, reached = (Household.select(fn.COUNT(Household.id), reachable)
                      .join(Unit).join(Building).where(where_scope.where()).tuples().get())
    return total, int(reached or 0)
