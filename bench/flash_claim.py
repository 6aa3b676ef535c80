"""A flash claim on the red card through gunicorn (2 workers, deploy/gunicorn.conf.py): one
campaign of 1,000 coupons, 5,000 claims from 2,000 residents over 64 concurrent connections,
on PostgreSQL and on SQLite.

Each resident may hold 2, and makes 2 or 3 claims in a row (each with its own Idempotency-Key,
arriving together like taps), so both the stock and the residents' limits are tested at once.
Prints claims/s and latency, then checks: exactly 1,000 coupons issued, the campaign's count
agrees, nobody holds more than 2, no 5xx. The load generator is Python threads on the same 2 cores as the server.

    .venv/bin/python -m bench.flash_claim [--only sqlite|postgres] [--claims 5000] [--connections 64]
"""
import argparse
import os
import statistics
import sys
import time

from bench.pg import on_each_database
from bench.serving import bench_env
from bench.serving import concurrently
from bench.serving import served
from bench.world import residents_and_campaign
from bench.world import seeded

PG_URL = os.environ.get("LINLI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
STOCK, RESIDENTS, LIMIT = 1000, 2000, 2
SECRET = "flash-claim-bench-secret-key-0123456789"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    return 0 if on_each_database(args.only, PG_URL, lambda name, url: run(name, url, args)) else 1


def run(name, database_url, args):
    env = bench_env(args.port, SECRET, "linli-bench-flash-", database_url)
    campaign_id, tokens = _prepare(env)
    with served(env, args.port):
        elapsed, results = _flash(args.port, campaign_id, tokens, args.claims, args.connections)
    return _report(name, env, campaign_id, elapsed, results, args)


def _prepare(env):
    """Schema, demo community, 2,000 confirmed residents, a live campaign; resident tokens."""
    with seeded(env):
        _, tokens, _, campaign = residents_and_campaign(RESIDENTS, "o-flash-", STOCK, LIMIT)
    return campaign.id, tokens


def _flash(port, campaign_id, tokens, claims, connections):
    url = "http://127.0.0.1:%d/api/mp/campaigns/%d/claim" % (port, campaign_id)

    def claim(session, n):
        headers = {"Authorization": "Bearer " + tokens[_resident_of(n, claims, len(tokens))],
                   "Idempotency-Key": "flash-%d" % n}
        began = time.perf_counter()
        answer = session.post(url, headers=headers, timeout=60)
        took = (time.perf_counter() - began) * 1000
        code = answer.json().get("error", {}).get("code") if answer.status_code >= 400 else None
        return answer.status_code, code, took

    return concurrently(range(claims), connections, claim)


def _resident_of(n, claims, residents):
    """Whose claim n is: one resident's claims come one after another, so they arrive together
    (double taps); half of the residents claim 3 times and half twice (5,000 from 2,000)."""
    triples = (claims - 2 * residents) if claims > 2 * residents else 0
    if n < 3 * triples:
        return (n // 3) % residents
    return (triples + (n - 3 * triples) // 2) % residents


def _report(name, env, campaign_id, elapsed, results, args):
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
    latencies = sorted(r[2] for r in results)
    outcomes = {}
    for status, code, _ in results:
        outcomes[(status, code)] = outcomes.get((status, code), 0) + 1
    errors = sum(n for (status, _), n in outcomes.items() if status >= 500)
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    print("%s: %d claims from %d residents over %d connections, gunicorn 2 workers" % (
        name, len(results), RESIDENTS, args.connections))
    print("  %.0f claims/s (%.1f s); latency p50 %.0f ms, p99 %.0f ms" % (
        len(results) / elapsed, elapsed, quantiles[49], quantiles[98]))
    print("  answers: %s" % ", ".join("%d %s: %d" % (s, c or "", n) for (s, c), n in sorted(outcomes.items(),
                                                                                        key=str)))
    good = issued == counted == STOCK and (most or 0) <= LIMIT and errors == 0 and len(results) == args.claims
    print("  issued %d (campaign says %d, stock %d); most held by one resident %d (limit %d); 5xx %d: %s" % (
        issued, counted, STOCK, most or 0, LIMIT, errors, "OK" if good else "FAILED"))
    return good


if __name__ == "__main__":
    sys.exit(main())
