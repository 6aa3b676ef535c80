"""The demo command (`flask --app wsgi seed-demo`). It seeds from every layer up to this one: the
community (community.demo), its month of cases (cases.demo) and the live consultation
(decisions.demo), so it lives here, the highest of them (pyproject's import layers)."""
import click

from cases.demo import seed_demo_history
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from community.demo import seed_second_community
from decisions.demo import seed_demo_consultation
from models.db import connected


@click.command("seed-demo")
@click.option("--history/--no-history", default=True, show_default=True,
              help="also a month of cases, ratings and account figures (once)")
@click.option("--second-community", is_flag=True,
              help="also 光熙门北里北社区 (staff gx_*), to try what one community's staff see of another")
def seed_demo_command(history, second_community):
    """Create the demo community (八家庄社区) with a live consultation; safe to run again."""
    with connected():
        summary = seed_demo()
        if history:
            summary.update(("history_%s" % k, v) for k, v in seed_demo_history().items())
        consultation = seed_demo_consultation()
        second = seed_second_community() if second_community else None
    click.echo("demo community ready: " + ", ".join("%s=%s" % kv for kv in summary.items()))
    click.echo("live consultation %(consultation)d: %(online)d voices online, %(at_door)d at the door" % consultation)
    if second:
        click.echo("second community ready: " + ", ".join("%s=%s" % kv for kv in second.items()))
    click.echo("staff sign in with their username and the demo password %s" % DEMO_PASSWORD)


COMMANDS = (seed_demo_command,)
