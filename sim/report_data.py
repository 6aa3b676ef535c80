"""At the end: what Linli shows (its staff API: every case's detail and timeline, the rates per
grid and per staff member) against the ledger, as the result dict the HTML report renders."""
import collections
import datetime
import json

from sim import rules

LEVEL_WORDS = {2: "area_cadre", 3: "secretary", 4: "street"}
CLOSE = datetime.timedelta(seconds=20)        # the clock runs on while the consumer is on its way (ledger.TIE)


def _parse(text):
    return datetime.datetime.fromisoformat(text) if text else None


def _iso(moment):
    return moment.astimezone(rules.BEIJING).isoformat(timespec="seconds") if moment else None


def _same_time(actual, expected, tie):
    if actual is None or expected is None:
        return actual is None and expected is None
    late = actual - expected
    return -CLOSE <= late <= CLOSE or (tie and abs(late - datetime.timedelta(minutes=rules.SWEEP_MINUTES)) <= CLOSE)


def collect(sim):
    """Linli's side: {number: staff detail} (None when Linli has no such case), the rates."""
    details = {}
    for number in sim.ledger.cases:
        answer = sim.staff("admin", "get", "/api/mp/staff/cases/%s" % number)
        details[number] = answer.json() if answer.status_code == 200 else None
    months = sorted({d.strftime("%Y-%m") for d in _days(sim)})
    rates = {(month, by): sim.staff("tianbing", "get", "/api/mp/staff/rates",
                                    params={"month": month, "by": by}).json()["rows"]
             for month in months for by in ("grid", "staff")}
    return details, rates


def _days(sim):
    return [sim.start.date() + datetime.timedelta(days=n) for n in range(sim.days)]


def build(sim, meta, details, linli_rates, staff_names):
    ledger = sim.ledger
    checks, escalations, days = [], [], {}
    # -- cases filed vs created ---------------------------------------------------------------
    lost = [s for s in ledger.sent if s["number"] is None]
    missing = sorted(n for n, d in details.items() if d is None)
    linli_count = {}
    for (_, by), rows in linli_rates.items():
        if by == "grid":
            for row in rows:
                linli_count[row["label"]] = linli_count.get(row["label"], 0) + row["cases"]
    ledger_count = {}
    for entry in ledger.cases.values():
        name = _grid_label(sim, entry)
        ledger_count[name] = ledger_count.get(name, 0) + 1
    checks.append(_check("filed_vs_created", {"filed": len(ledger.sent), "cases": ledger_count},
                         {"cases": linli_count}, not lost and not missing and linli_count == ledger_count,
                         "%d filings unanswered, %d numbers unknown to Linli" % (len(lost), len(missing))))
    # -- the photos a mini-program filing carried: on its case, each once ----------------------
    mp = [e for e in ledger.cases.values() if e.channel == "miniprogram" and details.get(e.number)]
    unlike = ["%s: ledger %d, Linli %d" % (e.number, e.photos, len(details[e.number]["photos"]))
              for e in mp if len(details[e.number]["photos"]) != e.photos]
    checks.append(_check("mp_photos", sum(e.photos for e in mp),
                         sum(len(details[e.number]["photos"]) for e in mp), not unlike,
                         "; ".join(unlike[:5]) or "every mini-program filing's photos are on its case"))
    # -- first response -----------------------------------------------------------------------
    wrong = []
    for number, entry in ledger.cases.items():
        detail = details.get(number)
        if detail is None:
            continue
        actual = _parse(detail["responded_at"])
        if not _same_time(actual, entry.responded_at, False):
            wrong.append("%s: Linli %s, ledger %s" % (number, detail["responded_at"], _iso(entry.responded_at)))
    checks.append(_check("first_response", len(ledger.cases), len(ledger.cases) - len(wrong), not wrong,
                         "; ".join(wrong[:5]) or "every case's response at the level it is at matches"))
    # -- escalations: per case, per level, time against the rule --------------------------------
    bad = []
    for number, entry in ledger.cases.items():
        detail = details.get(number) or {"timeline": []}
        actual = [_parse(e["at"]) for e in detail["timeline"] if e["kind"] == "escalated"]
        for n, (level, due, at, tie) in enumerate(entry.escalations):
            got = actual[n] if n < len(actual) else None
            ok = at is not None and _same_time(got, at, tie)
            escalations.append({"case": number, "level": LEVEL_WORDS[level], "expected_at": _iso(at or due),
                                "actual_at": _iso(got), "ok": ok})
            if not ok:
                bad.append("%s to %s: expected %s, Linli %s" % (number, LEVEL_WORDS[level], _iso(at or due), _iso(got)))
        for extra in actual[len(entry.escalations):]:
            escalations.append({"case": number, "level": "unexpected", "expected_at": None,
                                "actual_at": _iso(extra), "ok": False})
            bad.append("%s escalated at %s: the rule does not" % (number, _iso(extra)))
        marks = [_parse(e["at"]) for e in detail["timeline"] if e["kind"] == "overdue"]
        for n, (_, due, at, tie) in enumerate(entry.overdue):
            got = marks[n] if n < len(marks) else None
            ok = _same_time(got, at, tie)
            escalations.append({"case": number, "level": "street_overdue", "expected_at": _iso(at),
                                "actual_at": _iso(got), "ok": ok})
            if not ok:
                bad.append("%s overdue at the street centre: expected %s (due %s), Linli %s"
                           % (number, _iso(at), _iso(due), _iso(got)))
        for extra in marks[len(entry.overdue):]:
            escalations.append({"case": number, "level": "street_overdue", "expected_at": None,
                                "actual_at": _iso(extra), "ok": False})
            bad.append("%s marked overdue at %s: by the rule it is not yet due" % (number, _iso(extra)))
    online = [d for c, d in ledger.differences if c == "escalation"]
    checks.append(_check("escalations", sum(1 for e in escalations if e["expected_at"]),
                         sum(1 for e in escalations if e["actual_at"]), not bad and not online,
                         "; ".join((online + bad)[:6]) or "every escalation at the first sweep past its deadline"))
    # -- the three rates ----------------------------------------------------------------------------
    grids = []
    hand = _hand_rates(sim, staff_names)
    for (month, by), rows in sorted(linli_rates.items()):
        shown = {row["label"]: row for row in rows}
        for label, mine in sorted(hand.get((month, by), {}).items()):
            row = shown.get(label, {})
            theirs = {"response": row.get("response_rate"), "resolution": row.get("resolution_rate"),
                      "satisfaction": row.get("satisfaction_rate"), "cases": row.get("cases")}
            ok = all(_close(mine[k], theirs[k]) for k in mine)
            checks.append(_check("rates %s %s %s" % (month, by, label), mine, theirs, ok,
                                 "hand count of 三率 vs Linli's /api/mp/staff/rates"))
    main_month = max({d.strftime("%Y-%m") for d in _days(sim)}, key=lambda m: sum(
        1 for d in _days(sim) if d.strftime("%Y-%m") == m))
    workers = {"G1": "grid1", "G2": "grid2", "G3": "grid3", "G4": "grid4"}
    for code, name in sorted(sim.world["grids"].items()):
        mine = hand.get((main_month, "grid"), {}).get(name, {})
        theirs = {row["label"]: row for row in linli_rates.get((main_month, "grid"), [])}.get(name, {})
        grids.append({"code": code, "name": name, "worker": staff_names.get(workers.get(code), ""),
                      "cases": mine.get("cases", 0),
                      "rates": {k: {"ledger": mine.get(k), "linli": theirs.get(k + "_rate")}
                                for k in ("response", "resolution", "satisfaction")}})
    # -- what people did, as the rules allow --------------------------------------------------
    actions = [d for c, d in ledger.differences if c in ("actions", "filed_vs_created", "resident_login")]
    checks.append(_check("actions_answered_as_the_rules_say", sim.actions, len(actions), not actions,
                         "; ".join(actions[:5]) or "every staff and resident step accepted or refused as expected"))
    slow = [t for _, t in sim.messages if t is None or t > 5]
    checks.append(_check("messages_answered_within_5s", len(sim.messages), len(sim.messages) - len(slow), not slow,
                         "%d of %d pushes answered later than 5 s or not at all" % (len(slow), len(sim.messages))))
    # -- notices: every urgent notice the console took reached WeChat (the emulator's mass sends) --
    sent = [job for job in sim.emulator.state.mass_jobs.values()]
    texts = [json.dumps(job, ensure_ascii=False) for job in sent]
    undelivered = [n for n in sim.notices if n["status"] != 303 or not any(n["text"] in t for t in texts)]
    checks.append(_check("notices_delivered", len(sim.notices), len(sim.notices) - len(undelivered), not undelivered,
                         "%d urgent notice(s) from the console, %d mass send(s) at WeChat; undelivered: %s"
                         % (len(sim.notices), len(sent), [n["at"].isoformat() for n in undelivered] or "none")))
    broken_jobs = [e for e in sim.periodic_errors if e[1] in ("sweep_overdue", "auto_close", "warn_before_deadlines")]
    checks.append(_check("periodic_jobs", "case jobs without errors", len(broken_jobs), not broken_jobs,
                         "; ".join("%s %s %s" % e for e in sim.periodic_errors[:3]) or "no job failed"))
    # -- the days -------------------------------------------------------------------------------
    created = {}
    resolved = {}
    level_days = {}
    for detail in details.values():
        if not detail:
            continue
        created.setdefault(_parse(detail["created_at"]).date(), 0)
        created[_parse(detail["created_at"]).date()] += 1
        for e in detail["timeline"]:
            if e["kind"] == "resolved":
                resolved[_parse(e["at"]).date()] = resolved.get(_parse(e["at"]).date(), 0) + 1
    for e in escalations:
        if e["actual_at"] and e["level"] in ("area_cadre", "secretary", "street"):
            key = (_parse(e["actual_at"]).date(), e["level"])
            level_days[key] = level_days.get(key, 0) + 1
    backlog = 0
    for day in _days(sim):
        counts = sim.daily.get(day, {})
        backlog += created.get(day, 0) - resolved.get(day, 0)
        days[day] = {"date": day.isoformat(), "kind": rules.day_kind(day), "filed": counts.get("filed", 0),
                     "created": created.get(day, 0), "resolved": resolved.get(day, 0),
                     "backlog_end": sim.backlog.get(day, max(backlog, 0)),
                     "escalations": {w: level_days.get((day, w), 0) for w in ("area_cadre", "secretary", "street")},
                     "messages": counts.get("messages", 0), "answered_within_5s": counts.get("answered_within_5s", 0)}
    meta = dict(meta, channels=dict(collections.Counter(e.channel for e in ledger.cases.values())))
    return {"meta": meta, "days": list(days.values()), "grids": grids, "escalations": escalations,
            "checks": checks, "differences": sum(1 for c in checks if not c["ok"])}


def _hand_rates(sim, staff_names):
    """三率 counted by hand from the ledger (README: 响应率 = accepted within the response deadline
    of the level it is at / cases filed in the month; 解决率 = confirmed / resolved; 满意率 =
    rated 4 or 5 / rated), per grid and per staff member the case is assigned to."""
    groups = {}
    for entry in sim.ledger.cases.values():
        month = entry.filed_at.astimezone(rules.BEIJING).strftime("%Y-%m")
        owner = sim.owner(entry)
        for by, label in (("grid", _grid_label(sim, entry)), ("staff", staff_names[owner] if owner else "未分派")):
            g = groups.setdefault((month, by), {}).setdefault(label, {"n": 0, "on_time": 0, "resolved": 0,
                                                                      "confirmed": 0, "rated": 0, "satisfied": 0})
            g["n"] += 1
            g["on_time"] += entry.responded_at is not None and entry.responded_at <= entry.respond_due
            if entry.resolved_at is not None:
                g["resolved"] += 1
                g["confirmed"] += entry.confirmed_at is not None
            if entry.rating is not None:
                g["rated"] += 1
                g["satisfied"] += entry.rating >= 4
    ratio = lambda part, whole: round(part / whole, 4) if whole else None    # noqa: E731
    return {key: {label: {"cases": g["n"], "response": ratio(g["on_time"], g["n"]),
                          "resolution": ratio(g["confirmed"], g["resolved"]),
                          "satisfaction": ratio(g["satisfied"], g["rated"])}
                  for label, g in labels.items()} for key, labels in groups.items()}


def _grid_label(sim, entry):
    # Linli's label for cases of no grid (Open311's: a point, no building), README "三率".
    return sim.world["grids"][entry.grid] if entry.grid else "无网格"


def _close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-4


def _check(name, ledger, linli, ok, detail):
    return {"name": name, "ledger": ledger, "linli": linli, "ok": bool(ok), "detail": detail}
