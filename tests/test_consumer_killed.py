"""A task consumer killed mid-job (SIGKILL, as the OOM killer or a power cut would) while a mass
send waits on WeChat: the notice is recovered and sent again, and WeChat sends it once."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from account import notices
from models.community import Building
from models.content import Notice
from models.db import utcnow
from models.people import Staff
from tests.support import ROOT
from tests.support.settings import settings_env
from tests.support.settings import use_settings


def _consumer(settings):
    env = settings_env(settings, TASKS_IMMEDIATE="0", REDIS_URL=settings.REDIS_URL or "")
    return subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "queue", "consume",
                             "--workers", "1", "--no-periodic"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _until(condition, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.live_server
def test_a_killed_consumer_loses_no_notice_and_sends_none_twice(database, settings, emulator):
    from community.demo import seed_demo
    from linli import queue
    seed_demo()
    queued = use_settings(TASKS_IMMEDIATE="0")
    queue.configure(queued)                              # this process enqueues into the real queue
    try:
        notice = notices.create(Staff.get(Staff.username == "editor"), Building.select().first().community_id,
                                text="今晚8点起6号楼停水")
        emulator.slow(3, path="cgi-bin/message/mass/sendall")          # WeChat takes its time
        notices.schedule(notice)
        first = _consumer(queued)
        assert _until(lambda: emulator.calls("cgi-bin/message/mass/sendall")), "the consumer never sent"
        os.killpg(first.pid, signal.SIGKILL)                           # mid-call
        first.wait(timeout=10)
        assert Notice.get_by_id(notice.id).state == "sending"          # half done, nothing recorded
        time.sleep(3.5)                                                # WeChat finishes the first send
        assert notices.recover_stuck(now=utcnow() + notices.STUCK_AFTER * 2) == [notice.id]
        second = _consumer(queued)
        try:
            assert _until(lambda: Notice.get_by_id(notice.id).state == "sent"), Notice.get_by_id(notice.id).state
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=20)
        assert len(emulator.state.mass_jobs) == 1                      # sent once
        assert len(emulator.calls("cgi-bin/message/mass/sendall")) == 2
    finally:
        queue.configure(use_settings(TASKS_IMMEDIATE="1"))
