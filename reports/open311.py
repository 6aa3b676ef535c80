"""Cases as Open311 GeoReport v2 sees them: services are categories, requests are cases.

Requests are public in Open311, so what leaves here carries no personal data: no reporter,
no unit or room, and long numbers in the text masked. Contact details a client sends are kept
on the case as an internal note.
"""
import datetime

from errors import LinliError
from models.db import transaction
from models.db import utcnow
from models.reports import OPEN_STATES
from models.reports import Report
from models.reports import ReportEvent
from models.reports import ReportPhoto
from models.workflow import Category
from reports import intake
from reports.labels import LEVEL_LABELS
from reports.labels import STATE_LABELS
from reports.queries import mask

DEFAULT_WINDOW = datetime.timedelta(days=90)     # the spec's default for GET requests
MAX_RESULTS = 1000
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "device_id", "account_id")


class Open311Error(LinliError):
    """Rendered as the spec's [{"code", "description"}] with this HTTP status."""


def services():
    return list(Category.select().where(Category.active == True).order_by(Category.sort, Category.id))  # noqa: E712


def service(code):
    category = Category.get_or_none((Category.code == code) & (Category.active == True))  # noqa: E712
    if category is None:
        raise Open311Error("404", "service_code %s not found" % code, 404)
    return category


def submit(fields, api_keys, now=None):
    """POST requests: `fields` is the form as a dict of strings."""
    if not api_keys or fields.get("api_key") not in api_keys:
        raise Open311Error("403", "api_key is missing or not valid", 403)
    if not fields.get("service_code"):
        raise Open311Error("400", "service_code is required", 400)
    category = service(fields["service_code"])
    location = None
    if fields.get("lat") or fields.get("long"):
        try:
            location = (float(fields["lat"]), float(fields["long"]), fields.get("address_string", "")[:200])
        except (KeyError, ValueError):
            raise Open311Error("400", "lat and long must both be decimal degrees", 400) from None
    elif fields.get("address_string"):
        location = (None, None, fields["address_string"][:200])
    else:
        raise Open311Error("400", "a location is required: lat and long, or address_string", 400)
    description = (fields.get("description") or "").strip()[:1000]
    now = now or utcnow()
    with transaction():
        case = intake.submit(None, "open311", description, location=location if location[0] is not None else None,
                             category_id=category.id, now=now)
        if location[0] is None:
            Report.update(location_label=location[2]).where(Report.id == case.id).execute()
        if fields.get("media_url", "").startswith(("http://", "https://")):
            ReportPhoto.create(report=case, url=fields["media_url"][:500], created_at=now)
        contact = ["%s: %s" % (name, fields[name][:100]) for name in CONTACT_FIELDS if fields.get(name)]
        if contact:
            ReportEvent.create(report=case, kind="note", public=False, created_at=now,
                               note="Open311 联系方式 " + "; ".join(contact))
    return case


def find(number):
    case = Report.get_or_none(Report.number == number)
    if case is None:
        raise Open311Error("404", "service_request_id %s not found" % number, 404)
    return case


def search(args, now=None):
    """GET requests with the spec's filters; without dates, the last 90 days; at most 1000."""
    now = now or utcnow()
    query = Report.select()
    if args.get("service_request_id"):
        return list(query.where(Report.number.in_(args["service_request_id"].split(",")[:MAX_RESULTS])))
    start = _date(args.get("start_date"), "start_date") or now - DEFAULT_WINDOW
    end = _date(args.get("end_date"), "end_date") or now
    query = query.where(Report.created_at.between(start, end))
    if args.get("service_code"):
        query = query.where(Report.category.in_(Category.select(Category.id).where(
            Category.code.in_(args["service_code"].split(",")))))
    status = args.get("status")
    if status:
        wanted = set(status.split(","))
        if not wanted <= {"open", "closed"}:
            raise Open311Error("400", "status is open or closed", 400)
        if wanted == {"open"}:
            query = query.where(Report.state.in_(OPEN_STATES))
        elif wanted == {"closed"}:
            query = query.where(Report.state.not_in(OPEN_STATES))
    return list(query.order_by(Report.created_at.desc()).limit(MAX_RESULTS))


def request_fields(case):
    """A request as the spec names its fields (datetimes still naive UTC; the view renders)."""
    last = (ReportEvent.select().where((ReportEvent.report == case) & (ReportEvent.public == True))  # noqa: E712
            .order_by(ReportEvent.created_at.desc(), ReportEvent.id.desc()).first())
    photo = case.photos.order_by(ReportPhoto.id).first()
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
        "address": case.location_label or (case.building.label if case.building_id else ""),
        "address_id": "",
        "zipcode": "",
        "lat": case.location_x,
        "long": case.location_y,
        "media_url": photo.url if photo else "",
    }


def _date(value, name):
    if not value:
        return None
    if "T" in value and value.count(" ") == 1:
        value = value.replace(" ", "+")     # a "+08:00" sent unencoded arrives as " 08:00"
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error("400", "%s must be ISO 8601, e.g. 2026-11-23T09:00:00+08:00" % name, 400) from None
    if moment.tzinfo is None:
        from reports.clock import SHANGHAI
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
