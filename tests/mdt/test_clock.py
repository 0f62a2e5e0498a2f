"""The deadline clock, table-driven: calendar and business days, weekends, holidays, time
zones, intake dates in the past and the future, and a protocol change mid-clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from continuum.protocols.clock import (
    ClockState,
    DeadlineRule,
    add_days,
    at_risk_from,
    clock_for,
    due_on,
    today_in,
)

# 2026: Fri 4 Dec, Sat 5, Sun 6, Mon 7 ... Thu 24 Dec, Fri 25 Dec (Christmas).
FRI = date(2026, 12, 4)
SAT = date(2026, 12, 5)
SUN = date(2026, 12, 6)
MON = date(2026, 12, 7)
CHRISTMAS = date(2026, 12, 25)
NEW_YEAR = date(2027, 1, 1)


@pytest.mark.parametrize(
    ("start", "rule", "expected_due"),
    [
        # Calendar days: weekends and holidays count.
        (MON, DeadlineRule(days=14), date(2026, 12, 21)),
        (SAT, DeadlineRule(days=14), date(2026, 12, 19)),
        (date(2026, 12, 18), DeadlineRule(days=14, holidays=frozenset({CHRISTMAS})), NEW_YEAR),
        # Business days from a Monday: two working weeks later.
        (MON, DeadlineRule(days=10, business_days=True), date(2026, 12, 21)),
        (MON, DeadlineRule(days=14, business_days=True), date(2026, 12, 25)),
        # ...unless the last day is a holiday: then the next working day (Monday 28th).
        (
            MON,
            DeadlineRule(days=14, business_days=True, holidays=frozenset({CHRISTMAS})),
            date(2026, 12, 28),
        ),
        # A start on Friday, Saturday or Sunday: the weekend does not count.
        (FRI, DeadlineRule(days=1, business_days=True, at_risk_days=0), MON),
        (SAT, DeadlineRule(days=1, business_days=True, at_risk_days=0), MON),
        (SUN, DeadlineRule(days=1, business_days=True, at_risk_days=0), MON),
        (SAT, DeadlineRule(days=5, business_days=True), date(2026, 12, 11)),
        # Two holidays inside the window each push the deadline a working day.
        (
            date(2026, 12, 21),
            DeadlineRule(days=10, business_days=True, holidays=frozenset({CHRISTMAS, NEW_YEAR})),
            date(2027, 1, 6),
        ),
        # A holiday on a weekend changes nothing.
        (
            MON,
            DeadlineRule(days=5, business_days=True, holidays=frozenset({date(2026, 12, 12)})),
            date(2026, 12, 14),
        ),
        # Across a year end and a leap day.
        (date(2028, 2, 20), DeadlineRule(days=14), date(2028, 3, 5)),
    ],
)
def test_due_date(start: date, rule: DeadlineRule, expected_due: date) -> None:
    assert due_on(start, rule) == expected_due


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (DeadlineRule(days=14, at_risk_days=3), date(2026, 12, 18)),
        (DeadlineRule(days=14, at_risk_days=0), date(2026, 12, 21)),
        # Business days: three working days before Friday 25th is Tuesday 22nd.
        (DeadlineRule(days=14, business_days=True, at_risk_days=3), date(2026, 12, 22)),
    ],
)
def test_at_risk_comes_the_rules_days_before(rule: DeadlineRule, expected: date) -> None:
    assert at_risk_from(MON, rule) == expected


RULE = DeadlineRule(days=14, at_risk_days=3)  # from MON: at risk 18 Dec, due 21 Dec


@pytest.mark.parametrize(
    ("today", "met_on", "state", "days_left"),
    [
        (date(2026, 12, 1), None, ClockState.NOT_YET_STARTED, 20),  # intake in the future
        (MON, None, ClockState.ON_TRACK, 14),
        (date(2026, 12, 17), None, ClockState.ON_TRACK, 4),
        (date(2026, 12, 18), None, ClockState.AT_RISK, 3),
        (date(2026, 12, 21), None, ClockState.AT_RISK, 0),  # due today is not yet late
        (date(2026, 12, 22), None, ClockState.OVERDUE, -1),
        (date(2027, 3, 1), None, ClockState.OVERDUE, -70),
        (date(2027, 3, 1), date(2026, 12, 21), ClockState.MET, 0),  # on the due day
        (date(2027, 3, 1), date(2026, 12, 22), ClockState.MET_LATE, -1),
        (date(2026, 12, 9), date(2026, 12, 9), ClockState.MET, 12),
    ],
)
def test_state_on_a_day(
    today: date, met_on: date | None, state: ClockState, days_left: int
) -> None:
    clock = clock_for(MON, RULE, today=today, met_on=met_on)
    assert clock.state == state
    assert clock.days_left == days_left
    assert clock.due_on == date(2026, 12, 21)


def test_no_intake_date_cannot_be_computed() -> None:
    clock = clock_for(None, RULE, today=MON)
    assert clock.state == ClockState.CANNOT_COMPUTE
    assert clock.due_on is None


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # 04:30 UTC on the 22nd is still the 21st in Miami (23:30) and in Pensacola (22:30).
        (datetime(2026, 12, 22, 4, 30, tzinfo=UTC), "America/New_York", date(2026, 12, 21)),
        (datetime(2026, 12, 22, 4, 30, tzinfo=UTC), "America/Chicago", date(2026, 12, 21)),
        # 05:30 UTC: Miami has reached the 22nd, Pensacola has not.
        (datetime(2026, 12, 22, 5, 30, tzinfo=UTC), "America/New_York", date(2026, 12, 22)),
        (datetime(2026, 12, 22, 5, 30, tzinfo=UTC), "America/Chicago", date(2026, 12, 21)),
        (datetime(2026, 12, 22, 9, 59, tzinfo=UTC), "Pacific/Honolulu", date(2026, 12, 21)),
    ],
)
def test_today_is_the_communitys_date(now: datetime, zone: str, expected: date) -> None:
    today = today_in(zone, now)
    assert today == expected
    # The same instant can be overdue in one zone and on its due day in another.
    state = clock_for(MON, RULE, today=today).state
    assert state == (ClockState.OVERDUE if today > date(2026, 12, 21) else ClockState.AT_RISK)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        today_in("America/New_York", datetime(2026, 12, 22, 4, 30))


def test_protocol_change_mid_clock_recomputes_from_the_same_intake() -> None:
    """A clock started under 14 calendar days, with the protocol changed to 10 business
    days on day 5: the due date is recomputed from the intake date, not from the change."""
    before = DeadlineRule(days=14)
    after = DeadlineRule(days=10, business_days=True)
    assert due_on(MON, before) == date(2026, 12, 21)
    assert due_on(MON, after) == date(2026, 12, 21)
    longer = DeadlineRule(days=15, business_days=True, holidays=frozenset({CHRISTMAS}))
    assert due_on(MON, longer) == date(2026, 12, 29)
    assert clock_for(MON, longer, today=date(2026, 12, 22)).state == ClockState.ON_TRACK
    assert clock_for(MON, longer, today=date(2026, 12, 23)).state == ClockState.AT_RISK


@pytest.mark.parametrize(
    "bad", [{"days": 0}, {"days": 5, "at_risk_days": 5}, {"days": 5, "at_risk_days": -1}]
)
def test_nonsense_rules_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="deadline"):
        DeadlineRule(**bad)


def test_adding_zero_days_is_the_start() -> None:
    assert add_days(SAT, DeadlineRule(days=1, business_days=True, at_risk_days=0), 0) == SAT
