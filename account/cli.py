"""`flask --app wsgi wechat ...`: the official account's operator commands."""
import json

import click
from flask.cli import AppGroup

import wechat
from account import menu
from account import qrcodes
from models.db import connected

wechat_cli = AppGroup("wechat", help="The official account: menu and building QR codes.")


@wechat_cli.command("qrcodes")
@click.option("--out", "out_dir", default="var/qrcodes", show_default=True, help="folder for the PNG files")
@click.option("--community", "community_code", default=None, help="only this community's buildings")
def qrcodes_command(out_dir, community_code):
    """Make each building's permanent QR code (once) and save its image to print."""
    with connected():
        saved = qrcodes.building_codes(wechat.official(), out_dir, community_code)
    for building, path in saved:
        click.echo("%s  %s" % (building.qr_scene, path))
    click.echo("%d QR codes saved in %s" % (len(saved), out_dir))


@wechat_cli.group("menu")
def menu_cli():
    """The custom menu (account/menu.json)."""


@menu_cli.command("push")
@click.option("--file", "path", default=str(menu.MENU_FILE), show_default=True)
def menu_push(path):
    """Check the menu file against WeChat's limits and publish it."""
    try:
        definition = menu.load(path)
    except (menu.MenuError, ValueError) as exc:
        raise click.ClickException("menu file %s: %s" % (path, exc)) from None
    wechat.official().menu.create(definition)
    click.echo("menu published: %d buttons" % len(definition["button"]))


@menu_cli.command("show")
def menu_show():
    """Print the menu WeChat has now."""
    click.echo(json.dumps(wechat.official().menu.get(), ensure_ascii=False, indent=2))
