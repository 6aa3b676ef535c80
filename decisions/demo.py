"""The demo's live consultation: seed 004's green strip. In 八家庄 staff and volunteers went door
to door asking whether a neglected green strip should become a walking path; here 丰泽园小区's
households are asked, under the Civil Code's rule for changing the use of common parts
(Art. 278, items 6–8: owners_art278_major). It opened two days before the seeding and closes
14 days after it; a few owners have answered online, and the unit leader of 1号楼1单元 has
recorded a few elders' voices at the door.

Kept apart from community.demo.seed_demo(), which the tests call before counting consultations:
only the seed-demo command adds it. Idempotent: the consultation is found by its question, and
when it exists nothing is done, so seeding again adds no consultation and no vote.
"""
import datetime

from community.demo import COMMUNITY
from decisions import consultations
from models.community import Building
from models.community import Community
from models.community import Estate
from models.community import Unit
from models.db import db
from models.db import utcnow
from models.decisions import Consultation
from models.households import Household
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff

QUESTION = "小区北侧荒废绿地改建为健步道，您是否同意？"
DESCRIPTION = ("小区北侧绿地多年无人养护，杂草丛生。社区拟将其改建为健步道，两侧补种花木、安装座椅和照明，"
               "费用由社区申请专项资金承担，不动用维修资金。改变共有部分用途属《民法典》第二百七十八条"
               "规定的重大事项，请各户业主表态。")
ESTATE = "丰泽园小区"
OPENED_DAYS_AGO, CLOSES_IN_DAYS = 2, 14
OPENER, DOOR_RECORDER = "tianbing", "danyuan1"          # the secretary; the unit leader of 1号楼1单元
# Owners who answered online: (openid, nickname, choice: 0 同意, 1 不同意, 2 弃权).
ONLINE = [("demo-vote-01", "居民老刘", 0), ("demo-vote-02", "居民小孙", 0), ("demo-vote-03", "居民王阿姨", 1),
          ("demo-vote-04", "居民老马", 0), ("demo-vote-05", "居民小何", 0), ("demo-vote-06", "居民郑大爷", 2),
          ("demo-vote-07", "居民老高", 0), ("demo-vote-08", "居民小林", 0)]
AT_DOOR = [0, 0, 0, 1, 0]       # the choices the unit leader recorded, door by door
EVERY = 23                      # the online voters' flats: every 23rd owner flat of the estate


def seed_demo_consultation(now=None):
    """Open the green-strip consultation with its first voices, unless it exists; returns what
    exists: {"consultation": id, "created": bool, "online": n, "at_door": n}."""
    now = now or utcnow()
    community = Community.get(Community.code == COMMUNITY["code"])
    with db.atomic():
        consultation = Consultation.get_or_none((Consultation.community == community)
                                                & (Consultation.question == QUESTION))
        created = consultation is None
        if created:
            consultation = _open_with_voices(community, now)
    votes = list(consultation.votes)
    return {"consultation": consultation.id, "created": created,
            "online": sum(1 for v in votes if v.recorded_by_id is None),
            "at_door": sum(1 for v in votes if v.recorded_by_id is not None)}


def _open_with_voices(community, now):
    estate = Estate.get((Estate.community == community) & (Estate.name == ESTATE))
    opened = now - datetime.timedelta(days=OPENED_DAYS_AGO)
    consultation = consultations.open_consultation(
        Staff.get(Staff.username == OPENER), community.id, "estate", QUESTION,
        now + datetime.timedelta(days=CLOSES_IN_DAYS), rule="owners_art278_major", estate_id=estate.id,
        description=DESCRIPTION, opens_at=opened, named_export=True, now=opened)
    # Under Art. 278 only owners cast a voice: the flats are the estate's owner flats, door order.
    owners = list(Household.select(Household, Unit, Building).join(Unit).join(Building)
                  .where((Building.estate == estate) & (Household.occupancy == "owner"))
                  .order_by(Building.id, Unit.id, Household.id))
    leader = Staff.get(Staff.username == DOOR_RECORDER)
    leader_unit = (RoleAssignment.select(RoleAssignment.unit)
                   .where((RoleAssignment.staff == leader) & (RoleAssignment.role == "unit_leader")).scalar())
    taken = {r.household_id for r in Resident.select(Resident.household).where(Resident.household.is_null(False))}
    online = [h for h in owners[::EVERY] if h.unit_id != leader_unit and h.id not in taken][:len(ONLINE)]
    at_door = [h for h in owners if h.unit_id == leader_unit and h.id not in taken][:len(AT_DOOR)]
    for n, ((openid, nickname, choice), home) in enumerate(zip(ONLINE, online, strict=True)):
        resident, _ = Resident.get_or_create(oa_openid=openid, defaults=dict(
            nickname=nickname, community=community, building=home.unit.building_id, unit=home.unit_id,
            room=home.room, household=home.id, address_state="confirmed", address_confirmed_at=opened,
            subscribed=True))
        consultations.cast(resident, consultation, choice, now=opened + datetime.timedelta(hours=3 + 5 * n))
    for n, (choice, home) in enumerate(zip(AT_DOOR, at_door, strict=True)):
        consultations.record_at_door(leader, consultation, home.id, choice,
                                     now=opened + datetime.timedelta(days=1, hours=1 + n))
    return consultation
