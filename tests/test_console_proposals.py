"""议事 (proposals) in the staff console: the community's list with the council's agenda first,
a proposal's page, the outcomes recorded through the same domain function as the staff API, the
review of held comments, and the refusals: a wrong role, another grid or another community
changes nothing."""
import re

import pytest

from cases import proposals
from community.demo import seed_second_community
from models.cases import Case
from models.community import Building
from models.community import Unit
from models.households import Household
from models.notifications import Notification
from models.people import Resident
from models.proposals import Proposal
from models.proposals import ProposalComment
from tests.support.settings import use_settings

UNIT_NEEDED = 6        # the demo's 28-room unit under the default policy (tests/test_proposals.py)


@pytest.fixture
def town(console):
    """The first building's first unit (grid G1: grid1's), its rooms, and a way to seat residents."""
    building = Building.select().order_by(Building.id).first()
    unit = building.units.order_by(Unit.id).first()
    rooms = list(Household.select().where(Household.unit == unit).order_by(Household.id))

    def resident(n, room=None, **extra):
        """Resident `n` (openid m-prop-n) of room `room` (the n-th room unless given)."""
        home = rooms[n if room is None else room]
        return Resident.create(mp_openid="m-prop-%s" % n, community=building.community_id, building=building.id,
                               unit=unit.id, room=home.room, household=home.id, address_state="confirmed", **extra)
    return {"sign_in": console[0], "csrf": console[1], "resident": resident, "building": building}


def _raise(resident, title="楼道堆物清理", scope="unit", supporters=0, town=None):
    proposal, _ = proposals.raise_proposal(resident, scope, title, "楼道堆满杂物，影响通行和消防，建议统一清理。")
    for n in range(1, supporters + 1):
        proposals.support(proposal, town["resident"]("%d-%d" % (proposal.id, n), room=4 + n))
    return Proposal.get_by_id(proposal.id)


def _on_agenda(town, title="楼道堆物清理"):
    return _raise(town["resident"](0 if title == "楼道堆物清理" else 1), title, supporters=UNIT_NEEDED - 1, town=town)


def _post(client, town, path, **data):
    return client.post(path, data=dict(data, csrf=town["csrf"]("/console/")))


def _text(answer):
    return answer.get_data(as_text=True)


def _state():
    """What a refused action must leave as it was."""
    return ([(p.state, p.outcome_reason, p.case_id, p.merged_into_id) for p in Proposal.select().order_by(Proposal.id)],
            [(c.id, c.state) for c in ProposalComment.select().order_by(ProposalComment.id)],
            Case.select().count(), Notification.select().where(Notification.proposal.is_null(False)).count())


# -- the list and the page ---------------------------------------------------------------------------
def test_the_councils_agenda_comes_first_with_scope_supports_and_age(client, town):
    fresh = _raise(town["resident"](2), "增设充电桩", scope="building")
    agenda = _on_agenda(town)
    town["sign_in"]("grid1")
    page = _text(client.get("/console/proposals"))
    listed = [int(n) for n in re.findall(r'<tr id="p(\d+)">', page)]
    assert listed == [agenda.id, fresh.id]
    assert "%d / %d" % (UNIT_NEEDED, UNIT_NEEDED) in page and "已列入议事会议程" in page and "本楼" in page
    only_open = _text(client.get("/console/proposals?state=open"))
    assert [int(n) for n in re.findall(r'<tr id="p(\d+)">', only_open)] == [fresh.id]


def test_a_proposal_page_shows_households_comments_with_held_ones_marked_and_the_timeline(client, town):
    proposal = _on_agenda(town)
    neighbour = town["resident"](3)
    proposals.comment(proposal, neighbour, "支持，早该清理了", find=lambda text: [])
    held = proposals.comment(proposal, neighbour, "物业都是骗子", find=lambda text: ["骗子"])
    town["sign_in"]("grid1")
    page = _text(client.get("/console/proposals/%d" % proposal.id))
    households = re.search(r'<ul id="households">(.*?)</ul>', page, re.S).group(1)
    assert households.count("<li>") == UNIT_NEEDED and "1单元 %s" % proposal.proposer.room in households
    assert "支持，早该清理了" in page and 'id="publish-%d"' % held.id in page and "待审核：骗子" in page
    assert "提出议事" in page and "已列入议事会议程" in page
    assert 'id="form-adopt"' in page and 'id="form-decline"' in page


# -- outcomes ------------------------------------------------------------------------------------------
def test_the_secretary_adopts_filing_a_case_and_the_proposer_hears_each_step(client, town, emulator):
    use_settings(MP_PROPOSAL_TEMPLATE_ID="tpl-prop", MP_PROPOSAL_PAGE="proposals/detail/index")
    proposal = _on_agenda(town)
    town["sign_in"]("tianbing")
    answer = _post(client, town, "/console/proposals/%d/adopt" % proposal.id, reason="议事会同意，转网格办理",
                   file_case="1")
    assert answer.status_code == 303
    adopted = Proposal.get_by_id(proposal.id)
    case = Case.get_by_id(adopted.case_id)
    assert adopted.state == "adopted" and adopted.outcome_reason == "议事会同意，转网格办理"
    assert "楼道堆物清理" in case.description and case.building_id == town["building"].id
    assert case.number in _text(client.get("/console/proposals/%d" % proposal.id))
    kinds = [n.kind for n in Notification.select().where(Notification.proposal == proposal).order_by(Notification.id)]
    assert kinds == ["proposal_on_agenda", "proposal_adopted"]
    sent = [c.body for c in emulator.calls("cgi-bin/message/subscribe/send") if c.body["touser"] == "m-prop-0"]
    assert [s["data"]["phrase2"]["value"] for s in sent] == ["列入议程", "已采纳"]
    assert sent[1]["page"] == "proposals/detail/index?id=%d" % proposal.id


def test_adopting_links_an_existing_case_of_the_community_by_its_number(client, town):
    proposal = _on_agenda(town)
    case = proposals.intake.submit(None, "staff", "楼道堆物", community_id=proposal.community_id)
    town["sign_in"]("tianbing")
    _post(client, town, "/console/proposals/%d/adopt" % proposal.id, reason="已有案件在办", case_number=case.number)
    assert Proposal.get_by_id(proposal.id).case_id == case.id


def test_merging_and_declining_record_the_public_reason_and_tell_the_proposer(client, town, emulator):
    target, duplicate = _raise(town["resident"](0), "清理楼道"), _raise(town["resident"](1), "楼道杂物")
    other = _raise(town["resident"](2), "楼顶种菜")
    town["sign_in"]("grid1")           # the unit's grid worker decides a unit's proposals
    _post(client, town, "/console/proposals/%d/merge" % duplicate.id, reason="与#%d相同" % target.id,
          merged_into_id=str(target.id))
    _post(client, town, "/console/proposals/%d/decline" % other.id, reason="楼顶属公共部位，需全楼业主表决")
    assert (Proposal.get_by_id(duplicate.id).state, Proposal.get_by_id(duplicate.id).merged_into_id) == \
        ("merged", target.id)
    declined = Notification.get((Notification.proposal == other) & (Notification.kind == "proposal_declined"))
    # No subscribe template is set and no official account: recorded as skipped, not lost.
    assert declined.state == "skipped"
    assert proposals.timeline(Proposal.get_by_id(other.id))[-1]["note"] == "楼顶属公共部位，需全楼业主表决"


# -- held comments -----------------------------------------------------------------------------------
def test_the_grid_worker_publishes_one_held_comment_and_deletes_another(client, town):
    proposal = _raise(town["resident"](0))
    neighbour = town["resident"](3)
    first = proposals.comment(proposal, neighbour, "物业都是骗子", find=lambda text: ["骗子"])
    second = proposals.comment(proposal, neighbour, "骗子又来了", find=lambda text: ["骗子"])
    town["sign_in"]("grid1")
    assert _post(client, town, "/console/proposals/comments/%d/publish" % first.id).status_code == 303
    assert _post(client, town, "/console/proposals/comments/%d/delete" % second.id).status_code == 303
    assert ProposalComment.get_by_id(first.id).state == "shown"
    assert ProposalComment.get_or_none(ProposalComment.id == second.id) is None


def test_a_comment_already_reviewed_is_not_reviewed_again(client, town):
    # The mistake: two staff on one held comment; the second must not delete what the first published.
    proposal = _raise(town["resident"](0))
    held = proposals.comment(proposal, town["resident"](3), "物业都是骗子", find=lambda text: ["骗子"])
    town["sign_in"]("grid1")
    _post(client, town, "/console/proposals/comments/%d/publish" % held.id)
    before = _state()
    answer = _post(client, town, "/console/proposals/comments/%d/delete" % held.id)
    assert answer.status_code == 303 and _state() == before
    assert "不在待审核状态" in _text(client.get("/console/proposals/%d" % proposal.id))


# -- bad input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("action, fields, mistake", [
    ("decline", {"reason": "  "}, "an outcome without the public reason the scope is owed"),
    ("adopt", {"reason": "采纳", "case_number": "NO-SUCH"}, "a mistyped case number"),
    ("adopt", {"reason": "采纳", "file_case": "1", "case_number": "X"}, "both a new case and an existing one"),
    ("merge", {"reason": "重复", "merged_into_id": "SELF"}, "merging a proposal into itself"),
    ("merge", {"reason": "重复", "merged_into_id": "0"}, "merging into a proposal that does not exist"),
])
def test_a_bad_outcome_is_refused_with_its_reason_and_changes_nothing(client, town, action, fields, mistake):
    proposal = _on_agenda(town)
    if fields.get("merged_into_id") == "SELF":
        fields = dict(fields, merged_into_id=str(proposal.id))
    town["sign_in"]("tianbing")
    before = _state()
    answer = _post(client, town, "/console/proposals/%d/%s" % (proposal.id, action), **fields)
    assert answer.status_code == 303, mistake
    assert _state() == before, mistake
    assert 'class="flash' in _text(client.get("/console/proposals/%d" % proposal.id)), mistake


def test_adopting_before_the_council_discussed_it_is_refused(client, town):
    # The mistake: adopting a proposal still gathering support, skipping the council.
    proposal = _raise(town["resident"](0))
    town["sign_in"]("tianbing")
    before = _state()
    _post(client, town, "/console/proposals/%d/adopt" % proposal.id, reason="采纳")
    assert _state() == before


def test_a_post_without_the_csrf_token_changes_nothing(client, town):
    # The attack: another site's page posting a decline in a signed-in secretary's browser.
    proposal = _on_agenda(town)
    town["sign_in"]("tianbing")
    before = _state()
    answer = client.post("/console/proposals/%d/decline" % proposal.id, data={"reason": "不予采纳"})
    assert answer.status_code == 400 and _state() == before


def test_a_number_that_is_not_one_is_a_clear_400(client, town):
    # The mistake: a hand-edited form sending text as the proposal to merge into.
    proposal = _on_agenda(town)
    town["sign_in"]("tianbing")
    before = _state()
    assert _post(client, town, "/console/proposals/%d/merge" % proposal.id, reason="重复",
                 merged_into_id="abc").status_code == 400
    assert _state() == before


# -- wrong roles -----------------------------------------------------------------------------------------
def test_roles_without_proposals_are_refused_the_pages_and_the_actions(client, town):
    proposal = _on_agenda(town)
    held = proposals.comment(proposal, town["resident"](3), "物业都是骗子", find=lambda text: ["骗子"])
    for username in ("editor", "louzhang1", "danyuan1", "wuye"):
        town["sign_in"](username)
        before = _state()
        assert client.get("/console/proposals").status_code == 403, username
        assert client.get("/console/proposals/%d" % proposal.id).status_code == 403, username
        assert _post(client, town, "/console/proposals/%d/decline" % proposal.id, reason="不采纳").status_code == 403
        assert _post(client, town, "/console/proposals/comments/%d/delete" % held.id).status_code == 403
        assert _state() == before, username
        assert "议事" not in re.findall(r'<nav.*?</nav>', _text(client.get("/console/")), re.S)[0], username


def test_another_grids_worker_may_read_but_not_decide_a_units_proposal(client, town):
    proposal = _on_agenda(town)
    held = proposals.comment(proposal, town["resident"](3), "物业都是骗子", find=lambda text: ["骗子"])
    town["sign_in"]("grid2")
    page = _text(client.get("/console/proposals/%d" % proposal.id))
    assert 'id="view-only"' in page and 'id="form-decline"' not in page and 'id="delete-%d"' % held.id not in page
    before = _state()
    assert _post(client, town, "/console/proposals/%d/decline" % proposal.id, reason="不采纳").status_code == 403
    assert _post(client, town, "/console/proposals/comments/%d/delete" % held.id).status_code == 403
    assert _state() == before


def test_another_communitys_secretary_finds_nothing(client, town):
    # The attack: a secretary of 光熙门 guessing ids of 八家庄's proposals and comments.
    seed_second_community()
    proposal = _on_agenda(town)
    held = proposals.comment(proposal, town["resident"](3), "物业都是骗子", find=lambda text: ["骗子"])
    town["sign_in"]("gx_shuji")
    before = _state()
    assert 'id="p%d"' % proposal.id not in _text(client.get("/console/proposals"))
    assert client.get("/console/proposals/%d" % proposal.id).status_code == 404
    assert _post(client, town, "/console/proposals/%d/decline" % proposal.id, reason="不采纳").status_code == 404
    assert _post(client, town, "/console/proposals/comments/%d/publish" % held.id).status_code == 404
    assert _state() == before
