"""Commands run as `flask --app wsgi <command>`."""
import logging
import sys

import click
from flask.cli import AppGroup

from linli import config
from linli import queue
from models.db import connected
from models.db import db
from models.db import describe
from models.db import migration_runner
from models.db import upgrade

logger = logging.getLogger(__name__)

db_cli = AppGroup("db", help="Database schema migrations (playhouse.migrations).")
queue_cli = AppGroup("queue", help="The task queue (huey).")


@db_cli.command("upgrade")
def db_upgrade():
    """Apply every pending migration."""
    settings = config.active()
    applied = upgrade()
    click.echo("%s: %s" % (describe(settings.DATABASE_URL),
                           "applied " + ", ".join(applied) if applied else "already current"))


@db_cli.command("status")
def db_status():
    """List migrations; exits 1 while any is pending, so a deploy can gate on it."""
    with connected():
        rows = migration_runner().status()
    for m in rows:
        click.echo("[%s] %s%s" % ("x" if m.applied else " ", m.name,
                                  "  " + m.applied.strftime("%Y-%m-%d %H:%M:%S") if m.applied else ""))
    if any(not m.applied for m in rows):
        sys.exit(1)


@db_cli.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
def db_backup(dest):
    """Copy the database (online) and the media into the new folder DEST."""
    from models.backup import BackupError
    from models.backup import backup
    settings = config.active()
    try:
        manifest = backup(settings.DATABASE_URL, settings.MEDIA_DIR, dest)
    except (BackupError, FileExistsError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("backed up %s: %d rows in %d tables, media, into %s" % (
        manifest["kind"], sum(manifest["rows"].values()), len(manifest["rows"]), dest))


@db_cli.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False))
@click.confirmation_option(prompt="This replaces the database and the media. Is the service stopped?")
def db_restore(src):
    """Put the backup in SRC back (stop the web workers and the consumer first)."""
    from models.backup import BackupError
    from models.backup import restore
    settings = config.active()
    try:
        manifest = restore(settings.DATABASE_URL, settings.MEDIA_DIR, src)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("restored the backup of %s: %d rows checked" % (manifest["created_at"], sum(manifest["rows"].values())))


@click.command("seed-demo")
@click.option("--history/--no-history", default=True, show_default=True,
              help="also a month of cases, ratings and account figures (once)")
@click.option("--second-community", is_flag=True,
              help="also 光熙门北里北社区 (staff gx_*), to try what one community's staff see of another")
def seed_demo_command(history, second_community):
    """Create the demo community (八家庄社区); safe to run again."""
    from community.demo import DEMO_PASSWORD
    from community.demo import seed_demo
    from cases.demo import seed_demo_history
    from community.demo import seed_second_community
    with connected():
        summary = seed_demo()
        if history:
            summary.update(("history_%s" % k, v) for k, v in seed_demo_history().items())
        second = seed_second_community() if second_community else None
    click.echo("demo community ready: " + ", ".join("%s=%s" % kv for kv in summary.items()))
    if second:
        click.echo("second community ready: " + ", ".join("%s=%s" % kv for kv in second.items()))
    click.echo("staff sign in with their username and the demo password %s" % DEMO_PASSWORD)


@click.command("create-staff")
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--phone", default="")
@click.option("--role", "roles", multiple=True,
              help="role:scope, e.g. secretary:bajiazhuang or grid_worker:bajiazhuang/G1 "
                   "(community code, then grid code); repeatable")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="prompted for when not given; never echoed")
def create_staff_command(username, name, phone, roles, password):
    """Create a staff account with its roles, in one transaction."""
    from community.staff import assign_role
    from community.staff import create_staff
    from community.staff import hash_password
    from linli.errors import LinliError
    with connected():
        try:
            with db.atomic():
                staff = create_staff(username, name, hash_password(password), phone=phone)
                for spec in roles:
                    role, scope = _parse_role(spec)
                    assign_role(staff, role, scope)
        except LinliError as exc:
            raise click.ClickException(exc.message) from None
    click.echo("created staff %s (%s) with roles: %s" % (username, name, ", ".join(roles) or "none"))


@click.command("staff-link")
@click.argument("username")
def staff_link_command(username):
    """Print a one-time link (72 hours) for USERNAME to set their own password: for a first
    manager, or a forgotten password when no manager can send one from the console."""
    from community.staff import issue_link
    from models.people import Staff
    with connected():
        staff = Staff.get_or_none(Staff.username == username)
        if staff is None or not staff.active:
            raise click.ClickException("no active staff account %r" % username)
        token = issue_link(staff, None)
    click.echo("send this to %s (works once, for 72 hours; prefix the console's address): "
               "/console/welcome/%s" % (staff.name, token))


def _parse_role(spec):
    from models.community import Community
    from models.community import Grid
    role, _, where = spec.partition(":")
    community_code, _, grid_code = where.partition("/")
    community = Community.get_or_none(Community.code == community_code)
    if community is None:
        raise click.ClickException("no community with code %r (in --role %s)" % (community_code, spec))
    if not grid_code:
        return role, community
    grid = Grid.get_or_none((Grid.community == community) & (Grid.code == grid_code))
    if grid is None:
        raise click.ClickException("no grid %r in %s (in --role %s)" % (grid_code, community_code, spec))
    return role, grid


calendar_cli = AppGroup("calendar", help="Holidays and make-up working days (调休), Asia/Shanghai.")


@calendar_cli.command("set")
@click.argument("days")
@click.argument("kind", type=click.Choice(["holiday", "workday", "normal"]))
@click.argument("name", default="")
def calendar_set(days, kind, name):
    """DAYS is 2026-10-01 or 2026-10-01..2026-10-07; KIND holiday, workday (调休) or normal."""
    import datetime
    from cases.calendar import set_days
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
    import datetime
    from models.workflow import CalendarDay
    with connected():
        rows = (CalendarDay.select().where(CalendarDay.day.between(datetime.date(year, 1, 1),
                                                                    datetime.date(year, 12, 31)))
                .order_by(CalendarDay.day))
        for row in rows:
            click.echo("%s %s %s %s" % (row.day, "一二三四五六日"[row.day.weekday()], row.kind, row.name))


@queue_cli.command("consume")
@click.option("--workers", default=2, show_default=True, help="worker threads")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="also schedule periodic jobs; with several consumers, exactly one should")
def queue_consume(workers, periodic):
    """Run the task consumer until stopped."""
    if queue.huey.immediate:
        raise click.ClickException("TASKS_IMMEDIATE is set: tasks run in the web process, "
                                   "there is nothing to consume")
    click.echo("consuming %s with %d workers%s" % (queue.describe(), workers,
                                                  "" if periodic else ", periodic jobs off"))
    queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic).run()


def register(app):
    from account.cli import wechat_cli
    app.cli.add_command(wechat_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(queue_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_staff_command)
    app.cli.add_command(staff_link_command)
