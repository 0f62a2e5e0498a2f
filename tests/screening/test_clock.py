"""The 24-hour clock across daylight-saving changes in both Florida time zones, and each
state boundary to the second."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from continuum.screening.clock import (
    ClockState,
    NonexistentLocalTime,
    aware_from_local,
    clock_state,
    local_label,
    start_due_at,
    time_left,
    warning_window,
)

EASTERN = "America/New_York"
CENTRAL = "America/Chicago"
SECOND = timedelta(seconds=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- reading a typed time ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "typed", "expected_utc"),
    [
        (EASTERN, (date(2026, 1, 15), time(9, 0)), utc(2026, 1, 15, 14, 0)),  # EST, -5
        (EASTERN, (date(2026, 7, 15), time(9, 0)), utc(2026, 7, 15, 13, 0)),  # EDT, -4
        (CENTRAL, (date(2026, 1, 15), time(9, 0)), utc(2026, 1, 15, 15, 0)),  # CST, -6
        (CENTRAL, (date(2026, 7, 15), time(9, 0)), utc(2026, 7, 15, 14, 0)),  # CDT, -5
    ],
)
def test_a_typed_time_is_read_in_the_agency_zone(
    zone: str, typed: tuple[date, time], expected_utc: datetime
) -> None:
    assert aware_from_local(*typed, zone) == expected_utc


@pytest.mark.parametrize("zone", [EASTERN, CENTRAL])
@pytest.mark.parametrize("at", [time(2, 0), time(2, 30), time(2, 59)])
def test_a_time_skipped_by_spring_forward_is_refused(zone: str, at: time) -> None:
    with pytest.raises(NonexistentLocalTime) as refusal:
        aware_from_local(date(2026, 3, 8), at, zone)
    assert "clocks went forward" in str(refusal.value)
    assert isinstance(refusal.value, ValueError)


@pytest.mark.parametrize("zone", [EASTERN, CENTRAL])
def test_the_minutes_around_the_gap_exist(zone: str) -> None:
    before = aware_from_local(date(2026, 3, 8), time(1, 59), zone)
    after = aware_from_local(date(2026, 3, 8), time(3, 0), zone)
    assert before.astimezone(ZoneInfo(zone)).tzname() in {"EST", "CST"}
    assert after.astimezone(ZoneInfo(zone)).tzname() in {"EDT", "CDT"}
    # One minute of wall clock, one minute of real time: the hour between never happened.
    assert after - before == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("zone", "expected_utc", "name"),
    [(EASTERN, utc(2026, 11, 1, 5, 30), "EDT"), (CENTRAL, utc(2026, 11, 1, 6, 30), "CDT")],
)
def test_a_time_repeated_by_fall_back_is_the_earlier_instant(
    zone: str, expected_utc: datetime, name: str
) -> None:
    read = aware_from_local(date(2026, 11, 1), time(1, 30), zone)
    assert read == expected_utc
    assert read.tzinfo is UTC  # an ambiguous zoned datetime compares unequal across zones
    assert read.astimezone(ZoneInfo(zone)).tzname() == name
    # The other reading is an hour later: the earlier one makes the deadline earlier.
    later = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo(zone))
    assert later - read == timedelta(hours=1)


def test_a_typed_time_is_wall_clock_whatever_it_carries() -> None:
    # A time carrying a zone (or a fold) is read as wall-clock in the agency's zone.
    at = time(9, 0, tzinfo=UTC, fold=1)
    assert aware_from_local(date(2026, 1, 15), at, EASTERN) == utc(2026, 1, 15, 14, 0)


# --- the deadline ------------------------------------------------------------------------


def test_spring_forward_eastern_the_deadline_is_24_elapsed_hours() -> None:
    start = aware_from_local(date(2026, 3, 7), time(22, 0), EASTERN)
    due = start_due_at(start, 24)
    assert due - start == timedelta(hours=24)
    assert due == utc(2026, 3, 9, 3, 0)
    assert local_label(due, EASTERN) == "Sun 8 Mar 2026, 11:00 pm EDT"
    # Not the wall-clock answer (22:00 the next day), which would be an hour early.
    wall_clock = datetime(2026, 3, 8, 22, 0, tzinfo=ZoneInfo(EASTERN))
    assert due != wall_clock
    assert due - wall_clock == timedelta(hours=1)


def test_spring_forward_central() -> None:
    start = aware_from_local(date(2026, 3, 7), time(22, 0), CENTRAL)
    due = start_due_at(start, 24)
    assert due == utc(2026, 3, 9, 4, 0)
    assert local_label(due, CENTRAL) == "Sun 8 Mar 2026, 11:00 pm CDT"


@pytest.mark.parametrize(
    ("zone", "label"),
    [(EASTERN, "Sun 1 Nov 2026, 9:00 pm EST"), (CENTRAL, "Sun 1 Nov 2026, 9:00 pm CST")],
)
def test_fall_back_the_deadline_is_24_elapsed_hours(zone: str, label: str) -> None:
    start = aware_from_local(date(2026, 10, 31), time(22, 0), zone)
    due = start_due_at(start, 24)
    assert due - start == timedelta(hours=24)
    # The wall clock shows 23 hours: the hour from 1 to 2 am happened twice.
    assert local_label(due, zone) == label


def test_a_start_in_the_repeated_hour_gives_the_earlier_deadline() -> None:
    start = aware_from_local(date(2026, 11, 1), time(1, 30), EASTERN)
    due = start_due_at(start, 24)
    assert due == utc(2026, 11, 2, 5, 30)
    assert local_label(due, EASTERN) == "Mon 2 Nov 2026, 12:30 am EST"


def test_central_and_eastern_screeners_see_the_same_deadline() -> None:
    """The same moment typed in each zone (21:00 Central is 22:00 Eastern)."""
    eastern = aware_from_local(date(2026, 3, 7), time(22, 0), EASTERN)
    central = aware_from_local(date(2026, 3, 7), time(21, 0), CENTRAL)
    assert eastern == central
    due = start_due_at(eastern, 24)
    assert start_due_at(central, 24) == due
    assert local_label(due, EASTERN) == "Sun 8 Mar 2026, 11:00 pm EDT"
    assert local_label(due, CENTRAL) == "Sun 8 Mar 2026, 10:00 pm CDT"


def test_other_clock_lengths() -> None:
    start = utc(2026, 5, 1, 12, 0)
    assert start_due_at(start, 8) == utc(2026, 5, 1, 20, 0)
    assert start_due_at(start, 72) == utc(2026, 5, 4, 12, 0)
    assert start_due_at(start) == utc(2026, 5, 2, 12, 0)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 5, 1, 12, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        start_due_at(naive, 24)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock_state(due_at=naive, started_at=None, now=utc(2026, 5, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        local_label(naive, EASTERN)


# --- where the clock stands --------------------------------------------------------------

DUE = aware_from_local(date(2026, 3, 8), time(23, 0), EASTERN)


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (DUE - timedelta(hours=23), ClockState.ON_TIME),
        (DUE - timedelta(hours=6) - SECOND, ClockState.ON_TIME),
        (DUE - timedelta(hours=6), ClockState.DUE_SOON),  # a quarter of 24 hours left
        (DUE - SECOND, ClockState.DUE_SOON),
        (DUE, ClockState.DUE_SOON),  # the deadline itself has not passed yet
        (DUE + SECOND, ClockState.OVERDUE),
        (DUE + timedelta(days=3), ClockState.OVERDUE),
    ],
)
def test_not_started_states_to_the_second(now: datetime, state: ClockState) -> None:
    assert clock_state(due_at=DUE, started_at=None, now=now) == state


@pytest.mark.parametrize(
    ("started_at", "state"),
    [
        (DUE - timedelta(hours=20), ClockState.STARTED_ON_TIME),
        (DUE - SECOND, ClockState.STARTED_ON_TIME),
        (DUE, ClockState.STARTED_ON_TIME),
        (DUE + SECOND, ClockState.STARTED_LATE),
        (DUE + timedelta(hours=5), ClockState.STARTED_LATE),
    ],
)
def test_started_states_to_the_second(started_at: datetime, state: ClockState) -> None:
    # Once started, the time of looking does not matter.
    for now in (started_at, DUE + timedelta(days=30)):
        assert clock_state(due_at=DUE, started_at=started_at, now=now) == state


def test_the_warning_window_is_the_last_quarter_of_the_clock() -> None:
    assert warning_window(24) == timedelta(hours=6)
    assert warning_window(8) == timedelta(hours=2)
    due = utc(2026, 5, 1, 20, 0)
    before = due - timedelta(hours=2) - SECOND
    at = due - timedelta(hours=2)
    assert clock_state(due_at=due, started_at=None, now=before, hours=8) == ClockState.ON_TIME
    assert clock_state(due_at=due, started_at=None, now=at, hours=8) == ClockState.DUE_SOON
    # On a 24-hour clock the same 2 hours left are well inside the last quarter (6 hours).
    assert clock_state(due_at=due, started_at=None, now=before) == ClockState.DUE_SOON


def test_states_compare_instants_not_zones() -> None:
    # The same instant in another zone is the same moment on the clock.
    now_central = (DUE + SECOND).astimezone(ZoneInfo(CENTRAL))
    assert clock_state(due_at=DUE, started_at=None, now=now_central) == ClockState.OVERDUE


def test_time_left_is_elapsed_and_negative_once_past() -> None:
    start = aware_from_local(date(2026, 3, 7), time(22, 0), EASTERN)
    due = start_due_at(start, 24)
    # Across the spring-forward night, the wall clock moves 25 hours; 24 are left.
    assert time_left(due, start) == timedelta(hours=24)
    assert time_left(due, due) == timedelta(0)
    assert time_left(due, due + timedelta(minutes=90)) == -timedelta(minutes=90)


# --- showing a time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "zone", "label"),
    [
        (utc(2026, 1, 15, 5, 0), EASTERN, "Thu 15 Jan 2026, 12:00 am EST"),
        (utc(2026, 1, 15, 17, 5), EASTERN, "Thu 15 Jan 2026, 12:05 pm EST"),
        (utc(2026, 1, 15, 17, 5), CENTRAL, "Thu 15 Jan 2026, 11:05 am CST"),
        (utc(2026, 7, 4, 0, 30), EASTERN, "Fri 3 Jul 2026, 8:30 pm EDT"),
        (utc(2026, 7, 4, 0, 30), CENTRAL, "Fri 3 Jul 2026, 7:30 pm CDT"),
        (utc(2026, 11, 1, 5, 30), EASTERN, "Sun 1 Nov 2026, 1:30 am EDT"),
        (utc(2026, 11, 1, 6, 30), EASTERN, "Sun 1 Nov 2026, 1:30 am EST"),
    ],
)
def test_local_label_always_names_the_zone(instant: datetime, zone: str, label: str) -> None:
    assert local_label(instant, zone) == label
