"""JSON shapes of the red card's endpoints (miniprogram_api/redcard.py): each serializer beside
the model that documents what it returns, as in serializers.py."""
from typing import Annotated
from typing import Literal

from pydantic import BaseModel
from pydantic import Field

from coupons import codes
from coupons import wallet
from miniprogram_api.openapi import example_of
from miniprogram_api.openapi import examples
from miniprogram_api.serializers import Rate
from miniprogram_api.serializers import Time
from miniprogram_api.serializers import Token
from miniprogram_api.serializers import when
from models.coupons import CAMPAIGN_KINDS
from models.coupons import CAMPAIGN_STATES
from models.coupons import COUPON_STATES
from models.merchants import MERCHANT_ROLES
from models.merchants import MERCHANT_STATES


class Merchant(BaseModel):
    model_config = examples(
        {"id": 1, "name": "八家庄便民超市", "address": "八家庄路12号", "category": "超市", "contact_name": "李店长",
         "contact_phone": "13900000061", "status": "active"})
    id: int
    name: str
    address: str
    category: str
    contact_name: str
    contact_phone: str
    status: Literal[MERCHANT_STATES]


class Merchants(BaseModel):
    model_config = examples({"items": [example_of(Merchant)]})
    items: list[Merchant]


def merchant_json(merchant):
    return {"id": merchant.id, "name": merchant.name, "address": merchant.address, "category": merchant.category,
            "contact_name": merchant.contact_name, "contact_phone": merchant.contact_phone,
            "status": merchant.status}


Fen = Annotated[int, Field(description="money in fen (分)")]


class CampaignTerms(BaseModel):
    model_config = examples({"id": 3, "title": "满50减10", "kind": "cash_off", "merchant": "八家庄便民超市",
         "merchant_address": "八家庄路12号", "value_fen": 1000, "threshold_fen": 5000, "discount_percent": None,
         "rules": "单笔满50元可用，每单限用一张，不与店内其他优惠同享"})
    """What a coupon shows of its campaign."""
    id: int
    title: str
    kind: Literal[CAMPAIGN_KINDS]
    merchant: str
    merchant_address: str = Field(description="where the coupon is used")
    value_fen: Fen
    threshold_fen: Fen
    discount_percent: int | None
    rules: str


class Campaign(CampaignTerms):
    model_config = examples(example_of(
        CampaignTerms, merchant_id=1, total_stock=200, claimed=57, remaining=143, per_resident_limit=1,
        per_day_limit=50, claim_starts_at="2026-11-20T08:00:00+08:00", claim_ends_at="2026-12-20T22:00:00+08:00",
        valid_from="2026-11-20T08:00:00+08:00", valid_until="2026-12-31T22:00:00+08:00", valid_days=None,
        state="live", held=1))
    merchant_id: int
    total_stock: int
    claimed: int
    remaining: int
    per_resident_limit: int
    per_day_limit: int | None
    claim_starts_at: Time
    claim_ends_at: Time
    valid_from: Time
    valid_until: Time
    valid_days: int | None
    state: Literal[CAMPAIGN_STATES]
    held: int = Field(None, description="how many the caller holds (resident list only)")


class Campaigns(BaseModel):
    model_config = examples({"items": [example_of(Campaign)]})
    items: list[Campaign]


def campaign_json(campaign, held=None):
    body = {"id": campaign.id, "merchant_id": campaign.merchant_id, "merchant": campaign.merchant.name,
            "merchant_address": campaign.merchant.address, "title": campaign.title, "kind": campaign.kind,
            "value_fen": campaign.value_fen,
            "threshold_fen": campaign.threshold_fen, "discount_percent": campaign.discount_percent,
            "total_stock": campaign.total_stock, "claimed": campaign.claimed,
            "remaining": campaign.total_stock - campaign.claimed,
            "per_resident_limit": campaign.per_resident_limit, "per_day_limit": campaign.per_day_limit,
            "claim_starts_at": when(campaign.claim_starts_at), "claim_ends_at": when(campaign.claim_ends_at),
            "valid_from": when(campaign.valid_from), "valid_until": when(campaign.valid_until),
            "valid_days": campaign.valid_days, "rules": campaign.rules, "state": campaign.state}
    if held is not None:
        body["held"] = held
    return body


class Coupon(BaseModel):
    model_config = examples(
        {"id": 88, "code": "7K3M-Q9XD-2PLA-HT4W-X", "state": "issued", "campaign": example_of(CampaignTerms),
         "claimed_at": "2026-11-26T18:02:44+08:00", "valid_from": "2026-11-20T08:00:00+08:00",
         "expires_at": "2026-12-31T22:00:00+08:00", "redeemed_at": None,
         "qr": "IjdLM01ROVhEMlBMQUhUNFdYIg.awm2ug.Ole2B958olnwh6JpH9AQBpATmRc", "qr_refresh_seconds": 60})
    id: int
    code: Annotated[str, Field(pattern="^[0-9A-Z]{4}(-[0-9A-Z]{1,4}){4}$")]
    state: Literal[COUPON_STATES] = Field(description="an issued coupon past its end shows expired at once")
    campaign: CampaignTerms
    claimed_at: Time
    valid_from: Time
    expires_at: Time
    redeemed_at: Time
    qr: str = Field(None, description="signed payload for the QR code, good for 90 s")
    qr_refresh_seconds: int = None


class Coupons(BaseModel):
    model_config = examples(
        {"items": [{key: value for key, value in example_of(Coupon).items() if not key.startswith("qr")}]})
    items: list[Coupon]


def coupon_json(coupon, qr=None):
    campaign = coupon.campaign
    body = {"id": coupon.id, "code": codes.display(coupon.code), "state": wallet.state_of(coupon),
            "campaign": {"id": campaign.id, "title": campaign.title, "kind": campaign.kind,
                         "merchant": campaign.merchant.name, "merchant_address": campaign.merchant.address,
                         "value_fen": campaign.value_fen,
                         "threshold_fen": campaign.threshold_fen, "discount_percent": campaign.discount_percent,
                         "rules": campaign.rules},
            "claimed_at": when(coupon.claimed_at), "valid_from": when(coupon.valid_from),
            "expires_at": when(coupon.expires_at), "redeemed_at": when(coupon.redeemed_at)}
    if qr is not None:
        body["qr"] = qr
    return body


class Redeemed(BaseModel):
    model_config = examples(
        {"code": "7K3MQ9XD2PLAHT4WX", "state": "redeemed", "campaign_id": 3, "title": "满50减10", "resident": "居***",
         "order_fen": 6850, "redeemed_at": "2026-11-27T10:31:09+08:00"})
    code: str
    state: str
    campaign_id: int
    title: str
    resident: str = Field(description="masked")
    order_fen: Fen | None
    redeemed_at: Time


def redeemed_json(coupon):
    """What the counter sees: the coupon and the resident's masked name, nothing more."""
    nickname = coupon.resident.nickname or "居民"
    return {"code": coupon.code, "state": coupon.state, "campaign_id": coupon.campaign_id,
            "title": coupon.campaign.title, "resident": nickname[:1] + "*" * max(len(nickname) - 1, 1),
            "order_fen": coupon.order_fen, "redeemed_at": when(coupon.redeemed_at)}


class MerchantStaff(BaseModel):
    id: int
    name: str
    role: Literal[MERCHANT_ROLES]
    merchant: Merchant


class MerchantToken(Token):
    model_config = examples(example_of(
        Token, token="eyJtIjo0fQ.awm2eQ.q8Jr2dKxN0bV7fTt1sLwYc9ZpHk",
        merchant_staff={"id": 4, "name": "李店长", "role": "owner", "merchant": example_of(Merchant)}))
    merchant_staff: MerchantStaff


class NewMerchantStaff(BaseModel):
    model_config = examples(
        {"id": 5, "name": "收银员小赵", "role": "clerk", "binding_code": "9F3A61C04E",
         "binding_expires_at": "2026-11-28T10:31:09+08:00"})
    id: int
    name: str
    role: Literal[MERCHANT_ROLES]
    binding_code: str = Field(description="shown once")
    binding_expires_at: Time


class Attempt(BaseModel):
    id: int
    clerk_id: int
    action: str
    outcome: str
    entered: str
    order_fen: int | None
    reason: str
    at: Time
    reversed: bool = Field(description="a successful redemption reversed since")
    code: str | None = Field(description="the coupon's code, for the owner only (to reverse it)")
    reversible: bool = Field(description="the owner may still reverse it (within 2 hours)")


class TodayFigures(BaseModel):
    count: int = Field(description="today's redemptions (Beijing day) that still stand")
    total_fen: int = Field(description="their orders' total in fen")


class Attempts(BaseModel):
    model_config = examples(
        {"today": {"count": 1, "total_fen": 6850},
         "items": [{"id": 31, "clerk_id": 5, "action": "redeem", "outcome": "ok", "entered": "7K3MQ9XD2PLAHT4WX",
                    "order_fen": 6850, "reason": "", "at": "2026-11-27T10:31:09+08:00", "reversed": False,
                    "code": "7K3M-Q9XD-2PLA-HT4W-X", "reversible": True},
                   {"id": 30, "clerk_id": 5, "action": "redeem", "outcome": "code_mistyped",
                    "entered": "7K3MQ9XD2PLAHT4WY", "order_fen": 6850, "reason": "",
                    "at": "2026-11-27T10:30:40+08:00", "reversed": False, "code": None, "reversible": False}]})
    today: TodayFigures
    items: list[Attempt]


class DayFigures(BaseModel):
    day: str
    claimed: int
    redeemed: int


class CampaignStats(BaseModel):
    model_config = examples(
        {"campaign_id": 3, "title": "满50减10", "state": "live", "stock": 200, "claimed": 57, "redeemed": 21,
         "redemption_rate": 0.3684, "unique_residents": 57, "first_time_customers": 9, "returning_customers": 12,
         "value_issued_fen": 57000, "value_redeemed_fen": 21000,
         "by_day": [{"day": "2026-11-26", "claimed": 12, "redeemed": 5},
                    {"day": "2026-11-27", "claimed": 8, "redeemed": 6}]})
    campaign_id: int
    title: str
    state: str
    stock: int
    claimed: int
    redeemed: int
    redemption_rate: Rate
    unique_residents: int
    first_time_customers: int
    returning_customers: int
    value_issued_fen: int
    value_redeemed_fen: int
    by_day: list[DayFigures]


class MerchantTotals(BaseModel):
    merchant_id: int
    merchant: str
    campaigns: int
    claimed: int
    redeemed: int
    value_issued_fen: int
    value_redeemed_fen: int


class Totals(BaseModel):
    model_config = examples(
        {"items": [{"merchant_id": 1, "merchant": "八家庄便民超市", "campaigns": 2, "claimed": 57, "redeemed": 21,
                    "value_issued_fen": 57000, "value_redeemed_fen": 21000}]})
    items: list[MerchantTotals]
