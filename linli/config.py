"""Settings from the environment, with embedded defaults that need nothing set.

Every setting is read and checked once, at start: a bad value stops the service with a message
that names the variable, instead of failing later inside a request.
"""
import base64
import binascii
import dataclasses
import json
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlparse

from playhouse import db_url


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


DEFAULT_DATA_DIR = "var"
DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com"
# Only an explicit simulation or test environment may set the clock (linli.clock): an unset
# LINLI_ENV is production, so forgetting it fails safe.
ENVIRONMENTS = ("PRODUCTION", "SIMULATION", "TEST")


@dataclasses.dataclass(frozen=True)
class Settings:
    DATA_DIR: str
    DATABASE_URL: str
    REDIS_URL: str
    SECRET_KEY: str
    MEDIA_DIR: str
    WECHAT_APPID: str = ""
    WECHAT_SECRET: str = ""
    WECHAT_TOKEN: str = ""
    WECHAT_AES_KEY: str = ""
    WECHAT_REQUIRE_SAFE_MODE: bool = False
    MINIPROGRAM_APPID: str = ""
    MINIPROGRAM_SECRET: str = ""
    MINIPROGRAM_TOKEN: str = ""          # the mini-program's message push (mediaCheckAsync verdicts)
    MINIPROGRAM_AES_KEY: str = ""
    WECHAT_API_BASE: str = DEFAULT_WECHAT_API_BASE
    WECHAT_TIMEOUT: float = 5.0
    DB_MAX_CONNECTIONS: int = 20
    PROXY_HOPS: int = 0                  # reverse proxies in front (nginx: 1), trusted for the client address
    TASKS_IMMEDIATE: bool = False
    QUEUE_PATH: str = ""
    REDIS_NAMESPACE: str = "linli"       # every Redis key's prefix and the queue's name: Redis can be shared
    LOG_LEVEL: str = "INFO"
    WECHAT_REPLY_TEMPLATE_ID: str = ""
    WECHAT_REPLY_TEMPLATE_FIELD: str = "thing1"
    WECHAT_STAFF_TEMPLATE_ID: str = ""
    WECHAT_SUBSCRIBE_TEMPLATE_ID: str = ""
    MP_CASE_TEMPLATE_ID: str = ""
    MP_CASE_PAGE: str = "case/detail/index"
    MP_ADDRESS_PAGE: str = "pages/address/index"
    MP_COUPON_TEMPLATE_ID: str = ""
    MP_PROPOSAL_TEMPLATE_ID: str = ""
    MP_PROPOSAL_PAGE: str = "proposals/detail/index"
    MP_VOLUNTEER_TEMPLATE_ID: str = ""
    MP_VOLUNTEER_PAGE: str = "volunteers/activity/index"
    MP_STAFF_CASE_TEMPLATE_ID: str = ""
    MP_STAFF_CASE_PAGE: str = "work/case/index"
    COMMENT_FLAGGED_POLICY: str = "hold"       # hold | delete
    CONSOLE_COOKIE_SECURE: bool = True
    COMMENT_AUTO_ELECT: bool = False
    MP_COUPON_PAGE: str = "redcard/coupons/index"
    OPEN311_API_KEYS: tuple = ()
    OPEN311_READ_KEYS: tuple = ()        # keys that may read residents' exact places and photos
    OPEN311_RADIUS_M: int = 3000         # how far from a community's centre an Open311 point may lie
    # JSON: per community code ("*": every community), what differs from the default policy
    # (community/policy.py, which checks the content at start).
    COMMUNITY_POLICY_OVERRIDES: str = ""
    LINLI_ENV: str = "production"        # production | simulation | test
    CLOCK_SETTABLE: bool = False         # linli.clock may be moved (simulation); never in production
    CLOCK_FILE: str = ""
    # Media: MEDIA_DIR on this host (local) or an S3-compatible bucket (linli/storage.py).
    MEDIA_BACKEND: str = "local"         # local | s3
    MEDIA_S3_BUCKET: str = ""
    MEDIA_S3_ENDPOINT_URL: str = ""      # empty: AWS itself; else OSS, COS or MinIO's endpoint
    MEDIA_S3_REGION: str = ""
    MEDIA_S3_ADDRESSING: str = "auto"    # auto | path | virtual (OSS and COS want virtual, MinIO path)
    MEDIA_URL_SECONDS: int = 600         # lifetime of a signed link to a private photo

    @property
    def is_sqlite(self):
        return self.DATABASE_URL.startswith("sqlite")

    @classmethod
    def from_env(cls, environ=None, **overrides):
        """Build settings from `environ` (default: os.environ); `overrides` win (tests)."""
        env = dict(os.environ if environ is None else environ)
        env.update({k: str(v) for k, v in overrides.items()})

        def get(name, default=""):
            return env.get(name, "").strip() or default

        data_dir = get("LINLI_DATA_DIR", DEFAULT_DATA_DIR)
        database_url = get("DATABASE_URL", "sqlite:///%s" % os.path.join(data_dir, "linli.db"))
        _check_database_url(database_url)
        redis_url = get("REDIS_URL")
        if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
            raise ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL, got %r" % redis_url)
        redis_namespace = get("REDIS_NAMESPACE", "linli")
        if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", redis_namespace):
            # huey would silently drop other characters from its queue's name, and keys would differ
            raise ConfigError("REDIS_NAMESPACE must be 1-64 letters, digits or _, got %r" % redis_namespace)

        secret_key = get("SECRET_KEY")
        if not secret_key:
            if not database_url.startswith("sqlite"):
                raise ConfigError(
                    "SECRET_KEY is required when DATABASE_URL is not SQLite (production): "
                    "set it to a long random string shared by every app host")
            secret_key = _local_secret_key(data_dir)
        elif len(secret_key) < 16:
            raise ConfigError("SECRET_KEY is too short: use at least 16 characters")

        aes_key = get("WECHAT_AES_KEY")
        if aes_key:
            _check_aes_key(aes_key)
        if aes_key and not get("WECHAT_TOKEN"):
            raise ConfigError("WECHAT_AES_KEY is set but WECHAT_TOKEN is not: safe mode needs both")
        require_safe_mode = _flag(env, "WECHAT_REQUIRE_SAFE_MODE")
        if require_safe_mode and not aes_key:
            raise ConfigError("WECHAT_REQUIRE_SAFE_MODE is set but WECHAT_AES_KEY is not: safe mode needs the key")

        mp_aes_key = get("MINIPROGRAM_AES_KEY")
        if mp_aes_key:
            _check_aes_key(mp_aes_key, "MINIPROGRAM_AES_KEY")
        if mp_aes_key and not get("MINIPROGRAM_TOKEN"):
            raise ConfigError("MINIPROGRAM_AES_KEY is set but MINIPROGRAM_TOKEN is not: safe mode needs both")

        api_base = get("WECHAT_API_BASE", DEFAULT_WECHAT_API_BASE).rstrip("/")
        parsed = urlparse(api_base)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError("WECHAT_API_BASE must be an http(s) URL, got %r" % api_base)

        media_backend = _choice(env, "MEDIA_BACKEND", "LOCAL", ("LOCAL", "S3")).lower()
        if media_backend == "s3" and not get("MEDIA_S3_BUCKET"):
            raise ConfigError("MEDIA_BACKEND=s3 needs MEDIA_S3_BUCKET (the bucket every app host shares)")
        media_endpoint = get("MEDIA_S3_ENDPOINT_URL")
        if media_endpoint and (urlparse(media_endpoint).scheme not in ("http", "https")
                               or not urlparse(media_endpoint).netloc):
            raise ConfigError("MEDIA_S3_ENDPOINT_URL must be an http(s) URL, got %r" % media_endpoint)

        environment = _choice(env, "LINLI_ENV", "PRODUCTION", ENVIRONMENTS).lower()
        clock_settable = _flag(env, "CLOCK_SETTABLE")
        if clock_settable and environment == "production":
            raise ConfigError(
                "CLOCK_SETTABLE is refused in production: a settable clock lets whoever can write "
                "its file move every deadline, window and lifetime. Set LINLI_ENV=simulation (or "
                "test) for a simulation, or unset CLOCK_SETTABLE")

        return cls(
            LINLI_ENV=environment,
            CLOCK_SETTABLE=clock_settable,
            CLOCK_FILE=get("CLOCK_FILE", os.path.join(data_dir, "clock.json")),
            DATA_DIR=data_dir,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            SECRET_KEY=secret_key,
            MEDIA_DIR=get("MEDIA_DIR", os.path.join(data_dir, "media")),
            WECHAT_APPID=get("WECHAT_APPID"),
            WECHAT_SECRET=get("WECHAT_SECRET"),
            WECHAT_TOKEN=get("WECHAT_TOKEN"),
            WECHAT_AES_KEY=aes_key,
            WECHAT_REQUIRE_SAFE_MODE=require_safe_mode,
            MINIPROGRAM_APPID=get("MINIPROGRAM_APPID"),
            MINIPROGRAM_SECRET=get("MINIPROGRAM_SECRET"),
            MINIPROGRAM_TOKEN=get("MINIPROGRAM_TOKEN"),
            MINIPROGRAM_AES_KEY=mp_aes_key,
            WECHAT_API_BASE=api_base,
            WECHAT_TIMEOUT=_number(env, "WECHAT_TIMEOUT", 5.0, float, low=0.1, high=60),
            DB_MAX_CONNECTIONS=_number(env, "DB_MAX_CONNECTIONS", 20, int, low=1, high=1000),
            PROXY_HOPS=_number(env, "PROXY_HOPS", 0, int, low=0, high=5),
            TASKS_IMMEDIATE=_flag(env, "TASKS_IMMEDIATE"),
            QUEUE_PATH=get("QUEUE_PATH", os.path.join(data_dir, "queue.db")),
            REDIS_NAMESPACE=redis_namespace,
            LOG_LEVEL=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            WECHAT_REPLY_TEMPLATE_ID=get("WECHAT_REPLY_TEMPLATE_ID"),
            WECHAT_REPLY_TEMPLATE_FIELD=get("WECHAT_REPLY_TEMPLATE_FIELD", "thing1"),
            WECHAT_STAFF_TEMPLATE_ID=get("WECHAT_STAFF_TEMPLATE_ID"),
            WECHAT_SUBSCRIBE_TEMPLATE_ID=get("WECHAT_SUBSCRIBE_TEMPLATE_ID"),
            MP_CASE_TEMPLATE_ID=get("MP_CASE_TEMPLATE_ID"),
            MP_CASE_PAGE=get("MP_CASE_PAGE", "case/detail/index"),
            MP_ADDRESS_PAGE=get("MP_ADDRESS_PAGE", "pages/address/index"),
            MP_COUPON_TEMPLATE_ID=get("MP_COUPON_TEMPLATE_ID"),
            MP_PROPOSAL_TEMPLATE_ID=get("MP_PROPOSAL_TEMPLATE_ID"),
            MP_PROPOSAL_PAGE=get("MP_PROPOSAL_PAGE", "proposals/detail/index"),
            MP_VOLUNTEER_TEMPLATE_ID=get("MP_VOLUNTEER_TEMPLATE_ID"),
            MP_VOLUNTEER_PAGE=get("MP_VOLUNTEER_PAGE", "volunteers/activity/index"),
            MP_STAFF_CASE_TEMPLATE_ID=get("MP_STAFF_CASE_TEMPLATE_ID"),
            MP_STAFF_CASE_PAGE=get("MP_STAFF_CASE_PAGE", "work/case/index"),
            COMMENT_FLAGGED_POLICY=_choice(env, "COMMENT_FLAGGED_POLICY", "HOLD", ("HOLD", "DELETE")).lower(),
            COMMENT_AUTO_ELECT=_flag(env, "COMMENT_AUTO_ELECT"),
            # Secure unless said otherwise: production is behind TLS; run-local.sh turns it off.
            CONSOLE_COOKIE_SECURE=_flag(env, "CONSOLE_COOKIE_SECURE") if env.get("CONSOLE_COOKIE_SECURE", "").strip()
            else True,
            MP_COUPON_PAGE=get("MP_COUPON_PAGE", "redcard/coupons/index"),
            OPEN311_API_KEYS=tuple(k.strip() for k in get("OPEN311_API_KEYS").split(",") if k.strip()),
            OPEN311_READ_KEYS=tuple(k.strip() for k in get("OPEN311_READ_KEYS").split(",") if k.strip()),
            OPEN311_RADIUS_M=_number(env, "OPEN311_RADIUS_M", 3000, int, low=100, high=100_000),
            COMMUNITY_POLICY_OVERRIDES=_json_object(env, "COMMUNITY_POLICY_OVERRIDES"),
            MEDIA_BACKEND=media_backend,
            MEDIA_S3_BUCKET=get("MEDIA_S3_BUCKET"),
            MEDIA_S3_ENDPOINT_URL=media_endpoint.rstrip("/"),
            MEDIA_S3_REGION=get("MEDIA_S3_REGION"),
            MEDIA_S3_ADDRESSING=_choice(env, "MEDIA_S3_ADDRESSING", "AUTO", ("AUTO", "PATH", "VIRTUAL")).lower(),
            MEDIA_URL_SECONDS=_number(env, "MEDIA_URL_SECONDS", 600, int, low=30, high=7 * 24 * 3600),
        )


_active = []


def activate(settings):
    """Make `settings` the process's own (create_app does): tasks and commands run outside a
    request and read them here, like the database proxy."""
    _active[:] = [settings]


def active():
    if not _active:
        raise RuntimeError("settings not loaded: call create_app() first")
    return _active[0]


def _check_database_url(url):
    scheme = urlparse(url).scheme
    if scheme not in ("sqlite", "postgres", "postgresql", "postgres+pool", "postgresql+pool"):
        raise ConfigError(
            "DATABASE_URL must start with sqlite:/// or postgresql://, got scheme %r" % scheme)
    try:
        parsed = db_url.parse(url)
    except Exception as exc:  # db_url raises assorted errors for malformed URLs
        raise ConfigError("DATABASE_URL is not a valid database URL: %s" % exc) from exc
    if not parsed.get("database"):
        raise ConfigError("DATABASE_URL names no database: %r" % url)


def _check_aes_key(key, name="WECHAT_AES_KEY"):
    # WeChat's EncodingAESKey is 43 characters of base64 without the trailing '='.
    if len(key) != 43:
        raise ConfigError("%s must be the 43-character EncodingAESKey, got %d characters"
                          % (name, len(key)))
    try:
        base64.b64decode(key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("%s is not valid base64: %s" % (name, exc)) from exc


def _number(env, name, default, kind, low, high):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError("%s must be a %s, got %r" % (name, kind.__name__, raw)) from None
    if not low <= value <= high:
        raise ConfigError("%s must be between %s and %s, got %s" % (name, low, high, raw))
    return value


def _flag(env, name):
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError("%s must be true or false, got %r" % (name, raw))


def _choice(env, name, default, choices):
    raw = env.get(name, "").strip().upper() or default
    if raw not in choices:
        raise ConfigError("%s must be one of %s, got %r" % (name, ", ".join(choices), raw))
    return raw


def _json_object(env, name):
    """A JSON object given inline ("{...}") or as the path of a file holding one (easier to
    keep in an EnvironmentFile); returned as its text, "" when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return ""
    if not raw.startswith("{"):
        try:
            raw = Path(raw).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError("%s is neither a JSON object nor a readable file: %s" % (name, exc)) from None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigError("%s is not valid JSON: %s" % (name, exc)) from None
    if not isinstance(value, dict):
        raise ConfigError("%s must be a JSON object, got %s" % (name, type(value).__name__))
    return raw


def _local_secret_key(data_dir):
    """The embedded default keeps a generated key in the data dir, so every worker shares it
    and sessions survive a restart; production sets SECRET_KEY instead."""
    path = Path(data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Written aside, then linked into place: when two workers start at once, one link wins and
    # the other reads the winner's complete key, never a half-written file.
    tmp = path.with_name("secret_key.%d" % os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        os.unlink(tmp)
    return key
