"""The minimal raw intake reference for bench/gateway.py: what filing a case from a WeChat text
push costs with nothing but the driver (sqlite3 or psycopg2) and wechatpy.

Per push, in one transaction, with the same durability as Linli (SQLite WAL with
synchronous=NORMAL and BEGIN IMMEDIATE; PostgreSQL's default commit): the message is stored under
its MsgId (a retry reads the first reply back), a number is taken from the day's counter row,
the resident's grid worker is looked up, the routed case is inserted and the reply (naming the
case number) is stored on the message. One connection per worker thread, kept.

    RAW_INTAKE_DB=sqlite:///path.db | postgresql://...  gunicorn 'bench.raw_intake:app'
    python -m bench.raw_intake setup   (creates and seeds the tables: RAW_INTAKE_RESIDENTS)
"""
import datetime
import os
import sys
import threading

from flask import Flask
from flask import request
from wechatpy import create_reply
from wechatpy import parse_message
from wechatpy.utils import check_signature

TOKEN = "bench-token"
URL = os.environ.get("RAW_INTAKE_DB", "")
POSTGRES = URL.startswith("postgres")
P = "%s" if POSTGRES else "?"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))

SCHEMA = """
CREATE TABLE raw_message (id {serial} PRIMARY KEY, msg_id VARCHAR(64) NOT NULL UNIQUE,
    openid VARCHAR(64) NOT NULL, content TEXT NOT NULL, reply TEXT, received_at TIMESTAMP NOT NULL);
CREATE TABLE raw_counter (day VARCHAR(6) PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE raw_resident (openid VARCHAR(64) PRIMARY KEY, grid INTEGER NOT NULL);
CREATE TABLE raw_grid_worker (grid INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE TABLE raw_case (id {serial} PRIMARY KEY, number VARCHAR(20) NOT NULL UNIQUE,
    message_id INTEGER NOT NULL REFERENCES raw_message (id), openid VARCHAR(64) NOT NULL,
    grid INTEGER NOT NULL, assignee VARCHAR(40), description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL);
"""

app = Flask(__name__)
_local = threading.local()


def _connect():
    if POSTGRES:
        import psycopg2
        return psycopg2.connect(URL)
    import sqlite3
    conn = sqlite3.connect(URL.removeprefix("sqlite:///"), timeout=10, isolation_level=None,
                           check_same_thread=False)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=normal")
    return conn


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = _connect()
    return conn


@app.post("/wechat")
def receive():
    args = request.args
    check_signature(TOKEN, args["signature"], args["timestamp"], args["nonce"])
    message = parse_message(request.get_data())
    return create_reply(intake(message), message).render()


def intake(message):
    conn = _connection()
    cur = conn.cursor()
    if not POSTGRES:
        cur.execute("BEGIN IMMEDIATE")
    try:
        reply = _file(cur, message)
        conn.commit() if POSTGRES else cur.execute("COMMIT")
        return reply
    except BaseException:
        conn.rollback() if POSTGRES else cur.execute("ROLLBACK")
        raise


def _file(cur, message):
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    cur.execute("INSERT INTO raw_message (msg_id, openid, content, received_at) VALUES ({p}, {p}, {p}, {p}) "
                "ON CONFLICT (msg_id) DO NOTHING RETURNING id".format(p=P),
                (str(message.id), message.source, message.content, now))
    row = cur.fetchone()
    if row is None:        # WeChat's retry: the first try's reply
        cur.execute("SELECT reply FROM raw_message WHERE msg_id = %s" % P, (str(message.id),))
        return cur.fetchone()[0]
    message_id = row[0]
    day = now.replace(tzinfo=datetime.timezone.utc).astimezone(SHANGHAI).strftime("%y%m%d")
    cur.execute("INSERT INTO raw_counter (day, last) VALUES ({p}, 1) ON CONFLICT (day) "
                "DO UPDATE SET last = raw_counter.last + 1 RETURNING last".format(p=P), (day,))
    number = "R%s%04d" % (day, cur.fetchone()[0])
    cur.execute("SELECT r.grid, w.name FROM raw_resident r LEFT JOIN raw_grid_worker w ON w.grid = r.grid "
                "WHERE r.openid = %s" % P, (message.source,))
    grid, assignee = cur.fetchone()
    cur.execute("INSERT INTO raw_case (number, message_id, openid, grid, assignee, description, created_at) "
                "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})".format(p=P),
                (number, message_id, message.source, grid, assignee, message.content, now))
    reply = "已收到您的反映，案件编号 %s。已转交网格员%s。" % (number, assignee)
    cur.execute("UPDATE raw_message SET reply = {p} WHERE id = {p}".format(p=P), (reply, message_id))
    return reply


def setup(residents):
    conn = _connect()
    cur = conn.cursor()
    for statement in SCHEMA.format(serial="SERIAL" if POSTGRES else "INTEGER").split(";"):
        if statement.strip():
            cur.execute(statement)
    for grid in range(10):
        cur.execute("INSERT INTO raw_grid_worker VALUES ({p}, {p})".format(p=P), (grid, "网格员%d" % grid))
    for n in range(residents):
        cur.execute("INSERT INTO raw_resident VALUES ({p}, {p})".format(p=P), ("o-bench-%d" % n, n % 10))
    conn.commit()
    conn.close()


def check():
    """(cases, messages answered, messages holding other than one case)."""
    cur = _connect().cursor()
    cur.execute("SELECT count(*) FROM raw_case")
    cases = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM raw_message WHERE reply IS NOT NULL")
    answered = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM raw_message m WHERE (SELECT count(*) FROM raw_case c "
                "WHERE c.message_id = m.id) != 1")
    return cases, answered, cur.fetchone()[0]


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(int(os.environ.get("RAW_INTAKE_RESIDENTS", "200")))
    else:
        print("%d %d %d" % check())
