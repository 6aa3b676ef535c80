"""The service as production runs it: gunicorn with deploy/gunicorn.conf.py and two workers."""
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support import ROOT
from tests.support.settings import settings_env


@pytest.mark.live_server
def test_gunicorn_refuses_an_unmigrated_database_and_says_what_to_run(settings, empty_database_url):
    result = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "-c",
                             "deploy/gunicorn.conf.py", "wsgi:create_app()"], cwd=ROOT,
                            env=settings_env(settings, DATABASE_URL=empty_database_url),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "flask --app wsgi db upgrade" in result.stderr


def test_gunicorn_serves_healthz_from_two_workers(live_server):
    answer = requests.get(live_server.url + "/healthz", timeout=5)
    assert answer.status_code == 200
    assert answer.json()["checks"]["database"] == "ok"
    assert live_server.stop().count("Booting worker") == 2
