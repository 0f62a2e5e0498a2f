"""Deadlines the community protocol sets, counted in calendar or business days.

Pure functions over dates, so every rule can be checked in a table (tests/protocols/
test_clock.py). A deadline counts whole days from a start *date* (the abuse report's
intake date is a date, not a time); "today" is the date in the protocol's time zone, so a
coordinator in Pensacola and one in Miami agree on what is overdue.

Business days skip Saturdays, Sundays and the protocol's holidays. A start that falls on a
day off begins counting at the next working day, as a court would: a report taken on a
Saturday gets as many working days as one taken on the Friday before, plus the weekend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SATURDAY = 5


@dataclass(frozen=True)
class DeadlineRule:
    """How long, in which days, and how many days before the end a deadline is "at risk"."""

    days: int
    business_days: bool = False
    at_risk_days: int = 3
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("a deadline is at least one day")
        if not 0 <= self.at_risk_days < self.days:
            raise ValueError("the at-risk warning must come before the deadline")


class ClockState(StrEnum):
    CANNOT_COMPUTE = "cannot_compute"
    NOT_YET_STARTED = "not_yet_started"  # a start date in the future
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"


@dataclass(frozen=True)
class Clock:
    state: ClockState
    due_on: date | None = None
    at_risk_from: date | None = None
    days_left: int | None = None  # calendar days from today to the due date; negative: late


def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() < SATURDAY and day not in set(holidays)


def add_days(start: date, rule: DeadlineRule, count: int) -> date:
    """`count` days after `start`, counted as the rule counts them."""
    if not rule.business_days:
        return start + timedelta(days=count)
    day = start
    left = count
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, rule.holidays):
            left -= 1
    return day


def due_on(start: date, rule: DeadlineRule) -> date:
    return add_days(start, rule, rule.days)


def at_risk_from(start: date, rule: DeadlineRule) -> date:
    """The first day the deadline is "at risk": at_risk_days (in the rule's days) before it."""
    return add_days(start, rule, rule.days - rule.at_risk_days)


def today_in(time_zone: str, now: datetime) -> date:
    """The date it is now where the protocol's community is (`now` must be aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(time_zone)).date()


def clock_for(
    start: date | None, rule: DeadlineRule, *, today: date, met_on: date | None = None
) -> Clock:
    """Where a deadline stands on `today`: met (on time or late), or how near it is."""
    if start is None:
        return Clock(ClockState.CANNOT_COMPUTE)
    return clock_from(start, due_on(start, rule), at_risk_from(start, rule), today, met_on)


def clock_from(
    start: date | None,
    due: date | None,
    risk: date | None,
    today: date,
    met_on: date | None = None,
) -> Clock:
    """clock_for, from dates already computed (a stored clock keeps them)."""
    if start is None or due is None or risk is None:
        return Clock(ClockState.CANNOT_COMPUTE)
    if met_on is not None:
        state = ClockState.MET if met_on <= due else ClockState.MET_LATE
        return Clock(state, due, risk, (due - met_on).days)
    days_left = (due - today).days
    if today < start:
        state = ClockState.NOT_YET_STARTED
    elif today > due:
        state = ClockState.OVERDUE
    elif today >= risk:
        state = ClockState.AT_RISK
    else:
        state = ClockState.ON_TRACK
    return Clock(state, due, risk, days_left)
