"""议事 (proposals) over the mini-program API, on both databases: households of a unit support a
proposal until it reaches the council's agenda, staff record its outcome in public; every refusal
leaves nothing changed; two members of one household tapping at once in two workers give one
support."""
import io
import threading

import pytest
import requests
from PIL import Image

from account import words
from cases import intake
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from community.demo import seed_second_community
from models.cases import Case
from models.community import Building
from models.community import Unit
from models.households import Household
from models.people import Resident
from models.proposals import Proposal
from models.proposals import ProposalComment
from models.proposals import ProposalSupport
from tests.support.settings import use_settings

# The demo's units have 28 rooms; the default policy asks 10 households or a fifth of the scope,
# whichever is fewer: 6 for a unit.
UNIT_NEEDED = 6


@pytest.fixture
def demo(client, database, emulator):
    seed_demo()
    building = Building.select().order_by(Building.id).first()           # in grid G1
    first, second = building.units.order_by(Unit.id)[:2]
    rooms = list(Household.select().where(Household.unit == first).order_by(Household.id))
    return {"building": building, "unit": first, "other_unit": second, "rooms": rooms}


def _resident(client, emulator, openid, household, state="confirmed", url=None):
    """A resident signed in through the API, whose address (the room of `household`) is `state`."""
    code = emulator.login_code(openid)
    token = (requests.post(url + "/api/mp/login", json={"code": code}, timeout=10).json()["token"] if url
             else client.post("/api/mp/login", json={"code": code}).json["token"])
    unit = Unit.get_by_id(household.unit_id)
    building = Building.get_by_id(unit.building_id)
    Resident.update(community=building.community_id, building=building.id, unit=unit.id, room=household.room,
                    household=household.id, address_state=state).where(Resident.mp_openid == openid).execute()
    return {"Authorization": "Bearer " + token}


def _staff(client, username):
    token = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD}).json["token"]
    return {"Authorization": "Bearer " + token}


def _raise(client, headers, scope="unit", title="楼道堆物清理", text="楼道堆满杂物，影响通行和消防，建议统一清理。"):
    answer = client.post("/api/mp/proposals", headers=headers, json={"scope": scope, "title": title, "text": text})
    assert answer.status_code == 201, answer.json
    return answer.json


def _fingerprint():
    return (Proposal.select().count(), ProposalSupport.select().count(), ProposalComment.select().count(),
            [(p.state, p.supporters, p.outcome_reason) for p in Proposal.select().order_by(Proposal.id)])


def test_supports_of_households_put_a_proposal_on_the_agenda_and_it_becomes_a_case(client, emulator, demo):
    rooms = demo["rooms"]
    proposer = _resident(client, emulator, "o-raiser", rooms[0])
    raised = _raise(client, proposer)
    assert (raised["supporters"], raised["support_needed"], raised["supported"], raised["state"]) == \
        (1, UNIT_NEEDED, True, "open")
    for n in range(1, UNIT_NEEDED):
        neighbour = _resident(client, emulator, "o-neighbour-%d" % n, rooms[n])
        listed = client.get("/api/mp/proposals", headers=neighbour).json["items"]
        assert [(p["id"], p["supported"]) for p in listed] == [(raised["id"], False)]
        answer = client.post("/api/mp/proposals/%d/support" % raised["id"], headers=neighbour)
        assert answer.status_code == 201 and answer.json["supporters"] == n + 1
        assert answer.json["state"] == ("on_agenda" if n + 1 == UNIT_NEEDED else "open"), n
    proposal = Proposal.get_by_id(raised["id"])
    assert (proposal.state, proposal.supporters, ProposalSupport.select().count()) == ("on_agenda", 6, 6)
    assert proposal.on_agenda_at is not None

    case = intake.submit(Resident.get(Resident.mp_openid == "o-raiser"), "miniprogram", "楼道堆物需要清理")
    answer = client.post("/api/mp/staff/proposals/%d/adopt" % raised["id"], headers=_staff(client, "grid1"),
                         json={"reason": "议事会同意，由物业本周内清理", "case_number": case.number})
    assert answer.status_code == 200, answer.json
    assert (answer.json["state"], answer.json["case_number"]) == ("adopted", case.number)
    seen = client.get("/api/mp/proposals/%d" % raised["id"], headers=_resident(client, emulator, "o-later", rooms[9]))
    assert seen.json["outcome"]["reason"] == "议事会同意，由物业本周内清理"
    assert seen.json["outcome"]["case_number"] == case.number
    assert [s["kind"] for s in seen.json["timeline"]] == ["raised", "on_agenda", "adopted"]


def test_a_case_filed_from_an_adopted_proposal_is_at_its_unit_and_the_proposer_follows_it(client, emulator, demo):
    # The mistake: 据此新建案件 filed a case with no unit and no one following it; the proposer was
    # shown its number and then got 404 asking for it.
    rooms = demo["rooms"]
    proposer = _resident(client, emulator, "o-raiser", rooms[0])
    raised = _raise(client, proposer)
    for n in range(1, UNIT_NEEDED):
        client.post("/api/mp/proposals/%d/support" % raised["id"],
                    headers=_resident(client, emulator, "o-neighbour-%d" % n, rooms[n]))
    answer = client.post("/api/mp/staff/proposals/%d/adopt" % raised["id"], headers=_staff(client, "grid1"),
                         json={"reason": "议事会同意，转网格办理", "file_case": True})
    assert answer.status_code == 200, answer.json
    number = answer.json["case_number"]
    case = Case.get(Case.number == number)
    assert (case.building_id, case.unit_id, case.reporter_id) == (demo["building"].id, demo["unit"].id, None)
    seen = client.get("/api/mp/reports/%s" % number, headers=proposer)
    assert seen.status_code == 200 and seen.json["number"] == number
    # A neighbour who only supported it is not made to follow it; they may still ask to.
    neighbour = _resident(client, emulator, "o-neighbour-1", rooms[1])
    assert client.get("/api/mp/reports/%s" % number, headers=neighbour).status_code == 404


def test_a_raise_retried_after_a_lost_answer_raises_one_proposal(client, emulator, demo):
    # A phone on a bad network sends 提交 again with the same Idempotency-Key: one proposal, one
    # support, the same id answered 200; a new key is a new proposal.
    headers = dict(_resident(client, emulator, "o-retry", demo["rooms"][0]), **{"Idempotency-Key": "raise-1"})
    body = {"scope": "unit", "title": "楼道堆物清理", "text": "楼道堆满杂物，影响通行和消防，建议统一清理。"}
    first = client.post("/api/mp/proposals", headers=headers, json=body)
    again = client.post("/api/mp/proposals", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json["id"] == again.json["id"]
    assert Proposal.select().count() == 1 and ProposalSupport.select().count() == 1
    other = client.post("/api/mp/proposals", headers=dict(headers, **{"Idempotency-Key": "raise-2"}), json=body)
    assert other.status_code == 201 and Proposal.select().count() == 2


def test_raising_without_a_confirmed_address_is_refused(client, emulator, demo):
    # A resident who only claimed an address (or made one up) speaks for no household.
    for state in ("pending", "none", "rejected"):
        headers = _resident(client, emulator, "o-claim-" + state, demo["rooms"][0], state=state)
        answer = client.post("/api/mp/proposals", headers=headers,
                             json={"scope": "building", "title": "加装电梯", "text": "老人上下楼困难，希望加装电梯。"})
        assert answer.status_code == 403 and answer.json["error"]["code"] == "address_not_confirmed", state
    assert Proposal.select().count() == 0


def test_support_from_outside_the_scope_is_refused_and_the_proposal_not_shown(client, emulator, demo):
    # A neighbour of the next unit tries to push another unit's proposal onto the agenda.
    raised = _raise(client, _resident(client, emulator, "o-raiser", demo["rooms"][0]))
    outside_room = Household.select().where(Household.unit == demo["other_unit"]).first()
    outsider = _resident(client, emulator, "o-outsider", outside_room)
    before = _fingerprint()
    answer = client.post("/api/mp/proposals/%d/support" % raised["id"], headers=outsider)
    assert answer.status_code == 403 and answer.json["error"]["code"] == "outside_scope"
    assert client.get("/api/mp/proposals/%d" % raised["id"], headers=outsider).status_code == 404
    assert client.get("/api/mp/proposals", headers=outsider).json["items"] == []
    assert _fingerprint() == before
    # The building's proposal is theirs too.
    building_wide = _raise(client, _resident(client, emulator, "o-raiser-2", demo["rooms"][1]), scope="building")
    assert client.post("/api/mp/proposals/%d/support" % building_wide["id"], headers=outsider).status_code == 201


def test_a_household_supports_once_whoever_taps(client, emulator, demo):
    rooms = demo["rooms"]
    raised = _raise(client, _resident(client, emulator, "o-raiser", rooms[0]))
    url = "/api/mp/proposals/%d/support" % raised["id"]
    before = _fingerprint()
    # The raiser's own household: the raiser, and another member of it.
    for openid in ("o-raiser", "o-raiser-wife"):
        headers = _resident(client, emulator, openid, rooms[0])
        answer = client.post(url, headers=headers)
        assert answer.status_code == 409 and answer.json["error"]["code"] == "already_supported", openid
    assert _fingerprint() == before
    husband = _resident(client, emulator, "o-husband", rooms[1])
    assert client.post(url, headers=husband).status_code == 201
    retried = client.post(url, headers=husband)                       # the answer was lost: tapped again
    assert retried.status_code == 200 and (retried.json["supporters"], retried.json["supported"]) == (2, True)
    wife = client.post(url, headers=_resident(client, emulator, "o-wife", rooms[1]))
    assert wife.status_code == 409 and wife.json["error"]["code"] == "already_supported"
    assert (Proposal.get_by_id(raised["id"]).supporters, ProposalSupport.select().count()) == (2, 2)


def test_two_members_tapping_at_once_in_two_workers_give_one_support(live_server, emulator, database):
    seed_demo()
    unit = Building.select().order_by(Building.id).first().units.order_by(Unit.id).first()
    rooms = list(Household.select().where(Household.unit == unit).order_by(Household.id))
    raiser = _resident(None, emulator, "o-raiser", rooms[0], url=live_server.url)
    raised = requests.post(live_server.url + "/api/mp/proposals", headers=raiser, timeout=10, json={
        "scope": "unit", "title": "楼道灯", "text": "楼道灯太暗，建议换成声控LED灯。"}).json()
    members = [_resident(None, emulator, "o-member-%d" % n, rooms[1], url=live_server.url) for n in range(2)]
    answers = []
    start = threading.Barrier(len(members) * 3)

    def tap(headers):
        start.wait()
        answers.append(requests.post("%s/api/mp/proposals/%d/support" % (live_server.url, raised["id"]),
                                     headers=headers, timeout=10))

    threads = [threading.Thread(target=tap, args=(m,)) for m in members for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers).count(201) == 1
    assert all(a.status_code in (200, 201, 409) for a in answers)
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} <= {"already_supported"}
    supports = ProposalSupport.select().where(ProposalSupport.household == rooms[1].id)
    assert supports.count() == 1 and Proposal.get_by_id(raised["id"]).supporters == 2


def test_a_comment_naming_a_listed_word_is_held_for_its_author_only(client, emulator, demo):
    words.set_words(["代开发票"])
    raised = _raise(client, _resident(client, emulator, "o-raiser", demo["rooms"][0]))
    author = _resident(client, emulator, "o-spammer", demo["rooms"][2])
    url = "/api/mp/proposals/%d/comments" % raised["id"]
    clean = client.post(url, headers=author, json={"text": "同意，杂物确实挡路"})
    flagged = client.post(url, headers=author, json={"text": "代 开 發 票，加微信"})      # dodging the list
    assert (clean.status_code, clean.json["held"], flagged.status_code, flagged.json["held"]) == (201, False, 201, True)
    assert [c["held"] for c in client.get("/api/mp/proposals/%d" % raised["id"], headers=author).json["comments"]] \
        == [False, True]
    neighbour = _resident(client, emulator, "o-reader", demo["rooms"][3])
    shown = client.get("/api/mp/proposals/%d" % raised["id"], headers=neighbour).json["comments"]
    assert [c["text"] for c in shown] == ["同意，杂物确实挡路"]
    # Where flagged article comments are deleted, a flagged proposal comment is refused, unkept.
    use_settings(COMMENT_FLAGGED_POLICY="delete")
    refused = client.post(url, headers=author, json={"text": "代开发票"})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "sensitive_words"
    assert ProposalComment.select().count() == 2


def test_a_declined_proposal_shows_its_reason_and_takes_no_more_support(client, emulator, demo):
    rooms = demo["rooms"]
    raised = _raise(client, _resident(client, emulator, "o-raiser", rooms[0]))
    url = "/api/mp/staff/proposals/%d/" % raised["id"]
    before = _fingerprint()
    # Staff who do not answer for the place: another grid's worker, the building's leader, and
    # the secretary of another community.
    seed_second_community()
    for username in ("grid2", "louzhang1", "gx_shuji"):
        answer = client.post(url + "decline", headers=_staff(client, username), json={"reason": "不归我管"})
        assert answer.status_code == 403 and answer.json["error"]["code"] == "not_your_proposal", username
    secretary = _staff(client, "tianbing")
    assert client.post(url + "decline", headers=secretary, json={"reason": " "}).json["error"]["code"] \
        == "reason_required"
    adopted_early = client.post(url + "adopt", headers=secretary, json={"reason": "直接采纳"})
    assert adopted_early.status_code == 409 and adopted_early.json["error"]["code"] == "state_changed"
    assert _fingerprint() == before
    declined = client.post(url + "decline", headers=secretary, json={"reason": "楼道属公共部位，需业主大会决定"})
    assert declined.status_code == 200 and declined.json["state"] == "declined"
    neighbour = _resident(client, emulator, "o-late", rooms[4])
    late = client.post("/api/mp/proposals/%d/support" % raised["id"], headers=neighbour)
    assert late.status_code == 409 and late.json["error"]["code"] == "proposal_closed"
    # The message was built as "该议事已" + label, and the labels carry their own 已/未: it read
    # "该议事已未采纳" (and "该议事已已合并" for a merged one).
    assert late.json["error"]["message"] == "该议事未采纳，不能再附议"
    comment = client.post("/api/mp/proposals/%d/comments" % raised["id"], headers=neighbour, json={"text": "同意"})
    assert comment.status_code == 409 and comment.json["error"]["message"] == "该议事未采纳，不再接受评论"
    seen = client.get("/api/mp/proposals/%d" % raised["id"], headers=neighbour).json
    assert (seen["state"], seen["supporters"]) == ("declined", 1)
    assert seen["outcome"]["reason"] == "楼道属公共部位，需业主大会决定"


def test_a_duplicate_is_merged_into_the_first(client, emulator, demo):
    first = _raise(client, _resident(client, emulator, "o-first", demo["rooms"][0]))
    second = _raise(client, _resident(client, emulator, "o-second", demo["rooms"][1]), title="清理楼道杂物")
    secretary = _staff(client, "tianbing")
    into_itself = client.post("/api/mp/staff/proposals/%d/merge" % second["id"], headers=secretary,
                              json={"reason": "重复", "merged_into_id": second["id"]})
    assert into_itself.status_code == 422 and into_itself.json["error"]["code"] == "unknown_proposal"
    merged = client.post("/api/mp/staff/proposals/%d/merge" % second["id"], headers=secretary,
                         json={"reason": "与第一条议事相同，合并讨论", "merged_into_id": first["id"]})
    assert merged.status_code == 200 and merged.json["merged_into_id"] == first["id"]
    # The reviewer's "该议事已已合并，不能再附议": the label's 已 doubled by the message's.
    late = client.post("/api/mp/proposals/%d/support" % second["id"],
                       headers=_resident(client, emulator, "o-late", demo["rooms"][2]))
    assert late.status_code == 409 and late.json["error"]["message"] == "该议事已合并，不能再附议"


def test_photos_join_the_proposal_and_cannot_be_used_again(client, emulator, demo):
    headers = _resident(client, emulator, "o-photo", demo["rooms"][0])
    data = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(data, "JPEG")
    photo = client.post("/api/mp/uploads", headers=headers, data={"file": (io.BytesIO(data.getvalue()), "a.jpg")})
    answer = client.post("/api/mp/proposals", headers=headers, json={
        "scope": "estate", "title": "小区绿地改步道", "text": "绿地荒废多年，建议改为健身步道。",
        "photo_ids": [photo.json["id"]]})
    assert answer.status_code == 201 and answer.json["photos"] == [photo.json["url"]]
    # The same photo sent again with a case: already taken.
    again = client.post("/api/mp/reports", headers=headers,
                        json={"description": "绿地荒废了", "photo_ids": [photo.json["id"]]})
    assert again.status_code == 422 and again.json["error"]["code"] == "bad_upload"
