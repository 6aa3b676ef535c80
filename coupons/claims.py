"""Claiming a coupon: atomic against the stock and the resident's own limits.

One transaction: the coupon row first, which claims its Idempotency-Key (a unique key per
resident, so a retried tap arriving while the first is in flight waits on that key and then
answers with the first tap's coupon); then the resident's holding row is bumped only while under
their limits (an upsert with a condition, so their double-clicks queue on that row), then the
campaign's `claimed` only while under stock (a conditional update; the schema's CHECK stands
behind it). Any refusal rolls the whole claim back. The campaign row is taken last, to hold the
hot lock for as short a time as possible."""
from peewee import Case
from peewee import IntegrityError

from coupons import campaigns
from coupons.codes import new_code
from coupons.merchants import RedCardError
from linli.clock import local
from models.coupons import Campaign
from models.coupons import Coupon
from models.coupons import CouponHolding
from models.db import db
from models.db import utcnow


def claim(campaign_id, resident, idempotency_key=None, now=None):
    """(coupon, created): the same Idempotency-Key returns the first claim's coupon, also when the
    retry arrives while the first is still in flight."""
    key = (idempotency_key or "").strip()[:64] or None
    try:
        return _claim(campaign_id, resident, key, now or utcnow())
    except (RedCardError, IntegrityError):
        # A refusal (the limit the first tap just used up, the stock it just took) or the key's
        # unique row: if the same key's first claim has committed meanwhile, its answer is ours.
        earlier = _by_key(resident, key) if key else None
        if earlier is None:
            raise
        return earlier, False


def _claim(campaign_id, resident, key, now):
    if key:
        earlier = _by_key(resident, key)
        if earlier is not None:
            return earlier, False
    campaign = campaigns.get(campaign_id)
    campaigns.check_eligible(campaign, resident)
    if campaign.state != "live":
        raise RedCardError("not_live", "活动未开始或已暂停、结束")
    if not campaign.claim_starts_at <= now < campaign.claim_ends_at:
        raise RedCardError("outside_claim_window", "不在领取时间内")
    if campaign.claimed >= campaign.total_stock:
        # Read outside the transaction: after a flash sells out, refusals cost no write. The
        # conditional update below is what guarantees the stock.
        raise RedCardError("sold_out", "来晚了，券已领完")
    valid_from, expires_at = campaigns.validity_for(campaign, now)
    if expires_at <= now:
        raise RedCardError("campaign_expired", "该活动的券已过有效期")
    with db.atomic():
        # First, so a second tap with this key waits here (PostgreSQL: on the unique index; SQLite:
        # on the write lock) until the first commits, then fails on the key and reads its coupon.
        coupon = Coupon.create(campaign=campaign.id, resident=resident.id, code=new_code(), claimed_at=now,
                               idempotency_key=key, valid_from=valid_from, expires_at=expires_at)
        _hold(campaign, resident, local(now).date().isoformat())
        taken = (Campaign.update(claimed=Campaign.claimed + 1)
                 .where((Campaign.id == campaign.id) & (Campaign.state == "live")
                        & (Campaign.claimed < Campaign.total_stock))
                 .execute())
        if not taken:
            raise RedCardError("sold_out", "来晚了，券已领完")
    return coupon, True


def _hold(campaign, resident, day):
    day_limit = campaign.per_day_limit or campaign.per_resident_limit
    bumped = (CouponHolding.insert(campaign=campaign.id, resident=resident.id, total=1, day=day, on_day=1)
              .on_conflict(conflict_target=[CouponHolding.campaign, CouponHolding.resident],
                           update={CouponHolding.total: CouponHolding.total + 1,
                                   CouponHolding.on_day: Case(None, [(CouponHolding.day == day,
                                                                      CouponHolding.on_day + 1)], 1),
                                   CouponHolding.day: day},
                           where=((CouponHolding.total < campaign.per_resident_limit)
                                  & ((CouponHolding.day != day) | (CouponHolding.on_day < day_limit))))
              .returning(CouponHolding.total)
              .execute())
    if list(bumped):
        return
    if campaign.per_day_limit and CouponHolding.get(
            (CouponHolding.campaign == campaign.id) & (CouponHolding.resident == resident.id)).total \
            < campaign.per_resident_limit:
        raise RedCardError("daily_limit", "今天已领满 %d 张，明天再来" % campaign.per_day_limit)
    raise RedCardError("limit_reached", "每人限领 %d 张，您已领满" % campaign.per_resident_limit)


def _by_key(resident, key):
    return Coupon.get_or_none((Coupon.resident == resident.id) & (Coupon.idempotency_key == key))
