"""The WeChat emulator as the tests use it: one server a run, put back to a fresh WeChat that
knows the test's two apps before each test."""
import contextlib

from tests.support.wechat_apps import APPID
from tests.support.wechat_apps import MP_APPID
from tests.support.wechat_apps import MP_SECRET
from tests.support.wechat_apps import SECRET
from tests.wechat_emulator import Emulator


@contextlib.contextmanager
def running():
    server = Emulator().start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def fresh(server):
    """`server` reset, with the test apps registered; listening again afterwards if the test
    stopped it (refuse())."""
    if not server.running:
        server.resume()
    server.reset()
    server.register_app(APPID, SECRET)
    server.register_app(MP_APPID, MP_SECRET)
    yield server
    if not server.running:
        server.resume()
