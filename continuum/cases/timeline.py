"""The case timeline: what happened on a case, in words a colleague can read."""

from __future__ import annotations

from django.utils import timezone

from continuum.access.actor import Actor
from continuum.cases.models import Case, CaseEvent, EventKind


def add_event(
    actor: Actor, case: Case, kind: EventKind, *, summary: str, author_withheld: bool = False
) -> CaseEvent:
    """Called by actions only, inside their transaction. `summary` names roles, agencies and
    staff, never the survivor's details. `author_withheld`: the timeline does not show who
    did it (CaseEvent.author_withheld)."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=timezone.now(),
        by_user=actor.user,
        by_agency=actor.agency,
        summary=summary[:300],
        author_withheld=author_withheld,
    )
