"""Linli's own work for a text report, written raw: the reference that tells Linli's Python from
the work itself (bench/gateway.py, SQLite).

The same statements Linli runs for a new report pushed as text, traced from the service and
replayed here on Linli's own migrated schema with nothing but sqlite3 and wechatpy: the replay
guard's row, the message, a savepoint, the resident with their building, the open case of the
last 5 minutes, the filing limit's two windows, the day's case number, the grid worker, the case,
its two events, the message's reply, one COMMIT (BEGIN IMMEDIATE, WAL, synchronous=NORMAL,
foreign keys on, as Linli). The same indexes are written, so the same pages reach the WAL. What
it leaves out is Linli's Python: peewee, the domain functions, Flask's hooks. It files only what
the bench sends (existing residents, a building with a grid worker, no earlier case to join).

    LINLI_DATA_DIR=... gunicorn 'bench.raw_linli_intake:app'   (a database `flask db upgrade`d
    and seeded as bench/gateway.py does)
"""
import datetime
import hashlib
import os
import threading
import time

from flask import Flask
from flask import request
from wechatpy import create_reply
from wechatpy import parse_message
from wechatpy.utils import check_signature

TOKEN = "bench-token"
PATH = os.path.join(os.environ.get("LINLI_DATA_DIR", "."), "linli.db")
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MERGE_WINDOW = datetime.timedelta(minutes=5)
OPEN = ("submitted", "accepted", "in_progress", "reopened")

# The columns Linli reads (its models' fields, in their order).
_RESIDENT = (
    'SELECT t1."id", t1."oa_openid", t1."mp_openid", t1."unionid", t1."nickname", t1."avatar_url", t1."phone", '
    't1."community_id", t1."building_id", t1."unit_id", t1."room", t1."address_state", t1."address_confirmed_by_id", '
    't1."address_confirmed_at", t1."subscribed", t1."subscribed_at", t1."unsubscribed_at", t1."created_at", '
    't1."updated_at", t1."household_id", t2."id", t2."community_id", t2."estate_id", t2."grid_id", t2."name", '
    't2."qr_scene", t2."qr_ticket", t2."active" FROM "resident" AS t1 LEFT OUTER JOIN "building" AS t2 '
    'ON t1."building_id" = t2."id" WHERE t1."oa_openid" = ? LIMIT 1')
_CASE_COLUMNS = ", ".join('"%s"' % c for c in (
    "id number community_id category_id description building_id unit_id location_x location_y location_label "
    "reporter_id anonymous photos_public channel level assignee_id state level_started_at response_due_at "
    "resolve_due_at responded_at resolved_at confirmed_at closed_at rating rating_comment merged_into_id "
    "created_at updated_at").split())
_STAFF_COLUMNS = ", ".join('t1."%s"' % c for c in (
    "id username password_hash name phone phone_public oa_openid mp_openid active created_at "
    "session_generation").split())

app = Flask(__name__)
_local = threading.local()


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        import sqlite3
        conn = _local.conn = sqlite3.connect(PATH, timeout=10, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=wal", "synchronous=normal", "foreign_keys=1", "busy_timeout=10000"):
            conn.execute("PRAGMA " + pragma)
    return conn


@app.post("/wechat")
def receive():
    args = request.args
    check_signature(TOKEN, args["signature"], args["timestamp"], args["nonce"])
    body = request.get_data()
    message = parse_message(body)
    signed = (args["timestamp"], args["nonce"], args["signature"], hashlib.sha256(body).hexdigest())
    return intake(message, body.decode(), signed)


def intake(message, xml, signed):
    cur = _connection().cursor()
    cur.execute("BEGIN IMMEDIATE")
    try:
        reply = _file(cur, message, xml, signed)
        cur.execute("COMMIT")
        return reply
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def _file(cur, message, xml, signed):
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    cur.execute('INSERT INTO "seen_push" ("key", "body_hash", "expires_at") VALUES (?, ?, ?) '
                'ON CONFLICT ("key") DO NOTHING RETURNING "key"',
                (hashlib.sha1("|".join(signed[:3]).encode()).hexdigest(), signed[3], int(time.time()) + 360))
    cur.fetchall()
    cur.execute(
        'INSERT INTO "inbound_message" ("dedup_key", "openid", "msg_type", "event", "event_key", "content", '
        '"media_id", "pic_url", "location_x", "location_y", "location_label", "title", "url", "media_path", '
        '"media_check", "wechat_time", "raw_xml", "state", "error", "received_at") VALUES '
        '(?, ?, ?, \'\', \'\', ?, \'\', \'\', NULL, NULL, \'\', \'\', \'\', \'\', \'\', ?, ?, \'received\', \'\', ?) '
        'ON CONFLICT ("dedup_key") DO NOTHING RETURNING "id"',
        ("msg:%s" % message.id, message.source, "text", message.content, int(message.time), xml, now))
    row = cur.fetchone()
    if row is None:        # WeChat's retry: the first try's reply
        cur.execute('SELECT "reply_xml" FROM "inbound_message" WHERE "dedup_key" = ?', ("msg:%s" % message.id,))
        return cur.fetchone()[0]
    message_id = row[0]
    cur.execute('SAVEPOINT "handling"')
    cur.execute(_RESIDENT, (message.source,))
    resident = cur.fetchone()
    resident_id, community_id, building_id, unit_id = resident[0], resident[7], resident[8], resident[9]
    grid_id = resident[23]
    cur.execute('SELECT ' + _CASE_COLUMNS + ' FROM "report" WHERE "reporter_id" = ? AND "channel" = ? '
                'AND "state" IN (?, ?, ?, ?) AND "created_at" >= ? ORDER BY "created_at" DESC, "id" DESC LIMIT 1',
                (resident_id, "official_account") + OPEN + (now - MERGE_WINDOW,))
    cur.fetchall()
    window = int(time.time()) // 3600 * 3600
    cur.execute('INSERT INTO "rate_counter" ("key", "window", "count") VALUES (?, ?, 1) '
                'ON CONFLICT ("key", "window") DO UPDATE SET "count" = "rate_counter"."count" + 1 RETURNING "count"',
                ("file:%d" % resident_id, window))
    cur.fetchall()
    cur.execute('SELECT "count" FROM "rate_counter" WHERE "key" = ? AND "window" = ?',
                ("file:%d" % resident_id, window - 3600))
    cur.fetchall()
    day = now.replace(tzinfo=datetime.timezone.utc).astimezone(SHANGHAI).strftime("%y%m%d")
    cur.execute('INSERT INTO "case_counter" ("day", "last") VALUES (?, 1) ON CONFLICT ("day") '
                'DO UPDATE SET "last" = "case_counter"."last" + 1 RETURNING "last"', (day,))
    number = "R%s%04d" % (day, cur.fetchone()[0])
    cur.execute('SELECT ' + _STAFF_COLUMNS + ' FROM "staff" AS t1 '
                'INNER JOIN "role_assignment" AS t2 ON t2."staff_id" = t1."id" '
                'WHERE t2."grid_id" = ? AND t2."role" = ? AND t1."active" = 1 ORDER BY t2."id" LIMIT 1',
                (grid_id, "grid_worker"))
    staff = cur.fetchone()
    description = message.content.removeprefix("报修").strip()
    cur.execute(
        'INSERT INTO "report" ("number", "community_id", "category_id", "description", "building_id", "unit_id", '
        '"location_label", "reporter_id", "anonymous", "photos_public", "channel", "level", "assignee_id", "state", '
        '"level_started_at", "response_due_at", "resolve_due_at", "rating_comment", "created_at", "updated_at") '
        'VALUES (?, ?, NULL, ?, ?, ?, \'\', ?, 0, 0, \'official_account\', 1, ?, \'submitted\', ?, ?, ?, \'\', ?, ?) '
        'RETURNING "id"',
        (number, community_id, description, building_id, unit_id, resident_id, staff[0], now,
         now + datetime.timedelta(hours=2), now + datetime.timedelta(hours=24), now, now))
    case_id = cur.fetchone()[0]
    cur.execute('INSERT INTO "report_event" ("report_id", "kind", "actor_resident_id", "public", "note", '
                '"source_message_id", "created_at") VALUES (?, \'submitted\', ?, 1, ?, ?, ?) RETURNING "id"',
                (case_id, resident_id, description, message_id, now))
    cur.fetchall()
    cur.execute('INSERT INTO "report_event" ("report_id", "kind", "public", "note", "created_at") '
                'VALUES (?, \'assigned\', 1, ?, ?) RETURNING "id"', (case_id, "已分派给%s" % staff[3], now))
    cur.fetchall()
    cur.execute('RELEASE SAVEPOINT "handling"')
    reply = create_reply("已收到您的反映，案件编号 %s。\n已转交网格员%s，会尽快与您联系并处理。\n回复“进度”可随时查询。"
                         % (number, staff[3]), message).render()
    cur.execute('UPDATE "inbound_message" SET "resident_id" = ?, "state" = \'handled\', "reply_xml" = ?, '
                '"handled_at" = ? WHERE "id" = ?', (resident_id, reply, now, message_id))
    return reply
