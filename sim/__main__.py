"""python -m sim run --db sqlite|postgres [--days N] [--seed S] [--out DIR] [--break RULE] [--keep-data]

Starts the service (sim/stack.py), seeds the community (sim/world.py), steps the month
(sim/run.py), compares the ledger with what Linli shows (sim/report_data.py), writes
DIR/result.json and, when sim.report is there, the HTML report. Exit status 1 when the ledger and
Linli differ."""
import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

from sim import stack
from sim.broken import RULES


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="simulate and compare")
    run.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    run.add_argument("--start", default="2026-10-01", help="first simulated day (Asia/Shanghai)")
    run.add_argument("--days", type=int, default=31)
    run.add_argument("--seed", type=int, default=4)
    run.add_argument("--per-grid", type=int, default=30, help="cases a day per grid")
    run.add_argument("--out", default="var/simulation")
    run.add_argument("--every-tick", action="store_true",
                     help="run the periodic jobs at every 5-minute mark, not only near the ledger's deadlines "
                          "and hourly")
    run.add_argument("--keep-data", action="store_true",
                     help="copy the service's data directory (on SQLite its database) to DIR/data")
    run.add_argument("--break", dest="broken", choices=RULES, default=None,
                     help="start the service with this rule broken (the report must fail)")
    args = parser.parse_args(argv)
    result = simulate(args.db, datetime.date.fromisoformat(args.start), args.days, args.seed, args.per_grid,
                      args.broken, Path(args.out), args.every_tick, args.keep_data)
    return 1 if result["differences"] else 0


def simulate(db, start, days, seed, per_grid, broken, out, every_tick=False, keep_data=False):
    from tests.wechat_emulator import Emulator
    began = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    emulator = Emulator().start()
    try:
        emulator.register_app(stack.APPID, stack.SECRET)
        emulator.register_app(stack.MP_APPID, stack.MP_SECRET)
        with stack.database(db) as (database_url, redis_url, namespace):
            env = stack.environment(emulator.base_url, database_url, redis_url, broken or "", namespace)
            try:
                result = _simulate(env, emulator, db, start, days, seed, per_grid, broken, began, every_tick)
            finally:
                stack.keep_logs(env, out, keep_data)
    finally:
        emulator.stop()
    (out / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    _summary(result, out)
    try:
        from sim import report
    except ImportError:
        print("sim.report is not here: no HTML report (result.json only)")
    else:
        print("report: %s" % report.render(result, out))
    return result


def _simulate(env, emulator, db, start, days, seed, per_grid, broken, began, every_tick):
    from community.demo import STAFF
    from linli import clock
    from linli.config import Settings
    from sim import report_data
    from sim import world
    from sim.rules import BEIJING
    from sim.run import Simulation
    os.environ.update({k: env[k] for k in ("CLOCK_FILE",)})
    import wsgi
    app = wsgi.create_app(Settings.from_env(env))
    # The community exists before the month: seeded on the eve of its first day.
    clock.set_to(datetime.datetime.combine(start - datetime.timedelta(days=1), datetime.time(9), tzinfo=BEIJING))
    phases = {}
    mark = time.monotonic()
    for_emulator = world.seed(app)
    for person in for_emulator["people"]:
        if person["oa"]:
            emulator.follower(person["oa"])
    phases["seed"], mark = round(time.monotonic() - mark, 1), time.monotonic()
    with stack.running(env) as url:
        phases["start_service"], mark = round(time.monotonic() - mark, 1), time.monotonic()
        sim = Simulation(url, emulator, app, for_emulator, start, days, seed, per_grid, every_tick).run()
        phases["simulate"], mark = round(time.monotonic() - mark, 1), time.monotonic()
        details, rates = report_data.collect(sim)
        phases["collect"] = round(time.monotonic() - mark, 1)
    staff_names = {username: name for username, name, *_ in STAFF}
    meta = {"community": for_emulator["community"], "database": db, "start": start.isoformat(), "days": days,
            "seed": seed, "grids": len(for_emulator["grids"]), "households": for_emulator["households"],
            "wall_seconds": round(time.monotonic() - began, 1), "broken_rule": broken,
            # Beyond the shared schema (sim.report ignores them): where the time went, and the load.
            "phases": phases, "periodic_runs": sim.ticks_run,
            "periodic_seconds": round(sim.periodic_seconds, 1),
            "periodic_job_seconds": {k: round(v, 2) for k, v in sorted(sim.job_seconds.items(),
                                                                       key=lambda kv: -kv[1])},
            "requests": sim.requests, "request_seconds": round(sim.request_seconds, 1),
            "load_average": list(os.getloadavg())}
    return report_data.build(sim, meta, details, rates, staff_names)


def _summary(result, out):
    meta = result["meta"]
    days = result["days"]
    print("simulated %s, %d days from %s on %s%s: %.0f s %s, load average %s" % (
        meta["community"], meta["days"], meta["start"], meta["database"],
        ", rule broken: %s" % meta["broken_rule"] if meta["broken_rule"] else "", meta["wall_seconds"],
        meta.get("phases"), " ".join("%.1f" % n for n in meta.get("load_average", ()))))
    print("  filed %d, created %d, resolved %d; escalations %s; messages %d (%d answered within 5 s)" % (
        sum(d["filed"] for d in days), sum(d["created"] for d in days), sum(d["resolved"] for d in days),
        {k: sum(d["escalations"][k] for d in days) for k in ("area_cadre", "secretary", "street")},
        sum(d["messages"] for d in days), sum(d["answered_within_5s"] for d in days)))
    for check in result["checks"]:
        if not check["ok"] or not check["name"].startswith("rates"):
            print("  %s %s: %s" % ("ok  " if check["ok"] else "DIFF", check["name"], check["detail"][:300]))
    rates_ok = sum(1 for c in result["checks"] if c["name"].startswith("rates") and c["ok"])
    print("  rates: %d groups match the hand count" % rates_ok)
    print("differences: %d  (%s)" % (result["differences"], out / "result.json"))


if __name__ == "__main__":
    sys.exit(main())
