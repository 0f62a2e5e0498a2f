"""Check the audit chain from the first entry to the head."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from continuum.audit.chain import GENESIS, entry_hash, hashed_fields
from continuum.audit.models import AuditChainHead, AuditEntry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_sequence: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None and not self.problem


def verify_chain(
    *, batch_size: int = 2000, progress: Callable[[int], None] | None = None
) -> ChainReport:
    """Walk the chain in order; name the first entry whose hash or link does not hold."""
    previous_hash = GENESIS
    expected_sequence = 1
    checked = 0
    last_sequence = 0
    while True:
        batch = list(
            AuditEntry.objects.filter(sequence__gte=expected_sequence).order_by("sequence")[
                :batch_size
            ]
        )
        if not batch:
            break
        for entry in batch:
            if entry.sequence != expected_sequence:
                return ChainReport(
                    checked, expected_sequence, f"entry #{expected_sequence} is missing"
                )
            if entry.previous_hash != previous_hash:
                return ChainReport(
                    checked, entry.sequence, "it does not link to the entry before it"
                )
            if entry_hash(hashed_fields(entry), previous_hash) != entry.entry_hash:
                return ChainReport(checked, entry.sequence, "its contents do not match its hash")
            previous_hash = entry.entry_hash
            last_sequence = entry.sequence
            expected_sequence += 1
            checked += 1
        if progress:
            progress(checked)
    head = AuditChainHead.objects.filter(pk=1).first()
    head_sequence = head.sequence if head else 0
    if head_sequence != last_sequence or (head and head.entry_hash not in ("", previous_hash)):
        return ChainReport(
            checked,
            last_sequence + 1,
            f"the log ends at #{last_sequence} but the chain head says #{head_sequence}",
        )
    return ChainReport(checked, None, "")
