"""Followers of the official account: who they are, and where they live when a building's QR
code brought them (each building's code is posted at its door)."""
import datetime

from peewee import JOIN
from peewee import IntegrityError

from models.account import FollowerImport
from models.community import Building
from models.db import db
from models.db import utcnow
from models.people import Resident
from models.sql import Prepared

SCENE_PREFIX = "qrscene_"     # WeChat prefixes the scene of a scan-to-follow with this
BATCH = 100                   # user/info/batchget takes at most 100 openids


def resident_for(openid):
    """The Resident behind an official-account openid, created on first contact."""
    resident = _BY_OPENID.first(openid)
    if resident is not None:
        return resident
    try:
        with db.atomic():
            return Resident.create(oa_openid=openid)
    except IntegrityError:     # another worker created it a moment ago
        return Resident.get(Resident.oa_openid == openid)


# The building comes along: intake and the welcome both need it. Composed once (models/sql.py):
# every push asks it.
_BY_OPENID = Prepared(lambda openid: Resident.select(Resident, Building).join(Building, JOIN.LEFT_OUTER)
                      .where(Resident.oa_openid == openid).limit(1), "\x00openid")


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


def heard_from(resident, create_time, now=None):
    """A message or a tap from someone proves they follow: WeChat delivers nothing from anyone
    else. Records a follow we never heard of (every follower from before Linli was connected,
    anyone whose follow push WeChat gave up on), unless they left after sending it.
    `create_time`: the push's CreateTime (unix seconds)."""
    if resident.subscribed:
        return False
    now = now or utcnow()
    sent_at = _from_unix(create_time) or now
    if resident.unsubscribed_at is not None and resident.unsubscribed_at >= sent_at:
        return False          # an unsubscribe processed before this (older) message is the truth
    resident.subscribed, resident.subscribed_at, resident.updated_at = True, resident.subscribed_at or now, now
    (Resident.update(subscribed=True, subscribed_at=resident.subscribed_at, updated_at=now)
     .where(Resident.id == resident.id).execute())
    return True


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


# -- importing the followers WeChat already has --------------------------------------------------
def import_followers(client, restart=False, progress=None, now=None):
    """Record every current follower (user/get pages by next_openid, then user/info/batchget 100
    at a time). The place reached is saved after every batch: run again after an interruption
    and it goes on from there; a finished import starts over. `progress(imported, total)` is
    called after each batch. Returns the FollowerImport row."""
    now = now or utcnow()
    run, _ = FollowerImport.get_or_create(name="followers", defaults=dict(started_at=now, updated_at=now))
    if restart or run.finished_at is not None:
        run.next_openid, run.imported, run.finished_at, run.started_at = "", 0, None, now
        run.save()
    while True:
        page = client.user.get_followers(run.next_openid or None)
        openids = (page.get("data") or {}).get("openid") or []
        run.total = int(page.get("total", 0))
        if not openids:
            break
        for start in range(0, len(openids), BATCH):
            chunk = openids[start:start + BATCH]
            profiles = client.user.get_batch(chunk)
            with db.atomic():
                _record_followers([p for p in profiles if p.get("subscribe") == 1], utcnow())
                run.next_openid, run.imported, run.updated_at = chunk[-1], run.imported + len(chunk), utcnow()
                run.save()
            if progress:
                progress(run.imported, run.total)
        if not page.get("next_openid"):
            break
    run.finished_at = run.updated_at = utcnow()
    run.save()
    return run


def _record_followers(profiles, now):
    """Mark as following, linking to a mini-program resident with the same unionid, or created."""
    if not profiles:
        return
    openids = [p["openid"] for p in profiles]
    known = {r.oa_openid: r for r in Resident.select().where(Resident.oa_openid.in_(openids))}
    unionids = [p["unionid"] for p in profiles if p.get("unionid") and p["openid"] not in known]
    linked = {r.unionid: r for r in Resident.select().where(Resident.unionid.in_(unionids)
                                                            & Resident.oa_openid.is_null())} if unionids else {}
    for profile in profiles:
        since = _from_unix(profile.get("subscribe_time")) or now
        resident = known.get(profile["openid"]) or linked.get(profile.get("unionid"))
        if resident is None:
            (Resident.insert(oa_openid=profile["openid"], unionid=_free_unionid(profile.get("unionid")),
                             subscribed=True, subscribed_at=since, created_at=now, updated_at=now)
             .on_conflict_ignore().execute())       # a follow push may have created them meanwhile
            continue
        if resident.subscribed and resident.oa_openid == profile["openid"]:
            continue
        (Resident.update(oa_openid=profile["openid"], subscribed=True,
                         subscribed_at=resident.subscribed_at or since, updated_at=now)
         .where(Resident.id == resident.id).execute())


def _free_unionid(unionid):
    """The unionid when no one holds it yet (it is unique), else None."""
    if not unionid or Resident.select().where(Resident.unionid == unionid).exists():
        return None
    return unionid


def _from_unix(value):
    try:
        if not value:
            return None
        return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError):
        return None
