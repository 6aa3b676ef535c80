"""The text-message path of /wechat (signature, parse, dedup, store, intake, reply) under
gunicorn with 2 workers, against a bare Flask app doing only wechatpy's check_signature +
parse_message + create_reply, in the same run and under the same load.

Every message is a new report ("报修 ...") with its own MsgId from one of 200 residents, so
each one stores a message, files a case and routes it. Prints throughput, p50/p99 and the ratio,
on SQLite and (when it answers) on PostgreSQL, then checks that every answered message made
exactly one case. Targets: ratio >= 0.5 and p99 < 50 ms at 8 connections on SQLite.

    .venv/bin/python -m bench.gateway [--seconds 10] [--connections 8]
"""
import argparse
import hashlib
import http.client
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.pg import temporary_schema

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN = "bench-token"
RESIDENTS = 200
PG_URL = os.environ.get("LINLI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    with temporary_schema(PG_URL) as pg_schema:
        return _run_all(args, pg_schema)


def _run_all(args, pg_schema):
    runs = [("SQLite", None)]
    if pg_schema:
        runs.append(("PostgreSQL", "%s?options=-csearch_path%%3D%s" % (PG_URL, pg_schema)))
    else:
        print("PostgreSQL at %s does not answer: SQLite only" % PG_URL)

    ok = True
    bare = _measure("bare wechatpy app", "bench.bare_app:app", {}, args)
    for name, database_url in runs:
        env = _prepare(database_url)
        linli = _measure("Linli /wechat (%s)" % name, "wsgi:create_app()", env, args)
        ratio = linli["rps"] / bare["rps"]
        cases = _count_cases(env)
        print("  ratio to bare: %.2f (target >= 0.5); p99 %.1f ms (target < 50 on SQLite)"
              % (ratio, linli["p99"]))
        print("  answered %d, cases filed %d%s" % (linli["ok"], cases,
                                                   "" if cases == linli["ok"] else "  MISMATCH"))
        ok &= cases == linli["ok"] and linli["errors"] == 0
    return 0 if ok else 1


def _prepare(database_url):
    data_dir = tempfile.mkdtemp(prefix="linli-bench-gw-")
    env = dict(os.environ, LINLI_DATA_DIR=data_dir, WECHAT_TOKEN=TOKEN, LOG_LEVEL="WARNING",
               WECHAT_APPID="wx-bench", WECHAT_SECRET="bench")
    for name in ("REDIS_URL", "WECHAT_AES_KEY", "TASKS_IMMEDIATE"):
        env.pop(name, None)
    if database_url:
        env.update(DATABASE_URL=database_url, SECRET_KEY="bench-secret-key-0123456789")
    else:
        env.pop("DATABASE_URL", None)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", _SEED_RESIDENTS], cwd=ROOT, env=env, check=True)
    return env


_SEED_RESIDENTS = """
from wsgi import create_app
from models.community import Building
from models.db import connected, db
from models.people import Resident
create_app()
with connected(), db.atomic():
    buildings = list(Building.select())
    for n in range(%d):
        b = buildings[n %% len(buildings)]
        Resident.create(oa_openid="o-bench-%%d" %% n, building=b, community=b.community_id,
                        address_state="confirmed", subscribed=True)
""" % RESIDENTS


def _measure(label, app_spec, env, args):
    port = _free_port()
    server_env = dict(os.environ, **env) if env else dict(os.environ)
    server_env.update(LINLI_BIND="127.0.0.1:%d" % port, WEB_CONCURRENCY="2")
    command = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null"]
    if not env:                      # the bare app has no database to check at start
        command = [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread",
                   "--threads", "4", "--bind", "127.0.0.1:%d" % port]
    log = tempfile.NamedTemporaryFile(prefix="linli-bench-server-", suffix=".log", delete=False)
    server = subprocess.Popen(command + [app_spec], cwd=ROOT, env=server_env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(port)
        result = _load(port, args.connections, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    print("%s: %.0f messages/s, p50 %.1f ms, p99 %.1f ms, %d errors (%d connections, %.0f s)"
          % (label, result["rps"], result["p50"], result["p99"], result["errors"],
             args.connections, args.seconds))
    if result["errors"]:
        problems = [line for line in Path(log.name).read_text().splitlines()
                    if "Error" in line or "error" in line]
        print("  server log %s; first problems:\n    %s" % (log.name, "\n    ".join(problems[:5])))
    return result


def _load(port, connections, seconds):
    queue = multiprocessing.Queue()
    start_at = time.time() + 0.5
    workers = [multiprocessing.Process(target=_client, args=(port, n, start_at, seconds, queue))
               for n in range(connections)]
    for w in workers:
        w.start()
    latencies, errors = [], 0
    for _ in workers:
        lat, err = queue.get()
        latencies += lat
        errors += err
    for w in workers:
        w.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"rps": len(latencies) / seconds, "p50": q[49], "p99": q[98], "errors": errors,
            "ok": len(latencies)}


def _client(port, number, start_at, seconds, queue):
    timestamp = str(int(time.time()))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, errors, seq = [], 0, 0
    time.sleep(max(0, start_at - time.time()))
    stop_at = start_at + seconds
    while time.time() < stop_at:
        seq += 1
        openid = "o-bench-%d" % ((number * 7919 + seq) % RESIDENTS)
        body = ("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
                "<FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%s</CreateTime>"
                "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[报修 %d号楼楼道灯不亮了]]></Content>"
                "<MsgId>%d</MsgId></xml>" % (openid, timestamp, seq % 39 + 1,
                                              int(start_at) * 10 ** 6 + number * 10 ** 5 + seq)).encode()
        # Signed per push with its own nonce, as WeChat does: a signed URL is good for one body.
        nonce = uuid.uuid4().hex[:10]
        signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
        path = "/wechat?signature=%s&timestamp=%s&nonce=%s&openid=x" % (signature, timestamp, nonce)
        began = time.perf_counter()
        try:
            conn.request("POST", path, body, {"Content-Type": "text/xml"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
                continue
        except (OSError, http.client.HTTPException):
            errors += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append((time.perf_counter() - began) * 1000)
    queue.put((latencies, errors))


def _count_cases(env):
    code = ("from wsgi import create_app\nfrom models.db import connected\nfrom models.cases import Case\n"
            "create_app()\nwith connected():\n"
            "    print(Case.select().where(Case.channel == 'official_account').count())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


def _wait_for(port):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server on port %d did not start" % port)


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
