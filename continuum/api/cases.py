"""/cases and /dashboard: the episodes of care this token may see, and changes to them.

Thin: validate (schemas), call cases.actions / cases.queries, shape the answer. Actions check
access and audit writes; reads are audited here where the query does not do it itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from continuum.access import policy
from continuum.access.part2 import REDISCLOSURE_NOTICE
from continuum.api.lookups import agency_named, person_named
from continuum.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyOut,
    CareTeamAdd,
    CareTeamMemberOut,
    CaseDetailOut,
    CaseOpen,
    CasePage,
    CasePatch,
    CaseStatusChange,
    DashboardOut,
    EventOut,
    PersonOut,
)
from continuum.api.tokens import request_actor
from continuum.cases import actions, queries
from continuum.cases.actions import NOTE_MAX_LENGTH
from continuum.cases.models import NOTE_CATEGORIES, CareTeamMember, Case, CaseEvent, CaseNote
from continuum.survivors.queries import survivor_for

router = Router(tags=["cases"])
dashboard_router = Router(tags=["dashboard"])

MAX_PAGE_SIZE = 100

# The kinds of case note, as an enum so that OpenAPI lists them.
NoteCategory = StrEnum("NoteCategory", {c.name: c.value for c in NOTE_CATEGORIES})  # type: ignore[misc]


class Page(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0)


@router.get("", response={200: CasePage, **READ_ERRORS}, summary="My open cases")
def my_cases(request: HttpRequest, page: Query[Page]) -> dict[str, Any]:
    """The open and inactive cases this token's person works on (for supervisors and MDT
    coordinators: every case their agency leads or serves), a page at a time."""
    actor = request_actor(request)
    cases = queries.my_cases(actor)
    count = cases.count()
    items = queries.mask_survivors_of(actor, list(cases[page.offset : page.offset + page.limit]))
    queries.audit_case_list(actor, len(items))
    return {"items": items, "count": count, "limit": page.limit, "offset": page.offset}


@router.post("", response={201: CaseDetailOut, **WRITE_ERRORS}, summary="Open a case")
def open_case(request: HttpRequest, payload: CaseOpen) -> Status[Case]:
    """Open an episode of care for a survivor, led by this token's agency. Case managers and
    supervisors; a case manager becomes its lead case manager."""
    actor = request_actor(request)
    survivor = survivor_for(actor, payload.survivor_id, audit_read=False)
    case = actions.open_case(
        actor=actor, survivor=survivor, report_received_on=payload.report_received_on
    )
    return Status(201, queries.case_with_team(actor, case.pk, audit_read=False))


@router.get("/{case_id}", response={200: CaseDetailOut, **READ_ERRORS}, summary="A case")
def get_case(request: HttpRequest, case_id: UUID) -> Case:
    """The case with its care team (current and past). Audited."""
    actor = request_actor(request)
    return queries.case_with_team(actor, case_id, audit_read=True)


@router.patch("/{case_id}", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="Change a case")
def update_case(request: HttpRequest, case_id: UUID, payload: CasePatch) -> Case:
    """Change the abuse report intake date (null: not known), which moves the MDT clock.
    `version` must be the version last read, else 409."""
    actor = request_actor(request)
    case = queries.case_for(actor, case_id, audit_read=False)
    actions.update_case(
        actor=actor,
        case=case,
        report_received_on=payload.report_received_on,
        expected_version=payload.version,
    )
    return queries.case_with_team(actor, case_id, audit_read=False)


@router.post(
    "/{case_id}/status",
    response={200: CaseDetailOut, **WRITE_ERRORS},
    summary="Change a case's status",
)
def change_case_status(request: HttpRequest, case_id: UUID, payload: CaseStatusChange) -> Case:
    """Mark the case open, inactive or closed (closing needs `closure_reason`). Closed cases
    can be reopened. `version` must be the version last read, else 409."""
    actor = request_actor(request)
    case = queries.case_for(actor, case_id, audit_read=False)
    actions.change_case_status(
        actor=actor,
        case=case,
        status=payload.status,
        expected_version=payload.version,
        closure_reason=payload.closure_reason,
    )
    return queries.case_with_team(actor, case_id, audit_read=False)


@router.get(
    "/{case_id}/timeline", response={200: list[EventOut], **READ_ERRORS}, summary="Case timeline"
)
def case_timeline(request: HttpRequest, case_id: UUID) -> list[CaseEvent]:
    """What happened on the case, newest first. Audited."""
    actor = request_actor(request)
    _case, events = queries.timeline_of(actor, case_id)
    return events


class NoteIn(Schema):
    category: NoteCategory
    body: str = Field(min_length=1, max_length=NOTE_MAX_LENGTH)


class NoteOut(Schema):
    id: UUID
    category: NoteCategory
    body: str
    written_by: PersonOut
    written_by_agency: AgencyOut
    written_at: datetime
    redisclosure_notice: str | None = Field(
        None,
        description="Set on substance-use notes disclosed to you by another agency: the "
        "42 CFR 2.32 notice that must accompany them.",
    )

    @staticmethod
    def resolve_redisclosure_notice(note: CaseNote) -> str | None:
        return str(REDISCLOSURE_NOTICE) if getattr(note, "redisclosed", False) else None


@router.get("/{case_id}/notes", response={200: list[NoteOut], **READ_ERRORS}, summary="Case notes")
def case_notes(request: HttpRequest, case_id: UUID) -> list[CaseNote]:
    """The notes on the case this token may read, newest first (at most 200). Other
    agencies' notes appear only in the categories a release (or legal basis) covers now.
    Audited with the categories shown."""
    actor = request_actor(request)
    _case, notes = queries.notes_of(actor, case_id)
    return notes


@router.post(
    "/{case_id}/notes", response={201: NoteOut, **WRITE_ERRORS}, summary="Write a case note"
)
def write_note(request: HttpRequest, case_id: UUID, payload: NoteIn) -> Status[CaseNote]:
    """Add a note in one data category your role may see, on a case your agency leads or is
    on the care team of. Notes are not edited: a correction is a new note."""
    actor = request_actor(request)
    case = queries.case_for(actor, case_id, audit_read=False)
    note = actions.write_note(
        actor=actor, case=case, category=payload.category.value, body=payload.body
    )
    return Status(201, note)


@router.post(
    "/{case_id}/care-team",
    response={201: CareTeamMemberOut, **WRITE_ERRORS},
    summary="Add to the care team",
)
def add_care_team_member(
    request: HttpRequest, case_id: UUID, payload: CareTeamAdd
) -> Status[CareTeamMember]:
    """Put an agency, or a named person in it, on the care team in a role. The lead agency's
    supervisor, MDT coordinator, or a case manager on the team."""
    actor = request_actor(request)
    case = queries.case_for(actor, case_id, audit_read=False)
    agency = agency_named(payload.agency_id)
    user = person_named(payload.user_id) if payload.user_id is not None else None
    member = actions.add_care_team_member(
        actor=actor, case=case, agency=agency, role=payload.role, user=user
    )
    return Status(201, member)


@router.delete(
    "/{case_id}/care-team/{member_id}",
    response={200: CareTeamMemberOut, **WRITE_ERRORS},
    summary="Remove from the care team",
)
def remove_care_team_member(request: HttpRequest, case_id: UUID, member_id: int) -> CareTeamMember:
    """Take a member off the care team. The row stays (with removed_at) so the history of who
    could see the case is kept; the answer is that row."""
    actor = request_actor(request)
    case = queries.case_with_team(actor, case_id, audit_read=False)
    team = [*case.active_team, *case.past_team]  # type: ignore[attr-defined]
    member = next((m for m in team if m.pk == member_id), None)
    if member is None:
        raise policy.NotFound()
    member.case = case
    return actions.remove_care_team_member(actor=actor, member=member)


@dashboard_router.get("", response={200: DashboardOut, **READ_ERRORS}, summary="My work")
def dashboard(request: HttpRequest) -> dict[str, Any]:
    """My open cases and what is due on them, soonest first. Audited as a case list."""
    actor = request_actor(request)
    cases = queries.mask_survivors_of(actor, list(queries.my_cases(actor)))
    queries.audit_case_list(actor, len(cases))
    items = [
        {
            "case_id": item.case.pk,
            "case_reference": item.case.reference,
            "label": item.label,
            "due_on": item.due_on,
            "overdue": item.overdue,
        }
        for item in queries.items_due(cases, agency_id=actor.agency_id)
    ]
    return {"cases": cases, "items_due": items}
