"""Settings: the embedded default needs nothing; a bad value stops the start and names itself."""
import json

import pytest

from linli.config import ConfigError
from linli.config import Settings
from tests.support import ROOT

GOOD_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def test_embedded_default_needs_no_variables(tmp_path):
    settings = Settings.from_env({"LINLI_DATA_DIR": str(tmp_path)})
    assert settings.DATABASE_URL == "sqlite:///%s/linli.db" % tmp_path
    assert settings.REDIS_URL == ""
    assert settings.MEDIA_DIR == str(tmp_path / "media")
    assert settings.WECHAT_API_BASE == "https://api.weixin.qq.com"


def test_generated_secret_key_is_kept_for_every_worker_and_restart(tmp_path):
    first = Settings.from_env({"LINLI_DATA_DIR": str(tmp_path)}).SECRET_KEY
    second = Settings.from_env({"LINLI_DATA_DIR": str(tmp_path)}).SECRET_KEY
    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0   # readable by the owner only


def test_production_database_without_secret_key_is_an_error(tmp_path):
    # The mistake: deploying on PostgreSQL and forgetting SECRET_KEY, so each host would sign
    # sessions with a key of its own (or a guessable default).
    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        Settings.from_env({"LINLI_DATA_DIR": str(tmp_path),
                           "DATABASE_URL": "postgresql://u@db.example/linli"})


@pytest.mark.parametrize("name, value, message", [
    ("DATABASE_URL", "mysql://root@localhost/linli", "DATABASE_URL must start with"),
    ("DATABASE_URL", "postgresql://user@host", "DATABASE_URL names no database"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL must be"),
    ("REDIS_NAMESPACE", "linli:prod", "REDIS_NAMESPACE must be"),
    ("SECRET_KEY", "short", "SECRET_KEY is too short"),
    ("WECHAT_AES_KEY", "tooshort", "WECHAT_AES_KEY must be the 43-character"),
    ("WECHAT_AES_KEY", "!" * 43, "WECHAT_AES_KEY is not valid base64"),
    ("WECHAT_API_BASE", "api.weixin.qq.com", "WECHAT_API_BASE must be an http"),
    ("WECHAT_TIMEOUT", "soon", "WECHAT_TIMEOUT must be a float"),
    ("WECHAT_TIMEOUT", "600", "WECHAT_TIMEOUT must be between"),
    ("DB_MAX_CONNECTIONS", "many", "DB_MAX_CONNECTIONS must be a int"),
    ("TASKS_IMMEDIATE", "perhaps", "TASKS_IMMEDIATE must be true or false"),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
])
def test_invalid_value_names_the_variable(tmp_path, name, value, message):
    env = {"LINLI_DATA_DIR": str(tmp_path), "WECHAT_TOKEN": "t", name: value}
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_aes_key_without_token_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="WECHAT_TOKEN is not"):
        Settings.from_env({"LINLI_DATA_DIR": str(tmp_path), "WECHAT_AES_KEY": GOOD_AES_KEY})


def test_requiring_safe_mode_without_an_aes_key_is_an_error(tmp_path):
    # Safe mode required but no key: every push would be refused; say so at start instead.
    with pytest.raises(ConfigError, match="WECHAT_REQUIRE_SAFE_MODE is set but WECHAT_AES_KEY is not"):
        Settings.from_env({"LINLI_DATA_DIR": str(tmp_path), "WECHAT_TOKEN": "t", "WECHAT_REQUIRE_SAFE_MODE": "1"})


def test_valid_production_settings_are_taken_as_given(tmp_path):
    settings = Settings.from_env({
        "LINLI_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://linli@db.internal:5432/linli",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "SECRET_KEY": "x" * 40,
        "WECHAT_TOKEN": "token", "WECHAT_AES_KEY": GOOD_AES_KEY,
        "WECHAT_API_BASE": "http://127.0.0.1:9100/",
        "DB_MAX_CONNECTIONS": "8", "TASKS_IMMEDIATE": "yes",
    })
    assert settings.REDIS_URL == "redis://cache.internal:6379/0"
    assert settings.WECHAT_API_BASE == "http://127.0.0.1:9100"
    assert settings.DB_MAX_CONNECTIONS == 8
    assert settings.TASKS_IMMEDIATE is True
    assert not settings.is_sqlite


def test_create_app_refuses_to_start_on_a_bad_setting(tmp_path, monkeypatch):
    from wsgi import create_app
    monkeypatch.setenv("LINLI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DB_MAX_CONNECTIONS", "0")
    with pytest.raises(ConfigError, match="DB_MAX_CONNECTIONS"):
        create_app()


def test_the_pages_notifications_open_are_pages_of_the_mini_program(tmp_path):
    # A subscribe message naming a page the mini-program lacks opens nothing when tapped.
    app = json.loads((ROOT / "miniprogram" / "src" / "app.json").read_text(encoding="utf-8"))
    pages = set(app["pages"]) | {"%s/%s" % (package["root"], page)
                                 for package in app["subPackages"] for page in package["pages"]}
    settings = Settings.from_env({"LINLI_DATA_DIR": str(tmp_path)})
    assert {settings.MP_CASE_PAGE, settings.MP_ADDRESS_PAGE, settings.MP_COUPON_PAGE,
            settings.MP_PROPOSAL_PAGE} <= pages
