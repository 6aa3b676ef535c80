"""The service as production runs it: gunicorn with deploy/gunicorn.conf.py and two workers."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(settings, database_url, port):
    return dict(os.environ, DATABASE_URL=database_url, REDIS_URL=settings.REDIS_URL,
                SECRET_KEY=settings.SECRET_KEY, LINLI_DATA_DIR=settings.DATA_DIR,
                QUEUE_PATH=settings.QUEUE_PATH, LINLI_BIND="127.0.0.1:%d" % port,
                WEB_CONCURRENCY="2")


def test_gunicorn_refuses_an_unmigrated_database_and_says_what_to_run(settings, empty_database_url):
    port = _free_port()
    result = subprocess.run([GUNICORN, "-c", "deploy/gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                            env=_env(settings, empty_database_url, port),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "flask --app wsgi db upgrade" in result.stderr


def test_gunicorn_serves_healthz_from_two_workers(settings):
    port = _free_port()
    server = subprocess.Popen([GUNICORN, "-c", "deploy/gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=_env(settings, settings.DATABASE_URL, port),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        answer = None
        while time.time() < deadline:
            try:
                answer = requests.get("http://127.0.0.1:%d/healthz" % port, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, answer and answer.text
        assert answer.json()["checks"]["database"] == "ok"
    finally:
        server.terminate()
        _, err = server.communicate(timeout=20)
    assert err.count("Booting worker") == 2
