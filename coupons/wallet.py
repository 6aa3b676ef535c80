"""A resident's coupons as they see them: listed by state, one of theirs, and the state each
shows. The expiry sweep (expiry.expire) marks coupons only every 10 minutes; until it runs, an
issued coupon past its end already shows as expired, is listed under 已过期, and has no QR."""
from coupons.merchants import NotFound
from models.coupons import Campaign
from models.coupons import Coupon
from models.db import utcnow
from models.merchants import Merchant

LIST_LIMIT = 200


def state_of(coupon, now=None):
    if coupon.state == "issued" and coupon.expires_at <= (now or utcnow()):
        return "expired"
    return coupon.state


def coupons(resident, state=None, now=None):
    """The resident's coupons in `state` (as shown; any when None), newest claim first, each
    with its campaign and merchant in the one query."""
    now = now or utcnow()
    rows = (Coupon.select(Coupon, Campaign, Merchant).join(Campaign).join(Merchant)
            .where(Coupon.resident == resident.id))
    if state == "issued":
        rows = rows.where((Coupon.state == "issued") & (Coupon.expires_at > now))
    elif state == "expired":
        rows = rows.where((Coupon.state == "expired") | ((Coupon.state == "issued") & (Coupon.expires_at <= now)))
    elif state:
        rows = rows.where(Coupon.state == state)
    return list(rows.order_by(Coupon.claimed_at.desc(), Coupon.id.desc()).limit(LIST_LIMIT))


def coupon(resident, coupon_id):
    """The resident's own coupon, or 404: another resident's coupon is not revealed to exist."""
    found = (Coupon.select(Coupon, Campaign, Merchant).join(Campaign).join(Merchant)
             .where((Coupon.id == coupon_id) & (Coupon.resident == resident.id)).first())
    if found is None:
        raise NotFound("coupon_not_found", "券不存在")
    return found
