"""Reads of break-glass grants, for the supervisors who review them."""

from __future__ import annotations

from uuid import UUID

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.models import EmergencyAccess


def grants_to_review(actor: Actor) -> list[EmergencyAccess]:
    """For a supervisor: their agency's break-glass grants not yet signed off, oldest first.
    Shows who, when, which case reference and the reason; no survivor data."""
    if not policy.can(actor, policy.Permission.REVIEW_EMERGENCY_ACCESS):
        return []
    return list(
        EmergencyAccess.objects.filter(agency_id=actor.agency_id, reviewed_at__isnull=True)
        .select_related("user", "case")
        .order_by("opened_at")
    )


def grant_to_review(actor: Actor, grant_id: UUID | str) -> EmergencyAccess:
    """One grant for its reviewing supervisor, or NotFound."""
    grant = (
        EmergencyAccess.objects.select_related("user", "case", "reviewed_by")
        .filter(pk=grant_id)
        .first()
    )
    if grant is None:
        raise policy.NotFound()
    policy.require_emergency_review(actor, grant)
    return grant
