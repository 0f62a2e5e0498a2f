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

from continuum.access.actor import Actor
from continuum.api.errors import InvalidInput
from continuum.api.schemas import READ_ERRORS
from continuum.api.tokens import request_actor
from continuum.outcomes import mdt as mdt_measures
from continuum.outcomes import needs as measures
from continuum.outcomes.figures import Figure
from continuum.outcomes.periods import Period, PeriodInvalid, parse_period

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


def _period(actor: Actor, params: PeriodQuery) -> Period:
    """The period asked for; one that cannot be read is a 422 saying why. The whole community
    is measured by whole months only."""
    try:
        return parse_period(
            params.month,
            params.from_,
            params.to,
            whole_months=measures.scope_of(actor).community,
        )
    except PeriodInvalid as bad:
        raise InvalidInput(str(bad)) from bad


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
    period = _period(actor, params)
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


class StaffingOut(Schema):
    needing: FigureOut = Field(description="Cases with an intake date in the period.")
    in_time: FigureOut = Field(description="First staffed on or before the due date.")
    late: FigureOut = Field(description="First staffed after the due date.")
    overdue: FigureOut = Field(description="Not staffed; the due date is before today.")
    not_yet_due: FigureOut = Field(description="Not staffed; due today or later.")
    in_time_percent: FigureOut = Field(description="In time, of in time + late + overdue.")
    median_days: FigureOut = Field(description="Days from intake to first staffing.")
    p90_days: FigureOut
    cannot_compute: FigureOut = Field(description="Cases opened in the period, no intake date.")


class ActionItemsOut(Schema):
    due: FigureOut = Field(description="Action items due in the period, not cancelled.")
    on_time: FigureOut
    late: FigureOut
    overdue: FigureOut
    not_yet_due: FigureOut
    on_time_percent: FigureOut = Field(description="On time, of on time + late + overdue.")


class AgencyAttendanceOut(Schema):
    agency: str
    invited: FigureOut = Field(description="Meetings held in the period it was invited to.")
    attended: FigureOut
    attended_percent: FigureOut = Field(description="Of the meetings invited to, attended.")


class MeetingsOut(Schema):
    held: FigureOut
    without_required_role: FigureOut
    agencies: list[AgencyAttendanceOut]


class ProtocolCoverageOut(Schema):
    protocol: str
    mou_in_force: bool
    members: FigureOut
    signed: FigureOut
    signed_percent: FigureOut


class MouOut(Schema):
    members: FigureOut = Field(description="Now: member agencies of the protocols in scope.")
    signed: FigureOut = Field(description="Now: of those, signed an MOU in force.")
    signed_percent: FigureOut
    protocols: list[ProtocolCoverageOut]


class MdtMeasuresOut(Schema):
    scope: Literal["agency", "community"]
    small_counts_hidden: bool
    period: PeriodOut
    as_of: date = Field(description="Today: overdue is before it; MOU figures are as of it.")
    staffing: StaffingOut
    action_items: ActionItemsOut
    meetings: MeetingsOut
    mou: MouOut


@router.get(
    "/mdt",
    response={200: MdtMeasuresOut, **READ_ERRORS},
    summary="MDT staffing measures",
)
def mdt(request: HttpRequest, params: Query[PeriodQuery]) -> dict[str, Any]:
    """Cases staffed by the MDT in the protocol's time (by intake date), days from intake to
    first staffing (median and 90th percentile), action items done on time, attendance by
    agency, meetings without a required role, and MOU coverage of the member agencies; for a
    month or a range of days (none: all time). Definitions: docs/measures.md. Audited
    (`measures.viewed`)."""
    actor = request_actor(request)
    period = _period(actor, params)
    found = mdt_measures.mdt_measures(actor, period)
    mdt_measures.record_viewed(actor, found, shown_as="api")
    staffing, actions, meetings, mous = found.staffing, found.actions, found.meetings, found.mous
    return {
        "scope": found.scope.key,
        "small_counts_hidden": found.suppressed,
        "period": {"key": period.key, "start": period.start, "end": period.end},
        "as_of": found.today,
        "staffing": {
            "needing": _figure(staffing.needing),
            "in_time": _figure(staffing.in_time),
            "late": _figure(staffing.late),
            "overdue": _figure(staffing.overdue),
            "not_yet_due": _figure(staffing.not_yet_due),
            "in_time_percent": _figure(staffing.in_time_share),
            "median_days": _figure(staffing.median_days),
            "p90_days": _figure(staffing.p90_days),
            "cannot_compute": _figure(staffing.cannot_compute),
        },
        "action_items": {
            "due": _figure(actions.due),
            "on_time": _figure(actions.on_time),
            "late": _figure(actions.late),
            "overdue": _figure(actions.overdue),
            "not_yet_due": _figure(actions.not_yet_due),
            "on_time_percent": _figure(actions.on_time_share),
        },
        "meetings": {
            "held": _figure(meetings.held),
            "without_required_role": _figure(meetings.without_required_role),
            "agencies": [
                {
                    "agency": a.name,
                    "invited": _figure(a.invited),
                    "attended": _figure(a.attended),
                    "attended_percent": _figure(a.attended_share),
                }
                for a in meetings.agencies
            ],
        },
        "mou": {
            "members": _figure(mous.members),
            "signed": _figure(mous.signed),
            "signed_percent": _figure(mous.signed_share),
            "protocols": [
                {
                    "protocol": p.name,
                    "mou_in_force": p.mou_in_force,
                    "members": _figure(p.members),
                    "signed": _figure(p.signed),
                    "signed_percent": _figure(p.signed_share),
                }
                for p in mous.protocols
            ],
        },
    }
