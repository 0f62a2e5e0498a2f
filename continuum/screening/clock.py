"""The 24-hour screening clock (65C-43.001: screening starts within 24 hours of the first
indicator, or of the debriefing after a young person whose whereabouts were unknown is
found). Pure: no database, no "now" of its own.

Florida spans two time zones and changes its clocks twice a year, so:

- a time someone types is read in their agency's zone (aware_from_local); a time that did
  not happen (skipped when clocks went forward) is refused, and a time that happened twice
  (clocks went back) is read as the earlier one, which makes the deadline earlier, never
  later;
- the deadline is elapsed hours (UTC arithmetic): 24 hours across a clock change is still
  24 hours, whatever the wall clock says;
- a time shown always carries its zone's abbreviation (EST / EDT / CST / CDT), because the
  same instant reads differently in the Panhandle.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

DEFAULT_HOURS = 24


class NonexistentLocalTime(ValueError):
    """The local time was skipped when the clocks went forward: it never happened there."""

    def __init__(self, day: date, at: time, zone: str) -> None:
        self.day, self.at, self.zone = day, at, zone
        super().__init__(
            f"{at:%H:%M} on {day.isoformat()} did not happen in {zone}: the clocks went "
            "forward and skipped it. Check the time (perhaps an hour later)."
        )


def _aware(dt: datetime, what: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


def aware_from_local(day: date, at: time, zone: str) -> datetime:
    """The instant that `day` `at` (a wall-clock time) names in `zone`.

    A time the clocks went back over (it happened twice) is read as the earlier instant
    (fold=0): the conservative choice, it makes the deadline earlier. A time the clocks went
    forward over never happened: NonexistentLocalTime.

    The instant comes back in UTC. A zoned datetime is a trap twice over: arithmetic and
    comparison between two in the same zone are wall-clock, and an ambiguous one compares
    unequal to every datetime in another zone (PEP 495). Show it with local_label.
    """
    tz = ZoneInfo(zone)
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    candidate = wall.replace(tzinfo=tz, fold=0)
    # A time in a spring-forward gap does not survive the round trip through UTC: it comes
    # back an hour later (02:30 EST does not exist; 07:30 UTC is 03:30 EDT).
    back = candidate.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != wall:
        raise NonexistentLocalTime(day, at, zone)
    return candidate.astimezone(UTC)


def start_due_at(clock_start: datetime, hours: int = DEFAULT_HOURS) -> datetime:
    """When the screening must have started: `hours` elapsed hours after `clock_start`
    (arithmetic in UTC; adding hours to a zoned datetime would add wall-clock hours)."""
    _aware(clock_start, "clock_start")
    return clock_start.astimezone(UTC) + timedelta(hours=hours)


class ClockState(StrEnum):
    ON_TIME = "on_time"  # not started; more than the last quarter of the time left
    DUE_SOON = "due_soon"  # not started; a quarter of the time or less left (due_at included)
    OVERDUE = "overdue"  # not started; past due_at
    STARTED_ON_TIME = "started_on_time"  # started at or before due_at
    STARTED_LATE = "started_late"  # started after due_at


def warning_window(hours: int = DEFAULT_HOURS) -> timedelta:
    """How long before the deadline a clock shows "due soon": the last quarter."""
    return timedelta(hours=hours) / 4


def clock_state(
    *,
    due_at: datetime,
    started_at: datetime | None,
    now: datetime,
    hours: int = DEFAULT_HOURS,
) -> ClockState:
    """Where the clock stands at `now`. The deadline itself is still on time: a screening
    is overdue only once due_at has passed (and one started at due_at started on time).
    `hours` is the clock's length (the screening's start_within_hours), which sets the
    warning window."""
    _aware(due_at, "due_at")
    _aware(now, "now")
    if started_at is not None:
        _aware(started_at, "started_at")
        return ClockState.STARTED_ON_TIME if started_at <= due_at else ClockState.STARTED_LATE
    if now > due_at:
        return ClockState.OVERDUE
    if due_at - now <= warning_window(hours):
        return ClockState.DUE_SOON
    return ClockState.ON_TIME


def time_left(due_at: datetime, now: datetime) -> timedelta:
    """Elapsed time from now to the deadline; negative once it has passed."""
    _aware(due_at, "due_at")
    _aware(now, "now")
    return due_at.astimezone(UTC) - now.astimezone(UTC)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_label(dt: datetime, zone: str) -> str:
    """The instant as a person in `zone` reads it, with the zone's abbreviation always:
    "Sun 8 Mar 2026, 11:00 pm EDT". Not locale-dependent (no strftime names)."""
    _aware(dt, "dt")
    local = dt.astimezone(ZoneInfo(zone))
    hour = local.hour % 12 or 12
    half = "am" if local.hour < 12 else "pm"
    return (
        f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, "
        f"{hour}:{local.minute:02d} {half} {local.tzname()}"
    )
