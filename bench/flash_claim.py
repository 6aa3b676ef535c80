"""A flash claim on the red card through gunicorn (2 workers, deploy/gunicorn.conf.py): one
campaign of 1,000 coupons, 5,000 claims from 2,000 residents over 64 concurrent connections,
on PostgreSQL and on SQLite, against a minimal raw claim app (bench/flash_raw_app.py: the same
exact stock, limit and Idempotency-Key by hand on the driver) in the same run, on the same
database and under the same load.

Each resident may hold 2, and makes 2 or 3 claims in a row (each with its own Idempotency-Key,
arriving together like taps), so both the stock and the residents' limits are tested at once.
Both servers run side by side and take turns, a fresh campaign each run; with --runs N each
figure is the median of N. Prints the machine, claims/s, p50/p95/p99 and Linli's ratio to the
reference, then checks every run: exactly 1,000 coupons issued, the campaign's count agrees,
nobody holds more than 2, no 5xx, and replayed Idempotency-Keys answer the same coupon. The load
generator is Python threads on the same cores as the servers. Target on PostgreSQL: >= 500
claims/s with p99 < 100 ms.

Reading the figures: the connections are a closed loop (each sends its next claim when answered),
so the mean latency is connections / rate (Little's law) whatever the server: at 64 connections
p99 < 100 ms needs well over 640 claims/s, and the summary prints that floor beside p99. With
--runs 3 each gunicorn worker passes max_requests (deploy/gunicorn.conf.py) during the second
run and is replaced; Linli's worker imports for about a second of CPU, the reference's for much
less. GUNICORN_CMD_ARGS="--max-requests 0" measures without that restart.

    .venv/bin/python -m bench.flash_claim [--only sqlite|postgres] [--runs 3] [--claims 5000] [--connections 64]
"""
import argparse
import os
import statistics
import sys
import time

import requests

from bench.pg import on_each_database
from bench.serving import bench_env
from bench.serving import concurrently
from bench.serving import served
from bench.world import residents_and_campaign
from bench.world import seeded

PG_URL = os.environ.get("LINLI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
STOCK, RESIDENTS, LIMIT = 1000, 2000, 2
REPLAYS = 100          # successful claims replayed with their key after each run
SECRET = "flash-claim-bench-secret-key-0123456789"
APPS = (("reference", "bench.flash_raw_app:app"), ("Linli", "wsgi:create_app()"))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--port", type=int, default=8766, help="the reference's; Linli's is the next")
    args = parser.parse_args()
    print("machine: %d cores, load average %s" % (os.cpu_count(), _load()))
    return 0 if on_each_database(args.only, PG_URL, lambda name, url: run(name, url, args)) else 1


def run(name, database_url, args):
    env = bench_env(args.port, SECRET, "linli-bench-flash-", database_url)
    campaigns, tokens = _prepare(env, 2 * args.runs)
    figures = {label: [] for label, _ in APPS}
    good = True
    with served(env, args.port, APPS[0][1], "reference.log"), \
            served(dict(env, LINLI_BIND="127.0.0.1:%d" % (args.port + 1)), args.port + 1, APPS[1][1]):
        for n in range(args.runs):
            for i, (label, _) in enumerate(APPS):
                port, campaign_id = args.port + i, campaigns[2 * n + i]
                load = _load()
                elapsed, results = _flash(port, campaign_id, tokens, args.claims, args.connections)
                replays = _replay(port, campaign_id, tokens, results)
                figure, checked = _figures(env, campaign_id, elapsed, results, replays, args)
                figure["load"] = load
                figures[label].append(figure)
                print("%s %s run %d: %s" % (name, label, n + 1, _line(figure)))
                print("    %s" % checked[1])
                good &= checked[0]
    reference, linli = (_median(figures[label]) for label, _ in APPS)
    print("%s: %d claims from %d residents over %d connections, gunicorn 2 workers, median of %d run(s)" % (
        name, args.claims, RESIDENTS, args.connections, args.runs))
    print("  reference (raw %s): %s" % ("psycopg2" if database_url else "sqlite3", _line(reference)))
    print("  Linli: %s" % _line(linli))
    print("  ratio to the reference: %.2f; p99 %.0f ms%s; checks %s" % (
        linli["rate"] / reference["rate"], linli["p99"],
        " (target >= 500 claims/s, p99 < 100 ms)" if database_url else "", "OK" if good else "FAILED"))
    print("  closed loop: mean latency = %d connections / rate: %.0f ms at the reference's rate, %.0f ms at Linli's" % (
        args.connections, 1000 * args.connections / reference["rate"], 1000 * args.connections / linli["rate"]))
    return good


def _load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def _prepare(env, count):
    """Schema, demo community, 2,000 confirmed residents, `count` live campaigns; resident tokens."""
    from bench.world import live_campaign
    with seeded(env):
        _, tokens, merchant, first = residents_and_campaign(RESIDENTS, "o-flash-", STOCK, LIMIT)
        campaigns = [first.id] + [live_campaign(merchant, STOCK, LIMIT).id for _ in range(count - 1)]
    return campaigns, tokens


def _claim_url(port, campaign_id):
    return "http://127.0.0.1:%d/api/mp/campaigns/%d/claim" % (port, campaign_id)


def _flash(port, campaign_id, tokens, claims, connections):
    url = _claim_url(port, campaign_id)

    def claim(session, n):
        headers = {"Authorization": "Bearer " + tokens[_resident_of(n, claims, len(tokens))],
                   "Idempotency-Key": "flash-%d-%d" % (campaign_id, n)}
        began = time.perf_counter()
        answer = session.post(url, headers=headers, timeout=60)
        took = (time.perf_counter() - began) * 1000
        body = answer.json()
        code = body.get("error", {}).get("code") if answer.status_code >= 400 else None
        return answer.status_code, code, took, n, body.get("id")

    return concurrently(range(claims), connections, claim)


def _replay(port, campaign_id, tokens, results):
    """A retried tap (the same key) after the flash: how many of REPLAYS did not answer 200 with
    the first answer's coupon."""
    claims = len(results)
    issued = [r for r in results if r[0] == 201][:REPLAYS]
    wrong = 0
    with requests.Session() as session:
        for _, _, _, n, coupon_id in issued:
            answer = session.post(_claim_url(port, campaign_id), timeout=60, headers={
                "Authorization": "Bearer " + tokens[_resident_of(n, claims, len(tokens))],
                "Idempotency-Key": "flash-%d-%d" % (campaign_id, n)})
            wrong += answer.status_code != 200 or answer.json().get("id") != coupon_id
    return len(issued), wrong


def _resident_of(n, claims, residents):
    """Whose claim n is: one resident's claims come one after another, so they arrive together
    (double taps); half of the residents claim 3 times and half twice (5,000 from 2,000)."""
    triples = (claims - 2 * residents) if claims > 2 * residents else 0
    if n < 3 * triples:
        return (n // 3) % residents
    return (triples + (n - 3 * triples) // 2) % residents


def _figures(env, campaign_id, elapsed, results, replays, args):
    """(the run's figures, (passed, what was checked))."""
    issued, counted, most = _count(env, campaign_id)
    latencies = sorted(r[2] for r in results)
    outcomes = {}
    for status, code, *_ in results:
        outcomes[(status, code)] = outcomes.get((status, code), 0) + 1
    errors = sum(n for (status, _), n in outcomes.items() if status >= 500)
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    figure = {"rate": len(results) / elapsed, "p50": quantiles[49], "p95": quantiles[94], "p99": quantiles[98]}
    good = (issued == counted == STOCK and most <= LIMIT and errors == 0 and len(results) == args.claims
            and replays[1] == 0 and replays[0] == min(REPLAYS, STOCK))
    answers = ", ".join("%d %s: %d" % (s, c or "", n) for (s, c), n in sorted(outcomes.items(), key=str))
    return figure, (good, "answers %s; issued %d (campaign says %d, stock %d); most held by one resident %d "
                          "(limit %d); 5xx %d; replays answering another coupon %d of %d: %s" % (
                              answers, issued, counted, STOCK, most, LIMIT, errors, replays[1], replays[0],
                              "OK" if good else "FAILED"))


def _count(env, campaign_id):
    """(coupons issued, the campaign's own count, most held by one resident), read afresh."""
    from peewee import fn

    from linli.config import Settings
    from models.coupons import Campaign
    from models.coupons import Coupon
    from models.db import close_all
    from models.db import connected
    from wsgi import create_app
    app = create_app(Settings.from_env(env))
    with app.app_context(), connected():
        issued = Coupon.select().where(Coupon.campaign == campaign_id).count()
        counted = Campaign.get_by_id(campaign_id).claimed
        most = (Coupon.select(fn.COUNT(Coupon.id)).where(Coupon.campaign == campaign_id)
                .group_by(Coupon.resident).order_by(fn.COUNT(Coupon.id).desc()).limit(1).scalar())
    close_all()
    return issued, counted, most or 0


def _median(figures):
    return {key: statistics.median(f[key] for f in figures) for key in ("rate", "p50", "p95", "p99")}


def _line(f):
    text = "%.0f claims/s; p50 %.0f ms, p95 %.0f ms, p99 %.0f ms" % (f["rate"], f["p50"], f["p95"], f["p99"])
    return text + ("; load average before %s" % f["load"] if "load" in f else "")


if __name__ == "__main__":
    sys.exit(main())
