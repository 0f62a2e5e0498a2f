"""Write to the audit log. Every action and every read of survivor data calls `record`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from continuum.audit.chain import GENESIS, entry_hash, hashed_fields
from continuum.audit.models import AuditAction, AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from uuid import UUID

    from continuum.access.actor import Actor
    from continuum.accounts.models import User


def record(
    actor: Actor | None,
    action: AuditAction,
    *,
    survivor_id: UUID | None = None,
    case_id: UUID | None = None,
    obj: Any = None,
    detail: dict[str, Any] | None = None,
    user: User | None = None,
    via: str | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the write it records, so that a
    write without its entry (or an entry for a write that rolled back) cannot exist.

    `detail` holds ids, labels and counts only, never a survivor's details.
    `user` names the person when there is no actor yet (sign-in).
    """
    with transaction.atomic():
        head = _locked_head()
        entry = AuditEntry(
            sequence=head.sequence + 1,
            at=timezone.now(),
            user_id=actor.user.pk if actor else (user.pk if user else None),
            username=(actor.user.username if actor else (user.username if user else "")),
            agency_id=actor.agency_id if actor else None,
            role=str(actor.role) if actor else "",
            via=str(actor.via) if actor else (via or "web"),
            action=action,
            survivor_id=survivor_id,
            case_id=case_id,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            detail=detail or {},
            previous_hash=head.entry_hash or GENESIS,
        )
        entry.entry_hash = entry_hash(hashed_fields(entry), entry.previous_hash)
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(
            sequence=entry.sequence, entry_hash=entry.entry_hash
        )
    return entry


def _locked_head() -> AuditChainHead:
    # select_for_update serialises appends on PostgreSQL; SQLite's IMMEDIATE transactions
    # already let one writer in at a time. One chain means one append at a time: ample for a
    # state network (thousands of staff). Past that, keep one chain per agency (a head row
    # each) and verify them side by side; the entry format does not change.
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditChainHead.objects.get_or_create(pk=1)
    return head
