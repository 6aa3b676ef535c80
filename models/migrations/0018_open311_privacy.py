"""What Open311 may publish and where a community lies.

- report.photos_public: the reporter agreed that their photos may be published (default no);
  Open311's public view shows a resident's photo only then (PIPL: consent for each purpose).
- community.centre_lat / centre_lng: the community's centre, so a point sent to Open311 can be
  checked against the community's area (OPEN311_RADIUS_M) and the case filed to that community."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('report', 'photos_public', BooleanField(default=False)),
        migrator.add_column('community', 'centre_lat', FloatField(null=True)),
        migrator.add_column('community', 'centre_lng', FloatField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('community', 'centre_lng'),
        migrator.drop_column('community', 'centre_lat'),
        migrator.drop_column('report', 'photos_public'),
    )
