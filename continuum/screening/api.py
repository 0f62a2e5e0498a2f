"""/screening: the instruments in use, the safety numbers, screenings (start, answers, immediate
safety, calls, finish, the FHIR QuestionnaireResponse) and the monthly report.

Thin: validate (schemas), call screening.actions / screening.queries (and setup_actions /
setup_queries for instruments), shape the answer. The same rules as the pages
(continuum.screening.views): only the person screening, with current screening training,
writes a screening (Forbidden: 403); its result is "screening" data, read by that person and
by those who may see the young person and hold the screening category for them (anyone else:
404, always the same body). Answers never carry a name. Registered in continuum/api/api.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Path, Query, Router, Schema, Status
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StringConstraints

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.api.errors import InvalidInput
from continuum.api.lookups import agency_named
from continuum.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyOut,
    Clean,
    ErrorOut,
    InputSchema,
    PersonOut,
    Version,
)
from continuum.api.tokens import request_actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.screening import actions, queries, setup_actions, setup_queries
from continuum.screening.answers import Answer, AnswersInvalid, answers_from_json, answers_to_json
from continuum.screening.definitions import answers_of, definition_of
from continuum.screening.instrument import QuestionnaireInvalid
from continuum.screening.models import (
    ImmediateNeed,
    Instrument,
    InstrumentStatus,
    SafetyAction,
    SafetyLine,
    Screening,
    ScreeningStatus,
    Setting,
)
from continuum.screening.response import answers_from_response
from continuum.survivors.queries import survivor_for

router = Router(tags=["screening"])

# Database ids are 64-bit: a larger number is not an id (and never reaches the database).
MAX_ID = 2**63 - 1
InstrumentId = Annotated[int, Path(ge=1, le=MAX_ID)]
OTHER_NEED_MAX = 300
MAX_LINE_CODE = 40


# --- input ----------------------------------------------------------------------------------


def _moment_text(value: Any) -> Any:
    # pydantic would take a number as seconds since 1970; a moment must be written as one.
    if value is None or isinstance(value, str | datetime):
        return value
    raise ValueError("Enter a date and time in ISO 8601, e.g. 2026-11-28T14:30:00-05:00.")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(
            "Give the time with its UTC offset (e.g. 2026-11-28T14:30:00-05:00, or Z for "
            "UTC): without one it could be any of several moments."
        )
    return value


Moment = Annotated[datetime, BeforeValidator(_moment_text), AfterValidator(_aware)]


class StartIn(InputSchema):
    survivor_id: UUID
    instrument_id: Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
    setting: Setting
    first_indicator_at: Moment = Field(
        description="When the first indicator was noticed (ISO 8601 with its UTC offset)."
    )
    recovered_at: Moment | None = Field(
        None,
        description="When their whereabouts were unknown: the debriefing after they were "
        "found, from which the clock runs instead.",
    )
    start_now: StrictBool = Field(
        True, description="false: only record that a screening is due (the clock runs)."
    )


class AnswersIn(InputSchema):
    version: Version
    answers: dict[str, Any] = Field(
        description='By linkId: {"value": …} or {"declined": true}. A question left out is '
        "skipped. Replaces every answer saved so far."
    )


OtherNeed = Annotated[str, StringConstraints(max_length=OTHER_NEED_MAX), Clean]


class SafetyFacts(Schema):
    """What is known about immediate safety; null is "not known (yet)"."""

    in_immediate_danger: bool | None
    age_years: int | None
    age_is_estimate: bool
    in_state: bool | None = Field(description="In Florida now.")
    suspected_abuse: bool | None
    immediate_needs: list[ImmediateNeed]
    other_need: str = Field(description='What else they need now (with "other").')


class SafetyIn(InputSchema):
    """Every fact is replaced: one left out is "not known"."""

    version: Version
    in_immediate_danger: StrictBool | None = None
    age_years: Annotated[int, Field(strict=True)] | None = None
    age_is_estimate: StrictBool = False
    in_state: StrictBool | None = None
    suspected_abuse: StrictBool | None = None
    immediate_needs: Annotated[list[ImmediateNeed], Field(max_length=len(ImmediateNeed))] = []
    other_need: OtherNeed = ""


class CallIn(InputSchema):
    line: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LINE_CODE)] = Field(
        description="The code of a safety line (GET /screening/safety-lines)."
    )
    kind: SafetyAction.Kind
    taken_at: Moment


class CompleteIn(InputSchema):
    version: Version
    lead_agency_id: Annotated[int, Field(strict=True, ge=1, le=MAX_ID)] | None = Field(
        None,
        description="Who leads the case a result with concern opens, when the person has "
        "none open: one of the agencies the protocol names, or yours when you may open "
        "cases. Left out: yours if it may lead, else the protocol's first.",
    )


class VersionQuery(Schema):
    version: int = Field(ge=1, le=MAX_ID, description="The version you last read.")


def _month(value: str | None) -> str | None:
    if value is not None and queries.parse_month(value) is None:
        raise ValueError(queries.MONTH_HINT)
    return value


class ReportQuery(Schema):
    month: Annotated[str | None, AfterValidator(_month)] = Field(
        None, description="YYYY-MM; this month (in your agency's time zone) when left out."
    )


class InstrumentQuery(Schema):
    status: InstrumentStatus | None = Field(None, description="Only those in use, or retired.")


# --- output ---------------------------------------------------------------------------------


class InstrumentOut(Schema):
    id: int
    url: str
    version: str
    title: str
    publisher: str
    licence: str
    validated: bool
    status: InstrumentStatus


class InstrumentRef(Schema):
    id: int
    title: str
    version: str
    validated: bool


class SafetyLineOut(Schema):
    code: str
    name: str
    phone: str
    text_number: str
    tty: str
    when_to_use: str


class ActionOut(Schema):
    """A call, text or accepted report, with the number as it was on the day."""

    line_code: str
    line_name: str
    number: str
    kind: SafetyAction.Kind
    taken_at: datetime
    recorded_at: datetime


class CallOut(Schema):
    """A line to call now, why, and what was already recorded against it."""

    code: str
    name: str
    phone: str
    text_number: str
    tty: str
    reasons: list[str]
    recorded: list[ActionOut]


class CaseLink(Schema):
    id: UUID
    reference: str
    lead_agency: AgencyOut


class ScreeningOut(Schema):
    id: UUID
    reference: str = Field(
        description="Short reference (for example S-1A2B3C4D); never the person."
    )
    survivor_id: UUID
    status: ScreeningStatus
    version: int
    instrument: InstrumentRef
    screener: PersonOut
    screener_agency: AgencyOut
    setting: Setting
    first_indicator_at: datetime
    recovered_at: datetime | None
    start_due_at: datetime = Field(description="The clock: start the screening by then.")
    started_at: datetime | None
    completed_at: datetime | None
    answers: dict[str, Any] = Field(
        description='The answers saved, by linkId: {"value": …} or {"declined": true}.'
    )
    score: int | None
    max_score: int | None
    level: str | None
    level_label: str | None
    concern: bool | None
    safety: SafetyFacts
    report_made_at: datetime | None = Field(
        description="When the abuse hotline accepted a report (starts the MDT clock)."
    )
    calls_to_make: list[CallOut] | None = Field(
        description="For the person screening only (null for everyone else)."
    )
    actions: list[ActionOut]
    case: CaseLink | None


class ByResult(Schema):
    level_label: str
    count: int


class ReportRowOut(Schema):
    child: str = Field(description="1, 2, ... within this report only: screenings of one child")
    reference: str
    screened_on: date
    started_on_time: str = Field(description="yes or no: started within the screening clock")
    level_label: str
    screener: str
    screener_title: str
    agency: str
    case_reference: str


class ReportOut(Schema):
    month: str
    youth_screened: int
    by_result: list[ByResult]
    rows: list[ReportRowOut]


class InstrumentProblemsOut(Schema):
    detail: str
    problems: list[str]


class AnswerProblemsOut(Schema):
    detail: str
    problems: dict[str, str] = Field(description='By linkId ("" for the whole document).')


CONFLICT = {409: ErrorOut}
ANSWER_ERRORS = {**WRITE_ERRORS, 422: AnswerProblemsOut}


def _none_if_empty(value: str) -> str | None:
    return value or None


def _action_out(action: SafetyAction) -> dict[str, Any]:
    return {
        "line_code": action.line_code,
        "line_name": action.line_name,
        "number": action.number,
        "kind": action.kind,
        "taken_at": action.taken_at,
        "recorded_at": action.recorded_at,
    }


def _call_out(call: queries.CallToMake) -> dict[str, Any]:
    line: SafetyLine = call.line
    return {
        "code": line.code,
        "name": line.name,
        "phone": line.phone,
        "text_number": line.text_number,
        "tty": line.tty,
        "reasons": list(call.reasons),
        "recorded": [_action_out(a) for a in call.done],
    }


def _screening_out(actor: Actor, screening: Screening) -> dict[str, Any]:
    """The screening as this actor may read it (found through queries.screening_for)."""
    definition = definition_of(screening.instrument)
    own = policy.is_screener_of(actor, screening)
    case = screening.case
    instrument = screening.instrument
    return {
        "id": screening.pk,
        "reference": queries.short_reference(screening),
        "survivor_id": screening.survivor_id,
        "status": screening.status,
        "version": screening.version,
        "instrument": {
            "id": instrument.pk,
            "title": instrument.title,
            "version": instrument.version,
            "validated": instrument.validated,
        },
        "screener": screening.screener,
        "screener_agency": screening.screener_agency,
        "setting": screening.setting,
        "first_indicator_at": screening.first_indicator_at,
        "recovered_at": screening.recovered_at,
        "start_due_at": screening.start_due_at,
        "started_at": screening.started_at,
        "completed_at": screening.completed_at,
        "answers": answers_to_json(answers_of(screening, definition)),
        "score": screening.score,
        "max_score": screening.max_score,
        "level": _none_if_empty(screening.level),
        "level_label": _none_if_empty(screening.level_label),
        "concern": screening.concern,
        "safety": {
            "in_immediate_danger": screening.in_immediate_danger,
            "age_years": screening.age_years,
            "age_is_estimate": screening.age_is_estimate,
            "in_state": screening.in_state,
            "suspected_abuse": screening.suspected_abuse,
            "immediate_needs": list(screening.immediate_needs),
            "other_need": screening.other_need,
        },
        "report_made_at": screening.report_made_at,
        "calls_to_make": [_call_out(c) for c in queries.calls_for(screening)] if own else None,
        "actions": [_action_out(a) for a in screening.actions.all()],
        "case": (
            {"id": case.pk, "reference": case.reference, "lead_agency": case.lead_agency}
            if case is not None
            else None
        ),
    }


def _fresh(actor: Actor, screening_id: UUID) -> dict[str, Any]:
    """The screening after a change, read again (not audited as a read: the action was)."""
    return _screening_out(actor, queries.screening_for(actor, screening_id, audit_read=False))


def _answers_refused(invalid: AnswersInvalid) -> Status[dict[str, Any]]:
    return Status(
        422,
        {
            "detail": _("Some answers cannot be used. Nothing was saved."),
            "problems": invalid.problems,
        },
    )


# --- instruments and safety numbers -----------------------------------------------------------


@router.get(
    "/instruments",
    response={200: list[InstrumentOut], **READ_ERRORS},
    summary="Screening instruments",
)
def list_instruments(request: HttpRequest, filters: Query[InstrumentQuery]) -> list[Instrument]:
    """Every stored instrument version, those in use first (`status=active` for only those a
    screening can start with). People who screen, and network admins."""
    found = setup_queries.instruments_for(request_actor(request))
    if filters.status is not None:
        found = [i for i in found if i.status == filters.status]
    return found


@router.get(
    "/instruments/{instrument_id}",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="An instrument's FHIR Questionnaire",
)
def get_instrument(request: HttpRequest, instrument_id: InstrumentId) -> dict[str, Any]:
    """The instrument version as stored: a FHIR R4 Questionnaire with its scoring rules (the
    single source of its questions, linkIds and answer codes)."""
    instrument = setup_queries.instrument_for(request_actor(request), instrument_id)
    questionnaire: dict[str, Any] = instrument.questionnaire
    return questionnaire


@router.post(
    "/instruments",
    response={
        200: InstrumentOut,
        201: InstrumentOut,
        **WRITE_ERRORS,
        **CONFLICT,
        422: InstrumentProblemsOut,
    },
    summary="Import an instrument",
)
def import_instrument(request: HttpRequest, document: Body[dict[str, Any]]) -> Status[Any]:
    """Store one version of a screening instrument; the body is the FHIR R4 Questionnaire.
    Network admins. 201 when stored (in use at once); 200 when exactly this version with the
    same content is stored already (nothing changes); 409 when that version is stored with
    different content (a stored version is never changed: give yours a new version); 422
    with every problem found when it is not an instrument Continuum can use."""
    actor = request_actor(request)
    started = timezone.now()
    try:
        instrument = setup_actions.import_instrument(actor=actor, document=document)
    except QuestionnaireInvalid as invalid:
        return Status(
            422,
            {
                "detail": _("This is not an instrument Continuum can use. Nothing was stored."),
                "problems": invalid.problems,
            },
        )
    except setup_actions.InstrumentRefused as refusal:
        return Status(409, {"detail": str(refusal)})
    return Status(201 if instrument.imported_at >= started else 200, instrument)


@router.get(
    "/safety-lines", response={200: list[SafetyLineOut], **READ_ERRORS}, summary="Safety numbers"
)
def list_safety_lines(request: HttpRequest) -> list[SafetyLine]:
    """The numbers to call or text, and when to use each (the community's own). Anyone."""
    request_actor(request)
    return queries.safety_lines()


# --- screenings ----------------------------------------------------------------------------


@router.post(
    "/screenings", response={201: ScreeningOut, **WRITE_ERRORS}, summary="Start a screening"
)
def start_screening(request: HttpRequest, payload: StartIn) -> Status[dict[str, Any]]:
    """Start a screening of a person you can see (`start_now: false` only records that one is
    due: the clock runs from `first_indicator_at`, or `recovered_at`). Screeners, case
    managers and supervisors with current screening training. Audited."""
    actor = request_actor(request)
    policy.require_screening(actor)  # as the page: untrained is 403 whoever the person is
    survivor = survivor_for(actor, payload.survivor_id, audit_read=False)
    instrument = queries.instrument_for_screening(payload.instrument_id)
    if instrument is None:
        raise InvalidInput(_("There is no instrument in use with that id."))
    screening = actions.start_screening(
        actor=actor,
        survivor=survivor,
        instrument=instrument,
        setting=payload.setting.value,
        first_indicator_at=payload.first_indicator_at,
        recovered_at=payload.recovered_at,
        start_now=payload.start_now,
    )
    return Status(201, _fresh(actor, screening.pk))


@router.get(
    "/screenings/{screening_id}", response={200: ScreeningOut, **READ_ERRORS}, summary="A screening"
)
def get_screening(request: HttpRequest, screening_id: UUID) -> dict[str, Any]:
    """The screening: where it stands, its answers and result, the immediate-safety facts,
    the calls recorded and the case it led to. `calls_to_make` is for the person screening.
    Audited (`screening.viewed`)."""
    actor = request_actor(request)
    return _screening_out(actor, queries.screening_for(actor, screening_id, audit_read=True))


@router.put(
    "/screenings/{screening_id}/answers",
    response={200: ScreeningOut, **ANSWER_ERRORS},
    summary="Save answers",
)
def save_answers(
    request: HttpRequest, screening_id: UUID, payload: AnswersIn
) -> Status[dict[str, Any]] | dict[str, Any]:
    """Replace the answers saved so far (a partial screen can be finished later). The person
    screening, until it is finished. 422 with `problems` by linkId; 409 on a stale version."""
    actor = request_actor(request)
    screening = queries.screening_for(actor, screening_id, audit_read=False)
    policy.require_screening_write(actor, screening)  # before the answers say anything
    try:
        answers = answers_from_json(definition_of(screening.instrument), payload.answers)
    except AnswersInvalid as invalid:
        return _answers_refused(invalid)
    return _save(actor, screening, answers, payload.version)


def _save(
    actor: Actor, screening: Screening, answers: dict[str, Answer], version: int
) -> dict[str, Any]:
    actions.save_answers(
        actor=actor, screening=screening, answers=answers, expected_version=version
    )
    return _fresh(actor, screening.pk)


@router.post(
    "/screenings/{screening_id}/questionnaire-response",
    response={200: ScreeningOut, **ANSWER_ERRORS},
    summary="Save answers from a QuestionnaireResponse",
)
def submit_response(
    request: HttpRequest,
    screening_id: UUID,
    params: Query[VersionQuery],
    document: Body[dict[str, Any]],
) -> Status[dict[str, Any]] | dict[str, Any]:
    """The answers as a FHIR R4 QuestionnaireResponse to this screening's instrument version
    (`questionnaire`: url|version); they replace every answer saved so far. `?version=` is
    the screening's version you last read. The response's own status is ignored: finishing
    is POST …/complete. Subject, author and identifiers are not read."""
    actor = request_actor(request)
    screening = queries.screening_for(actor, screening_id, audit_read=False)
    policy.require_screening_write(actor, screening)
    try:
        answers = answers_from_response(definition_of(screening.instrument), document)
    except AnswersInvalid as invalid:
        return _answers_refused(invalid)
    return _save(actor, screening, answers, params.version)


@router.get(
    "/screenings/{screening_id}/questionnaire-response",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="The answers as a QuestionnaireResponse",
)
def get_response(request: HttpRequest, screening_id: UUID) -> dict[str, Any]:
    """The answers as a FHIR R4 QuestionnaireResponse (with the total once finished), naming
    the instrument and nothing about the young person: no subject, author or identifiers.
    Audited (`screening.exported`)."""
    actor = request_actor(request)
    _screening, document = queries.exported_response(actor, screening_id)
    return document


@router.put(
    "/screenings/{screening_id}/safety",
    response={200: ScreeningOut, **WRITE_ERRORS},
    summary="Immediate-safety facts",
)
def record_safety(request: HttpRequest, screening_id: UUID, payload: SafetyIn) -> dict[str, Any]:
    """Danger now, age, whether in Florida, suspected abuse and immediate needs; they decide
    `calls_to_make`. Replaces every fact (one left out is "not known"). The person screening,
    until it is finished. 422 for an age outside 1 to 119 or "other" without `other_need`."""
    actor = request_actor(request)
    screening = queries.screening_for(actor, screening_id, audit_read=False)
    facts = actions.SafetyAnswers(
        in_immediate_danger=payload.in_immediate_danger,
        age_years=payload.age_years,
        age_is_estimate=payload.age_is_estimate,
        in_state=payload.in_state,
        suspected_abuse=payload.suspected_abuse,
        immediate_needs=tuple(need.value for need in payload.immediate_needs),
        other_need=payload.other_need,
    )
    actions.record_safety_facts(
        actor=actor, screening=screening, facts=facts, expected_version=payload.version
    )
    return _fresh(actor, screening_id)


@router.post(
    "/screenings/{screening_id}/calls",
    response={201: ActionOut, **WRITE_ERRORS},
    summary="Record a call",
)
def record_call(
    request: HttpRequest, screening_id: UUID, payload: CallIn
) -> Status[dict[str, Any]]:
    """A call or text made, or a report accepted by the hotline (`report_accepted`: the abuse
    report's intake, which starts the case's MDT clock), and when. The person screening,
    also after it is finished. No version: calls are added, never changed."""
    actor = request_actor(request)
    screening = queries.screening_for(actor, screening_id, audit_read=False)
    line = queries.safety_line(payload.line)
    if line is None:
        raise InvalidInput(_("There is no safety line with that code."))
    action = actions.record_safety_action(
        actor=actor,
        screening=screening,
        line=line,
        kind=payload.kind.value,
        taken_at=payload.taken_at,
    )
    return Status(201, _action_out(action))


@router.post(
    "/screenings/{screening_id}/complete",
    response={200: ScreeningOut, **WRITE_ERRORS},
    summary="Finish a screening",
)
def complete_screening(
    request: HttpRequest, screening_id: UUID, payload: CompleteIn
) -> dict[str, Any]:
    """Score it with its instrument version. A result with concern opens (or links to) the
    person's case, carries the immediate needs onto it and puts the in-depth assessment on
    its to-do list; the level is never a verdict. The person screening. 422 when the lead
    agency cannot lead."""
    actor = request_actor(request)
    screening = queries.screening_for(actor, screening_id, audit_read=False)
    lead = agency_named(payload.lead_agency_id) if payload.lead_agency_id is not None else None
    actions.complete_screening(
        actor=actor, screening=screening, expected_version=payload.version, lead_agency=lead
    )
    return _fresh(actor, screening_id)


# --- the monthly report -----------------------------------------------------------------------


@router.get("/report", response={200: ReportOut, **READ_ERRORS}, summary="Monthly report")
def monthly_report(request: HttpRequest, params: Query[ReportQuery]) -> dict[str, Any]:
    """Screenings finished in the month (your agency's time zone), by result, one row per
    screening with its date and the screener's name and title (65C-43.002). No names of the
    young people: rows carry the screening's reference. A supervisor's agency's; the whole
    community's for a network admin. Audited as an export (`screening.report`)."""
    actor = request_actor(request)
    # This month where the agency is (the report's time zone) when none is given.
    month = queries.parse_month(params.month) if params.month else queries.this_month(actor)
    assert month is not None  # the schema refused anything else
    report = queries.monthly_report(actor, month)
    record(
        actor,
        AuditAction.SCREENING_REPORT_EXPORTED,
        detail={"month": report.month.isoformat()[:7], "rows": len(report.rows)},
    )
    return {
        "month": report.month.isoformat()[:7],
        "youth_screened": report.youth_screened,
        "by_result": [{"level_label": label, "count": n} for label, n in report.by_result],
        "rows": report.rows,
    }
