"""GET /healthz: is the database reachable and current, and is the queue reachable."""
from flask import Blueprint
from flask import jsonify

from linli import queue
from models.db import connected
from models.db import schema_problem

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    checks = {}
    try:
        with connected() as database:
            database.execute_sql("SELECT 1")
        checks["database"] = schema_problem() or "ok"
    except Exception as exc:  # any driver error means "down"; the text says which
        checks["database"] = "unavailable: %s" % exc
    try:
        checks["queue"] = "ok (%d pending)" % queue.check()
    except Exception as exc:
        checks["queue"] = "unavailable: %s" % exc
    healthy = all(v.startswith("ok") for v in checks.values())
    body = {"status": "ok" if healthy else "error", "checks": checks}
    if healthy and not queue.huey.immediate:
        # Informational: a consumer that stopped shows here, but the web still serves.
        seen = queue.consumer_last_seen()
        body["consumer_last_seen_seconds"] = None if seen is None else round(seen, 1)
    return jsonify(body), 200 if healthy else 503
