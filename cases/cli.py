"""Commands for cases (`flask --app wsgi calendar set|list`); the demo's is in decisions/cli.py."""
import datetime

import click
from flask.cli import AppGroup

from cases.calendar import set_days
from models.db import connected
from models.workflow import CalendarDay

calendar_cli = AppGroup("calendar", help="Holidays and make-up working days (调休), Asia/Shanghai.")


@calendar_cli.command("set")
@click.argument("days")
@click.argument("kind", type=click.Choice(["holiday", "workday", "normal"]))
@click.argument("name", default="")
def calendar_set(days, kind, name):
    """DAYS is 2026-10-01 or 2026-10-01..2026-10-07; KIND holiday, workday (调休) or normal."""
    first, _, last = days.partition("..")
    try:
        first = datetime.date.fromisoformat(first)
        last = datetime.date.fromisoformat(last) if last else first
        with connected():
            count = set_days(first, last, kind, name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("%d day(s) from %s set to %s %s" % (count, first, kind, name))


@calendar_cli.command("list")
@click.argument("year", type=int)
def calendar_list(year):
    """The exceptions to the Monday–Friday week in YEAR."""
    with connected():
        rows = (CalendarDay.select().where(CalendarDay.day.between(datetime.date(year, 1, 1),
                                                                    datetime.date(year, 12, 31)))
                .order_by(CalendarDay.day))
        for row in rows:
            click.echo("%s %s %s %s" % (row.day, "一二三四五六日"[row.day.weekday()], row.kind, row.name))


COMMANDS = (calendar_cli,)
