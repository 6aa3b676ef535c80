"""The official account's periodic jobs, run by the consumer that schedules them (nothing else
imports this module). The tasks the account queues are declared beside the code they run.

A WeChat failure worth retrying (-1, a timeout, no connection) is raised, and the next run tries
again; 45009 (quota) is logged and ends the job until its next run."""
from huey import crontab

from account import announcements
from account import articles
from account import comments
from account import notices
from account import replay
from account import stats
from linli.queue import huey
from wechat.failures import stop_on_quota


@huey.periodic_task(crontab(minute="3-59/10"))
def recover_stuck_notices():
    """Notices a killed consumer left half-sent go back in line (sending again is safe)."""
    return notices.recover_stuck()


@huey.periodic_task(crontab(minute="7-59/10"))
def resume_announcements():
    """Closed consultations not yet announced, and their sends left waiting, go back in line."""
    return announcements.resume()


@huey.periodic_task(crontab(minute="*/10"))
def sync_comments():
    return stop_on_quota(comments.sync, "comment sync")


@huey.periodic_task(crontab(minute="*/5"))
def poll_publishing():
    return articles.poll_publishing()


@huey.periodic_task(crontab(minute="*/10"))
def prune_seen_pushes():
    """Signed push URLs whose timestamps are stale need no remembering (Redis expires its own)."""
    return replay.prune()


@huey.periodic_task(crontab(minute="30", hour="*"))
def sync_follower_tags():
    return notices.sync_tags()


@huey.periodic_task(crontab(minute="20", hour="2"))       # 02:20 UTC: 10:20 in Shanghai
def pull_stats():
    return stop_on_quota(stats.pull, "stats pull")
