"""Issue 17's bench: the 3,312 households of the demo community (seed 004's count) cast their
voices concurrently into one community-wide consultation (households_majority, so every flat is
on the roll) through gunicorn (2 workers, deploy/gunicorn.conf.py), on PostgreSQL (a temporary
schema; failed when it does not answer) and then on SQLite; then the secretary closes it
through the staff API.

Every household has a member with a confirmed address and a mini-program session, made in bulk
in the database as bench/world.py makes the red card's residents. One household in ten also has
a second member who taps at the same moment with another choice (one of the two must be told
409 already_voted); one in ten of the others taps twice (a replay: 200, or 409 when both taps
meet in the database). The bench keeps a ledger of the voice each household got counted (the
choice of its one 201) and checks, exiting 1 when one fails:
- vote rows == 3,312, one per household, each holding the ledger's choice;
- the tally per option == a plain SQL GROUP BY == the ledger's count == the stored result's;
- every household answered 201 exactly once, every other tap 409 already_voted (or 200 for a
  replay); no 5xx;
- the close answers over HTTP in < 200 ms. close() is also timed in-process, re-run 10 times
  in a transaction rolled back; --profile prints where its time goes.
Prints votes/s and p50/p95/p99 latency. The load generator is Python threads on the same 2
cores as the server.

    .venv/bin/python -m bench.consultation_vote [--only sqlite|postgres] [--connections 48] [--profile]

PostgreSQL at LINLI_BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/test).
"""
import argparse
import datetime
import os
import random
import statistics
import sys
import time

import requests

from bench.pg import on_each_database
from bench.serving import bench_env
from bench.serving import concurrently
from bench.serving import served
from bench.world import seeded

PG_URL = os.environ.get("LINLI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "consultation-vote-bench-secret-key-0123"
HOUSEHOLDS = 3312                   # seed 004's count, the demo's
QUESTION = "社区中心广场夜间照明改造，您是否同意？"
OPTIONS = ("同意", "不同意", "弃权")
WEIGHTS = (6, 3, 1)                 # how the households lean, by option
CLOSE_TARGET_MS = 200
IN_PROCESS_RUNS = 10


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top of close() in-process")
    args = parser.parse_args()
    return 0 if on_each_database(args.only, PG_URL, lambda name, url: run(name, url, args),
                                 postgres_required=True) else 1


def run(name, database_url, args):
    env = bench_env(args.port, SECRET, "linli-bench-vote-", database_url)
    world = _prepare(env)
    with served(env, args.port):
        elapsed, results = _vote(args.port, world, args.connections)
        close = _close(args.port, world)
    return _report(name, env, world, elapsed, results, close, args)


# -- the world --------------------------------------------------------------------------------------
def _prepare(env):
    """The demo, a member (and for some a second member) of every household with a session, a
    community-wide households_majority consultation; the taps to send, in the order sent."""
    from community.demo import COMMUNITY
    from decisions import consultations
    from miniprogram_api.auth import issue
    from models.community import Building
    from models.community import Community
    from models.community import Unit
    from models.db import db
    from models.db import utcnow
    from models.households import Household
    from models.people import Resident
    from models.people import Staff
    with seeded(env):
        community = Community.get(Community.code == COMMUNITY["code"])
        homes = list(Household.select(Household.id, Household.unit, Household.room, Unit.building)
                     .join(Unit).join(Building).where(Building.community == community).order_by(Household.id))
        rng = random.Random(17)           # the same households lean the same way on every run
        leaning = {h.id: rng.choices(range(len(OPTIONS)), WEIGHTS)[0] for h in homes}
        now = utcnow()
        rows = []
        for n, home in enumerate(homes):
            for member in ("a", "b") if n % 10 == 0 else ("a",):
                rows.append({"mp_openid": "o-vote-%s-%d" % (member, home.id), "community": community.id,
                             "building": home.unit.building_id, "unit": home.unit_id, "room": home.room,
                             "household": home.id, "address_state": "confirmed", "address_confirmed_at": now,
                             "nickname": "%d户%s" % (home.id, member), "created_at": now, "updated_at": now})
        with db.atomic():
            for start in range(0, len(rows), 500):
                Resident.insert_many(rows[start:start + 500]).execute()
        tokens = {r.mp_openid: issue(r)[0] for r in Resident.select().where(Resident.mp_openid.startswith("o-vote-"))}
        secretary = Staff.get(Staff.username == "tianbing")
        consultation = consultations.open_consultation(
            secretary, community.id, "community", QUESTION, now + datetime.timedelta(days=7), options=OPTIONS)
        taps = []
        for n, home in enumerate(homes):
            first = (home.id, tokens["o-vote-a-%d" % home.id], leaning[home.id])
            if n % 10 == 0:       # another member of the household, at the same moment, another mind
                taps += [("member",) + first, ("second", home.id, tokens["o-vote-b-%d" % home.id],
                                                (leaning[home.id] + 1) % 3)]
            elif n % 10 == 5:     # the same member's double tap: either of the two may come first
                taps += [("replay",) + first] * 2
            else:
                taps.append(("alone",) + first)
        # Households in a random order, each one's taps side by side so they arrive together.
        groups = {}
        for tap in taps:
            groups.setdefault(tap[1], []).append(tap)
        order = list(groups)
        rng.shuffle(order)
        return {"consultation": consultation.id, "households": [h.id for h in homes],
                "taps": [tap for home_id in order for tap in groups[home_id]],
                "staff_token": issue(secretary, "staff")[0]}


# -- the load ---------------------------------------------------------------------------------------
def _vote(port, world, connections):
    url = "http://127.0.0.1:%d/api/mp/consultations/%d/vote" % (port, world["consultation"])

    def tap(session, item):
        kind, home_id, token, choice = item
        began = time.perf_counter()
        answer = session.post(url, json={"choice": choice}, headers={"Authorization": "Bearer " + token}, timeout=60)
        took = (time.perf_counter() - began) * 1000
        return kind, home_id, choice, answer.status_code, _code(answer) if answer.status_code >= 400 else None, took

    return concurrently(world["taps"], connections, tap)


def _code(answer):
    try:
        return answer.json().get("error", {}).get("code")
    except ValueError:
        return "not json"


def _close(port, world):
    """The secretary closes it over the staff API: (status, latency in ms, the stored result)."""
    url = "http://127.0.0.1:%d/api/mp/staff/consultations/%d/close" % (port, world["consultation"])
    began = time.perf_counter()
    answer = requests.post(url, headers={"Authorization": "Bearer " + world["staff_token"]}, timeout=60)
    took = (time.perf_counter() - began) * 1000
    return answer.status_code, took, answer.json().get("result") if answer.status_code == 200 else answer.text


# -- the checks -------------------------------------------------------------------------------------
def _ledger(results):
    """{household: the choice of its one 201}, and the households whose taps broke the rules."""
    taps = {}
    for kind, home_id, choice, status, code, _ in results:
        taps.setdefault(home_id, []).append((kind, choice, status, code))
    counted, wrong = {}, []
    for home_id, answers in taps.items():
        created = [choice for _, choice, status, _ in answers if status == 201]
        others_fine = all(status == 201 or (status == 409 and code == "already_voted")
                          or (kind == "replay" and status == 200) for kind, _, status, code in answers)
        if len(created) != 1 or not others_fine:
            wrong.append((home_id, answers))
        else:
            counted[home_id] = created[0]
    return counted, wrong


def _in_process_close(consultation_id, profile):
    """close() timed in-process: re-opened and closed in a transaction rolled back each time."""
    from decisions import consultations
    from models.db import db
    from models.decisions import Consultation
    from models.people import Staff
    secretary = Staff.get(Staff.username == "tianbing")
    times = []
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
    for _ in range(IN_PROCESS_RUNS):
        with db.atomic() as transaction:
            Consultation.update(state="open", outcome=None, closed_at=None, closed_by=None, result="").where(
                Consultation.id == consultation_id).execute()
            consultation = Consultation.get_by_id(consultation_id)
            if profiler:
                profiler.enable()
            began = time.perf_counter()
            consultations.close(consultation, staff=secretary)
            times.append((time.perf_counter() - began) * 1000)
            if profiler:
                profiler.disable()
            transaction.rollback()
    if profiler:
        import pstats
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return times


def _report(name, env, world, elapsed, results, close, args):
    from linli.config import Settings
    from models.db import close_all
    from models.db import connected
    from models.db import db
    from models.decisions import Consultation
    from models.decisions import Vote
    from wsgi import create_app
    consultation_id = world["consultation"]
    counted, wrong = _ledger(results)
    app = create_app(Settings.from_env(env))
    with app.app_context(), connected():
        rows = {v.household_id: v.choice for v in Vote.select(Vote.household, Vote.choice)
                .where(Vote.consultation == consultation_id)}
        vote_rows = Vote.select().where(Vote.consultation == consultation_id).count()
        by_hand = dict(db.execute_sql("SELECT choice, COUNT(*) FROM vote WHERE consultation_id = %s GROUP BY choice"
                                      % db.param, (consultation_id,)).fetchall())
        stored = Consultation.get_by_id(consultation_id)
        in_process = _in_process_close(consultation_id, args.profile)
    close_all()
    status, close_ms, result = close
    ledger_counts = [sum(1 for c in counted.values() if c == n) for n in range(len(OPTIONS))]
    sql_counts = [by_hand.get(n, 0) for n in range(len(OPTIONS))]
    result_counts = [row["households"] for row in result["by_option"]] if isinstance(result, dict) else None
    outcomes = {}
    for kind, _, _, code_status, code, _ in results:
        outcomes[(kind, code_status, code)] = outcomes.get((kind, code_status, code), 0) + 1
    errors = sum(n for (_, s, _), n in outcomes.items() if s >= 500)
    latencies = sorted(r[5] for r in results)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    households = world["households"]
    checks = [
        ("vote rows == %d, one per household" % HOUSEHOLDS,
         vote_rows == len(rows) == len(households) == HOUSEHOLDS and set(rows) == set(households)),
        ("every household answered 201 once, duplicates 409 already_voted or 200 replays (%d wrong)" % len(wrong),
         not wrong and len(counted) == HOUSEHOLDS),
        ("each row holds the voice the ledger counted", rows == counted),
        ("tally per option: SQL GROUP BY %s == ledger %s == result %s" % (sql_counts, ledger_counts, result_counts),
         sql_counts == ledger_counts == result_counts),
        ("the result counts every household answering",
         isinstance(result, dict) and result["answered_households"] == result["counted_households"] == HOUSEHOLDS
         and stored.state == "closed"),
        ("no 5xx (%d)" % errors, errors == 0),
        ("close over HTTP %d in %.0f ms (< %d ms)" % (status, close_ms, CLOSE_TARGET_MS),
         status == 200 and close_ms < CLOSE_TARGET_MS),
    ]
    print("%s: %d households, %d taps over %d connections, gunicorn 2 workers" % (
        name, len(households), len(results), args.connections))
    print("  %.0f votes/s (%.1f s); latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms" % (
        len(results) / elapsed, elapsed, q[49], q[94], q[98]))
    print("  answers: %s" % ", ".join("%s %d %s: %d" % (k, s, c or "", n) for (k, s, c), n in sorted(
        outcomes.items(), key=str)))
    print("  close: %d in %.1f ms over HTTP; close() in-process median %.1f ms (min %.1f, max %.1f, %d runs)" % (
        status, close_ms, statistics.median(in_process), min(in_process), max(in_process), len(in_process)))
    for what, met in checks:
        print("  %s: %s" % (what, "OK" if met else "FAILED"))
    for home_id, answers in wrong[:5]:
        print("  household %d: %s" % (home_id, answers))
    return all(met for _, met in checks)


if __name__ == "__main__":
    sys.exit(main())
