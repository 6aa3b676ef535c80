"""Coupons past their validity expire, and residents hear a day before theirs do."""
import datetime

from linli import config
from linli.clock import local
from models.coupons import Campaign
from models.coupons import Coupon
from models.db import utcnow
from models.people import Resident
from wechat.outbound import delivery
from wechat.outbound import reach
from wechat.outbound.payload import Message
from wechat.outbound.payload import template

REMIND_AHEAD = datetime.timedelta(hours=24)
REMIND_BATCH = 500


def expire(now=None):
    """Issued coupons past their end become expired; returns how many."""
    now = now or utcnow()
    return Coupon.update(state="expired").where((Coupon.state == "issued") & (Coupon.expires_at <= now)).execute()


def remind(now=None, ahead=REMIND_AHEAD):
    """A subscribe message to each holder of a coupon expiring within `ahead`, once per coupon:
    the coupon is marked before the send, so two consumers never both send it. Returns the
    outcomes by coupon id."""
    now = now or utcnow()
    due = list(Coupon.select(Coupon.id).where((Coupon.state == "issued") & Coupon.reminded_at.is_null()
                                              & (Coupon.expires_at > now) & (Coupon.expires_at <= now + ahead))
               .order_by(Coupon.expires_at).limit(REMIND_BATCH))
    outcomes = {}
    for row in due:
        if not Coupon.update(reminded_at=now).where((Coupon.id == row.id) & Coupon.reminded_at.is_null()).execute():
            continue                                   # another consumer has it
        coupon = Coupon.get_by_id(row.id)
        resident, message = _reminder(coupon)
        channels = reach.channels(resident, message, kinds=("subscribe",))
        outcome = delivery.attempt(resident, message, channels, last_try=True)
        Coupon.update(reminder_outcome=outcome.state).where(Coupon.id == coupon.id).execute()
        outcomes[coupon.id] = outcome.state
    return outcomes


def _reminder(coupon):
    """The holder, and what they read: the campaign, when the coupon expires, a nudge."""
    settings = config.active()
    campaign = Campaign.get_by_id(coupon.campaign_id)
    return Resident.get_by_id(coupon.resident_id), Message(mini_program=template(
        settings.MP_COUPON_TEMPLATE_ID,
        {"thing1": campaign.title,
         "time2": local(coupon.expires_at).strftime("%Y-%m-%d %H:%M"),
         "thing3": "您的社区红卡即将过期，请尽快使用"},
        page=settings.MP_COUPON_PAGE))
