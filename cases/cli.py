"""Commands for cases and the demo (`flask --app wsgi seed-demo`, `... calendar set|list`)."""
import datetime

import click
from flask.cli import AppGroup

from cases.calendar import set_days
from cases.demo import seed_demo_history
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from community.demo import seed_second_community
from models.db import connected
from models.workflow import CalendarDay


@click.command("seed-demo")
@click.option("--history/--no-history", default=True, show_default=True,
              help="also a month of cases, ratings and account figures (once)")
@click.option("--second-community", is_flag=True,
              help="also 光熙门北里北社区 (staff gx_*), to try what one community's staff see of another")
def seed_demo_command(history, second_community):
    """Create the demo community (八家庄社区); safe to run again."""
    with connected():
        summary = seed_demo()
        if history:
            summary.update(("history_%s" % k, v) for k, v in seed_demo_history().items())
        second = seed_second_community() if second_community else None
    click.echo("demo community ready: " + ", ".join("%s=%s" % kv for kv in summary.items()))
    if second:
        click.echo("second community ready: " + ", ".join("%s=%s" % kv for kv in second.items()))
    click.echo("staff sign in with their username and the demo password %s" % DEMO_PASSWORD)


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


COMMANDS = (seed_demo_command, calendar_cli)
