"""The official account's queued work."""
from account import outbox
from tasks import huey

DELIVERY_RETRIES = 3


@huey.task(retries=DELIVERY_RETRIES, retry_delay=10, context=True)
def deliver_outbound(message_id, task=None):
    outbox.deliver(message_id, last_try=task is None or task.retries == 0)
