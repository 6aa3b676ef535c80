"""The community red card's endpoints for community staff, under /api/mp/staff/redcard:
merchants, campaigns' approval, totals. Parse, call coupons/, render."""
import functools

from flask import Blueprint
from flask import g
from flask import jsonify
from pydantic import Field

from coupons import campaigns
from coupons import merchants
from coupons import stats
from coupons.merchants import NotFound
from miniprogram_api import redcard_json
from miniprogram_api.auth import staff_required
from miniprogram_api.openapi import CSV
from miniprogram_api.openapi import declare
from miniprogram_api.openapi import example_of
from miniprogram_api.openapi import examples
from miniprogram_api.parsing import Body
from miniprogram_api.parsing import Query
from miniprogram_api.parsing import Text
from miniprogram_api.parsing import Whole
from miniprogram_api.redcard import CAMPAIGN_ACTIONS
from miniprogram_api.redcard import CampaignDraft
from miniprogram_api.redcard import Stock
from miniprogram_api.redcard import csv_download
from miniprogram_api.redcard_json import Campaign as CampaignShape
from miniprogram_api.redcard_json import Campaigns
from miniprogram_api.redcard_json import CampaignStats
from miniprogram_api.redcard_json import Merchant as MerchantShape
from miniprogram_api.redcard_json import Merchants
from miniprogram_api.redcard_json import NewMerchantStaff
from miniprogram_api.redcard_json import Totals
from miniprogram_api.serializers import when
from models.coupons import Campaign
from models.merchants import MERCHANT_ROLES
from models.merchants import MERCHANT_STATES
from models.merchants import Merchant

bp = Blueprint("redcard_staff", __name__, url_prefix="/api/mp/staff/redcard")
TOTALS_COLUMNS = ["merchant", "campaigns", "claimed", "redeemed", "value_issued_fen", "value_redeemed_fen"]


@bp.get("/merchants")
@staff_required
@declare(Merchants, 403)
def list_merchants():
    """The community's merchants"""
    community_id = merchants.managed_community(g.staff)
    rows = Merchant.select().where(Merchant.community == community_id).order_by(Merchant.name)
    return jsonify({"items": [redcard_json.merchant_json(m) for m in rows]})


class NewMerchant(Body):
    model_config = examples({"name": "丰收路理发店", "address": "丰收路8号", "category": "理发",
                             "contact_name": "周师傅", "contact_phone": "13900000062"})
    name: Text = ""
    address: Text = ""
    category: Text = ""
    contact_name: Text = ""
    contact_phone: Text = ""


@bp.post("/merchants")
@staff_required
@declare(None, 403, 409, 422, created=MerchantShape)
def onboard(json: NewMerchant):
    """Onboard a merchant"""
    merchant = merchants.onboard(g.staff, json.name, json.address, json.category, json.contact_name,
                                 json.contact_phone)
    return jsonify(redcard_json.merchant_json(merchant)), 201


class MerchantStatus(Body):
    model_config = examples({"status": "active"}, {"status": "suspended"})
    # The domain names a status it does not know (422 bad_status).
    status: Text = Field("", description=" or ".join(MERCHANT_STATES))


@bp.put("/merchants/<int:merchant_id>/status")
@staff_required
@declare(MerchantShape, 403, 404, 422)
def merchant_status(merchant_id, json: MerchantStatus):
    """Activate or suspend a merchant"""
    merchant = merchants.set_status(g.staff, _merchant(merchant_id), json.status)
    return jsonify(redcard_json.merchant_json(merchant))


class MerchantPerson(Body):
    model_config = examples({"name": "收银员小赵", "role": "clerk"})
    name: Text = ""
    role: Text = Field("", description=" or ".join(MERCHANT_ROLES))


@bp.post("/merchants/<int:merchant_id>/staff")
@staff_required
@declare(None, 403, 404, 422, created=NewMerchantStaff)
def add_merchant_staff(merchant_id, json: MerchantPerson):
    """Add an owner or clerk; the binding code is shown once"""
    person, code = merchants.add_staff(g.staff, _merchant(merchant_id), json.name, json.role)
    return jsonify({"id": person.id, "name": person.name, "role": person.role, "binding_code": code,
                    "binding_expires_at": when(person.binding_expires_at)}), 201


class CampaignFilter(Query):
    state: str | None = None


@bp.get("/campaigns")
@staff_required
@declare(Campaigns, 403)
def staff_campaigns(query: CampaignFilter):
    """The community's campaigns"""
    community_id = merchants.managed_community(g.staff)
    rows = Campaign.select(Campaign, Merchant).join(Merchant).where(Campaign.community == community_id)
    if query.state:
        rows = rows.where(Campaign.state == query.state)
    return jsonify({"items": [redcard_json.campaign_json(c) for c in rows.order_by(Campaign.id.desc())]})


def _role_first(view):
    """The community role before the body is read: a stranger learns nothing of the form."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        merchants.managed_community(g.staff)
        return view(*args, **kwargs)
    return wrapper


class StaffCampaignDraft(CampaignDraft):
    model_config = examples(example_of(CampaignDraft, merchant_id=1))
    merchant_id: Whole


@bp.post("/campaigns")
@staff_required
@_role_first
@declare(None, 403, 404, 422, created=CampaignShape)
def staff_draft(json: StaffCampaignDraft):
    """Draft a campaign for a merchant"""
    campaign = campaigns.create(_merchant(json.merchant_id), json.terms(), json.grid_ids or (),
                                json.building_ids or (), staff=g.staff)
    return jsonify(redcard_json.campaign_json(campaign)), 201


@bp.post("/campaigns/<int:campaign_id>/<action>")
@staff_required
@declare(CampaignShape, 403, 404, 409, 422, path=CAMPAIGN_ACTIONS)
def staff_act(campaign_id, action):
    """Approve, launch, pause, resume or end"""
    return jsonify(redcard_json.campaign_json(campaigns.act(campaigns.get(campaign_id), action, staff=g.staff)))


@bp.put("/campaigns/<int:campaign_id>/stock")
@staff_required
@declare(CampaignShape, 403, 404, 409, 422)
def staff_stock(campaign_id, json: Stock):
    """Change the stock, never below what is claimed"""
    return jsonify(redcard_json.campaign_json(campaigns.set_stock(campaigns.get(campaign_id), json.total_stock,
                                                                 staff=g.staff)))


@bp.get("/campaigns/<int:campaign_id>/stats")
@staff_required
@declare(CampaignStats, 403, 404)
def staff_stats(campaign_id):
    """What the campaign brought"""
    campaign = campaigns.get(campaign_id)
    merchants.managed_community(g.staff, campaign.community_id)
    return jsonify(stats.campaign_stats(campaign))


@bp.get("/totals")
@staff_required
@declare(Totals, 403)
def totals():
    """Per merchant: claimed, redeemed, value issued and redeemed"""
    return jsonify({"items": stats.community_totals(merchants.managed_community(g.staff))})


@bp.get("/totals.csv")
@staff_required
@declare(CSV, 403)
def totals_csv():
    """The totals as CSV"""
    rows = stats.community_totals(merchants.managed_community(g.staff))
    return csv_download(stats.as_csv(rows, TOTALS_COLUMNS), "red-card-totals.csv")


def _merchant(merchant_id):
    merchant = Merchant.get_or_none(Merchant.id == merchant_id)
    if merchant is None:
        raise NotFound("merchant_not_found", "商家不存在")
    return merchant
