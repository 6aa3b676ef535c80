"""The simulation (sim/, issue 20) on a few days that span the National Day holiday: against the
running service (gunicorn, the consumer, the WeChat emulator, the settable clock) its ledger and
Linli agree; with a rule broken in the service, the report fails and names the escalation check.

The mistakes these stand for: a calendar that forgets the holidays (a case escalated or marked
overdue during 国庆), a deadline in working days one day off; and a simulation that could not
fail — its ledger computed with the service's own rules would agree with any bug."""
import dataclasses
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from linli import clock
from linli import periodic
from tests.support import stacks
from wsgi import create_app

ROOT = Path(__file__).resolve().parent.parent


def _simulate(stack, tmp_path, *more):
    env = dict(os.environ, LINLI_SIM_PG_URL=stacks.PG_URL, LINLI_SIM_REDIS_URL=stacks.REDIS_URL)
    # 3 days from 2026-10-07, the last day of the holiday, to Friday: a case nobody answers
    # reaches the street centre on the 7th, whose deadline (1 working day) starts on the 8th.
    done = subprocess.run([sys.executable, "-m", "sim", "run", "--db", stack, "--start", "2026-10-07",
                           "--days", "3", "--per-grid", "4", "--out", str(tmp_path), *more],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert (tmp_path / "result.json").exists(), "the run wrote no result:\n%s\n%s" % (done.stdout[-3000:],
                                                                                     done.stderr[-3000:])
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    return done, result


@pytest.mark.live_server
@pytest.mark.slow
def test_a_few_days_over_the_holiday_end_with_the_ledger_and_linli_agreeing(stack, tmp_path):
    done, result = _simulate(stack, tmp_path)
    failed = [c for c in result["checks"] if not c["ok"]]
    assert result["differences"] == 0, failed
    assert done.returncode == 0, done.stdout[-2000:]
    assert result["meta"]["database"] == stack
    # The run did walk the chain: cases filed and escalated, to the street centre's overdue mark.
    assert sum(d["created"] for d in result["days"]) == sum(d["filed"] for d in result["days"]) > 0
    levels = {e["level"] for e in result["escalations"]}
    assert {"area_cadre", "secretary", "street", "street_overdue"} <= levels
    assert [d["kind"] for d in result["days"]] == ["holiday", "workday", "workday"]
    # Every channel filed (the seed's draws, made before the month starts, give each at least one):
    # a channel left out is a way in whose cases the comparison never sees — an Open311 case, of
    # no building, counted in no grid; a mini-program photo that never reached its case.
    assert set(result["meta"]["channels"]) == {"wechat", "miniprogram", "walk_in", "open311"}
    photos = next(c for c in result["checks"] if c["name"] == "mp_photos")
    assert photos["ok"] and photos["ledger"] == photos["linli"] > 0


@pytest.mark.live_server
@pytest.mark.slow
@pytest.mark.parametrize("rule", ["holiday_ignored", "escalation_off_by_one_day"])
def test_a_broken_rule_makes_the_report_fail_on_the_escalations(stack, tmp_path, rule):
    done, result = _simulate(stack, tmp_path, "--break", rule)
    assert done.returncode == 1
    assert result["meta"]["broken_rule"] == rule
    assert result["differences"] > 0
    escalations = next(c for c in result["checks"] if c["name"] == "escalations")
    assert not escalations["ok"], escalations
    assert any(not e["ok"] and e["level"] == "street_overdue" for e in result["escalations"])


# -- the periodic jobs at simulated times (linli/periodic.py) ------------------------------------
def test_the_jobs_due_are_those_whose_crontab_falls_in_the_interval():
    # 10:00 to 10:05 UTC: the 5-minute sweep once (at 10:05), not the job of minute 17 nor 02:20's.
    start = datetime.datetime(2026, 10, 8, 10, 0)
    names = periodic.due(start, start + datetime.timedelta(minutes=5))
    assert "sweep_overdue" in names and "heartbeat" in names
    assert "auto_close" not in names and "pull_stats" not in names
    # The hour after: each hourly job once, however many of its minutes the interval holds.
    hour = periodic.due(start, start + datetime.timedelta(hours=1))
    assert "auto_close" in hour and len(hour) == len(set(hour))
    assert "pull_stats" in periodic.due(datetime.datetime(2026, 10, 8, 2, 19), datetime.datetime(2026, 10, 8, 2, 20))


def test_jobs_on_demand_are_refused_where_the_clock_is_the_wall_clock(settings):
    # Production (no settable clock): a job run out of its schedule by whoever can reach the
    # queue or the host would be an escalation at a time no rule set. Refused, in the caller and
    # in the consumer's task both.
    create_app(dataclasses.replace(settings, TASKS_IMMEDIATE=True))
    assert not clock.settable()
    start = datetime.datetime(2026, 10, 8, 10, 0)
    with pytest.raises(periodic.NotSimulated):
        periodic.run_due(start, start + datetime.timedelta(minutes=5))
    with pytest.raises(periodic.NotSimulated):
        periodic.run_periodic.call_local(["sweep_overdue"])


# -- who files: only a follower writes to the official account (sim/run.py) -----------------------
def test_a_wechat_filing_passed_on_from_someone_who_just_filed_goes_to_a_follower():
    # The mistake: the one filing instead of a resident who filed minutes ago was drawn from
    # every resident of the grid, followers or not. A non-follower's push went out from the
    # openid "None": the service, rightly, took it for a new resident of no building, and the
    # month's run ended with one case of 无网格, refused to its grid worker (not_your_case) and
    # unknown to the resident the ledger named (not_found).
    from sim.run import Simulation
    person = lambda n, oa: {"id": n, "oa": "oa-%d" % n if oa else None, "mp": "mp-%d" % n,  # noqa: E731
                            "building": 1, "grid": "G1"}
    people = [person(1, True), person(2, True)] + [person(n, False) for n in range(3, 60)]
    sim = Simulation(None, None, None, {"people": people}, datetime.date(2026, 10, 8), 1, 4, 1)
    sim.now = sim.start + datetime.timedelta(hours=9)
    pushed, by_app = [], []
    sim._push_report = lambda who, text: pushed.append(who)
    sim._mp_file = lambda who, text: by_app.append(who)
    for _ in range(20):
        sim.last_filed = {1: sim.now - datetime.timedelta(minutes=1)}
        sim._file(people[0], "wechat")
        sim.last_filed = {1: sim.now - datetime.timedelta(minutes=1)}
        sim._file(people[0], "miniprogram")
    assert [p["id"] for p in pushed] == [2] * 20
    # Everyone has the mini-program: there anyone of the grid may file instead.
    assert len({p["id"] for p in by_app}) > 1 and 1 not in {p["id"] for p in by_app}
    with pytest.raises(ValueError):
        sim._push(people[3], "text", {"Content": "报修 路灯不亮"})
