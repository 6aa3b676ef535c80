"""Recording what staff do: after each state-changing request of a signed-in staff member,
merchant clerk or owner, one AuditEntry. Field values are not kept (passwords, residents'
words); the field names say what kind of change it was, and the domain's own records (case
events, redemption attempts) hold the content."""
import logging

from flask import g
from flask import request

from models.audit import AuditEntry

logger = logging.getLogger(__name__)
CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def register(app):
    @app.after_request
    def record(response):
        actor = getattr(g, "staff", None) or getattr(g, "merchant", None)
        if actor is None or request.method not in CHANGING or response.status_code >= 400:
            return response
        kind = "staff" if getattr(g, "staff", None) is not None else "merchant"
        body = request.get_json(silent=True) if request.is_json else None
        fields = list(request.form) + (list(body) if isinstance(body, dict) else [])
        try:
            AuditEntry.create(
                actor_kind=kind, actor_id=actor.id, actor_name=(actor.name or "")[:64],
                action=(request.endpoint or request.path)[:100],
                target=",".join("%s=%s" % item for item in sorted((request.view_args or {}).items()))[:200],
                status=response.status_code, address=(request.remote_addr or "")[:64],
                detail=",".join(sorted({str(k) for k in fields} - {"csrf"}))[:1000])
        except Exception:
            # The action has happened; a lost audit line is logged loudly, never turned into an error.
            logger.exception("could not record the audit entry for %s %s", request.method, request.path)
        return response
