"""Deadlines per category and level, in hours or working days."""
import dataclasses
import datetime

from cases.calendar import add_working_days
from community.policy import Duration
from community.policy import policy_for
from models.workflow import SlaPolicy


@dataclasses.dataclass(frozen=True)
class Deadlines:
    respond_by: datetime.datetime
    resolve_by: datetime.datetime


def category_rule(category_id, level):
    """The category's own deadlines at `level` (a row staff keep), or None."""
    if category_id is None:
        return None
    return SlaPolicy.get_or_none((SlaPolicy.category == category_id) & (SlaPolicy.level == level))


def deadlines(category_id, level, start, community=None):
    """From `start`: the category's own deadlines at `level`, else the level's default in the
    community's policy (community.policy: a community may shorten or lengthen them)."""
    rule = category_rule(category_id, level)
    if rule is None:
        default = policy_for(community).level(level)
        respond, resolve = default.respond, default.resolve
    else:
        respond = Duration(rule.response_amount, rule.response_unit)
        resolve = Duration(rule.resolution_amount, rule.resolution_unit)
    return Deadlines(_after(start, respond), _after(start, resolve))


def _after(start, duration):
    if duration.unit == "hours":
        return start + datetime.timedelta(hours=duration.amount)
    return add_working_days(start, duration.amount)
