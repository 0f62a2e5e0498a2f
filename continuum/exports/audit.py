"""The audit entries of exports: requested, approved, refused, downloaded, destroyed.

The codes are AuditAction members, written to the same hash-chained log as every other entry
(continuum.audit.log); ExportAuditAction names them for this app. Entries hold ids and
counts only: the
purpose and a refusal's reason stay on the export row, as a break-glass reason stays on its
grant, never in the log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from continuum.audit.log import record
from continuum.audit.models import AuditAction

if TYPE_CHECKING:
    from continuum.access.actor import Actor
    from continuum.audit.models import AuditEntry
    from continuum.exports.models import Export


class ExportAuditAction:
    REQUESTED = AuditAction.EXPORT_REQUESTED
    APPROVED = AuditAction.EXPORT_APPROVED
    REFUSED = AuditAction.EXPORT_REFUSED
    DOWNLOADED = AuditAction.EXPORT_DOWNLOADED
    DESTROYED = AuditAction.EXPORT_DESTROYED


def record_export(
    actor: Actor | None,
    action: AuditAction,
    export: Export,
    *,
    detail: dict[str, Any] | None = None,
    via: str | None = None,
) -> AuditEntry:
    """One entry about this export, pointing at its survivor and case by id."""
    return record(
        actor,
        action,
        survivor_id=export.survivor_id,
        case_id=export.case_id,
        obj=export,
        detail=detail,
        via=via,
    )
