"""The community red card (社区红卡): merchants' coupon campaigns, the coupons residents claim, and
every attempt to redeem one at the counter.

The schema itself refuses overselling: `claimed` may never pass `total_stock`, whatever the code
above it does."""
from peewee import CharField
from peewee import Check
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models.community import Building
from models.community import Community
from models.community import Grid
from models.db import BaseModel
from models.db import utcnow
from models.merchants import Merchant
from models.merchants import MerchantStaff
from models.people import Resident
from models.people import Staff
from models.people import _in

CAMPAIGN_KINDS = ("cash_off", "discount", "gift", "service")
CAMPAIGN_STATES = ("draft", "approved", "live", "paused", "ended")
COUPON_STATES = ("issued", "redeemed", "expired")


class Campaign(BaseModel):
    merchant = ForeignKeyField(Merchant, backref="campaigns", on_delete="RESTRICT")
    community = ForeignKeyField(Community, backref="campaigns", on_delete="RESTRICT")
    title = CharField(max_length=60)
    kind = CharField(max_length=16, constraints=[_in("kind", CAMPAIGN_KINDS)])
    value_fen = IntegerField(default=0, constraints=[Check("value_fen >= 0")])    # off, or the gift's worth
    threshold_fen = IntegerField(default=0, constraints=[Check("threshold_fen >= 0")])  # 满: the order's floor
    discount_percent = IntegerField(null=True, constraints=[Check("discount_percent BETWEEN 1 AND 99")])  # 88 = 八八折
    total_stock = IntegerField(constraints=[Check("total_stock > 0")])
    claimed = IntegerField(default=0, constraints=[Check("claimed >= 0 AND claimed <= total_stock")])
    per_resident_limit = IntegerField(default=1, constraints=[Check("per_resident_limit >= 1")])
    per_day_limit = IntegerField(null=True, constraints=[Check("per_day_limit >= 1")])
    claim_starts_at = DateTimeField()
    claim_ends_at = DateTimeField()
    valid_from = DateTimeField(null=True)       # fixed validity, or...
    valid_until = DateTimeField(null=True)
    valid_days = IntegerField(null=True, constraints=[Check("valid_days >= 1")])   # ...N days from the claim
    rules = TextField(default="")
    state = CharField(max_length=16, default="draft", constraints=[_in("state", CAMPAIGN_STATES)])
    approved_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    approved_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("community", "state"), False), (("merchant", "state"), False))


class CampaignAudience(BaseModel):
    """Who may claim, when not the whole community: one row per grid or building."""
    campaign = ForeignKeyField(Campaign, backref="audience", on_delete="CASCADE")
    grid = ForeignKeyField(Grid, null=True, on_delete="CASCADE")
    building = ForeignKeyField(Building, null=True, on_delete="CASCADE")


class Coupon(BaseModel):
    campaign = ForeignKeyField(Campaign, backref="coupons", on_delete="RESTRICT")
    resident = ForeignKeyField(Resident, backref="coupons", on_delete="RESTRICT")
    code = CharField(max_length=24, unique=True)       # 80 random bits and a check character
    state = CharField(max_length=16, default="issued", constraints=[_in("state", COUPON_STATES)])
    idempotency_key = CharField(max_length=64, null=True)
    claimed_at = DateTimeField(default=utcnow)
    valid_from = DateTimeField()
    expires_at = DateTimeField()
    redeemed_at = DateTimeField(null=True)
    redeemed_by = ForeignKeyField(MerchantStaff, null=True, on_delete="SET NULL")
    order_fen = IntegerField(null=True)
    reminded_at = DateTimeField(null=True)
    reminder_outcome = CharField(max_length=16, default="")

    class Meta:
        indexes = (
            (("resident", "idempotency_key"), True),
            (("resident", "state"), False),
            (("campaign", "state"), False),
            (("state", "expires_at"), False),
        )


class CouponHolding(BaseModel):
    """How many coupons of a campaign a resident holds, in all and on one day (Asia/Shanghai):
    the row every claim by that resident updates, so their limits hold under double-clicks."""
    campaign = ForeignKeyField(Campaign, on_delete="CASCADE")
    resident = ForeignKeyField(Resident, on_delete="CASCADE")
    total = IntegerField(default=0)
    day = CharField(max_length=10)
    on_day = IntegerField(default=0)

    class Meta:
        indexes = ((("campaign", "resident"), True),)


class RedemptionAttempt(BaseModel):
    """Every scan or typed code at a counter, successful or not, with the clerk: the merchant's
    and the community's record, and what rate-limits a clerk trying codes at random."""
    merchant = ForeignKeyField(Merchant, on_delete="CASCADE")
    clerk = ForeignKeyField(MerchantStaff, on_delete="CASCADE")
    coupon = ForeignKeyField(Coupon, null=True, on_delete="SET NULL")
    entered = CharField(max_length=40, default="")      # what was typed or scanned, cut short
    action = CharField(max_length=8, default="redeem", constraints=[_in("action", ("redeem", "reverse"))])
    outcome = CharField(max_length=32)                  # "ok" or the error code
    order_fen = IntegerField(null=True)
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("clerk", "created_at"), False), (("merchant", "created_at"), False))
