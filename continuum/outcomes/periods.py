"""The period a measure covers: all time, a month, or a range of days (each day whole, in the
reader's agency's time zone). Typed in a page's GET parameters or the API's query: `month`
(YYYY-MM), or `from` and/or `to` (YYYY-MM-DD, both days included). These say nothing about
anyone, so they may be in a URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A period needs the day after its last one: there is none after 31 December 9999.
FIRST_YEAR, LAST_YEAR = 1900, 9998


class PeriodInvalid(ValueError):
    """The period typed cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included; None on a side: no limit there."""

    start: date | None = None
    end: date | None = None
    month: bool = False  # chosen as a whole month (start is its first day)

    @property
    def all_time(self) -> bool:
        return self.start is None and self.end is None

    @property
    def key(self) -> str:
        """For the audit log and file names: "all", "2026-11", "2026-11-01..2026-11-15"."""
        if self.all_time:
            return "all"
        if self.month and self.start is not None:
            return self.start.isoformat()[:7]
        start = self.start.isoformat() if self.start else ""
        end = self.end.isoformat() if self.end else ""
        return f"{start}..{end}"

    @property
    def label(self) -> str:
        if self.all_time:
            return _("All time")
        if self.month and self.start is not None:
            return date_format(self.start, "F Y")
        if self.start and self.end:
            return _("%(start)s to %(end)s") % {
                "start": date_format(self.start, "j M Y"),
                "end": date_format(self.end, "j M Y"),
            }
        if self.start:
            return _("From %(start)s") % {"start": date_format(self.start, "j M Y")}
        assert self.end is not None
        return _("Until %(end)s") % {"end": date_format(self.end, "j M Y")}

    def bounds(self, zone: str) -> tuple[datetime | None, datetime | None]:
        """[from, until) as moments where the agency is."""
        tz = ZoneInfo(zone)
        since = datetime.combine(self.start, time.min, tz) if self.start else None
        until = datetime.combine(self.end + timedelta(days=1), time.min, tz) if self.end else None
        return since, until

    def has_day(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def has_moment(self, moment: datetime, zone: str) -> bool:
        since, until = self.bounds(zone)
        return (since is None or moment >= since) and (until is None or moment < until)


ALL_TIME = Period()


def _month(raw: str) -> date:
    found = _MONTH.fullmatch(raw)
    if (
        found is None
        or not (FIRST_YEAR <= int(found[1]) <= LAST_YEAR)
        or not (1 <= int(found[2]) <= 12)
    ):
        raise PeriodInvalid(_("Enter the month as YYYY-MM, for example 2026-11."))
    return date(int(found[1]), int(found[2]), 1)


def _day(raw: str) -> date:
    found = _DAY.fullmatch(raw)
    problem = PeriodInvalid(_("Enter each day as YYYY-MM-DD, for example 2026-11-01."))
    if found is None or not FIRST_YEAR <= int(found[1]) <= LAST_YEAR:
        raise problem
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError as bad:
        raise problem from bad


def parse_period(
    month: str = "", start: str = "", end: str = "", *, whole_months: bool = False
) -> Period:
    """The period from what was typed (blank: not given). Nothing given: all time.

    whole_months: only a month or all time, for figures whose small counts are hidden. Two
    ranges of days that differ by one day (from today, and all time) would let anyone
    subtract one count from the other and find a small one, day by day."""
    month, start, end = month.strip(), start.strip(), end.strip()
    if whole_months and (start or end):
        raise PeriodInvalid(
            _(
                "Community-wide figures are given for a whole month or for all time, so that "
                "no small number can be worked out by comparing ranges of days."
            )
        )
    if month and (start or end):
        raise PeriodInvalid(_("Choose a month or a range of days, not both."))
    if month:
        first = _month(month)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return Period(first, last, month=True)
    first_day = _day(start) if start else None
    last_day = _day(end) if end else None
    if first_day and last_day and first_day > last_day:
        raise PeriodInvalid(_("The first day comes after the last day."))
    return Period(first_day, last_day)
