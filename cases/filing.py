"""Filing from the mini-program: validated, checked for banned content, idempotent.

The same Idempotency-Key from the same resident returns the first case: a double-click or a
retry after a lost answer files once. Under concurrency the key's unique index decides: the
second transaction rolls back whole (its case too) and returns the first's case."""
import logging

from peewee import IntegrityError
from wechatpy.exceptions import WeChatClientException

from cases import intake
from cases import photos
from linli.errors import LinliError
from linli.text_limits import TEXT_LIMITS
from models.cases import Case
from models.cases import CasePhoto
from models.db import db
from models.miniprogram import FilingKey
from models.miniprogram import Upload
from models.workflow import Category

logger = logging.getLogger(__name__)

MIN_TEXT, MAX_TEXT, MAX_PHOTOS = 5, TEXT_LIMITS["description"], 9


class FilingError(LinliError):
    status = 422


def file_report(resident, description, category_id=None, upload_ids=(), anonymous=False,
                location=None, key=None, content_check=None, photos_public=False, now=None):
    """`content_check(text)` returns WeChat's verdict ("pass", "review", "risky") or raises.
    `photos_public`: the resident agreed that their photos may be published (Open311)."""
    description = (description or "").strip()
    upload_ids = list(dict.fromkeys(upload_ids or []))
    if key is not None and not 1 <= len(key) <= 100:
        raise FilingError("bad_idempotency_key", "Idempotency-Key 长度应为1到100")
    if key:
        earlier = FilingKey.get_or_none((FilingKey.resident == resident) & (FilingKey.key == key))
        if earlier is not None:
            return earlier.case, False
    # Counted only for a filing that may create a case: a retry of one already filed is free.
    intake.count_filing(resident)
    _validate(description, category_id, upload_ids)
    verdict = _check(content_check, description)
    try:
        with db.atomic():
            case = intake.submit(resident, "miniprogram", description, location=location,
                                   category_id=category_id, now=now)
            if anonymous or photos_public:
                Case.update(anonymous=anonymous, photos_public=photos_public).where(Case.id == case.id).execute()
                case.anonymous, case.photos_public = anonymous, photos_public
            _attach(case, resident, upload_ids)
            if verdict == "review":
                intake.note(case, "内容安全检查建议人工复核", public=False, now=now)
            if key:
                FilingKey.create(resident=resident, key=key, case=case)
    except IntegrityError:
        earlier = FilingKey.get_or_none((FilingKey.resident == resident) & (FilingKey.key == key))
        if earlier is None:
            raise
        return earlier.case, False
    return case, True


def wechat_content_check(client, resident):
    """msgSecCheck v2 for what `resident` writes; None when WeChat cannot check it (v2 needs a
    mini-program openid, and the mini-program's credentials)."""
    if not resident.mp_openid or not client.appid:
        return None                     # (an unconfigured mini-program is no reason to lose a report)
    return lambda text: client.security.msg_sec_check(resident.mp_openid, text, scene=1)["suggest"]


def _validate(description, category_id, upload_ids):
    if len(description) < MIN_TEXT and not upload_ids:
        raise FilingError("description_too_short", "请描述问题（至少%d个字）或上传照片" % MIN_TEXT)
    if len(description) > MAX_TEXT:
        raise FilingError("description_too_long", "描述不能超过%d个字" % MAX_TEXT)
    if len(upload_ids) > MAX_PHOTOS:
        raise FilingError("too_many_photos", "最多上传%d张照片" % MAX_PHOTOS)
    if category_id is not None and not Category.select().where(
            (Category.id == category_id) & (Category.active == True)).exists():  # noqa: E712
        raise FilingError("unknown_category", "分类不存在")


def _check(content_check, description):
    if content_check is None or not description:
        return "pass"
    try:
        verdict = content_check(description)
    except (WeChatClientException, OSError) as exc:
        # WeChat's check is unavailable: file anyway (a resident's report outweighs the check)
        # and let staff look; the failure is logged, not swallowed.
        logger.warning("content check unavailable, filing for review: %s", exc)
        return "review"
    if verdict == "risky":
        raise FilingError("content_rejected", "内容包含违规信息，请修改后再提交")
    return verdict


def _attach(case, resident, upload_ids):
    if not photos.claim(resident, upload_ids, case=case):
        # Someone else's photo, an unknown id, or one already used by another case or a proposal.
        raise FilingError("bad_upload", "照片不存在或已被使用")
    for upload in Upload.select().where(Upload.case == case).order_by(Upload.id):
        CasePhoto.create(case=case, url="/media/" + upload.path, created_at=case.created_at)
