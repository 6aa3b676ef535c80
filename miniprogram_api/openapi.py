"""The OpenAPI 3.1 document of /api/mp, served at /api/mp/openapi.json.

Tests hold it to the code: every route is documented with its methods, and real responses
validate against the schemas below.
"""

TIME = {"type": ["string", "null"], "format": "date-time", "description": "ISO 8601, +08:00"}
NULLABLE_NUMBER = {"type": ["number", "null"]}


def _ref(name):
    return {"$ref": "#/components/schemas/%s" % name}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(properties, required=()):
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties, "required": list(required)}}}}


ERRORS = {
    "400": _json(_ref("Error"), "bad request body or parameter"),
    "401": _json(_ref("Error"), "missing, forged or expired token"),
    "403": _json(_ref("Error"), "outside the caller's scope"),
    "404": _json(_ref("Error"), "not found, or not the caller's"),
    "409": _json(_ref("Error"), "the case changed meanwhile (state_changed) or cannot take the action"),
    "422": _json(_ref("Error"), "a rule was broken; `code` says which"),
}


def _op(summary, response, *errors, body=None, auth="resident", params=()):
    operation = {"summary": summary, "responses": {"200": response,
                                                   **{code: ERRORS[code] for code in errors}}}
    if body is not None:
        operation["requestBody"] = body
    if auth:
        operation["security"] = [{auth: []}]
    if params:
        operation["parameters"] = list(params)
    return operation


def _path(name, schema=None):
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def _query(name, schema, description=""):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


NUMBER = _path("number")
PAGING = (_query("page", {"type": "integer", "minimum": 1}), _query("size", {"type": "integer", "maximum": 50}))
CASE = _json(_ref("CaseSummary"))

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
    "Token": {"type": "object", "required": ["token", "expires_at"], "properties": {
        "token": {"type": "string"}, "expires_at": {"type": "integer", "description": "unix seconds"},
        "resident": _ref("Resident"), "staff": {"type": "object"}}},
    "Resident": {"type": "object", "required": ["id", "address"], "properties": {
        "id": {"type": "integer"}, "nickname": {"type": "string"}, "phone": {"type": ["string", "null"]},
        "address": {"type": "object", "required": ["state"], "properties": {
            "building_id": {"type": ["integer", "null"]}, "unit_id": {"type": ["integer", "null"]},
            "room": {"type": "string"},
            "state": {"enum": ["none", "pending", "confirmed", "rejected"]}}}}},
    "CaseSummary": {"type": "object", "required": ["number", "state", "level"], "properties": {
        "number": {"type": "string", "pattern": "^R[0-9]{10,}$"},
        "state": {"enum": ["submitted", "accepted", "in_progress", "resolved", "closed", "reopened",
                           "rejected", "duplicate"]},
        "state_label": {"type": "string"}, "level": {"type": "integer", "minimum": 1, "maximum": 4},
        "owner": {"type": "string"}, "category_id": {"type": ["integer", "null"]},
        "description": {"type": "string"}, "created_at": TIME, "resolve_due_at": TIME}},
    "TimelineEntry": {"type": "object", "required": ["kind", "at"], "properties": {
        "kind": {"type": "string"}, "label": {"type": "string"}, "note": {"type": "string"}, "at": TIME,
        "public": {"type": "boolean"}, "by": {"type": ["string", "null"]}}},
    "CaseDetail": {"allOf": [_ref("CaseSummary"), {"type": "object", "properties": {
        "anonymous": {"type": "boolean"}, "rating": {"type": ["integer", "null"]},
        "photos": {"type": "array", "items": {"type": "string"}},
        "location": {"type": ["object", "null"]},
        "timeline": {"type": "array", "items": _ref("TimelineEntry")}}}]},
    "StaffCaseDetail": {"allOf": [_ref("CaseDetail"), {"type": "object", "required": ["can_act"], "properties": {
        "can_act": {"type": "boolean"}, "assignee": {"type": ["string", "null"]},
        "building": {"type": ["string", "null"]}, "reporter": {"type": ["object", "null"]},
        "response_due_at": TIME, "responded_at": TIME}}]},
    "CasePage": {"type": "object", "required": ["total", "items"], "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "size": {"type": "integer"},
        "items": {"type": "array", "items": _ref("CaseSummary")}}},
    "CaseQueue": {"type": "object", "required": ["items", "next"], "properties": {
        "items": {"type": "array", "items": _ref("CaseSummary")}, "size": {"type": "integer"},
        "next": {"type": ["string", "null"], "description": "pass as ?after= for the next page; null on the last"}}},
    "BoardPage": {"type": "object", "required": ["total", "items"], "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "size": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "additionalProperties": False, "properties": {
            "number": {"type": "string"}, "category": {"type": "string"},
            "building": {"type": ["string", "null"]}, "summary": {"type": "string"},
            "resolved_at": TIME}}}}},
    "Upload": {"type": "object", "required": ["id", "url"], "properties": {
        "id": {"type": "integer"}, "url": {"type": "string"},
        "width": {"type": "integer"}, "height": {"type": "integer"}}},
    "Rates": {"type": "object", "required": ["month", "rows"], "properties": {
        "month": {"type": "string"}, "min_sample": {"type": "integer"},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "label": {"type": "string"}, "cases": {"type": "integer"}, "rank": {"type": ["integer", "null"]},
            "response_rate": NULLABLE_NUMBER, "on_time_resolution_rate": NULLABLE_NUMBER,
            "resolution_rate": NULLABLE_NUMBER, "satisfaction_rate": NULLABLE_NUMBER,
            "mean_hours_to_respond": NULLABLE_NUMBER, "mean_hours_to_resolve": NULLABLE_NUMBER,
            "overdue": {"type": "integer"}}}}}},
}

STAFF_ACTIONS = {
    "accept": {"note": {"type": "string"}}, "start": {"note": {"type": "string"}},
    "notes": {"text": {"type": "string"}, "public": {"type": "boolean"}},
    "transfer": {"to_staff_id": {"type": "integer"}, "reason": {"type": "string"}},
    "escalate": {"reason": {"type": "string"}}, "resolve": {"note": {"type": "string"}},
    "reject": {"reason": {"type": "string"}},
    "merge": {"into": {"type": "string"}, "reason": {"type": "string"}},
}

PATHS = {
    "/api/mp/openapi.json": {"get": _op("This document", _json({"type": "object"}), auth=None)},
    "/api/mp/login": {"post": _op("Exchange a wx.login() code for a token", _json(_ref("Token")), "400", "401",
                                  body=_body({"code": {"type": "string"}}, ["code"]), auth=None)},
    "/api/mp/token/refresh": {"post": _op("A new token", _json(_ref("Token")), "401")},
    "/api/mp/me": {"get": _op("The signed-in resident", _json(_ref("Resident")), "401")},
    "/api/mp/me/phone": {"post": _op("Bind the phone number from the getPhoneNumber button's code",
                                     _json(_ref("Resident")), "400", "401", body=_body({"code": {"type": "string"}},
                                                                                     ["code"]))},
    "/api/mp/me/address": {"put": _op("Claim an address (waits for confirmation)", _json(_ref("Resident")),
                                      "400", "401", "422", body=_body({
                                          "building_id": {"type": "integer"}, "unit_id": {"type": "integer"},
                                          "room": {"type": "string"}}, ["building_id"]))},
    "/api/mp/uploads": {"post": {**_op("Upload a photo (multipart field `file`; JPEG, PNG, WebP; 10 MB)",
                                       _json(_ref("Upload")), "400", "401", "422"),
                                 "responses": {"201": _json(_ref("Upload"), "stored"), "413": ERRORS["422"],
                                               **{c: ERRORS[c] for c in ("400", "401", "422")}}}},
    "/api/mp/reports": {
        "post": {**_op("File a case; send Idempotency-Key", CASE, "400", "401", "422", body=_body({
            "description": {"type": "string"}, "category_id": {"type": "integer"},
            "photo_ids": {"type": "array", "items": {"type": "integer"}}, "anonymous": {"type": "boolean"},
            "location": {"type": "object", "properties": {"lat": {"type": "number"}, "lng": {"type": "number"},
                                                          "label": {"type": "string"}}}}),
            params=[{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}]),
                 "responses": {"201": _json(_ref("CaseSummary"), "filed"), "200": _json(_ref("CaseSummary"),
                               "the case first filed with this Idempotency-Key"),
                               **{c: ERRORS[c] for c in ("400", "401", "422")}}},
        "get": _op("My cases", _json(_ref("CasePage")), "401", params=PAGING)},
    "/api/mp/reports/{number}": {"get": _op("One of my (or followed) cases with its public timeline",
                                            _json(_ref("CaseDetail")), "401", "404", params=[NUMBER])},
    "/api/mp/reports/{number}/confirm": {"post": _op("Confirm it is solved", CASE, "401", "404", "409", params=[NUMBER])},
    "/api/mp/reports/{number}/reopen": {"post": _op("Not fixed: reopen", CASE, "401", "404", "409", "422",
                                                    body=_body({"reason": {"type": "string"}}, ["reason"]),
                                                    params=[NUMBER])},
    "/api/mp/reports/{number}/rating": {"post": _op("Rate 1-5, once", CASE, "401", "404", "409", "422",
                                                    body=_body({"score": {"type": "integer"},
                                                                "comment": {"type": "string"}}, ["score"]),
                                                    params=[NUMBER])},
    "/api/mp/reports/{number}/follow": {"post": _op("Me too: follow an open case of my community",
                                                    _json({"type": "object"}), "401", "404", "409", params=[NUMBER])},
    "/api/mp/categories": {"get": _op("The category tree", _json({"type": "array"}), auth=None)},
    "/api/mp/communities/{code}/resolved": {"get": _op("Resolved cases, without personal data",
                                                       _json(_ref("BoardPage")), "404", auth=None,
                                                       params=[_path("code")] + list(PAGING))},
    "/api/mp/units/{unit_id}/board": {"get": _op("A unit's service board", _json({"type": "object"}), "404",
                                                 auth=None, params=[_path("unit_id", {"type": "integer"})])},
    "/api/mp/staff/login": {"post": _op("Staff sign-in", _json(_ref("Token")), "400", "401", auth=None,
                                        body=_body({"username": {"type": "string"}, "password": {"type": "string"}},
                                                   ["username", "password"]))},
    "/api/mp/staff/cases": {"get": _op(
        "The queue the caller's roles cover, soonest deadline first, paged by cursor (no total: "
        "a worker may have thousands open)", _json(_ref("CaseQueue")), "400", "401", auth="staff", params=[
            _query("grid_id", {"type": "integer"}), _query("level", {"type": "integer"}),
            _query("state", {"type": "string"}), _query("overdue", {"enum": ["1", "true"]}),
            _query("after", {"type": "string"}), PAGING[1]])},
    "/api/mp/staff/cases/{number}": {"get": _op("A case with internal notes", _json(_ref("StaffCaseDetail")),
                                                "401", "403", "404", auth="staff", params=[NUMBER])},
    "/api/mp/staff/cases/{number}/{action}": {"post": _op(
        "Act on a case: " + ", ".join(STAFF_ACTIONS), CASE, "400", "401", "403", "404", "409", "422", auth="staff",
        body={"required": True, "content": {"application/json": {"schema": {"oneOf": [
            {"type": "object", "title": action, "properties": props} for action, props in STAFF_ACTIONS.items()]}}}},
        params=[NUMBER, _path("action", {"enum": list(STAFF_ACTIONS)})])},
    "/api/mp/staff/residents/{resident_id}/address": {"post": _op(
        "Confirm or reject a resident's address", _json(_ref("Resident")), "401", "403", "404", "409", auth="staff",
        body=_body({"approve": {"type": "boolean"}}), params=[_path("resident_id", {"type": "integer"})])},
    "/api/mp/staff/rates": {"get": _op("Assessment rates (README: formulas)", _json(_ref("Rates")), "400", "401",
                                       "403", auth="staff", params=[
                                           _query("month", {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}),
                                           _query("by", {"enum": ["grid", "staff", "category", "level"]})])},
    "/api/mp/staff/rates.csv": {"get": {**_op("Assessment rates as CSV", {"description": "CSV",
                                                                           "content": {"text/csv": {}}},
                                              "400", "401", "403", auth="staff"),
                                        "parameters": [_query("month", {"type": "string"}),
                                                       _query("by", {"type": "string"})]}},
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Linli mini-program API", "version": "1",
             "description": "Residents and staff of the community, from the WeChat mini-program. "
                            "Errors are {\"error\": {\"code\", \"message\"}}; times are +08:00."},
    "paths": PATHS,
    "components": {"schemas": SCHEMAS, "securitySchemes": {
        "resident": {"type": "http", "scheme": "bearer", "description": "token from POST /api/mp/login"},
        "staff": {"type": "http", "scheme": "bearer", "description": "token from POST /api/mp/staff/login"}}},
}
