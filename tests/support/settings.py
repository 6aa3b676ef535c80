"""A test's settings: built for its stack, handed to a subprocess, changed mid-test."""
import dataclasses
import os

import wechat
from linli import config
from linli.config import Settings
from tests.support.markers import expect_marker
from tests.support.wechat_apps import APPID
from tests.support.wechat_apps import MP_APPID
from tests.support.wechat_apps import MP_SECRET
from tests.support.wechat_apps import SECRET
from tests.support.wechat_apps import WECHAT_AES_KEY
from tests.support.wechat_apps import WECHAT_TOKEN


def settings_for(data_dir, api_base, **stack):
    """Settings with the test apps, the emulator at `api_base`, tasks run at once; `stack` gives
    DATABASE_URL (and REDIS_URL)."""
    return Settings.from_env(
        {}, LINLI_DATA_DIR=str(data_dir),
        WECHAT_APPID=APPID, WECHAT_SECRET=SECRET, WECHAT_TOKEN=WECHAT_TOKEN,
        WECHAT_AES_KEY=WECHAT_AES_KEY,
        MINIPROGRAM_APPID=MP_APPID, MINIPROGRAM_SECRET=MP_SECRET,
        WECHAT_API_BASE=api_base, TASKS_IMMEDIATE="1",
        SECRET_KEY="test-secret-key-0123456789", **stack)


def settings_env(settings, **extra):
    """The environment that gives a subprocess (gunicorn, the consumer) these settings; only a
    test marked live_server starts one."""
    expect_marker("live_server", "it starts the app or the queue in a process of its own")
    return _environment(settings, **extra)


def _environment(settings, **extra):
    env = dict(os.environ)
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        name = "LINLI_DATA_DIR" if field.name == "DATA_DIR" else field.name
        if isinstance(value, bool):
            env[name] = "1" if value else "0"
        elif isinstance(value, tuple):
            env[name] = ",".join(value)
        else:
            env[name] = str(value)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def use_settings(**overrides):
    """Change settings mid-test without a new app (which would re-open the database)."""
    settings = config.active()
    changed = Settings.from_env({}, **{**_environment(settings), **overrides})
    config.activate(changed)
    wechat.configure(changed)
    return changed
