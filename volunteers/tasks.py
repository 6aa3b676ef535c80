"""The volunteers' clock, run by the consumer that schedules periodic jobs (nothing else imports
this module)."""
from huey import crontab

from linli.queue import huey
from models.db import utcnow
from volunteers import messages


@huey.periodic_task(crontab(minute="0"))
def remind_tomorrows_volunteers():
    """Each hour of the day (local 9:00–21:00), remind those signed up for tomorrow who have not
    been reminded yet: the first run of the day sends them, later ones only the newcomers."""
    now = utcnow()
    return messages.remind(now) if messages.reminding_hours(now) else []
