"""Every read of needs: only for a case the actor may see, and only with the needs category."""

from __future__ import annotations

from continuum.access import sharing
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.cases.models import Case
from continuum.needs.models import Need


def may_read_needs(actor: Actor, case: Case) -> bool:
    return DataCategory.NEEDS in sharing.categories_for(actor, [case.survivor]).get(
        case.survivor_id, frozenset()
    )


def needs_of(actor: Actor, case: Case) -> list[Need] | None:
    """The case's needs, or None when the actor's agency may not read needs for this person
    (the caller has already checked the actor may see the case)."""
    if not may_read_needs(actor, case):
        return None
    return list(Need.objects.filter(case=case).select_related("domain"))
