"""Every read of screening setup: the instruments, the safety numbers and rules, and who is
trained to screen. None of it is survivor data; what is scoped is who may look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils import timezone

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.policy import Permission
from continuum.accounts.models import Membership
from continuum.screening.models import Instrument, SafetyLine, SafetyRule


def may_see_instruments(actor: Actor) -> bool:
    """Network admins manage the instruments; everyone who screens sees what they use."""
    return policy.can(actor, Permission.MANAGE_INSTRUMENTS) or policy.can(actor, Permission.SCREEN)


def require_instrument_reader(actor: Actor) -> None:
    if not may_see_instruments(actor):
        raise policy.Forbidden()


def instruments_for(actor: Actor) -> list[Instrument]:
    """Every stored instrument version, in use first, then by title and newest import (one
    query). Who imported each is not shown, so not joined."""
    require_instrument_reader(actor)
    return sorted(
        Instrument.objects.defer("questionnaire"),
        key=lambda instrument: (instrument.status != "active", instrument.title.casefold()),
    )


def instrument_for(actor: Actor, instrument_id: int) -> Instrument:
    """One instrument version, or NotFound."""
    require_instrument_reader(actor)
    found = Instrument.objects.select_related("imported_by").filter(pk=instrument_id).first()
    if found is None:
        raise policy.NotFound()
    return found


def safety_lines() -> list[SafetyLine]:
    return list(SafetyLine.objects.select_related("updated_by"))


def safety_rules() -> list[SafetyRule]:
    return list(SafetyRule.objects.select_related("line").order_by("position", "pk"))


# --- screening training ------------------------------------------------------------------


class TrainingState(StrEnum):
    CURRENT = "current"
    EXPIRED = "expired"
    NONE = "none"


@dataclass(frozen=True)
class TrainingStatus:
    current: bool
    certified_on: date | None
    until: date | None
    certified_by_name: str

    @property
    def state(self) -> TrainingState:
        if self.current:
            return TrainingState.CURRENT
        if self.certified_on is None:
            return TrainingState.NONE
        return TrainingState.EXPIRED


def training_is_current(certified_on: date | None, until: date | None, today: date) -> bool:
    """The rule policy.trained_to_screen applies: trained on or before today, and current
    through `until` (a record without an end date stays current)."""
    return certified_on is not None and certified_on <= today and (until is None or today <= until)


def screening_training_of(membership: Membership, *, today: date | None = None) -> TrainingStatus:
    """Where this membership's screening training stands (no query when the certifier was
    selected with it)."""
    day = today or timezone.localdate()
    by = membership.screening_certified_by
    return TrainingStatus(
        current=training_is_current(
            membership.screening_certified_on, membership.screening_certified_until, day
        ),
        certified_on=membership.screening_certified_on,
        until=membership.screening_certified_until,
        certified_by_name=(by.get_full_name() or by.username) if by else "",
    )


def is_trained_to_screen(actor: Actor) -> bool:
    """Whether the actor, acting as they are now, has current screening training (the check
    policy.require_screening makes)."""
    return policy.trained_to_screen(actor)


@dataclass(frozen=True)
class ScreenerTraining:
    membership: Membership
    status: TrainingStatus


def screeners_of(actor: Actor) -> list[ScreenerTraining]:
    """The active members of the actor's agency in roles that screen, with their training
    (one query). Caller: a supervisor or agency admin."""
    policy.require(actor, Permission.CERTIFY_SCREENERS)
    today = timezone.localdate()
    members = (
        Membership.objects.filter(
            agency_id=actor.agency_id,
            is_active=True,
            user__is_active=True,
            role__in=policy.SCREENER_ROLES,
        )
        .select_related("user", "screening_certified_by")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    )
    return [ScreenerTraining(m, screening_training_of(m, today=today)) for m in members]


def screener_membership_for(actor: Actor, membership_id: int | str) -> Membership:
    """A membership of the actor's agency whose training the actor may record, or NotFound
    (another agency's people do not exist here)."""
    policy.require(actor, Permission.CERTIFY_SCREENERS)
    try:
        pk = int(membership_id)
    except (TypeError, ValueError):
        raise policy.NotFound() from None
    found = (
        Membership.objects.filter(
            pk=pk,
            agency_id=actor.agency_id,
            is_active=True,
            user__is_active=True,
            role__in=policy.SCREENER_ROLES,
        )
        .select_related("user", "agency", "screening_certified_by")
        .first()
    )
    if found is None:
        raise policy.NotFound()
    return found
