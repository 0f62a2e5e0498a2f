"""Measures of closed-loop referrals (best practice 9): how referrals are answered, how fast
help starts, whether the loop is closed with an outcome, and why referrals are not accepted;
for every referral, by receiving agency and by need. Capacity inquiries are counted apart.

What counts (docs/measures.md explains each figure for supervisors and analysts):

- A referral is counted once it has been **sent** (requested_at is set), in the period by
  the moment it was sent, in the reader's agency's time zone. Drafts never sent, and
  referrals marked "entered in error", are not counted at all. Every other figure is about
  the referrals sent in the period, as they stand now.
- Each referral sent is exactly one of: **accepted** (accepted, or anything after it:
  services started, on hold, completed, could not be completed, or cancelled after being
  accepted), **not accepted** (rejected), **waiting for an answer** (still requested) or
  **withdrawn before an answer** (cancelled while requested). **Answered** is accepted +
  not accepted; the **acceptance rate** is accepted of answered.
- **Days to acceptance**: requested_at to accepted_at; **days to services started**:
  requested_at to started_at (the first start), in days of 24 hours to one decimal, the
  median and nearest-rank 90th percentile (figures.median and figures.percentile_90).
  **Services started** counts the accepted referrals with a start.
- **Closed**: rejected, could not be completed, completed or cancelled (the loop is closed).
  Each closed referral has an outcome recorded, **got help** or **did not get help**, or
  **no outcome**; **share closed with an outcome** is got help + did not, of closed.
- **Not accepted, by reason**: the rejected referrals by the reason the receiver gave.
- **Capacity inquiries** (the non-identifying "could you take a 16-year-old?") are never in
  the referral figures: **asked** (sent in the period), **said yes** (accepted), **said no**
  (rejected), **not answered yet**, **withdrawn**; the share that said yes, of those
  answered.

Rows: every referral, each receiving agency, each need (the need's domain when the referral
was sent; "no need named" for one sent without a need).

Whose referrals: a supervisor's, those their agency sent (exact counts: they are the
agency's own cases); an analyst's or a network admin's, the whole community's, with small
counts hidden. The figures of a table are tied to each other (a row's parts make up its
whole; the agencies' rows, and the needs' rows, make up the row of every referral), so a
count is hidden not only when it is from 1 to 10 but also when it could be worked out from
the others (`suppress_linked`, the rule of figures.parts_of applied across the table).

Two queries, whatever the number of referrals; medians are worked out in Python.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any, TypedDict

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access.actor import Actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.needs.models import NeedDomain
from continuum.outcomes import figures
from continuum.outcomes.figures import Figure
from continuum.outcomes.needs import Scope, safe_cell, scope_of
from continuum.outcomes.periods import ALL_TIME, Period
from continuum.referrals import states
from continuum.referrals.models import (
    Referral,
    ReferralKind,
    ReferralOutcome,
    ReferralReason,
    ReferralStatus,
)

_DAY_SECONDS = 86400

# Statuses that can only come after the receiver accepted.
_AFTER_ACCEPTANCE = frozenset(
    {
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.ON_HOLD,
        ReferralStatus.COMPLETED,
        ReferralStatus.FAILED,
    }
)
# The reasons a receiver may give for not accepting, in the order shown.
REJECTION_REASONS: tuple[ReferralReason, ...] = tuple(
    r for r in ReferralReason if r in states.REASONS[ReferralStatus.REJECTED]
)
# Rows of the "every referral" line, of the receiving agencies and of the needs.
ALL, AGENCY, NEED = "all", "agency", "need"
NO_NEED = ""


# --- the small-count rule across a table -----------------------------------------------------


def suppress_linked[K: Hashable](
    counts: Mapping[K, int],
    sums: Iterable[tuple[K, Sequence[K]]],
    *,
    suppress: bool,
    unseen: Iterable[K] = (),
    cost: Callable[[K], int] = lambda _key: 0,
) -> dict[K, Figure]:
    """Every count of a table as it may be shown, when counts are tied by sums: a whole and
    the parts that make it up, all shown (a row's referrals sent, and how they were
    answered; every referral's count, and each agency's).

    A count from 1 to 10 is "<11". Then, as figures.parts_of does for one sum, others are
    hidden ("hidden") until two things hold:

    - in every sum, the hidden parts add up to 0 or to 11 or more (so subtracting the shown
      parts from the whole tells nothing small), and a hidden whole has hidden parts;
    - no count from 1 to 10 can be worked out exactly from all the shown figures together
      (the sums solved as a system of equations: a count hidden in one sum may be given away
      by another).

    The counts hidden to protect others are chosen cheapest first (`cost`; then the smallest,
    not zero). `unseen` are counts that are in a sum but never shown (the rest of a whole
    that has no figure of its own): they are hidden from the start, and protected too when
    from 1 to 10. Zero is shown: it identifies nobody."""
    shown = {key: figures.count(n, suppress=suppress) for key, n in counts.items()}
    unseen = set(unseen)
    if suppress:
        links = [(whole, list(parts)) for whole, parts in sums]
        hidden = {key for key, figure in shown.items() if not figure.exact} | unseen
        for key in _complements(counts, links, hidden, cost):
            shown[key] = Figure(None, figures.hidden_text(), hidden=True)
    return {key: figure for key, figure in shown.items() if key not in unseen}


def _is_small(n: int) -> bool:
    return 1 <= n <= figures.SMALL_COUNT_MAX


def _complements[K: Hashable](
    counts: Mapping[K, int],
    links: list[tuple[K, list[K]]],
    hidden: set[K],
    cost: Callable[[K], int],
) -> set[K]:
    """The counts to hide beside `hidden` (see suppress_linked)."""
    added: set[K] = set()

    def hide(key: K) -> None:
        hidden.add(key)
        added.add(key)

    def order(key: K) -> tuple[int, int, str]:
        return (cost(key), counts[key], repr(key))

    while True:
        _widen(counts, links, hidden, hide, order)
        exposed = sorted((k for k in _determined(links, hidden) if _is_small(counts[k])), key=repr)
        if not exposed:
            return added
        candidates = _neighbours(exposed[0], counts, links, hidden, order)
        if not candidates:  # nothing shown is tied to it: cannot happen with real sums
            return added
        # The first that leaves the exposed count undetermined; else the cheapest.
        chosen = candidates[0]
        for candidate in candidates[:_TRIALS]:
            if exposed[0] not in _determined(links, hidden | {candidate}):
                chosen = candidate
                break
        hide(chosen)


_TRIALS = 12


def _widen[K: Hashable](
    counts: Mapping[K, int],
    links: list[tuple[K, list[K]]],
    hidden: set[K],
    hide: Callable[[K], None],
    order: Callable[[K], tuple[int, int, str]],
) -> None:
    """Hide parts until, in every sum, the hidden parts add up to 0 or 11 or more, and a
    hidden whole has a hidden part."""
    changed = True
    while changed:
        changed = False
        for whole, parts in links:
            while True:
                in_hiding = sum(counts[p] for p in parts if p in hidden)
                if in_hiding > figures.SMALL_COUNT_MAX or (in_hiding == 0 and whole not in hidden):
                    break
                rest = [p for p in parts if p not in hidden and counts[p] > 0]
                if not rest:
                    break
                hide(min(rest, key=order))
                changed = True


# Arithmetic modulo a large prime: the sums have coefficients 1 and -1, so a count is fixed
# by them over the rationals exactly when it is modulo this prime (barring a coincidence
# far rarer than any table here could produce).
_PRIME = (1 << 61) - 1


def _determined[K: Hashable](links: list[tuple[K, list[K]]], hidden: set[K]) -> set[K]:
    """The hidden counts that the sums, with every shown count known, fix to one value
    (Gauss-Jordan elimination over the hidden counts; a count is fixed when a row of the
    reduced system holds it alone)."""
    pivots: dict[K, dict[K, int]] = {}
    for whole, parts in links:
        row: dict[K, int] = {}
        if whole in hidden:
            row[whole] = 1
        for part in parts:
            if part in hidden:
                row[part] = (row.get(part, 0) - 1) % _PRIME
        for column in [c for c in row if c in pivots]:
            factor = row.get(column, 0)
            if factor:
                for c, v in pivots[column].items():
                    row[c] = (row.get(c, 0) - factor * v) % _PRIME
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        column = min(row, key=repr)
        inverse = pow(row[column], _PRIME - 2, _PRIME)
        row = {c: v * inverse % _PRIME for c, v in row.items()}
        for other in pivots.values():
            factor = other.get(column, 0)
            if factor:
                for c, v in row.items():
                    other[c] = (other.get(c, 0) - factor * v) % _PRIME
                for c in [c for c, v in other.items() if not v]:
                    del other[c]
        pivots[column] = row
    return {column for column, row in pivots.items() if len(row) == 1}


def _neighbours[K: Hashable](
    exposed: K,
    counts: Mapping[K, int],
    links: list[tuple[K, list[K]]],
    hidden: set[K],
    order: Callable[[K], tuple[int, int, str]],
) -> list[K]:
    """Shown counts (not zero) in the sums that reach `exposed` through hidden counts, the
    nearest and cheapest first: hiding one of them may leave it undetermined."""
    found: dict[K, int] = {}
    seen = {exposed}
    frontier = {exposed}
    distance = 0
    while frontier:
        distance += 1
        reached: set[K] = set()
        for whole, parts in links:
            members = [whole, *parts]
            if not any(m in frontier for m in members):
                continue
            for member in members:
                if member in hidden:
                    if member not in seen:
                        seen.add(member)
                        reached.add(member)
                elif counts[member] > 0 and member not in found:
                    found[member] = distance
        frontier = reached
    return sorted(found, key=lambda k: (order(k)[0], found[k], *order(k)[1:]))


# --- what is measured ------------------------------------------------------------------------

# The counts of one row of referrals, in the order the parts make up their wholes.
ANSWER_PARTS = ("accepted", "rejected", "waiting", "withdrawn")
OUTCOME_PARTS = ("got_help", "did_not_get_help", "no_outcome")
REASON_PARTS = tuple(f"reason_{r.value}" for r in REJECTION_REASONS)
# Never shown: the rest of a whole, tallied so the rule can tell what subtraction would give.
_ACCEPTED_NOT_STARTED = "accepted_not_started"
_CLOSED_AFTER_ACCEPTANCE = "closed_after_acceptance"
_REJECTED_OTHER_REASON = "reason_other"
REFERRAL_COUNTS = (
    "sent",
    *ANSWER_PARTS,
    "started",
    "closed",
    *OUTCOME_PARTS,
    *REASON_PARTS,
)
_REFERRAL_UNSEEN = (_ACCEPTED_NOT_STARTED, _CLOSED_AFTER_ACCEPTANCE, _REJECTED_OTHER_REASON)
INQUIRY_PARTS = ("yes", "no", "unanswered", "withdrawn")
INQUIRY_COUNTS = ("asked", *INQUIRY_PARTS)


def _referral_sums(key: Hashable) -> list[tuple[Hashable, list[Hashable]]]:
    """How the counts of one row make up each other."""

    def k(name: str) -> Hashable:
        return (key, name)

    return [
        (k("sent"), [k(p) for p in ANSWER_PARTS]),
        (k("accepted"), [k("started"), k(_ACCEPTED_NOT_STARTED)]),
        (k("closed"), [k(p) for p in OUTCOME_PARTS]),
        (k("closed"), [k("rejected"), k("withdrawn"), k(_CLOSED_AFTER_ACCEPTANCE)]),
        (k("rejected"), [*(k(p) for p in REASON_PARTS), k(_REJECTED_OTHER_REASON)]),
    ]


def _days(since: datetime, until: datetime) -> float:
    return (until - since).total_seconds() / _DAY_SECONDS


@dataclass
class _Tally:
    counts: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    to_accept: list[float] = field(default_factory=list)
    to_start: list[float] = field(default_factory=list)


def _answer(parts: tuple[str, str, str, str], accepted: bool, status: str) -> str:
    """Which of a row's four answers a referral or an inquiry has had, named by `parts`:
    accepted, not accepted, none yet (still requested), or withdrawn before one."""
    if accepted:
        return parts[0]
    if status == ReferralStatus.REJECTED:
        return parts[1]
    return parts[2] if status == ReferralStatus.REQUESTED else parts[3]


def _tally_referral(
    tally: _Tally,
    status: str,
    reason: str,
    outcome: str,
    requested_at: datetime,
    accepted_at: datetime | None,
    started_at: datetime | None,
) -> None:
    c = tally.counts
    c["sent"] += 1
    accepted = accepted_at is not None or status in _AFTER_ACCEPTANCE
    c[_answer(ANSWER_PARTS, accepted, status)] += 1
    if accepted:
        if accepted_at is not None and accepted_at >= requested_at:
            tally.to_accept.append(_days(requested_at, accepted_at))
        if started_at is not None:
            c["started"] += 1
            if started_at >= requested_at:
                tally.to_start.append(_days(requested_at, started_at))
        else:
            c[_ACCEPTED_NOT_STARTED] += 1
    elif status == ReferralStatus.REJECTED:
        known = {r.value for r in REJECTION_REASONS}
        c[f"reason_{reason}" if reason in known else _REJECTED_OTHER_REASON] += 1
    if status in states.CLOSED:
        c["closed"] += 1
        if accepted:
            c[_CLOSED_AFTER_ACCEPTANCE] += 1
        if outcome == ReferralOutcome.GOT_HELP:
            c["got_help"] += 1
        elif outcome == ReferralOutcome.DID_NOT_GET_HELP:
            c["did_not_get_help"] += 1
        else:
            c["no_outcome"] += 1


def _tally_inquiry(tally: _Tally, status: str, accepted_at: datetime | None) -> None:
    tally.counts["asked"] += 1
    accepted = accepted_at is not None or status == ReferralStatus.ACCEPTED
    tally.counts[_answer(INQUIRY_PARTS, accepted, status)] += 1


@dataclass(frozen=True)
class ReferralRow:
    """The figures of one line: every referral, one receiving agency or one need."""

    by: str  # ALL, AGENCY or NEED
    code: str  # the need's code on a NEED line; "" otherwise
    name: str
    sent: Figure
    accepted: Figure
    rejected: Figure
    waiting: Figure
    withdrawn: Figure
    answered: Figure
    accepted_share: Figure
    median_days_to_accept: Figure
    p90_days_to_accept: Figure
    started: Figure
    median_days_to_start: Figure
    p90_days_to_start: Figure
    closed: Figure
    got_help: Figure
    did_not_get_help: Figure
    no_outcome: Figure
    with_outcome: Figure
    with_outcome_share: Figure
    rejected_by_reason: dict[str, Figure]


@dataclass(frozen=True)
class InquiryRow:
    by: str
    code: str
    name: str
    asked: Figure
    yes: Figure
    no: Figure
    unanswered: Figure
    withdrawn: Figure
    yes_share: Figure


@dataclass(frozen=True)
class ReferralMeasures:
    scope: Scope
    period: Period
    today: date
    referrals: ReferralRow
    referrals_by_agency: list[ReferralRow]
    referrals_by_need: list[ReferralRow]
    inquiries: InquiryRow
    inquiries_by_agency: list[InquiryRow]
    inquiries_by_need: list[InquiryRow]

    @property
    def suppressed(self) -> bool:
        """Small counts are hidden (community-wide figures)."""
        return self.scope.community


def referral_measures(actor: Actor, period: Period = ALL_TIME) -> ReferralMeasures:
    """The referral measures this actor may see (needs.scope_of: Forbidden for roles without
    measures), for `period`. Not audited here: the page, the CSV and the API each record
    what they showed (record_viewed)."""
    return measure_referrals(scope_of(actor), period, zone=actor.agency.time_zone)


def _sent_by(scope: Scope) -> Q:
    """A supervisor's agency's referrals are those it sent (the cases it leads, whose every
    referral it can see). The receiving side is not measured per agency here: a receiver
    may not have been told the need a referral was for."""
    if scope.community:
        return Q()
    return Q(from_agency_id=scope.agency_id)


def measure_referrals(
    scope: Scope, period: Period, *, zone: str, now: datetime | None = None
) -> ReferralMeasures:
    """Every figure for the referrals in `scope` sent in `period` (2 queries, whatever
    their number)."""
    now = now or timezone.now()
    suppress = scope.community
    since, until = period.bounds(zone)
    sent = Referral.objects.filter(_sent_by(scope), requested_at__isnull=False).exclude(
        status__in=[ReferralStatus.DRAFT, ReferralStatus.ENTERED_IN_ERROR]
    )
    if since is not None:
        sent = sent.filter(requested_at__gte=since)
    if until is not None:
        sent = sent.filter(requested_at__lt=until)
    rows = sent.order_by().values_list(
        "kind",
        "status",
        "reason",
        "outcome",
        "to_agency_id",
        "to_agency__name",
        "domain_code",
        "requested_at",
        "accepted_at",
        "started_at",
    )
    referrals: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    inquiries: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    agency_names: dict[str, str] = {}
    for (
        kind,
        status,
        reason,
        outcome,
        agency_id,
        agency_name,
        domain_code,
        requested_at,
        accepted_at,
        started_at,
    ) in rows:
        assert requested_at is not None
        agency_names[str(agency_id)] = agency_name
        keys = ((ALL, ""), (AGENCY, str(agency_id)), (NEED, domain_code or NO_NEED))
        for key in keys:
            if kind == ReferralKind.CAPACITY_INQUIRY:
                _tally_inquiry(inquiries[key], status, accepted_at)
            else:
                _tally_referral(
                    referrals[key],
                    status,
                    reason,
                    outcome,
                    requested_at,
                    accepted_at,
                    started_at,
                )
    names = _row_names(agency_names, {*referrals, *inquiries})
    every, by_agency, by_need = _rows(
        referrals,
        names,
        suppress,
        counted=REFERRAL_COUNTS,
        unseen=_REFERRAL_UNSEEN,
        sums=_referral_sums,
        every=_("Every referral"),
        row=_referral_row,
    )
    asked, asked_by_agency, asked_by_need = _rows(
        inquiries,
        names,
        suppress,
        counted=INQUIRY_COUNTS,
        sums=_inquiry_sums,
        every=_("Every capacity inquiry"),
        row=_inquiry_row,
    )
    return ReferralMeasures(
        scope=scope,
        period=period,
        today=timezone.localdate(now),
        referrals=every,
        referrals_by_agency=by_agency,
        referrals_by_need=by_need,
        inquiries=asked,
        inquiries_by_agency=asked_by_agency,
        inquiries_by_need=asked_by_need,
    )


def _row_names(
    agency_names: Mapping[str, str], keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[tuple[int, str], str]]:
    """Each line's sort key and name: agencies by name; needs in the assessment's order, a
    need no longer known by its code, and "no need named" last."""
    domains = {
        code: (position, name)
        for code, name, position in NeedDomain.objects.values_list("code", "name", "position")
    }
    found: dict[tuple[str, str], tuple[tuple[int, str], str]] = {(ALL, ""): ((0, ""), "")}
    for by, code in keys:
        if by == AGENCY:
            name = agency_names[code]
            found[(by, code)] = ((0, name.casefold()), name)
        elif by == NEED:
            if code == NO_NEED:
                found[(by, code)] = ((1_000_001, ""), _("No need named"))
            elif code in domains:
                position, name = domains[code]
                found[(by, code)] = ((position, code), name)
            else:
                found[(by, code)] = ((1_000_000, code), code)
    return found


_Names = Mapping[tuple[str, str], tuple[tuple[int, str], str]]


def _ordered(keys: Iterable[tuple[str, str]], by: str, names: _Names) -> list[tuple[str, str]]:
    return sorted((k for k in keys if k[0] == by), key=lambda k: names[k][0])


def _cross_sums(
    keys: Iterable[tuple[str, str]], counted: Sequence[str]
) -> list[tuple[Hashable, list[Hashable]]]:
    """The agencies' lines add up to the line of every referral, and so do the needs'."""
    keys = list(keys)
    sums: list[tuple[Hashable, list[Hashable]]] = []
    for by in (AGENCY, NEED):
        parts = [k for k in keys if k[0] == by]
        for name in counted:
            sums.append((((ALL, ""), name), [(k, name) for k in parts]))
    return sums


def _headline_last(key: Hashable) -> int:
    """To protect a small count, hide the agencies' and needs' figures before those of
    every referral."""
    assert isinstance(key, tuple)
    return 1 if key[0] == (ALL, "") else 0


class _Line(TypedDict):
    """What names a line: every referral, one receiving agency or one need."""

    by: str
    code: str
    name: str


def _rows[R: (ReferralRow, InquiryRow)](
    tallies: Mapping[tuple[str, str], _Tally],
    names: _Names,
    suppress: bool,
    *,
    counted: Sequence[str],
    unseen: Sequence[str] = (),
    sums: Callable[[Hashable], list[tuple[Hashable, list[Hashable]]]],
    every: str,
    row: Callable[[_Line, Callable[[str], Figure], _Tally, bool], R],
) -> tuple[R, list[R], list[R]]:
    """The line of every referral (or inquiry, named `every`), the agencies' lines and the
    needs' lines, each made by `row(line, figure, tally, suppress)`, where `figure(name)` is
    a count of `counted` as it may be shown: small counts hidden across the whole table
    (`sums` tie the counts of one line together; `unseen` are tallied, never shown)."""
    keys = [(ALL, ""), *(k for k in tallies if k != (ALL, ""))]
    counts: dict[Hashable, int] = {
        (key, name): tallies.get(key, _Tally()).counts.get(name, 0)
        for key in keys
        for name in (*counted, *unseen)
    }
    linked = [s for key in keys for s in sums(key)]
    linked += _cross_sums(keys, counted)
    hidden = [(key, name) for key in keys for name in unseen]
    shown = suppress_linked(counts, linked, suppress=suppress, unseen=hidden, cost=_headline_last)

    def make(key: tuple[str, str]) -> R:
        def figure(name: str) -> Figure:
            return shown[(key, name)]

        line = _Line(by=key[0], code=key[1] if key[0] == NEED else "", name=names[key][1] or every)
        return row(line, figure, tallies.get(key, _Tally()), suppress)

    return (
        make((ALL, "")),
        [make(k) for k in _ordered(keys, AGENCY, names)],
        [make(k) for k in _ordered(keys, NEED, names)],
    )


# The counts a referral's line shows as they are, in its fields of the same names.
_REFERRAL_SHOWN = ("sent", *ANSWER_PARTS, "started", "closed", *OUTCOME_PARTS)


def _referral_row(
    line: _Line, f: Callable[[str], Figure], tally: _Tally, suppress: bool
) -> ReferralRow:
    answered = figures.sum_of(f("accepted"), f("rejected"))
    with_outcome = figures.sum_of(f("got_help"), f("did_not_get_help"))
    accept, start = tally.to_accept, tally.to_start
    return ReferralRow(
        **line,
        **{name: f(name) for name in _REFERRAL_SHOWN},
        answered=answered,
        accepted_share=figures.share(f("accepted"), answered, suppress=suppress),
        median_days_to_accept=figures.statistic(
            figures.median(accept), len(accept), suppress=suppress
        ),
        p90_days_to_accept=figures.statistic(
            figures.percentile_90(accept), len(accept), suppress=suppress
        ),
        median_days_to_start=figures.statistic(
            figures.median(start), len(start), suppress=suppress
        ),
        p90_days_to_start=figures.statistic(
            figures.percentile_90(start), len(start), suppress=suppress
        ),
        with_outcome=with_outcome,
        with_outcome_share=figures.share(with_outcome, f("closed"), suppress=suppress),
        rejected_by_reason={r.value: f(f"reason_{r.value}") for r in REJECTION_REASONS},
    )


def _inquiry_sums(key: Hashable) -> list[tuple[Hashable, list[Hashable]]]:
    return [((key, "asked"), [(key, p) for p in INQUIRY_PARTS])]


def _inquiry_row(
    line: _Line, f: Callable[[str], Figure], _tally: _Tally, suppress: bool
) -> InquiryRow:
    yes_share = figures.share(f("yes"), figures.sum_of(f("yes"), f("no")), suppress=suppress)
    return InquiryRow(**line, **{name: f(name) for name in INQUIRY_COUNTS}, yes_share=yes_share)


# --- showing them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table of the page (and one section of the CSV): its columns, and its lines in
    groups (every referral; by receiving agency; by need)."""

    key: str
    heading: str
    caption: str
    columns: list[str]
    groups: list[tuple[str, str, list[tuple[str, list[Figure]]]]]  # (by, heading, lines)


def _table[R: (ReferralRow, InquiryRow)](
    key: str,
    heading: str,
    caption: str,
    rows: tuple[R, list[R], list[R]],
    columns: Sequence[tuple[str, Callable[[R], Figure]]],
) -> Table:
    """A table of `columns` (label, figure of a line), in groups: every referral (or
    inquiry); by receiving agency; by need."""
    every, by_agency, by_need = rows

    def cells(r: R) -> list[Figure]:
        return [get(r) for _label, get in columns]

    return Table(
        key=key,
        heading=heading,
        caption=caption,
        columns=[label for label, _get in columns],
        groups=[
            (ALL, "", [(every.name, cells(every))]),
            (AGENCY, _("By receiving agency"), [(r.name, cells(r)) for r in by_agency]),
            (NEED, _("By need"), [(r.name, cells(r)) for r in by_need]),
        ],
    )


def reason_label(code: str) -> str:
    return str(ReferralReason(code).label)


def _referral_labels() -> dict[str, str]:
    """Each figure of a referral line, as its column is headed."""
    return {
        "sent": _("Sent"),
        "accepted": _("Accepted"),
        "rejected": _("Not accepted"),
        "waiting": _("Waiting for an answer"),
        "withdrawn": _("Withdrawn before an answer"),
        "accepted_share": _("Acceptance rate"),
        "median_days_to_accept": _("Median days to acceptance"),
        "p90_days_to_accept": _("90th percentile days to acceptance"),
        "started": _("Services started"),
        "median_days_to_start": _("Median days to services started"),
        "p90_days_to_start": _("90th percentile days to services started"),
        "closed": _("Closed"),
        "got_help": _("Got help"),
        "did_not_get_help": _("Did not get help"),
        "no_outcome": _("No outcome recorded"),
        "with_outcome_share": _("Share closed with an outcome"),
    }


def _inquiry_labels() -> dict[str, str]:
    """Each figure of a capacity inquiry line, as its column is headed."""
    return {
        "asked": _("Asked"),
        "yes": _("Said yes"),
        "no": _("Said no"),
        "unanswered": _("Not answered yet"),
        "withdrawn": _("Withdrawn"),
        "yes_share": _("Share that said yes"),
    }


def _columns(labels: Mapping[str, str], *names: str) -> list[tuple[str, Callable[[Any], Figure]]]:
    """The columns of a line's figures of these names."""
    return [(labels[name], attrgetter(name)) for name in names]


def _by_reason(code: str) -> Callable[[ReferralRow], Figure]:
    return lambda row: row.rejected_by_reason[code]


def tables(measures: ReferralMeasures) -> list[Table]:
    """The tables of the page, in order; the CSV is the same tables a figure a row."""
    period = {"period": measures.period.label}
    m = measures
    referrals = (m.referrals, m.referrals_by_agency, m.referrals_by_need)
    inquiries = (m.inquiries, m.inquiries_by_agency, m.inquiries_by_need)
    referral, inquiry = _referral_labels(), _inquiry_labels()
    by_reason = [(reason_label(r.value), _by_reason(r.value)) for r in REJECTION_REASONS]
    return [
        _table(
            "answers",
            _("Answers"),
            _("How referrals were answered, by when they were sent: %(period)s") % period,
            referrals,
            _columns(referral, "sent", *ANSWER_PARTS, "accepted_share"),
        ),
        _table(
            "times",
            _("Time to acceptance and to services"),
            _("Days from sending, by when referrals were sent: %(period)s") % period,
            referrals,
            _columns(
                referral,
                "median_days_to_accept",
                "p90_days_to_accept",
                "started",
                "median_days_to_start",
                "p90_days_to_start",
            ),
        ),
        _table(
            "outcomes",
            _("Loop closed with an outcome"),
            _("Referrals closed now, and whether the outcome is known, by when sent: %(period)s")
            % period,
            referrals,
            _columns(referral, "closed", *OUTCOME_PARTS, "with_outcome_share"),
        ),
        _table(
            "reasons",
            _("Not accepted, by reason"),
            _("Referrals not accepted, by the reason given, by when sent: %(period)s") % period,
            referrals,
            [*_columns(referral, "rejected"), *by_reason],
        ),
        _table(
            "inquiries",
            _("Capacity inquiries"),
            _("Capacity inquiries and their answers, by when they were sent: %(period)s") % period,
            inquiries,
            _columns(inquiry, *INQUIRY_COUNTS, "yes_share"),
        ),
    ]


def record_viewed(actor: Actor, measures: ReferralMeasures, *, shown_as: str) -> None:
    """Audit a look at the measures: which, whose referrals, which period, how (page, csv,
    api). Never a name: there is none in them."""
    record(
        actor,
        AuditAction.MEASURES_VIEWED,
        detail={
            "measures": "referrals",
            "scope": measures.scope.key,
            "period": measures.period.key,
            "as": shown_as,
        },
    )


def scope_label(scope: Scope) -> str:
    return (
        _("Every referral in the community")
        if scope.community
        else _("The referrals your agency sent")
    )


def referrals_csv(measures: ReferralMeasures) -> str:
    """The figures as CSV, one figure a row (section, by, agency or need, figure, value),
    exactly as the page shows them. Every cell is guarded against spreadsheet formulas:
    agency and need names are the community's own words."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*cells: object) -> None:
        writer.writerow([safe_cell(str(c)) for c in cells])

    by_words = {ALL: _("All"), AGENCY: _("Receiving agency"), NEED: _("Need")}
    row(_("Section"), _("By"), _("Agency or need"), _("Figure"), _("Value"))
    row(_("About"), "", "", _("Whose referrals"), scope_label(measures.scope))
    row(_("About"), "", "", _("Period (by the day a referral was sent)"), measures.period.label)
    row(_("About"), "", "", _("Figures are as they stand on"), measures.today.isoformat())
    row(_("About"), "", "", _("Times are in"), _("days of 24 hours"))
    if measures.suppressed:
        row(_("About"), "", "", _("Small counts"), _("Counts from 1 to 10 are shown as <11"))
    for table in tables(measures):
        for by, _heading, lines in table.groups:
            for name, cells in lines:
                for label, figure in zip(table.columns, cells, strict=True):
                    row(table.heading, by_words[by], name, label, figure.shown)
    return out.getvalue()
