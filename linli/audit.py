"""Recording what staff do: for each state-changing request of a signed-in staff member,
merchant clerk or owner, one AuditEntry. Field values are not kept (passwords, residents'
words); the field names say what kind of change it was, and the domain's own records (case
events, redemption attempts) hold the content.

The line is written inside the action's own transaction, just before its COMMIT (a pre-commit
hook, models/db.py): the action and its line exist together or not at all. If the line cannot
be written the action is rolled back and refused (503). A request that commits no transaction
(a single statement, or nothing) gets its line after the response, as before; a refused action
(an error, or a console refusal shown as a message) gets none."""
import logging

from flask import g
from flask import has_request_context
from flask import request
from peewee import DatabaseError

from linli.errors import LinliError
from models.audit import AuditEntry
from models.db import PRE_COMMIT_HOOKS

logger = logging.getLogger(__name__)
CHANGING = ("POST", "PUT", "PATCH", "DELETE")
# The status of a line written with the action's commit: the response does not exist yet.
AT_COMMIT = 0


class AuditFailed(LinliError):
    status = 503


def register(app):
    if _with_the_action not in PRE_COMMIT_HOOKS:
        PRE_COMMIT_HOOKS.append(_with_the_action)

    @app.after_request
    def record(response):
        if response.status_code >= 400 or g.get("audit_line") or g.get("audit_failed") or g.get("audit_refused"):
            return response
        if _actor()[0] is None or request.method not in CHANGING:
            return response
        try:
            _write(response.status_code)
        except Exception:
            # Nothing was committed in a transaction: the line follows a single statement, and
            # losing it is logged loudly rather than turned into an error after the fact.
            logger.exception("could not record the audit entry for %s %s", request.method, request.path)
        return response


def refused():
    """The request's action was refused (a console page shows the reason with a redirect, not
    an error status): nothing changed, so no line."""
    if has_request_context():
        g.audit_refused = True


def _with_the_action():
    """The pre-commit hook: the request's first committed transaction carries its line."""
    if not has_request_context() or request.method not in CHANGING or g.get("audit_line"):
        return
    if _actor()[0] is None:
        return
    try:
        _write(AT_COMMIT)
    except DatabaseError as exc:
        g.audit_failed = True
        logger.exception("could not record the audit entry for %s %s: the action is rolled back",
                         request.method, request.path)
        raise AuditFailed("audit_failed", "操作未完成：无法写入操作记录，请稍后重试") from exc
    g.audit_line = True


def _actor():
    staff = getattr(g, "staff", None)
    if staff is not None:
        return staff, "staff"
    return getattr(g, "merchant", None), "merchant"


def _write(status):
    actor, kind = _actor()
    body = request.get_json(silent=True) if request.is_json else None
    fields = list(request.form) + (list(body) if isinstance(body, dict) else [])
    AuditEntry.create(
        actor_kind=kind, actor_id=actor.id, actor_name=(actor.name or "")[:64],
        action=(request.endpoint or request.path)[:100],
        target=",".join("%s=%s" % item for item in sorted((request.view_args or {}).items()))[:200],
        status=status, address=(request.remote_addr or "")[:64],
        detail=",".join(sorted({str(k) for k in fields} - {"csrf"}))[:1000])
