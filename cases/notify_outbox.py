"""Notifications as a transactional outbox: the Notification row, written in the transaction of
the action it reports, is the only record that something must be sent. The consumer's relay
(linli.queue.run_relays, registered by cases/notify.py) reads the rows due and delivers them:
no entry in a second store (huey's SQLite file was a second database write per message), and no
window where the action is committed but its notification's task was never queued.

A row is delivered by whoever holds its lease (`claimed_at`), taken by one conditional UPDATE,
so two relays, or a relay and a task left from before, never send it twice. A lease older than
LEASE is a relay that died: the row is taken again, unless it died with the send in flight (its
channel was marked): that one may have arrived, so it is recorded "unknown", not sent again
blindly (wechat/outbound/delivery.py). When WeChat is unreachable the lease is given back with
the next try RETRY_DELAY later; the try after RETRIES more is the last.
"""
import datetime

from models.db import utcnow
from models.notifications import Notification
from models.sql import Prepared
from wechat.outbound import delivery

# Longer than a send can take (the WeChat client's timeouts): a lease this old is a dead relay's.
LEASE = datetime.timedelta(minutes=5)
BATCH = 50
CRASHED = "投递中断（进程退出），可能已送达，未自动重发"

_DUE = Prepared(lambda now, expired, limit: Notification.select(
    Notification.id, Notification.claimed_at, Notification.channel)
    .where((Notification.state == "queued")
           & (Notification.next_try_at.is_null() | (Notification.next_try_at <= now))
           & (Notification.claimed_at.is_null() | (Notification.claimed_at < expired)))
    .order_by(Notification.id).limit(limit).tuples(), "\x00now", "\x00expired", -918273680)
_LEASE = Prepared(lambda now, row_id, expired: Notification.update(
    claimed_at=now, attempts=Notification.attempts + 1)
    .where((Notification.id == row_id) & (Notification.state == "queued")
           & (Notification.claimed_at.is_null() | (Notification.claimed_at < expired))),
    "\x00now", -918273681, "\x00expired")


def due(now=None, limit=BATCH):
    """[(id, claimed_at, channel)] of the rows to deliver now, oldest first."""
    now = now or utcnow()
    return _DUE.rows(now, now - LEASE, limit)


def claim(row_id, now=None):
    """The row with its lease taken and this attempt counted, or None: settled, or another
    holds it."""
    now = now or utcnow()
    if _LEASE.execute(now, row_id, now - LEASE) != 1:
        return None
    return Notification.get_by_id(row_id)


def retry_later(row_id, now=None):
    """WeChat was unreachable: give the lease back, to be tried again RETRY_DELAY later."""
    now = now or utcnow()
    (Notification.update(claimed_at=None, next_try_at=now + datetime.timedelta(seconds=delivery.RETRY_DELAY))
     .where(Notification.id == row_id).execute())


def is_last_try(note):
    return note.attempts > delivery.RETRIES


def crashed_in_flight(row_id, now=None):
    """A dead relay's row whose send had begun: recorded unknown (it may have arrived)."""
    delivery.record(Notification, row_id, delivery.Outcome("unknown", None, CRASHED))
