"""The consultations' clock, run by the consumer that schedules periodic jobs (nothing else
imports this module)."""
from huey import crontab

from decisions import consultations
from linli.queue import huey


@huey.periodic_task(crontab(minute="*"))
def close_due_consultations():
    """Store the result of every consultation past its closing time. Voices are refused from
    closes_at on by the clock itself, so the minute's lag changes no result."""
    return consultations.close_due()
