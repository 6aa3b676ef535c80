"""The red card's clock, run by the consumer that schedules periodic jobs."""
from huey import crontab

from coupons import expiry
from linli.queue import huey


@huey.periodic_task(crontab(minute="*/10"))
def expire_coupons():
    return expiry.expire()


@huey.periodic_task(crontab(minute="5-59/10"))
def remind_before_expiry():
    return expiry.remind()
