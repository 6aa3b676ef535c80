"""A text field's length is bounded once, by the domain's constant, and answered once, by the
domain's code: the mini-program API's model takes its max_length from it and the edge's table
(linli.text_limits) leaves such a field alone. The mistake it stands for: a proposal title of
61 characters answered 422 bad_title and one of 65 answered 400 title_too_long (the table's
`title` is 64); an activity's likewise; a work notice's text flashed bad_text on the console's
form at 501 characters and became a bare 400 page at 2001 (the table's `text` is 2000)."""
import datetime
import re

from cases import proposals
from community import work_notices
from linli.clock import local
from linli.text_limits import limit
from models.db import utcnow
from models.proposals import Proposal
from models.proposals import ProposalComment
from models.rounds import LeaderTask
from models.volunteers import Activity
from tests.test_proposals import _raise
from tests.test_proposals import _resident
from tests.test_proposals import demo  # noqa: F401  (the fixture)
from tests.test_volunteers import town  # noqa: F401  (the fixture)
from volunteers import activities

TITLE_REFUSED = {"code": "bad_title", "message": "请填写标题（不超过60个字）"}
COMMENT_REFUSED = {"code": "bad_text", "message": "评论应为1到500个字"}


def _over(n):
    return "长" * n


def test_a_proposal_too_long_is_one_answer_whatever_its_length(client, emulator, demo):  # noqa: F811
    headers = _resident(client, emulator, "o-long", demo["rooms"][0])
    assert limit("title") > proposals.MAX_TITLE and limit("text") >= proposals.MAX_COMMENT
    for n in (proposals.MAX_TITLE + 1, limit("title") + 1, 5000):
        answer = client.post("/api/mp/proposals", headers=headers,
                             json={"scope": "unit", "title": _over(n), "text": "楼道堆满杂物，影响通行和消防。"})
        assert (answer.status_code, answer.json["error"]) == (422, TITLE_REFUSED), n
    for n in (proposals.MAX_TEXT + 1, 10_000):
        answer = client.post("/api/mp/proposals", headers=headers,
                             json={"scope": "unit", "title": "楼道", "text": _over(n)})
        assert (answer.status_code, answer.json["error"]["code"]) == (422, "bad_text"), n
    assert Proposal.select().count() == 0
    # At the limit, spaces around it as the domain strips them: taken.
    taken = _raise(client, headers, title=" %s " % _over(proposals.MAX_TITLE))
    assert len(taken["title"]) == proposals.MAX_TITLE
    url = "/api/mp/proposals/%d/comments" % taken["id"]
    for n in (proposals.MAX_COMMENT + 1, limit("text") + 1):
        answer = client.post(url, headers=headers, json={"text": _over(n)})
        assert (answer.status_code, answer.json["error"]) == (422, COMMENT_REFUSED), n
    assert ProposalComment.select().count() == 0
    # The rest of the same body still meets the edge's table: a key name of 300 characters.
    answer = client.post("/api/mp/proposals", headers=headers,
                         json={"scope": "unit", "title": "楼道", "text": "楼道堆满杂物，影响通行。", _over(300): "x"})
    assert answer.status_code == 400


def test_an_activity_title_or_place_too_long_is_one_answer(town):  # noqa: F811
    lead_token, _ = town.leader(town.red)
    now = utcnow()
    body = {"title": "楼道清理", "place": "1号楼", "capacity": 2,
            "starts_at": local(now + datetime.timedelta(hours=2)).isoformat(),
            "ends_at": local(now + datetime.timedelta(hours=4)).isoformat()}
    path = "/api/mp/volunteers/lead/teams/%d/activities" % town.red.id
    for field, n, code, message in (("title", activities.MAX_TITLE + 1, "bad_title", "请填写活动名称（不超过60个字）"),
                                    ("title", limit("title") + 1, "bad_title", "请填写活动名称（不超过60个字）"),
                                    ("place", activities.MAX_PLACE + 1, "bad_place", "请填写活动地点（不超过100个字）"),
                                    ("place", limit("place") + 1, "bad_place", "请填写活动地点（不超过100个字）")):
        answer = town.call("post", path, lead_token, dict(body, **{field: _over(n)}))
        assert (answer.status_code, answer.json()["error"]) == (422, {"code": code, "message": message}), (field, n)
    assert Activity.select().count() == 0


def test_a_work_notice_too_long_is_one_answer_on_the_console_form(client, console):
    sign_in, csrf = console
    sign_in("tianbing")
    for n in (work_notices.MAX_TEXT + 1, limit("text") + 1):
        answer = client.post("/console/rounds/tasks", data={"text": _over(n), "scope": "community",
                                                             "csrf": csrf("/console/rounds")})
        assert answer.status_code == 303, n                  # back to the form, with the reason
        page = client.get(answer.headers["Location"]).get_data(as_text=True)
        assert "请填写工作内容（不超过500字）" in page, n
    assert LeaderTask.select().count() == 0
    # Another field of that form still meets the table.
    answer = client.post("/console/rounds/tasks", data={"text": "停水", "scope": "community", "deadline": _over(300),
                                                         "csrf": csrf("/console/rounds")})
    assert answer.status_code == 400 and re.search("deadline 不能超过 200 个字", answer.get_data(as_text=True))
