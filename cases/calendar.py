"""Working days in Asia/Shanghai: Monday to Friday, less the holidays, plus the make-up working
days (调休) on weekends that staff enter from each year's State Council notice."""
import datetime

from linli.clock import SHANGHAI
from models.db import db
from models.sql import Prepared
from models.workflow import CalendarDay

MAX_SPAN_DAYS = 366      # a deadline further out than this is a configuration mistake


class WorkingCalendar:
    """The exceptions for a span of days, loaded in one query."""

    def __init__(self, first, last):
        rows = _BETWEEN.rows(first, last)
        self.exceptions = {row.day: row.kind for row in rows}

    def is_working_day(self, day):
        kind = self.exceptions.get(day)
        if kind is not None:
            return kind == "workday"
        return day.weekday() < 5


# Every case's clock reads it: composed once (models/sql.py).
_BETWEEN = Prepared(lambda first, last: CalendarDay.select().where(CalendarDay.day.between(first, last)),
                    "\x00first", "\x00last")


def add_working_days(start_utc, days):
    """The moment `days` working days after `start_utc` (naive UTC in, naive UTC out).

    Time runs only on working days: from 15:00 on a working day, 2 working days end at 15:00 on
    the second working day after it. A clock started on a day off starts at 00:00 of the next
    working day, so 2 working days from a Saturday end at 00:00 on Wednesday (the end of
    Tuesday). Fractions of a day count in hours of working days."""
    local = start_utc.replace(tzinfo=datetime.timezone.utc).astimezone(SHANGHAI)
    calendar = WorkingCalendar(local.date(), local.date() + datetime.timedelta(days=MAX_SPAN_DAYS))
    day = local.date()
    if not calendar.is_working_day(day):
        while not calendar.is_working_day(day):
            day += datetime.timedelta(days=1)
            _check_span(day, local.date())
        offset = datetime.timedelta(0)
    else:
        offset = datetime.timedelta(hours=local.hour, minutes=local.minute, seconds=local.second,
                                    microseconds=local.microsecond)
    remaining = datetime.timedelta(days=days) + offset
    while remaining >= datetime.timedelta(days=1):
        day += datetime.timedelta(days=1)
        _check_span(day, local.date())
        if calendar.is_working_day(day):
            remaining -= datetime.timedelta(days=1)
    # Landing exactly at 00:00 after the last working day is the end of that day: keep it.
    result = datetime.datetime.combine(day, datetime.time(), tzinfo=SHANGHAI) + remaining
    return result.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def set_days(first, last, kind, name=""):
    """Mark every day from `first` to `last` (inclusive) as a holiday or a make-up working day,
    or, with kind "normal", back to the plain Monday–Friday week. Returns how many days."""
    if kind not in ("holiday", "workday", "normal"):
        raise ValueError("kind must be holiday, workday or normal")
    if last < first or (last - first).days > 60:
        raise ValueError("a range runs forwards and spans at most 60 days")
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    with db.atomic():
        CalendarDay.delete().where(CalendarDay.day.in_(days)).execute()
        if kind != "normal":
            CalendarDay.insert_many([{"day": d, "kind": kind, "name": name} for d in days]).execute()
    return len(days)


def _check_span(day, first):
    if (day - first).days > MAX_SPAN_DAYS:
        raise ValueError("no working days within a year: check the calendar")
