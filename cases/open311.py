"""Cases as Open311 GeoReport v2 sees them: services are categories, requests are cases.

Requests are public in Open311, so what leaves here carries no personal data: no reporter,
no unit or room, and long numbers in the text masked. A resident's own report (any channel but
Open311 itself) shows only a coarse place, its estate and building or its point rounded to about
100 m, and no photo unless the resident agreed to publish their photos: where someone lives or
stood is personal information under PIPL, and they gave it to the community, not to the
public. A client holding a read key (OPEN311_READ_KEYS) sees the exact place and photos.
Contact details a client sends are kept on the case as an internal note.
"""
import datetime
import hmac
import math

from cases import intake
from cases.labels import LEVEL_LABELS
from cases.labels import STATE_LABELS
from cases.queries import mask
from linli import storage
from linli.clock import SHANGHAI
from linli.errors import LinliError
from models.cases import OPEN_STATES
from models.cases import Case
from models.cases import CaseEvent
from models.cases import CasePhoto
from models.community import Community
from models.db import transaction
from models.db import utcnow
from models.workflow import Category

DEFAULT_WINDOW = datetime.timedelta(days=90)     # the spec's default for GET requests
MAX_RESULTS = 1000
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "device_id", "account_id")
COARSE_DIGITS = 3          # 0.001° is 111 m of latitude (and ~90 m of longitude here)
EARTH_RADIUS_M = 6_371_000


class Open311Error(LinliError):
    """Rendered as the spec's [{"code", "description"}] with this HTTP status."""


def services():
    return list(Category.select().where(Category.active == True).order_by(Category.sort, Category.id))  # noqa: E712


def service(code):
    category = Category.get_or_none((Category.code == code) & (Category.active == True))  # noqa: E712
    if category is None:
        raise Open311Error("404", "service_code %s not found" % code, 404)
    return category


def submit(fields, api_keys, radius_m, now=None):
    """POST requests: `fields` is the form as a dict of strings. A point must lie within
    `radius_m` of a community's centre (where centres are known), and files the case there."""
    if not _valid_key(fields.get("api_key"), api_keys):
        raise Open311Error("403", "api_key is missing or not valid", 403)
    if not fields.get("service_code"):
        raise Open311Error("400", "service_code is required", 400)
    category = service(fields["service_code"])
    location = None
    community_id = None
    if fields.get("lat") or fields.get("long"):
        lat, lng = _point(fields)
        community_id = _community_near(lat, lng, radius_m)
        location = (lat, lng, fields.get("address_string", "")[:200])
    elif fields.get("address_string"):
        location = (None, None, fields["address_string"][:200])
    else:
        raise Open311Error("400", "a location is required: lat and long, or address_string", 400)
    description = (fields.get("description") or "").strip()[:1000]
    now = now or utcnow()
    with transaction():
        case = intake.submit(None, "open311", description, location=location if location[0] is not None else None,
                             category_id=category.id, community_id=community_id, now=now)
        if location[0] is None:
            Case.update(location_label=location[2]).where(Case.id == case.id).execute()
        if fields.get("media_url", "").startswith(("http://", "https://")):
            CasePhoto.create(case=case, url=fields["media_url"][:500], created_at=now)
        contact = ["%s: %s" % (name, fields[name][:100]) for name in CONTACT_FIELDS if fields.get(name)]
        if contact:
            CaseEvent.create(case=case, kind="note", public=False, created_at=now,
                               note="Open311 联系方式 " + "; ".join(contact))
    return case


def find(number):
    case = Case.get_or_none(Case.number == number)
    if case is None:
        raise Open311Error("404", "service_request_id %s not found" % number, 404)
    return case


def search(args, now=None):
    """GET requests with the spec's filters; without dates, the last 90 days; at most 1000."""
    now = now or utcnow()
    query = Case.select()
    if args.get("service_request_id"):
        return list(query.where(Case.number.in_(args["service_request_id"].split(",")[:MAX_RESULTS])))
    start = _date(args.get("start_date"), "start_date") or now - DEFAULT_WINDOW
    end = _date(args.get("end_date"), "end_date") or now
    query = query.where(Case.created_at.between(start, end))
    if args.get("service_code"):
        query = query.where(Case.category.in_(Category.select(Category.id).where(
            Category.code.in_(args["service_code"].split(",")))))
    status = args.get("status")
    if status:
        wanted = set(status.split(","))
        if not wanted <= {"open", "closed"}:
            raise Open311Error("400", "status is open or closed", 400)
        if wanted == {"open"}:
            query = query.where(Case.state.in_(OPEN_STATES))
        elif wanted == {"closed"}:
            query = query.where(Case.state.not_in(OPEN_STATES))
    return list(query.order_by(Case.created_at.desc()).limit(MAX_RESULTS))


def exact_view(api_key, read_keys, submit_keys):
    """Whether a GET may see residents' exact places and photos: only with a read key. Any
    other key sent is refused, so a client learns its key is wrong rather than reading less."""
    if not api_key:
        return False
    if _valid_key(api_key, read_keys):
        return True
    if _valid_key(api_key, submit_keys):
        return False
    raise Open311Error("403", "api_key is not valid", 403)


def request_fields(case, exact=False):
    """A request as the spec names its fields (datetimes still naive UTC; the view renders).
    A resident's report shows a coarse place and no photo without their consent, unless
    `exact` (a read key)."""
    last = (CaseEvent.select().where((CaseEvent.case == case) & (CaseEvent.public == True))  # noqa: E712
            .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()).first())
    exact = exact or case.channel == "open311"      # a city app's own filing was meant for publication
    # The reporter's photo (their consent covers theirs), never a photo of the fix.
    photo = (case.photos.where(CasePhoto.event.is_null()).order_by(CasePhoto.id).first()
             if exact or case.photos_public else None)
    return {
        "service_request_id": case.number,
        "status": "open" if case.state in OPEN_STATES else "closed",
        "status_notes": STATE_LABELS[case.state] + ("：" + mask(last.note, 200) if last and last.note else ""),
        "service_name": case.category.name if case.category_id else "其他",
        "service_code": case.category.code if case.category_id else "",
        "description": mask(case.description, 1000),
        "agency_responsible": LEVEL_LABELS[case.level],
        "service_notice": "",
        "requested_datetime": case.created_at,
        "updated_datetime": case.updated_at,
        "expected_datetime": case.resolve_due_at if case.state in OPEN_STATES else None,
        "address": (case.location_label or _building_name(case)) if exact else _coarse_place(case),
        "address_id": "",
        "zipcode": "",
        "lat": _degrees(case.location_x, exact),
        "long": _degrees(case.location_y, exact),
        "media_url": storage.url_of(photo.url) if photo else "",
    }


def _valid_key(key, keys):
    return bool(key) and any(hmac.compare_digest(key, k) for k in keys)


def _point(fields):
    """(lat, long) in range, or Open311Error. NaN and infinities fail the range too."""
    try:
        lat, lng = float(fields["lat"]), float(fields["long"])
    except (KeyError, ValueError):
        raise Open311Error("400", "lat and long must both be decimal degrees", 400) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Open311Error("400", "lat must be within -90..90 and long within -180..180", 400)
    return lat, lng


def _community_near(lat, lng, radius_m):
    """The id of the nearest community whose centre is within `radius_m`, or Open311Error; None
    while no community has a centre (nothing to check against: the README asks for them)."""
    centres = [(c.id, c.centre_lat, c.centre_lng) for c in Community.select().where(
        Community.centre_lat.is_null(False) & Community.centre_lng.is_null(False))]
    if not centres:
        return None
    distance, nearest = min((_metres(lat, lng, c_lat, c_lng), c_id) for c_id, c_lat, c_lng in centres)
    if distance > radius_m:
        raise Open311Error("400", "lat/long lie outside the communities this service covers", 400)
    return nearest


def _metres(lat1, lng1, lat2, lng2):
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(a, 1.0)))


def _degrees(value, exact):
    # A value stored before coordinates were checked may be NaN or infinite: JSON has no such
    # numbers, and one would make the whole list unreadable.
    if value is None or not math.isfinite(value):
        return None
    return value if exact else round(value, COARSE_DIGITS)


def _building_name(case):
    return case.building.label if case.building_id else ""


def _coarse_place(case):
    """The estate and building, or the community: never the resident's own label (a room, a
    reverse-geocoded street address)."""
    if case.building_id:
        return case.building.label
    return case.community.name if case.community_id else ""


def _date(value, name):
    if not value:
        return None
    if "T" in value and value.count(" ") == 1:
        value = value.replace(" ", "+")     # a "+08:00" sent unencoded arrives as " 08:00"
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=SHANGHAI)
        return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except ValueError:
        raise Open311Error("400", "%s must be ISO 8601, e.g. 2026-11-23T09:00:00+08:00" % name, 400) from None
    except OverflowError:
        # Year 1 at +14:00 or year 9999 at -12:00 is a valid ISO time whose UTC is off the calendar.
        raise Open311Error("400", "%s is outside the years 1 to 9999 in UTC" % name, 400) from None
