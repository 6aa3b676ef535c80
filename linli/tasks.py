"""The kernel's periodic jobs: the consumer's heartbeat and the pruning of rate-limit windows."""
import time

from huey import crontab

from linli import limits
from linli.queue import HEARTBEAT_KEY
from linli.queue import huey


@huey.periodic_task(crontab(minute="*"))
def heartbeat():
    """Every minute the consumer says it is alive, so /healthz can show when it was last seen."""
    huey.put(HEARTBEAT_KEY, time.time())      # wall clock: a live process's pulse (linli.queue)


@huey.periodic_task(crontab(minute="41"))
def prune_rate_counters():
    """Rate-limit windows older than a day are of no more use."""
    return limits.prune()
