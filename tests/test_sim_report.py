"""The simulation's one-page report (sim/report.py), from result dicts built by hand: what a reader
must see — the verdict, the failed checks on top, plots that open, the kinds of day told apart —
and what must never get in — outside addresses, markup from the data."""
import base64
import html
import json
import re
import subprocess
import sys
from datetime import date
from datetime import timedelta
from pathlib import Path

from matplotlib import image

from sim import report

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A fortnight around National Day: a 调休 Sunday worked, the week of holiday, a Saturday worked.
KINDS = {"2026-09-27": "makeup_workday", "2026-10-10": "makeup_workday", "2026-10-11": "weekend"}
KINDS.update({"2026-10-%02d" % d: "holiday" for d in range(1, 8)})


def result_of(days=15, failing=False, grids=4):
    """A result.json as the simulation writes it; `failing` makes Linli lose a case, miss an
    escalation's hour and count one grid's response rate wrong."""
    start = date(2026, 9, 27)
    day_rows = []
    backlog = 0
    for n in range(days):
        day = (start + timedelta(days=n)).isoformat()
        weekend = (start + timedelta(days=n)).weekday() >= 5
        kind = KINDS.get(day, "weekend" if weekend else "workday")
        filed = 60 + (n * 37) % 50 if kind != "holiday" else 25 + n
        resolved = filed - 8 if kind in ("workday", "makeup_workday") else filed // 2 + 14
        backlog = max(0, backlog + filed - resolved)
        day_rows.append({
            "date": day, "kind": kind, "filed": filed,
            "created": filed - 1 if failing and n == 3 else filed,
            "resolved": resolved, "backlog_end": backlog,
            "escalations": {"area_cadre": n % 5, "secretary": n % 3, "street": 1 if n % 7 == 6 else 0},
            "messages": filed * 3, "answered_within_5s": filed * 3})
    grid_rows = []
    for g in range(grids):
        rates = {"response": {"ledger": 0.98 - g / 100, "linli": 0.98 - g / 100},
                 "resolution": {"ledger": 0.9, "linli": 0.9},
                 "satisfaction": {"ledger": 0.85 + g / 50, "linli": 0.85 + g / 50}}
        if failing and g == 1:
            rates["response"]["linli"] = 0.91
        grid_rows.append({"code": "G%d" % (g + 1), "name": "第%d网格" % (g + 1), "worker": "网格员%d" % (g + 1),
                          "cases": 300 + g, "rates": rates})
    escalations = [{"case": "C-%04d" % i, "level": "area_cadre", "expected_at": "2026-10-08T09:00:00+08:00",
                    "actual_at": "2026-10-08T09:00:00+08:00", "ok": True} for i in range(5)]
    checks = [
        {"name": "cases filed = created", "ledger": 900, "linli": 900, "ok": True, "detail": "no loss, no double"},
        {"name": "escalations at the rule's hour", "ledger": 5, "linli": 5, "ok": True, "detail": ""},
        {"name": "messages answered within 5 s", "ledger": 2700, "linli": 2700, "ok": True, "detail": ""},
    ]
    differences = 0
    if failing:
        escalations.append({"case": "C-0999", "level": "secretary", "expected_at": "2026-10-09T09:00:00+08:00",
                            "actual_at": "2026-10-12T09:00:00+08:00", "ok": False})
        escalations.append({"case": "C-1000", "level": "street", "expected_at": "2026-10-09T14:00:00+08:00",
                            "actual_at": None, "ok": False})
        checks.append({"name": "response rate of G2", "ledger": 0.97, "linli": 0.91, "ok": False,
                       "detail": "one response counted twice"})
        checks[0].update(linli=899, ok=False, detail="one case lost on 2026-09-30")
        differences = 3
    return {
        "meta": {"community": "八家庄社区", "database": "sqlite", "start": start.isoformat(), "days": days,
                 "seed": 4, "grids": grids, "households": 3312, "wall_seconds": 431.7,
                 "broken_rule": "holiday ignored" if failing else None},
        "days": day_rows, "grids": grid_rows, "escalations": escalations, "checks": checks,
        "differences": differences,
    }


def rendered(result, tmp_path):
    return report.render(result, tmp_path).read_text(encoding="utf-8")


def banner(page):
    return re.search(r'<div class="verdict (\w+)"><div class="big">(.*?)</div>', page).groups()


def test_a_run_without_differences_says_pass(tmp_path):
    page = rendered(result_of(), tmp_path)
    assert banner(page) == ("pass", "PASS — zero differences between the ledger and Linli (3 checks)")
    assert "FAIL" not in page and "八家庄社区" in page and "3,312" in page and "7 min 12 s" in page


def test_a_run_with_differences_says_fail_with_the_count(tmp_path):
    page = rendered(result_of(failing=True), tmp_path)
    state, text = banner(page)
    assert state == "fail" and text.startswith("FAIL — 3 differences")
    assert "holiday ignored" in page and "meant to fail" in page


def test_a_failed_check_is_not_hidden_by_a_zero_count(tmp_path):
    """The simulation's count and its checks disagreeing must not read as a pass."""
    result = result_of()
    result["checks"][1]["ok"] = False
    assert banner(rendered(result, tmp_path))[0] == "fail"


def test_a_run_that_compared_nothing_does_not_pass(tmp_path):
    """A simulation that crashed before its checks, or lost them, must not come out green."""
    empty = {"meta": {}, "days": [], "grids": [], "escalations": [], "checks": [], "differences": 0}
    page = rendered(empty, tmp_path)
    assert banner(page) == ("fail", "FAIL — no checks were reported: nothing was compared")
    assert all((tmp_path / name).read_bytes().startswith(PNG_SIGNATURE) for name in report.PLOTS)


def test_a_broken_rule_that_nothing_caught_is_called_out(tmp_path):
    """The deliberately broken rule passing means the checks are blind: the page says so."""
    result = result_of()
    result["meta"]["broken_rule"] = "escalation one working day late"
    page = rendered(result, tmp_path)
    assert "the checks missed it" in page


def test_failed_checks_come_first_and_are_marked(tmp_path):
    page = rendered(result_of(failing=True), tmp_path)
    rows = re.findall(r'<tr class="(passed|failed)"><td class="status">(.*?)</td><td>(.*?)</td>', page)
    checks = [r for r in rows if r[2] in {html.escape(c["name"]) for c in result_of(failing=True)["checks"]}]
    assert [r[0] for r in checks] == ["failed", "failed", "passed", "passed"]
    assert checks[0][1] == "✗ FAIL" and {checks[0][2], checks[1][2]} == {"cases filed = created",
                                                                           "response rate of G2"}
    assert page.index("response rate of G2") < page.index("escalations at the rule&#x27;s hour")


def test_a_failed_check_marks_the_values_that_differ(tmp_path):
    """A failed rate check shows the rate that differs in red, not the ones that agree."""
    result = result_of()
    result["checks"].append({"name": "rates 2026-10 grid 第二网格", "ok": False, "detail": "",
                             "ledger": {"cases": 5, "response": 0.8, "satisfaction": None, "filed": 5},
                             "linli": {"cases": 5, "response": 1.0, "satisfaction": None}})
    result["checks"].append({"name": "rates 2026-10 grid 第三网格", "ok": True, "detail": "",
                             "ledger": {"cases": 5, "response": 0.8}, "linli": {"cases": 5, "response": 0.80001}})
    page = rendered(result, tmp_path)
    marked = re.findall(r'<div class="differs">(.*?)</div>', page)
    assert marked == ["response: <code>0.8</code>", "response: <code>1.0</code>"]


def test_every_plot_is_a_png_that_opens_and_is_the_one_on_the_page(tmp_path):
    page = rendered(result_of(days=30, failing=True), tmp_path)
    embedded = [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]
    assert len(embedded) == len(report.PLOTS)
    for name in report.PLOTS:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE), name
        height, width, _ = image.imread(tmp_path / name).shape
        assert width >= 900 and 250 <= height <= 1200, (name, width, height)
        assert data in embedded, name


def test_the_page_reaches_for_nothing_outside_itself(tmp_path):
    """Opened from a mail attachment or a CI artifact, offline: no script, no address, no link."""
    page = rendered(result_of(failing=True), tmp_path)
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(sources) == len(report.PLOTS) and all(s.startswith("data:image/png;base64,") for s in sources)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)     # base64 itself holds '/'
    assert not re.search(r"https?:|//|<script|<link|<iframe|<object|<embed|@import|url\(", text, re.IGNORECASE)
    for name in report.PLOTS:   # nor do the PNGs carry matplotlib's address in their metadata
        assert b"http" not in (tmp_path / name).read_bytes()


def test_markup_from_the_data_is_escaped(tmp_path):
    """Check names, grid and worker names and case numbers come from the data: none may inject markup."""
    evil = '<script>alert("x")</script>'
    result = result_of(failing=True)
    result["checks"][0]["name"] = evil
    result["checks"][0]["ledger"] = {"note": evil}
    result["grids"][0]["worker"] = evil
    result["escalations"][-1]["case"] = evil
    result["meta"]["community"] = evil
    page = rendered(result, tmp_path)
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 4


def test_late_escalations_are_listed_up_to_a_cap(tmp_path):
    result = result_of(failing=True)
    result["escalations"].append({"case": "C-1001", "level": "unexpected", "expected_at": None,
                                  "actual_at": "2026-10-03T10:00:00+08:00", "ok": False})
    result["escalations"] += [dict(result["escalations"][-3], case="L-%03d" % i) for i in range(60)]
    page = rendered(result, tmp_path)
    assert "63 of 68 escalations were not at the time the rule sets" in page
    assert "<td>C-1001</td><td>Unexpected (not by the rule)</td><td>none: the rule does not escalate" in page
    assert page.count('<td class="num">+3d</td>') == report.MAX_ESCALATION_ROWS - 2
    assert "never 未上报" in page and "and 13 more not shown" in page


def test_the_days_are_told_apart_in_the_legend():
    """A reader must see which days were holidays and which weekend was worked (调休)."""
    result = result_of(failing=True)
    labels = [t.get_text() for t in report._cases_per_day(result["days"]).legends[0].get_texts()]
    assert labels == ["Filed (ledger)", "Resolved (Linli)", "Created in Linli ≠ filed",
                      "Make-up workday (a weekend worked)", "Public holiday", "Weekend"]


def test_escalation_levels_come_from_the_data(tmp_path):
    """The simulation may name its levels otherwise: each key it gives is drawn and tabled."""
    result = result_of()
    for day in result["days"]:
        day["escalations"] = {"grid_leader": 2, "district": 1}
    page = rendered(result, tmp_path)
    labels = [t.get_text() for t in report._escalations(result["days"]).legends[0].get_texts()]
    assert labels[:2] == ["Grid leader", "District"]
    assert "<th>Grid leader</th><th>District</th>" in page


def test_the_command_writes_the_page_beside_the_result(tmp_path):
    (tmp_path / "result.json").write_text(json.dumps(result_of(failing=True), ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "sim.report", str(tmp_path / "result.json"), "--out",
                          str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.startswith("FAIL — 3 differences")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted((*report.PLOTS, "report.html"))
