"""A notice may announce a consultation's result to the scope's followers: the link tells which
closed consultations are announced already (never twice) and which are still to be."""
from peewee import *


def up(migrator, db):
    class Consultation(Model):
        class Meta:
            database = db
            table_name = 'consultation'

    migrator.migrate(
        migrator.add_column('notice', 'consultation_id',
                            ForeignKeyField(Consultation, field=Consultation.id, null=True, on_delete='SET NULL')),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('notice', 'consultation_id'))
