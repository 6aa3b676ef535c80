"""A building's e-screen (楼宇电子屏, seed 001: notices go "on the blackboard and the building's
e-screen" for those who do not use WeChat): a full-screen page in the lobby with the notices the
building's residents were sent, urgent first, and the building's service board.

The page opens with a read-only link carrying an unguessable token; the staff of the place (the
community's secretary and admin, the worker of the building's grid) make, list and revoke them.
Only the token's SHA-256 is kept, so the full link is shown once, when made; a lost link is
revoked and made anew.

Nothing personal is on the screen: the notices are what the official account sent to the
building (account.feed, the same list its residents read in the mini-program), and the board is
the door plate's (community.board: leaders' names, and only the phones they chose to publish)."""
import dataclasses
import datetime
import hashlib
import secrets

from peewee import JOIN

from account import feed
from community.board import service_board
from linli.clock import local
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Community
from models.community import Estate
from models.db import db
from models.db import utcnow
from models.people import RoleAssignment
from models.screens import ScreenLink

# The roles that keep every building's screens; a grid worker keeps their grid's.
COMMUNITY_KEEPERS = ("secretary", "admin")
SCREEN_ITEMS = 6                  # what fits a 1080-pixel screen in large type
TEXT_CHARS = 120                  # a text notice's lines after its first, as the screen shows them
PLACE_CHARS = 50
TOKEN_BYTES = 24                  # 192 bits: 32 URL-safe characters
# A screen fetches its page every minute; its last sighting is written at most this often.
SEEN_EVERY = datetime.timedelta(minutes=5)


class ScreenError(LinliError):
    status = 422


@dataclasses.dataclass(frozen=True)
class ScreenItem:
    kind: str            # "text" or "article"
    title: str
    text: str
    urgent: bool
    pinned: bool
    at: str              # local time, "11-27 08:00"


@dataclasses.dataclass(frozen=True)
class Screen:
    building: Building
    community: Community
    items: list
    board: list          # community.board.BoardEntry
    shown_at: str


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _kept_by(staff):
    """The condition on Building for the buildings whose screens `staff` keeps."""
    mine = RoleAssignment.staff == staff
    communities = RoleAssignment.select(RoleAssignment.community).where(
        mine & RoleAssignment.role.in_(COMMUNITY_KEEPERS))
    grids = RoleAssignment.select(RoleAssignment.grid).where(mine & (RoleAssignment.role == "grid_worker"))
    return Building.community.in_(communities) | Building.grid.in_(grids)


def kept_buildings(staff, community_id):
    """The community's buildings in use whose screens `staff` keeps, with their estates."""
    if staff is None or not staff.active:
        return []
    return list(Building.listed(community_id).where(_kept_by(staff) & (Building.active == True)))  # noqa: E712


def links(staff, community_id):
    """The links in force to the screens `staff` keeps, newest first."""
    if staff is None or not staff.active:
        return []
    return list(ScreenLink.select(ScreenLink, Building, Estate).join(Building).join(Estate, JOIN.LEFT_OUTER)
                .where((Building.community == community_id) & _kept_by(staff) & ScreenLink.revoked_at.is_null())
                .order_by(ScreenLink.id.desc()))


def _kept_building(staff, community_id, building_id):
    building = Building.get_or_none((Building.id == building_id) & (Building.community == community_id))
    if building is None:
        raise ScreenError("not_found", "楼栋不存在", 404)        # another community's is not revealed
    if staff is None or not staff.active or not Building.select().where(
            (Building.id == building.id) & _kept_by(staff)).exists():
        raise PermissionDenied("forbidden", "只有社区书记、管理员和本楼所在网格的网格员可以管理该楼的电子屏")
    return building


def create_link(staff, community_id, building_id, place="", now=None):
    """A new link to a building's screen: (the link, its token). The token is in no other place:
    the caller shows it once."""
    building = _kept_building(staff, community_id, building_id)
    place = (place or "").strip()
    if len(place) > PLACE_CHARS:
        raise ScreenError("bad_place", "位置说明不超过%d个字" % PLACE_CHARS)
    if not building.active:
        raise ScreenError("building_inactive", "该楼栋已停用")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with db.atomic():
        link = ScreenLink.create(building=building, token_hash=token_hash(token), hint=token[-4:], place=place,
                                 created_by=staff.id, created_at=now or utcnow())
    return link, token


def revoke(staff, community_id, link_id, now=None):
    """The link stops opening the screen at once (its next refresh shows the 404 page)."""
    link = ScreenLink.get_or_none(ScreenLink.id == link_id)
    if link is None:
        raise ScreenError("not_found", "链接不存在", 404)
    _kept_building(staff, community_id, link.building_id)
    ScreenLink.update(revoked_at=now or utcnow(), revoked_by=staff.id).where(
        (ScreenLink.id == link.id) & ScreenLink.revoked_at.is_null()).execute()
    return ScreenLink.get_by_id(link.id)


def open_screen(token, now=None):
    """The screen a link in force opens, or None (unknown, revoked, or a building no longer in
    use: the caller answers all three alike)."""
    if not token or len(token) > 64:
        return None
    link = (ScreenLink.select(ScreenLink, Building).join(Building)
            .where((ScreenLink.token_hash == token_hash(token)) & ScreenLink.revoked_at.is_null()
                   & (Building.active == True)).first())  # noqa: E712
    if link is None:
        return None
    now = now or utcnow()
    if link.last_seen_at is None or link.last_seen_at < now - SEEN_EVERY:
        ScreenLink.update(last_seen_at=now).where(ScreenLink.id == link.id).execute()
    building = link.building
    audience = feed.Audience(building.community_id, building.id, building.grid_id)
    _, rows = feed.page(audience, 1, SCREEN_ITEMS, now=now)
    return Screen(building=building, community=Community.get_by_id(building.community_id),
                  items=[_item(*row) for row in rows], board=service_board(building),
                  shown_at=local(now).strftime("%m-%d %H:%M"))


def _item(kind, subject, notice, pinned):
    """One line of the screen from a feed item (account.feed.page)."""
    if kind == "text":
        lines = [line.strip() for line in subject.text.splitlines() if line.strip()]
        rest = " ".join(lines[1:])
        return ScreenItem(kind, lines[0] if lines else "", rest if len(rest) <= TEXT_CHARS else rest[:TEXT_CHARS] + "…",
                          subject.urgent, pinned, local(subject.send_at).strftime("%m-%d %H:%M"))
    moment = notice.send_at if notice else subject.published_at
    return ScreenItem(kind, subject.title, subject.digest, bool(notice and notice.urgent), pinned,
                      local(moment).strftime("%m-%d %H:%M") if moment else "")
