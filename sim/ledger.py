"""The simulation's own account of every case: what it sent, and what the rules (sim/rules.py)
say must have followed — a reference model stepped along with the service, fed only with what
the simulation did and saw, never with the service's calendar, deadlines or rates."""
import dataclasses
import datetime

from sim import rules

OPEN = ("submitted", "accepted", "in_progress", "reopened")
# A deadline this close to a sweep may fall either side: the service's clock runs on from each
# setting while a request or the consumer is on its way (seconds on a loaded machine).
TIE = datetime.timedelta(seconds=20)


@dataclasses.dataclass
class Entry:
    number: str
    grid: str
    reporter: int
    channel: str
    filed_at: datetime.datetime
    level: int = 1
    state: str = "submitted"
    level_started_at: datetime.datetime = None
    respond_due: datetime.datetime = None
    resolve_due: datetime.datetime = None
    responded_at: datetime.datetime = None
    resolved_at: datetime.datetime = None
    confirmed_at: datetime.datetime = None
    rating: int = None
    photos: int = 0                 # the reporter's photos the filing carried (mini-program uploads)
    escalations: list = dataclasses.field(default_factory=list)     # (level, due, at tick, tie)
    overdue: list = dataclasses.field(default_factory=list)         # top level: (due, expected tick, tie)

    def start_level(self, level, at):
        self.level, self.level_started_at = level, at
        self.respond_due, self.resolve_due = rules.deadlines(level, at)

    def missed(self, now):
        """The deadline past at `now`, and whether it is too close to call."""
        dues = []
        if self.responded_at is None:
            dues.append(self.respond_due)
        dues.append(self.resolve_due)
        due = min(dues)
        if due < now - TIE:
            return due, False
        if abs(due - now) <= TIE:
            return due, True
        return None, False


class Ledger:
    def __init__(self):
        self.cases = {}             # number → Entry
        self.differences = []       # (check, detail) seen while running
        self.sent = []              # every filing attempt: {channel, at, number or None, grid}

    def filed(self, number, grid, reporter, channel, at):
        entry = Entry(number, grid, reporter, channel, at)
        entry.start_level(1, at)
        self.cases[number] = entry
        return entry

    # -- the sweep --------------------------------------------------------------------------
    def sweep(self, now, escalated):
        """The sweep ran at `now` and escalated `escalated` (numbers): check them against the
        model, then follow what happened (a tie escalated either way is right)."""
        escalated = set(escalated)
        for entry in self.cases.values():
            if entry.state not in OPEN:
                continue
            due, tie = entry.missed(now)
            if due is None:
                if entry.number in escalated:
                    first = min(entry.respond_due, entry.resolve_due)
                    self.differences.append(("escalation", "%s escalated at %s before its deadline %s"
                                             % (entry.number, _iso(now), _iso(first))))
                    self._escalate(entry, now, due, False)
                continue
            if entry.level < rules.TOP_LEVEL:
                if entry.number in escalated:
                    self._escalate(entry, now, due, tie)
                elif not tie:
                    self.differences.append(("escalation", "%s at level %d past its deadline %s not escalated "
                                             "by the sweep at %s" % (entry.number, entry.level, _iso(due), _iso(now))))
                    self._escalate(entry, now, due, False, missing=True)
            elif not any(o[0] == entry.level_started_at for o in entry.overdue):
                entry.overdue.append((entry.level_started_at, due, now, tie))

    def _escalate(self, entry, now, due, tie, missing=False):
        entry.escalations.append((entry.level + 1, due, None if missing else now, tie))
        entry.start_level(entry.level + 1, now)
        entry.state, entry.responded_at = "submitted", None

    def auto_close(self, now):
        for entry in self.cases.values():
            if entry.state == "resolved" and entry.resolved_at < now - datetime.timedelta(days=rules.AUTO_CLOSE_DAYS):
                entry.state = "closed"

    # -- what people do: whether the rules allow it, and its effect -------------------------
    def may(self, entry, action, level=None):
        if level is not None and entry.level != level:
            return False
        allowed = {"accept": ("submitted", "reopened"), "start": ("accepted",), "resolve": OPEN,
                   "confirm": ("resolved",), "reopen": ("resolved",), "rate": ("resolved", "closed")}[action]
        if action == "rate" and entry.rating is not None:
            return False
        return entry.state in allowed

    def did(self, entry, action, at, score=None):
        if action == "accept":
            entry.state, entry.responded_at = "accepted", entry.responded_at or at
        elif action == "start":
            entry.state = "in_progress"
        elif action == "resolve":
            entry.state, entry.resolved_at = "resolved", at
            entry.responded_at = entry.responded_at or at
        elif action == "confirm":
            entry.state, entry.confirmed_at = "closed", at
        elif action == "reopen":
            entry.state, entry.resolved_at = "reopened", None
            entry.respond_due, entry.resolve_due = rules.deadlines(entry.level, at)
            entry.level_started_at = at
        elif action == "rate":
            entry.rating = score


def _iso(moment):
    return moment.astimezone(rules.BEIJING).isoformat(timespec="seconds") if moment else None
