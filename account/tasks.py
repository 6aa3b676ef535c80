"""The official account's queued and periodic work.

A WeChat failure worth retrying (-1, a timeout, no connection) is raised, and huey tries again;
45009 (quota) is logged and ends the job until its next run."""
import logging

from huey import crontab

from account import outbox
from linli.queue import huey
from wechat.failures import QuotaExhausted

logger = logging.getLogger(__name__)
DELIVERY_RETRIES = 3


@huey.task(retries=DELIVERY_RETRIES, retry_delay=10, context=True)
def deliver_outbound(message_id, task=None):
    outbox.deliver(message_id, last_try=task is None or task.retries == 0)


@huey.task(retries=5, retry_delay=300)
def fetch_media(message_id):
    """A resident's voice, photo or video, copied while WeChat keeps it (3 days)."""
    from account import media
    return media.fetch(message_id)


@huey.task(retries=3, retry_delay=60)
def check_media(message_id):
    """Ask WeChat to check a resident's photo; the verdict comes by push."""
    import wechat
    from account import screening
    return screening.ask(wechat.miniprogram(), message_id)


@huey.task(retries=3, retry_delay=60)
def send_notice(notice_id):
    from account import notices
    return _quota_stops(lambda: notices.send(notice_id), "notice %s" % notice_id)


@huey.periodic_task(crontab(minute="3-59/10"))
def recover_stuck_notices():
    """Notices a killed consumer left half-sent go back in line (sending again is safe)."""
    from account import notices
    return notices.recover_stuck()


@huey.periodic_task(crontab(minute="*/10"))
def sync_comments():
    from account import comments
    return _quota_stops(comments.sync, "comment sync")


@huey.periodic_task(crontab(minute="*/5"))
def poll_publishing():
    from account import articles
    return articles.poll_publishing()


@huey.periodic_task(crontab(minute="*/10"))
def prune_seen_pushes():
    """Signed push URLs whose timestamps are stale need no remembering (Redis expires its own)."""
    from account import replay
    return replay.prune()


@huey.periodic_task(crontab(minute="30", hour="*"))
def sync_follower_tags():
    from account import notices
    return notices.sync_tags()


@huey.periodic_task(crontab(minute="20", hour="2"))       # 02:20 UTC: 10:20 in Shanghai
def pull_stats():
    from account import stats
    return _quota_stops(stats.pull, "stats pull")


def _quota_stops(job, name):
    try:
        return job()
    except QuotaExhausted as exc:
        logger.error("%s stopped: WeChat's daily quota is used up (45009): %s", name, exc)
        return None
