"""The reference for bench/flash_claim.py: the least a claim endpoint can do and still be exact,
written by hand on the driver (psycopg2, or sqlite3 when DATABASE_URL is unset) on Linli's own
schema, served by the same gunicorn settings.

Per claim: the same signed token checked, the resident read, the campaign (with its merchant and
the caller's earlier claim under this Idempotency-Key) read in one statement, then one
transaction: the coupon row (which takes the key), the resident's holding bumped under the limit,
the campaign's counter bumped under the stock; any refusal rolls all back. A connection per
thread, kept. The bench's campaign has no daily limit and no audience, so neither is handled.
"""
import datetime
import json
import os
import secrets
import sqlite3
import threading

from flask import Flask
from flask import request
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

SALT = "linli-mp-session"          # miniprogram_api.auth's: the bench's tokens are Linli's
app = Flask(__name__)
_local = threading.local()
_PG = os.environ.get("DATABASE_URL", "").startswith("postgres")
_serializer = URLSafeTimedSerializer(os.environ["SECRET_KEY"], salt=SALT)


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        if _PG:
            import psycopg2
            conn = psycopg2.connect(os.environ["DATABASE_URL"])
            conn.autocommit = True
        else:
            conn = sqlite3.connect(os.path.join(os.environ["LINLI_DATA_DIR"], "linli.db"), timeout=10,
                                   isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA synchronous = NORMAL")
        _local.conn = conn
    return conn


def _sql(text):
    return text if _PG else text.replace("%s", "?")


def _one(cur, text, *params):
    cur.execute(_sql(text), params)
    return cur.fetchone()


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/api/mp/campaigns/<int:campaign_id>/claim")
def claim(campaign_id):
    try:
        resident_id = _serializer.loads(request.headers["Authorization"][len("Bearer "):], max_age=7 * 86400)["r"]
    except (KeyError, BadSignature):
        return _answer(401, {"error": {"code": "bad_token"}})
    key = request.headers.get("Idempotency-Key") or None
    conn = _connection()
    cur = conn.cursor()
    resident = _one(cur, "SELECT community_id, address_state FROM resident WHERE id = %s", resident_id)
    if resident is None:
        return _answer(401, {"error": {"code": "bad_token"}})
    campaign = _one(cur, "SELECT c.community_id, c.state, c.claimed, c.total_stock, c.per_resident_limit,"
                         " c.valid_days, c.title, m.name, (SELECT id FROM coupon WHERE resident_id = %s"
                         " AND idempotency_key = %s) FROM campaign c JOIN merchant m ON m.id = c.merchant_id"
                         " WHERE c.id = %s", resident_id, key, campaign_id)
    if campaign is None:
        return _answer(404, {"error": {"code": "campaign_not_found"}})
    community, state, claimed, stock, limit, valid_days, title, merchant, earlier = campaign
    if earlier:
        return _coupon(cur, earlier, 200)
    if resident[1] != "confirmed" or resident[0] != community:
        return _answer(403, {"error": {"code": "not_eligible"}})
    if state != "live":
        return _answer(409, {"error": {"code": "not_live"}})
    if claimed >= stock:
        return _answer(409, {"error": {"code": "sold_out"}})
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    cur.execute("BEGIN" if _PG else "BEGIN IMMEDIATE")
    try:
        row = _one(cur, "INSERT INTO coupon (campaign_id, resident_id, code, state, idempotency_key, claimed_at,"
                        " valid_from, expires_at, reminder_outcome) VALUES (%s, %s, %s, 'issued', %s, %s, %s, %s, '')"
                        " ON CONFLICT (resident_id, idempotency_key) DO NOTHING RETURNING id",
                   campaign_id, resident_id, secrets.token_hex(8).upper(), key, now, now,
                   now + datetime.timedelta(days=valid_days))
        if row is None:         # the same key's first tap committed while we waited on it
            cur.execute("ROLLBACK")
            return _coupon(cur, _one(cur, "SELECT id FROM coupon WHERE resident_id = %s AND idempotency_key = %s",
                                     resident_id, key)[0], 200)
        coupon_id = row[0]
        if _one(cur, "INSERT INTO coupon_holding (campaign_id, resident_id, total, day, on_day)"
                     " VALUES (%s, %s, 1, %s, 1) ON CONFLICT (campaign_id, resident_id) DO UPDATE"
                     " SET total = coupon_holding.total + 1 WHERE coupon_holding.total < %s RETURNING total",
                campaign_id, resident_id, now.date().isoformat(), limit) is None:
            cur.execute("ROLLBACK")
            return _answer(409, {"error": {"code": "limit_reached"}})
        if _one(cur, "UPDATE campaign SET claimed = claimed + 1 WHERE id = %s AND state = 'live'"
                     " AND claimed < total_stock RETURNING claimed", campaign_id) is None:
            cur.execute("ROLLBACK")
            return _answer(409, {"error": {"code": "sold_out"}})
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return _answer(201, {"id": coupon_id, "campaign": {"id": campaign_id, "title": title, "merchant": merchant}})


def _coupon(cur, coupon_id, status):
    code, expires_at = _one(cur, "SELECT code, expires_at FROM coupon WHERE id = %s", coupon_id)
    return _answer(status, {"id": coupon_id, "code": code, "expires_at": str(expires_at)})


def _answer(status, body):
    return app.response_class(json.dumps(body), status=status, mimetype="application/json")
