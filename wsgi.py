"""The composition root: the service as gunicorn and `flask --app wsgi` run it, the kernel
(linli.app) with every interface it serves and every command it offers. Nothing imports this
module but the processes that start the service (and the tests and benches that start it as
they do), so it alone may import from every layer.

    gunicorn -c deploy/gunicorn.conf.py 'wsgi:create_app()'
"""
import console
import miniprogram_api
import open311
import wechat
from account import announcements as account_announcements
from account import cli as account_cli
from account import media as account_media
from account import notices as account_notices
from account import outbox as account_outbox
from account import screening as account_screening
from account import tasks as account_tasks
from account import views as account_views
from cases import cli as cases_cli
from cases import notify as cases_notify
from cases import tasks as cases_tasks
from community import cli as community_cli
from community import policy
from coupons import tasks as coupons_tasks
from decisions import cli as decisions_cli
from decisions import consultations
from decisions import tasks as decisions_tasks
from linli import cli as kernel_cli
from linli import config
from linli import periodic as kernel_periodic
from linli import tasks as kernel_tasks
from linli.app import make_app
from volunteers import messages as volunteers_messages
from volunteers import tasks as volunteers_tasks

BLUEPRINTS = (account_views.bp, miniprogram_api.bp, miniprogram_api.staff_bp,
              miniprogram_api.redcard_resident_bp, miniprogram_api.redcard_merchant_bp,
              miniprogram_api.redcard_staff_bp, open311.bp, console.bp, console.screen_bp)
# Every module that declares a task or a periodic job: the consumer loads this module, so these
# imports are how it knows every task (tests/test_queue.py checks that none is missing).
TASK_MODULES = (account_announcements, account_media, account_notices, account_outbox, account_screening,
                account_tasks, cases_notify, cases_tasks, coupons_tasks, decisions_tasks, kernel_periodic, kernel_tasks,
                volunteers_messages, volunteers_tasks)
COMMANDS = (kernel_cli.COMMANDS + cases_cli.COMMANDS + community_cli.COMMANDS + decisions_cli.COMMANDS
            + (account_cli.wechat_cli,))


def create_app(settings=None, **overrides):
    """`settings` defaults to the environment's; `overrides` replace single settings (tests)."""
    app = make_app(settings, **overrides)
    settings = config.active()
    policy.check(settings)          # a community override the policy cannot honour stops the start
    wechat.configure(settings)      # the clients every sender reaches as wechat.official() and .miniprogram()
    consultations.on_close(account_announcements.queue)     # results to the scope's followers
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for command in COMMANDS:
        app.cli.add_command(command)
    return app
