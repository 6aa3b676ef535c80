"""The kernel's commands (`flask --app wsgi db ...`, `... queue consume`); each domain keeps its own
(account/cli.py, cases/cli.py, community/cli.py, decisions/cli.py), and wsgi.py registers them all."""
import logging
import sys

import click
from flask.cli import AppGroup

from linli import config
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
    queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic).run()


COMMANDS = (db_cli, queue_cli)
