"""What a failed WeChat call means for the job that made it.

- errcode -1 (system busy), a timeout or an unreachable host: try again later (the queue's retry),
  for calls that are safe to repeat.
- 45009 (the day's API quota is used up): stop the whole job now and say so; trying again only
  burns tomorrow's quota.
- anything else: the call failed for a reason retrying will not change; record it."""
import logging

import requests
from wechatpy.exceptions import WeChatClientException

from wechat import errcodes

logger = logging.getLogger(__name__)


class QuotaExhausted(Exception):
    """Stop the job: WeChat's daily quota for this API is used up (45009)."""


def errcode_of(exc):
    return exc.errcode if isinstance(exc, WeChatClientException) else None


def retryable(exc):
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return True
    return errcode_of(exc) == errcodes.BUSY


def describe(exc):
    """(errcode or None, message) to record."""
    if isinstance(exc, WeChatClientException):
        return exc.errcode, exc.errmsg or ""
    if isinstance(exc, requests.Timeout):
        return None, "微信接口超时"
    return None, "无法连接微信接口：%s" % exc


def stop_on_quota(job, name):
    """Run `job`; when WeChat's daily quota is used up, log it and end until the job's next run
    (the queue does not retry it)."""
    try:
        return job()
    except QuotaExhausted as exc:
        logger.error("%s stopped: WeChat's daily quota is used up (45009): %s", name, exc)
        return None
