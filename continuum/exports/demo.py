"""The demo's exports (continuum.demo.community.EXPORTS): one approved and ready to download,
one waiting for a supervisor. Made through the actions, like everything in the demo, then
dated back to when the community says they were asked for. Idempotent: nothing is made when
any export exists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from continuum.access.actor import Actor
from continuum.cases.models import CareTeamRole, Case, CaseStatus
from continuum.demo import community
from continuum.demo.models import DemoSurvivor
from continuum.exports.actions import approve_export, request_export
from continuum.exports.models import Export
from continuum.survivors.queries import survivor_for


def _led_by(requester: Actor) -> list[object]:
    """The survivors of the open cases this case manager leads, in the demo's own order."""
    survivor_ids = Case.objects.filter(
        lead_agency_id=requester.agency_id,
        status=CaseStatus.OPEN,
        care_team__user=requester.user,
        care_team__role=CareTeamRole.LEAD_CASE_MANAGER,
        care_team__removed_at__isnull=True,
    ).values("survivor_id")
    return list(
        DemoSurvivor.objects.filter(survivor_id__in=survivor_ids)
        .order_by("index")
        .values_list("survivor_id", flat=True)
    )


@transaction.atomic
def load_demo_exports(actor_for: Callable[[str], Actor]) -> int:
    """Make the community's exports; return how many were made."""
    if Export.objects.exists():
        return 0
    made = 0
    for spec in community.EXPORTS:
        requester = actor_for(spec.requested_by)
        led = _led_by(requester)
        if len(led) <= spec.case_number:
            continue
        survivor = survivor_for(requester, str(led[spec.case_number]), audit_read=False)
        export = request_export(actor=requester, survivor=survivor, purpose=spec.purpose)
        asked = timezone.now() - timedelta(hours=spec.hours_ago)
        Export.objects.filter(pk=export.pk).update(requested_at=asked)
        if spec.approved_by:
            export.refresh_from_db()
            approve_export(actor=actor_for(spec.approved_by), export=export)
        made += 1
    return made
