"""The levels' default deadlines move from sla_policy into the community policy
(community/policy.py), where a community may override them; sla_policy keeps only what a
category asks for itself, so its category becomes required.

The rows without a category that still hold the defaults 0003 inserted go. A row someone changed
stops the upgrade instead of being lost: put its deadlines into COMMUNITY_POLICY_OVERRIDES (under
"*" for every community), delete the row, and upgrade again.
"""
from peewee import *

# 0003's defaults, level: (respond, unit, resolve, unit); also what down() puts back.
SEEDED = {
    1: (2, "hours", 24, "hours"),
    2: (4, "hours", 24, "hours"),
    3: (4, "hours", 24, "hours"),
    4: (1, "working_days", 2, "working_days"),
}


def _table(db):
    class SlaPolicy(Model):
        category = IntegerField(column_name='category_id', null=True)
        level = IntegerField()
        response_amount = FloatField()
        response_unit = CharField(max_length=16)
        resolution_amount = FloatField()
        resolution_unit = CharField(max_length=16)

        class Meta:
            database = db
            table_name = 'sla_policy'
    return SlaPolicy


def up(migrator, db):
    SlaPolicy = _table(db)
    defaults = list(SlaPolicy.select().where(SlaPolicy.category.is_null()))
    changed = [row for row in defaults if SEEDED.get(row.level) != (
        row.response_amount, row.response_unit, row.resolution_amount, row.resolution_unit)]
    if changed:
        raise RuntimeError(
            "sla_policy holds changed level defaults (levels %s): put them into "
            "COMMUNITY_POLICY_OVERRIDES, e.g. {\"*\": {\"deadlines\": {\"3\": {\"respond\": \"4 hours\", "
            "\"resolve\": \"12 hours\"}}}}, delete those rows (category_id IS NULL), and upgrade again"
            % ", ".join(str(row.level) for row in changed))
    SlaPolicy.delete().where(SlaPolicy.category.is_null()).execute()
    migrator.migrate(migrator.add_not_null('sla_policy', 'category_id'))


def down(migrator, db):
    migrator.migrate(migrator.drop_not_null('sla_policy', 'category_id'))
    SlaPolicy = _table(db)
    for level, (respond, respond_unit, resolve, resolve_unit) in SEEDED.items():
        SlaPolicy.insert(level=level, response_amount=respond, response_unit=respond_unit,
                         resolution_amount=resolve, resolution_unit=resolve_unit).execute()
