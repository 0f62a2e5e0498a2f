"""/needs/domains and /cases/{case_id}/assessment: the community's domains of need, and a
case's needs assessment (each domain's state and history, the sessions with the survivor).

Thin: validate (schemas), call needs.actions / needs.queries, shape the answer. The same rules
as the pages: a domain is shown only when its data category is the reader's to see for the
person now (needs.queries), so a partner agency sees the mental-health domain only while a
release names mental health, and a survivor-mentor sees no needs-category domain. What is not
shown is never serialised. Registered in continuum/api/api.py.

A stale `version` on a domain is a NeedConflict: 409 with what the domain is now, what was
sent and what it was at the version sent (continuum.api.errors).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictBool, StrictInt

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.access.part2 import redisclosure_notice
from continuum.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyOut,
    Clean,
    InputSchema,
    PastOrTodayDate,
    PersonOut,
    Version,
    limit,
)
from continuum.api.tokens import request_actor
from continuum.cases.models import Case
from continuum.cases.queries import case_for, record_case_read
from continuum.core.models import EditConflict
from continuum.needs import actions, queries
from continuum.needs.actions import DomainDetails, NeedChange, SessionDetails
from continuum.needs.models import (
    DOMAIN_CATEGORIES,
    AssessmentMethod,
    AssessmentPlace,
    AssessmentSession,
    Need,
    NeedDomain,
    NeedEntry,
    NeedSource,
    NeedStatus,
    Participant,
    SafetyCheck,
    Urgency,
)
from continuum.outcomes.needs import case_needs_measures
from continuum.plans.queries import readable_categories
from continuum.screening.api import Moment

router = Router(tags=["needs"])
case_router = Router(tags=["needs"])

# The kinds of data a domain may hold, as an enum so that OpenAPI lists them.
DomainCategory = StrEnum("DomainCategory", {c.name: c.value for c in DOMAIN_CATEGORIES})  # type: ignore[misc]


# --- input ----------------------------------------------------------------------------------

DomainName = Annotated[str, limit(NeedDomain, "name", min_length=1), Clean]
WhyWeAsk = Annotated[str, limit(NeedDomain, "why_we_ask"), Clean]
Position = Annotated[StrictInt, Field(ge=0, le=999)]


class DomainIn(InputSchema):
    name: DomainName
    category: DomainCategory = Field(
        description="Who may see what is written about it: a partner agency sees it only "
        "when a release covers this kind of data."
    )
    why_we_ask: WhyWeAsk = ""
    sensitive: StrictBool = False
    active: StrictBool = True
    position: Position | None = Field(None, description="0 to 999; left out: after the others.")


class DomainPatch(InputSchema):
    """Only the fields sent change."""

    name: DomainName = ""
    category: DomainCategory = DomainCategory.NEEDS  # type: ignore[attr-defined]
    why_we_ask: WhyWeAsk = ""
    sensitive: StrictBool = False
    active: StrictBool = True
    position: Position | None = None


class DomainQuery(Schema):
    active: bool | None = Field(None, description="Only those in use (true) or retired (false).")


class NeedIn(InputSchema):
    """What was found about one domain. Replaces its state (a field left out is empty); the
    history keeps every earlier entry."""

    version: Annotated[StrictInt, Field(ge=0)] | None = Field(
        description="The domain's version you last read; null or 0 for a domain not yet on "
        "the case."
    )
    status: NeedStatus
    urgency: Urgency | None = Field(None, description="Required while there is a need.")
    description: Annotated[str, limit(Need, "description"), Clean] = ""
    survivor_words: Annotated[str, limit(Need, "survivor_words"), Clean] = ""
    observations: Annotated[str, limit(Need, "observations"), Clean] = ""
    method: AssessmentMethod | None = Field(None, description="Required once discussed.")
    assessed_on: PastOrTodayDate | None = None
    deferred: StrictBool = Field(False, description="Come back to this later (not discussed).")
    session_id: UUID | None = Field(
        None, description="The open session of your agency's assessment it was talked about in."
    )


class SessionIn(InputSchema):
    held_at: Moment = Field(description="When (ISO 8601 with its UTC offset).")
    place: AssessmentPlace = Field(description="A kind of place, never an address.")
    participants: Annotated[list[Participant], Field(max_length=len(Participant))] = []
    interpreter_language: Annotated[
        str, limit(AssessmentSession, "interpreter_language"), Clean
    ] = Field("", description="Required with an interpreter.")
    safety_check: SafetyCheck = Field(
        description="Immediate safety first: the first session must ask (or rely on a "
        "recent screening's check)."
    )
    safety_steps: Annotated[str, limit(AssessmentSession, "safety_steps"), Clean] = Field(
        "", description="Required when they are not safe."
    )


class SessionPatch(InputSchema):
    version: Version
    summary: Annotated[str, limit(AssessmentSession, "summary"), Clean] = Field(
        "", description="What the session covered. Left out: unchanged."
    )
    finish: StrictBool = Field(False, description="Close the session (it is not reopened).")


# --- output ---------------------------------------------------------------------------------


class DomainOut(Schema):
    code: str
    name: str
    category: DomainCategory
    why_we_ask: str
    sensitive: bool
    active: bool
    position: int

    @staticmethod
    def resolve_active(obj: NeedDomain) -> bool:
        return obj.is_active


class NeedStateOut(Schema):
    """One domain of the case and its state now (version 0: not looked at yet)."""

    code: str
    name: str
    category: DomainCategory
    why_we_ask: str
    sensitive: bool
    active: bool
    need_id: UUID | None = Field(description="Goals of the care plan name needs by this id.")
    status: NeedStatus
    urgency: Urgency | None
    description: str
    survivor_words: str
    observations: str
    method: AssessmentMethod | None
    assessed_on: date | None
    deferred: bool
    source: NeedSource | None
    version: int
    identified_at: datetime | None
    met_at: datetime | None
    updated_at: datetime | None
    updated_by: PersonOut | None
    updated_by_agency: AgencyOut | None
    unmet_without_help: bool = Field(
        description="Identified a while ago and still unmet, with nothing planned for it."
    )
    redisclosure_notice: str | None = Field(
        description="Substance use recorded by another agency: the 42 CFR 2.32 notice that "
        "must go with it."
    )


class SessionEntryOut(Schema):
    code: str
    name: str
    need_id: UUID
    version: int
    status: NeedStatus
    recorded_at: datetime


class SessionOut(Schema):
    id: UUID
    number: int
    held_at: datetime
    place: AssessmentPlace
    participants: list[Participant]
    interpreter_language: str
    safety_check: SafetyCheck
    safety_steps: str
    summary: str
    conducted_by: PersonOut
    conducted_by_agency: AgencyOut
    finished_at: datetime | None
    open: bool
    version: int
    created_at: datetime


class SessionDetailOut(SessionOut):
    entries: list[SessionEntryOut] = Field(
        description="What was recorded in this session, in the domains you may see."
    )


class CaseMeasuresOut(Schema):
    """The case's needs figures, counted only over the domains (and the plan) you may see."""

    identified: int = Field(
        description="Times a domain became a need (a need met that came back counts again)."
    )
    open: int = Field(description="Needs identified or being addressed now.")
    met: int = Field(description="Times a need was met.")
    median_days_to_met: float | None = Field(
        description="Median days from identified to met; null when none was met."
    )
    unmet_without_help: int = Field(
        description="Open needs identified at least `unmet_days` ago with no plan task or "
        "service for them."
    )
    unmet_without_help_domains: list[str] = Field(description="Those needs' domain names.")
    unmet_days: int = Field(description="CONTINUUM_UNMET_NEED_DAYS, the limit used.")
    review_due_on: date | None = Field(
        description="When the plan is next to be gone through with the survivor; null with "
        "no plan, or when the care plan is withheld from you."
    )
    review_on_time: bool | None = Field(description="Whether that is today or later.")


class AssessmentOut(Schema):
    case_id: UUID
    started: bool | None = Field(
        description="A session of the assessment was held; null when sessions (needs data) "
        "are withheld from you."
    )
    open_session_id: UUID | None
    domains: list[NeedStateOut]
    sessions: list[SessionOut] = Field(description="Empty unless you may see needs data.")
    withheld: list[str] = Field(
        description="Kinds of data (category codes) of domains your agency may not see now."
    )
    measures: CaseMeasuresOut | None = Field(
        description="The case's needs figures, as its assessment page shows them; null when "
        "no domain is yours to see."
    )


class EntryOut(Schema):
    version: int
    status: NeedStatus
    previous_status: NeedStatus | None
    urgency: Urgency | None
    description: str
    survivor_words: str
    observations: str
    method: AssessmentMethod | None
    assessed_on: date | None
    deferred: bool
    source: NeedSource
    session_id: UUID | None
    session_number: int | None
    recorded_at: datetime
    recorded_by: PersonOut
    recorded_by_agency: AgencyOut
    redisclosure_notice: str | None


class HistoryOut(Schema):
    domain: DomainOut
    entries: list[EntryOut] = Field(description="Oldest first.")


class NeedChangeOut(Schema):
    status: NeedStatus
    urgency: Urgency | None
    description: str
    survivor_words: str
    observations: str
    method: AssessmentMethod | None
    assessed_on: date | None
    deferred: bool
    version: int | None


class NeedConflictOut(Schema):
    detail: str
    current: NeedChangeOut = Field(description="The domain now, with its version.")
    yours: NeedChangeOut = Field(description="What you sent (cleaned), with your version.")
    base: NeedChangeOut | None = Field(
        description="The domain at the version you sent; null for a domain not on the case then."
    )


class SessionConflictOut(Schema):
    detail: str
    your_version: int
    current_version: int
    current: SessionOut
    yours: dict[str, Any]


NEED_WRITE = {**WRITE_ERRORS, 409: NeedConflictOut}
SESSION_WRITE = {**WRITE_ERRORS, 409: SessionConflictOut}


# --- shaping --------------------------------------------------------------------------------


def _none_if_empty(value: str | None) -> str | None:
    return value or None


def _notice(category: str, written_by_agency_id: int | None, actor: Actor) -> str | None:
    return redisclosure_notice(category, written_by_agency_id, actor.agency_id) or None


def _domain_fields(domain: NeedDomain) -> dict[str, Any]:
    return {
        "code": domain.code,
        "name": domain.name,
        "category": domain.category,
        "why_we_ask": domain.why_we_ask,
        "sensitive": domain.sensitive,
        "active": domain.is_active,
    }


def _state_out(
    actor: Actor, domain: NeedDomain, need: Need | None, unmet: set[Any]
) -> dict[str, Any]:
    if need is None:
        state: dict[str, Any] = {
            "need_id": None,
            "status": NeedStatus.NOT_DISCUSSED,
            "urgency": None,
            "description": "",
            "survivor_words": "",
            "observations": "",
            "method": None,
            "assessed_on": None,
            "deferred": False,
            "source": None,
            "version": 0,
            "identified_at": None,
            "met_at": None,
            "updated_at": None,
            "updated_by": None,
            "updated_by_agency": None,
            "unmet_without_help": False,
            "redisclosure_notice": None,
        }
    else:
        state = {
            "need_id": need.pk,
            "status": need.status,
            "urgency": _none_if_empty(need.urgency),
            "description": need.description or "",
            "survivor_words": need.survivor_words or "",
            "observations": need.observations or "",
            "method": _none_if_empty(need.method),
            "assessed_on": need.assessed_on,
            "deferred": need.deferred,
            "source": need.source,
            "version": need.version,
            "identified_at": need.identified_at,
            "met_at": need.met_at,
            "updated_at": need.updated_at,
            "updated_by": need.updated_by,
            "updated_by_agency": need.updated_by_agency,
            "unmet_without_help": need.pk in unmet,
            "redisclosure_notice": _notice(domain.category, need.updated_by_agency_id, actor),
        }
    return _domain_fields(domain) | state


def _session_out(session: AssessmentSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "number": session.number,
        "held_at": session.held_at,
        "place": session.place,
        "participants": list(session.participants),
        "interpreter_language": session.interpreter_language,
        "safety_check": session.safety_check,
        "safety_steps": session.safety_steps or "",
        "summary": session.summary or "",
        "conducted_by": session.conducted_by,
        "conducted_by_agency": session.conducted_by_agency,
        "finished_at": session.finished_at,
        "open": session.is_open,
        "version": session.version,
        "created_at": session.created_at,
    }


def _session_detail(session: AssessmentSession, categories: frozenset[str]) -> dict[str, Any]:
    # session_of prefetches every entry of the session: keep only the domains this reader
    # may see (a session may have covered mental health with a partner released needs only).
    entries = [
        {
            "code": entry.need.domain.code,
            "name": entry.need.domain.name,
            "need_id": entry.need_id,
            "version": entry.version,
            "status": entry.status,
            "recorded_at": entry.recorded_at,
        }
        for entry in session.entries.all()
        if entry.need.domain.category in categories
    ]
    return _session_out(session) | {"entries": entries}


def _codes(labels: list[str]) -> list[str]:
    # The query names withheld kinds of data by their labels (for the page); the API by code.
    by_label = {DataCategory(c).label: str(c) for c in DOMAIN_CATEGORIES}
    return sorted(by_label[label] for label in labels if label in by_label)


def _assessment_out(actor: Actor, case: Case, *, audit: bool) -> dict[str, Any]:
    assessment = queries.assessment_of(actor, case, audit=audit)
    if assessment is None:  # no domain of it is theirs to see
        withheld = sorted({d.category for d in queries.all_domains()})
        return {
            "case_id": case.pk,
            "started": None,
            "open_session_id": None,
            "domains": [],
            "sessions": [],
            "withheld": withheld,
            "measures": None,
        }
    unmet = {need.pk for need in assessment.unmet_without_help}
    open_session = assessment.open_session
    withheld = _codes(assessment.withheld)
    sessions_shown = str(DataCategory.NEEDS) not in withheld
    return {
        "case_id": case.pk,
        "started": assessment.started if sessions_shown else None,
        "open_session_id": open_session.pk if open_session else None,
        "domains": [_state_out(actor, row.domain, row.need, unmet) for row in assessment.rows],
        "sessions": [_session_out(s) for s in assessment.sessions],
        "withheld": withheld,
        "measures": case_needs_measures(case, categories=readable_categories(actor, case)),
    }


def _domain_named(code: str) -> NeedDomain:
    """A domain of the community's list (public to every token), or 404."""
    domain = NeedDomain.objects.filter(code=code).first()
    if domain is None:
        raise policy.NotFound()
    return domain


# --- the community's domains ----------------------------------------------------------------


@router.get("/domains", response={200: list[DomainOut], **READ_ERRORS}, summary="Need domains")
def list_domains(request: HttpRequest, filters: Query[DomainQuery]) -> list[NeedDomain]:
    """The community's domains of need, in order: name, kind of data, why we ask, whether it
    is a sensitive subject, whether it is in use. Any token (no survivor data)."""
    request_actor(request)
    domains = queries.all_domains()
    if filters.active is not None:
        domains = [d for d in domains if d.is_active == filters.active]
    return domains


@router.post("/domains", response={201: DomainOut, **WRITE_ERRORS}, summary="Add a need domain")
def add_domain(request: HttpRequest, payload: DomainIn) -> Status[NeedDomain]:
    """Add a domain to the community's needs assessment ("Documents and ID"); its code is made
    from the name. Network admins."""
    details = DomainDetails(
        name=payload.name,
        category=str(payload.category),
        why_we_ask=payload.why_we_ask,
        sensitive=payload.sensitive,
        is_active=payload.active,
        position=payload.position,
    )
    return Status(201, actions.add_domain(actor=request_actor(request), details=details))


@router.patch(
    "/domains/{code}", response={200: DomainOut, **WRITE_ERRORS}, summary="Change a need domain"
)
def change_domain(request: HttpRequest, code: str, payload: DomainPatch) -> NeedDomain:
    """Rename, describe, reorder, retire (`active: false`) or bring back a domain. Its kind of
    data changes only while no case holds anything in it (422 otherwise). Network admins."""
    actor = request_actor(request)
    domain = _domain_named(code)
    sent = payload.model_dump(include=payload.model_fields_set)
    details = DomainDetails(
        name=sent.get("name", domain.name),
        category=str(sent.get("category", domain.category)),
        why_we_ask=sent.get("why_we_ask", domain.why_we_ask),
        sensitive=sent.get("sensitive", domain.sensitive),
        is_active=sent.get("active", domain.is_active),
        position=sent.get("position"),
    )
    return actions.change_domain(actor=actor, domain=domain, details=details)


# --- a case's assessment --------------------------------------------------------------------


@case_router.get(
    "/{case_id}/assessment",
    response={200: AssessmentOut, **READ_ERRORS},
    summary="A case's needs assessment",
)
def get_assessment(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    """Every domain you may see for this person with its state now, the sessions (for readers
    of needs data), and the kinds of data withheld from you. Audited with the kinds shown."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    return _assessment_out(actor, case, audit=True)


@case_router.put(
    "/{case_id}/assessment/domains/{code}",
    response={200: NeedStateOut, **NEED_WRITE},
    summary="Assess a domain",
)
def assess_domain(
    request: HttpRequest, case_id: UUID, code: str, payload: NeedIn
) -> dict[str, Any]:
    """Record a look at one domain: its status, urgency, the survivor's own words, your
    observations, how and when. `version`: the domain's version you last read (null or 0 when
    it is not on the case yet); a stale one is 409 with both versions. Talking with the
    survivor (`method: interview`) is recorded in an open session of your agency's
    assessment. People working on the case whose role assesses needs, in kinds of data they
    may see."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    domain = _domain_named(code)
    session = queries.session_of(actor, case, payload.session_id) if payload.session_id else None
    change = NeedChange(
        status=payload.status.value,
        urgency=payload.urgency.value if payload.urgency else "",
        description=payload.description,
        survivor_words=payload.survivor_words,
        observations=payload.observations,
        method=payload.method.value if payload.method else "",
        assessed_on=payload.assessed_on,
        deferred=payload.deferred,
    )
    need = actions.assess_need(
        actor=actor,
        case=case,
        domain=domain,
        change=change,
        expected_version=payload.version,
        session=session,
    )
    # Read again as the assessment shows it (not audited: the action was).
    assessment = queries.assessment_of(actor, case, audit=False)
    rows = assessment.rows if assessment else []
    unmet = {n.pk for n in assessment.unmet_without_help} if assessment else set()
    row = next((r for r in rows if r.domain.pk == domain.pk), None)
    return _state_out(actor, domain, row.need if row else need, unmet)


@case_router.get(
    "/{case_id}/assessment/domains/{code}/history",
    response={200: HistoryOut, **READ_ERRORS},
    summary="A domain's history",
)
def domain_history(request: HttpRequest, case_id: UUID, code: str) -> dict[str, Any]:
    """Every entry recorded about one domain of the case, oldest first: nothing is ever
    overwritten. 404 when you may not see the domain's kind of data. Audited."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    domain, entries = queries.history_of(actor, case, code)
    return {
        "domain": domain,
        "entries": [_entry_out(actor, domain, entry) for entry in entries],
    }


def _entry_out(actor: Actor, domain: NeedDomain, entry: NeedEntry) -> dict[str, Any]:
    return {
        "version": entry.version,
        "status": entry.status,
        "previous_status": _none_if_empty(entry.previous_status),
        "urgency": _none_if_empty(entry.urgency),
        "description": entry.description or "",
        "survivor_words": entry.survivor_words or "",
        "observations": entry.observations or "",
        "method": _none_if_empty(entry.method),
        "assessed_on": entry.assessed_on,
        "deferred": entry.deferred,
        "source": entry.source,
        "session_id": entry.session_id,
        "session_number": entry.session.number if entry.session else None,
        "recorded_at": entry.recorded_at,
        "recorded_by": entry.recorded_by,
        "recorded_by_agency": entry.recorded_by_agency,
        "redisclosure_notice": _notice(domain.category, entry.recorded_by_agency_id, actor),
    }


@case_router.post(
    "/{case_id}/assessment/sessions",
    response={201: SessionDetailOut, **WRITE_ERRORS},
    summary="Start an assessment session",
)
def start_session(
    request: HttpRequest, case_id: UUID, payload: SessionIn
) -> Status[dict[str, Any]]:
    """Start a sitting of the needs assessment with the survivor: when, where (a kind of
    place), who took part, and immediate safety first. The lead agency's case managers on the
    case and its supervisors."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    details = SessionDetails(
        held_at=payload.held_at,
        place=payload.place.value,
        participants=tuple(p.value for p in payload.participants),
        safety_check=payload.safety_check.value,
        interpreter_language=payload.interpreter_language,
        safety_steps=payload.safety_steps,
    )
    session = actions.start_session(actor=actor, case=case, details=details)
    fresh = queries.session_of(actor, case, session.pk)
    return Status(201, _session_detail(fresh, actions.domain_categories_for(actor, case)))


@case_router.get(
    "/{case_id}/assessment/sessions/{session_id}",
    response={200: SessionDetailOut, **READ_ERRORS},
    summary="An assessment session",
)
def get_session(request: HttpRequest, case_id: UUID, session_id: UUID) -> dict[str, Any]:
    """One session: when, where, who, the safety check, what it covered, and what was
    recorded in it (in the domains you may see). For readers of needs data. Audited."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    session = queries.session_of(actor, case, session_id)
    categories = actions.domain_categories_for(actor, case)
    # needs.queries.session_of does not write the read to the audit log: it is written here.
    record_case_read(
        actor, case, "assessment_session", number=session.number, categories=sorted(categories)
    )
    return _session_detail(session, categories)


@case_router.patch(
    "/{case_id}/assessment/sessions/{session_id}",
    response={200: SessionDetailOut, **SESSION_WRITE},
    summary="Write or finish a session",
)
def change_session(
    request: HttpRequest, case_id: UUID, session_id: UUID, payload: SessionPatch
) -> Status[dict[str, Any]] | dict[str, Any]:
    """Write what the session covered (`summary` replaces it) and, with `finish: true`, close
    it: the next conversation is a new session. The agency that held it. `version`: the
    session's version you last read; a stale one is 409 with the session as it is now."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    session = queries.session_of(actor, case, session_id)
    summary = payload.summary if "summary" in payload.model_fields_set else session.summary or ""
    try:
        actions.save_session_summary(
            actor=actor,
            session=session,
            summary=summary,
            expected_version=payload.version,
            finish=payload.finish,
        )
    except EditConflict:
        current = queries.session_of(actor, case, session_id)
        record_case_read(actor, case, "session_conflict", number=current.number)
        return Status(
            409,
            {
                "detail": _(
                    "Someone else saved this session after the version you sent. Nothing was "
                    "saved: compare theirs with yours, then send yours with the current version."
                ),
                "your_version": payload.version,
                "current_version": current.version,
                "current": _session_out(current),
                "yours": {"summary": summary, "finish": payload.finish},
            },
        )
    fresh = queries.session_of(actor, case, session_id)
    return _session_detail(fresh, actions.domain_categories_for(actor, case))
