"""Soak: a mixed load against gunicorn (2 workers) on PostgreSQL and Redis for a set number of
minutes, then the invariants.

Load, over N connections, each request drawn at random: WeChat text messages (5% are WeChat's
retries of an earlier MsgId), case filings from the mini-program (10% replay an earlier
Idempotency-Key), coupon claims, redemptions at the counter (some of the same code at once),
and the grid worker's queue. Prints throughput, errors (5xx and broken connections), p50/p99
per kind and the workers' memory growth, then checks: no answered message lost, no duplicate
case, coupons issued <= stock and within each resident's limit, no code redeemed twice.

    .venv/bin/python -m bench.soak [--minutes 2] [--connections 16]
"""
import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from bench.pg import temporary_schema
from bench.serving import wait_for
from bench.world import residents_and_campaign
from bench.world import seeded

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("LINLI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LINLI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TOKEN = "soak-token"
# Enough residents that none reaches the filing limit (20 new cases an hour, messages and the
# mini-program counted together) at the rates this machine reaches: with 500, a minute at 167
# requests/s gave one resident a 21st filing, answered "too many" with no case by design, and
# the "each message one case" check failed on that, not on a lost case.
RESIDENTS, STOCK, LIMIT = 2000, 2000, 3
MIX = (("message", 40), ("file", 15), ("claim", 20), ("redeem", 10), ("queue", 15))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8788)
    args = parser.parse_args()
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()
    with temporary_schema(PG_URL, prefix="linli_soak") as schema:
        if schema is None:
            print("PostgreSQL at %s does not answer" % PG_URL)
            return 1
        env = {k: v for k, v in os.environ.items() if k not in ("TASKS_IMMEDIATE",)}
        env.update(DATABASE_URL="%s?options=-csearch_path%%3D%s" % (PG_URL, schema), REDIS_URL=REDIS_URL,
                   SECRET_KEY="soak-secret-key-0123456789abcdef", WECHAT_TOKEN=TOKEN, WECHAT_APPID="wx-soak",
                   LINLI_DATA_DIR=tempfile.mkdtemp(prefix="linli-soak-"), LOG_LEVEL="WARNING",
                   WEB_CONCURRENCY="2", LINLI_BIND="127.0.0.1:%d" % args.port)
        world = _prepare(env)
        web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                "--access-logfile", "/dev/null", "wsgi:create_app()"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(args.port)
            log = _load("http://127.0.0.1:%d" % args.port, world, args, web.pid)
        finally:
            web.terminate()
            web.wait(timeout=30)
        return _report(env, world, log, args)


def _prepare(env):
    from miniprogram_api.auth import issue
    from models.merchants import MerchantStaff
    from models.people import Staff
    with seeded(env):
        residents, tokens, merchant, campaign = residents_and_campaign(RESIDENTS, "o-soak-", STOCK, LIMIT,
                                                                       spread_over_buildings=True)
        clerks = [MerchantStaff.create(merchant=merchant, name="店员%d" % i, role="clerk", openid="clerk-%d" % i)
                  for i in range(3)]
        return {"residents": [(r.oa_openid, token) for r, token in zip(residents, tokens, strict=True)],
                "clerks": [issue(c, "merchant")[0] for c in clerks],
                "staff": issue(Staff.get(Staff.username == "grid1"), "staff")[0], "campaign": campaign.id}


def _load(url, world, args, master_pid):
    stop_at = time.time() + args.minutes * 60
    lock = threading.Lock()
    log = {"latency": {k: [] for k, _ in MIX}, "status": {}, "errors": 0, "answered_msgids": set(),
           "filing_keys": {}, "codes": [], "rss": []}
    kinds = [k for k, weight in MIX for _ in range(weight)]

    def note(kind, status, took):
        with lock:
            log["status"][(kind, status)] = log["status"].get((kind, status), 0) + 1
            log["latency"][kind].append(took)
            if status >= 500:
                log["errors"] += 1

    def connection(number):
        rng = random.Random(number)
        session = requests.Session()
        sent_msgids, keys = [], []
        while time.time() < stop_at:
            kind = rng.choice(kinds)
            openid, token = rng.choice(world["residents"])
            began = time.perf_counter()
            try:
                if kind == "message":
                    msgid = rng.choice(sent_msgids) if sent_msgids and rng.random() < 0.05 else \
                        rng.randrange(10 ** 15, 10 ** 16)
                    answer = session.post(url + _push_query(), data=_text(openid, msgid), timeout=15,
                                          headers={"Content-Type": "text/xml"})
                    if answer.status_code == 200:
                        sent_msgids.append(msgid)
                        with lock:
                            log["answered_msgids"].add(msgid)
                elif kind == "file":
                    # A replay is the same resident's tap arriving again: keys belong to a resident.
                    if keys and rng.random() < 0.1:
                        key, token = rng.choice(keys)
                    else:
                        key = uuid.uuid4().hex
                    answer = session.post(url + "/api/mp/reports", json={"description": "楼道灯坏了，浸泡测试"},
                                          headers={"Authorization": "Bearer " + token, "Idempotency-Key": key},
                                          timeout=15)
                    if answer.status_code in (200, 201):
                        keys.append((key, token))
                        with lock:
                            log["filing_keys"].setdefault(key, set()).add(answer.json()["number"])
                elif kind == "claim":
                    answer = session.post(url + "/api/mp/campaigns/%d/claim" % world["campaign"],
                                          headers={"Authorization": "Bearer " + token,
                                                   "Idempotency-Key": uuid.uuid4().hex}, timeout=15)
                    if answer.status_code == 201:
                        with lock:
                            log["codes"].append(answer.json()["code"])
                elif kind == "redeem":
                    with lock:
                        code = rng.choice(log["codes"][-50:]) if log["codes"] else None
                    if code is None:
                        continue
                    answer = session.post(url + "/api/mp/merchant/redeem", json={"code": code, "order_fen": 3000},
                                          headers={"Authorization": "Bearer " + rng.choice(world["clerks"])},
                                          timeout=15)
                else:
                    answer = session.get(url + "/api/mp/staff/cases?size=20",
                                         headers={"Authorization": "Bearer " + world["staff"]}, timeout=15)
            except requests.RequestException:
                with lock:
                    log["errors"] += 1
                continue
            note(kind, answer.status_code, (time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=connection, args=(n,)) for n in range(args.connections)]
    began = time.time()
    for t in threads:
        t.start()
    time.sleep(min(10, args.minutes * 60 / 4))
    log["rss"].append(_workers_rss(master_pid))
    for t in threads:
        t.join()
    log["rss"].append(_workers_rss(master_pid))
    log["elapsed"] = time.time() - began
    return log


def _report(env, world, log, args):
    from peewee import fn

    from linli.config import Settings
    from models.account import InboundMessage
    from models.cases import Case
    from models.coupons import Campaign
    from models.coupons import Coupon
    from models.coupons import RedemptionAttempt
    from models.db import close_all
    from models.db import connected
    from wsgi import create_app
    total = sum(log["status"].values())
    print("soak: %.1f min, %d connections, gunicorn 2 workers on PostgreSQL + Redis" % (args.minutes, args.connections))
    print("  %d requests, %.0f/s; errors (5xx or broken connections): %d" % (total, total / log["elapsed"],
                                                                           log["errors"]))
    for kind, samples in log["latency"].items():
        if len(samples) > 1:
            q = statistics.quantiles(samples, n=100, method="inclusive")
            answers = ", ".join("%d×%d" % (n, s) for (k, s), n in sorted(log["status"].items()) if k == kind)
            print("  %-8s p50 %5.0f ms  p99 %5.0f ms  (%s)" % (kind, q[49], q[98], answers))
    start_rss, end_rss = log["rss"]
    print("  workers' memory: %s MB after warm-up, %s MB at the end" % (
        "+".join("%.0f" % (r / 1024) for r in start_rss), "+".join("%.0f" % (r / 1024) for r in end_rss)))
    app = create_app(Settings.from_env(env))
    with app.app_context(), connected():
        stored = InboundMessage.select().count()
        message_cases = Case.select().where(Case.channel == "official_account").count()
        filed = Case.select().where(Case.channel == "miniprogram").count()
        campaign = Campaign.get_by_id(world["campaign"])
        coupons = Coupon.select().where(Coupon.campaign == campaign.id).count()
        most = (Coupon.select(fn.COUNT(Coupon.id)).where(Coupon.campaign == campaign.id).group_by(Coupon.resident)
                .order_by(fn.COUNT(Coupon.id).desc()).limit(1).scalar()) or 0
        twice = (RedemptionAttempt.select(RedemptionAttempt.coupon).where(
            (RedemptionAttempt.outcome == "ok") & (RedemptionAttempt.action == "redeem"))
            .group_by(RedemptionAttempt.coupon).having(fn.COUNT(RedemptionAttempt.id) > 1).count())
        redeemed = Coupon.select().where(Coupon.state == "redeemed").count()
    close_all()
    keys_ok = all(len(numbers) == 1 for numbers in log["filing_keys"].values())
    checks = [
        ("every answered message stored once", stored == len(log["answered_msgids"]),
         "%d stored, %d distinct answered" % (stored, len(log["answered_msgids"]))),
        ("each message one case", message_cases == stored, "%d cases from %d messages" % (message_cases, stored)),
        ("no duplicate case per Idempotency-Key", keys_ok and filed == len(log["filing_keys"]),
         "%d cases, %d keys" % (filed, len(log["filing_keys"]))),
        ("coupons issued <= stock and counted", coupons == campaign.claimed <= STOCK,
         "%d issued, campaign says %d, stock %d" % (coupons, campaign.claimed, STOCK)),
        ("no resident over the limit", most <= LIMIT, "most held by one: %d (limit %d)" % (most, LIMIT)),
        ("no code redeemed twice", twice == 0, "%d redeemed, %d redeemed twice" % (redeemed, twice)),
        ("no server errors", log["errors"] == 0, "%d" % log["errors"]),
    ]
    for name, ok, detail in checks:
        print("  %-40s %s  (%s)" % (name, "OK" if ok else "FAILED", detail))
    return 0 if all(ok for _, ok, _ in checks) else 1


def _push_query():
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return "/wechat?signature=%s&timestamp=%s&nonce=%s&openid=x" % (signature, timestamp, nonce)


def _text(openid, msgid):
    return ("<xml><ToUserName><![CDATA[gh_soak]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
            "<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[报修 楼道灯不亮了]]></Content><MsgId>%d</MsgId></xml>"
            % (openid, int(time.time()), msgid)).encode()


def _workers_rss(master_pid):
    """Resident memory (KB) of each gunicorn worker, the master's children."""
    sizes = []
    for child in Path("/proc/%d/task/%d/children" % (master_pid, master_pid)).read_text().split():
        for line in Path("/proc/%s/status" % child).read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]))
    return sizes


if __name__ == "__main__":
    sys.exit(main())
