"""/survivors: find, record, read and change a survivor's identity record.

Thin: validate (schemas), call survivors.actions / survivors.queries, shape the answer. The
queries apply access and write the audit entries for reads; the actions do so for writes.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from continuum.access import policy
from continuum.access.part2 import REDISCLOSURE_NOTICE
from continuum.api.errors import InvalidInput
from continuum.api.lookups import agency_named
from continuum.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    CaseOut,
    ErrorOut,
    ReleaseIn,
    ReleaseOut,
    SurvivorCreate,
    SurvivorCreatedOut,
    SurvivorMatch,
    SurvivorOut,
    SurvivorPatch,
    SurvivorSearch,
)
from continuum.api.tokens import request_actor
from continuum.cases.models import Case
from continuum.cases.queries import audit_case_list
from continuum.survivors import actions, documents, queries
from continuum.survivors.actions import ReleaseTerms, SurvivorDetails
from continuum.survivors.models import SignedForm, SignedFormType, Survivor

router = Router(tags=["survivors"])


def _details(values: dict[str, Any]) -> SurvivorDetails:
    aliases = tuple((a["name"], str(a["kind"])) for a in values.pop("aliases", []))
    return SurvivorDetails(**values, aliases=aliases)


@router.post(
    "/search", response={200: list[SurvivorMatch], **READ_ERRORS}, summary="Find survivors"
)
def search_survivors(request: HttpRequest, payload: SurvivorSearch) -> list[Survivor]:
    """Survivors this token may see with every whole word of `q` among their names (accents
    and case ignored), and born on `born_on` if given. At most 50, newest first. A POST, so
    that names and birth dates never appear in a URL (proxy and server logs). The search is
    audited (how many matched, never what was typed)."""
    return queries.search_survivors(request_actor(request), text=payload.q, born_on=payload.born_on)


@router.post("", response={201: SurvivorCreatedOut, **WRITE_ERRORS}, summary="Record a survivor")
def create_survivor(request: HttpRequest, payload: SurvivorCreate) -> Status[Survivor]:
    """Record a survivor with as little identity as is known (at least a name, another name,
    a date of birth or an estimated age). Screeners, case managers and supervisors.

    The same duplicate check as the web form runs first, without blocking (programs import
    records): `possible_duplicates` lists people you can already see who may be this person;
    `possible_match_elsewhere` says another agency may have recorded them — never who.
    A detail your role may not see is refused (403): a screener does not send `priorities`."""
    actor = request_actor(request)
    details = _details(payload.model_dump())
    matches = queries.possible_matches(actor, details)
    survivor = actions.create_survivor(actor=actor, details=details)
    if matches.elsewhere:
        queries.note_match_elsewhere(actor, matches)
    survivor.possible_duplicates = [s.pk for s in matches.visible]  # type: ignore[attr-defined]
    survivor.possible_match_elsewhere = bool(matches.elsewhere)  # type: ignore[attr-defined]
    return Status(201, survivor)


@router.get("/{survivor_id}", response={200: SurvivorOut, **READ_ERRORS}, summary="A survivor")
def get_survivor(request: HttpRequest, survivor_id: UUID) -> Survivor:
    """The survivor's identity record. The read is audited."""
    return queries.survivor_for(request_actor(request), survivor_id)


@router.patch(
    "/{survivor_id}", response={200: SurvivorOut, **WRITE_ERRORS}, summary="Change a survivor"
)
def update_survivor(request: HttpRequest, survivor_id: UUID, payload: SurvivorPatch) -> Survivor:
    """Change the fields sent (others stay as they are). `version` must be the version last
    read; if someone saved since, nothing changes and the answer is 409. What your agency
    may not see stays as it is (a screener's record keeps its `priorities`); sending a value
    for it is refused (403)."""
    actor = request_actor(request)
    # The action writes its own audit entry; reading the record to change it is part of it.
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    current: dict[str, Any] = SurvivorDetails.values_of(survivor)
    current["aliases"] = [{"name": a.name, "kind": a.kind} for a in survivor.aliases.all()]
    changes = payload.model_dump(include=payload.model_fields_set - {"version"})
    details = _details(current | changes)
    return actions.update_survivor(
        actor=actor, survivor=survivor, details=details, expected_version=payload.version
    )


@router.get(
    "/{survivor_id}/cases",
    response={200: list[CaseOut], **READ_ERRORS},
    summary="A survivor's cases",
)
def survivor_cases(request: HttpRequest, survivor_id: UUID) -> list[Case]:
    """The survivor's cases this token may see, newest first. Audited."""
    actor = request_actor(request)
    survivor = queries.survivor_for(actor, survivor_id)
    cases = queries.cases_of(actor, survivor)
    audit_case_list(actor, len(cases))
    return cases


def _signed_form_out(form: SignedForm | None) -> dict[str, Any] | None:
    if form is None:
        return None
    return {
        "filename": form.download_name,
        "media_type": form.media_type,
        "size": form.size,
        "sha256": form.sha256,
        "uploaded_at": form.uploaded_at,
        "uploaded_by": form.uploaded_by,
    }


def _release_out(row: queries.ReleaseRow) -> dict[str, Any]:
    release = row.release
    return {
        "id": release.pk,
        "recipient_agency_id": release.recipient_agency_id,
        "recipient_agency_name": release.recipient_agency.name,
        "categories": list(release.categories),
        "purpose": release.purpose,
        "starts_on": release.starts_on,
        "expires_on": release.expires_on,
        "ends_on_event": release.ends_on_event,
        "survivor_signed_on": release.survivor_signed_on,
        "status": row.status,
        "given_verbally": release.given_verbally,
        "confirmed_in_writing_on": release.confirmed_in_writing_on,
        "signed_form": _signed_form_out(row.signed_form),
        "part2": release.is_part2,
        "part2_discloser_name": release.part2_discloser_name or "",
        "part2_information": release.part2_information or "",
        "part2_revocation_explained": release.part2_revocation_explained,
        "part2_no_conditioning_explained": release.part2_no_conditioning_explained,
        "part2_redisclosure_explained": release.part2_redisclosure_explained,
        # 42 CFR 2.32: the notice goes with a Part 2 consent wherever it is shown.
        "redisclosure_notice": str(REDISCLOSURE_NOTICE) if release.is_part2 else None,
        "recorded_at": release.recorded_at,
        "revoked_at": release.revoked_at,
    }


@router.get(
    "/{survivor_id}/releases",
    response={200: list[ReleaseOut], **READ_ERRORS},
    summary="Releases of information",
)
def list_releases(request: HttpRequest, survivor_id: UUID) -> list[dict[str, Any]]:
    """Every release recorded for this person and where it stands today. For the agency
    leading care (its case managers and supervisors)."""
    actor = request_actor(request)
    survivor = queries.survivor_for(actor, survivor_id)
    return [_release_out(row) for row in queries.releases_of(actor, survivor)]


@router.post(
    "/{survivor_id}/releases",
    response={201: ReleaseOut, **WRITE_ERRORS},
    summary="Record a release of information",
)
def create_release(
    request: HttpRequest, survivor_id: UUID, payload: ReleaseIn
) -> Status[dict[str, Any]]:
    """Record what the survivor (and for a minor, a guardian or the custodian) agreed another
    agency may see. A release must end (a date, or when the case closes). One that covers
    `substance_use` is a 42 CFR Part 2 consent: it also needs `part2_discloser_name`,
    `part2_information` and the three `part2_*_explained` set to true, and cannot be
    `given_verbally`; 422 names each missing element."""
    actor = request_actor(request)
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    terms = ReleaseTerms(
        recipient_agency=agency_named(payload.recipient_agency_id),
        categories=frozenset(payload.categories),
        purpose=payload.purpose,
        starts_on=payload.starts_on,
        expires_on=payload.expires_on,
        ends_on_event=payload.ends_on_event,
        survivor_signed_on=payload.survivor_signed_on,
        guardian_name=payload.guardian_name,
        guardian_relationship=payload.guardian_relationship,
        guardian_signed_on=payload.guardian_signed_on,
        given_verbally=payload.given_verbally,
        part2_discloser_name=payload.part2_discloser_name,
        part2_information=payload.part2_information,
        part2_revocation_explained=payload.part2_revocation_explained,
        part2_no_conditioning_explained=payload.part2_no_conditioning_explained,
        part2_redisclosure_explained=payload.part2_redisclosure_explained,
    )
    release = actions.record_release(actor=actor, survivor=survivor, terms=terms)
    return Status(201, _release_out(queries.release_row(actor, survivor, release.pk)))


@router.post(
    "/{survivor_id}/releases/{release_id}/revoke",
    response={200: ReleaseOut, **WRITE_ERRORS},
    summary="Take back a release",
)
def revoke_release(request: HttpRequest, survivor_id: UUID, release_id: UUID) -> dict[str, Any]:
    """The survivor takes a release back: it stops working on the next request."""
    actor = request_actor(request)
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    rows = {r.release.pk: r for r in queries.releases_of(actor, survivor)}
    if release_id not in rows:
        raise policy.NotFound()
    actions.revoke_release(actor=actor, release=rows[release_id].release)
    fresh = {r.release.pk: r for r in queries.releases_of(actor, survivor)}
    return _release_out(fresh[release_id])


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.post(
    "/{survivor_id}/releases/{release_id}/signed-form",
    response={201: ReleaseOut, **WRITE_ERRORS, 413: ErrorOut},
    summary="Upload the signed release form",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            documents.UPLOAD_FIELD: {"type": "string", "format": "binary"}
                        },
                        "required": [documents.UPLOAD_FIELD],
                    }
                }
            },
        }
    },
)
def upload_signed_form(
    request: HttpRequest, survivor_id: UUID, release_id: UUID
) -> Status[dict[str, Any]]:
    """The signed release form, scanned or photographed, as the multipart field `file`: a
    PDF, JPEG or PNG of up to 5 MB, recognised by its content (not its name or declared
    type). It is kept without metadata (EXIF, XMP, document information) and never under
    the name it was sent with. Confirms in writing a release given verbally; sending
    another replaces it. For the agency that recorded the release, while it leads care.
    422 with a message for a file that cannot be kept (another type, damaged, encrypted);
    413 for one over 5 MB."""
    actor = request_actor(request)
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    # Who may upload is checked (release_row) before the body is read; then it is read in
    # memory only, and no further than the limit.
    row = queries.release_row(actor, survivor, release_id)
    data, too_large = documents.read_upload(request)
    if too_large:
        return Status(413, {"detail": documents.too_large_message()})
    if data is None:
        raise InvalidInput(
            f"Send the signed form as the multipart/form-data field `{documents.UPLOAD_FIELD}`."
        )
    actions.attach_signed_form(actor=actor, release=row.release, data=data)
    return Status(201, _release_out(queries.release_row(actor, survivor, release_id)))


@router.get(
    "/{survivor_id}/releases/{release_id}/signed-form",
    response={200: None, **READ_ERRORS},
    summary="Download the signed release form",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment named signed-release-YYYY-MM-DD "
                "with its type's extension.",
                "content": {media_type.value: _BINARY for media_type in SignedFormType},
            }
        }
    },
)
def download_signed_form(request: HttpRequest, survivor_id: UUID, release_id: UUID) -> HttpResponse:
    """The signed form kept for a release (metadata removed), as an attachment. For the
    agency that recorded the release, while it leads care. Audited; 404 if none is kept."""
    actor = request_actor(request)
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    return documents.download_response(queries.signed_form_for(actor, survivor, release_id))
