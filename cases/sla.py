"""Deadlines per category and level (DESIGN.md §5), in hours or working days."""
import dataclasses
import datetime

from models.workflow import SlaPolicy
from cases.calendar import add_working_days


@dataclasses.dataclass(frozen=True)
class Deadlines:
    respond_by: datetime.datetime
    resolve_by: datetime.datetime


def policy_for(category_id, level):
    """The category's own policy at `level`, else the level's default."""
    rows = {row.category_id: row for row in SlaPolicy.select().where(
        (SlaPolicy.level == level)
        & (SlaPolicy.category.is_null() | (SlaPolicy.category == category_id)))}
    policy = rows.get(category_id) or rows.get(None)
    if policy is None:
        raise LookupError("no deadline policy for level %s" % level)
    return policy


def deadlines(category_id, level, start):
    policy = policy_for(category_id, level)
    return Deadlines(_after(start, policy.response_amount, policy.response_unit),
                     _after(start, policy.resolution_amount, policy.resolution_unit))


def _after(start, amount, unit):
    if unit == "hours":
        return start + datetime.timedelta(hours=amount)
    return add_working_days(start, amount)
