"""Measures pages: the index of every practice's measures, the needs and care-plan figures
and the MDT figures (on screen or as CSV). For roles with Permission.VIEW_MEASURES only; no
page here shows a name, a case reference or an id."""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.core.web import actor_required
from continuum.outcomes import mdt as mdt_measures
from continuum.outcomes import needs as needs_measures
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
    measures = needs_measures.needs_measures(actor, period)
    if request.GET.get("format") == "csv" and not problem:
        needs_measures.record_viewed(actor, measures, shown_as="csv")
        response = HttpResponse(needs_measures.needs_csv(measures), content_type="text/csv")
        name = measures.period.key.replace("..", "_to_") or "all"
        response["Content-Disposition"] = f'attachment; filename="measures-needs-{name}.csv"'
        return response
    needs_measures.record_viewed(actor, measures, shown_as="page")
    query = request.GET.copy()
    query.pop("format", None)
    query["format"] = "csv"
    return render(
        request,
        "outcomes/needs.html",
        {
            "measures": measures,
            "scope_label": needs_measures.scope_label(measures.scope),
            "problem": problem,
            "days_allowed": not scope.community,
            **_form_values(period, typed=(month, start, end) if problem else None),
            "csv_query": "" if problem else query.urlencode(),
            "rows": [
                (d, needs_measures.domain_figures(d, measures.unmet_days)) for d in measures.domains
            ],
            "chart": _chart(measures),
            "small_max": SMALL_COUNT_MAX,
            "nav": "measures",
        },
    )


@actor_required
def mdt(request: HttpRequest, actor: Actor) -> HttpResponse:
    """MDT staffings in time, action items done on time, attendance by agency, meetings
    without a required role and MOU coverage, for a period (GET month, or from and to);
    ?format=csv downloads the same figures. Audited either way."""
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
    measures = mdt_measures.mdt_measures(actor, period)
    if request.GET.get("format") == "csv" and not problem:
        mdt_measures.record_viewed(actor, measures, shown_as="csv")
        response = HttpResponse(mdt_measures.mdt_csv(measures), content_type="text/csv")
        name = measures.period.key.replace("..", "_to_") or "all"
        response["Content-Disposition"] = f'attachment; filename="measures-mdt-{name}.csv"'
        return response
    mdt_measures.record_viewed(actor, measures, shown_as="page")
    query = request.GET.copy()
    query.pop("format", None)
    query["format"] = "csv"
    return render(
        request,
        "outcomes/mdt.html",
        {
            "measures": measures,
            "scope_label": needs_measures.scope_label(measures.scope),
            "problem": problem,
            "days_allowed": not scope.community,
            **_form_values(period, typed=(month, start, end) if problem else None),
            "csv_query": "" if problem else query.urlencode(),
            "staffing": mdt_measures.staffing_figures(measures.staffing),
            "actions": mdt_measures.action_figures(measures.actions),
            "meetings": mdt_measures.meeting_figures(measures.meetings),
            "mou": mdt_measures.mou_figures(measures.mous),
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
