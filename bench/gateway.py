"""The text-message path of /wechat (signature, parse, dedup, store, intake, reply) under
gunicorn with 2 workers, against its two references measured in the same run and under the same
load: a bare Flask app doing only wechatpy's check_signature + parse_message + create_reply
(bench/bare_app.py), and a minimal raw intake app (bench/raw_intake.py: stores the message, takes
a number from a counter, inserts a routed case and replies naming it, with raw sqlite3 or
psycopg2, at the same durability). On SQLite a third: Linli's own statements for the same push
replayed raw on its schema (bench/raw_linli_intake.py), which separates what the work costs from
what Linli's Python costs.

Every message is a new report ("报修 ...") with its own MsgId from one of 200 residents, so
each one stores a message, files a case and routes it. Prints msg/s, p50/p95/p99, Linli's ratio
to the raw intake, the machine (cores, load average), on SQLite and (when it answers)
PostgreSQL; then checks that every answered message holds exactly one case and that a retried
push (same MsgId, signed anew) gets the same reply. With --runs N each figure is the median of N.
Targets (issue 21): on SQLite Linli >= 0.5x the raw intake and p99 < 50 ms; on PostgreSQL
p99 < 50 ms; 8 connections.

    .venv/bin/python -m bench.gateway [--seconds 10] [--connections 8] [--runs 3]
        [--only sqlite|postgres] [--linli-root DIR ...]  (DIR: a checkout; main's and this one
        side by side give "before" and "after" in one run) [--flame OUT]

--flame OUT adds one more Linli run per database, not counted in the figures, with py-spy
sampling its workers: OUT/linli-sqlite.svg and OUT/linli-postgres.svg, flame graphs of where a
push's time goes (py-spy is in requirements-dev.txt).
"""
import argparse
import hashlib
import http.client
import multiprocessing
import os
import re
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
SAMPLES_PER_CLIENT = 3           # answered pushes per client sent again for the retry check


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--linli-root", type=Path, action="append",
                        help="a checkout to measure as Linli (repeatable: e.g. main's beside this one); "
                             "default this one")
    parser.add_argument("--flame", type=Path, metavar="OUT",
                        help="one more, uncounted Linli run per database under py-spy: OUT/linli-<db>.svg")
    args = parser.parse_args()
    args.linli_root = args.linli_root or [ROOT]
    print("machine: %d cores, load average %s; Linli from %s"
          % (os.cpu_count(), _load_average(), ", ".join(map(str, args.linli_root))))
    with temporary_schema(PG_URL) as pg_schema:
        try:
            return _run_all(args, pg_schema)
        finally:
            _drop_extra_schemas()


def _run_all(args, pg_schema):
    runs = [] if args.only == "postgres" else [("SQLite", None)]
    if args.only != "sqlite":
        if pg_schema:
            runs.append(("PostgreSQL", "%s?options=-csearch_path%%3D%s" % (PG_URL, pg_schema)))
        else:
            print("PostgreSQL at %s does not answer: not measured" % PG_URL)
    ok = True
    for name, database_url in runs:
        threads = "4" if database_url else "2"       # as deploy/gunicorn.conf.py chooses
        linlis = ["Linli" if len(args.linli_root) == 1 else "Linli (%s)" % root for root in args.linli_root]
        # SQLite only: Linli's own statements written raw on its schema (bench/raw_linli_intake.py),
        # which tells the cost of the work from the cost of Linli's Python.
        own_work = [] if database_url else [RAW_LINLI]
        results = {app: [] for app in ["bare wechatpy app", "minimal raw intake"] + own_work + linlis}
        for n in range(args.runs):
            results["bare wechatpy app"].append(_measure("bench.bare_app:app", {}, args, ROOT, threads))
            raw_env = _prepare_raw(database_url)      # fresh per run, as Linli's
            raw = _measure("bench.raw_intake:app", raw_env, args, ROOT, threads)
            results["minimal raw intake"].append(raw)
            ok &= _checks(name, "raw intake", raw, raw_env, ROOT, _raw_counts)
            if own_work:
                own_env = _prepare(None, ROOT)
                own = _measure("bench.raw_linli_intake:app", own_env, args, ROOT, threads)
                results[RAW_LINLI].append(own)
                ok &= _checks(name, RAW_LINLI, own, own_env, ROOT, _linli_counts)
            for label, root in zip(linlis, args.linli_root, strict=True):
                # A fresh database per run and checkout: each files into the same starting state.
                linli_env = _prepare(database_url, root, fresh_schema=bool(n or label != linlis[0]))
                result = _measure("wsgi:create_app()", linli_env, args, root)
                results[label].append(result)
                ok &= _checks(name, label, result, linli_env, root, _linli_counts)
            print("  %s run %d: %s" % (name, n + 1, ", ".join(
                "%s %.0f msg/s (load %s)" % (app, runs[-1]["rps"], runs[-1]["load"]) for app, runs in results.items())))
        _report(name, results, args)
        if args.flame:
            _flame(args, name, database_url, args.linli_root[-1])
    return 0 if ok else 1


RAW_LINLI = "raw, Linli's statements"


def _report(name, results, args):
    median = {app: {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p95", "p99")}
              for app, runs in results.items()}
    raw = median["minimal raw intake"]["rps"]
    print("\n%s, %d connections, %.0f s, median of %d run(s); load average (1, 5, 15 min) at each "
          "Linli run's start: %s" % (name, args.connections, args.seconds, args.runs, " / ".join(
              r["load"] for app, runs in results.items() if app.startswith("Linli") for r in runs)))
    print("| | msg/s | p50 | p95 | p99 | ratio to raw intake |")
    print("|---|---|---|---|---|---|")
    for app, m in median.items():
        print("| %s | %.0f | %.1f ms | %.1f ms | %.1f ms | %.2f |" % (
            app, m["rps"], m["p50"], m["p95"], m["p99"], m["rps"] / raw))
    targets = "ratio >= 0.5, p99 < 50 ms" if name == "SQLite" else "p99 < 50 ms"
    for app, m in median.items():
        if app.startswith("Linli"):
            print("target (%s): %s ratio %.2f, p99 %.1f ms" % (targets, app, m["rps"] / raw, m["p99"]))
    print()


def _checks(name, label, result, env, root, counter):
    """Every answered message holds exactly one case; a retried push gets the same reply."""
    cases, answered, not_one = counter(env, root)
    server = _serve_again(result, env, root)
    try:
        same = _retry_same(result["samples"], server["port"])
    finally:
        server["stop"]()
    cases_after, _, _ = counter(env, root)
    good = (cases == answered == result["ok"] and not_one == 0 and result["errors"] == 0
            and same == len(result["samples"]) and cases_after == cases)
    print("  %s %s: answered %d, messages %d, cases %d, messages without exactly one case %d; "
          "retries answered the same %d of %d, cases after the retries %d%s"
          % (name, label, result["ok"], answered, cases, not_one, same, len(result["samples"]),
             cases_after, "" if good else "  CHECK FAILED"))
    return good


def _prepare(database_url, linli_root, fresh_schema=False):
    data_dir = tempfile.mkdtemp(prefix="linli-bench-gw-")
    env = dict(os.environ, LINLI_DATA_DIR=data_dir, WECHAT_TOKEN=TOKEN, LOG_LEVEL="WARNING",
               WECHAT_APPID="wx-bench", WECHAT_SECRET="bench")
    for name in ("REDIS_URL", "WECHAT_AES_KEY", "TASKS_IMMEDIATE"):
        env.pop(name, None)
    if database_url:
        if fresh_schema:
            database_url = _fresh_pg_schema(database_url)
        env.update(DATABASE_URL=database_url, SECRET_KEY="bench-secret-key-0123456789")
    else:
        env.pop("DATABASE_URL", None)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=linli_root, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo"], cwd=linli_root, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", _SEED_RESIDENTS], cwd=linli_root, env=env, check=True)
    return env


def _fresh_pg_schema(database_url):
    """Another schema beside the run's temporary one (dropped with it: named after it)."""
    import psycopg2
    base = database_url.split("search_path%3D")[1]
    name = "%s_%s" % (base, uuid.uuid4().hex[:4])
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    conn.cursor().execute("CREATE SCHEMA %s" % name)
    conn.close()
    _EXTRA_SCHEMAS.append(name)
    return database_url.replace("search_path%3D" + base, "search_path%3D" + name)


_EXTRA_SCHEMAS = []


def _drop_extra_schemas():
    if _EXTRA_SCHEMAS:
        import psycopg2
        conn = psycopg2.connect(PG_URL)
        conn.autocommit = True
        for name in _EXTRA_SCHEMAS:
            conn.cursor().execute("DROP SCHEMA %s CASCADE" % name)
        conn.close()


def _prepare_raw(database_url):
    if database_url:
        url = _fresh_pg_schema(database_url)
        raw_url = url          # libpq takes the options= parameter as it is
    else:
        raw_url = "sqlite:///%s/raw.db" % tempfile.mkdtemp(prefix="linli-bench-raw-")
    env = dict(os.environ, RAW_INTAKE_DB=raw_url, RAW_INTAKE_RESIDENTS=str(RESIDENTS))
    subprocess.run([sys.executable, "-m", "bench.raw_intake", "setup"], cwd=ROOT, env=env, check=True)
    return env


def _raw_counts(env, root):
    out = subprocess.run([sys.executable, "-m", "bench.raw_intake", "check"], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout
    return tuple(int(x) for x in out.split())


_LINLI_COUNTS = """
from wsgi import create_app
from models.db import connected, db
create_app()
with connected():
    one = lambda sql: db.execute_sql(sql).fetchone()[0]
    from models.cases import Case
    print(Case.select().where(Case.channel == 'official_account').count(),
          one("SELECT count(*) FROM inbound_message WHERE state = 'handled' AND msg_type = 'text'"),
          one("SELECT count(*) FROM inbound_message m WHERE m.msg_type = 'text' AND (SELECT count(*) "
              "FROM report_event e WHERE e.source_message_id = m.id AND e.kind = 'submitted') != 1"))
"""


def _linli_counts(env, root):
    out = subprocess.run([sys.executable, "-c", _LINLI_COUNTS], cwd=root, env=env, check=True,
                         capture_output=True, text=True).stdout
    return tuple(int(x) for x in out.strip().splitlines()[-1].split())


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


def _load_average():
    return "%.2f %.2f %.2f" % os.getloadavg()


def _start(app_spec, env, root, threads=None):
    """gunicorn with 2 workers serving `app_spec`: (port, stop, log, pid). Linli by
    deploy/gunicorn.conf.py, the references by the same settings given on the command line."""
    port = _free_port()
    server_env = dict(env or os.environ)
    server_env.update(LINLI_BIND="127.0.0.1:%d" % port, WEB_CONCURRENCY="2")
    command = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null"]
    if threads:                     # a reference app: no Linli database to check at start
        command = [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread",
                   "--threads", threads, "--bind", "127.0.0.1:%d" % port]
    log = tempfile.NamedTemporaryFile(prefix="linli-bench-server-", suffix=".log", delete=False)
    server = subprocess.Popen(command + [app_spec], cwd=root, env=server_env,
                              stdout=log, stderr=subprocess.STDOUT)

    def stop():
        server.terminate()
        server.wait(timeout=20)
        log.close()
    try:
        _wait_for(port)
    except BaseException:
        stop()
        raise
    return port, stop, log.name, server.pid


def _flame(args, name, database_url, root):
    """Linli once more on a fresh database, its workers sampled by py-spy for the whole load."""
    args.flame.mkdir(parents=True, exist_ok=True)
    out = args.flame / ("linli-%s.svg" % name.lower().replace("postgresql", "postgres"))
    env = _prepare(database_url, root, fresh_schema=True)
    result = _measure("wsgi:create_app()", env, args, root, flame=out)
    print("flame graph of %s (%.0f msg/s while sampled): %s\n" % (name, result["rps"], out))


def _measure(app_spec, env, args, root, threads=None, flame=None):
    port, stop, log, pid = _start(app_spec, env, root, threads)
    load = _load_average()
    sampler = None
    if flame:           # --nonblocking: sampled without pausing the workers
        sampler = subprocess.Popen(
            [str(BIN / "py-spy"), "record", "--pid", str(pid), "--subprocesses", "--nonblocking",
             "--rate", "200", "--duration", str(int(args.seconds + 1)), "--output", str(flame)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = _load(port, args.connections, args.seconds)
    finally:
        if sampler:
            sampler.wait(timeout=args.seconds + 60)
        stop()
    result.update(load=load, app_spec=app_spec, threads=threads)
    if result["errors"]:
        problems = [line for line in Path(log).read_text().splitlines() if "rror" in line]
        print("  %s: %d errors; server log %s; first problems:\n    %s"
              % (app_spec, result["errors"], log, "\n    ".join(problems[:5])))
    return result


def _serve_again(result, env, root):
    port, stop, _, _ = _start(result["app_spec"], env, root, result["threads"])
    return {"port": port, "stop": stop}


def _load(port, connections, seconds):
    queue = multiprocessing.Queue()
    start_at = time.time() + 0.5
    workers = [multiprocessing.Process(target=_client, args=(port, n, start_at, seconds, queue))
               for n in range(connections)]
    for w in workers:
        w.start()
    latencies, errors, samples = [], 0, []
    for _ in workers:
        lat, err, sample = queue.get()
        latencies += lat
        errors += err
        samples += sample
    for w in workers:
        w.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"rps": len(latencies) / seconds, "p50": q[49], "p95": q[94], "p99": q[98],
            "errors": errors, "ok": len(latencies), "samples": samples}


def _push(openid, timestamp, msg_id, building):
    return ("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
            "<FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%s</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[报修 %d号楼楼道灯不亮了]]></Content>"
            "<MsgId>%d</MsgId></xml>" % (openid, timestamp, building, msg_id)).encode()


def _post(conn, timestamp, body):
    """(status, reply body) of one push, signed as WeChat does: its own nonce, a signed URL
    being good for one body."""
    nonce = uuid.uuid4().hex[:10]
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    path = "/wechat?signature=%s&timestamp=%s&nonce=%s&openid=x" % (signature, timestamp, nonce)
    conn.request("POST", path, body, {"Content-Type": "text/xml"})
    response = conn.getresponse()
    return response.status, response.read()


def _client(port, number, start_at, seconds, queue):
    timestamp = str(int(time.time()))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, errors, seq, samples = [], 0, 0, []
    time.sleep(max(0, start_at - time.time()))
    stop_at = start_at + seconds
    while time.time() < stop_at:
        seq += 1
        body = _push("o-bench-%d" % ((number * 7919 + seq) % RESIDENTS), timestamp,
                     int(start_at) * 10 ** 6 + number * 10 ** 5 + seq, seq % 39 + 1)
        began = time.perf_counter()
        try:
            status, reply = _post(conn, timestamp, body)
            if status != 200:
                errors += 1
                continue
        except (OSError, http.client.HTTPException):
            errors += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append((time.perf_counter() - began) * 1000)
        if seq % 97 == 1 and len(samples) < SAMPLES_PER_CLIENT:
            samples.append((timestamp, body, reply))
    queue.put((latencies, errors, samples))


_CONTENT = re.compile(rb"<Content><!\[CDATA\[(.*?)\]\]></Content>", re.S)


def _retry_same(samples, port):
    """How many of `samples` (timestamp, body, first reply), pushed again under a new signed URL
    as WeChat retries, are answered with the same words (the case number included)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    same = 0
    for timestamp, body, first in samples:
        status, again = _post(conn, timestamp, body)
        said_first, said_again = _CONTENT.search(first), _CONTENT.search(again)
        same += (status == 200 and said_first is not None and said_again is not None
                 and said_first.group(1) == said_again.group(1))
    return same


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
