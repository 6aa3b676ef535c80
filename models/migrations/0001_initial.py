"""The community's data model: places, residents, staff and roles, merchants, the token row.

Frozen copies of the models as they were at this migration, deliberately independent of the
application's models (playhouse.migrations). Time defaults are set by the application, so the
tables carry none; CHECK constraints keep the enumerations honest in the schema itself.
"""
from peewee import *

ROLES = ("grid_worker", "area_cadre", "building_leader", "unit_leader", "secretary",
         "street_centre", "property", "editor", "admin")


def _in(column, values):
    return Check("%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values)))


def up(migrator, db):
    class AccessToken(Model):
        appid = CharField(primary_key=True, max_length=64)
        token = CharField(max_length=600, default='')
        expires_at = FloatField(default=0)
        lock_owner = CharField(null=True, max_length=64)
        lock_until = FloatField(null=True)
        class Meta:
            database = db
            table_name = 'access_token'
    db.create_tables([AccessToken])

    class Community(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=100)
        street = CharField(max_length=100, default='')
        district = CharField(max_length=100, default='')
        city = CharField(max_length=100, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'community'
    db.create_tables([Community])

    class Estate(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        name = CharField(max_length=100)
        class Meta:
            database = db
            table_name = 'estate'
            indexes = ((('community', 'name'), True),)
    db.create_tables([Estate])

    class Grid(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        code = CharField(max_length=32)
        name = CharField(max_length=100)
        class Meta:
            database = db
            table_name = 'grid'
            indexes = ((('community', 'code'), True),)
    db.create_tables([Grid])

    class Building(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        estate = ForeignKeyField(Estate, null=True, on_delete='RESTRICT')
        grid = ForeignKeyField(Grid, null=True, on_delete='SET NULL')
        name = CharField(max_length=100)
        qr_scene = CharField(unique=True, null=True, max_length=64)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'building'
            indexes = ((('community', 'estate', 'name'), True),)
    db.create_tables([Building])

    class Merchant(Model):
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        name = CharField(max_length=100)
        address = CharField(max_length=200, default='')
        category = CharField(max_length=50, default='')
        contact_name = CharField(max_length=50, default='')
        contact_phone = CharField(max_length=20, default='')
        status = CharField(index=True, max_length=16, default='pending',
                           constraints=[_in('status', ('pending', 'active', 'suspended'))])
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'merchant'
            indexes = ((('community', 'name'), True),)
    db.create_tables([Merchant])

    class MerchantStaff(Model):
        merchant = ForeignKeyField(Merchant, on_delete='CASCADE')
        name = CharField(max_length=50)
        role = CharField(max_length=8, constraints=[_in('role', ('owner', 'clerk'))])
        openid = CharField(null=True, max_length=64)
        bound_at = DateTimeField(null=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'merchant_staff'
            indexes = ((('merchant', 'openid'), True),)
    db.create_tables([MerchantStaff])

    class Unit(Model):
        building = ForeignKeyField(Building, on_delete='RESTRICT')
        name = CharField(max_length=50)
        households = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'unit'
            indexes = ((('building', 'name'), True),)
    db.create_tables([Unit])

    class Staff(Model):
        username = CharField(unique=True, max_length=64)
        password_hash = CharField()
        name = CharField(max_length=50)
        phone = CharField(max_length=20, default='')
        phone_public = BooleanField(default=False)
        oa_openid = CharField(unique=True, null=True, max_length=64)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'staff'
    db.create_tables([Staff])

    class Resident(Model):
        oa_openid = CharField(unique=True, null=True, max_length=64)
        mp_openid = CharField(unique=True, null=True, max_length=64)
        unionid = CharField(unique=True, null=True, max_length=64)
        nickname = CharField(max_length=100, default='')
        avatar_url = CharField(max_length=500, default='')
        phone = CharField(null=True, max_length=20)
        community = ForeignKeyField(Community, null=True, on_delete='RESTRICT')
        building = ForeignKeyField(Building, null=True, on_delete='SET NULL')
        unit = ForeignKeyField(Unit, null=True, on_delete='SET NULL')
        room = CharField(max_length=20, default='')
        address_state = CharField(max_length=16, default='none',
                                  constraints=[_in('address_state', ('none', 'pending', 'confirmed', 'rejected'))])
        address_confirmed_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        address_confirmed_at = DateTimeField(null=True)
        subscribed = BooleanField(index=True, default=False)
        subscribed_at = DateTimeField(null=True)
        unsubscribed_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'resident'
    db.create_tables([Resident])

    class RoleAssignment(Model):
        staff = ForeignKeyField(Staff, on_delete='CASCADE')
        role = CharField(max_length=20, constraints=[_in('role', ROLES)])
        community = ForeignKeyField(Community, on_delete='RESTRICT')
        grid = ForeignKeyField(Grid, null=True, on_delete='CASCADE')
        building = ForeignKeyField(Building, null=True, on_delete='CASCADE')
        unit = ForeignKeyField(Unit, null=True, on_delete='CASCADE')
        scope_key = CharField(max_length=40)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'role_assignment'
            indexes = (
                (('staff', 'role', 'scope_key'), True),
                (('role', 'grid'), False),
                (('role', 'building'), False),
                (('role', 'unit'), False),
                (('role', 'community'), False),
            )
    db.create_tables([RoleAssignment])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('role_assignment'))
    migrator.migrate(migrator.drop_table('resident'))
    migrator.migrate(migrator.drop_table('staff'))
    migrator.migrate(migrator.drop_table('unit'))
    migrator.migrate(migrator.drop_table('merchant_staff'))
    migrator.migrate(migrator.drop_table('merchant'))
    migrator.migrate(migrator.drop_table('building'))
    migrator.migrate(migrator.drop_table('grid'))
    migrator.migrate(migrator.drop_table('estate'))
    migrator.migrate(migrator.drop_table('community'))
    migrator.migrate(migrator.drop_table('access_token'))
