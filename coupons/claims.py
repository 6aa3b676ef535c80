"""Claiming a coupon: atomic against the stock and the resident's own limits.

One read first: the resident (the route checked only the token's signature), the campaign with
its merchant, whether it has an audience, and the caller's earlier coupon under this
Idempotency-Key (a replay answers that at once). Then the writes, all
or nothing: the coupon row first, which claims the key (unique per resident, so a retried tap
arriving while the first is in flight waits on that key and then answers with the first tap's
coupon); then the resident's holding row is bumped only while under their limits (an upsert
with a condition, so their double-clicks queue on that row); then the campaign's `claimed` only
while under stock, live and in its window (a conditional update; the schema's CHECK stands
behind it). The campaign row is taken last, to hold the hot lock for as short a time as possible.

On PostgreSQL the read and the writes are one statement, the function claim_coupon_read
(migration 0036; its writes are claim_coupon's of 0034): the hot row's lock ends with the
statement's commit instead of waiting for a Python thread to send COMMIT, a claim is one round
trip, and a retry with the key of a tap still in flight waits for it (an advisory lock on the
key) whatever its own read would have answered. The rules it checks are those of `take` below,
in the same order; the tests run every refusal on both databases. SQLite, one writer at a time,
runs the read and then the writes in a transaction here."""
import datetime

from peewee import Case
from peewee import DatabaseError
from peewee import DateTimeField
from peewee import IntegrityError

from coupons import campaigns
from coupons.codes import new_code
from coupons.merchants import NotFound
from coupons.merchants import RedCardError
from linli.clock import local
from linli.errors import LinliError
from models.coupons import Campaign
from models.coupons import CampaignAudience
from models.coupons import Coupon
from models.coupons import CouponHolding
from models.db import db
from models.db import is_postgres
from models.db import utcnow
from models.merchants import Merchant
from models.people import Resident

REFUSALS = {
    "not_live": "活动未开始或已暂停、结束",
    "outside_claim_window": "不在领取时间内",
    "sold_out": "来晚了，券已领完",
    "limit_reached": "每人限领 %(limit)d 张，您已领满",
    "daily_limit": "今天已领满 %(day_limit)d 张，明天再来",
}
REFUSED = "LR409"        # claim_coupon_read's SQLSTATE for a refusal; its message is the refusal's code
NO_CAMPAIGN = ("campaign_not_found", "活动不存在")
EXPIRED = ("campaign_expired", "该活动的券已过有效期")


class UnknownResident(LinliError):
    """The token was signed for a resident no longer on record: answered as a bad token."""
    status = 401


class Settled(RedCardError):
    """On SQLite, the stock found taken by the read: no earlier coupon under the key to look for.
    Only committed claims count against the stock and none gives its coupon back, so a tap with
    the key still in flight cannot win one either (only a raise of the stock in those same
    milliseconds could let it). After a flash sells out, that spares each refusal a statement."""


def claim(campaign_id, resident, idempotency_key=None, now=None):
    """(coupon, created) for `resident` (a Resident or its id): the same Idempotency-Key returns
    the first claim's coupon, also when the retry arrives while the first is still in flight."""
    key = (idempotency_key or "").strip()[:64] or None
    now = now or utcnow()
    if is_postgres():
        return _claim_in_one_statement(campaign_id, getattr(resident, "id", resident), key, now)
    resident, campaign, earlier_id = read(campaign_id, getattr(resident, "id", resident), key)
    if earlier_id is not None:
        return _coupon(Coupon.id == earlier_id), False
    try:
        return take(campaign, resident, key, now)
    except Settled:
        raise
    except (RedCardError, IntegrityError):
        # A refusal (the limit the first tap just used up, the stock it just took) or the key's
        # unique row: if the same key's first claim has committed meanwhile, its answer is ours.
        earlier = _by_key(resident, key) if key else None
        if earlier is None:
            raise
        return earlier, False


def read(campaign_id, resident_id, key):
    """(the resident, the campaign with its merchant and `has_audience`, the id of the resident's
    coupon under `key` or None): one statement, written out once per database. Profiled in a
    flash, peewee composing this join, and the resident's read before it, took a third of a
    claim's CPU; the models still read the rows."""
    row = db.execute_sql(_read_sql(), (resident_id, key, campaign_id, resident_id)).fetchone()
    if row is None:
        raise UnknownResident("bad_token", "登录凭证无效")
    resident = _instance(Resident, _FIELDS[0], row[:_SPLITS[0]])
    if row[_SPLITS[0]] is None:
        raise NotFound(*NO_CAMPAIGN)
    campaign = _instance(Campaign, _FIELDS[1], row[_SPLITS[0]:_SPLITS[1]])
    campaign.merchant = _instance(Merchant, _FIELDS[2], row[_SPLITS[1]:_SPLITS[2]])
    campaign.has_audience, earlier_id = bool(row[-2]), row[-1]
    return resident, campaign, earlier_id


_FIELDS = (Resident._meta.sorted_fields, Campaign._meta.sorted_fields, Merchant._meta.sorted_fields)
_SPLITS = (len(_FIELDS[0]), len(_FIELDS[0]) + len(_FIELDS[1]), sum(len(f) for f in _FIELDS))
_read_sqls = {}


def _read_sql():
    # The resident's row always, the campaign's joined to it when it exists: no row is an
    # unknown resident (401), a row without a campaign an unknown campaign (404).
    param = db.obj.param
    if param not in _read_sqls:
        def columns(model, alias):
            return ", ".join('%s."%s"' % (alias, f.column_name) for f in model._meta.sorted_fields)
        _read_sqls[param] = (
            'SELECT %s, %s, %s, EXISTS (SELECT 1 FROM "%s" a WHERE a."campaign_id" = c."id"), '
            '(SELECT k."id" FROM "%s" k WHERE k."resident_id" = %s AND k."idempotency_key" = %s) '
            'FROM "%s" r LEFT JOIN ("%s" c JOIN "%s" m ON m."id" = c."merchant_id") ON c."id" = %s '
            'WHERE r."id" = %s') % (
                columns(Resident, "r"), columns(Campaign, "c"), columns(Merchant, "m"),
                CampaignAudience._meta.table_name, Coupon._meta.table_name, param, param,
                Resident._meta.table_name, Campaign._meta.table_name, Merchant._meta.table_name, param, param)
    return _read_sqls[param]


def _instance(model, fields, values):
    instance = model(**{f.name: f.python_value(v) for f, v in zip(fields, values, strict=True)})
    instance._dirty.clear()         # as read, not changed
    return instance


def take(campaign, resident, key, now):
    """(coupon, created) for `campaign` as read a moment ago: its rules checked on that reading,
    then the writes, whose own conditions hold whatever changed since (ended, paused, its
    window shortened, the stock taken)."""
    campaigns.check_eligible(campaign, resident, has_audience=bool(campaign.has_audience))
    if campaign.state != "live":
        raise _refusal("not_live", campaign)
    if not campaign.claim_starts_at <= now < campaign.claim_ends_at:
        raise _refusal("outside_claim_window", campaign)
    if campaign.claimed >= campaign.total_stock:
        # Read outside the transaction: after a flash sells out, refusals cost no write. The
        # conditional update is what guarantees the stock.
        raise _refusal("sold_out", campaign, Settled)
    valid_from, expires_at = campaigns.validity_for(campaign, now)
    if expires_at <= now:
        raise RedCardError(*EXPIRED)
    coupon = Coupon(campaign=campaign, resident=resident.id, code=new_code(), claimed_at=now, state="issued",
                    idempotency_key=key, valid_from=valid_from, expires_at=expires_at, reminder_outcome="")
    day = local(now).date().isoformat()
    with db.atomic():
        coupon.save(force_insert=True)
        _hold(campaign, resident, day)
        taken = (Campaign.update(claimed=Campaign.claimed + 1)
                 .where((Campaign.id == campaign.id) & (Campaign.state == "live")
                        & (Campaign.claimed < Campaign.total_stock)
                        & (Campaign.claim_starts_at <= now) & (Campaign.claim_ends_at > now))
                 .execute())
        if not taken:
            raise _refusal(_why_not_taken(campaign.id, now), campaign)
    return coupon, True


def _claim_in_one_statement(campaign_id, resident_id, key, now):
    try:
        outcome, coupon, campaign, merchant = db.execute_sql(
            "SELECT outcome, coupon, campaign, merchant FROM claim_coupon_read(%s, %s, %s, %s, %s, %s)",
            (campaign_id, resident_id, key, new_code(), now, local(now).date().isoformat())).fetchone()
    except DatabaseError as exc:
        driver = getattr(exc, "orig", None)
        if getattr(driver, "pgcode", None) != REFUSED:
            raise
        code = driver.diag.message_primary
        if code not in ("limit_reached", "daily_limit"):
            raise _refused(code, 0, 0) from None
        # The limits for the message: a statement more, on this refusal only.
        raise _refusal(code, Campaign.select(Campaign.per_resident_limit, Campaign.per_day_limit)
                       .where(Campaign.id == campaign_id).get()) from None
    if outcome in ("created", "replayed"):
        found = _from_json(Coupon, coupon)
        found.campaign = _from_json(Campaign, campaign)
        found.campaign.merchant = _from_json(Merchant, merchant)
        return found, outcome == "created"
    if outcome == "unknown_resident":
        raise UnknownResident("bad_token", "登录凭证无效")
    if outcome == NO_CAMPAIGN[0]:
        raise NotFound(*NO_CAMPAIGN)
    if outcome == EXPIRED[0]:
        raise RedCardError(*EXPIRED)
    if outcome in campaigns.NOT_ELIGIBLE:
        raise campaigns.not_eligible(outcome)
    raise _refused(outcome, campaign["per_resident_limit"], campaign["per_day_limit"] or 0)


def _from_json(model, row):
    """`model` as read from to_json of its table's row (timestamps come as ISO text)."""
    values = {}
    for field in model._meta.sorted_fields:
        value = row.get(field.column_name)
        if value is not None and isinstance(field, DateTimeField):
            value = datetime.datetime.fromisoformat(value)
        values[field.name] = field.python_value(value)
    instance = model(**values)
    instance._dirty.clear()
    return instance


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
        raise _refusal("daily_limit", campaign)
    raise _refusal("limit_reached", campaign)


def _why_not_taken(campaign_id, now):
    """Which condition of the counter's update failed, read afresh (the campaign may have been
    paused, ended or sold out since the first read)."""
    fresh = Campaign.get_by_id(campaign_id)
    if fresh.state != "live":
        return "not_live"
    if not fresh.claim_starts_at <= now < fresh.claim_ends_at:
        return "outside_claim_window"
    return "sold_out"


def _refusal(code, campaign, kind=RedCardError):
    return _refused(code, campaign.per_resident_limit, campaign.per_day_limit or 0, kind)


def _refused(code, limit, day_limit, kind=RedCardError):
    return kind(code, REFUSALS[code] % {"limit": limit, "day_limit": day_limit})


def _coupon(where):
    """The coupon `where` picks, with its campaign and merchant as its answer shows them, or None:
    one statement."""
    return Coupon.select(Coupon, Campaign, Merchant).join(Campaign).join(Merchant).where(where).first()


def _by_key(resident, key):
    # Asked after every refusal that carried a key: the plain lookup first, the coupon's join
    # only when there is one.
    found = db.execute_sql('SELECT "id" FROM "%s" WHERE "resident_id" = %s AND "idempotency_key" = %s' % (
        Coupon._meta.table_name, db.obj.param, db.obj.param), (resident.id, key)).fetchone()
    return _coupon(Coupon.id == found[0]) if found else None
