"""Photos residents send, checked by WeChat's mediaCheckAsync (v2), and held when WeChat flags them.

mediaCheckAsync is a mini-program API: v2 wants the mini-program openid of someone who used the
mini-program in the last 2 hours, so only followers who are also such users (linked by unionid)
can be checked, as with comments' msgSecCheck. The check is asked by the queue, after the push
has been answered; the verdict arrives later, pushed to the mini-program's message URL as a
`wxa_media_check` event with the trace_id WeChat gave. A flagged photo is held: staff still see
it, marked, and the resident-facing case no longer shows it; a clean one is marked passed."""
import datetime
import logging

from wechatpy.exceptions import WeChatClientException

import wechat
from cases import intake
from linli.queue import enqueue_after_commit
from linli.queue import huey
from models.account import InboundMessage
from models.cases import Case
from models.cases import CasePhoto
from models.db import db
from models.db import utcnow
from models.miniprogram import MpSession
from models.people import Resident
from wechat import failures

logger = logging.getLogger(__name__)

SEEN_WITHIN = datetime.timedelta(hours=2)      # v2: the openid must have used the mini-program lately
IMAGE = 2                                      # media_type: 1 audio, 2 image
SCENE = 1                                      # as the mini-program's own report texts are checked


def recent_mp_openid(oa_openid, now=None):
    """The mini-program openid of the follower `oa_openid` if they used the mini-program in the
    last 2 hours (the only users WeChat's v2 checks accept), else None."""
    if not oa_openid:
        return None
    now = now or utcnow()
    return (Resident.select(Resident.mp_openid).join(MpSession, on=(MpSession.resident == Resident.id))
            .where((Resident.oa_openid == oa_openid) & Resident.mp_openid.is_null(False)
                   & (MpSession.updated_at > now - SEEN_WITHIN)).scalar())


def later(message):
    """Queue the check of an image message once the current transaction commits."""
    if message.msg_type == "image" and message.pic_url:
        enqueue_after_commit(check_media, message.id)


@huey.task(retries=3, retry_delay=60)
def check_media(message_id):
    """Ask WeChat to check a resident's photo; the verdict comes by push."""
    return ask(wechat.miniprogram(), message_id)


def ask(client, message_id, now=None):
    """Ask WeChat to check the photo; returns the trace_id, or None when WeChat cannot check it
    (not a recent mini-program user) or it was asked already."""
    message = InboundMessage.get_or_none(InboundMessage.id == message_id)
    if message is None or message.media_check or not client.appid:
        return None
    openid = recent_mp_openid(message.openid, now)
    if openid is None:
        return None
    try:
        trace_id = client.security.media_check_async(openid, message.pic_url, IMAGE, scene=SCENE)
    except WeChatClientException as exc:
        if failures.retryable(exc):
            raise                                  # the queue tries again
        logger.warning("media check of message %s refused: %s %s", message.id, exc.errcode, exc.errmsg)
        return None
    (InboundMessage.update(media_check="pending", media_trace_id=trace_id)
     .where((InboundMessage.id == message.id) & (InboundMessage.media_check == "")).execute())
    return trace_id


def hold_if_flagged(message):
    """A photo WeChat flagged before staff filed it as a case stays held on that case."""
    if message.media_check == "held":
        CasePhoto.update(held=True).where(CasePhoto.source_message == message.id).execute()


def on_verdict(fields, now=None):
    """A `wxa_media_check` push (its fields, from XML or JSON). Retries have no second effect."""
    trace_id = str(fields.get("trace_id") or "")
    result = fields.get("result") if isinstance(fields.get("result"), dict) else {}
    suggest = str(result.get("suggest") or "")
    message = InboundMessage.get_or_none(InboundMessage.media_trace_id == trace_id) if trace_id else None
    if message is None:
        logger.info("media check verdict for an unknown trace_id %r", trace_id)
        return None
    held = suggest != "pass"
    with db.atomic():
        changed = (InboundMessage.update(media_check="held" if held else "pass")
                   .where((InboundMessage.id == message.id) & (InboundMessage.media_check == "pending"))
                   .execute())
        if changed and held:
            CasePhoto.update(held=True).where(CasePhoto.source_message == message.id).execute()
            cases = Case.select().join(CasePhoto).where(CasePhoto.source_message == message.id)
            for case in cases:
                intake.note(case, "居民发来的照片未通过微信内容安全检查（%s，标签 %s），已对居民端隐藏，请复核"
                            % (suggest or "未知", result.get("label", "")), now=now)
    if changed and held:
        logger.warning("photo of message %s held by WeChat's media check: %s %s",
                       message.id, suggest, result.get("label", ""))
    return "held" if held else "pass"
