"""The rules as the simulation reads them from the README and the State Council's notice, written
again here on purpose: the ledger must not share a bug with the service it checks.

- Working days in Asia/Shanghai: Monday to Friday, less the public holidays, plus the make-up
  working days (调休) on weekends.
- The chain: 网格员 (level 1) must respond within 2 hours and resolve within 24; 片区负责人 and
  社区书记 (levels 2, 3) within 4 and 24 hours; 街道网格中心 (level 4) within 1 and 2 working days.
  A deadline in working days runs only on working days, from the same time of day; started on a
  day off, it starts at 00:00 of the next working day.
- Past a deadline the sweep (every 5 minutes) moves the case one level up with a fresh clock;
  at the top it marks the case overdue once per level."""
import datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
UTC = datetime.timezone.utc

# 国务院办公厅关于2026年部分节假日安排的通知 (as the simulation's own table): 国庆节 10月1日至7日
# 放假调休，9月20日（周日）、10月10日（周六）上班.
HOLIDAYS = {datetime.date(2026, 10, d) for d in range(1, 8)}
MAKEUP_WORKDAYS = {datetime.date(2026, 9, 20), datetime.date(2026, 10, 10)}

HOURS, WORKING_DAYS = "hours", "working_days"
# level: (role, word in the report, respond, resolve) — each a (amount, unit)
LEVELS = {
    1: ("grid_worker", "grid_worker", (2, HOURS), (24, HOURS)),
    2: ("area_cadre", "area_cadre", (4, HOURS), (24, HOURS)),
    3: ("secretary", "secretary", (4, HOURS), (24, HOURS)),
    4: ("street_centre", "street", (1, WORKING_DAYS), (2, WORKING_DAYS)),
}
TOP_LEVEL = 4
SWEEP_MINUTES = 5
AUTO_CLOSE_DAYS = 7


def day_kind(day):
    if day in HOLIDAYS:
        return "holiday"
    if day in MAKEUP_WORKDAYS:
        return "makeup_workday"
    return "weekend" if day.weekday() >= 5 else "workday"


def working(day):
    return day_kind(day) in ("workday", "makeup_workday")


def after(start, amount, unit):
    """The deadline `amount` `unit` after `start` (aware)."""
    if unit == HOURS:
        return start + datetime.timedelta(hours=amount)
    local = start.astimezone(BEIJING)
    day = local.date()
    if working(day):
        into_day = local - datetime.datetime.combine(day, datetime.time(), tzinfo=BEIJING)
    else:
        while not working(day):
            day += datetime.timedelta(days=1)
        into_day = datetime.timedelta(0)
    whole, part = int(amount), amount - int(amount)
    left = whole
    while left:
        day += datetime.timedelta(days=1)
        if working(day):
            left -= 1
    # A part of a day counts in hours of working days.
    moment = into_day + datetime.timedelta(days=part)
    while moment >= datetime.timedelta(days=1):
        day += datetime.timedelta(days=1)
        if working(day):
            moment -= datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=BEIJING) + moment


def deadlines(level, start):
    _, _, respond, resolve = LEVELS[level]
    return after(start, *respond), after(start, *resolve)


def level_word(level):
    return LEVELS[level][1]
