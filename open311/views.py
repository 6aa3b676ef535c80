"""/open311/v2: GeoReport v2 in JSON and XML, with the spec's error bodies and statuses."""
import datetime
from xml.etree import ElementTree

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request

from cases import open311
from linli import config
from linli.clock import local

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMAT = "<any(json, xml):fmt>"


@bp.get("/services." + FORMAT)
def services(fmt):
    rows = [{"service_code": c.code, "service_name": c.name, "description": c.name, "metadata": False,
             "type": "realtime", "keywords": "", "group": "社区服务"} for c in open311.services()]
    return _render(fmt, "services", "service", rows)


@bp.get("/services/<code>." + FORMAT)
def service_definition(code, fmt):
    category = open311.service(code)
    definition = {"service_code": category.code, "attributes": []}
    if fmt == "json":
        return jsonify(definition)
    root = ElementTree.Element("service_definition")
    ElementTree.SubElement(root, "service_code").text = category.code
    ElementTree.SubElement(root, "attributes")
    return _xml(root)


@bp.post("/requests." + FORMAT)
def post_request(fmt):
    settings = config.active()
    case = open311.submit(request.form.to_dict(), settings.OPEN311_API_KEYS, settings.OPEN311_RADIUS_M)
    row = {"service_request_id": case.number, "service_notice": "", "account_id": ""}
    return _render(fmt, "service_requests", "request", [row], status=201)


@bp.get("/requests." + FORMAT)
def get_requests(fmt):
    exact = _exact_view()
    rows = [open311.request_fields(c, exact) for c in open311.search(request.args)]
    return _render(fmt, "service_requests", "request", rows)


@bp.get("/requests/<number>." + FORMAT)
def get_request(number, fmt):
    exact = _exact_view()
    return _render(fmt, "service_requests", "request", [open311.request_fields(open311.find(number), exact)])


def _exact_view():
    settings = config.active()
    return open311.exact_view(request.args.get("api_key"), settings.OPEN311_READ_KEYS, settings.OPEN311_API_KEYS)


@bp.get("/tokens/<token>." + FORMAT)
def get_token(token, fmt):
    # Requests are created at once, so a token is the request id itself.
    case = open311.find(token)
    return _render(fmt, "service_requests", "request", [{"service_request_id": case.number, "token": token}])


@bp.errorhandler(open311.Open311Error)
def open311_error(exc):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    rows = [{"code": exc.code, "description": exc.message}]
    return _render(fmt, "errors", "error", rows, status=exc.status)


def _render(fmt, plural, singular, rows, status=200):
    rows = [{k: _value(v) for k, v in row.items()} for row in rows]
    if fmt == "json":
        response = jsonify(rows)
        response.status_code = status
        return response
    root = ElementTree.Element(plural)
    for row in rows:
        item = ElementTree.SubElement(root, singular)
        for key, value in row.items():
            if value is None:
                value = ""
            elif isinstance(value, bool):
                value = "true" if value else "false"
            ElementTree.SubElement(item, key).text = str(value)
    return _xml(root, status)


def _value(value):
    if isinstance(value, datetime.datetime):
        return local(value).isoformat(timespec="seconds")       # ISO 8601 with +08:00
    return value


def _xml(root, status=200):
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, status=status, mimetype="text/xml")
