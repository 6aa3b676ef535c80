"""The rates staff are assessed on (Beijing's 响应率, 解决率, 满意率), per grid, staff member,
category or level, for the cases filed in one month (Asia/Shanghai).

For the cases of a group (n = cases filed in the month):
- response rate        = accepted within the response deadline / n
- on-time resolution   = resolved within the resolution deadline / resolved
- resolution rate      = confirmed by the reporter / resolved   ("resolved" = resolved or closed
                         with a resolution time)
- satisfaction rate    = rated 4 or 5 / rated
- mean hours to respond (filed → first accepted) and to resolve (filed → resolved)
- overdue              = still open and past the resolution deadline, now
Deadlines are those of the level the case is at. A group with fewer than MIN_SAMPLE cases gets
its figures but no rank: a rate over three cases says little about anyone.
"""
import dataclasses
import datetime
import re

from peewee import JOIN
from peewee import Case as SqlCase
from peewee import fn

from cases.labels import LEVEL_LABELS
from linli.clock import SHANGHAI
from linli.clock import stored
from linli.csv_export import csv_text
from models.cases import OPEN_STATES
from models.cases import Case
from models.community import Building
from models.community import Grid
from models.db import is_postgres
from models.db import utcnow
from models.people import Staff
from models.workflow import Category

MIN_SAMPLE = 10
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
DIMENSIONS = ("grid", "staff", "category", "level")


@dataclasses.dataclass
class Row:
    key: object
    label: str
    cases: int
    response_rate: object
    on_time_resolution_rate: object
    resolution_rate: object
    satisfaction_rate: object
    mean_hours_to_respond: object
    mean_hours_to_resolve: object
    overdue: int
    rank: object = None


def month_bounds(month):
    """'2026-11' → the month's start and end in naive UTC; ValueError for anything else (a year
    outside 1900–9998 too: its bounds would overflow the datetime range)."""
    if not MONTH.fullmatch(month or ""):
        raise ValueError("month must be YYYY-MM")
    year, number = (int(part) for part in month.split("-"))
    if not 1 <= number <= 12 or not 1900 <= year <= 9998:
        raise ValueError("month must be YYYY-MM")
    start = datetime.datetime(year, number, 1, tzinfo=SHANGHAI)
    end = datetime.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=SHANGHAI)
    return tuple(stored(t) for t in (start, end))


def adjacent_months(month):
    """The months before and after a valid 'YYYY-MM'."""
    year, number = (int(part) for part in month.split("-"))
    before = "%04d-%02d" % ((year, number - 1) if number > 1 else (year - 1, 12))
    after = "%04d-%02d" % ((year, number + 1) if number < 12 else (year + 1, 1))
    return before, after


def rates(community_id, month, by, now=None):
    if by not in DIMENSIONS:
        raise ValueError("by must be one of %s" % ", ".join(DIMENSIONS))
    start, end = month_bounds(month)
    now = now or utcnow()
    key, label = _dimension(by)
    resolved = Case.resolved_at.is_null(False)
    query = (Case.select(
        key.alias("key"), label.alias("label"),
        fn.COUNT(Case.id).alias("cases"),
        _count(Case.responded_at.is_null(False)
               & (Case.responded_at <= Case.response_due_at)).alias("on_time_response"),
        _count(resolved).alias("resolved"),
        _count(resolved & (Case.resolved_at <= Case.resolve_due_at)).alias("on_time_resolved"),
        _count(resolved & Case.confirmed_at.is_null(False)).alias("confirmed"),
        _count(Case.rating.is_null(False)).alias("rated"),
        _count(Case.rating >= 4).alias("satisfied"),
        fn.AVG(_hours(Case.created_at, Case.responded_at)).alias("respond_hours"),
        fn.AVG(_hours(Case.created_at, Case.resolved_at)).alias("resolve_hours"),
        _count(Case.state.in_(OPEN_STATES) & (Case.resolve_due_at < now)).alias("overdue"))
        .join(Building, JOIN.LEFT_OUTER, on=(Case.building == Building.id))
        .join(Grid, JOIN.LEFT_OUTER, on=(Building.grid == Grid.id))
        .switch(Case).join(Staff, JOIN.LEFT_OUTER, on=(Case.assignee == Staff.id))
        .switch(Case).join(Category, JOIN.LEFT_OUTER, on=(Case.category == Category.id))
        .where((Case.community == community_id) & (Case.created_at >= start) & (Case.created_at < end))
        .group_by(key, label)
        .dicts())
    rows = [Row(key=r["key"], label=_label(by, r), cases=r["cases"],
                response_rate=_ratio(r["on_time_response"], r["cases"]),
                on_time_resolution_rate=_ratio(r["on_time_resolved"], r["resolved"]),
                resolution_rate=_ratio(r["confirmed"], r["resolved"]),
                satisfaction_rate=_ratio(r["satisfied"], r["rated"]),
                mean_hours_to_respond=_round(r["respond_hours"]),
                mean_hours_to_resolve=_round(r["resolve_hours"]),
                overdue=r["overdue"]) for r in query]
    ranked = sorted((r for r in rows if r.cases >= MIN_SAMPLE and r.response_rate is not None),
                    key=lambda r: (-(r.resolution_rate or 0), -r.response_rate, -(r.satisfaction_rate or 0)))
    for position, row in enumerate(ranked, 1):
        row.rank = position
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, str(r.label)))


def to_csv(rows):
    return csv_text(["名次", "对象", "案件数", "响应率", "按时办结率", "解决率", "满意率",
                     "平均响应小时", "平均办结小时", "超期未办"],
                    ([r.rank if r.rank else "样本不足" if r.cases < MIN_SAMPLE else "", r.label, r.cases,
                      _percent(r.response_rate), _percent(r.on_time_resolution_rate),
                      _percent(r.resolution_rate), _percent(r.satisfaction_rate),
                      _blank(r.mean_hours_to_respond), _blank(r.mean_hours_to_resolve), r.overdue]
                     for r in rows))


def _dimension(by):
    if by == "grid":
        return Grid.id, Grid.name
    if by == "staff":
        return Staff.id, Staff.name
    if by == "category":
        return Category.id, Category.name
    return Case.level, Case.level


def _label(by, row):
    if by == "level":
        return LEVEL_LABELS.get(row["key"], str(row["key"]))
    return row["label"] or ("未分类" if by == "category" else "未分派" if by == "staff" else "无网格")


def _count(condition):
    return fn.SUM(SqlCase(None, [(condition, 1)], 0))


def _hours(start, end):
    """Hours from `start` to `end` in SQL (NULL when `end` is): each database its own way."""
    if is_postgres():
        return fn.date_part("epoch", end - start) / 3600.0
    return (fn.julianday(end) - fn.julianday(start)) * 24.0


def _ratio(part, whole):
    return round(part / whole, 4) if whole else None


def _round(value):
    return round(float(value), 1) if value is not None else None


def _percent(value):
    return "" if value is None else "%.1f%%" % (value * 100)


def _blank(value):
    return "" if value is None else value
