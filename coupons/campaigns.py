"""Campaigns: drafted by a merchant's owner or by community staff, approved by staff, then
live, paused or ended. Stock may change, never below what residents have claimed."""
import datetime

from coupons.merchants import NotAllowed
from coupons.merchants import NotFound
from coupons.merchants import RedCardError
from coupons.merchants import managed_community
from coupons.merchants import require_owner
from linli.errors import LinliError
from models.community import Building
from models.community import Grid
from models.coupons import CAMPAIGN_KINDS
from models.coupons import Campaign
from models.coupons import CampaignAudience
from models.coupons import CouponHolding
from models.db import INT_MAX
from models.db import db
from models.db import utcnow
from models.merchants import Merchant

MAX_STOCK = 1_000_000
# action → (states it starts from, state it leads to)
TRANSITIONS = {
    "approve": (("draft",), "approved"),
    "launch": (("approved",), "live"),
    "pause": (("live",), "paused"),
    "resume": (("paused",), "live"),
    "end": (("approved", "live", "paused"), "ended"),
}
STAFF_ONLY = ("approve",)


class Invalid(LinliError):
    status = 422


def create(merchant, values, grid_ids=(), building_ids=(), staff=None, person=None):
    """A draft campaign of `merchant` from plain `values` (times naive UTC, money in fen), by
    community `staff` or the merchant's owner `person`."""
    if staff is not None:
        managed_community(staff, merchant.community_id)
    else:
        _require_merchant_owner(person, merchant)
    fields = _validated(values)
    grids, buildings = _audience(merchant.community_id, grid_ids, building_ids)
    with db.atomic():
        campaign = Campaign.create(merchant=merchant, community=merchant.community_id, **fields)
        audience = ([{"campaign": campaign.id, "grid": g} for g in grids]
                    + [{"campaign": campaign.id, "building": b} for b in buildings])
        if audience:
            CampaignAudience.insert_many(audience).execute()
    return campaign


def act(campaign, action, staff=None, person=None, now=None):
    """Move `campaign` through its lifecycle; conditional on its state, so two clicks cannot
    both win and a stale page cannot undo a newer change."""
    if action not in TRANSITIONS:
        raise Invalid("bad_action", "操作应为 %s 之一" % "、".join(TRANSITIONS))
    if staff is not None:
        managed_community(staff, campaign.community_id)
    else:
        if action in STAFF_ONLY:
            raise NotAllowed("staff_only", "活动须由社区审核")
        _require_merchant_owner(person, campaign.merchant)
    sources, target = TRANSITIONS[action]
    now = now or utcnow()
    values = dict(state=target, updated_at=now)
    if action == "approve":
        values.update(approved_by=staff.id, approved_at=now)
    if action == "launch" and campaign.merchant.status != "active":
        raise RedCardError("merchant_not_active", "商家未处于合作状态")
    moved = Campaign.update(**values).where((Campaign.id == campaign.id) & Campaign.state.in_(sources)).execute()
    if not moved:
        raise RedCardError("bad_state", "活动当前状态为“%s”，不能%s" % (Campaign.get_by_id(campaign.id).state, action))
    return Campaign.get_by_id(campaign.id)


def set_stock(campaign, total, staff=None, person=None):
    if staff is not None:
        managed_community(staff, campaign.community_id)
    else:
        _require_merchant_owner(person, campaign.merchant)
    if not isinstance(total, int) or isinstance(total, bool) or not 1 <= total <= MAX_STOCK:
        raise Invalid("bad_stock", "库存应为 1–%d 的整数" % MAX_STOCK)
    # Checked in the same statement as the write: a claim landing meanwhile is counted.
    if not Campaign.update(total_stock=total, updated_at=utcnow()).where(
            (Campaign.id == campaign.id) & (Campaign.claimed <= total) & (Campaign.state != "ended")).execute():
        fresh = Campaign.get_by_id(campaign.id)
        if fresh.state == "ended":
            raise RedCardError("bad_state", "活动已结束")
        raise RedCardError("below_claimed", "库存不能少于已领取的 %d 张" % fresh.claimed)
    return Campaign.get_by_id(campaign.id)


def claimable(resident, now=None):
    """Live campaigns in their claim window that `resident` may claim, each with how many of
    it they hold: [(campaign, held)]. Sold-out ones are listed (remaining 0)."""
    if resident.address_state != "confirmed" or not resident.community_id:
        return []
    now = now or utcnow()
    campaigns = (Campaign.select(Campaign, Merchant).join(Merchant)
                 .where((Campaign.community == resident.community_id) & (Campaign.state == "live")
                        & (Campaign.claim_starts_at <= now) & (Campaign.claim_ends_at > now))
                 .order_by(Campaign.claim_ends_at, Campaign.id))
    campaigns = [c for c in campaigns if _audience_admits(c, resident)]
    held = {h.campaign_id: h.total for h in CouponHolding.select().where(
        (CouponHolding.resident == resident) & CouponHolding.campaign.in_([c.id for c in campaigns]))} \
        if campaigns else {}
    return [(c, held.get(c.id, 0)) for c in campaigns]


# Who may not claim, by code: also named by claim_coupon_read (migration 0036) on PostgreSQL.
NOT_ELIGIBLE = {
    "address_not_confirmed": "请先登记住址并等待社区确认，再领取社区红卡",
    "other_community": "该活动仅限本社区居民",
    "not_in_audience": "该活动仅限指定网格或楼栋的居民",
}


def check_eligible(campaign, resident, has_audience=True):
    """NotAllowed unless `resident` may claim `campaign`; has_audience=False (read with the
    campaign) spares the audience's query."""
    if resident.address_state != "confirmed":
        raise not_eligible("address_not_confirmed")
    if resident.community_id != campaign.community_id:
        raise not_eligible("other_community")
    if has_audience and not _audience_admits(campaign, resident):
        raise not_eligible("not_in_audience")


def not_eligible(code):
    return NotAllowed(code, NOT_ELIGIBLE[code])


def get(campaign_id):
    campaign = Campaign.get_or_none(Campaign.id == campaign_id)
    if campaign is None:
        raise NotFound("campaign_not_found", "活动不存在")
    return campaign


def validity_for(campaign, claimed_at):
    """(valid_from, expires_at) of a coupon claimed at `claimed_at`."""
    if campaign.valid_days:
        return claimed_at, claimed_at + datetime.timedelta(days=campaign.valid_days)
    return campaign.valid_from, campaign.valid_until


def _audience_admits(campaign, resident):
    rows = list(CampaignAudience.select().where(CampaignAudience.campaign == campaign.id))
    if not rows:
        return True
    if resident.building_id is None:
        return False
    grid_id = Building.select(Building.grid).where(Building.id == resident.building_id).scalar()
    return any(r.building_id == resident.building_id or (r.grid_id and r.grid_id == grid_id) for r in rows)


def _require_merchant_owner(person, merchant):
    if person is None or person.merchant_id != merchant.id:
        raise NotAllowed("not_your_merchant", "只能管理本店的活动")
    require_owner(person)


def _audience(community_id, grid_ids, building_ids):
    grid_ids, building_ids = _ids(grid_ids, "grid_ids"), _ids(building_ids, "building_ids")
    if grid_ids and Grid.select().where(Grid.id.in_(grid_ids) & (Grid.community == community_id)).count() \
            != len(grid_ids):
        raise Invalid("bad_audience", "网格不属于本社区")
    if building_ids and Building.select().where(Building.id.in_(building_ids)
                                                & (Building.community == community_id)).count() != len(building_ids):
        raise Invalid("bad_audience", "楼栋不属于本社区")
    return grid_ids, building_ids


def _ids(values, name):
    values = list(values or ())
    if any(not isinstance(v, int) or isinstance(v, bool) or not 0 < v <= INT_MAX for v in values):
        raise Invalid("bad_audience", "%s 应为整数列表" % name)
    return sorted(set(values))


def _validated(v):
    def number(name, low, high, default=None):
        value = v.get(name)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise Invalid("bad_" + name, "%s 应为 %d–%d 的整数" % (name, low, high))
        return value

    title = (v.get("title") or "").strip()
    if not 1 <= len(title) <= 60:
        raise Invalid("bad_title", "标题应为 1–60 个字")
    kind = v.get("kind")
    if kind not in CAMPAIGN_KINDS:
        raise Invalid("bad_kind", "类型应为 %s 之一" % "、".join(CAMPAIGN_KINDS))
    fields = dict(title=title, kind=kind, rules=(v.get("rules") or "")[:2000],
                  value_fen=number("value_fen", 0, 100_000_00, 0),
                  threshold_fen=number("threshold_fen", 0, 1_000_000_00, 0),
                  discount_percent=number("discount_percent", 1, 99),
                  total_stock=number("total_stock", 1, MAX_STOCK),
                  per_resident_limit=number("per_resident_limit", 1, 100, 1),
                  per_day_limit=number("per_day_limit", 1, 100),
                  valid_days=number("valid_days", 1, 366))
    if fields["total_stock"] is None:
        raise Invalid("bad_total_stock", "请填写库存")
    if kind == "cash_off" and (fields["value_fen"] == 0 or fields["value_fen"] > fields["threshold_fen"] > 0):
        raise Invalid("bad_value_fen", "满减券的减免金额应大于 0 且不超过门槛")
    if kind == "discount" and fields["discount_percent"] is None:
        raise Invalid("bad_discount_percent", "折扣券须填写折扣（如 88 表示八八折）")
    if fields["per_day_limit"] and fields["per_day_limit"] > fields["per_resident_limit"]:
        raise Invalid("bad_per_day_limit", "每日限领不能超过每人限领")
    for name in ("claim_starts_at", "claim_ends_at", "valid_from", "valid_until"):
        value = v.get(name)
        if value is not None and not isinstance(value, datetime.datetime):
            raise Invalid("bad_" + name, "%s 应为时间" % name)
        fields[name] = value
    if not (fields["claim_starts_at"] and fields["claim_ends_at"]
            and fields["claim_starts_at"] < fields["claim_ends_at"]):
        raise Invalid("bad_claim_window", "领取时间应有开始和结束，且开始早于结束")
    fixed = fields["valid_from"] is not None or fields["valid_until"] is not None
    if fixed == bool(fields["valid_days"]):
        raise Invalid("bad_validity", "有效期请二选一：固定起止日期，或领取后 N 天")
    if fixed and not (fields["valid_from"] and fields["valid_until"]
                      and fields["valid_from"] < fields["valid_until"]
                      and fields["valid_until"] > fields["claim_starts_at"]):
        raise Invalid("bad_validity", "固定有效期应有起止，且结束晚于开始领取的时间")
    return fields
