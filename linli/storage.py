"""Where uploaded media lives: MEDIA_DIR on this host (MEDIA_BACKEND=local, the default) or an
S3-compatible bucket (MEDIA_BACKEND=s3: AWS S3, Aliyun OSS, Tencent COS, MinIO) that several
app hosts share. Every writer and reader of media goes through `active()`; nothing else opens
MEDIA_DIR or the bucket.

A piece of media is named by its key, the path under MEDIA_DIR (`reports/202611/<random>.jpg`);
the database keeps keys, or `/media/<key>` where a URL is stored (a case's photos), and a link is
made from one only when a page or an answer that already passed its own authorization check is
rendered (`url_of`).

Public and private, by the key's first folder:
- public: `articles/` (published articles' covers and body images, sent to WeChat and shown to
  anyone; also any file an editor placed by hand outside the private folders): served at
  /media/<key> with no signature; on S3 the app answers it with a redirect to a fresh signed
  link, so an article's stored HTML keeps working.
- private: `reports/` (residents' case and proposal photos: faces, homes, addresses), `fixes/`
  (staff photos of a fix, same places), `inbound/` (residents' voice, photos and video sent to the
  account), `votes/` (signed consultation papers: names and signatures). On S3 only a presigned
  GET good for MEDIA_URL_SECONDS reaches them; the bare /media/<key> path is refused. On local
  disk `votes/` also needs a signed, expiring link (checked by the app; nginx passes
  /media/votes/ to it); the other private folders stay as before, behind 128-bit random names.
"""
import logging
import mimetypes
import os
from pathlib import Path
from urllib.parse import quote
from urllib.parse import urlsplit

from itsdangerous import BadSignature

from linli import clock
from linli import config
from linli.errors import LinliError

logger = logging.getLogger(__name__)

PREFIX = "/media/"
# Residents' faces, homes and voices, and signed papers: never at a bare path on S3.
PRIVATE_FOLDERS = frozenset({"reports", "fixes", "inbound", "votes"})
# On local disk only these need a signed link: nginx serves the rest straight from MEDIA_DIR.
SIGNED_ON_DISK = frozenset({"votes"})
SIGNATURE_SALT = "linli.media"


class StorageError(LinliError):
    """The media store could not be reached or refused (bucket missing, endpoint down, no
    permission): the caller's own data is untouched and the person may try again."""
    status = 503


class MediaMissing(LinliError):
    status = 404


def is_public(key):
    """Article images (`articles/`, and files an editor placed by hand) are public; the rest is not."""
    return key.split("/", 1)[0] not in PRIVATE_FOLDERS


def guess_type(key):
    return (mimetypes.guess_type(key)[0] or "application/octet-stream").lower()


def check_key(key):
    """A key made by us: relative, no `..`, no empty parts (a crafted `/media/../x` reads nothing)."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise MediaMissing("not_found", "文件不存在")
    return key


class LocalStorage:
    """Files under `root` (MEDIA_DIR): today's behaviour, for one host or a shared mount."""
    backend = "local"
    origin = ""              # links are this site's own

    def __init__(self, root, secret_key="", url_seconds=600):
        self.root = str(root)
        self.secret_key = secret_key
        self.url_seconds = url_seconds

    def path(self, key):
        return Path(self.root) / check_key(key)

    def put(self, key, data, content_type=None):
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def read(self, key):
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise MediaMissing("not_found", "文件不存在") from None

    def exists(self, key):
        try:
            return self.path(key).is_file()
        except MediaMissing:
            return False

    def delete(self, key):
        self.path(key).unlink(missing_ok=True)

    def keys(self, folder):
        """Every key under `folder`, with its modification time, newest first."""
        base = Path(self.root)
        found = [(str(p.relative_to(base)), p.stat().st_mtime) for p in (base / folder).rglob("*") if p.is_file()]
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def url(self, key):
        if key.split("/", 1)[0] in SIGNED_ON_DISK:
            signature = clock.timed_serializer(self.secret_key, SIGNATURE_SALT).dumps(key)
            return PREFIX + quote(key) + "?sig=" + signature
        return PREFIX + quote(key)

    def signed_ok(self, key, signature):
        """Whether `signature` is ours, for this key, and younger than url_seconds."""
        try:
            signed = clock.timed_serializer(self.secret_key, SIGNATURE_SALT).loads(signature or "",
                                                                                 max_age=self.url_seconds)
        except BadSignature:      # SignatureExpired is one
            return False
        return signed == key


class S3Storage:
    """Objects in one bucket of an S3-compatible service, shared by every app host and worker."""
    backend = "s3"

    def __init__(self, client, bucket, url_seconds=600):
        self.client = client
        self.bucket = bucket
        self.url_seconds = url_seconds
        # Where its links point (scheme and host, with the bucket's name when virtual-hosted):
        # the console's Content-Security-Policy lets images and media load from there.
        link = urlsplit(self.signed_url("origin"))
        self.origin = "%s://%s" % (link.scheme, link.netloc)

    def put(self, key, data, content_type=None):
        self._call("put_object", Bucket=self.bucket, Key=check_key(key), Body=data,
                   ContentType=content_type or guess_type(key))

    def read(self, key):
        from botocore.exceptions import ClientError
        try:
            return self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MediaMissing("not_found", "文件不存在") from None
            raise _unavailable(exc) from exc
        except Exception as exc:
            raise _unavailable(exc) from exc

    def exists(self, key):
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
            return True
        except MediaMissing:
            return False
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise _unavailable(exc) from exc
        except Exception as exc:
            raise _unavailable(exc) from exc

    def delete(self, key):
        self._call("delete_object", Bucket=self.bucket, Key=check_key(key))

    def keys(self, folder):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=folder.rstrip("/") + "/")
        try:
            found = [(o["Key"], o["LastModified"].timestamp()) for page in pages for o in page.get("Contents", ())]
        except Exception as exc:
            raise _unavailable(exc) from exc
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def url(self, key):
        """Public keys: the app's own /media/ path (it redirects to a fresh signed link, so a stored
        article never holds an expiring one). Private keys: a presigned GET, made without a call
        to the service, good for url_seconds."""
        if is_public(key):
            return PREFIX + quote(key)
        return self.signed_url(key)

    def signed_url(self, key):
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": check_key(key)}, ExpiresIn=self.url_seconds)

    def _call(self, operation, **params):
        try:
            return getattr(self.client, operation)(**params)
        except Exception as exc:
            raise _unavailable(exc) from exc


def _unavailable(exc):
    logger.error("media store unavailable: %s", exc)
    return StorageError("media_unavailable", "照片存储暂时不可用，请稍后再试")


def s3_client(settings):
    """A boto3 client for the settings' endpoint. Credentials come from boto3's usual chain
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role), never from Settings."""
    import boto3
    from botocore.config import Config
    options = Config(signature_version="s3v4", connect_timeout=3, read_timeout=10,
                     retries={"max_attempts": 2, "mode": "standard"},
                     s3={"addressing_style": settings.MEDIA_S3_ADDRESSING})
    return boto3.client("s3", endpoint_url=settings.MEDIA_S3_ENDPOINT_URL or None,
                        region_name=settings.MEDIA_S3_REGION or None, config=options)


_built = {}


def for_settings(settings):
    """The store these settings name, built once per process (a boto3 client is thread-safe)."""
    key = (settings.MEDIA_BACKEND, settings.MEDIA_DIR, settings.MEDIA_S3_BUCKET, settings.MEDIA_S3_ENDPOINT_URL,
           settings.MEDIA_S3_REGION, settings.MEDIA_S3_ADDRESSING, settings.MEDIA_URL_SECONDS, settings.SECRET_KEY,
           os.getpid())
    if key not in _built:
        if settings.MEDIA_BACKEND == "s3":
            _built[key] = S3Storage(s3_client(settings), settings.MEDIA_S3_BUCKET, settings.MEDIA_URL_SECONDS)
        else:
            _built[key] = LocalStorage(settings.MEDIA_DIR, settings.SECRET_KEY, settings.MEDIA_URL_SECONDS)
    return _built[key]


def active():
    return for_settings(config.active())


def key_of(stored):
    """The key in a stored `/media/<key>` URL, or None for another URL (WeChat's own PicUrl)."""
    if stored and stored.startswith(PREFIX):
        return stored[len(PREFIX):].split("?", 1)[0]
    return None


def url_of(stored, store=None):
    """The link to give a reader who may see this media: a stored `/media/<key>` or a bare key
    becomes the active store's URL; another URL (WeChat's) passes unchanged; empty stays empty."""
    if not stored:
        return stored
    key = key_of(stored)
    if key is None:
        if "://" in stored:
            return stored
        key = stored
    return (store or active()).url(key)
