"""Measures pages: the index of every practice's measures, the needs and care-plan figures
and the MDT figures (on screen or as CSV). For roles with Permission.VIEW_MEASURES only; no
page here shows a name, a case reference or an id."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.core.web import actor_required
from continuum.outcomes import gaps as gap_measures
from continuum.outcomes import mdt as mdt_measures
from continuum.outcomes import needs as needs_measures
from continuum.outcomes import referral_measures
from continuum.outcomes.figures import SMALL_COUNT_MAX, Figure
from continuum.outcomes.periods import ALL_TIME, Period, PeriodInvalid, parse_period

# The bars of the chart are twelfths of the widest (USWDS grid columns: no inline style).
BAR_STEPS = 12


@actor_required
def index(request: HttpRequest, actor: Actor) -> HttpResponse:
    """What can be measured, practice by practice."""
    policy.require(actor, policy.Permission.VIEW_MEASURES)
    scope = needs_measures.scope_of(actor)
    return render(
        request,
        "outcomes/index.html",
        {"scope": scope, "scope_label": needs_measures.scope_label(scope), "nav": "measures"},
    )


@actor_required
def needs(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Needs by domain, care-plan reviews and assessment sessions, for a period (GET month,
    or from and to); ?format=csv downloads the same figures. Audited either way."""
    return _measures_page(
        request,
        actor,
        name="needs",
        compute=needs_measures.needs_measures,
        to_csv=needs_measures.needs_csv,
        record_viewed=needs_measures.record_viewed,
        template="outcomes/needs.html",
        extra_context=lambda measures: {
            "rows": [
                (d, needs_measures.domain_figures(d, measures.unmet_days)) for d in measures.domains
            ],
            "chart": _chart(measures),
        },
    )


@actor_required
def mdt(request: HttpRequest, actor: Actor) -> HttpResponse:
    """MDT staffings in time, action items done on time, attendance by agency, meetings
    without a required role and MOU coverage, for a period (GET month, or from and to);
    ?format=csv downloads the same figures. Audited either way."""
    return _measures_page(
        request,
        actor,
        name="mdt",
        compute=mdt_measures.mdt_measures,
        to_csv=mdt_measures.mdt_csv,
        record_viewed=mdt_measures.record_viewed,
        template="outcomes/mdt.html",
        extra_context=lambda measures: {
            "staffing": mdt_measures.staffing_figures(measures.staffing),
            "actions": mdt_measures.action_figures(measures.actions),
            "meetings": mdt_measures.meeting_figures(measures.meetings),
            "mou": mdt_measures.mou_figures(measures.mous),
        },
    )


@actor_required
def referrals(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Referrals accepted, days to acceptance and to services started, loops closed with an
    outcome and reasons for not accepting, by receiving agency and by need, with capacity
    inquiries apart; for a period (GET month, or from and to); ?format=csv downloads the
    same figures. Audited either way."""
    return _measures_page(
        request,
        actor,
        name="referrals",
        compute=referral_measures.referral_measures,
        to_csv=referral_measures.referrals_csv,
        record_viewed=referral_measures.record_viewed,
        template="outcomes/referrals.html",
        extra_context=lambda measures: {"tables": referral_measures.tables(measures)},
    )


@actor_required
def gaps(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Young people waiting with an unmet need against services and their room, by need and
    county, as of now (no period); ?format=csv downloads the same table. Audited either
    way."""
    measures = gap_measures.gap_measures(actor)
    if request.GET.get("format") == "csv":
        gap_measures.record_viewed(actor, measures, shown_as="csv")
        response = HttpResponse(gap_measures.gaps_csv(measures), content_type="text/csv")
        day = measures.today.isoformat()
        response["Content-Disposition"] = f'attachment; filename="measures-gaps-{day}.csv"'
        return response
    gap_measures.record_viewed(actor, measures, shown_as="page")
    return render(
        request,
        "outcomes/gaps.html",
        {
            "measures": measures,
            "chart": _gap_chart(measures),
            "small_max": SMALL_COUNT_MAX,
            "nav": "measures",
        },
    )


def _gap_chart(
    measures: gap_measures.GapMeasures,
) -> list[tuple[str, gap_measures.GapRow, int, int]]:
    """Each need's counties as pairs of bars: (need, row, twelfths of the most young people
    waiting, twelfths of the most services). A hidden figure gets no bar."""
    rows = [(d.name, row) for d in measures.domains for row in d.counties]
    most_waiting = max((int(r.waiting.value or 0) for _n, r in rows if r.waiting.exact), default=0)
    most_services = max((int(r.services.value or 0) for _n, r in rows), default=0)

    def steps(value: int | float | None, most: int) -> int:
        if not value or not most:
            return 0
        return max(1, math.ceil(BAR_STEPS * float(value) / most))

    return [
        (
            name,
            row,
            steps(row.waiting.value, most_waiting),
            steps(row.services.value, most_services),
        )
        for name, row in rows
    ]


class _Measures(Protocol):
    """What every set of measures has that the page around them shows."""

    @property
    def scope(self) -> needs_measures.Scope: ...

    @property
    def period(self) -> Period: ...


class _RecordViewed[M](Protocol):
    def __call__(self, actor: Actor, measures: M, /, *, shown_as: str) -> None: ...


def _measures_page[M: _Measures](
    request: HttpRequest,
    actor: Actor,
    *,
    name: str,
    compute: Callable[[Actor, Period], M],
    to_csv: Callable[[M], str],
    record_viewed: _RecordViewed[M],
    template: str,
    extra_context: Callable[[M], dict[str, Any]],
) -> HttpResponse:
    """One measures page for the period asked for (GET month, or from and to; a period that
    cannot be read is shown as a message over all time), or with ?format=csv and a good
    period its figures as a download named measures-{name}-{period}.csv. The look is audited
    (record_viewed, as "csv" or "page")."""
    scope = needs_measures.scope_of(actor)
    month = request.GET.get("month", "")
    start = request.GET.get("from", "")
    end = request.GET.get("to", "")
    problem = ""
    try:
        period = parse_period(month, start, end, whole_months=scope.community)
    except PeriodInvalid as bad:
        problem = str(bad)
        period = ALL_TIME
    measures = compute(actor, period)
    if request.GET.get("format") == "csv" and not problem:
        record_viewed(actor, measures, shown_as="csv")
        response = HttpResponse(to_csv(measures), content_type="text/csv")
        key = measures.period.key.replace("..", "_to_") or "all"
        response["Content-Disposition"] = f'attachment; filename="measures-{name}-{key}.csv"'
        return response
    record_viewed(actor, measures, shown_as="page")
    query = request.GET.copy()
    query.pop("format", None)
    query["format"] = "csv"
    return render(
        request,
        template,
        {
            "measures": measures,
            "scope_label": needs_measures.scope_label(measures.scope),
            "problem": problem,
            "days_allowed": not scope.community,
            **_form_values(period, typed=(month, start, end) if problem else None),
            "csv_query": "" if problem else query.urlencode(),
            **extra_context(measures),
            "small_max": SMALL_COUNT_MAX,
            "nav": "measures",
        },
    )


def _form_values(period: Period, *, typed: tuple[str, str, str] | None) -> dict[str, str]:
    """What the period form shows: what was typed after a mistake, else the period shown."""
    if typed is not None:
        month, start, end = typed
    elif period.month:
        month, start, end = period.key, "", ""
    else:
        month = ""
        start = period.start.isoformat() if period.start else ""
        end = period.end.isoformat() if period.end else ""
    return {"month_value": month, "from_value": start, "to_value": end}


def _chart(measures: needs_measures.NeedsMeasures) -> list[tuple[str, Figure, int]]:
    """Needs identified by domain as bars: (name, figure, twelfths of the widest). A hidden
    figure gets no bar (its length would tell what the text hides)."""
    widest = max(
        (int(d.identified.value or 0) for d in measures.domains if d.identified.exact), default=0
    )
    bars = []
    for domain in measures.domains:
        value = domain.identified.value
        steps = 0
        if value and widest:
            steps = max(1, math.ceil(BAR_STEPS * float(value) / widest))
        bars.append((domain.name, domain.identified, steps))
    return bars
