"""The assessment rates, checked against outcomes built by hand, on both databases."""
import csv
import datetime
import io

import pytest

from cases import intake
from cases import rates
from cases import workflow
from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from models.cases import Case
from models.community import Building
from models.people import Resident
from models.people import Staff

NOV = datetime.datetime(2026, 11, 2, 1, 0)      # Monday 09:00, Shanghai
H = datetime.timedelta(hours=1)


@pytest.fixture
def grids(database):
    seed_demo()
    buildings = list(Building.select().order_by(Building.id))
    by_grid = {}
    for b in buildings:
        by_grid.setdefault(b.grid.code, b)
    people = {}
    for code, building in by_grid.items():
        people[code] = Resident.create(oa_openid="o-rate-" + code, building=building,
                                       community=building.community_id, address_state="confirmed")
    staff = {s.username: s for s in Staff.select()}
    return people, staff


def _story(resident, staff, start, accept_after=None, resolve_after=None, confirm=False, rating=None):
    case = intake.submit(resident, "miniprogram", "问题描述内容", now=start)
    if accept_after is not None:
        workflow.accept(case, staff, now=start + accept_after)
    if resolve_after is not None:
        workflow.resolve(Case.get_by_id(case.id), staff, "已处理", now=start + resolve_after)
        if confirm:
            workflow.confirm(Case.get_by_id(case.id), resident, now=start + resolve_after + H)
        if rating:
            workflow.rate(Case.get_by_id(case.id), resident, rating, now=start + resolve_after + 2 * H)
    return case


def test_rates_per_grid_follow_the_stated_formulas(grids):
    people, staff = grids
    g1, worker = people["G1"], staff["grid1"]
    # G1: 10 cases. 8 accepted within 2 h, 2 late; 6 resolved (5 within 24 h); 3 confirmed;
    # ratings 5, 4, 3, 2.
    plan = [(1, 5, True, 5), (1, 6, True, 4), (1, 7, True, 3), (1, 8, False, 2), (1, 9, False, None),
            (3, 30, False, None), (1, None, False, None), (1, None, False, None), (1, None, False, None),
            (3, None, False, None)]
    for n, (accept, resolve, confirm, rating) in enumerate(plan):
        _story(g1, worker, NOV + n * H, accept * H, resolve * H if resolve else None, confirm, rating)
    for n in range(3):                       # G2: too few to rank
        _story(people["G2"], staff["grid2"], NOV + n * H, 1 * H)
    rows = {r.label: r for r in rates.rates(g1.community_id, "2026-11", "grid", now=NOV + 48 * H)}
    first = rows["第一网格"]
    assert (first.cases, first.response_rate, first.on_time_resolution_rate) == (10, 0.8, round(5 / 6, 4))
    assert (first.resolution_rate, first.satisfaction_rate) == (0.5, 0.5)
    assert first.mean_hours_to_respond == 1.4 and first.mean_hours_to_resolve == round((5 + 6 + 7 + 8 + 9 + 30) / 6, 1)
    assert first.overdue == 4 and first.rank == 1
    assert rows["第二网格"].cases == 3 and rows["第二网格"].rank is None


def test_a_case_counts_in_the_month_of_its_shanghai_date(grids):
    people, staff = grids
    late_november = datetime.datetime(2026, 11, 30, 15, 30)      # 23:30 on the 30th in Shanghai
    early_december = datetime.datetime(2026, 11, 30, 16, 30)     # 00:30 on 1 December
    _story(people["G1"], staff["grid1"], late_november)
    _story(people["G1"], staff["grid1"], early_december)
    community = people["G1"].community_id
    assert sum(r.cases for r in rates.rates(community, "2026-11", "grid")) == 1
    assert sum(r.cases for r in rates.rates(community, "2026-12", "grid")) == 1


def test_rates_by_level_staff_and_category(grids):
    people, staff = grids
    case = _story(people["G1"], staff["grid1"], NOV)
    workflow.escalate(Case.get_by_id(case.id), None, "升级", now=NOV + H)
    community = people["G1"].community_id
    assert [r.label for r in rates.rates(community, "2026-11", "level")] == ["片区负责人"]
    assert [r.label for r in rates.rates(community, "2026-11", "staff")] == ["片区负责人甲"]
    assert [r.label for r in rates.rates(community, "2026-11", "category")] == ["未分类"]
    with pytest.raises(ValueError):
        rates.rates(community, "2026-13", "grid")


def test_overseers_read_rates_and_csv_through_the_api_and_others_get_403(client, grids):
    people, staff = grids
    _story(people["G1"], staff["grid1"], NOV, accept_after=H)

    def login(username):
        token = client.post("/api/mp/staff/login", json={"username": username, "password": DEMO_PASSWORD}).json["token"]
        return {"Authorization": "Bearer " + token}

    secretary = login("tianbing")
    answer = client.get("/api/mp/staff/rates?month=2026-11&by=grid", headers=secretary)
    assert answer.status_code == 200 and answer.json["rows"][0]["response_rate"] == 1.0
    exported = client.get("/api/mp/staff/rates.csv?month=2026-11&by=grid", headers=secretary)
    assert exported.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:4] == ["名次", "对象", "案件数", "响应率"]
    assert table[1][1:4] == ["第一网格", "1", "100.0%"] and table[1][0] == "样本不足"
    assert client.get("/api/mp/staff/rates?month=2026-11", headers=login("grid1")).status_code == 403
    assert client.get("/api/mp/staff/rates?month=11-2026", headers=secretary).status_code == 400
