"""Photos residents, staff (of a fix) and editors upload: checked by content, stripped of
metadata, stored under random names.

The image is decoded (not trusted by its name or type), must be JPEG, PNG or WebP within size
and pixel limits, and is re-encoded as JPEG: EXIF, and with it the GPS position of the
resident's home, does not survive.
"""
import datetime
import io
import logging
import secrets

from PIL import Image
from PIL import ImageOps
from PIL import UnidentifiedImageError

from linli.errors import LinliError
from models.cases import CasePhoto
from models.db import utcnow
from models.miniprogram import Upload
from models.staff_wechat import StaffUpload

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000           # beyond this a small file can still exhaust memory when decoded
MAX_SIDE = 2560                   # stored photos are scaled down to this
FORMATS = {"JPEG", "PNG", "WEBP"}
# A photo is uploaded moments before its case is filed; one never attached after a day never will be.
ORPHAN_GRACE = datetime.timedelta(hours=24)

logger = logging.getLogger(__name__)


class PhotoError(LinliError):
    status = 422


def save_photo(resident, data, store):
    """A resident's photo for a case or proposal, in `store` (linli.storage). When the store is
    down a StorageError (503) says so and nothing is recorded: the resident can file without it."""
    relative, size, width, height = store_image(data, store, "reports")
    try:
        return Upload.create(resident=resident, path=relative, size=size, width=width, height=height)
    except Exception:
        store.delete(relative)     # no file without its row
        raise


def save_fix_photo(staff, data, store):
    """A staff member's photo of a fix, kept apart from the residents' (folder and table)."""
    relative, size, width, height = store_image(data, store, "fixes")
    try:
        return StaffUpload.create(staff=staff, path=relative, size=size, width=width, height=height)
    except Exception:
        store.delete(relative)
        raise


def attach_fix_photos(staff, case, event, upload_ids):
    """Show the staff member's own untaken uploads on `event` of `case` (the resolution, a note),
    inside the caller's transaction; False unless every one was theirs and free: a photo shows
    one case's fix, once, and a guessed or a colleague's id takes nothing."""
    upload_ids = list(dict.fromkeys(upload_ids or []))
    if not upload_ids:
        return True
    claimed = (StaffUpload.update(case=case)
               .where(StaffUpload.id.in_(upload_ids) & (StaffUpload.staff == staff) & StaffUpload.case.is_null())
               .execute())
    if claimed != len(upload_ids):
        return False
    for upload in StaffUpload.select().where(StaffUpload.id.in_(upload_ids)).order_by(StaffUpload.id):
        CasePhoto.create(case=case, event=event, url="/media/" + upload.path, created_at=event.created_at)
    return True


def claim(resident, upload_ids, **owner):
    """Give the resident's own untaken uploads to their case or proposal (`case=` or `proposal=`),
    inside the caller's transaction; whether every one was theirs and free. A photo joins one
    case or one proposal, once."""
    if not upload_ids:
        return True
    claimed = (Upload.update(**owner)
               .where(Upload.id.in_(list(upload_ids)) & (Upload.resident == resident)
                      & Upload.case.is_null() & Upload.proposal.is_null())
               .execute())
    return claimed == len(upload_ids)


def prune_orphans(store, now=None):
    """Delete uploads no case or proposal took within ORPHAN_GRACE, row and file; returns how many.
    Each row goes by a conditional delete, so a photo a filing attaches meanwhile is kept."""
    cutoff = (now or utcnow()) - ORPHAN_GRACE
    pruned = 0
    for model, untaken in ((Upload, Upload.case.is_null() & Upload.proposal.is_null()),
                           (StaffUpload, StaffUpload.case.is_null())):
        for upload in model.select(model.id, model.path).where(untaken & (model.created_at < cutoff)):
            if model.delete().where((model.id == upload.id) & untaken).execute():
                store.delete(upload.path)
                pruned += 1
    if pruned:
        logger.info("pruned %d photos no case took", pruned)
    return pruned


def store_image(data, store, folder):
    """Check, clean and store an image as folder/yyyymm/<random>.jpg in `store`; returns
    (its key: the path under MEDIA_DIR, bytes, width, height)."""
    if not data:
        raise PhotoError("empty_file", "文件为空")
    if len(data) > MAX_BYTES:
        raise PhotoError("file_too_large", "照片不能超过10MB", 413)
    image = _decode(data)
    image = ImageOps.exif_transpose(image)          # keep it upright once EXIF is gone
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    relative = "%s/%s/%s.jpg" % (folder, utcnow().strftime("%Y%m"), secrets.token_hex(16))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)          # no exif= argument: no metadata written
    store.put(relative, buffer.getvalue(), "image/jpeg")
    return relative, len(buffer.getvalue()), image.width, image.height


def _decode(data):
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise PhotoError("unsupported_type", "只支持 JPEG、PNG、WebP 格式的照片")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("too_many_pixels", "照片尺寸过大")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError("not_an_image", "文件不是有效的图片") from None
