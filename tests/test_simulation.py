"""The simulation (sim/, issue 20) on a few days that span the National Day holiday: against the
running service (gunicorn, the consumer, the WeChat emulator, the settable clock) its ledger and
Linli agree; with a rule broken in the service, the report fails and names the escalation check.

The mistakes these stand for: a calendar that forgets the holidays (a case escalated or marked
overdue during 国庆), a deadline in working days one day off; and a simulation that could not
fail — its ledger computed with the service's own rules would agree with any bug."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import stacks

ROOT = Path(__file__).resolve().parent.parent


def _simulate(stack, tmp_path, *more):
    env = {"LINLI_SIM_PG_URL": stacks.PG_URL, "LINLI_SIM_REDIS_URL": stacks.REDIS_URL}
    import os
    env = dict(os.environ, **env)
    # 3 days from 2026-10-07, the last day of the holiday, to Friday: a case nobody answers
    # reaches the street centre on the 7th, whose deadline (1 working day) starts on the 8th.
    done = subprocess.run([sys.executable, "-m", "sim", "run", "--db", stack, "--start", "2026-10-07",
                           "--days", "3", "--per-grid", "4", "--out", str(tmp_path), *more],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
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
