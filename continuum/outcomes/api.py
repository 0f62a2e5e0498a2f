"""/measures: aggregate, de-identified figures (the same as the measures pages and their CSV,
with the same small-count rule). For roles with Permission.VIEW_MEASURES (403 otherwise): a
supervisor gets the cases their agency leads, with exact counts; an analyst or a network
admin the whole community's, with counts from 1 to 10 shown as "<11". No answer carries a
name, a case reference or an id. Registered in continuum/api/api.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, StringConstraints

from continuum.api.errors import InvalidInput
from continuum.api.schemas import READ_ERRORS
from continuum.api.tokens import request_actor
from continuum.outcomes import needs as measures
from continuum.outcomes.figures import Figure
from continuum.outcomes.periods import PeriodInvalid, parse_period

router = Router(tags=["measures"])

ShortText = Annotated[str, StringConstraints(max_length=10)]


class PeriodQuery(Schema):
    month: ShortText = Field("", description="YYYY-MM: that month. Not with from or to.")
    from_: ShortText = Field("", alias="from", description="YYYY-MM-DD: from this day (included).")
    to: ShortText = Field("", description="YYYY-MM-DD: up to this day (included).")


class FigureOut(Schema):
    value: int | float | None = Field(
        description="The exact number; null when it is hidden, or when there is nothing to "
        "show (no values, or a share of nothing)."
    )
    shown: str = Field(
        description='What the page shows: the number, "<11" (a count from 1 to 10), '
        '"hidden" (it would tell a small count, or rests on fewer than 11) or "—".'
    )
    hidden: bool


class DomainOut(Schema):
    code: str
    name: str
    active: bool = Field(description="False for a domain the community no longer uses.")
    identified: FigureOut
    met: FigureOut
    open: FigureOut = Field(description="Now, on cases not closed.")
    unmet_without_help: FigureOut = Field(
        description="Now: open, identified unmet_days ago or more, with no plan task or service."
    )
    deferred: FigureOut = Field(description='Now: "come back to this later".')
    median_days_to_met: FigureOut
    p90_days_to_met: FigureOut


class PlansOut(Schema):
    open_cases: FigureOut
    open_cases_with_plan: FigureOut
    with_plan_percent: FigureOut
    on_time_now: FigureOut = Field(description="Plans of open cases whose review is not overdue.")
    on_time_now_percent: FigureOut
    reviews_done: FigureOut = Field(description="Reviews with the survivor dated in the period.")
    reviews_on_time: FigureOut
    reviews_on_time_percent: FigureOut


class SessionsOut(Schema):
    held: FigureOut
    with_survivor: FigureOut
    with_survivor_percent: FigureOut


class PeriodOut(Schema):
    key: str = Field(description='"all", "2026-11", or "2026-11-01..2026-11-15".')
    start: date | None
    end: date | None


class NeedsMeasuresOut(Schema):
    scope: Literal["agency", "community"]
    small_counts_hidden: bool
    period: PeriodOut
    as_of: date = Field(description="The day of the figures described as now.")
    unmet_days: int
    domains: list[DomainOut]
    plans: PlansOut
    sessions: SessionsOut


def _figure(figure: Figure) -> dict[str, Any]:
    return {"value": figure.value, "shown": figure.shown, "hidden": figure.hidden}


@router.get(
    "/needs",
    response={200: NeedsMeasuresOut, **READ_ERRORS},
    summary="Needs and care-plan measures",
)
def needs(request: HttpRequest, params: Query[PeriodQuery]) -> dict[str, Any]:
    """Needs identified, met and open by domain, days from identified to met (median and
    90th percentile), needs waiting with nothing planned, care plans reviewed with the
    survivor on time, and assessment sessions with the survivor present; for a month or a
    range of days (none: all time). Definitions: docs/measures.md. Audited
    (`measures.viewed`)."""
    actor = request_actor(request)
    try:
        period = parse_period(
            params.month,
            params.from_,
            params.to,
            whole_months=measures.scope_of(actor).community,
        )
    except PeriodInvalid as bad:
        raise InvalidInput(str(bad)) from bad
    found = measures.needs_measures(actor, period)
    measures.record_viewed(actor, found, shown_as="api")
    plans, sessions = found.plans, found.sessions
    return {
        "scope": found.scope.key,
        "small_counts_hidden": found.suppressed,
        "period": {"key": period.key, "start": period.start, "end": period.end},
        "as_of": found.today,
        "unmet_days": found.unmet_days,
        "domains": [
            {
                "code": d.code,
                "name": d.name,
                "active": d.active,
                "identified": _figure(d.identified),
                "met": _figure(d.met),
                "open": _figure(d.open),
                "unmet_without_help": _figure(d.unmet_without_help),
                "deferred": _figure(d.deferred),
                "median_days_to_met": _figure(d.median_days_to_met),
                "p90_days_to_met": _figure(d.p90_days_to_met),
            }
            for d in found.domains
        ],
        "plans": {
            "open_cases": _figure(plans.open_cases),
            "open_cases_with_plan": _figure(plans.open_cases_with_plan),
            "with_plan_percent": _figure(plans.with_plan_share),
            "on_time_now": _figure(plans.on_time_now),
            "on_time_now_percent": _figure(plans.on_time_now_share),
            "reviews_done": _figure(plans.reviews_done),
            "reviews_on_time": _figure(plans.reviews_on_time),
            "reviews_on_time_percent": _figure(plans.reviews_on_time_share),
        },
        "sessions": {
            "held": _figure(sessions.held),
            "with_survivor": _figure(sessions.with_survivor),
            "with_survivor_percent": _figure(sessions.with_survivor_share),
        },
    }
