"""Commands for staff accounts (`flask --app wsgi create-staff`, `... staff-link`) and the first
load of households (`... households import FILE --community CODE [--apply]`)."""
import click

from community.household_import import import_households
from community.staff import assign_role
from community.staff import create_staff
from community.staff import hash_password
from community.staff import issue_link
from linli.errors import LinliError
from models.community import Community
from models.community import Grid
from models.db import connected
from models.db import db
from models.people import Staff


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
    with connected():
        staff = Staff.get_or_none(Staff.username == username)
        if staff is None or not staff.active:
            raise click.ClickException("no active staff account %r" % username)
        token = issue_link(staff, None)
    click.echo("send this to %s (works once, for 72 hours; prefix the console's address): "
               "/console/welcome/%s" % (staff.name, token))


def _parse_role(spec):
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


@click.group("households")
def households_cli():
    """Households (户) of a community."""


@households_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--community", "code", required=True, help="the community's code, e.g. bajiazhuang")
@click.option("--apply", "apply_", is_flag=True,
              help="write the households; without it, only check and report (a dry run)")
def import_households_command(file, code, apply_):
    """Load households from a CSV (estate,building,unit,room,floor_area,occupancy; UTF-8, as
    Excel's "CSV UTF-8" saves it). Every row is reported; nothing is written unless --apply and
    every row is good. Exits 1 when any row has a problem."""
    with open(file, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException("%s is not UTF-8: save it from Excel as \"CSV UTF-8\"" % file) from None
    with connected():
        community = Community.get_or_none(Community.code == code)
        if community is None:
            raise click.ClickException("no community with code %r" % code)
        try:
            report = import_households(community.id, text, None, dry_run=not apply_)
        except LinliError as exc:
            raise click.ClickException(exc.message) from None
    if report.problem:
        raise click.ClickException("%s: %s" % (report.problem, report.message))
    for row in report.rows:
        if row.problem:
            click.echo("line %d: ERROR %s %s: %s" % (row.line, row.problem, row.place, row.message))
        else:
            click.echo("line %d: %s %s" % (row.line, row.action, row.place))
    counts = report.counts()
    click.echo("%s: %s" % ("applied" if report.applied else ("dry run" if report.ok else "NOT applied"),
                           " ".join("%s=%d" % kv for kv in counts.items())))
    if not report.ok:
        raise SystemExit(1)


COMMANDS = (create_staff_command, staff_link_command, households_cli)
