"""The console a newcomer can use: roles in words, staff managed by the community's managers,
only the case actions that can succeed, a month picker, and demo data that fills every page."""
import re

import pytest


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
    assert '<span>系统管理员</span> <span class="muted" id="my-roles">系统管理员 · 八家庄社区</span>' in page
    sign_in("grid1")
    assert "网格员 · 第一网格" in _page(client, "/console/")
    for page in (_page(client, "/console/"), _page(client, "/console/cases")):
        assert not re.search(r"grid_worker|area_cadre|(grid|community|building|unit):\d", page)


# -- 20: only the actions that can succeed ---------------------------------------------------------
def _try(action, case_id, staff, other_staff, other_case):
    """Whether the workflow accepts `action` on the case now (tried, then rolled back)."""
    from linli.errors import LinliError
    from models.cases import Case
    from models.db import db
    case = Case.get_by_id(case_id)       # a fresh copy: a rolled-back action changed the last one
    from cases import permissions
    from cases import workflow
    # a transfer goes to someone whose role covers the case (another helper's rule): pick one
    other_staff = next((s for s in permissions.assignees_for(case) if s.id != staff.id), other_staff)
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
    from cases import intake
    from cases import workflow
    from models.cases import STATES
    from models.cases import Case
    from models.people import Resident
    from models.people import Staff
    sign_in, _ = console
    resident = Resident.get(Resident.oa_openid == "demo-oa-1")
    grid1, grid2, jiedao, cadre1 = (Staff.get(Staff.username == u) for u in ("grid1", "grid2", "jiedao", "cadre1"))
    other_case = intake.submit(resident, "miniprogram", "三楼楼道灯也不亮")
    offered = {}
    for viewer, level in ((grid1, 1), (jiedao, 4), (cadre1, 3)):
        sign_in(viewer.username)
        for state in STATES:
            case = intake.submit(resident, "miniprogram", "楼道灯不亮")
            Case.update(state=state, level=level).where(Case.id == case.id).execute()
            page = _page(client, "/console/cases/%s" % case.number)
            buttons = re.findall(r'<form method="post" data-action="(\w+)"', page)
            accepted = [a for a in workflow.ACTIONS if _try(a, case.id, viewer, grid2, other_case)]
            assert buttons == accepted, (viewer.username, state, buttons, accepted)
            offered[viewer.username, state] = buttons
    assert offered["grid1", "closed"] == ["note"] and "resolve" not in offered["grid1", "resolved"]
    assert offered["grid1", "submitted"] == ["accept", "note", "resolve", "transfer", "escalate", "reject", "merge"]
    assert "escalate" not in offered["jiedao", "submitted"]          # already at the top level
    assert offered["cadre1", "submitted"] == []                       # above their level: view only


# -- 19: managing staff in the console -------------------------------------------------------------
def _form(client, path, csrf, **data):
    return client.post(path, data=dict(data, csrf=csrf(path if not path.startswith("/console/staff")
                                                        else "/console/staff")))


def test_a_manager_adds_staff_who_set_their_own_password_through_a_one_time_link(client, console):
    """Accounts were made by CLI with a password handed over in clear; now a manager adds one and
    the newcomer sets their own password through a link that works once, expires, and is not
    stored as such."""
    import datetime
    import hashlib

    from community.staff import issue_link
    from models.audit import AuditEntry
    from models.community import Grid
    from models.db import utcnow
    from models.people import SigninLink
    from models.people import Staff
    sign_in, csrf = console
    sign_in("tianbing")
    grid2 = Grid.get(Grid.code == "G2")
    answer = _form(client, "/console/staff", csrf, username="wangfang", name="王芳", phone="13900000099",
                   role="grid_worker", scope="grid:%d" % grid2.id)
    assert answer.status_code == 200
    link = re.search(r'id="signin-link" readonly value="http://localhost(/console/welcome/([\w-]+))"',
                     answer.get_data(as_text=True))
    path, token = link.group(1), link.group(2)
    person = Staff.get(Staff.username == "wangfang")
    [stored] = SigninLink.select().where(SigninLink.staff == person)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == datetime.timedelta(hours=72)
    assert ("staff", "console.add_staff") in {(e.actor_kind, e.action) for e in AuditEntry.select()}
    assert "网格员 · 第二网格" in _page(client, "/console/staff")

    client.post("/console/logout", data={"csrf": csrf("/console/")})
    assert sign_in("wangfang", "").status_code == 401                   # no password until they set one
    assert "王芳" in _page(client, path)                                 # opening it does not use it up
    assert "王芳" in _page(client, path)
    assert client.post(path, data={"password": "short", "confirm": "short", "csrf": csrf(path)}).status_code == 422
    assert client.post(path, data={"password": "wangfang-2026", "confirm": "wangfang-2027",
                                   "csrf": csrf(path)}).status_code == 422
    answer = client.post(path, data={"password": "wangfang-2026", "confirm": "wangfang-2026", "csrf": csrf(path)})
    assert answer.status_code == 303 and answer.headers["Location"] == "/console/"
    assert "网格员 · 第二网格" in _page(client, "/console/")             # signed in, in their role
    assert client.get(path).status_code == 410                          # used once: gone
    client.post("/console/logout", data={"csrf": csrf("/console/")})
    assert client.post(path, data={"password": "stolen-link-1", "confirm": "stolen-link-1",
                                   "csrf": csrf("/console/login")}).status_code == 410
    assert sign_in("wangfang", "wangfang-2026").status_code == 303

    expired = issue_link(person, None, now=utcnow() - datetime.timedelta(hours=73))
    assert client.get("/console/welcome/%s" % expired).status_code == 410


def test_managers_disable_and_rescope_staff_and_the_last_manager_cannot_leave(client, console):
    """A community left without an active secretary or admin could never manage its staff again."""
    from models.audit import AuditEntry
    from models.community import Grid
    from models.people import RoleAssignment
    from models.people import Staff
    sign_in, csrf = console
    ids = {s.username: s.id for s in Staff.select()}
    sign_in("grid2")
    assert client.get("/console/staff").status_code == 403
    assert _form(client, "/console/staff/%d/active" % ids["grid1"], csrf, active="0").status_code == 403

    from community.demo import DEMO_PASSWORD
    grid1 = client.application.test_client()            # grid1, signed in elsewhere
    token = re.search(r'name="csrf" value="([^"]+)"', grid1.get("/console/login").get_data(as_text=True)).group(1)
    grid1.post("/console/login", data={"username": "grid1", "password": DEMO_PASSWORD, "csrf": token})
    assert grid1.get("/console/cases").status_code == 200
    sign_in("tianbing")
    assert _form(client, "/console/staff/%d/active" % ids["grid1"], csrf, active="0").status_code == 303
    assert not Staff.get_by_id(ids["grid1"]).active
    assert grid1.get("/console/cases").status_code == 302              # their session ended
    assert sign_in("grid1").status_code == 401                          # a disabled account cannot sign in
    sign_in("tianbing")
    [assignment] = RoleAssignment.select().where(RoleAssignment.staff == ids["grid2"])
    grid3 = Grid.get(Grid.code == "G3")
    assert _form(client, "/console/staff/roles/%d/scope" % assignment.id, csrf,
                 scope="grid:%d" % grid3.id).status_code == 303
    assert "网格员 · 第三网格" in _page(client, "/console/staff")
    # A secretary cannot take the administrator away.
    _form(client, "/console/staff/%d/active" % ids["admin"], csrf, active="0")
    assert Staff.get_by_id(ids["admin"]).active

    sign_in("admin")
    assert _form(client, "/console/staff/%d/active" % ids["tianbing"], csrf, active="0").status_code == 303
    lines = AuditEntry.select().count()
    answer = _form(client, "/console/staff/%d/active" % ids["admin"], csrf, active="0")
    assert "至少需要一位在职" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert Staff.get_by_id(ids["admin"]).active
    _form(client, "/console/staff/roles", csrf, staff_id=ids["admin"], role="editor", scope="community")
    [own] = RoleAssignment.select().where((RoleAssignment.staff == ids["admin"]) & (RoleAssignment.role == "admin"))
    _form(client, "/console/staff/roles/%d/delete" % own.id, csrf)
    assert RoleAssignment.get_or_none(RoleAssignment.id == own.id) is not None
    assert AuditEntry.select().count() == lines + 1                     # only the editor role was a change
    # Enabling the secretary again, the administrator may then step down.
    _form(client, "/console/staff/%d/active" % ids["tianbing"], csrf, active="1")
    _form(client, "/console/staff/roles/%d/delete" % own.id, csrf)
    assert RoleAssignment.get_or_none(RoleAssignment.id == own.id) is None


# -- 22: the month picker and the demo's month of history ----------------------------------------
def test_the_dashboard_shows_any_month_and_a_bad_month_is_the_current_one(client, console):
    """The dashboard showed only the current month; `?month=` typed by hand must never be a 500
    (a year whose bounds overflow the calendar was one)."""
    import datetime

    from cases import intake
    from linli.clock import local
    from models.cases import Case
    from models.db import utcnow
    from models.people import Resident
    sign_in, _ = console
    resident = Resident.get(Resident.oa_openid == "demo-oa-1")
    for description in ("去年的楼道灯", "去年的水管"):
        intake.submit(resident, "miniprogram", description, now=datetime.datetime(2025, 3, 10, 2, 0))
    sign_in("tianbing")
    page = _page(client, "/console/?month=2025-03")
    assert "2025-03 各网格考核" in page and 'value="2025-03"' in page
    assert re.search(r"<td>第一网格</td><td>2</td>", page)
    assert 'href="?month=2025-02"' in page and 'href="?month=2025-04"' in page
    assert "该月没有受理的案件" in _page(client, "/console/?month=2025-04")
    current = local(utcnow()).strftime("%Y-%m")
    for bad in ("2025-13", "0001-01", "9999-12", "2025-3", "March", "2025-03-01", "２０２５-03"):
        page = _page(client, "/console/?month=%s" % bad)
        assert "%s 各网格考核" % current in page and "月份应为 YYYY-MM" in page, bad
    assert Case.select().count() == 2
    # The staff API's rates read the same month rule: a 400, not an overflow.
    from community.demo import DEMO_PASSWORD
    token = client.post("/api/mp/staff/login", json={"username": "tianbing", "password": DEMO_PASSWORD}).json["token"]
    for bad in ("0001-01", "9999-12"):
        assert client.get("/api/mp/staff/rates?month=" + bad,
                          headers={"Authorization": "Bearer " + token}).status_code == 400


@pytest.mark.slow
def test_the_demo_has_a_month_of_history_that_fills_every_console_page(client, console):
    """`make run` showed an empty grid dashboard and empty lists: a newcomer saw nothing real."""
    from cases.demo import seed_demo_history
    from models.cases import Case
    first = seed_demo_history()
    assert seed_demo_history() == first                                 # once, then left alone
    cases = list(Case.select())
    assert len(cases) == first["cases"] == 90
    assert {"closed", "resolved", "in_progress", "rejected", "reopened"} <= {c.state for c in cases}
    assert {c.level for c in cases} >= {1, 2} and sum(c.rating is not None for c in cases) >= 15
    sign_in, _ = console
    sign_in("tianbing")
    page = _page(client, "/console/")
    rows = re.findall(r"<tr><td>(第.网格)</td><td>(\d+)</td>", page)
    assert sorted(grid for grid, _ in rows) == sorted(["第一网格", "第二网格", "第三网格", "第四网格"])
    assert all(int(count) > 0 for _, count in rows)
    assert len(re.findall(r'href="/console/cases/R\w+"', _page(client, "/console/cases"))) >= 10
    sign_in("grid1")
    assert re.search(r'id="my-count">[1-9]', _page(client, "/console/"))
    sign_in("editor")
    page = _page(client, "/console/")
    assert "社区消防安全检查通知" in page and "<polyline" in page


def test_my_queue_shows_ten_plus_only_when_there_are_more_than_ten(client, console):
    """The card read "10+" at exactly ten open cases: it must say more only when there is more."""
    from cases import intake
    from models.people import Resident
    sign_in, _ = console
    resident = Resident.get(Resident.oa_openid == "demo-oa-1")
    for n in range(10):
        intake.submit(resident, "miniprogram", "楼道灯不亮 %d" % n)
    sign_in("grid1")
    assert 'id="my-count">10</div>' in _page(client, "/console/")
    intake.submit(resident, "miniprogram", "楼道灯不亮 10")
    assert 'id="my-count">10+</div>' in _page(client, "/console/")
