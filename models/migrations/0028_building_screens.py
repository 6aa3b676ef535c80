"""Buildings' e-screens and printed notice sheets: the read-only screen links (only the token's
hash kept), and the community office's phone that both show."""
from peewee import *


def up(migrator, db):
    def table(name):
        class Meta:
            database = db
            table_name = name
        return type(name, (Model,), {'Meta': Meta})

    Building, Staff = table('building'), table('staff')

    class ScreenLink(Model):
        building = ForeignKeyField(Building, on_delete='CASCADE')
        token_hash = CharField(max_length=64, unique=True)
        hint = CharField(max_length=8)
        place = CharField(max_length=50, default='')
        created_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        created_at = DateTimeField()
        last_seen_at = DateTimeField(null=True)
        revoked_by = ForeignKeyField(Staff, null=True, backref='+', on_delete='SET NULL')
        revoked_at = DateTimeField(null=True, index=True)

        class Meta:
            database = db
            table_name = 'screen_link'

    db.create_tables([ScreenLink])
    migrator.migrate(migrator.add_column('community', 'phone', CharField(max_length=20, default='')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('community', 'phone'), migrator.drop_table('screen_link'))
