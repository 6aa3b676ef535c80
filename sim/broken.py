"""The service with one rule deliberately broken, to show the simulation's report fails on it:
gunicorn serves `sim.broken:create_app()` and the consumer runs `python -m sim.broken consume`,
each patching the rule named by LINLI_SIM_BREAK before the app is built. Nothing in the
service's own code knows of this module.

- holiday_ignored: the working calendar forgets the public holidays (make-up days still count);
- escalation_off_by_one_day: every deadline in working days ends one working day late."""
import os
import sys

RULES = ("holiday_ignored", "escalation_off_by_one_day")


def _break(rule):
    from cases import calendar
    from cases import sla
    if rule == "holiday_ignored":
        original = calendar.WorkingCalendar.__init__

        def forgetful(self, first, last):
            original(self, first, last)
            self.exceptions = {day: kind for day, kind in self.exceptions.items() if kind != "holiday"}
        calendar.WorkingCalendar.__init__ = forgetful
    elif rule == "escalation_off_by_one_day":
        original_add = calendar.add_working_days

        def one_late(start_utc, days):
            return original_add(start_utc, days + 1)
        sla.add_working_days = one_late
    elif rule:
        raise SystemExit("unknown rule to break: %s (one of %s)" % (rule, ", ".join(RULES)))


def create_app():
    _break(os.environ.get("LINLI_SIM_BREAK", ""))
    import wsgi
    return wsgi.create_app()


def consume():
    """The consumer as `flask --app wsgi queue consume --no-periodic` runs it, on the broken app."""
    app = create_app()
    from linli import queue
    with app.app_context():
        queue.consume(workers=2, periodic=False, relay_poll_seconds=0.05,
                      initial_delay=0.01, backoff=1.0, max_delay=0.01)


if __name__ == "__main__" and sys.argv[1:] == ["consume"]:
    consume()
