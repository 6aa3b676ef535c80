"""Public case numbers residents can quote: R + yymmdd (Asia/Shanghai) + the day's sequence.

The number grants nothing by itself (every read checks the caller's rights), so it may be
sequential. It comes from a per-day counter row updated in the caller's transaction: the update
locks the row, so two workers never issue the same number.
"""
from linli.clock import local
from models.cases import CaseCounter


def next_number(now_utc):
    """Call inside the transaction that creates the case."""
    day = local(now_utc).strftime("%y%m%d")
    rows = (CaseCounter.insert(day=day, last=1)
            .on_conflict(conflict_target=[CaseCounter.day],
                         update={CaseCounter.last: CaseCounter.last + 1})
            .returning(CaseCounter.last).execute())
    last = next(r[0] if isinstance(r, tuple) else r.last for r in rows)
    return "R%s%04d" % (day, last)
