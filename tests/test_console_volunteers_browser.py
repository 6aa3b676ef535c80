"""志愿服务 in a real Chromium (fixtures from conftest.py): the secretary posts an activity from
the form; at the place the leader's screen, on a phone 375 px wide, shows the rotating check-in
QR as SVG; a volunteer checks in through the mini-program's API with the payload read off the
page, another is marked by hand; after the end the forgotten check-outs are named and closed,
the hours confirmed; the certificate, printed (print media), shows only confirmed hours; an
urgent call fills on its open page by itself. All under the console's content security policy."""
import datetime

import requests

from linli.clock import local
from models.community import Building
from models.db import utcnow
from models.people import Resident
from models.people import RoleAssignment
from models.people import Staff
from models.volunteers import Activity
from models.volunteers import Signup
from volunteers import activities
from volunteers import attendance
from volunteers import teams
from volunteers.teams import Actor

PHONE_WIDTH = 375
HOUR = datetime.timedelta(hours=1)


def _volunteer(url, emulator, building, openid, nickname):
    """A resident signed in to the mini-program, with a confirmed address: (token, row)."""
    token = requests.post(url + "/api/mp/login", json={"code": emulator.login_code(openid)}, timeout=10).json()["token"]
    Resident.update(community=building.community_id, building=building.id, room="101", address_state="confirmed",
                    nickname=nickname).where(Resident.mp_openid == openid).execute()
    return token, Resident.get(Resident.mp_openid == openid)


def _field(moment):
    return local(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_activity_posted_checked_in_on_a_phone_confirmed_and_its_certificate_printed(site, emulator, settings):
    page, url, sign_in = site
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    building = Building.get_by_id(RoleAssignment.get(RoleAssignment.role == "building_leader").building_id)
    secretary = Staff.get(Staff.username == "tianbing")
    team = teams.create_team(secretary, building.community_id, "红色志愿服务队", needs_approval=False)
    wang_token, wang = _volunteer(url, emulator, building, "o-vol-browser-1", "老王")
    _, li = _volunteer(url, emulator, building, "o-vol-browser-2", "小李")
    for person in (wang, li):
        teams.join(person, team.id)

    sign_in("tianbing")
    page.click("nav >> text=志愿服务")
    page.click("#teams >> text=红色志愿服务队")
    page.click("#new-activity")
    now = utcnow()
    page.fill("#title", "楼道清理")
    page.fill("#place", "1号楼1单元")
    page.fill("#starts_at", _field(now + 30 * datetime.timedelta(minutes=1)))
    page.fill("#ends_at", _field(now + 3 * HOUR))
    page.fill("#capacity", "2")
    page.click("#post-activity")
    page.wait_for_selector("text=已发布活动：楼道清理")
    posted = Activity.get(Activity.title == "楼道清理")
    for person in (wang, li):
        activities.sign_up(person, posted.id)

    # The leader's phone at the place: the code fills the screen, nothing scrolls sideways.
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    page.click("#screen")
    page.wait_for_selector("svg.checkin-qr")
    box = page.locator("svg.checkin-qr").bounding_box()
    assert 250 <= box["width"] <= PHONE_WIDTH and abs(box["width"] - box["height"]) < 2
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert page.locator("meta[http-equiv=refresh]").get_attribute("content") == "50"
    payload = page.get_attribute("#checkin-qr", "data-payload")
    answer = requests.post(url + "/api/mp/volunteers/activities/%d/check-in" % posted.id, json={"qr": payload},
                           headers={"Authorization": "Bearer " + wang_token}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["signup"]["checked_in_at"]
    # 小李's phone is flat: the leader taps her name instead.
    button = page.locator("#mark-%d" % li.id)
    assert button.bounding_box()["height"] >= 44
    button.click()
    page.wait_for_selector("text=小李：已签到")
    assert "已签到" in page.inner_text("#s%d" % wang.id)

    # Three hours later (the activity and what happened at it move back in time): both forgot
    # to check out.
    shift = 4 * HOUR
    posted = Activity.get_by_id(posted.id)
    Activity.update(starts_at=posted.starts_at - shift, ends_at=posted.ends_at - shift).where(
        Activity.id == posted.id).execute()
    for signup in Signup.select().where(Signup.activity == posted.id):
        Signup.update(checked_in_at=signup.checked_in_at - shift).where(Signup.id == signup.id).execute()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(url + "/console/volunteers/activities/%d" % posted.id)
    assert page.inner_text("#open-check-outs").startswith("尚未签退：")
    page.click("#confirm-hours")
    page.wait_for_selector("text=还有人未签退，请先为其补签退")
    for person in (wang, li):
        page.click("#out-%d" % person.id)
        page.wait_for_selector("text=%s：已签退" % person.nickname)
    page.click("#confirm-hours")
    page.wait_for_selector("text=服务时长已确认")
    assert Signup.get((Signup.activity == posted.id) & (Signup.resident == wang)).minutes > 0

    # 老王 also served at an activity whose hours nobody confirmed yet: not on the certificate.
    earlier = activities.post(Actor(staff=secretary), team.id, "义务理发", "社区活动室", utcnow() - 6 * HOUR,
                              utcnow() - 5 * HOUR, capacity=2, now=utcnow() - 30 * HOUR)
    activities.sign_up(wang, earlier.id, now=utcnow() - 29 * HOUR)
    attendance.mark(Actor(staff=secretary), earlier.id, wang.id, "check_in", at=earlier.starts_at)
    attendance.mark(Actor(staff=secretary), earlier.id, wang.id, "check_out", at=earlier.ends_at)

    page.goto(url + "/console/volunteers/teams/%d" % team.id)
    page.click("#certificate-%d" % wang.id)
    page.wait_for_selector("#certificate")
    page.emulate_media(media="print")
    assert page.locator("header").is_hidden() and page.locator("button[data-print]").is_hidden()
    printed = page.inner_text("#certificate")
    served = Signup.get((Signup.activity == posted.id) & (Signup.resident == wang)).minutes
    assert "楼道清理" in printed and "义务理发" not in printed
    assert page.inner_text("#cert-total") == "%.2f" % (served / 60)
    assert "老王" in page.inner_text("#cert-name") and "红色志愿服务队" in page.inner_text("#cert-teams")
    assert building.community.name in page.inner_text("#cert-community")

    # A storm: the urgent call goes out from the team's page, and 老王's 来 shows up on the open
    # page by itself (it reloads every few seconds), filling the call of one.
    page.emulate_media(media="screen")
    page.goto(url + "/console/volunteers/teams/%d" % team.id)
    page.fill("#call-what", "暴雨：转移地下室物品")
    page.fill("#call-place", "1号楼地下室入口")
    page.fill("#call-needed", "1")
    page.click("#send-call")
    page.wait_for_selector("text=紧急任务已发出")
    assert page.inner_text("#coming-count") == "0"
    call_id = int(page.url.rsplit("/", 1)[1])
    answer = requests.post(url + "/api/mp/volunteers/calls/%d/answer" % call_id, json={"answer": "come"},
                           headers={"Authorization": "Bearer " + wang_token}, timeout=10)
    assert answer.status_code == 201, answer.text
    page.wait_for_selector("#call-state >> text=已满员", timeout=15000)
    assert page.inner_text("#coming-count") == "1" and "老王" in page.inner_text("#coming")
    assert refused == []
