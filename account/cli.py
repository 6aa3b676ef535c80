"""`flask --app wsgi wechat ...`: the official account's operator commands."""
import json

import click
from flask.cli import AppGroup

import wechat
from account import comments
from account import followers
from account import menu
from account import qrcodes
from account import stats
from account import words
from models.db import connected
from wechat.failures import QuotaExhausted

wechat_cli = AppGroup("wechat", help="The official account: menu, building QR codes, followers, words, comments, "
                                     "stats.")


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
    """Check the menu file against WeChat's limits and our answers, and publish it."""
    try:
        definition = menu.load(path)
    except (menu.MenuError, ValueError) as exc:
        raise click.ClickException("menu file %s: %s" % (path, exc)) from None
    with connected():
        unanswered = menu.unanswered_keys(definition)
    if unanswered:
        raise click.ClickException("menu file %s: no answer for the click key(s) %s (add one to "
                                   "account/clicks.py ANSWERS, or an always-on click rule)"
                                   % (path, ", ".join(unanswered)))
    wechat.official().menu.create(definition)
    click.echo("menu published: %d buttons" % len(definition["button"]))


@menu_cli.command("show")
def menu_show():
    """Print the menu WeChat has now."""
    click.echo(json.dumps(wechat.official().menu.get(), ensure_ascii=False, indent=2))


@wechat_cli.group("followers")
def followers_cli():
    """The account's followers."""


@followers_cli.command("import")
@click.option("--restart", is_flag=True, help="start from the first follower, not where the last run stopped")
def followers_import(restart):
    """Record everyone who already follows the account (followers from before Linli, follows
    whose push was lost), so staff replies and case notifications reach them. Resumable: run it
    again after an interruption."""
    from wechatpy.exceptions import WeChatClientException


    def progress(imported, total):
        click.echo("%d/%d followers read" % (imported, total))

    with connected():
        try:
            run = followers.import_followers(wechat.official(), restart=restart, progress=progress)
        except (WeChatClientException, OSError) as exc:
            raise click.ClickException("stopped (%s); run the command again to resume from where it stopped"
                                       % exc) from None
    click.echo("done: %d followers read of %d" % (run.imported, run.total))


@wechat_cli.command("words")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def words_command(path):
    """Replace the sensitive-word list with PATH's lines (UTF-8, one word a line)."""
    with open(path, encoding="utf-8") as f, connected():
        click.echo("%d words listed" % words.set_words(f.read().splitlines()))


@wechat_cli.command("comments")
@click.option("--pages", default=20, show_default=True, help="at most this many pages per article")
def comments_command(pages):
    """Fetch and screen new comments now (the consumer does it every 10 minutes)."""
    with connected():
        try:
            click.echo("%d new comments" % comments.sync(pages_per_run=pages))
        except QuotaExhausted as exc:
            raise click.ClickException("stopped: WeChat's daily quota is used up (45009): %s" % exc) from None


@wechat_cli.command("stats")
@click.option("--day", default=None, help="YYYY-MM-DD (default: yesterday in Shanghai)")
def stats_command(day):
    """Pull a day's article reads and follower total now (the consumer does it daily)."""
    import datetime

    try:
        when = datetime.date.fromisoformat(day) if day else None
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--day") from None
    with connected():
        click.echo("%d article rows, %d follower rows" % stats.pull(when))
