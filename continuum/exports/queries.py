"""Every read of exports. None of them shows survivor data: an export is named by its case
reference, and its file is read only by the download action (audited there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access.actor import Actor
from continuum.access.policy import Forbidden, NotFound
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.exports import policy
from continuum.exports.models import Export, ExportStatus

LIST_LIMIT = 100
# Never needed to list or show an export: the sealed file is read by the download action only.
_CONTENT = ("archive", "passphrase")


def _exports() -> QuerySet[Export]:
    return Export.objects.select_related(
        "case", "requested_by", "membership", "agency", "decided_by"
    ).defer(*_CONTENT)


def exports_of(actor: Actor) -> list[Export]:
    """The exports this person asked for, acting as they are now, newest first."""
    return list(
        _exports()
        .filter(requested_by_id=actor.user.pk, membership_id=actor.membership.pk)
        .order_by("-requested_at")[:LIST_LIMIT]
    )


def _waiting_for(actor: Actor) -> QuerySet[Export]:
    return Export.objects.filter(agency_id=actor.agency_id, status=ExportStatus.REQUESTED).exclude(
        requested_by_id=actor.user.pk
    )


def exports_to_approve(actor: Actor) -> list[Export]:
    """For a supervisor: their agency's exports waiting for a decision, oldest first, except
    the ones they asked for themselves (another supervisor decides those). One query."""
    if not policy.can_approve_exports(actor):
        raise Forbidden(_("Only supervisors decide on exports."))
    return list(
        _exports()
        .filter(pk__in=_waiting_for(actor).values("pk"))
        .order_by("requested_at")[:LIST_LIMIT]
    )


def count_to_approve(actor: Actor) -> int:
    """How many exports wait for this supervisor's decision (one query; none for others)."""
    if not policy.can_approve_exports(actor):
        return 0
    return _waiting_for(actor).count()


def export_for(actor: Actor, export_id: UUID | str) -> Export:
    """One export, for its requester or their agency's supervisors; NotFound for anyone else
    (and the attempt on an export that exists is audited)."""
    export = _exports().filter(pk=export_id).first()
    if export is None:
        raise NotFound()
    try:
        policy.require_export_view(actor, export)
    except NotFound:
        record(
            actor,
            AuditAction.ACCESS_DENIED,
            survivor_id=export.survivor_id,
            case_id=export.case_id,
            obj=export,
        )
        raise
    return export


def passphrase_for(actor: Actor, export: Export) -> str | None:
    """The passphrase, for the requester only, while the file may be downloaded."""
    if not (policy.is_requester(actor, export) and export.ready):
        return None
    return export.passphrase  # deferred: read now, in one query


def expired_exports(*, now: datetime | None = None) -> QuerySet[Export]:
    """Approved exports past their time whose file is still stored, oldest first. The
    system's read, for the retention purge (no actor): ids and times only."""
    return (
        Export.objects.filter(
            status=ExportStatus.APPROVED,
            destroyed_at__isnull=True,
            expires_at__lte=now or timezone.now(),
        )
        .only("pk", "survivor_id", "case_id", "expires_at")
        .order_by("expires_at", "pk")
    )


@dataclass(frozen=True)
class ExportWork:
    """What My work shows about exports: how many wait for this supervisor's decision (one
    query, for supervisors only), and whether the actor's role asks for exports at all."""

    to_approve: int
    can_request: bool


def export_work(actor: Actor) -> ExportWork:
    return ExportWork(count_to_approve(actor), policy.can_request_exports(actor))
