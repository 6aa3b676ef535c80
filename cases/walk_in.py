"""A case staff enter for a resident who called or came to the office (a walk-in): the caller
is linked by their phone, or recorded with it, and the timeline says who entered it and how."""
from cases import intake
from linli.errors import LinliError
from models.cases import CaseEvent
from models.community import Building
from models.db import db
from models.db import utcnow
from models.people import Resident


def file_walk_in(staff, community_id, description, phone="", name="", building_id=None, category_id=None,
                 source="", now=None):
    """File `description` in `community_id` for the caller, entered by `staff` (whose console
    role lets them enter cases there), all in one transaction. A building of another community
    is ignored; `source` says how it came (来电, 来访, 网格巡查)."""
    description = (description or "").strip()
    if not description:
        raise LinliError("description_required", "请填写问题描述")
    building = Building.get_or_none((Building.id == building_id) & (Building.community == community_id))
    phone = (phone or "").strip()[:20]
    now = now or utcnow()
    with db.atomic():
        reporter = _caller(community_id, phone, name, building) if phone else None
        case = intake.submit(reporter, "staff", description, category_id=category_id,
                             community_id=community_id, building=building, now=now)
        # No rights over the case are needed for this note: they made it, whoever it went to.
        CaseEvent.create(case=case, kind="note", actor_staff=staff, public=False, created_at=now,
                         note="工作人员代录：%s" % ((source or "来电")[:10]))
    return case


def _caller(community_id, phone, name, building):
    """A caller known by their phone in this community is linked; a new one is recorded with it.
    Never another community's resident: their name would show on this case."""
    return (Resident.get_or_none((Resident.phone == phone) & (Resident.community == community_id))
            or Resident.create(phone=phone, nickname=(name or "").strip()[:100], community=community_id,
                               building=building.id if building else None))
