"""Redeeming a coupon at the counter, and the owner's reversal of a mistaken one.

Single use under concurrency: the redemption is an update conditional on the coupon still being
issued, so of two clerks scanning one code at once exactly one succeeds. Every attempt is logged
with the clerk, in its own transaction when it fails; a clerk with too many recent unknown,
mistyped or forged codes is refused for a while (someone trying codes at random)."""
import datetime

from peewee import fn

from coupons import codes
from coupons.merchants import NotAllowed
from coupons.merchants import NotFound
from coupons.merchants import RedCardError
from coupons.merchants import require_owner
from linli import clock
from linli.errors import LinliError
from models.coupons import Campaign
from models.coupons import Coupon
from models.coupons import RedemptionAttempt
from models.db import db
from models.db import utcnow

MAX_FAILURES = 10
# Failures that look like trying codes: a double scan of a real code (already_redeemed) or an
# order under the threshold is a clerk's ordinary mistake and does not count.
GUESSING = ("code_unknown", "code_mistyped", "qr_forged")
FAILURE_WINDOW = datetime.timedelta(minutes=10)
REVERSE_WINDOW = datetime.timedelta(hours=2)
MAX_ORDER_FEN = 10_000_000_00            # 10 million yuan: beyond any counter, within the column


class TooManyFailures(LinliError):
    status = 429


def redeem(person, secret_key, qr=None, code=None, order_fen=None, now=None):
    """The coupon `person` (a clerk or owner) redeemed from a scanned `qr` or a typed `code`."""
    now = now or utcnow()
    entered = (qr or code or "")[:40]
    if order_fen is not None and (not isinstance(order_fen, int) or isinstance(order_fen, bool)
                                  or not 0 <= order_fen <= MAX_ORDER_FEN):
        _log(person, None, entered, "redeem", "bad_order_fen", None, now=now)
        raise LinliError("bad_order_fen", "订单金额应为 0–1000 万元之间的整数（分）", 400)
    if RedemptionAttempt.select().where((RedemptionAttempt.clerk == person.id)
                                        & RedemptionAttempt.outcome.in_(GUESSING)
                                        & (RedemptionAttempt.created_at > now - FAILURE_WINDOW)).count() \
            >= MAX_FAILURES:
        _log(person, None, entered, "redeem", "too_many_failures", order_fen, now=now)
        raise TooManyFailures("too_many_failures", "失败次数过多，请 10 分钟后再试或联系社区")
    coupon = None
    try:
        coupon = _find(person, secret_key, qr, code)
        _check(person, coupon, order_fen, now)
        with db.atomic():
            won = (Coupon.update(state="redeemed", redeemed_at=now, redeemed_by=person.id, order_fen=order_fen)
                   .where((Coupon.id == coupon.id) & (Coupon.state == "issued") & (Coupon.expires_at > now))
                   .execute())
            if not won:
                raise RedCardError("already_redeemed", "该券已被核销")
            _log(person, coupon, entered, "redeem", "ok", order_fen, now=now)
    except LinliError as exc:
        _log(person, coupon, entered, "redeem", exc.code, order_fen, now=now)
        raise
    return Coupon.get_by_id(coupon.id)


def reverse(person, code, reason, now=None):
    """Undo a redemption made by mistake: the owner, within REVERSE_WINDOW, with a reason."""
    now = now or utcnow()
    require_owner(person)
    if not (reason or "").strip():
        raise LinliError("reason_required", "请填写撤销原因")
    coupon = Coupon.get_or_none(Coupon.code == codes.normalize(code))
    if coupon is None or coupon.campaign.merchant_id != person.merchant_id:
        raise NotFound("code_unknown", "券码不存在")
    if coupon.state != "redeemed":
        raise RedCardError("not_redeemed", "该券未被核销")
    if now - coupon.redeemed_at > REVERSE_WINDOW:
        raise RedCardError("reverse_window_passed", "核销超过 2 小时，不能撤销，请联系社区")
    with db.atomic():
        if not Coupon.update(state="issued", redeemed_at=None, redeemed_by=None, order_fen=None).where(
                (Coupon.id == coupon.id) & (Coupon.state == "redeemed")).execute():
            raise RedCardError("not_redeemed", "该券未被核销")
        _log(person, coupon, coupon.code, "reverse", "ok", None, reason.strip()[:500], now)
    return Coupon.get_by_id(coupon.id)


def _find(person, secret_key, qr, code):
    if person.merchant.status != "active":
        raise NotAllowed("merchant_not_active", "商家未处于合作状态，不能核销")
    if qr:
        text = codes.code_from_qr(qr, secret_key)
    elif code:
        text = codes.normalize(code)
    else:
        raise LinliError("code_required", "请扫码或输入券码", 400)
    coupon = Coupon.get_or_none(Coupon.code == text)
    if coupon is None:
        raise NotFound("code_unknown", "券码不存在")
    return coupon


def _check(person, coupon, order_fen, now):
    campaign = Campaign.get_by_id(coupon.campaign_id)
    if campaign.merchant_id != person.merchant_id:
        # Nothing about another merchant's coupon is revealed.
        raise NotFound("code_unknown", "券码不存在")
    if coupon.state == "redeemed":
        raise RedCardError("already_redeemed", "该券已被核销")
    if coupon.state == "expired" or coupon.expires_at <= now:
        raise RedCardError("expired", "该券已过期")
    if now < coupon.valid_from:
        raise RedCardError("not_yet_valid", "该券尚未到使用时间")
    if campaign.threshold_fen and (order_fen or 0) < campaign.threshold_fen:
        raise LinliError("below_threshold", "订单金额未满 %.2f 元，不能使用该券" % (campaign.threshold_fen / 100))


def _log(person, coupon, entered, action, outcome, order_fen, reason="", now=None):
    RedemptionAttempt.create(merchant=person.merchant_id, clerk=person.id, coupon=coupon.id if coupon else None,
                             entered=entered, action=action, outcome=outcome, order_fen=order_fen,
                             reason=reason, created_at=now or utcnow())


def day_start(now):
    """The stored (naive UTC) moment today began in Beijing, `now` being stored time."""
    return clock.stored(clock.local(now).replace(hour=0, minute=0, second=0, microsecond=0))


def today_figures(merchant_id, now=None):
    """Today's (Beijing day) redemptions at the counter that still stand, and their orders' total
    in fen: read off the coupons, so a reversal takes its redemption out wherever it happened,
    and reversing yesterday's redemption leaves today's figures alone."""
    since = day_start(now or utcnow())
    standing = (Coupon.select(fn.COUNT(Coupon.id).alias("count"),
                              fn.COALESCE(fn.SUM(Coupon.order_fen), 0).alias("fen"))
                .join(Campaign, on=(Coupon.campaign == Campaign.id))
                .where((Campaign.merchant == merchant_id) & (Coupon.state == "redeemed")
                       & (Coupon.redeemed_at >= since)).dicts().get())
    return {"count": standing["count"], "total_fen": int(standing["fen"])}


def counter_log(person, since=None, limit=200, now=None):
    """The counter's latest attempts (from `since` when given) as (attempt, code, standing,
    reversible): its coupon's code (None if none was found), whether a successful redemption
    still stands (not reversed since), and whether `person` may still reverse it (the owner
    alone, within REVERSE_WINDOW)."""
    now = now or utcnow()
    query = RedemptionAttempt.select().where(RedemptionAttempt.merchant == person.merchant_id)
    if since is not None:
        query = query.where(RedemptionAttempt.created_at >= since)
    rows = list(query.order_by(RedemptionAttempt.id.desc()).limit(limit))
    coupons = {c.id: c for c in Coupon.select().where(Coupon.id.in_({a.coupon_id for a in rows if a.coupon_id}))}
    log = []
    for attempt in rows:
        coupon = coupons.get(attempt.coupon_id)
        standing = _standing(attempt, coupon)
        reversible = standing and person.role == "owner" and now - attempt.created_at <= REVERSE_WINDOW
        log.append((attempt, coupon.code if coupon else None, standing, reversible))
    return log


def _standing(attempt, coupon):
    # The coupon's standing redemption is this very attempt: redeem() stamps both with one `now`.
    return (coupon is not None and attempt.action == "redeem" and attempt.outcome == "ok"
            and coupon.state == "redeemed" and coupon.redeemed_at == attempt.created_at)
