"""One number of a measure, as it may be shown to its reader: the small-count rule, shares,
medians and percentiles. Every practice's measures build their figures here, so the page, the
CSV and the API of each one show exactly the same thing.

The small-count rule (community-wide figures only): a count from 1 to 10 is shown as "<11";
a count that would let someone work one out (a part whose rest, inside a whole that is
shown, is from 1 to 10) is hidden; a share is shown only when its part and its whole are, and
the whole is 11 or more; a median or percentile only when it rests on 11 values or more.
Zero is shown: it identifies nobody.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Counts from 1 up to this are never shown community-wide.
SMALL_COUNT_MAX = 10
SMALL = "<11"
NOTHING = "—"  # nothing to show: no values, or a share of nothing


def hidden_text() -> str:
    return str(_("hidden"))


@dataclass(frozen=True)
class Figure:
    """`value` is the exact number, or None when it is hidden or there is nothing to show;
    `shown` is what every output shows ("12", "<11", "hidden", "—")."""

    value: int | float | None
    shown: str
    hidden: bool = False

    @property
    def exact(self) -> bool:
        return self.value is not None


def _is_small(n: int) -> bool:
    return 1 <= n <= SMALL_COUNT_MAX


def count(n: int, *, suppress: bool) -> Figure:
    if suppress and _is_small(n):
        return Figure(None, SMALL, hidden=True)
    return Figure(n, str(n))


def part_of(n: int, whole: int, *, suppress: bool) -> Figure:
    """A count that is part of another shown count (sessions with the survivor present, of
    sessions held): hidden too when the rest (whole - n) is from 1 to 10, since anyone could
    subtract it from the whole."""
    figure = count(n, suppress=suppress)
    if figure.exact and suppress and _is_small(whole - n) and not _is_small(whole):
        return Figure(None, hidden_text(), hidden=True)
    return figure


def parts_of(parts: Mapping[str, int], whole: int, *, suppress: bool) -> dict[str, Figure]:
    """Counts that together make up a whole shown beside them (cases staffed in time, late,
    overdue and not yet due, of the cases needing a staffing). A small one is "<11"; and as
    the others could be subtracted from the whole to find it, more are hidden too, the
    smallest (not zero) first, until what is hidden adds up to 11 or more."""
    shown = {key: count(n, suppress=suppress) for key, n in parts.items()}
    if not suppress or whole == 0 or _is_small(whole):
        return shown  # nothing shown to subtract from
    hidden = [key for key, figure in shown.items() if not figure.exact]
    rest = sorted(
        (key for key in parts if key not in hidden), key=lambda key: (parts[key] == 0, parts[key])
    )
    while hidden and rest and _is_small(sum(parts[key] for key in hidden)):
        key = rest.pop(0)
        shown[key] = Figure(None, hidden_text(), hidden=True)
        hidden.append(key)
    return shown


def sum_of(*parts: Figure) -> Figure:
    """The sum of shown counts, as a whole for a share: hidden when any of them is (a share
    over it would tell what they hide)."""
    if any(part.value is None for part in parts):
        return Figure(None, hidden_text(), hidden=True)
    total = sum(int(part.value or 0) for part in parts)
    return Figure(total, str(total))


def share(part: Figure, whole: Figure, *, suppress: bool) -> Figure:
    """part / whole as a whole percentage. Built from the figures as shown, so a share never
    tells more than its part and whole do."""
    if whole.value == 0:
        return Figure(None, NOTHING)
    if part.value is None or whole.value is None:
        return Figure(None, hidden_text(), hidden=True)
    if suppress and whole.value <= SMALL_COUNT_MAX:
        return Figure(None, hidden_text(), hidden=True)
    percent = round(100 * part.value / whole.value)
    return Figure(percent, f"{percent}%")


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile_90(values: Sequence[float]) -> float | None:
    """The nearest-rank 90th percentile: the smallest value that at least 90% of the values
    are at or below (the ceil(0.9 n)-th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def statistic(value: float | None, values_count: int, *, suppress: bool) -> Figure:
    """A median or percentile of `values_count` values, in days to one decimal."""
    if value is None or values_count == 0:
        return Figure(None, NOTHING)
    if suppress and values_count <= SMALL_COUNT_MAX:
        return Figure(None, hidden_text(), hidden=True)
    rounded = round(value, 1)
    return Figure(rounded, f"{rounded:.1f}")
