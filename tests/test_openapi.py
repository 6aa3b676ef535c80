"""The OpenAPI document and the code cannot drift apart: every route is documented with its
methods, nothing else is, real responses validate against the documented schemas, and every
documented request schema refuses bad input, in our error format, as the document says."""
import copy
import io
import json
import re

import jsonschema
import pytest
from PIL import Image
from pydantic import BaseModel
from pydantic import ValidationError
from werkzeug.datastructures import FileStorage

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from coupons import merchants
from miniprogram_api.parsing import LENIENT
from models.merchants import Merchant
from models.people import Staff

# Wrong values of every JSON type, and an integer past 64 bits: each one a documented property
# does not admit is sent to it.
BAD_VALUES = [10**30, -(2**63) - 1, "x", 1.5, True, [1], {"a": 1}]
PATH_VALUES = {"number": "R0000000000", "code": "0" * 17, "action": "accept"}
# The operations whose request bodies and answers must show an example (issue 17 item 6): 议事,
# 征询/表决, and choosing and claiming an address.
EXAMPLED = re.compile(r"/api/mp/(staff/)?(proposals|consultations)(/|$)|/api/mp/me/address$|"
                      r"/api/mp/units/\{unit_id\}/rooms$|/api/mp/communities/\{code\}/structure$|"
                      r"/api/mp/buildings/\{building_id\}$")


@pytest.fixture
def document(client):
    return client.get("/api/mp/openapi.json").json


def _schema(document, name):
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": document["components"], "$ref": "#/components/schemas/" + name}


def test_every_route_is_documented_with_its_methods_and_nothing_else(app, document):
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/mp"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(item) for path, item in document["paths"].items()}
    assert routes == documented


def test_the_document_is_served_and_every_reference_resolves(document):
    assert document["openapi"].startswith("3.1")
    assert set(document["components"]["securitySchemes"]) == {"resident", "staff", "merchant"}
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', str(document).replace("'", '"')))
    assert refs and refs <= set(document["components"]["schemas"])


def _models():
    """Every pydantic model of miniprogram_api: the classes the document's schemas are named by."""
    models, seen = [], [BaseModel]
    while seen:
        for model in seen.pop().__subclasses__():
            seen.append(model)
            if model.__module__.startswith("miniprogram_api."):
                models.append(model)
    return models


def test_every_model_has_a_name_of_its_own(app):
    # The document names a schema by its class; a second class of the same name would silently
    # take the first one's place.
    names = [model.__name__ for model in _models()]
    assert len(names) > 50 and len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)


def test_every_route_behind_a_token_documents_its_caller_and_401(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if operation.get("security"):
                assert "401" in operation["responses"], (method, path)
            assert "400" in operation["responses"], (method, path)


def test_real_responses_validate_against_the_schemas(client, database, emulator, document):
    seed_demo()
    login = client.post("/api/mp/login", json={"code": emulator.login_code("o-doc")}).json
    jsonschema.validate(login, _schema(document, "ResidentToken"))
    resident = {"Authorization": "Bearer " + login["token"]}
    jsonschema.validate(client.post("/api/mp/token/refresh", headers=resident).json, _schema(document, "Token"))
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    upload = client.post("/api/mp/uploads", headers=resident, data={"file": (io.BytesIO(buffer.getvalue()), "a.png")})
    jsonschema.validate(upload.json, _schema(document, "Upload"))
    filed = client.post("/api/mp/reports", headers=resident, json={
        "description": "楼道灯坏了很久", "photo_ids": [upload.json["id"]],
        "location": {"lat": 38.05, "lng": 114.52, "label": "3号楼"}}).json
    jsonschema.validate(filed, _schema(document, "CaseSummary"))
    jsonschema.validate(client.get("/api/mp/reports", headers=resident).json, _schema(document, "CasePage"))
    jsonschema.validate(client.get("/api/mp/reports/" + filed["number"], headers=resident).json,
                        _schema(document, "CaseDetail"))
    jsonschema.validate(client.get("/api/mp/me", headers=resident).json, _schema(document, "Resident"))
    staff_login = client.post("/api/mp/staff/login", json={"username": "tianbing", "password": DEMO_PASSWORD}).json
    jsonschema.validate(staff_login, _schema(document, "StaffToken"))
    staff = {"Authorization": "Bearer " + staff_login["token"]}
    client.post("/api/mp/staff/cases/%s/resolve" % filed["number"], headers=staff, json={"note": "已修好"})
    jsonschema.validate(client.get("/api/mp/staff/cases", headers=staff).json, _schema(document, "CaseQueue"))
    jsonschema.validate(client.get("/api/mp/staff/cases/" + filed["number"], headers=staff).json,
                        _schema(document, "StaffCaseDetail"))
    jsonschema.validate(client.get("/api/mp/communities/bajiazhuang/resolved").json, _schema(document, "BoardPage"))
    jsonschema.validate(client.get("/api/mp/staff/rates", headers=staff).json, _schema(document, "Rates"))
    jsonschema.validate(client.get("/api/mp/categories").json, _schema(document, "CategoryList"))
    jsonschema.validate(client.get("/api/mp/settings").json, _schema(document, "ClientSettings"))
    error = client.get("/api/mp/reports/R0000000000", headers=resident)
    assert error.status_code == 404
    jsonschema.validate(error.json, _schema(document, "Error"))


def test_a_response_that_broke_its_schema_would_be_caught(document):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"number": "X1", "state": "lost", "level": 9}, _schema(document, "CaseSummary"))


# -- examples ---------------------------------------------------------------------------------------
def _closed(schemas):
    """The components with no property beyond those each object names: pydantic ignores a key it
    does not know, so a misspelt or renamed field in an example would pass it unseen."""
    closed = copy.deepcopy(schemas)
    seen = list(closed.values())
    while seen:
        node = seen.pop()
        if isinstance(node, dict):
            if "properties" in node:
                node.setdefault("additionalProperties", False)
            seen.extend(node.values())
        elif isinstance(node, list):
            seen.extend(node)
    return closed


def _as_sent(schema, example):
    """A multipart example as the form arrives: its binary fields as files."""
    return {name: FileStorage(io.BytesIO(b"\xff\xd8"), "paper.jpg")
            if schema["properties"].get(name, {}).get("format") == "binary" else value
            for name, value in example.items()}


def test_every_example_in_the_document_is_valid_for_its_model(document):
    # An example is written by hand beside its model and drifts when a field is renamed, a
    # Literal loses a value or a field becomes required: each one is validated by the model it
    # shows (as JSON, the way a request arrives, strict where the model is), and against its
    # schema closed to unknown keys. OpenAPI 3.1 wants `examples` as a list in a schema object.
    models = {model.__name__: model for model in _models()}
    schemas, closed = document["components"]["schemas"], _closed(document["components"]["schemas"])
    wrong, checked = [], 0
    for name, schema in schemas.items():
        if "examples" not in schema:
            continue
        jsonschema.Draft202012Validator.check_schema(schema)
        assert isinstance(schema["examples"], list) and schema["examples"], name
        assert name in models, "%s carries examples but no model of miniprogram_api is named so" % name
        model = models[name]
        for n, example in enumerate(schema["examples"]):
            checked += 1
            try:
                if schema["properties"] and any(p.get("format") == "binary" for p in schema["properties"].values()):
                    model.model_validate(_as_sent(schema, example))
                else:
                    model.model_validate_json(json.dumps(example))
                jsonschema.validate(example, {"$schema": "https://json-schema.org/draft/2020-12/schema",
                                              "components": {"schemas": closed}, **closed[name]})
            except (ValidationError, jsonschema.ValidationError) as error:
                wrong.append("%s example %d: %s" % (name, n, str(error).splitlines()[:3]))
    assert not wrong, "\n".join(wrong)
    assert checked >= 30


def test_every_request_and_answer_of_proposals_consultations_and_addresses_shows_an_example(document):
    # What a client of these routes reads first (issue 17 item 6); a new route or a new answer
    # model without its example is caught here. CSV and PNG answers are files: no schema to carry one.
    missing, operations = [], 0
    for path, item in document["paths"].items():
        if not EXAMPLED.search(path):
            continue
        for method, operation in item.items():
            operations += 1
            bodies = [("request", body) for body in operation.get("requestBody", {}).get("content", {}).values()]
            bodies += [(status, body) for status, answer in operation["responses"].items() if status.startswith("2")
                       for media_type, body in answer.get("content", {}).items()
                       if media_type not in ("text/csv", "image/png")]
            for which, body in bodies:
                if not _resolved(document, body["schema"]).get("examples"):
                    missing.append("%s %s %s: %s" % (method, path, which, body["schema"]))
    assert not missing, "\n".join(missing)
    assert operations >= 19, operations        # the pattern still finds the 19 there are today


# -- request schemas refuse bad input -------------------------------------------------------------
@pytest.fixture
def callers(client, database, emulator):
    seed_demo()
    resident = client.post("/api/mp/login", json={"code": emulator.login_code("o-refused")}).json["token"]
    staff = client.post("/api/mp/staff/login", json={"username": "tianbing", "password": DEMO_PASSWORD}).json["token"]
    _, code = merchants.add_staff(Staff.get(Staff.username == "tianbing"), Merchant.select().first(), "店主", "owner")
    merchant = client.post("/api/mp/merchant/bind", json={"code": emulator.login_code("o-refused-owner"),
                                                          "binding_code": code}).json["token"]
    return {kind: {"Authorization": "Bearer " + token}
            for kind, token in (("resident", resident), ("staff", staff), ("merchant", merchant))}


def _resolved(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _admits(document, schema, value):
    try:
        jsonschema.validate(value, dict(schema, components=document["components"]))
    except jsonschema.ValidationError:
        return False
    return True


def _valid_sample(schema):
    kinds = [schema.get("type")] + [branch.get("type") for branch in schema.get("anyOf", ())]
    return {"integer": 1, "string": "x", "boolean": True, "array": [], "object": {}}[next(k for k in kinds if k)]


def _requests(document):
    """(operation, the refused request's kwargs, the field it is about) for every bad value of
    every field of every documented request schema, and a non-object body for each JSON one."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            url = re.sub(r"{(\w+)}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)
            content = operation.get("requestBody", {}).get("content", {})
            for media_type, body in content.items():
                schema = _resolved(document, body["schema"])
                if media_type == "application/json":
                    yield method, url, operation, {"json": [1]}, None
                for name, field in schema.get("properties", {}).items():
                    required = {other: _valid_sample(_resolved(document, document_schema))
                                for other, document_schema in schema["properties"].items()
                                if other in schema.get("required", ()) and other != name}
                    if media_type == "multipart/form-data":
                        yield method, url, operation, {"data": dict(required, **{name: "not a file"})}, name
                        continue
                    for value in BAD_VALUES:
                        if not _admits(document, field, value):
                            yield method, url, operation, {"json": dict(required, **{name: value})}, name
            for parameter in operation.get("parameters", ()):
                schema = parameter["schema"]
                if parameter["in"] != "query" or LENIENT in parameter.get("description", ""):
                    continue
                for value in ("x", "1" * 30, "-" + "1" * 30):
                    if not _admits(document, schema, _typed(schema, value)):
                        yield method, url, operation, {"query_string": {parameter["name"]: value}}, parameter["name"]


def _typed(schema, text):
    """A query value as the type its schema names, when it is one (JSON Schema cannot see that
    "12" in a query string is an integer)."""
    kinds = [schema.get("type")] + [branch.get("type") for branch in schema.get("anyOf", ())]
    if "integer" in kinds and re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def test_every_documented_request_schema_refuses_bad_input_in_our_format(client, callers, document):
    tried = set()
    for method, url, operation, kwargs, field in _requests(document):
        security = operation.get("security")
        headers = callers[next(iter(security[0]))] if security else {}
        answer = getattr(client, method)(url, headers=headers, **kwargs)
        where = (method, url, kwargs, answer.status_code, answer.get_data(as_text=True)[:300])
        assert answer.status_code in (400, 401, 422), where
        assert str(answer.status_code) in operation["responses"], where
        error = answer.json["error"]
        assert set(error) >= {"code", "message"}, where
        if field is None:
            assert error["code"] == "bad_json", where
        else:
            assert field in error["code"] or field in error["message"], where
        tried.add((method, url, field))
    assert len(tried) > 100


@pytest.mark.parametrize("value", ["1" * 30, "-" + "1" * 30, str(2**63), "12x"])
def test_an_integer_filter_past_the_database_or_64_bits_is_a_400_naming_it(client, callers, value):
    answer = client.get("/api/mp/staff/cases", headers=callers["staff"], query_string={"grid_id": value})
    assert (answer.status_code, answer.json["error"]["code"]) == (400, "bad_filter")
    assert "grid_id" in answer.json["error"]["message"]
