"""A team leader on the mini-program (issue 19 item 4): which teams I lead, a post re-sent after
its answer was lost is one activity, the team's activities including ended ones, and the
check-in QR as a PNG for the phone's <image>. The Town of tests/test_volunteers.py."""
import pytest

from community.demo import seed_demo
from linli import signed_qr
from linli.clock import local
from miniprogram_api.volunteers import qr_png
from models.db import utcnow
from models.volunteers import Activity
from tests.test_volunteers import HOUR
from tests.test_volunteers import Town
from tests.test_volunteers import ok
from tests.test_volunteers import refused
from volunteers import teams
from volunteers.attendance import QR_SALT

BASE = "/api/mp/volunteers/lead"


@pytest.fixture
def town(client, database, emulator):
    seed_demo()
    return Town(client, emulator)


def _form(title="周六义务理发"):
    start = utcnow() + 24 * HOUR
    return {"title": title, "place": "社区活动室", "capacity": 4, "starts_at": local(start).isoformat(),
            "ends_at": local(start + 2 * HOUR).isoformat()}


def test_the_teams_i_lead_with_their_pending_requests(town):
    lead_token, leader = town.leader(town.red, "红队队长")
    _, asking = town.resident()
    teams.join(asking, town.red.id)
    led = ok(town.call("get", BASE + "/teams", lead_token))["items"]
    assert [(t["id"], t["pending"], t["approved"]) for t in led] == [(town.red.id, 1, 1)]
    # a member who does not lead, and a resident in no team: nothing, so no leader's door shows
    member_token, member = town.resident()
    teams.join(member, town.aunties.id)
    assert ok(town.call("get", BASE + "/teams", member_token))["items"] == []
    assert ok(town.call("get", BASE + "/teams", town.resident()[0]))["items"] == []


def test_a_post_re_sent_with_its_key_is_one_activity(town):
    # A weak signal: the leader's post reached the server, its answer did not; 重新提交 sends it
    # again with the same key. It must not post the activity twice (its volunteers would split).
    lead_token, _ = town.leader(town.red)
    path = BASE + "/teams/%d/activities" % town.red.id
    first = ok(town.call("post", path, lead_token, _form(), headers={"Idempotency-Key": "post-1"}), 201)
    again = ok(town.call("post", path, lead_token, _form(), headers={"Idempotency-Key": "post-1"}), 200)
    assert again["id"] == first["id"]
    assert Activity.select().where(Activity.title == "周六义务理发").count() == 1
    # another intent (a new key) is another activity; a post without a key behaves as before
    other = ok(town.call("post", path, lead_token, _form(), headers={"Idempotency-Key": "post-2"}), 201)
    ok(town.call("post", path, lead_token, _form()), 201)
    assert other["id"] != first["id"]
    assert Activity.select().where(Activity.title == "周六义务理发").count() == 3
    # the same key for another team is that team's own post (keys are unique within a team)
    aunties_token, _ = town.leader(town.aunties, "阿姨队长")
    ok(town.call("post", BASE + "/teams/%d/activities" % town.aunties.id, aunties_token, _form("包饺子"),
                 headers={"Idempotency-Key": "post-1"}), 201)
    # a refused post (bad times) stores nothing, so the corrected form under the key posts
    bad = _form("修自行车")
    bad["ends_at"] = bad["starts_at"]
    refused(town.call("post", path, lead_token, bad, headers={"Idempotency-Key": "post-3"}), 422, "bad_times")
    ok(town.call("post", path, lead_token, _form("修自行车"), headers={"Idempotency-Key": "post-3"}), 201)
    assert Activity.select().where(Activity.title == "修自行车").count() == 1


def test_the_teams_activities_include_ended_and_cancelled_ones_for_its_leader_only(town):
    lead_token, _ = town.leader(town.red)
    ended = town.activity(town.red, starts_in=2 * HOUR)
    Activity.update(starts_at=utcnow() - 3 * HOUR, ends_at=utcnow() - HOUR).where(Activity.id == ended.id).execute()
    soon = town.activity(town.red, starts_in=5 * HOUR)
    town.activity(town.aunties)
    items = ok(town.call("get", BASE + "/teams/%d/activities" % town.red.id, lead_token))["items"]
    assert [a["id"] for a in items] == [soon.id, ended.id]        # the latest start first
    refused(town.call("get", BASE + "/teams/%d/activities" % town.aunties.id, lead_token), 403, "not_your_team")


def test_the_qr_as_a_png_for_the_leader_and_nobody_else(town, app):
    lead_token, _ = town.leader(town.red)
    activity = town.activity(town.red)
    answer = town.call("get", BASE + "/activities/%d/qr.png" % activity.id, lead_token)
    assert answer.status_code == 200
    assert answer.response.headers["Content-Type"] == "image/png"
    assert "no-store" in answer.response.headers["Cache-Control"]          # a cached code would go stale
    assert answer.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    # what it draws is the JSON route's payload (signed to the second: the two are fetched
    # within one second, tried again if a second ticked between them)
    for _ in range(3):
        payload = ok(town.call("get", BASE + "/activities/%d/qr" % activity.id, lead_token))["qr"]
        png = town.call("get", BASE + "/activities/%d/qr.png" % activity.id, lead_token).get_data()
        if png == qr_png(payload):
            break
    assert png == qr_png(payload)
    assert signed_qr.value_of(payload, app.config["SECRET_KEY"], QR_SALT) == {"a": activity.id}
    member_token, member = town.resident()
    teams.join(member, town.red.id)
    refused(town.call("get", BASE + "/activities/%d/qr.png" % activity.id, member_token), 403, "not_your_team")
    refused(town.call("get", BASE + "/activities/999999/qr.png", lead_token), 404, "not_found")
