"""A copy of what residents send as media, made while WeChat keeps it (temporary media: 3 days),
so staff can play a voice message, see a photo and watch a video in the inbox and the case long
after WeChat has forgotten it.

The download is queued after the push's transaction commits, never inside WeChat's 5-second
reply. Photos are decoded and re-encoded like every uploaded photo (no EXIF, no GPS of a
resident's home); voice and video are kept as WeChat sends them, under random names."""
import logging
import secrets

from wechatpy.exceptions import WeChatClientException

import wechat
from account.inbox import raw_fields
from cases import photos
from linli import storage
from linli.errors import LinliError
from linli.queue import enqueue_after_commit
from linli.queue import huey
from models.account import InboundMessage
from models.cases import CasePhoto
from models.db import db
from models.db import utcnow
from wechat import failures

logger = logging.getLogger(__name__)

FETCHED_TYPES = ("image", "voice", "video", "shortvideo")
FOLDER = "inbound"
MAX_BYTES = {"voice": 2 * 1024 * 1024, "video": 10 * 1024 * 1024, "shortvideo": 10 * 1024 * 1024}
VOICE_EXTENSIONS = {"amr": ".amr", "speex": ".speex"}      # a voice message's Format


def later(message):
    """Queue the download of `message`'s media once the current transaction commits."""
    if message.msg_type in FETCHED_TYPES and message.media_id:
        enqueue_after_commit(fetch_media, message.id)


@huey.task(retries=5, retry_delay=300)
def fetch_media(message_id):
    """A resident's voice, photo or video, copied while WeChat keeps it (3 days)."""
    return fetch(message_id)


def fetch(message_id):
    """Download one message's media and record where it is. Safe to run twice. A WeChat error
    worth retrying is raised (the task retries); a lost media (40007: older than 3 days, or
    never there) is logged and ends the job. Returns the stored path or None."""
    message = InboundMessage.get_or_none(InboundMessage.id == message_id)
    if message is None or message.media_path or message.msg_type not in FETCHED_TYPES:
        return message.media_path if message else None
    try:
        response = wechat.official().media.download(message.media_id)
    except WeChatClientException as exc:
        if failures.retryable(exc):
            raise
        logger.warning("media of message %s not downloaded: %s %s", message.id, exc.errcode, exc.errmsg)
        return None
    try:
        relative = _store(message, response.content)
    except storage.StorageError:
        raise                  # the store is down, not the media bad: the task retries later
    except LinliError as exc:
        logger.warning("media of message %s not kept: %s", message.id, exc)
        return None
    url = "/media/" + relative
    with db.atomic():
        InboundMessage.update(media_path=relative).where(InboundMessage.id == message.id).execute()
        if message.msg_type == "image":
            # The case shows our copy from now on (WeChat's PicUrl is not ours to rely on).
            CasePhoto.update(url=url).where(CasePhoto.source_message == message.id).execute()
    return relative


def _store(message, data):
    store = storage.active()
    if message.msg_type == "image":
        relative, _, _, _ = photos.store_image(data, store, FOLDER)
        return relative
    if not data:
        raise LinliError("empty_media", "微信返回了空文件")
    if len(data) > MAX_BYTES[message.msg_type]:
        raise LinliError("media_too_large", "文件超过%d字节" % MAX_BYTES[message.msg_type])
    extension = ".mp4"
    if message.msg_type == "voice":
        extension = VOICE_EXTENSIONS.get(raw_fields(message.raw_xml).get("Format", "").lower(), ".amr")
    relative = "%s/%s/%s%s" % (FOLDER, utcnow().strftime("%Y%m"), secrets.token_hex(16), extension)
    store.put(relative, data, storage.guess_type(relative) if message.msg_type == "voice" else "video/mp4")
    return relative
