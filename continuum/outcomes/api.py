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
from continuum.outcomes import gaps as gap_measures
from continuum.outcomes import mdt as mdt_measures
from continuum.outcomes import needs as measures
from continuum.outcomes import referral_measures
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


# --- referrals (issue #7) ---------------------------------------------------------------------


class ReferralReasonFiguresOut(Schema):
    not_eligible: FigureOut
    no_capacity: FigureOut
    could_not_contact: FigureOut
    declined: FigureOut


class ReferralFiguresOut(Schema):
    sent: FigureOut = Field(description="Sent in the period (drafts and entered-in-error never).")
    accepted: FigureOut = Field(description="Accepted, whatever came after.")
    not_accepted: FigureOut
    waiting: FigureOut = Field(description="Still waiting for an answer.")
    withdrawn: FigureOut = Field(description="Cancelled by the sender before an answer.")
    answered: FigureOut = Field(description="Accepted + not accepted.")
    acceptance_percent: FigureOut = Field(description="Accepted, of answered.")
    median_days_to_acceptance: FigureOut = Field(description="Days of 24 hours, sent to accepted.")
    p90_days_to_acceptance: FigureOut
    services_started: FigureOut
    median_days_to_services_started: FigureOut = Field(description="Days, sent to started.")
    p90_days_to_services_started: FigureOut
    closed: FigureOut = Field(description="Not accepted, completed, failed or cancelled.")
    got_help: FigureOut
    did_not_get_help: FigureOut
    no_outcome: FigureOut
    with_outcome: FigureOut = Field(description="Got help + did not get help.")
    with_outcome_percent: FigureOut = Field(description="With an outcome, of closed.")
    not_accepted_by_reason: ReferralReasonFiguresOut


class ReferralFiguresByAgencyOut(ReferralFiguresOut):
    agency: str = Field(description="The receiving agency.")


class ReferralFiguresByNeedOut(ReferralFiguresOut):
    need: str = Field(description='The need domain\'s code; "" for no need named.')
    name: str


class InquiryFiguresOut(Schema):
    asked: FigureOut
    said_yes: FigureOut
    said_no: FigureOut
    not_answered: FigureOut
    withdrawn: FigureOut
    said_yes_percent: FigureOut = Field(description="Said yes, of said yes + said no.")


class InquiryFiguresByAgencyOut(InquiryFiguresOut):
    agency: str


class InquiryFiguresByNeedOut(InquiryFiguresOut):
    need: str
    name: str


class ReferralFigureTablesOut(Schema):
    all: ReferralFiguresOut
    by_agency: list[ReferralFiguresByAgencyOut]
    by_need: list[ReferralFiguresByNeedOut]


class InquiryFigureTablesOut(Schema):
    all: InquiryFiguresOut
    by_agency: list[InquiryFiguresByAgencyOut]
    by_need: list[InquiryFiguresByNeedOut]


class ReferralMeasuresOut(Schema):
    scope: Literal["agency", "community"] = Field(
        description="agency: the referrals the reader's agency sent; community: every one."
    )
    small_counts_hidden: bool
    period: PeriodOut = Field(description="Chooses referrals by the moment they were sent.")
    as_of: date = Field(description="Where each referral stands is as of this day.")
    time_unit: Literal["days"]
    referrals: ReferralFigureTablesOut
    capacity_inquiries: InquiryFigureTablesOut


def _referral_figures(row: referral_measures.ReferralRow) -> dict[str, Any]:
    return {
        "sent": _figure(row.sent),
        "accepted": _figure(row.accepted),
        "not_accepted": _figure(row.rejected),
        "waiting": _figure(row.waiting),
        "withdrawn": _figure(row.withdrawn),
        "answered": _figure(row.answered),
        "acceptance_percent": _figure(row.accepted_share),
        "median_days_to_acceptance": _figure(row.median_days_to_accept),
        "p90_days_to_acceptance": _figure(row.p90_days_to_accept),
        "services_started": _figure(row.started),
        "median_days_to_services_started": _figure(row.median_days_to_start),
        "p90_days_to_services_started": _figure(row.p90_days_to_start),
        "closed": _figure(row.closed),
        "got_help": _figure(row.got_help),
        "did_not_get_help": _figure(row.did_not_get_help),
        "no_outcome": _figure(row.no_outcome),
        "with_outcome": _figure(row.with_outcome),
        "with_outcome_percent": _figure(row.with_outcome_share),
        "not_accepted_by_reason": {
            code: _figure(figure) for code, figure in row.rejected_by_reason.items()
        },
    }


def _inquiry_figures(row: referral_measures.InquiryRow) -> dict[str, Any]:
    return {
        "asked": _figure(row.asked),
        "said_yes": _figure(row.yes),
        "said_no": _figure(row.no),
        "not_answered": _figure(row.unanswered),
        "withdrawn": _figure(row.withdrawn),
        "said_yes_percent": _figure(row.yes_share),
    }


@router.get(
    "/referrals",
    response={200: ReferralMeasuresOut, **READ_ERRORS},
    summary="Referral measures",
)
def referrals(request: HttpRequest, params: Query[PeriodQuery]) -> dict[str, Any]:
    """Referrals sent in the period: accepted, not accepted (by reason), waiting and
    withdrawn; the acceptance rate; days to acceptance and to services started (median and
    90th percentile); closed with an outcome; each for every referral, by receiving agency
    and by need. Capacity inquiries apart. A supervisor: the referrals their agency sent;
    an analyst or network admin: every one, small counts hidden. Definitions:
    docs/measures.md. Audited (`measures.viewed`)."""
    actor = request_actor(request)
    period = _period(actor, params)
    found = referral_measures.referral_measures(actor, period)
    referral_measures.record_viewed(actor, found, shown_as="api")
    return {
        "scope": found.scope.key,
        "small_counts_hidden": found.suppressed,
        "period": {"key": period.key, "start": period.start, "end": period.end},
        "as_of": found.today,
        "time_unit": "days",
        "referrals": {
            "all": _referral_figures(found.referrals),
            "by_agency": [
                {"agency": r.name, **_referral_figures(r)} for r in found.referrals_by_agency
            ],
            "by_need": [
                {"need": r.code, "name": r.name, **_referral_figures(r)}
                for r in found.referrals_by_need
            ],
        },
        "capacity_inquiries": {
            "all": _inquiry_figures(found.inquiries),
            "by_agency": [
                {"agency": r.name, **_inquiry_figures(r)} for r in found.inquiries_by_agency
            ],
            "by_need": [
                {"need": r.code, "name": r.name, **_inquiry_figures(r)}
                for r in found.inquiries_by_need
            ],
        },
    }


# --- community gaps (issue #7) ----------------------------------------------------------------


class GapCapacityOut(Schema):
    unit: str
    available: float = Field(description="The sum of the newest figure of each service.")
    maximum: float | None = Field(
        description="The sum of their maximums; null unless every one of them gives one."
    )
    services: int = Field(description="Services reporting in this unit.")


class GapRowOut(Schema):
    county: str = Field(description='The county as agencies write it; "" when not recorded.')
    all_counties: bool = Field(description="The need's total over every county.")
    waiting: FigureOut = Field(description="Young people waiting: open needs, cases not closed.")
    services: FigureOut = Field(description="Active services for the need (never hidden).")
    services_reporting_capacity: FigureOut
    services_not_reporting_capacity: FigureOut = Field(description="Unknown, which is not 0.")
    capacity: list[GapCapacityOut]
    gap: bool = Field(description="Someone waits, and no service, or none with room.")
    reading: str = Field(description="The row in words.")


class DomainGapsOut(Schema):
    code: str
    name: str
    active: bool
    mapped: bool = Field(description="False: the need has no directory terms to count by.")
    all_counties: GapRowOut
    counties: list[GapRowOut]


class GapMeasuresOut(Schema):
    scope: Literal["agency", "community"] = Field(
        description="Whose young people are counted: the reader's agency's cases, or every "
        "one. Services are always the whole directory's."
    )
    small_counts_hidden: bool
    as_of: date
    domains: list[DomainGapsOut]


def _gap_row(row: gap_measures.GapRow, *, total: bool = False) -> dict[str, Any]:
    return {
        "county": "" if total or row.county == gap_measures.NOT_RECORDED else row.name,
        "waiting": _figure(row.waiting),
        "services": _figure(row.services),
        "services_reporting_capacity": _figure(row.services_reporting),
        "services_not_reporting_capacity": _figure(row.services_not_reporting),
        "capacity": [
            {
                "unit": c.unit,
                "available": c.available,
                "maximum": c.maximum if not c.without_maximum else None,
                "services": c.services,
            }
            for c in row.capacity
        ],
        "all_counties": total,
        "gap": row.gap,
        "reading": row.reading,
    }


@router.get(
    "/gaps",
    response={200: GapMeasuresOut, **READ_ERRORS},
    summary="Community gap analysis",
)
def gaps(request: HttpRequest) -> dict[str, Any]:
    """Young people waiting with an unmet need, by need domain and county (of the case's
    lead agency), against active services for that need and the room they report, by
    county (of the agency keeping the listing); as of now. Aggregate only. Definitions:
    docs/measures.md. Audited (`measures.viewed`)."""
    actor = request_actor(request)
    found = gap_measures.gap_measures(actor)
    gap_measures.record_viewed(actor, found, shown_as="api")
    return {
        "scope": found.scope.key,
        "small_counts_hidden": found.suppressed,
        "as_of": found.today,
        "domains": [
            {
                "code": d.code,
                "name": d.name,
                "active": d.active,
                "mapped": d.mapped,
                "all_counties": _gap_row(d.total, total=True),
                "counties": [_gap_row(row) for row in d.counties],
            }
            for d in found.domains
        ],
    }
