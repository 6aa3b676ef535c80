"""Staff case actions sent with an Idempotency-Key: a phone on a weak connection retries a tap
whose answer it never got, and the retry must not act twice (a note added twice, a case
escalated two levels). The key is recorded in the action's own transaction, so a failed action
leaves no key behind and can be retried."""
from peewee import IntegrityError

from cases import workflow
from linli.errors import LinliError
from models.db import db
from models.staff_wechat import StaffActionKey

KEY_LENGTH = 100


def perform_once(case, staff, action, key=None, **fields):
    """workflow.perform, once per (staff, key): True if it acted now, False for a replay of a
    key already used for this very action on this case (nothing is done again)."""
    if key is None:
        workflow.perform(case, staff, action, **fields)
        return True
    if not 1 <= len(key) <= KEY_LENGTH:
        raise LinliError("bad_idempotency_key", "Idempotency-Key 长度应为1到%d" % KEY_LENGTH, 422)
    if _replayed(case, staff, action, key):
        return False
    try:
        with db.atomic():
            StaffActionKey.create(staff=staff, key=key, case=case, action=action)
            workflow.perform(case, staff, action, **fields)
    except IntegrityError:
        # The same retry raced us and won: its action stands, and this one is its replay.
        if _replayed(case, staff, action, key):
            return False
        raise
    return True


def _replayed(case, staff, action, key):
    earlier = StaffActionKey.get_or_none((StaffActionKey.staff == staff) & (StaffActionKey.key == key))
    if earlier is None:
        return False
    if earlier.case_id != case.id or earlier.action != action:
        raise LinliError("idempotency_key_reused", "该 Idempotency-Key 已用于另一操作", 422)
    return True
