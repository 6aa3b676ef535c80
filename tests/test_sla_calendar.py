"""Deadlines at their edges: weekends, holidays, 调休 Saturdays, midnight and the year's end.
Times are written in Asia/Shanghai and stored in UTC."""
import datetime

import pytest

from cases.calendar import add_working_days
from cases.sla import deadlines
from models.workflow import CalendarDay
from models.workflow import SlaPolicy


def sh(y, m, d, hour=0, minute=0):
    """A Shanghai wall-clock time as the naive UTC the database stores."""
    return datetime.datetime(y, m, d, hour, minute) - datetime.timedelta(hours=8)


@pytest.fixture
def national_day(database):
    # Test data shaped like a State Council notice: 7 days off, two make-up working weekends.
    for day in range(1, 8):
        CalendarDay.create(day=datetime.date(2026, 10, day), kind="holiday", name="国庆节")
    CalendarDay.create(day=datetime.date(2026, 9, 27), kind="workday", name="国庆调休")
    CalendarDay.create(day=datetime.date(2026, 10, 10), kind="workday", name="国庆调休")
    CalendarDay.create(day=datetime.date(2027, 1, 1), kind="holiday", name="元旦")


@pytest.mark.parametrize("start, days, due, why", [
    (sh(2026, 11, 23, 10), 2, sh(2026, 11, 25, 10), "Monday: two working days later, same time"),
    (sh(2026, 11, 27, 15), 2, sh(2026, 12, 1, 15), "Friday afternoon: the weekend does not count"),
    (sh(2026, 11, 28, 10), 2, sh(2026, 12, 2, 0), "Saturday: the clock starts Monday 00:00"),
    (sh(2026, 11, 23, 23, 59), 1, sh(2026, 11, 24, 23, 59), "a minute before midnight"),
    (sh(2026, 9, 30, 16), 2, sh(2026, 10, 9, 16), "the eve of National Day: 7 holidays skipped"),
    (sh(2026, 10, 9, 16), 1, sh(2026, 10, 10, 16), "a 调休 Saturday is a working day"),
    (sh(2026, 9, 26, 9), 1, sh(2026, 9, 28, 0), "Saturday before a 调休 Sunday: the Sunday counts"),
    (sh(2026, 12, 31, 10), 2, sh(2027, 1, 5, 10), "year end: New Year's Day and the weekend skipped"),
    (sh(2026, 11, 27, 20), 0.5, sh(2026, 11, 30, 8), "half a working day from Friday evening"),
])
def test_working_day_deadlines(national_day, start, days, due, why):
    assert add_working_days(start, days) == due, why


def test_a_calendar_without_working_days_is_refused(database):
    start = datetime.date(2026, 1, 1)
    CalendarDay.insert_many([{"day": start + datetime.timedelta(days=n), "kind": "holiday"}
                             for n in range(400)]).execute()
    with pytest.raises(ValueError, match="no working days"):
        add_working_days(sh(2026, 1, 1, 9), 1)


def test_default_deadlines_follow_seed_003(database):
    start = sh(2026, 11, 27, 15)                                  # a Friday afternoon
    level1 = deadlines(None, 1, start)
    assert (level1.respond_by, level1.resolve_by) == (start + datetime.timedelta(hours=2),
                                                      start + datetime.timedelta(hours=24))
    assert deadlines(None, 3, start).resolve_by == start + datetime.timedelta(hours=24)
    assert deadlines(None, 4, start).resolve_by == sh(2026, 12, 1, 15)     # 2 working days


def test_a_category_can_have_its_own_deadlines(database):
    from models.workflow import Category
    elevator = Category.get(Category.code == "elevator")
    SlaPolicy.create(category=elevator, level=1, response_amount=0.5, response_unit="hours",
                     resolution_amount=4, resolution_unit="hours")
    start = sh(2026, 11, 23, 10)
    assert deadlines(elevator.id, 1, start).respond_by == start + datetime.timedelta(minutes=30)
    assert deadlines(elevator.id, 2, start).respond_by == start + datetime.timedelta(hours=4)  # default


def test_staff_enter_a_years_holidays_with_the_calendar_command(app, database):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["calendar", "set", "2026-10-01..2026-10-07", "holiday", "国庆节"]).exit_code == 0
    assert runner.invoke(args=["calendar", "set", "2026-10-10", "workday", "国庆调休"]).exit_code == 0
    assert add_working_days(sh(2026, 10, 9, 16), 1) == sh(2026, 10, 10, 16)       # the 调休 Saturday
    listing = runner.invoke(args=["calendar", "list", "2026"]).output
    assert "2026-10-01 四 holiday 国庆节" in listing and "2026-10-10 六 workday 国庆调休" in listing
    assert runner.invoke(args=["calendar", "set", "2026-10-05", "normal"]).exit_code == 0
    assert CalendarDay.select().where(CalendarDay.kind == "holiday").count() == 6
    bad = runner.invoke(args=["calendar", "set", "2026-10-07..2026-10-01", "holiday"])
    assert bad.exit_code != 0 and "forwards" in bad.output
