"""The OpenAPI document and the code cannot drift apart: every route is documented with its
methods, nothing else is, and real responses validate against the documented schemas."""
import io
import re

import jsonschema
import pytest
from PIL import Image

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from miniprogram_api.openapi import DOCUMENT


def _schema(name):
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": DOCUMENT["components"], "$ref": "#/components/schemas/" + name}


def test_every_route_is_documented_with_its_methods_and_nothing_else(app):
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/mp"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(item) for path, item in DOCUMENT["paths"].items()}
    assert routes == documented


def test_the_document_is_served_and_every_reference_resolves(client):
    served = client.get("/api/mp/openapi.json").json
    assert served["openapi"].startswith("3.1")
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', str(served).replace("'", '"')))
    assert refs and refs <= set(served["components"]["schemas"])


def test_real_responses_validate_against_the_schemas(client, database, emulator):
    seed_demo()
    login = client.post("/api/mp/login", json={"code": emulator.login_code("o-doc")}).json
    jsonschema.validate(login, _schema("Token"))
    resident = {"Authorization": "Bearer " + login["token"]}
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    upload = client.post("/api/mp/uploads", headers=resident, data={"file": (io.BytesIO(buffer.getvalue()), "a.png")})
    jsonschema.validate(upload.json, _schema("Upload"))
    filed = client.post("/api/mp/reports", headers=resident, json={"description": "楼道灯坏了很久",
                                                                   "photo_ids": [upload.json["id"]]}).json
    jsonschema.validate(filed, _schema("CaseSummary"))
    jsonschema.validate(client.get("/api/mp/reports", headers=resident).json, _schema("CasePage"))
    jsonschema.validate(client.get("/api/mp/reports/" + filed["number"], headers=resident).json, _schema("CaseDetail"))
    jsonschema.validate(client.get("/api/mp/me", headers=resident).json, _schema("Resident"))
    staff = {"Authorization": "Bearer " + client.post("/api/mp/staff/login", json={
        "username": "tianbing", "password": DEMO_PASSWORD}).json["token"]}
    client.post("/api/mp/staff/cases/%s/resolve" % filed["number"], headers=staff, json={"note": "已修好"})
    jsonschema.validate(client.get("/api/mp/staff/cases/" + filed["number"], headers=staff).json,
                        _schema("StaffCaseDetail"))
    jsonschema.validate(client.get("/api/mp/communities/bajiazhuang/resolved").json, _schema("BoardPage"))
    jsonschema.validate(client.get("/api/mp/staff/rates", headers=staff).json, _schema("Rates"))
    error = client.get("/api/mp/reports/R0000000000", headers=resident)
    assert error.status_code == 404
    jsonschema.validate(error.json, _schema("Error"))


def test_a_response_that_broke_its_schema_would_be_caught():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"number": "X1", "state": "lost", "level": 9}, _schema("CaseSummary"))
