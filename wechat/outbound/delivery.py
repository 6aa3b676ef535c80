"""One try at sending something to WeChat from the queue, and what its outcome means.

- WeChat answered with an error: "failed", with its errcode (the caller may call some codes
  "refused").
- The request timed out: "unknown". It may have arrived, so it is not sent again blindly (naive
  retries have duplicated messages elsewhere).
- WeChat could not be reached: nothing was sent. `Unreachable` is raised so the queue tries
  again, and on the last try the outcome is "failed".
"""
import dataclasses

import requests
from wechatpy.exceptions import WeChatClientException


class Unreachable(Exception):
    """WeChat could not be reached: nothing was sent, so the queue may try again."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    state: str              # sent, failed, unknown
    errcode: object = None
    errmsg: str = ""
    result: object = None   # what send() returned


def attempt(send, last_try):
    try:
        result = send()
    except WeChatClientException as exc:
        return Outcome("failed", exc.errcode, exc.errmsg or "")
    except requests.Timeout:
        return Outcome("unknown", None, "微信接口超时：可能已送达，未自动重发")
    except requests.ConnectionError as exc:
        if last_try:
            return Outcome("failed", None, "无法连接微信接口：%s" % exc)
        raise Unreachable(str(exc)) from exc
    return Outcome("sent", result=result)


def claim(model, row_id):
    """The queued row to send, with this attempt counted; None once it has been settled (sent,
    failed, ...), which is what makes running a delivery task twice send once."""
    row = model.get_or_none(model.id == row_id)
    if row is None or row.state != "queued":
        return None
    model.update(attempts=model.attempts + 1).where(model.id == row.id).execute()
    return row
