"""/exports: ask for an export of a survivor's record, decide on it, download it.

Thin: validate (schemas), call exports.actions / exports.queries, shape the answer. The same
rules as the pages (continuum.exports.policy): case managers and supervisors of the agency
leading care ask; another supervisor of that agency approves or refuses; only the person who
asked downloads, while the export is ready. Registered in continuum/api/api.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import StringConstraints

from continuum.api.schemas import READ_ERRORS, WRITE_ERRORS, Clean, ErrorOut, InputSchema
from continuum.api.tokens import request_actor
from continuum.exports import actions, queries
from continuum.exports.models import PURPOSE_MAX, REASON_MAX, Export
from continuum.survivors.queries import survivor_for

router = Router(tags=["exports"])


class ExportIn(InputSchema):
    survivor_id: UUID
    purpose: Annotated[str, StringConstraints(max_length=PURPOSE_MAX), Clean]


class RefusalIn(InputSchema):
    reason: Annotated[str, StringConstraints(max_length=REASON_MAX), Clean]


class ExportPerson(Schema):
    id: int
    name: str


class ExportOut(Schema):
    id: UUID
    survivor_id: UUID
    case_reference: str | None
    state: Literal["requested", "refused", "ready", "expired", "destroyed"]
    purpose: str
    requested_by: ExportPerson
    role: str
    requested_at: datetime
    decided_by: ExportPerson | None
    decided_at: datetime | None
    refusal_reason: str
    expires_at: datetime | None
    size: int | None
    downloads: int

    @staticmethod
    def resolve_case_reference(obj: Export) -> str | None:
        return obj.case.reference if obj.case else None

    @staticmethod
    def resolve_requested_by(obj: Export) -> dict[str, Any]:
        return _person(obj.requested_by)

    @staticmethod
    def resolve_decided_by(obj: Export) -> dict[str, Any] | None:
        return _person(obj.decided_by) if obj.decided_by else None

    @staticmethod
    def resolve_role(obj: Export) -> str:
        return obj.membership.role


class ExportDetailOut(ExportOut):
    # Only for the person who asked, while the file may be downloaded; otherwise null.
    # Give it to the recipient by another channel than the file.
    passphrase: str | None

    @staticmethod
    def resolve_passphrase(obj: Export) -> str | None:
        # Never the model's own attribute: the route sets what this actor may see.
        return getattr(obj, "passphrase_out", None)


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.get_full_name() or user.username}


CONFLICT = {409: ErrorOut}


@router.post("", response={201: ExportOut, **WRITE_ERRORS}, summary="Ask for an export")
def request_export(request: HttpRequest, payload: ExportIn) -> Status[Any]:
    """Ask for an export of a survivor's record, with its purpose (at least 10 characters).
    A case manager or supervisor of the agency leading care. Nothing is made until another
    supervisor of your agency approves it. Audited (`export.requested`)."""
    actor = request_actor(request)
    survivor = survivor_for(actor, payload.survivor_id, audit_read=False)
    try:
        export = actions.request_export(actor=actor, survivor=survivor, purpose=payload.purpose)
    except actions.ExportRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return Status(201, queries.export_for(actor, export.pk))


@router.get("", response={200: list[ExportOut], **READ_ERRORS}, summary="Your exports")
def my_exports(request: HttpRequest) -> list[Export]:
    """The exports you asked for with this token's agency and role, newest first (at most
    100). No survivor data: each names its case by reference."""
    return queries.exports_of(request_actor(request))


@router.get(
    "/pending", response={200: list[ExportOut], **READ_ERRORS}, summary="Exports to approve"
)
def pending_exports(request: HttpRequest) -> list[Export]:
    """For supervisors: your agency's exports waiting for a decision, oldest first, except
    those you asked for yourself. Everyone else: 403."""
    return queries.exports_to_approve(request_actor(request))


@router.get("/{export_id}", response={200: ExportDetailOut, **READ_ERRORS}, summary="An export")
def get_export(request: HttpRequest, export_id: UUID) -> Export:
    """One export, for the person who asked and their agency's supervisors. `passphrase` is
    given to the person who asked only, while the export can be downloaded."""
    actor = request_actor(request)
    export = queries.export_for(actor, export_id)
    export.passphrase_out = queries.passphrase_for(actor, export)  # type: ignore[attr-defined]
    return export


@router.post(
    "/{export_id}/approve",
    response={200: ExportOut, **WRITE_ERRORS, **CONFLICT},
    summary="Approve an export",
)
def approve_export(request: HttpRequest, export_id: UUID) -> Any:
    """Approve: the encrypted file is made now, from what the person who asked may see. A
    supervisor of the agency who did not ask (asking yourself: 403). Decided already: 409."""
    actor = request_actor(request)
    export = queries.export_for(actor, export_id)
    try:
        actions.approve_export(actor=actor, export=export)
    except actions.ExportAlreadyDecided as conflict:
        return Status(409, {"detail": str(conflict)})
    except actions.ExportRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return queries.export_for(actor, export_id)


@router.post(
    "/{export_id}/refuse",
    response={200: ExportOut, **WRITE_ERRORS, **CONFLICT},
    summary="Refuse an export",
)
def refuse_export(request: HttpRequest, export_id: UUID, payload: RefusalIn) -> Any:
    """Refuse, with a reason (at least 10 characters) the person who asked will read. Nothing
    is made. Same people as approving; decided already: 409."""
    actor = request_actor(request)
    export = queries.export_for(actor, export_id)
    try:
        actions.refuse_export(actor=actor, export=export, reason=payload.reason)
    except actions.ExportAlreadyDecided as conflict:
        return Status(409, {"detail": str(conflict)})
    except actions.ExportRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return queries.export_for(actor, export_id)


@router.get(
    "/{export_id}/download",
    response={200: None, **READ_ERRORS, 410: ErrorOut},
    summary="Download an export",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The AES-256 encrypted ZIP (record.json, record.csv, README.txt).",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_export(request: HttpRequest, export_id: UUID) -> Any:
    """The encrypted ZIP, as an attachment: only for the person who asked, while the export is
    ready (410 once its time has passed). Every download is audited (`export.downloaded`)."""
    actor = request_actor(request)
    export = queries.export_for(actor, export_id)
    try:
        file = actions.download_export(actor=actor, export=export)
    except actions.ExportUnavailable as gone:
        return Status(410, {"detail": str(gone)})
    response = HttpResponse(file.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
