"""The OpenAPI 3.1 document of /api/mp, served at /api/mp/openapi.json.

Tests hold it to the code: every route is documented with its methods, and real responses
validate against the schemas below.
"""
from miniprogram_api.staff import ACTION_BODIES
from miniprogram_api.staff import ACTION_NAMES

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
    "429": _json(_ref("Error"), "too many failures; wait and try again"),
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

# -- the red card -----------------------------------------------------------------------------
FEN = {"type": "integer", "minimum": 0, "description": "money in fen (分)"}
CAMPAIGN_FIELDS = {
    "title": {"type": "string", "maxLength": 60}, "kind": {"enum": ["cash_off", "discount", "gift", "service"]},
    "value_fen": FEN, "threshold_fen": FEN, "discount_percent": {"type": ["integer", "null"]},
    "total_stock": {"type": "integer"}, "per_resident_limit": {"type": "integer"},
    "per_day_limit": {"type": ["integer", "null"]}, "claim_starts_at": TIME, "claim_ends_at": TIME,
    "valid_from": TIME, "valid_until": TIME, "valid_days": {"type": ["integer", "null"]},
    "rules": {"type": "string"}}
SCHEMAS.update({
    "Campaign": {"type": "object", "required": ["id", "title", "kind", "state", "remaining"], "properties": {
        **CAMPAIGN_FIELDS, "id": {"type": "integer"}, "merchant_id": {"type": "integer"},
        "merchant": {"type": "string"}, "claimed": {"type": "integer"}, "remaining": {"type": "integer"},
        "state": {"enum": ["draft", "approved", "live", "paused", "ended"]},
        "held": {"type": "integer", "description": "how many the caller holds (resident list only)"}}},
    "Campaigns": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": _ref("Campaign")}}},
    "Coupon": {"type": "object", "required": ["id", "code", "state", "campaign", "expires_at"], "properties": {
        "id": {"type": "integer"}, "code": {"type": "string", "pattern": "^[0-9A-Z]{4}(-[0-9A-Z]{1,4}){4}$"},
        "state": {"enum": ["issued", "redeemed", "expired"]}, "campaign": {"type": "object"},
        "claimed_at": TIME, "valid_from": TIME, "expires_at": TIME, "redeemed_at": TIME,
        "qr": {"type": "string", "description": "signed payload for the QR code, good for 90 s"},
        "qr_refresh_seconds": {"type": "integer"}}},
    "Coupons": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": _ref("Coupon")}}},
    "Redeemed": {"type": "object", "required": ["code", "state"], "properties": {
        "code": {"type": "string"}, "state": {"type": "string"}, "campaign_id": {"type": "integer"},
        "title": {"type": "string"}, "resident": {"type": "string", "description": "masked"},
        "order_fen": {"type": ["integer", "null"]}, "redeemed_at": TIME}},
    "MerchantToken": {"type": "object", "required": ["token", "expires_at", "merchant_staff"], "properties": {
        "token": {"type": "string"}, "expires_at": {"type": "integer"}, "merchant_staff": {"type": "object"}}},
    "Merchant": {"type": "object", "required": ["id", "name", "status"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "address": {"type": "string"},
        "category": {"type": "string"}, "contact_name": {"type": "string"}, "contact_phone": {"type": "string"},
        "status": {"enum": ["pending", "active", "suspended"]}}},
    "CampaignStats": {"type": "object", "required": ["claimed", "redeemed", "by_day"], "properties": {
        **{name: {"type": "integer"} for name in (
            "campaign_id", "stock", "claimed", "redeemed", "unique_residents", "first_time_customers",
            "returning_customers", "value_issued_fen", "value_redeemed_fen")},
        "title": {"type": "string"}, "state": {"type": "string"}, "redemption_rate": NULLABLE_NUMBER,
        "by_day": {"type": "array", "items": {"type": "object", "properties": {
            "day": {"type": "string"}, "claimed": {"type": "integer"}, "redeemed": {"type": "integer"}}}}}},
})
CAMPAIGN_ID = _path("campaign_id", {"type": "integer"})
MERCHANT_ID = _path("merchant_id", {"type": "integer"})
CAMPAIGN_ACTION = _path("action", {"enum": ["approve", "launch", "pause", "resume", "end"]})
CAMPAIGN_BODY = _body({**CAMPAIGN_FIELDS, "grid_ids": {"type": "array", "items": {"type": "integer"}},
                       "building_ids": {"type": "array", "items": {"type": "integer"}}},
                      ["title", "kind", "total_stock", "claim_starts_at", "claim_ends_at"])
STOCK_BODY = _body({"total_stock": {"type": "integer"}}, ["total_stock"])
CSV = {"description": "CSV", "content": {"text/csv": {}}}
CAMPAIGN = _json(_ref("Campaign"))
RED_CARD_PATHS = {
    "/api/mp/campaigns": {"get": _op("Live campaigns the resident may claim", _json(_ref("Campaigns")), "401")},
    "/api/mp/campaigns/{campaign_id}/claim": {"post": {
        **_op("Claim a coupon (send an Idempotency-Key)", _json(_ref("Coupon"), "the key's earlier claim"),
              "401", "403", "404", "409", params=[CAMPAIGN_ID]),
        "responses": {"201": _json(_ref("Coupon"), "claimed"), "200": _json(_ref("Coupon"), "the key's earlier claim"),
                      **{c: ERRORS[c] for c in ("401", "403", "404", "409")}}}},
    "/api/mp/coupons": {"get": _op("My coupons", _json(_ref("Coupons")), "401", params=[
        _query("state", {"enum": ["issued", "redeemed", "expired"]})])},
    "/api/mp/coupons/{coupon_id}/qr": {"get": _op(
        "The coupon with a signed QR payload; fetch again every qr_refresh_seconds", _json(_ref("Coupon")),
        "401", "404", "409", params=[_path("coupon_id", {"type": "integer"})])},
    "/api/mp/merchant/bind": {"post": _op(
        "Bind this WeChat to merchant staff with the one-time binding code", _json(_ref("MerchantToken")),
        "400", "401", "409", auth=None, body=_body({"code": {"type": "string"}, "binding_code": {"type": "string"}},
                                                   ["code", "binding_code"]))},
    "/api/mp/merchant/login": {"post": _op(
        "A bound owner or clerk signs in with a wx.login() code", _json(_ref("MerchantToken")), "400", "401",
        auth=None, body=_body({"code": {"type": "string"}, "merchant_id": {"type": "integer"}}, ["code"]))},
    "/api/mp/merchant/campaigns": {
        "get": _op("The merchant's campaigns", _json(_ref("Campaigns")), "401", auth="merchant"),
        "post": {**_op("Draft a campaign (owner)", CAMPAIGN, "400", "401", "403", "422", auth="merchant",
                       body=CAMPAIGN_BODY),
                 "responses": {"201": CAMPAIGN, **{c: ERRORS[c] for c in ("400", "401", "403", "422")}}}},
    "/api/mp/merchant/campaigns/{campaign_id}/{action}": {"post": _op(
        "Launch, pause, resume or end (owner; approval is the community's)", CAMPAIGN, "401", "403", "404", "409",
        "422", auth="merchant", params=[CAMPAIGN_ID, CAMPAIGN_ACTION])},
    "/api/mp/merchant/campaigns/{campaign_id}/stock": {"put": _op(
        "Change the stock, never below what is claimed (owner)", CAMPAIGN, "400", "401", "403", "404", "409",
        "422", auth="merchant", body=STOCK_BODY, params=[CAMPAIGN_ID])},
    "/api/mp/merchant/campaigns/{campaign_id}/stats": {"get": _op(
        "What the campaign brought", _json(_ref("CampaignStats")), "401", "404", auth="merchant",
        params=[CAMPAIGN_ID])},
    "/api/mp/merchant/campaigns/{campaign_id}/stats.csv": {"get": _op(
        "Claims and redemptions by day as CSV", CSV, "401", "404", auth="merchant", params=[CAMPAIGN_ID])},
    "/api/mp/merchant/redeem": {"post": _op(
        "Redeem a scanned QR payload or a typed code", _json(_ref("Redeemed")), "400", "401", "403", "404", "409",
        "422", "429", auth="merchant", body=_body({"qr": {"type": "string"}, "code": {"type": "string"},
                                                   "order_fen": FEN}))},
    "/api/mp/merchant/coupons/{code}/reverse": {"post": _op(
        "Reverse a redemption within 2 hours (owner)", _json(_ref("Redeemed")), "401", "403", "404", "409", "422",
        auth="merchant", body=_body({"reason": {"type": "string"}}, ["reason"]), params=[_path("code")])},
    "/api/mp/merchant/redemptions": {"get": _op(
        "The last 200 attempts at the counter, successful or not", _json({"type": "object"}), "401",
        auth="merchant")},
    "/api/mp/staff/redcard/merchants": {
        "get": _op("The community's merchants", _json({"type": "object", "properties": {
            "items": {"type": "array", "items": _ref("Merchant")}}}), "401", "403", auth="staff"),
        "post": {**_op("Onboard a merchant", _json(_ref("Merchant")), "400", "401", "403", "409", "422",
                       auth="staff", body=_body({k: {"type": "string"} for k in (
                           "name", "address", "category", "contact_name", "contact_phone")}, ["name"])),
                 "responses": {"201": _json(_ref("Merchant")),
                               **{c: ERRORS[c] for c in ("400", "401", "403", "409", "422")}}}},
    "/api/mp/staff/redcard/merchants/{merchant_id}/status": {"put": _op(
        "Activate or suspend a merchant", _json(_ref("Merchant")), "400", "401", "403", "404", "422", auth="staff",
        body=_body({"status": {"enum": ["pending", "active", "suspended"]}}, ["status"]), params=[MERCHANT_ID])},
    "/api/mp/staff/redcard/merchants/{merchant_id}/staff": {"post": {
        **_op("Add an owner or clerk; the binding code is shown once", _json({"type": "object"}), "400", "401",
              "403", "404", "422", auth="staff", params=[MERCHANT_ID],
              body=_body({"name": {"type": "string"}, "role": {"enum": ["owner", "clerk"]}}, ["name", "role"])),
        "responses": {"201": _json({"type": "object", "required": ["binding_code"]}),
                      **{c: ERRORS[c] for c in ("400", "401", "403", "404", "422")}}}},
    "/api/mp/staff/redcard/campaigns": {
        "get": _op("The community's campaigns", _json(_ref("Campaigns")), "401", "403", auth="staff",
                   params=[_query("state", {"type": "string"})]),
        "post": {**_op("Draft a campaign for a merchant", CAMPAIGN, "400", "401", "403", "404", "422",
                       auth="staff", body=CAMPAIGN_BODY),
                 "responses": {"201": CAMPAIGN, **{c: ERRORS[c] for c in ("400", "401", "403", "404", "422")}}}},
    "/api/mp/staff/redcard/campaigns/{campaign_id}/{action}": {"post": _op(
        "Approve, launch, pause, resume or end", CAMPAIGN, "401", "403", "404", "409", "422", auth="staff",
        params=[CAMPAIGN_ID, CAMPAIGN_ACTION])},
    "/api/mp/staff/redcard/campaigns/{campaign_id}/stock": {"put": _op(
        "Change the stock, never below what is claimed", CAMPAIGN, "400", "401", "403", "404", "409", "422",
        auth="staff", body=STOCK_BODY, params=[CAMPAIGN_ID])},
    "/api/mp/staff/redcard/campaigns/{campaign_id}/stats": {"get": _op(
        "What the campaign brought", _json(_ref("CampaignStats")), "401", "403", "404", auth="staff",
        params=[CAMPAIGN_ID])},
    "/api/mp/staff/redcard/totals": {"get": _op(
        "Per merchant: claimed, redeemed, value issued and redeemed", _json({"type": "object"}), "401", "403",
        auth="staff")},
    "/api/mp/staff/redcard/totals.csv": {"get": _op("The totals as CSV", CSV, "401", "403", auth="staff")},
}

# The case actions' bodies and names come from their table (cases.workflow.ACTIONS).
STAFF_ACTIONS = ACTION_BODIES

PATHS = {
    "/api/mp/openapi.json": {"get": _op("This document", _json({"type": "object"}), auth=None)},
    "/api/mp/login": {"post": _op("Exchange a wx.login() code for a token (30 a minute per address)", _json(_ref("Token")),
                                  "400", "401", "429",
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
    "/api/mp/uploads": {"post": {**_op("Upload a photo (multipart field `file`; JPEG, PNG, WebP; 10 MB; "
                                       "20 in ten minutes)", _json(_ref("Upload")), "400", "401", "422", "429"),
                                 "responses": {"201": _json(_ref("Upload"), "stored"), "413": ERRORS["422"],
                                               **{c: ERRORS[c] for c in ("400", "401", "422", "429")}}}},
    "/api/mp/reports": {
        "post": {**_op("File a case; send Idempotency-Key (20 an hour)", CASE, "400", "401", "422", "429", body=_body({
            "description": {"type": "string"}, "category_id": {"type": "integer"},
            "photo_ids": {"type": "array", "items": {"type": "integer"}}, "anonymous": {"type": "boolean"},
            "publish_photos": {"type": "boolean"},
            "location": {"type": "object", "properties": {"lat": {"type": "number"}, "lng": {"type": "number"},
                                                          "label": {"type": "string"}}}}),
            params=[{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}]),
                 "responses": {"201": _json(_ref("CaseSummary"), "filed"), "200": _json(_ref("CaseSummary"),
                               "the case first filed with this Idempotency-Key"),
                               **{c: ERRORS[c] for c in ("400", "401", "422", "429")}}},
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
    "/api/mp/staff/login": {"post": _op("Staff sign-in (5 failures per name and address in 15 min, then 429)", _json(_ref("Token")),
                                        "400", "401", "429", auth=None,
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
        body={"required": True, "content": {"application/json": {"schema": {"oneOf": list(
            STAFF_ACTIONS.values())}}}},
        params=[NUMBER, _path("action", {"enum": ACTION_NAMES})])},
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
             "description": "Residents, staff and red-card merchants of the community, from the WeChat mini-program. "
                            "Errors are {\"error\": {\"code\", \"message\"}}; times are +08:00."},
    "paths": {**PATHS, **RED_CARD_PATHS},
    "components": {"schemas": SCHEMAS, "securitySchemes": {
        "resident": {"type": "http", "scheme": "bearer", "description": "token from POST /api/mp/login"},
        "staff": {"type": "http", "scheme": "bearer", "description": "token from POST /api/mp/staff/login"},
        "merchant": {"type": "http", "scheme": "bearer",
                     "description": "token from POST /api/mp/merchant/bind or /api/mp/merchant/login"}}},
}
