"""What the red card brought: per campaign for its merchant, per merchant for the community.

Value: a cash-off, gift or service coupon is worth its face value; a discount coupon's worth is
only known when used (order × the discount), so it counts in value redeemed, not issued.
A first-time customer is one whose first redemption at the merchant (any campaign) is in this
campaign; the campaign's other redeeming residents are returning customers."""
from peewee import fn

from linli.clock import local
from linli.csv_export import csv_text
from models.coupons import Campaign
from models.coupons import Coupon
from models.merchants import Merchant


def campaign_stats(campaign):
    coupons = list(Coupon.select().where(Coupon.campaign == campaign.id))
    redeemed = [c for c in coupons if c.state == "redeemed"]
    first_at_merchant = dict(
        Coupon.select(Coupon.resident, fn.MIN(Coupon.redeemed_at))
        .join(Campaign, on=(Coupon.campaign == Campaign.id))
        .where((Campaign.merchant == campaign.merchant_id) & (Coupon.state == "redeemed"))
        .group_by(Coupon.resident).tuples())
    first_here = {c.resident_id for c in redeemed if c.redeemed_at == first_at_merchant.get(c.resident_id)}
    days = {}
    for c in coupons:
        days.setdefault(local(c.claimed_at).date().isoformat(), [0, 0])[0] += 1
    for c in redeemed:
        days.setdefault(local(c.redeemed_at).date().isoformat(), [0, 0])[1] += 1
    return {
        "campaign_id": campaign.id, "title": campaign.title, "state": campaign.state,
        "stock": campaign.total_stock, "claimed": len(coupons), "redeemed": len(redeemed),
        "redemption_rate": round(len(redeemed) / len(coupons), 4) if coupons else None,
        "unique_residents": len({c.resident_id for c in coupons}),
        "first_time_customers": len(first_here),
        "returning_customers": len({c.resident_id for c in redeemed} - first_here),
        "value_issued_fen": sum(_face_value(campaign) for _ in coupons),
        "value_redeemed_fen": sum(_redeemed_value(campaign, c) for c in redeemed),
        "by_day": [{"day": day, "claimed": n[0], "redeemed": n[1]} for day, n in sorted(days.items())],
    }


def community_totals(community_id):
    """Per merchant of the community: campaigns, coupons claimed and redeemed, value issued and
    redeemed (fen)."""
    rows = {}
    for merchant in Merchant.select().where(Merchant.community == community_id).order_by(Merchant.name):
        rows[merchant.id] = {"merchant_id": merchant.id, "merchant": merchant.name, "campaigns": 0, "claimed": 0,
                             "redeemed": 0, "value_issued_fen": 0, "value_redeemed_fen": 0}
    campaigns = {c.id: c for c in Campaign.select().where(Campaign.community == community_id)}
    for campaign in campaigns.values():
        rows[campaign.merchant_id]["campaigns"] += 1
    for coupon in Coupon.select(Coupon.campaign, Coupon.state, Coupon.order_fen).where(
            Coupon.campaign.in_(list(campaigns) or [0])):
        campaign, row = campaigns[coupon.campaign_id], rows[campaigns[coupon.campaign_id].merchant_id]
        row["claimed"] += 1
        row["value_issued_fen"] += _face_value(campaign)
        if coupon.state == "redeemed":
            row["redeemed"] += 1
            row["value_redeemed_fen"] += _redeemed_value(campaign, coupon)
    return list(rows.values())


def as_csv(rows, columns):
    return csv_text(columns, ([row.get(name, "") for name in columns] for row in rows))


def _face_value(campaign):
    return 0 if campaign.kind == "discount" else campaign.value_fen


def _redeemed_value(campaign, coupon):
    if campaign.kind == "discount":
        return (coupon.order_fen or 0) * (100 - campaign.discount_percent) // 100
    return campaign.value_fen
