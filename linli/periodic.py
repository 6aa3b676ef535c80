"""The periodic jobs at simulated times (simulation only).

In production the consumer schedules every `@huey.periodic_task` by its crontab on the wall
clock. In a simulation the clock jumps (linli.clock), so the consumer runs with --no-periodic and
the simulation says when time has passed: `run_due(start, end)` asks the consumer to run, once,
every periodic job whose crontab (huey's own validate_datetime) matches a minute of the simulated
interval (start, end], while the clock stands at the interval's end. The jobs run in the real
consumer, as the service's own code, in one task per interval so the caller can wait for them.

Refused unless the clock is settable: production never runs a job out of its schedule."""
import datetime
import logging
import time

from linli import clock
from linli.queue import huey

logger = logging.getLogger(__name__)
MINUTE = datetime.timedelta(minutes=1)


class NotSimulated(RuntimeError):
    """Periodic jobs on demand exist only where the clock is settable."""


def _periodic():
    """{name: a task of each periodic job} (huey keeps their classes; a task runs its job by execute())."""
    tasks = (task_class() for task_class in huey._registry._periodic_tasks)
    return {task.name: task for task in tasks}


def due(start, end):
    """Names of the periodic jobs whose crontab matches a whole minute in (start, end] (naive
    UTC, as huey(utc=True) reads its crontabs), in the registry's order."""
    minute = start.replace(second=0, microsecond=0) + MINUTE
    minutes = []
    while minute <= end:
        minutes.append(minute)
        minute += MINUTE
    return [name for name, task in _periodic().items() if any(task.validate_datetime(m) for m in minutes)]


@huey.task()
def run_periodic(names):
    """In the consumer: each named periodic job, one after the other; {"results": {name: result
    or error}, "seconds": {name: seconds it took}}."""
    if not clock.settable():
        raise NotSimulated("periodic jobs run on demand only in simulation")
    jobs, done, took = _periodic(), {}, {}
    for name in names:
        began = time.perf_counter()
        try:
            done[name] = jobs[name].execute()
        except Exception as exc:          # one job failing must not hide the others' results
            logger.exception("periodic job %s failed", name)
            done[name] = {"error": "%s: %s" % (type(exc).__name__, exc)}
        took[name] = time.perf_counter() - began
    return {"results": done, "seconds": took}


def run_due(start, end, timeout=120.0, took=None):
    """Run the jobs due in (start, end] in the consumer and wait for them; {name: result}.
    `took`, a dict, gathers the seconds each job took in the consumer."""
    if not clock.settable():
        raise NotSimulated("the clock is the wall clock: periodic jobs follow their crontabs")
    names = due(start, end)
    if not names:
        return {}
    result = run_periodic(names)
    give_up = time.monotonic() + timeout         # physical time: how long the consumer may take
    pause = 0.002
    while True:
        value = result.get()
        if value is not None:
            for name, seconds in value["seconds"].items():
                if took is not None:
                    took[name] = took.get(name, 0.0) + seconds
            return value["results"]
        if time.monotonic() > give_up:
            raise TimeoutError("the consumer did not run the periodic jobs within %.0f s" % timeout)
        time.sleep(pause)
        pause = min(pause * 1.5, 0.01)
