"""Every read of a referral, scoped to the reader's side of it.

- The **sending** agency reads its referrals through the case: whoever may see the case.
- The **receiving** agency reads its intake queue and each referral's *body*, which carries
  only what the survivor released to it, category by category, read at the moment of
  reading (a revoked release empties the body at once). A capacity inquiry carries nothing
  about the person at all, not even the case reference.
Each body read is audited with the categories it showed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import ROLE_CATEGORIES, DataCategory
from continuum.access.policy import Permission
from continuum.access.sharing import case_categories, released_to
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.queries import cases_for
from continuum.referrals import states
from continuum.referrals.actions import INTAKE_ROLES, side_of
from continuum.referrals.models import Referral, ReferralStatus


def _base() -> QuerySet[Referral]:
    return Referral.objects.select_related("to_agency", "from_agency", "case", "service")


def referrals_of_case(actor: Actor, case_id: UUID | str) -> QuerySet[Referral]:
    """The referrals a case sent, for people of the sending agency who may see the case."""
    visible = cases_for(actor).filter(pk=case_id)
    return _base().filter(case__in=visible, from_agency_id=actor.agency_id)


def sent_by(actor: Actor) -> QuerySet[Referral]:
    """Every referral the actor's agency sent, on cases the actor may see."""
    return _base().filter(case__in=cases_for(actor), from_agency_id=actor.agency_id)


def intake_queue(actor: Actor) -> QuerySet[Referral]:
    """Referrals sent to the actor's agency (its intake queue), for its intake roles."""
    if actor.role not in INTAKE_ROLES:
        return Referral.objects.none()
    return (
        _base()
        .filter(to_agency_id=actor.agency_id)
        .exclude(status__in=[ReferralStatus.DRAFT, ReferralStatus.ENTERED_IN_ERROR])
    )


def waiting_in_queue(actor: Actor) -> QuerySet[Referral]:
    return intake_queue(actor).filter(status__in=states.WITH_RECEIVER)


def overdue_q(today: datetime.date) -> Q:
    """Sent and still unanswered after the answer was due."""
    return Q(status=ReferralStatus.REQUESTED, response_due_on__lt=today)


def referral_for(actor: Actor, referral_id: UUID | str) -> Referral:
    """One referral the actor is on either side of; 404 otherwise (and for a draft the
    receiver was never sent)."""
    found = (
        _base()
        .filter(pk=referral_id)
        .filter(Q(pk__in=sent_by(actor).values("pk")) | Q(pk__in=intake_queue(actor).values("pk")))
    ).first()
    if found is None:
        raise policy.NotFound()
    return found


# --- what a referral carries ----------------------------------------------------------------


@dataclass
class Body:
    """What the reader may see of the person a referral is for."""

    kind: str
    inquiry_text: str = ""
    case_reference: str | None = None
    identity: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    need: dict[str, Any] | None = None
    do_not_reach_out: bool = False
    shown: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)


# The categories a referral can carry, in the order a provider reads them.
CARRIED = (DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.NEEDS)


def categories_for_reader(actor: Actor, referral: Referral) -> frozenset[str]:
    if referral.is_inquiry:
        return frozenset()
    if actor.agency_id == referral.from_agency_id:
        return case_categories(actor, referral.case)
    role = frozenset(str(c) for c in ROLE_CATEGORIES.get(actor.role, frozenset()))
    return role & released_to(actor, referral.case.survivor)


def body_of(actor: Actor, referral: Referral) -> Body:
    """The referral's contents for this reader, audited. See the module docstring."""
    body = Body(kind=referral.kind)
    if referral.is_inquiry:
        body.inquiry_text = referral.inquiry_text
        _audit_read(actor, referral, [])
        return body
    allowed = categories_for_reader(actor, referral)
    survivor = referral.case.survivor
    if allowed:
        body.case_reference = referral.case.reference
    if DataCategory.IDENTITY in allowed:
        body.identity = _identity(survivor)
    body.do_not_reach_out = not referral.provider_may_contact
    if DataCategory.CONTACT in allowed and referral.provider_may_contact:
        body.contact = _contact(survivor)
    if DataCategory.NEEDS in allowed:
        body.need = _need(referral)
    carried = {
        DataCategory.IDENTITY: body.identity,
        DataCategory.CONTACT: body.contact,
        DataCategory.NEEDS: body.need,
    }
    body.shown = [str(c) for c in CARRIED if carried[c] is not None]
    body.withheld = [str(c) for c in CARRIED if str(c) not in body.shown]
    _audit_read(actor, referral, body.shown)
    return body


def _identity(survivor: Any) -> dict[str, Any]:
    return {
        "name": survivor.display_name,
        "pronouns": survivor.pronouns,
        "age": survivor.age_on(timezone.localdate()),
        "date_of_birth": survivor.date_of_birth.isoformat() if survivor.date_of_birth else None,
        "language": survivor.get_primary_language_display() if survivor.primary_language else "",
        "interpreter_needed": survivor.interpreter_needed,
    }


def _contact(survivor: Any) -> dict[str, Any]:
    return {
        "safe_phone": survivor.safe_phone,
        "safe_to_call": survivor.safe_to_call,
        "safe_to_text": survivor.safe_to_text,
        "safe_to_leave_message": survivor.safe_to_leave_message,
        "safe_times": survivor.safe_times,
    }


def _need(referral: Referral) -> dict[str, Any]:
    need = referral.need
    return {
        "domain": need.domain.name if need else referral.domain_code,
        "urgency": need.get_urgency_display() if need and need.urgency else "",
        "description": need.description if need else "",
        "note": referral.note,
    }


def _audit_read(actor: Actor, referral: Referral, shown: list[str]) -> None:
    record(
        actor,
        AuditAction.REFERRAL_VIEWED,
        survivor_id=None if referral.is_inquiry else referral.case.survivor_id,
        case_id=referral.case_id,
        obj=referral,
        detail={"categories": shown, "side": str(side_of(actor, referral) or "")},
    )


def may_refer(actor: Actor) -> bool:
    return policy.can(actor, Permission.REFER)
