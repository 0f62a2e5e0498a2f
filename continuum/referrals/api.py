"""/referrals: closed-loop referrals through the API, with the same actions and queries as
the pages (continuum/referrals/views.py) and the same masking.

- The sending agency creates referrals (or non-identifying capacity inquiries), lists what it
  sent, cancels; the receiving agency lists its intake queue, accepts or rejects, starts,
  pauses, completes or reports failure (states.TRANSITIONS: another side's move is 403, a
  move the state does not allow is 422 with a message, a stale `version` is 409).
- A referral's `body` carries only what the survivor released to the reader's agency, read
  at the moment of reading (revoking a release empties it on the next GET), audited with
  the categories shown. Lists carry no survivor data: a receiver sees the case reference
  only while who they are is released to it.
- `GET /referrals/{id}/fhir`: the referral as a FHIR R4 Bundle (ServiceRequest + Task).

Registered in continuum/api/api.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool, StrictInt

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.api.schemas import READ_ERRORS, WRITE_ERRORS, Clean, InputSchema, Version, limit
from continuum.api.tokens import request_actor
from continuum.cases.queries import case_for
from continuum.directory.queries import service_for
from continuum.needs.models import Need
from continuum.referrals import actions, fhir, queries, states
from continuum.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralOutcome,
    ReferralReason,
    ReferralStatus,
)

router = Router(tags=["referrals"])

GenderWords = Literal[
    "young person", "girl", "boy", "young woman", "young man", "nonbinary young person"
]


# --- what goes out --------------------------------------------------------------------------


class ReferralOut(Schema):
    id: UUID
    kind: ReferralKind
    status: ReferralStatus
    status_label: str
    reason: ReferralReason | None
    outcome: ReferralOutcome | None
    service_id: UUID | None
    service_name: str
    from_agency: str
    to_agency: str
    case_id: UUID | None = Field(
        description="null for the receiving agency while who they are is not released to it"
    )
    case_reference: str | None
    need_domain: str | None = Field(description="The need's domain code; the sender's only")
    inquiry_text: str | None = Field(description="A capacity inquiry's whole message")
    urgent: bool
    do_not_reach_out: bool = Field(
        description="The survivor asked that the provider not contact them directly: go "
        "through the case manager at the sending agency"
    )
    response_due_on: date | None
    overdue: bool = Field(description="Sent, and not answered by the day it was due")
    created_at: datetime
    requested_at: datetime | None
    answered_at: datetime | None
    accepted_at: datetime | None
    started_at: datetime | None
    closed_at: datetime | None
    outcome_at: datetime | None
    version: int


class ReferralStateOut(ReferralOut):
    your_side: Literal["sender", "receiver"] | None = Field(
        description="Which end of the referral you act for (null: you may read it only)"
    )
    next_moves: list[ReferralStatus] = Field(description="The states you may move it to now")


class IdentityOut(Schema):
    name: str
    pronouns: str
    age: int | None
    date_of_birth: date | None
    language: str
    interpreter_needed: bool


class ContactOut(Schema):
    safe_phone: str
    safe_to_call: bool | None
    safe_to_text: bool | None
    safe_to_leave_message: bool | None
    safe_times: str


class NeedOut(Schema):
    domain: str
    urgency: str
    description: str = Field(description="Empty unless the need's own kind of data is released")
    note: str = Field(description="What the sender wrote for the provider")


class BodyOut(Schema):
    kind: ReferralKind
    inquiry_text: str | None
    case_reference: str | None
    identity: IdentityOut | None = Field(description="null: not released to your agency")
    contact: ContactOut | None = Field(
        description="null: not released to your agency, or the survivor does not want to be "
        "contacted by the provider (do_not_reach_out)"
    )
    need: NeedOut | None = Field(description="null: needs not released to your agency")
    do_not_reach_out: bool
    shown: list[str] = Field(description="The kinds of data this body carries")
    withheld: list[str] = Field(description="The kinds of data a referral can carry, not shown")


class EventOut(Schema):
    status: ReferralStatus
    reason: ReferralReason | None
    outcome: ReferralOutcome | None
    by_person: str
    by_agency: str
    at: datetime


class ReferralDetailOut(ReferralStateOut):
    body: BodyOut
    events: list[EventOut]


def _out(actor: Actor, referral: Referral, *, known: bool) -> dict[str, Any]:
    """One referral as ReferralOut. `known`: the reader may know which case it is for."""
    sender = actor.agency_id == referral.from_agency_id
    shows_case = sender or known
    return {
        "id": referral.pk,
        "kind": referral.kind,
        "status": referral.status,
        "status_label": str(ReferralStatus(referral.status).label),
        "reason": referral.reason or None,
        "outcome": referral.outcome or None,
        "service_id": referral.service_id,
        "service_name": referral.service_name,
        "from_agency": referral.from_agency.name,
        "to_agency": referral.to_agency.name,
        "case_id": referral.case_id if shows_case else None,
        "case_reference": referral.case.reference if shows_case else None,
        "need_domain": (referral.domain_code or None) if sender else None,
        "inquiry_text": referral.inquiry_text if referral.is_inquiry else None,
        "urgent": referral.urgent,
        "do_not_reach_out": not referral.provider_may_contact,
        "response_due_on": referral.response_due_on,
        "overdue": queries.is_overdue(referral, timezone.localdate()),
        **{
            name: getattr(referral, name)
            for name in (
                "created_at",
                "requested_at",
                "answered_at",
                "accepted_at",
                "started_at",
                "closed_at",
                "outcome_at",
                "version",
            )
        },
    }


def _state_out(actor: Actor, referral: Referral) -> dict[str, Any]:
    side = actions.side_of(actor, referral)
    known = bool(queries.identity_released(actor, [referral]))
    return {
        **_out(actor, referral, known=known),
        "your_side": str(side) if side else None,
        "next_moves": states.next_states(referral.is_inquiry, ReferralStatus(referral.status), side)
        if side
        else [],
    }


def _event_out(event: ReferralEvent) -> dict[str, Any]:
    return {
        "status": event.status,
        "reason": event.reason or None,
        "outcome": event.outcome or None,
        "by_person": str(event.by_user),
        "by_agency": event.by_agency.name,
        "at": event.at,
    }


def _detail(actor: Actor, referral: Referral) -> dict[str, Any]:
    body = queries.body_of(actor, referral)
    return {
        **_state_out(actor, referral),
        "body": vars(body),
        "events": [_event_out(e) for e in queries.events_of(referral)],
    }


def _fresh(actor: Actor, referral_id: UUID) -> dict[str, Any]:
    return _state_out(actor, queries.referral_for(actor, referral_id))


# --- creating -------------------------------------------------------------------------------


def _need(actor: Actor, need_id: UUID | None) -> Need | None:
    return None if need_id is None else queries.need_to_refer(actor, need_id)


class ReferralIn(InputSchema):
    case_id: UUID
    service_id: UUID = Field(description="A directory service kept by a member agency")
    need_id: UUID | None = Field(default=None, description="The case's need it is for")
    note: Annotated[str, limit(Referral, "note"), Clean] = Field(
        default="",
        description="What the provider should know; read as the needs category (travels "
        "only while needs are released to the provider)",
    )
    do_not_reach_out: StrictBool = Field(
        default=False, description="The survivor does not want the provider to contact them"
    )
    urgent: StrictBool = False
    send: StrictBool = Field(default=True, description="false: save as a draft")


@router.post("", response={201: ReferralStateOut, **WRITE_ERRORS}, summary="Refer to a service")
def create(request: HttpRequest, payload: ReferralIn) -> Status[dict[str, Any]]:
    """A referral of the case's survivor to a directory service, sent to the intake queue of
    the agency that keeps it (or saved as a draft). The lead agency's supervisors and case
    managers named on the case; a release in force must name the receiving agency for who
    they are (422 otherwise: send a capacity inquiry instead)."""
    actor = request_actor(request)
    policy.require(actor, policy.Permission.REFER)
    case = case_for(actor, payload.case_id, audit_read=False)
    referral = actions.draft_referral(
        actor=actor,
        case=case,
        details=actions.ReferralDetails(
            service=service_for(actor, payload.service_id),
            need=_need(actor, payload.need_id),
            note=payload.note,
            provider_may_contact=not payload.do_not_reach_out,
            urgent=payload.urgent,
        ),
        send=payload.send,
    )
    return Status(201, _fresh(actor, referral.pk))


class InquiryIn(InputSchema):
    case_id: UUID
    service_id: UUID
    need_id: UUID | None = None
    age: Annotated[StrictInt, Field(ge=0, le=30)] | None = None
    gender_words: GenderWords = "young person"
    urgent: StrictBool = False


@router.post(
    "/inquiries",
    response={201: ReferralStateOut, **WRITE_ERRORS},
    summary="Ask a provider about room, naming no one",
)
def create_inquiry(request: HttpRequest, payload: InquiryIn) -> Status[dict[str, Any]]:
    """A capacity inquiry, sent at once: Continuum writes the message from the age, the
    words for the young person, the need and the urgency ("A 16-year-old girl needs shelter
    today. Could you take them?"), so it cannot carry a name. Needs no release."""
    actor = request_actor(request)
    policy.require(actor, policy.Permission.REFER)
    case = case_for(actor, payload.case_id, audit_read=False)
    referral = actions.send_capacity_inquiry(
        actor=actor,
        case=case,
        service=service_for(actor, payload.service_id),
        need=_need(actor, payload.need_id),
        age=payload.age,
        gender_words=payload.gender_words,
        urgent=payload.urgent,
    )
    return Status(201, _fresh(actor, referral.pk))


# --- lists ----------------------------------------------------------------------------------


@router.get("/sent", response={200: list[ReferralOut], **READ_ERRORS}, summary="Sent referrals")
def sent(request: HttpRequest) -> list[dict[str, Any]]:
    """Referrals and inquiries your agency sent, on cases you may see, newest first (at most
    200). Case managers and supervisors (403 for other roles)."""
    actor = request_actor(request)
    if actor.role not in actions.SENDER_ROLES:
        raise policy.Forbidden(_("Referrals are sent by case managers and supervisors."))
    found = queries.sent_by(actor).order_by("-created_at")[:200]
    return [_out(actor, r, known=True) for r in found]


@router.get("/intake", response={200: list[ReferralOut], **READ_ERRORS}, summary="Intake queue")
def intake(request: HttpRequest) -> list[dict[str, Any]]:
    """Referrals and inquiries sent to your agency and still with it: those waiting for an
    answer first (overdue ones first, then by the day the answer is due), then those being
    worked on. The case reference only while who they are is released to your agency.
    Intake roles: case managers, clinicians, supervisors, mentors (403 for other roles)."""
    actor = request_actor(request)
    if actor.role not in actions.INTAKE_ROLES:
        raise policy.Forbidden(_("Referrals are taken in by the agency's intake staff."))
    rows = queries.queue_in_order(actor, timezone.localdate())
    known = queries.identity_released(actor, rows)
    return [_out(actor, r, known=r.pk in known) for r in rows]


# --- one referral ---------------------------------------------------------------------------


@router.get(
    "/{referral_id}", response={200: ReferralDetailOut, **READ_ERRORS}, summary="A referral"
)
def get_referral(request: HttpRequest, referral_id: UUID) -> dict[str, Any]:
    """The referral, for either side, with its `body`: only what the survivor released to
    your agency now, category by category (audited with the categories shown), and its
    history."""
    actor = request_actor(request)
    return _detail(actor, queries.referral_for(actor, referral_id))


class MoveIn(InputSchema):
    to: ReferralStatus
    reason: ReferralReason | None = Field(
        default=None, description="Required to reject, fail or cancel"
    )
    outcome: ReferralOutcome | None = Field(
        default=None, description="When closing: did the young person get help?"
    )
    version: Version


@router.post(
    "/{referral_id}/move",
    response={200: ReferralStateOut, **WRITE_ERRORS},
    summary="Move a referral",
)
def move(request: HttpRequest, referral_id: UUID, payload: MoveIn) -> dict[str, Any]:
    """Move the referral to `to`: the sender sends, cancels or marks it entered in error;
    the receiver accepts, rejects, starts, pauses, completes or reports failure. 403 for the
    other side's move, 422 for a move its state does not allow (or a missing reason), 409
    when `version` is not the current one."""
    actor = request_actor(request)
    found = queries.referral_for(actor, referral_id)
    actions.move_referral(
        actor=actor,
        referral=found,
        to=payload.to,
        reason=payload.reason or "",
        outcome=payload.outcome or "",
        expected_version=payload.version,
    )
    return _fresh(actor, referral_id)


class OutcomeIn(InputSchema):
    outcome: ReferralOutcome
    version: Version


@router.post(
    "/{referral_id}/outcome",
    response={200: ReferralStateOut, **WRITE_ERRORS},
    summary="Record whether they got help",
)
def outcome(request: HttpRequest, referral_id: UUID, payload: OutcomeIn) -> dict[str, Any]:
    """Once the referral is closed, either side says whether the young person got help ("got
    help" meets the need). A later answer replaces an earlier one; both stay in the history."""
    actor = request_actor(request)
    found = queries.referral_for(actor, referral_id)
    actions.record_outcome(
        actor=actor, referral=found, outcome=payload.outcome, expected_version=payload.version
    )
    return _fresh(actor, referral_id)


@router.get(
    "/{referral_id}/fhir",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="The referral as FHIR",
)
def fhir_bundle(request: HttpRequest, referral_id: UUID) -> dict[str, Any]:
    """A FHIR R4 Bundle (type collection): a ServiceRequest and the Task that tracks it
    (SDOH Clinical Care referral pattern), carrying what your agency may see of the person
    now. Audited as an export."""
    actor = request_actor(request)
    return fhir.export_referral(actor, queries.referral_for(actor, referral_id))
