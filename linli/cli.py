"""The kernel's commands (`flask --app wsgi db ...`, `... queue consume`); each domain keeps its own
(account/cli.py, cases/cli.py, community/cli.py, decisions/cli.py), and wsgi.py registers them all."""
import datetime
import logging
import sys

import click
from flask.cli import AppGroup

from linli import clock
from linli import config
from linli import periodic
from linli import queue
from models.backup import BackupError
from models.backup import backup
from models.backup import restore
from models.db import connected
from models.db import describe
from models.db import migration_runner
from models.db import upgrade

logger = logging.getLogger(__name__)

db_cli = AppGroup("db", help="Database schema migrations (playhouse.migrations).")
queue_cli = AppGroup("queue", help="The task queue (huey).")
clock_cli = AppGroup("clock", help="The service's clock (only when CLOCK_SETTABLE, in simulation).")


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
    settings = config.active()
    try:
        manifest = backup(settings.DATABASE_URL, settings.MEDIA_DIR, dest)
    except (BackupError, FileExistsError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("backed up %s: %d rows in %d tables, media, into %s" % (
        manifest["kind"], sum(manifest["rows"].values()), len(manifest["rows"]), dest))
    if settings.MEDIA_BACKEND == "s3":
        # Said every night, so an operator who moved media to a bucket never takes the empty
        # media.tar.gz for a copy of it.
        click.echo("media are in the bucket %s (MEDIA_BACKEND=s3), not in this backup: keep the "
                   "bucket's own copies (versioning, replication)" % settings.MEDIA_S3_BUCKET, err=True)


@db_cli.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False))
@click.confirmation_option(prompt="This replaces the database and the media. Is the service stopped?")
def db_restore(src):
    """Put the backup in SRC back (stop the web workers and the consumer first)."""
    settings = config.active()
    try:
        manifest = restore(settings.DATABASE_URL, settings.MEDIA_DIR, src)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("restored the backup of %s: %d rows checked" % (manifest["created_at"], sum(manifest["rows"].values())))


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
    queue.consume(workers=workers, periodic=periodic)


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _settable():
    if not clock.settable():
        raise click.ClickException("the clock is the wall clock here: it can be moved only with "
                                   "CLOCK_SETTABLE=1 and LINLI_ENV=simulation (never in production)")


def _show():
    click.echo("%s (Asia/Shanghai), offset %+d s from the wall clock"
               % (clock.local(clock.now()).isoformat(timespec="seconds"), round(clock.offset())))


@clock_cli.command("show")
def clock_show():
    _show()


@clock_cli.command("set")
@click.argument("when")
def clock_set(when):
    """WHEN in ISO 8601, e.g. 2026-12-01T09:00+08:00 (no offset: Asia/Shanghai)."""
    _settable()
    try:
        moment = datetime.datetime.fromisoformat(when)
    except ValueError:
        raise click.BadParameter("not an ISO 8601 time: %r" % when) from None
    clock.set_to(moment if moment.tzinfo else moment.replace(tzinfo=clock.SHANGHAI))
    _show()


@clock_cli.command("advance")
@click.argument("duration")
def clock_advance(duration):
    """DURATION like 90s, 30m, 2h, 3d (never backwards: deadlines already passed stay passed)."""
    _settable()
    number, unit = duration[:-1], duration[-1:]
    if unit not in UNITS or not number.isdigit():
        raise click.BadParameter("give a whole number and s, m, h or d, e.g. 2h; got %r" % duration)
    clock.advance(int(number) * UNITS[unit])
    _show()


@clock_cli.command("reset")
def clock_reset():
    """Back to the wall clock."""
    _settable()
    clock.reset()
    _show()


@clock_cli.command("tick")
@click.argument("duration")
@click.option("--step", default=5, show_default=True, help="minutes per step")
def clock_tick(duration, step):
    """Advance by DURATION (as `advance`) in steps, having the consumer (started with
    --no-periodic) run at each step the periodic jobs due in it (linli/periodic.py)."""
    _settable()
    number, unit = duration[:-1], duration[-1:]
    if unit not in UNITS or not number.isdigit() or step < 1:
        raise click.BadParameter("give a whole number and s, m, h or d, e.g. 2h; got %r" % duration)
    left = int(number) * UNITS[unit]
    while left > 0:
        seconds = min(step * 60, left)
        before = clock.now()
        clock.advance(seconds)
        for name, value in periodic.run_due(before, clock.now()).items():
            if value:
                click.echo("%s %s: %s" % (clock.local(clock.now()).isoformat(timespec="minutes"), name, value))
        left -= seconds
    _show()


COMMANDS = (db_cli, queue_cli, clock_cli)
