"""Notifications as a transactional outbox (cases/notify_outbox.py): the row written with the
action is what the consumer's relay delivers; no task in a second store, nothing for an action
rolled back, each row sent once however many relays run, and a dead relay's rows recovered."""
import datetime
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cases import intake
from cases import notify
from cases import notify_outbox
from cases import workflow
from community.demo import seed_demo
from linli import queue
from models.account import InboundMessage
from models.community import Building
from models.db import connected
from models.db import db
from models.db import utcnow
from models.notifications import Notification
from models.people import Resident
from models.people import Staff
from tests.support import ROOT
from tests.support.races import together
from tests.support.settings import settings_env
from tests.support.settings import use_settings


@pytest.fixture
def accepted(database):
    """A case of a follower (its window open) accepted by the grid worker, with tasks queued for
    a consumer (not run in process): the notification's row, committed, waiting for the relay."""
    seed_demo()
    queue.configure(use_settings(TASKS_IMMEDIATE="0"))
    queue.huey.flush()
    building = Building.select().order_by(Building.id).first()
    reporter = Resident.create(oa_openid="o-rep", subscribed=True, building=building,
                               community=building.community_id, address_state="confirmed")
    InboundMessage.create(dedup_key="msg:o-rep", openid="o-rep", msg_type="text", wechat_time=0,
                          raw_xml="<xml/>", resident=reporter)
    case = intake.submit(reporter, "official_account", "楼道灯不亮")
    workflow.accept(case, Staff.get(Staff.username == "grid1"))
    yield case
    queue.configure(use_settings(TASKS_IMMEDIATE="1"))


def _sent_to(emulator, openid):
    return [c.body["text"]["content"] for c in emulator.calls("cgi-bin/message/custom/send")
            if c.body["touser"] == openid]


def test_the_row_is_delivered_by_the_relay_and_no_task_is_queued(accepted, emulator):
    """The mistake: a task in huey's own store per notification, a second write per action and a
    window (commit done, enqueue not yet) where a crash loses the notification."""
    assert queue.check() == 0                                   # nothing but the row
    assert _sent_to(emulator, "o-rep") == []
    assert notify.relay_notifications() == 1
    assert _sent_to(emulator, "o-rep") == ["您反映的问题（%s）已受理，网格员正在处理。" % accepted.number]
    note = Notification.get(Notification.case == accepted.id)
    assert (note.state, note.channel, note.attempts) == ("sent", "custom", 1)
    assert notify.relay_notifications() == 0                    # settled: never sent again
    assert len(_sent_to(emulator, "o-rep")) == 1


def test_an_action_rolled_back_leaves_nothing_to_relay(accepted, emulator):
    Notification.delete().execute()
    with pytest.raises(RuntimeError):
        with db.atomic():
            workflow.resolve(accepted, Staff.get(Staff.username == "grid1"), "已修好")
            raise RuntimeError("the action failed after its notification was written")
    assert notify.relay_notifications() == 0
    assert _sent_to(emulator, "o-rep") == []


def test_two_relays_at_once_send_a_row_once(accepted, emulator):
    """Two consumers (two hosts) polling the same table: the lease decides."""
    def relay(_):
        with connected():
            return notify.relay_notifications()
    together(2, relay)
    assert len(_sent_to(emulator, "o-rep")) == 1


def test_a_dead_relays_row_is_taken_again_unless_its_send_had_begun(accepted, emulator):
    now = utcnow()
    note = Notification.get(Notification.case == accepted.id)
    Notification.update(claimed_at=now - datetime.timedelta(minutes=1)).execute()
    assert notify.relay_notifications(now) == 0                 # a live lease: left to its relay
    Notification.update(claimed_at=now - notify_outbox.LEASE * 2).execute()
    assert notify.relay_notifications(now) == 1                 # died before sending: sent now
    assert Notification.get_by_id(note.id).state == "sent"
    # Died with the send in flight (its channel marked): it may have arrived, not sent blindly again.
    Notification.update(state="queued", channel="custom", claimed_at=now - notify_outbox.LEASE * 2).execute()
    assert notify.relay_notifications(now) == 1
    assert (Notification.get_by_id(note.id).state, Notification.get_by_id(note.id).errmsg) == (
        "unknown", notify_outbox.CRASHED)
    assert len(_sent_to(emulator, "o-rep")) == 1


def test_unreachable_wechat_is_tried_again_later_and_failed_after_the_last_try(accepted, emulator):
    note_id = Notification.get(Notification.case == accepted.id).id
    emulator.refuse()
    try:
        now = utcnow()
        for attempt in range(1, notify_outbox.delivery.RETRIES + 1):
            assert notify.relay_notifications(now) == 1
            note = Notification.get_by_id(note_id)
            assert (note.state, note.attempts, note.claimed_at) == ("queued", attempt, None)
            assert notify.relay_notifications(now) == 0         # not before its next try
            now = note.next_try_at
        assert notify.relay_notifications(now) == 1             # the last try
        assert Notification.get_by_id(note_id).state == "failed"
    finally:
        emulator.resume()


@pytest.mark.live_server
def test_the_consumer_relays_the_rows(accepted, settings, emulator):
    """`queue consume`, as systemd runs it, delivers the row with no task queued for it."""
    env = settings_env(settings, TASKS_IMMEDIATE="0", REDIS_URL=settings.REDIS_URL or "")
    consumer = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "queue", "consume",
                                 "--workers", "1", "--no-periodic"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while Notification.get(Notification.case == accepted.id).state == "queued" and time.time() < deadline:
            time.sleep(0.1)
    finally:
        consumer.terminate()
        consumer.wait(timeout=20)
    assert Notification.get(Notification.case == accepted.id).state == "sent"
    assert len(_sent_to(emulator, "o-rep")) == 1
