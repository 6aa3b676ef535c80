"""The console a newcomer can use: roles in words, staff managed by the community's managers,
only the case actions that can succeed, a month picker, and demo data that fills every page."""
import re

from tests.test_console import console  # noqa: F401  (the signed-in client fixture)


def _page(client, path):
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True)


# -- 18: roles in words --------------------------------------------------------------------------
def test_roles_are_shown_in_words_not_as_keys(client, console):
    """A newcomer reading `grid_worker grid:1` cannot tell who does what."""
    sign_in, _ = console
    sign_in("admin")
    page = _page(client, "/console/community")
    for label in ("网格员 · 第一网格", "片区负责人 · 第二网格", "楼长 · 丰泽园小区 1号楼",
                  "单元长 · 丰泽园小区 1号楼 1单元", "社区书记 · 八家庄社区", "系统管理员 · 八家庄社区"):
        assert label in page, label
    sign_in("grid1")
    assert "网格员 · 第一网格" in _page(client, "/console/")
    for page in (_page(client, "/console/"), _page(client, "/console/cases")):
        assert not re.search(r"grid_worker|area_cadre|(grid|community|building|unit):\d", page)


# -- 20: only the actions that can succeed ---------------------------------------------------------
def _try(action, case_id, staff, other_staff, other_case):
    """Whether the workflow accepts `action` on the case now (tried, then rolled back)."""
    from errors import LinliError
    from models.db import db
    from models.reports import Report
    case = Report.get_by_id(case_id)       # a fresh copy: a rolled-back action changed the last one
    from reports import workflow
    runs = {"accept": lambda: workflow.accept(case, staff),
            "start": lambda: workflow.start_work(case, staff),
            "note": lambda: workflow.add_note(case, staff, "已上门查看"),
            "resolve": lambda: workflow.resolve(case, staff, "已更换灯泡"),
            "transfer": lambda: workflow.transfer(case, staff, other_staff, "换人跟进"),
            "escalate": lambda: workflow.escalate(case, staff, "需要协调"),
            "reject": lambda: workflow.reject(case, staff, "不属于社区事务"),
            "merge": lambda: workflow.merge(case, other_case, staff, "同一问题")}
    with db.atomic() as txn:
        try:
            runs[action]()
            accepted = True
        except LinliError:          # the state's CaseError, or the role's PermissionDenied
            accepted = False
        txn.rollback()
    return accepted


def test_a_case_offers_exactly_the_actions_the_workflow_accepts_in_each_state(client, console):
    """Offering 办结 on a closed case invites a click that can only fail: for every state (and
    the top level, and a viewer whose role does not reach the case) the buttons on the page are
    the actions the workflow then accepts."""
    from models.people import Resident
    from models.people import Staff
    from models.reports import STATES
    from models.reports import Report
    from reports import intake
    from reports import workflow
    sign_in, _ = console
    resident = Resident.get(Resident.oa_openid == "demo-oa-1")
    grid1, grid2, jiedao, cadre1 = (Staff.get(Staff.username == u) for u in ("grid1", "grid2", "jiedao", "cadre1"))
    other_case = intake.submit(resident, "miniprogram", "三楼楼道灯也不亮")
    offered = {}
    for viewer, level in ((grid1, 1), (jiedao, 4), (cadre1, 3)):
        sign_in(viewer.username)
        for state in STATES:
            case = intake.submit(resident, "miniprogram", "楼道灯不亮")
            Report.update(state=state, level=level).where(Report.id == case.id).execute()
            page = _page(client, "/console/cases/%s" % case.number)
            buttons = re.findall(r'<form method="post" data-action="(\w+)"', page)
            accepted = [a for a in workflow.STAFF_ACTIONS if _try(a, case.id, viewer, grid2, other_case)]
            assert buttons == accepted, (viewer.username, state, buttons, accepted)
            offered[viewer.username, state] = buttons
    assert offered["grid1", "closed"] == ["note"] and "resolve" not in offered["grid1", "resolved"]
    assert offered["grid1", "submitted"] == ["accept", "note", "resolve", "transfer", "escalate", "reject", "merge"]
    assert "escalate" not in offered["jiedao", "submitted"]          # already at the top level
    assert offered["cadre1", "submitted"] == []                       # above their level: view only
