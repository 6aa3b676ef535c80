"""Public case numbers residents can quote: R + yymmdd (Asia/Shanghai) + the day's sequence.

The number grants nothing by itself (every read checks the caller's rights), so it may be
sequential. It comes from a per-day counter row updated in the caller's transaction: the update
locks the row, so two workers never issue the same number.
"""
from models.reports import CaseCounter
from reports.clock import local


def next_number(now_utc):
    """Call inside the transaction that creates the case."""
    day = local(now_utc).strftime("%y%m%d")
    CaseCounter.insert(day=day, last=0).on_conflict_ignore().execute()
    CaseCounter.update(last=CaseCounter.last + 1).where(CaseCounter.day == day).execute()
    last = CaseCounter.select(CaseCounter.last).where(CaseCounter.day == day).scalar()
    return "R%s%04d" % (day, last)
