"""The community red card's endpoints for residents (under /api/mp) and merchants' counters
(under /api/mp/merchant); community staff's are in redcard_staff.py. Parse, call coupons/, render."""
from typing import Annotated
from typing import Any
from typing import Literal

from flask import Blueprint
from flask import Response
from flask import g
from flask import jsonify
from flask import request
from pydantic import Field
from pydantic import StrictInt
from pydantic import WithJsonSchema

import wechat
from community import residents
from coupons import campaigns
from coupons import claims
from coupons import codes
from coupons import merchants
from coupons import redemption
from coupons import stats
from coupons import wallet
from coupons.merchants import NotFound
from coupons.redemption import MAX_ORDER_FEN
from linli import config
from miniprogram_api import redcard_json
from miniprogram_api.auth import issue
from miniprogram_api.auth import merchant_required
from miniprogram_api.auth import resident_id_required
from miniprogram_api.auth import resident_required
from miniprogram_api.openapi import CSV
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import examples
from miniprogram_api.parsing import Body
from miniprogram_api.parsing import IdempotencyKey
from miniprogram_api.parsing import Moment
from miniprogram_api.parsing import Query
from miniprogram_api.parsing import Refusal
from miniprogram_api.parsing import Text
from miniprogram_api.parsing import Whole
from miniprogram_api.redcard_json import Attempts
from miniprogram_api.redcard_json import Campaign as CampaignShape
from miniprogram_api.redcard_json import Campaigns
from miniprogram_api.redcard_json import CampaignStats
from miniprogram_api.redcard_json import Coupon as CouponShape
from miniprogram_api.redcard_json import Coupons
from miniprogram_api.redcard_json import MerchantToken
from miniprogram_api.redcard_json import Redeemed
from miniprogram_api.serializers import when
from models.coupons import CAMPAIGN_KINDS
from models.coupons import COUPON_STATES
from models.coupons import Campaign
from models.db import utcnow
from models.merchants import Merchant

resident_bp = Blueprint("redcard_resident", __name__, url_prefix="/api/mp")
merchant_bp = Blueprint("redcard_merchant", __name__, url_prefix="/api/mp/merchant")
STATS_COLUMNS = ["day", "claimed", "redeemed"]
CAMPAIGN_ACTIONS = {"action": campaigns.TRANSITIONS}


# -- residents --------------------------------------------------------------------------------
@resident_bp.get("/campaigns")
@resident_required
@declare(Campaigns)
def live_campaigns():
    """Live campaigns the resident may claim"""
    return jsonify({"items": [redcard_json.campaign_json(c, held) for c, held in campaigns.claimable(g.resident)]})


@resident_bp.post("/campaigns/<int:campaign_id>/claim")
@resident_id_required          # the claim's one read takes the resident with the campaign
@declare((CouponShape, "the key's earlier claim"), 403, 404, 409, created=(CouponShape, "claimed"))
def claim(campaign_id, headers: IdempotencyKey):
    """Claim a coupon (send an Idempotency-Key)"""
    coupon, created = claims.claim(campaign_id, g.resident_id, headers.key)
    return jsonify(redcard_json.coupon_json(coupon)), 201 if created else 200


class CouponFilter(Query):
    state: str | None = Field(None, description=" or ".join(COUPON_STATES))


@resident_bp.get("/coupons")
@resident_required
@declare(Coupons)
def my_coupons(query: CouponFilter):
    """My coupons"""
    return jsonify({"items": [redcard_json.coupon_json(c) for c in wallet.coupons(g.resident, query.state)]})


@resident_bp.get("/coupons/<int:coupon_id>")
@resident_required
@declare(CouponShape, 404)
def my_coupon(coupon_id):
    """One of my coupons, in any state (no QR payload: that is /qr's)"""
    return jsonify(redcard_json.coupon_json(wallet.coupon(g.resident, coupon_id)))


@resident_bp.get("/coupons/<int:coupon_id>/qr")
@resident_required
@declare(CouponShape, 404, 409)
def coupon_qr(coupon_id):
    """The coupon with a signed QR payload; fetch again every qr_refresh_seconds"""
    coupon = wallet.coupon(g.resident, coupon_id)
    if wallet.state_of(coupon) != "issued":
        raise merchants.RedCardError("not_usable", "该券已使用或已过期")
    payload = codes.qr_payload(coupon.code, config.active().SECRET_KEY)
    body = redcard_json.coupon_json(coupon, qr=payload)
    body["qr_refresh_seconds"] = codes.QR_ROTATION
    return jsonify(body)


# -- merchants' counters ----------------------------------------------------------------------
class Binding(Body):
    model_config = examples({"code": "0c3Xb8100CzSAV1nJa300sN3Yx2Xb81Q", "binding_code": "9F3A61C04E"})
    code: Text = Field("", description="from wx.login()")
    binding_code: Text = ""


@merchant_bp.post("/bind")
@declare(MerchantToken, 401, 409, 429)
def bind(json: Binding):
    """Bind this WeChat to merchant staff with the one-time binding code (wrong codes counted
    like wrong passwords, then 429)"""
    session = residents.code_to_session(wechat.miniprogram(), json.code)
    person = merchants.bind(session["openid"], json.binding_code, address=request.remote_addr or "")
    return _merchant_token(person)


class MerchantSignIn(Body):
    model_config = examples({"code": "0c3Xb8100CzSAV1nJa300sN3Yx2Xb81Q"},
                            {"code": "0a1Kz70w3TqMBV2mLd2w3b2Cb64Kz70B", "merchant_id": 1})
    code: Text = Field("", description="from wx.login()")
    merchant_id: Whole | None = Field(None, description="needed when this WeChat serves several merchants")


@merchant_bp.post("/login")
@declare(MerchantToken, 401)
def merchant_login(json: MerchantSignIn):
    """A bound owner or clerk signs in with a wx.login() code"""
    session = residents.code_to_session(wechat.miniprogram(), json.code)
    return _merchant_token(merchants.staff_for(session["openid"], json.merchant_id))


@merchant_bp.get("/campaigns")
@merchant_required
@declare(Campaigns)
def merchant_campaigns():
    """The merchant's campaigns"""
    rows = (Campaign.select(Campaign, Merchant).join(Merchant).where(Campaign.merchant == g.merchant.merchant_id)
            .order_by(Campaign.id.desc()))
    return jsonify({"items": [redcard_json.campaign_json(c) for c in rows]})


Fen = Annotated[Whole, Field(description="money in fen (分)")]


class CampaignDraft(Body):
    """A campaign's terms; the rules between them (a discount needs its percent, the stock is
    positive, validity is fixed or counted from the claim) are coupons.campaigns'."""
    model_config = examples(
        {"title": "满50减10", "kind": "cash_off", "value_fen": 1000, "threshold_fen": 5000, "total_stock": 200,
         "per_resident_limit": 1, "per_day_limit": 50, "claim_starts_at": "2026-11-20T08:00:00+08:00",
         "claim_ends_at": "2026-12-20T22:00:00+08:00", "valid_from": "2026-11-20T08:00:00+08:00",
         "valid_until": "2026-12-31T22:00:00+08:00", "rules": "单笔满50元可用，每单限用一张，不与店内其他优惠同享",
         "grid_ids": [1, 2]},
        {"title": "理发八八折", "kind": "discount", "discount_percent": 88, "total_stock": 100, "per_resident_limit": 1,
         "claim_starts_at": "2026-12-01T09:00:00+08:00", "claim_ends_at": "2026-12-31T20:00:00+08:00",
         "valid_days": 14, "rules": "限本人使用，烫染除外"})
    claim_starts_at: Moment = None
    claim_ends_at: Moment = None
    valid_from: Moment = None
    valid_until: Moment = None
    value_fen: Fen | None = None
    threshold_fen: Fen | None = None
    discount_percent: Whole | None = Field(None, description="88 for 八八折")
    total_stock: Whole | None = None
    per_resident_limit: Whole | None = None
    per_day_limit: Whole | None = None
    valid_days: Whole | None = Field(None, description="days from the claim, when there is no valid_until")
    title: Text = ""
    # A kind or an audience the domain does not take was its 422 before the schema saw it.
    kind: Annotated[Literal[CAMPAIGN_KINDS] | None, Refusal(
        "bad_kind", "类型应为 %s 之一" % "、".join(CAMPAIGN_KINDS), 422)] = None
    rules: Text = ""
    grid_ids: Annotated[list[StrictInt] | None, Refusal("bad_audience", "{name} 应为整数列表", 422)] = None
    building_ids: Annotated[list[StrictInt] | None, Refusal("bad_audience", "{name} 应为整数列表", 422)] = None

    def terms(self):
        return self.model_dump(exclude={"grid_ids", "building_ids", "merchant_id"})


@merchant_bp.post("/campaigns")
@merchant_required
@declare(None, 403, 422, created=CampaignShape)
def merchant_draft(json: CampaignDraft):
    """Draft a campaign (owner)"""
    campaign = campaigns.create(g.merchant.merchant, json.terms(), json.grid_ids or (), json.building_ids or (),
                                person=g.merchant)
    return jsonify(redcard_json.campaign_json(campaign)), 201


@merchant_bp.post("/campaigns/<int:campaign_id>/<action>")
@merchant_required
@declare(CampaignShape, 403, 404, 409, 422, path=CAMPAIGN_ACTIONS)
def merchant_act(campaign_id, action):
    """Launch, pause, resume or end (owner; approval is the community's)"""
    return jsonify(redcard_json.campaign_json(campaigns.act(_own_campaign(campaign_id), action, person=g.merchant)))


class Stock(Body):
    model_config = examples({"total_stock": 300})
    total_stock: Whole


@merchant_bp.put("/campaigns/<int:campaign_id>/stock")
@merchant_required
@declare(CampaignShape, 403, 404, 409, 422)
def merchant_stock(campaign_id, json: Stock):
    """Change the stock, never below what is claimed (owner)"""
    return jsonify(redcard_json.campaign_json(campaigns.set_stock(_own_campaign(campaign_id), json.total_stock,
                                                                 person=g.merchant)))


@merchant_bp.get("/campaigns/<int:campaign_id>/stats")
@merchant_required
@declare(CampaignStats, 404)
def merchant_stats(campaign_id):
    """What the campaign brought"""
    return jsonify(stats.campaign_stats(_own_campaign(campaign_id)))


@merchant_bp.get("/campaigns/<int:campaign_id>/stats.csv")
@merchant_required
@declare(CSV, 404)
def merchant_stats_csv(campaign_id):
    """Claims and redemptions by day as CSV"""
    figures = stats.campaign_stats(_own_campaign(campaign_id))
    return csv_download(stats.as_csv(figures["by_day"], STATS_COLUMNS), "campaign-%d.csv" % campaign_id)


class Redemption(Body):
    model_config = examples({"qr": "IjdLM01ROVhEMlBMQUhUNFdYIg.awm2ug.Ole2B958olnwh6JpH9AQBpATmRc", "order_fen": 6850},
                            {"code": "7K3M-Q9XD-2PLA-HT4W-X", "order_fen": 6850})
    qr: Text = Field("", description="the scanned payload")
    code: Text = Field("", description="or the typed code")
    # Checked by the domain, which logs a refused amount with the attempt (400 bad_order_fen).
    order_fen: Annotated[Any, WithJsonSchema({"type": ["integer", "null"], "minimum": 0, "maximum": MAX_ORDER_FEN,
                                              "description": "the order's amount in fen (分)"})] = None


@merchant_bp.post("/redeem")
@merchant_required
@declare(Redeemed, 403, 404, 409, 422, 429)
def redeem(json: Redemption):
    """Redeem a scanned QR payload or a typed code"""
    coupon = redemption.redeem(g.merchant, config.active().SECRET_KEY, qr=json.qr, code=json.code,
                               order_fen=json.order_fen)
    return jsonify(redcard_json.redeemed_json(coupon))


class Reversal(Body):
    model_config = examples({"reason": "顾客退货，整单取消"})
    reason: Text = ""


@merchant_bp.post("/coupons/<code>/reverse")
@merchant_required
@declare(Redeemed, 403, 404, 409, 422)
def reverse(code, json: Reversal):
    """Reverse a redemption within 2 hours (owner)"""
    coupon = redemption.reverse(g.merchant, code, json.reason)
    return jsonify(redcard_json.redeemed_json(coupon))


class AttemptFilter(Query):
    day: Literal["today"] | None = Field(None, description="today: only today's attempts (Beijing day)")


@merchant_bp.get("/redemptions")
@merchant_required
@declare(Attempts)
def attempts(query: AttemptFilter):
    """The last 200 attempts at the counter (today's with day=today), and today's figures"""
    now = utcnow()
    since = redemption.day_start(now) if query.day == "today" else None
    owner = g.merchant.role == "owner"
    log = redemption.counter_log(g.merchant, since=since, now=now)
    return jsonify({"today": redemption.today_figures(g.merchant.merchant_id, now),
                    "items": [{"id": a.id, "clerk_id": a.clerk_id, "action": a.action, "outcome": a.outcome,
                               "entered": a.entered, "order_fen": a.order_fen, "reason": a.reason,
                               "at": when(a.created_at),
                               "reversed": a.action == "redeem" and a.outcome == "ok" and not standing,
                               "code": codes.display(code) if owner and code else None,
                               "reversible": reversible} for a, code, standing, reversible in log]})


# -- helpers ----------------------------------------------------------------------------------
def _merchant_token(person):
    token, expires_at = issue(person, "merchant")
    return jsonify({"token": token, "expires_at": expires_at,
                    "merchant_staff": {"id": person.id, "name": person.name, "role": person.role,
                                       "merchant": redcard_json.merchant_json(person.merchant)}})


def _own_campaign(campaign_id):
    campaign = Campaign.get_or_none((Campaign.id == campaign_id) & (Campaign.merchant == g.merchant.merchant_id))
    if campaign is None:
        raise NotFound("campaign_not_found", "活动不存在")
    return campaign


def csv_download(content, filename):
    """`content` as a CSV file to save, named `filename`."""
    return Response(content, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=%s" % filename})
