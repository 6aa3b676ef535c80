"""App "hosts" for a scale-out test: each gunicorn (deploy/gunicorn.conf.py) and each task consumer
runs in a folder of its own, as on a machine of its own: its own working directory and data dir
(LINLI_DATA_DIR, so its own MEDIA_DIR, queue file and clock file), nothing shared on disk. They
share only what production hosts share: the database, Redis and SECRET_KEY in the settings.

Each runs in a process group of its own, its output in a log file in its folder, so a failing
test can show what every process said, and teardown can stop the whole group."""
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support import ROOT
from tests.support import stacks
from tests.support.live_server import free_port
from tests.support.nginx import stop_group
from tests.support.nginx import tail
from tests.support.settings import settings_env
from tests.support.settings import settings_for

BIN = Path(sys.executable).parent


def host_settings(folder, emulator_url, database_url, redis_url):
    """A host's settings: its own data dir under `folder`, the shared database and Redis (under
    this test process's namespace, which it clears at the end, as the other tests' keys)."""
    return settings_for(Path(folder) / "var", emulator_url, DATABASE_URL=database_url, REDIS_URL=redis_url,
                        REDIS_NAMESPACE=stacks.REDIS_NAMESPACE)


def _environment(settings, **extra):
    """The process's environment; an `extra` of None removes that variable."""
    # PYTHONPATH: the checkout's code, though the process runs in a folder of its own.
    env = settings_env(settings, PYTHONPATH=str(ROOT), TASKS_IMMEDIATE="0",
                       **{k: v for k, v in extra.items() if v is not None})
    for name in [k for k, v in extra.items() if v is None]:
        env.pop(name, None)
    return env


class Host:
    """gunicorn with deploy/gunicorn.conf.py and two workers, in `folder`, at `url`."""

    def __init__(self, name, folder, settings, **env):
        self.name = name
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = "127.0.0.1:%d" % self.port
        self.url = "http://" + self.address
        self.log = self.folder / "gunicorn.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "wsgi:create_app()"],
                cwd=self.folder, env=_environment(settings, LINLI_BIND=self.address, WEB_CONCURRENCY=2, **env),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=40):
        deadline = time.time() + timeout
        while time.time() < deadline and self.process.poll() is None:
            try:
                if requests.get(self.url + "/healthz", timeout=10).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass                    # refused while the workers boot: ask again
            time.sleep(0.1)
        raise AssertionError("%s (gunicorn) did not start:\n%s" % (self.name, tail(self.log)))

    def requests_served(self, method, path):
        """How many `method path` requests this host's access log shows."""
        return tail(self.log, limit=10 ** 7).count('"%s %s' % (method, path))

    def stop(self):
        stop_group(self.process, signal.SIGINT)       # gunicorn's quick shutdown


class Consumer:
    """`flask --app wsgi queue consume` in `folder`; `periodic` as production runs exactly one."""

    def __init__(self, name, folder, settings, periodic, workers=2, **env):
        self.name = name
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = self.folder / "consumer.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "flask"), "--app", "wsgi", "queue", "consume", "--workers", str(workers),
                 "--periodic" if periodic else "--no-periodic"],
                cwd=self.folder, env=_environment(settings, **env),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=40):
        deadline = time.time() + timeout
        while time.time() < deadline and self.process.poll() is None:
            if "consuming " in tail(self.log) and "Huey consumer started" in tail(self.log):
                return self
            time.sleep(0.1)
        raise AssertionError("%s (queue consumer) did not start:\n%s" % (self.name, tail(self.log)))

    def executed(self, task_name):
        """The ids of the `task_name` tasks this consumer started, in order (huey logs each
        execution, a retry included, as `Executing <module.task>: <id>`)."""
        marker = "Executing %s: " % task_name
        return [line.split(marker, 1)[1].split()[0] for line in tail(self.log, limit=10 ** 7).splitlines()
                if marker in line]

    def stop(self):
        stop_group(self.process, signal.SIGTERM)      # huey finishes the running tasks, then exits
