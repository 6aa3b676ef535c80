"""The case workflow's clock, run by the consumer that schedules periodic jobs (nothing else
imports this module). Notifications are queued by cases/notify.py, where their task is declared."""
import logging

from huey import crontab

from cases import notify
from cases import numbers
from cases import photos
from cases import workflow
from linli import config
from linli.queue import huey
from models.db import utcnow

logger = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/5"))
def sweep_overdue():
    """Escalate cases past their deadlines (a case waits at most 5 minutes past one)."""
    escalated = workflow.sweep_overdue()
    if escalated:
        logger.info("escalated %d overdue cases: %s", len(escalated), ", ".join(escalated))
    return escalated


@huey.periodic_task(crontab(minute="17", hour="*"))
def auto_close():
    """Close resolutions the residents left unconfirmed for 7 days."""
    return workflow.auto_close()


@huey.periodic_task(crontab(minute="*/10"))
def warn_before_deadlines():
    """Tell staff about their cases due within two hours (once per case and level)."""
    return notify.warn_before_deadlines()


@huey.periodic_task(crontab(minute="29", hour="*"))
def prune_orphan_photos():
    """Photos uploaded but never attached to a case go after a day (cases.photos.ORPHAN_GRACE)."""
    return photos.prune_orphans(config.active().MEDIA_DIR)


@huey.periodic_task(crontab(minute="7", hour="3"))
def drop_old_number_sequences():
    """PostgreSQL's case-number sequences of past days go (cases/numbers.py)."""
    return numbers.drop_old_sequences(utcnow())
