"""The composition root: the service as gunicorn and `flask --app wsgi` run it, the kernel
(linli.app) with every interface it serves and every command it offers. Nothing imports this
module but the processes that start the service, so it alone may import from every layer.

    gunicorn -c deploy/gunicorn.conf.py 'wsgi:create_app()'
"""
import console
import miniprogram_api
import open311
import wechat
from account import cli as account_cli
from account import views as account_views
from cases import cli as cases_cli
from community import cli as community_cli
from community import policy
from linli import cli as kernel_cli
from linli import config
from linli.app import make_app

BLUEPRINTS = (account_views.bp, miniprogram_api.bp, miniprogram_api.staff_bp,
              miniprogram_api.redcard_resident_bp, miniprogram_api.redcard_merchant_bp,
              miniprogram_api.redcard_staff_bp, open311.bp, console.bp)
COMMANDS = kernel_cli.COMMANDS + cases_cli.COMMANDS + community_cli.COMMANDS + (account_cli.wechat_cli,)


def create_app(settings=None, **overrides):
    """`settings` defaults to the environment's; `overrides` replace single settings (tests)."""
    app = make_app(settings, **overrides)
    settings = config.active()
    policy.check(settings)          # a community override the policy cannot honour stops the start
    app.extensions["linli.wechat"], app.extensions["linli.miniprogram"] = wechat.configure(settings)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for command in COMMANDS:
        app.cli.add_command(command)
    return app
