"""Followers of the official account: who they are, and where they live when a building's QR
code brought them (seed 001: each building's code is posted at its door)."""
from peewee import JOIN
from peewee import IntegrityError

from models.community import Building
from models.db import db
from models.db import utcnow
from models.people import Resident

SCENE_PREFIX = "qrscene_"     # WeChat prefixes the scene of a scan-to-follow with this


def resident_for(openid):
    """The Resident behind an official-account openid, created on first contact."""
    # The building comes along: intake and the welcome both need it.
    resident = (Resident.select(Resident, Building).join(Building, JOIN.LEFT_OUTER)
                .where(Resident.oa_openid == openid).first())
    if resident is not None:
        return resident
    try:
        with db.atomic():
            return Resident.create(oa_openid=openid)
    except IntegrityError:     # another worker created it a moment ago
        return Resident.get(Resident.oa_openid == openid)


def building_for_scene(scene):
    scene = (scene or "").removeprefix(SCENE_PREFIX)
    return Building.get_or_none(Building.qr_scene == scene) if scene else None


def subscribed(resident, scene=None, now=None):
    """Follow (again): keep everything known about them; a building's code records the building."""
    now = now or utcnow()
    building = building_for_scene(scene)
    with db.atomic():
        resident.subscribed, resident.subscribed_at, resident.updated_at = True, now, now
        _record_building(resident, building)
        resident.save()
    return building


def scanned(resident, scene, now=None):
    """An existing follower scanned a building's code."""
    building = building_for_scene(scene)
    if building is not None and _record_building(resident, building):
        resident.updated_at = now or utcnow()
        resident.save()
    return building


def unsubscribed(resident, now=None):
    """WeChat's rules: erase the person's profile when they leave; keep their messages and cases
    (the community's record) without the person's name, avatar or phone."""
    now = now or utcnow()
    with db.atomic():
        (Resident.update(subscribed=False, unsubscribed_at=now, updated_at=now,
                         nickname="", avatar_url="", phone=None)
         .where(Resident.id == resident.id).execute())


def _record_building(resident, building):
    """A scanned building is the resident's until they or staff say otherwise; a confirmed
    address is never overwritten by a scan (people scan codes at friends' doors too)."""
    if building is None or resident.address_state == "confirmed":
        return False
    resident.building = building
    resident.community = building.community_id
    resident.unit = None
    resident.address_state = "pending"
    return True
