"""Every write to needs. The needs-assessment issue adds the assessment itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from continuum.access.actor import Actor
from continuum.audit.log import record

if TYPE_CHECKING:
    from continuum.screening.models import Screening
from continuum.audit.models import AuditAction
from continuum.cases.models import Case
from continuum.needs.defaults import NAME, POSITION
from continuum.needs.models import Need, NeedDomain, NeedSource, NeedStatus, Urgency

# Immediate needs asked at screening (continuum.screening.models.ImmediateNeed), and the
# domain each one is in: the assessment later finds them there instead of asking again.
IMMEDIATE_NEED_DOMAINS = {
    "food": "food",
    "clothing": "clothing",
    "shelter": "shelter",
    "medical": "medical",
    "other": "other",
}


def _domain(code: str) -> NeedDomain:
    """The domain by code, put back with its default name if a community removed it: a need
    found at screening is never lost for want of a row."""
    domain, _created = NeedDomain.objects.get_or_create(
        code=code, defaults={"name": NAME[code], "position": POSITION[code]}
    )
    return domain


@transaction.atomic
def record_needs_from_screening(
    *, actor: Actor, case: Case, screening: Screening, needs: list[tuple[str, str]]
) -> list[Need]:
    """Put the immediate needs a screening found on the case, marked as found at screening.
    Caller: continuum.screening.actions when the screening is linked to a case (it has
    checked the actor screened this person). needs: (immediate-need code, words)."""
    if not needs:
        return []
    domains = {
        d.code: d for d in NeedDomain.objects.filter(code__in=IMMEDIATE_NEED_DOMAINS.values())
    }
    created = [
        Need.objects.create(
            case=case,
            domain=domains[IMMEDIATE_NEED_DOMAINS[code]],
            status=NeedStatus.IDENTIFIED,
            urgency=Urgency.IMMEDIATE,
            description=words,
            source=NeedSource.SCREENING,
            source_screening=screening,
            identified_by=actor.user,
            identified_by_agency=actor.agency,
        )
        for code, words in needs
    ]
    record(
        actor,
        AuditAction.NEEDS_RECORDED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        detail={"count": len(created)},  # the entry outlives the person: no domains
    )
    return created
