"""The community red card's endpoints: residents under /api/mp, merchants' counters under
/api/mp/merchant, community staff under /api/mp/staff/redcard. Parse, call coupons/, render."""
from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import jsonify
from flask import request

import wechat
from community import residents
from coupons import campaigns
from coupons import claims
from coupons import codes
from coupons import merchants
from coupons import redemption
from coupons import stats
from coupons.merchants import NotFound
from miniprogram_api import serializers
from miniprogram_api.auth import issue
from miniprogram_api.auth import merchant_required
from miniprogram_api.auth import resident_required
from miniprogram_api.auth import staff_required
from miniprogram_api.parsing import integer
from miniprogram_api.parsing import json_body
from miniprogram_api.parsing import text
from miniprogram_api.parsing import timestamp
from models.coupons import Campaign
from models.coupons import Coupon
from models.coupons import RedemptionAttempt
from models.merchants import Merchant

resident_bp = Blueprint("redcard_resident", __name__, url_prefix="/api/mp")
merchant_bp = Blueprint("redcard_merchant", __name__, url_prefix="/api/mp/merchant")
staff_bp = Blueprint("redcard_staff", __name__, url_prefix="/api/mp/staff/redcard")
CAMPAIGN_INTEGERS = ("value_fen", "threshold_fen", "discount_percent", "total_stock", "per_resident_limit",
                     "per_day_limit", "valid_days")
CAMPAIGN_TIMES = ("claim_starts_at", "claim_ends_at", "valid_from", "valid_until")
STATS_COLUMNS = ["day", "claimed", "redeemed"]
TOTALS_COLUMNS = ["merchant", "campaigns", "claimed", "redeemed", "value_issued_fen", "value_redeemed_fen"]


# -- residents --------------------------------------------------------------------------------
@resident_bp.get("/campaigns")
@resident_required
def live_campaigns():
    return jsonify({"items": [serializers.campaign_json(c, held) for c, held in campaigns.claimable(g.resident)]})


@resident_bp.post("/campaigns/<int:campaign_id>/claim")
@resident_required
def claim(campaign_id):
    coupon, created = claims.claim(campaign_id, g.resident, request.headers.get("Idempotency-Key"))
    return jsonify(serializers.coupon_json(coupon)), 201 if created else 200


@resident_bp.get("/coupons")
@resident_required
def my_coupons():
    state = request.args.get("state") or None
    # One query: each coupon shows its campaign and merchant.
    query = (Coupon.select(Coupon, Campaign, Merchant).join(Campaign).join(Merchant)
             .where(Coupon.resident == g.resident.id))
    if state:
        query = query.where(Coupon.state == state)
    return jsonify({"items": [serializers.coupon_json(c) for c in
                              query.order_by(Coupon.claimed_at.desc(), Coupon.id.desc()).limit(200)]})


@resident_bp.get("/coupons/<int:coupon_id>/qr")
@resident_required
def coupon_qr(coupon_id):
    coupon = Coupon.get_or_none((Coupon.id == coupon_id) & (Coupon.resident == g.resident.id))
    if coupon is None:
        raise NotFound("coupon_not_found", "券不存在")
    if coupon.state != "issued":
        raise merchants.RedCardError("not_usable", "该券已使用或已过期")
    payload = codes.qr_payload(coupon.code, current_app.config["SECRET_KEY"])
    body = serializers.coupon_json(coupon, qr=payload)
    body["qr_refresh_seconds"] = codes.QR_ROTATION
    return jsonify(body)


# -- merchants' counters ----------------------------------------------------------------------
@merchant_bp.post("/bind")
def bind():
    body = json_body()
    session = residents.code_to_session(wechat.miniprogram(), text(body, "code"))
    person = merchants.bind(session["openid"], text(body, "binding_code"))
    return _merchant_token(person)


@merchant_bp.post("/login")
def merchant_login():
    body = json_body()
    session = residents.code_to_session(wechat.miniprogram(), text(body, "code"))
    return _merchant_token(merchants.staff_for(session["openid"], integer(body, "merchant_id")))


@merchant_bp.get("/campaigns")
@merchant_required
def merchant_campaigns():
    rows = (Campaign.select(Campaign, Merchant).join(Merchant).where(Campaign.merchant == g.merchant.merchant_id)
            .order_by(Campaign.id.desc()))
    return jsonify({"items": [serializers.campaign_json(c) for c in rows]})


@merchant_bp.post("/campaigns")
@merchant_required
def merchant_draft():
    body = json_body()
    campaign = campaigns.create(g.merchant.merchant, _campaign_values(body), body.get("grid_ids") or (),
                                body.get("building_ids") or (), person=g.merchant)
    return jsonify(serializers.campaign_json(campaign)), 201


@merchant_bp.post("/campaigns/<int:campaign_id>/<action>")
@merchant_required
def merchant_act(campaign_id, action):
    return jsonify(serializers.campaign_json(campaigns.act(_own_campaign(campaign_id), action, person=g.merchant)))


@merchant_bp.put("/campaigns/<int:campaign_id>/stock")
@merchant_required
def merchant_stock(campaign_id):
    total = integer(json_body(), "total_stock", required=True)
    return jsonify(serializers.campaign_json(campaigns.set_stock(_own_campaign(campaign_id), total,
                                                                 person=g.merchant)))


@merchant_bp.get("/campaigns/<int:campaign_id>/stats")
@merchant_required
def merchant_stats(campaign_id):
    return jsonify(stats.campaign_stats(_own_campaign(campaign_id)))


@merchant_bp.get("/campaigns/<int:campaign_id>/stats.csv")
@merchant_required
def merchant_stats_csv(campaign_id):
    figures = stats.campaign_stats(_own_campaign(campaign_id))
    return _csv(stats.as_csv(figures["by_day"], STATS_COLUMNS), "campaign-%d.csv" % campaign_id)


@merchant_bp.post("/redeem")
@merchant_required
def redeem():
    body = json_body()
    coupon = redemption.redeem(g.merchant, current_app.config["SECRET_KEY"], qr=text(body, "qr"),
                               code=text(body, "code"), order_fen=body.get("order_fen"))
    return jsonify(serializers.redeemed_json(coupon))


@merchant_bp.post("/coupons/<code>/reverse")
@merchant_required
def reverse(code):
    coupon = redemption.reverse(g.merchant, code, text(json_body(), "reason"))
    return jsonify(serializers.redeemed_json(coupon))


@merchant_bp.get("/redemptions")
@merchant_required
def attempts():
    rows = (RedemptionAttempt.select().where(RedemptionAttempt.merchant == g.merchant.merchant_id)
            .order_by(RedemptionAttempt.id.desc()).limit(200))
    return jsonify({"items": [{"id": a.id, "clerk_id": a.clerk_id, "action": a.action, "outcome": a.outcome,
                               "entered": a.entered, "order_fen": a.order_fen, "reason": a.reason,
                               "at": serializers.when(a.created_at)} for a in rows]})


# -- community staff --------------------------------------------------------------------------
@staff_bp.get("/merchants")
@staff_required
def list_merchants():
    community_id = merchants.managed_community(g.staff)
    rows = Merchant.select().where(Merchant.community == community_id).order_by(Merchant.name)
    return jsonify({"items": [serializers.merchant_json(m) for m in rows]})


@staff_bp.post("/merchants")
@staff_required
def onboard():
    body = json_body()
    merchant = merchants.onboard(g.staff, text(body, "name"), text(body, "address"), text(body, "category"),
                                 text(body, "contact_name"), text(body, "contact_phone"))
    return jsonify(serializers.merchant_json(merchant)), 201


@staff_bp.put("/merchants/<int:merchant_id>/status")
@staff_required
def merchant_status(merchant_id):
    merchant = merchants.set_status(g.staff, _merchant(merchant_id), text(json_body(), "status"))
    return jsonify(serializers.merchant_json(merchant))


@staff_bp.post("/merchants/<int:merchant_id>/staff")
@staff_required
def add_merchant_staff(merchant_id):
    body = json_body()
    person, code = merchants.add_staff(g.staff, _merchant(merchant_id), text(body, "name"), text(body, "role"))
    return jsonify({"id": person.id, "name": person.name, "role": person.role, "binding_code": code,
                    "binding_expires_at": serializers.when(person.binding_expires_at)}), 201


@staff_bp.get("/campaigns")
@staff_required
def staff_campaigns():
    community_id = merchants.managed_community(g.staff)
    query = Campaign.select(Campaign, Merchant).join(Merchant).where(Campaign.community == community_id)
    if request.args.get("state"):
        query = query.where(Campaign.state == request.args["state"])
    return jsonify({"items": [serializers.campaign_json(c) for c in query.order_by(Campaign.id.desc())]})


@staff_bp.post("/campaigns")
@staff_required
def staff_draft():
    merchants.managed_community(g.staff)          # the role first: a stranger learns nothing of the form
    body = json_body()
    merchant = _merchant(integer(body, "merchant_id", required=True))
    campaign = campaigns.create(merchant, _campaign_values(body), body.get("grid_ids") or (),
                                body.get("building_ids") or (), staff=g.staff)
    return jsonify(serializers.campaign_json(campaign)), 201


@staff_bp.post("/campaigns/<int:campaign_id>/<action>")
@staff_required
def staff_act(campaign_id, action):
    return jsonify(serializers.campaign_json(campaigns.act(campaigns.get(campaign_id), action, staff=g.staff)))


@staff_bp.put("/campaigns/<int:campaign_id>/stock")
@staff_required
def staff_stock(campaign_id):
    total = integer(json_body(), "total_stock", required=True)
    return jsonify(serializers.campaign_json(campaigns.set_stock(campaigns.get(campaign_id), total, staff=g.staff)))


@staff_bp.get("/campaigns/<int:campaign_id>/stats")
@staff_required
def staff_stats(campaign_id):
    campaign = campaigns.get(campaign_id)
    merchants.managed_community(g.staff, campaign.community_id)
    return jsonify(stats.campaign_stats(campaign))


@staff_bp.get("/totals")
@staff_required
def totals():
    return jsonify({"items": stats.community_totals(merchants.managed_community(g.staff))})


@staff_bp.get("/totals.csv")
@staff_required
def totals_csv():
    rows = stats.community_totals(merchants.managed_community(g.staff))
    return _csv(stats.as_csv(rows, TOTALS_COLUMNS), "red-card-totals.csv")


# -- helpers ----------------------------------------------------------------------------------
def _merchant_token(person):
    token, expires_at = issue(person, "merchant")
    return jsonify({"token": token, "expires_at": expires_at,
                    "merchant_staff": {"id": person.id, "name": person.name, "role": person.role,
                                       "merchant": serializers.merchant_json(person.merchant)}})


def _merchant(merchant_id):
    merchant = Merchant.get_or_none(Merchant.id == merchant_id)
    if merchant is None:
        raise NotFound("merchant_not_found", "商家不存在")
    return merchant


def _own_campaign(campaign_id):
    campaign = Campaign.get_or_none((Campaign.id == campaign_id) & (Campaign.merchant == g.merchant.merchant_id))
    if campaign is None:
        raise NotFound("campaign_not_found", "活动不存在")
    return campaign


def _campaign_values(body):
    values = {name: timestamp(body, name) for name in CAMPAIGN_TIMES}
    for name in CAMPAIGN_INTEGERS:
        values[name] = integer(body, name)
    values.update(title=text(body, "title"), kind=body.get("kind"), rules=text(body, "rules"))
    return values


def _csv(content, filename):
    return Response(content, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=%s" % filename})
