"""gunicorn serving a test's settings, as production runs it, and a client that pushes to it."""
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support import ROOT
from tests.support.settings import settings_env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn serving the test's settings with deploy/gunicorn.conf.py and two workers."""

    def __init__(self, settings, **env):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py", "wsgi:create_app()"],
            cwd=ROOT, env=settings_env(settings, LINLI_BIND="127.0.0.1:%d" % self.port,
                                       WEB_CONCURRENCY=2, **env),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                # refused while the workers boot, or slow on a loaded machine: ask again
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start: %s" % self.stderr)

    def stop(self):
        # SIGINT is gunicorn's quick shutdown; TERM waits out the graceful timeout for nothing.
        self.process.send_signal(signal.SIGINT)
        _, self.stderr = self.process.communicate(timeout=20)
        return self.stderr


class HttpClient:
    """The slice of Flask's test client that tests/support/wechat_push.py uses, over real HTTP."""

    def __init__(self, base_url, verify=True):
        self.base_url = base_url
        self.verify = verify            # a TLS site's certificate (nginx in front), per request:
        self.session = requests.Session()   # REQUESTS_CA_BUNDLE would override a session's own

    def post(self, path, data=None, query_string=None, content_type=None):
        answer = self.session.post(self.base_url + path, params=query_string, data=data,
                                   headers={"Content-Type": content_type or "text/xml"}, timeout=10,
                                   verify=self.verify)
        answer.get_data = lambda as_text=False: answer.text if as_text else answer.content
        return answer
