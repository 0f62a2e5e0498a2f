"""The small-count rule, shares, the median and the 90th percentile; reading a period."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from continuum.outcomes import figures
from continuum.outcomes.periods import ALL_TIME, PeriodInvalid, parse_period


@pytest.mark.parametrize(
    ("n", "shown"), [(0, "0"), (1, "<11"), (10, "<11"), (11, "11"), (250, "250")]
)
def test_counts_from_1_to_10_are_hidden_community_wide(n: int, shown: str) -> None:
    assert figures.count(n, suppress=True).shown == shown
    assert figures.count(n, suppress=True).value == (None if shown == "<11" else n)
    assert figures.count(n, suppress=False) == figures.Figure(n, str(n))


def test_a_part_whose_rest_is_small_is_hidden() -> None:
    # 12 sessions, 11 with the survivor: 12 - 11 = 1 would be told by subtraction.
    assert figures.part_of(11, 12, suppress=True).shown == "hidden"
    assert figures.part_of(11, 21, suppress=True).shown == "hidden"
    assert figures.part_of(11, 22, suppress=True).shown == "11"
    assert figures.part_of(5, 30, suppress=True).shown == "<11"
    assert figures.part_of(0, 30, suppress=True).shown == "0"
    # The whole is itself hidden: nothing to subtract from.
    assert figures.part_of(0, 4, suppress=True).shown == "0"
    assert figures.part_of(11, 12, suppress=False).shown == "11"


def test_shares_follow_their_figures() -> None:
    def share(part: int, whole: int, suppress: bool = True) -> str:
        p = figures.part_of(part, whole, suppress=suppress)
        w = figures.count(whole, suppress=suppress)
        return figures.share(p, w, suppress=suppress).shown

    assert share(11, 22) == "50%"
    assert share(0, 11) == "0%"
    assert share(0, 0) == "—"
    assert share(3, 30) == "hidden"  # the part is small
    assert share(25, 30) == "hidden"  # the rest is
    assert share(0, 5) == "hidden"  # the whole is
    assert share(1, 3, suppress=False) == "33%"
    assert share(2, 3, suppress=False) == "67%"


def test_median_and_90th_percentile() -> None:
    assert figures.median([]) is None
    assert figures.percentile_90([]) is None
    assert figures.median([4.0, 1.0, 3.0]) == 3.0
    assert figures.median([1.0, 2.0, 3.0, 10.0]) == 2.5
    values = [float(n) for n in range(1, 11)]  # 1..10: ceil(9) = 9th smallest
    assert figures.percentile_90(values) == 9.0
    assert figures.percentile_90([*values, 11.0]) == 10.0  # ceil(9.9) = 10th
    assert figures.percentile_90([7.0]) == 7.0


def test_statistics_need_11_values_community_wide() -> None:
    assert figures.statistic(2.25, 10, suppress=True).shown == "hidden"
    assert figures.statistic(2.25, 11, suppress=True) == figures.Figure(2.2, "2.2")
    assert figures.statistic(2.25, 1, suppress=False).shown == "2.2"
    assert figures.statistic(None, 0, suppress=False).shown == "—"


# --- periods -------------------------------------------------------------------------------


def test_reading_a_period() -> None:
    assert parse_period() == ALL_TIME
    assert parse_period().key == "all"
    november = parse_period(month="2026-11")
    assert (november.start, november.end, november.key) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        "2026-11",
    )
    february = parse_period(month=" 2028-02 ")
    assert february.end == date(2028, 2, 29)
    days = parse_period(start="2026-01-05", end="2026-01-05")
    assert days.key == "2026-01-05..2026-01-05"
    assert parse_period(start="2026-01-05").key == "2026-01-05.."
    assert parse_period(end="2026-01-05").key == "..2026-01-05"


def test_a_period_is_whole_days_where_the_agency_is() -> None:
    day = parse_period(start="2026-03-01", end="2026-03-01")
    zone = "America/New_York"
    since, until = day.bounds(zone)
    assert since == datetime(2026, 3, 1, tzinfo=ZoneInfo(zone))
    assert until == datetime(2026, 3, 2, tzinfo=ZoneInfo(zone))
    # 04:30 UTC on 2 March is still 1 March in New York.
    late = datetime(2026, 3, 2, 4, 30, tzinfo=ZoneInfo("UTC"))
    assert day.has_moment(late, zone)
    assert not day.has_moment(late, "Europe/London")
    assert day.has_day(date(2026, 3, 1))
    assert not day.has_day(date(2026, 3, 2))


@pytest.mark.parametrize(
    ("month", "start", "end", "message"),
    [
        ("2026-13", "", "", "YYYY-MM"),
        ("2026-1", "", "", "YYYY-MM"),
        ("November", "", "", "YYYY-MM"),
        ("9999-12", "", "", "YYYY-MM"),
        ("", "2026-02-30", "", "YYYY-MM-DD"),
        ("", "", "26-01-01", "YYYY-MM-DD"),
        ("", "20260101", "", "YYYY-MM-DD"),
        ("", "1899-12-31", "", "YYYY-MM-DD"),
        ("", "<script>", "", "YYYY-MM-DD"),
        ("2026-01", "2026-01-01", "", "not both"),
        ("", "2026-03-01", "2026-02-01", "after the last"),
    ],
)
def test_a_period_that_cannot_be_read_says_how_to_write_it(
    month: str, start: str, end: str, message: str
) -> None:
    with pytest.raises(PeriodInvalid, match=message):
        parse_period(month, start, end)
