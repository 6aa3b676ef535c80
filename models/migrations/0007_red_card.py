"""The community red card: campaigns, their audience, coupons, each resident's holding (the row
that keeps their limits under double-clicks) and the log of redemption attempts; merchant staff
get a one-time binding code. The CHECKs are the models' own, added by hand."""
from peewee import *


def up(migrator, db):
    class Building(Model):
        class Meta:
            database = db
            table_name = 'building'

    class Community(Model):
        class Meta:
            database = db
            table_name = 'community'

    class Grid(Model):
        class Meta:
            database = db
            table_name = 'grid'

    class Merchant(Model):
        class Meta:
            database = db
            table_name = 'merchant'

    class MerchantStaff(Model):
        class Meta:
            database = db
            table_name = 'merchant_staff'

    class Resident(Model):
        class Meta:
            database = db
            table_name = 'resident'

    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class Campaign(Model):
        merchant = ForeignKeyField(Merchant, on_delete='RESTRICT')
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        title = CharField(max_length=60)
        kind = CharField(max_length=16, constraints=[Check("kind IN ('cash_off', 'discount', 'gift', 'service')")])
        value_fen = IntegerField(default=0, constraints=[Check('value_fen >= 0')])
        threshold_fen = IntegerField(default=0, constraints=[Check('threshold_fen >= 0')])
        discount_percent = IntegerField(null=True, constraints=[Check('discount_percent BETWEEN 1 AND 99')])
        total_stock = IntegerField(constraints=[Check('total_stock > 0')])
        claimed = IntegerField(default=0, constraints=[Check('claimed >= 0 AND claimed <= total_stock')])
        per_resident_limit = IntegerField(default=1, constraints=[Check('per_resident_limit >= 1')])
        per_day_limit = IntegerField(null=True, constraints=[Check('per_day_limit >= 1')])
        claim_starts_at = DateTimeField()
        claim_ends_at = DateTimeField()
        valid_from = DateTimeField(null=True)
        valid_until = DateTimeField(null=True)
        valid_days = IntegerField(null=True, constraints=[Check('valid_days >= 1')])
        rules = TextField(default='')
        state = CharField(max_length=16, default='draft', constraints=[Check(
            "state IN ('draft', 'approved', 'live', 'paused', 'ended')")])
        approved_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        approved_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'campaign'
            indexes = ((('community', 'state'), False), (('merchant', 'state'), False))
    db.create_tables([Campaign])

    class CampaignAudience(Model):
        campaign = ForeignKeyField(Campaign, on_delete='CASCADE')
        grid = ForeignKeyField(Grid, null=True, on_delete='CASCADE')
        building = ForeignKeyField(Building, null=True, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'campaign_audience'
    db.create_tables([CampaignAudience])

    class Coupon(Model):
        campaign = ForeignKeyField(Campaign, on_delete='RESTRICT')
        resident = ForeignKeyField(Resident, on_delete='RESTRICT')
        code = CharField(unique=True, max_length=24)
        state = CharField(max_length=16, default='issued', constraints=[Check(
            "state IN ('issued', 'redeemed', 'expired')")])
        idempotency_key = CharField(null=True, max_length=64)
        claimed_at = DateTimeField()
        valid_from = DateTimeField()
        expires_at = DateTimeField()
        redeemed_at = DateTimeField(null=True)
        redeemed_by = ForeignKeyField(MerchantStaff, null=True, on_delete='SET NULL')
        order_fen = IntegerField(null=True)
        reminded_at = DateTimeField(null=True)
        reminder_outcome = CharField(max_length=16, default='')
        class Meta:
            database = db
            table_name = 'coupon'
            indexes = ((('resident', 'idempotency_key'), True), (('resident', 'state'), False), (('campaign', 'state'), False), (('state', 'expires_at'), False))
    db.create_tables([Coupon])

    class CouponHolding(Model):
        campaign = ForeignKeyField(Campaign, on_delete='CASCADE')
        resident = ForeignKeyField(Resident, on_delete='CASCADE')
        total = IntegerField(default=0)
        day = CharField(max_length=10)
        on_day = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'coupon_holding'
            indexes = ((('campaign', 'resident'), True),)
    db.create_tables([CouponHolding])

    class RedemptionAttempt(Model):
        merchant = ForeignKeyField(Merchant, on_delete='CASCADE')
        clerk = ForeignKeyField(MerchantStaff, on_delete='CASCADE')
        coupon = ForeignKeyField(Coupon, null=True, on_delete='SET NULL')
        entered = CharField(max_length=40, default='')
        action = CharField(max_length=8, default='redeem', constraints=[Check("action IN ('redeem', 'reverse')")])
        outcome = CharField(max_length=32)
        order_fen = IntegerField(null=True)
        reason = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'redemption_attempt'
            indexes = ((('clerk', 'created_at'), False), (('merchant', 'created_at'), False))
    db.create_tables([RedemptionAttempt])

    migrator.migrate(migrator.add_column('merchant_staff', 'binding_code_hash', CharField(unique=True, null=True, max_length=64)))
    migrator.migrate(migrator.add_column('merchant_staff', 'binding_expires_at', DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('merchant_staff', 'merchant_staff_binding_code_hash'))
    migrator.migrate(migrator.drop_column('merchant_staff', 'binding_expires_at'))
    migrator.migrate(migrator.drop_column('merchant_staff', 'binding_code_hash'))
    migrator.migrate(migrator.drop_table('redemption_attempt'))
    migrator.migrate(migrator.drop_table('coupon_holding'))
    migrator.migrate(migrator.drop_table('coupon'))
    migrator.migrate(migrator.drop_table('campaign_audience'))
    migrator.migrate(migrator.drop_table('campaign'))
