"""Who a community-wide notice reaches on WeChat, household by household: the demo's 3,312
households (八家庄's count), about half with a follower or a
mini-program user whose address is confirmed there, and the residents who must not count (a
claimed address, a follower who left). It times community.reach as a round's opening calls it,
the median of several runs, beside a reference run of the same households' plain read without
the members, and checks the reachable count against a count by hand, member by member, in
Python. Then it opens the notice's round (the reach plus a row per household) once.
Target: < 1 s on PostgreSQL; exits non-zero over it or on a wrong count.

    .venv/bin/python -m bench.notice_reach [--runs 7] [--only sqlite|postgres]
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time

from bench.pg import temporary_schema

PG_URL = os.environ.get("LINLI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
HOUSEHOLDS = 3312
TARGET = 1.0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    ok = True
    if args.only != "sqlite":
        with temporary_schema(PG_URL) as schema:
            if schema is None:
                print("PostgreSQL at %s does not answer" % PG_URL)
                return 1
            ok &= run("PostgreSQL", "%s?options=-csearch_path%%3D%s" % (PG_URL, schema), args.runs, target=TARGET)
    if args.only != "postgres":
        ok &= run("SQLite", "sqlite:///%s/reach.db" % tempfile.mkdtemp(prefix="linli-bench-reach-"), args.runs)
    return 0 if ok else 1


def run(name, url, runs, target=None):
    from models.db import close_all
    from models.db import connected
    from models.db import init_db
    from models.db import upgrade
    init_db(url)
    upgrade()
    with connected():
        notice, by_hand = _world()
        ok = _measure(name, notice, by_hand, runs, target)
    close_all()
    return ok


def _world():
    """The demo community (HOUSEHOLDS), its residents, and a notice to all followers."""
    from account import notices
    from community.demo import seed_demo
    from models.community import Unit
    from models.households import Household
    from models.people import Resident
    from models.people import Staff
    seed_demo()
    homes = list(Household.select(Household.id, Household.unit, Household.room).order_by(Household.id))
    assert len(homes) == HOUSEHOLDS, len(homes)
    unit_building = dict(Unit.select(Unit.id, Unit.building).tuples())
    community = Staff.get(Staff.username == "tianbing").roles.first().community_id
    rng = random.Random(18)
    rows = []
    for home in homes:
        draw = rng.random()
        common = dict(community=community, building=unit_building[home.unit_id], unit=home.unit_id, room=home.room,
                      household=home.id)
        if draw < 0.45:                           # follows the account
            rows.append(dict(common, oa_openid="oa-%d" % home.id, subscribed=True, address_state="confirmed"))
        elif draw < 0.55:                         # the mini-program only
            rows.append(dict(common, mp_openid="mp-%d" % home.id, address_state="confirmed"))
        elif draw < 0.65:                         # claimed the address, not yet confirmed
            rows.append(dict(common, oa_openid="oa-%d" % home.id, subscribed=True, address_state="pending"))
        elif draw < 0.70:                         # left the account
            rows.append(dict(common, oa_openid="oa-%d" % home.id, subscribed=False, address_state="confirmed"))
        if rng.random() < 0.2:                    # a second member, who does not follow
            rows.append(dict(common, oa_openid="oa2-%d" % home.id, subscribed=False, address_state="confirmed"))
    for start in range(0, len(rows), 500):
        Resident.insert_many(rows[start:start + 500]).execute()
    by_hand = set()
    for r in Resident.select(Resident.household, Resident.address_state, Resident.subscribed, Resident.mp_openid):
        if r.household_id and r.address_state == "confirmed" and (r.subscribed or r.mp_openid):
            by_hand.add(r.household_id)
    notice = notices.create(Staff.get(Staff.username == "tianbing"), community, text="周五8点至12点全社区停水")
    return notice, by_hand


def _timed(function, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _measure(name, notice, by_hand, runs, target):
    from community import reach
    from community import rounds
    from models.community import Building
    from models.community import Unit
    from models.households import Household
    from models.rounds import RoundHousehold
    scope = reach.scope_of_notice(notice)
    plain = (Household.select(Household.id, Unit.id, Building.id, Building.grid).join(Unit).join(Building)
             .where(scope.where()))
    reference, _ = _timed(lambda: list(plain.tuples()), runs)
    median, homes = _timed(lambda: reach.households(scope), runs)
    counted, (total, reached) = _timed(lambda: reach.counts(scope), runs)
    found = {h[0] for h in homes if h[4]}
    right = found == by_hand and reached == len(by_hand) and total == len(homes) == HOUSEHOLDS
    started = time.perf_counter()
    door_round, _ = rounds.round_for_notice(notice)
    opened = time.perf_counter() - started
    items = RoundHousehold.select().where((RoundHousehold.round == door_round)
                                          & (RoundHousehold.state == "open")).count()
    met = target is None or median < target
    print("%s, a community-wide notice, %d households (median of %d runs):" % (name, len(homes), runs))
    print("  reach per household   %7.1f ms (%.1f× the plain read of the households, %.1f ms)%s"
          % (median * 1000, median / reference, reference * 1000,
             "" if target is None else "; target < %d ms: %s" % (target * 1000, "met" if met else "MISSED")))
    print("  reach counted         %7.1f ms" % (counted * 1000))
    print("  reachable %d of %d; by hand %d: %s" % (len(found), total, len(by_hand), "agree" if right else "DIFFER"))
    print("  the round opened in   %7.1f ms: %d households on the leaders' lists" % (opened * 1000, items))
    return met and right and items == total - reached


if __name__ == "__main__":
    sys.exit(main())
