"""Filing a case and adding to it: the part of the workflow every channel's intake shares."""
from cases import notify
from cases import routing
from cases import workflow
from cases.numbers import next_number
from linli import limits
from models.cases import OPEN_STATES
from models.cases import Case
from models.cases import CaseEvent
from models.cases import CasePhoto
from models.community import Community
from models.db import transaction
from models.db import utcnow
from models.sql import Prepared
from models.sql import insert

# A resident reports a handful of things a day; hundreds an hour is a script or a grudge.
FILINGS_PER_HOUR = 20


def count_filing(reporter):
    """Count one new case by `reporter` against one hourly limit for the person, whatever the
    channel (mini-program, official account); limits.TooMany past FILINGS_PER_HOUR."""
    limits.hit("file:%d" % reporter.id, FILINGS_PER_HOUR, 3600, "提交过于频繁")


def submit(reporter, channel, description="", photo=None, location=None, source_message=None,
           category_id=None, community_id=None, building=None, unit=None, now=None):
    """File a case for `reporter` (a Resident), routed to their building's grid worker, with the
    first level's clock running. `photo` is (media_id, url); `location` is (lat, lng, label).
    Without a category the case waits for staff to classify it, on the default deadlines."""
    now = now or utcnow()
    # Staff entering a walk-in report, or filing one from a proposal, name the place; otherwise
    # it is the reporter's.
    building = building or (reporter.building if reporter and reporter.building_id else None)
    unit = unit or (reporter.unit_id if reporter else None)
    community_id = building.community_id if building else community_id or _only_community(reporter)
    with transaction():
        case = Case(
            number=next_number(now),
            community=community_id,
            category=category_id,
            description=description,
            building=building,
            unit=unit,
            reporter=reporter,
            channel=channel,
            assignee=routing.owner_for(building, 1, community_id, now),
            created_at=now, updated_at=now,
        )
        for field, value in workflow.start_clock(case, 1, now).items():
            setattr(case, field, value)
        # One fixed INSERT each (models/sql.py): every report from every channel comes here.
        case.id = insert(Case, case.__data__)
        case._dirty.clear()
        insert(CaseEvent, dict(case=case.id, kind="submitted", actor_resident=reporter, note=description,
                               source_message=source_message, created_at=now))
        if case.assignee_id:
            insert(CaseEvent, dict(case=case.id, kind="assigned", note="已分派给%s" % case.assignee.name,
                                   created_at=now))
        notify.case_changed(case, "assigned")
        if photo:
            _photo(case, photo, source_message, reporter, now, event=False)
        if location:
            _locate(case, location, source_message, reporter, now, event=False)
    return case


def recent_case(reporter, channel, within, now=None):
    """The reporter's newest case from `channel` filed within `within` and still open. A grid
    worker who accepts within a minute or two must not split a report: the photo the resident
    sends three minutes after their words belongs to the case the worker already has (found by
    the simulation: a fast accept turned the report's photo into a second case)."""
    now = now or utcnow()
    return _RECENT.first(reporter.id, channel, now - within)


# Asked for every report from the official account: composed once (models/sql.py).
_RECENT = Prepared(lambda reporter_id, channel, since: Case.select()
                   .where((Case.reporter == reporter_id) & (Case.channel == channel)
                          & Case.state.in_(OPEN_STATES) & (Case.created_at >= since))
                   .order_by(Case.created_at.desc(), Case.id.desc()).limit(1),
                   -918273650, "\x00channel", "\x00since")


def add_photo(case, photo, source_message=None, by=None, now=None):
    with transaction():
        _photo(case, photo, source_message, by, now or utcnow())


def add_description(case, text, source_message=None, by=None, now=None):
    now = now or utcnow()
    with transaction():
        joined = (case.description + "\n" + text).strip()
        Case.update(description=joined, updated_at=now).where(Case.id == case.id).execute()
        case.description = joined
        CaseEvent.create(case=case, kind="description_added", actor_resident=by, note=text,
                           source_message=source_message, created_at=now)


def add_location(case, location, source_message=None, by=None, now=None):
    with transaction():
        _locate(case, location, source_message, by, now or utcnow())


def note(case, text, public=False, now=None):
    """A note by the system itself (no actor), e.g. a content-check verdict."""
    CaseEvent.create(case=case, kind="note", public=public, note=text, created_at=now or utcnow())


def open_cases(reporter, limit=5):
    return list(Case.select()
                .where((Case.reporter == reporter) & Case.state.in_(OPEN_STATES + ("resolved",)))
                .order_by(Case.created_at.desc()).limit(limit))


def _photo(case, photo, source_message, by, now, event=True):
    media_id, url = photo
    CasePhoto.create(case=case, media_id=media_id, url=url, source_message=source_message,
                       created_at=now)
    if event:
        CaseEvent.create(case=case, kind="photo_added", actor_resident=by,
                           source_message=source_message, created_at=now)


def _locate(case, location, source_message, by, now, event=True):
    lat, lng, label = location
    (Case.update(location_x=lat, location_y=lng, location_label=label or "", updated_at=now)
     .where(Case.id == case.id).execute())
    case.location_x, case.location_y, case.location_label = lat, lng, label or ""
    if event:
        CaseEvent.create(case=case, kind="location_added", actor_resident=by, note=label or "",
                           source_message=source_message, created_at=now)


def _only_community(reporter):
    """A resident without an address: the community they belong to, or the only one there is."""
    if reporter and reporter.community_id:
        return reporter.community_id
    ids = [c.id for c in Community.select(Community.id).limit(2)]
    return ids[0] if len(ids) == 1 else None

