"""Case numbers (cases/numbers.py): the day's sequence, never repeated; on PostgreSQL without a
row every filing of the day waits on, gap-free on SQLite."""
import datetime
import functools

import pytest
from peewee import OperationalError

from cases import numbers
from models.cases import CaseCounter
from models.db import connected
from models.db import db
from models.db import is_postgres
from tests.support.races import together

DAY = datetime.datetime(2026, 11, 23, 2, 0)       # UTC; 10:00 on the 23rd in Shanghai


def test_numbers_of_a_day_count_up_and_a_new_day_starts_again(database):
    taken = [numbers.next_number(DAY) for _ in range(3)]
    assert taken == ["R2611230001", "R2611230002", "R2611230003"]
    assert numbers.next_number(DAY + datetime.timedelta(days=1)) == "R2611240001"


def test_a_rolled_back_filing_gives_its_number_back_only_on_sqlite(database):
    """The promise README makes: gap-free on SQLite; on PostgreSQL a number is never reused."""
    with db.atomic() as transaction:
        assert numbers.next_number(DAY) == "R2611230001"
        transaction.rollback()
    expected = "R2611230002" if is_postgres() else "R2611230001"
    assert numbers.next_number(DAY) == expected


def test_a_day_begun_on_the_counter_goes_on_from_it(database):
    """Upgrading at midday: today's numbers came from the counter row; on PostgreSQL the first
    one from the day's new sequence must not repeat one of them (a unique-key failure for every
    filing of the day). On SQLite the counter row simply goes on."""
    CaseCounter.create(day="261123", last=41)
    assert numbers.next_number(DAY) == "R2611230042"


def test_on_postgres_a_filing_does_not_wait_for_another_to_commit(database, stack):
    """The mistake: a counter row updated in each filing's transaction, locked until it commits,
    makes every filing of the day queue behind the slowest (gateway p99 148 ms). A second
    filing that would wait on a lock fails at once here (lock_timeout), instead of waiting."""
    if stack != "postgres":
        # SQLite takes one writer at a time by design: there the day's counter row is the number.
        numbers.next_number(DAY)
        assert CaseCounter.get(CaseCounter.day == "261123").last == 1
        return
    numbers.next_number(DAY)               # the day's sequence exists, as after the day's first filing
    other = db.obj.__class__(db.obj.database, **db.obj.connect_params)
    with db.atomic():
        first = numbers.next_number(DAY)   # held, uncommitted
        with other.connection_context(), other.atomic():
            other.execute_sql("SET LOCAL lock_timeout = '500ms'")
            try:
                second = other.execute_sql("SELECT nextval('case_number_261123')").fetchone()[0]
            except OperationalError as exc:      # a lock wait: what the counter row did
                pytest.fail("the second filing waited for the first: %s" % exc)
    assert "R261123%04d" % second != first


def test_old_day_sequences_are_dropped_and_todays_kept(database, stack):
    if stack != "postgres":
        assert numbers.drop_old_sequences(DAY) == []
        return
    for days_ago in (0, 1, 2, 30):
        numbers.next_number(DAY - datetime.timedelta(days=days_ago))
    assert sorted(numbers.drop_old_sequences(DAY)) == ["case_number_261024", "case_number_261121"]
    assert numbers.next_number(DAY) == "R2611230002"            # today's goes on
    assert numbers.next_number(DAY - datetime.timedelta(days=30)) == "R2610240001"   # made anew if ever asked


def test_the_days_first_filings_at_once_get_distinct_numbers(database):
    """Several workers meet a day with no sequence yet (PostgreSQL) or no counter row (SQLite):
    each makes it or finds it made, none fails, no number is issued twice."""
    def file(_):
        with connected(), db.atomic():
            return numbers.next_number(DAY)
    taken = together(4, file)
    assert sorted(taken) == ["R261123%04d" % n for n in range(1, 5)]


def test_many_days_begun_by_several_workers_at_once_never_fail_a_filing(database):
    """The race CI met (a double-click filed on two gunicorn workers, the day's first filing):
    two workers make the day's sequence at the same instant and PostgreSQL refuses the second
    CREATE ... IF NOT EXISTS with 'relation already exists' when the first commits between its
    check and its insert. Rare per day, so 360 days are begun here, three at a time (the pool's
    20 connections), each by six workers; every filing must get a number, none twice."""
    def file(first_day, i):
        day = DAY + datetime.timedelta(days=first_day + i // 6)
        try:
            with connected(), db.atomic():
                return numbers.next_number(day)
        except Exception as exc:            # what a resident would meet as a 500
            return exc
    taken = [number for first_day in range(0, 360, 3)
             for number in together(6 * 3, functools.partial(file, first_day))]
    assert [t for t in taken if not isinstance(t, str)] == []
    assert len(set(taken)) == len(taken)
