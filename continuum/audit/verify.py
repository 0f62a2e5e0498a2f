"""Check the audit chain from the first entry to the head, and against saved checkpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from continuum.audit.chain import GENESIS, entry_hash, hashed_fields
from continuum.audit.models import AuditChainHead, AuditEntry


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head as an earlier `audit verify` saw it, kept outside the database."""

    sequence: int
    entry_hash: str

    def __str__(self) -> str:
        return f"{self.sequence} {self.entry_hash}"

    @classmethod
    def parse(cls, line: str) -> Checkpoint:
        sequence, digest = line.split()[:2]
        return cls(int(sequence), digest)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_sequence: int | None
    problem: str
    head: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None and not self.problem


def verify_chain(
    *,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    checkpoints: Iterable[Checkpoint] = (),
) -> ChainReport:
    """Walk the chain in order; name the first entry whose hash or link does not hold, or
    that a checkpoint remembers differently."""
    remembered = {c.sequence: c.entry_hash for c in checkpoints}
    previous_hash = GENESIS
    expected = 1
    checked = 0
    while True:
        batch = list(
            AuditEntry.objects.filter(sequence__gte=expected).order_by("sequence")[:batch_size]
        )
        if not batch:
            break
        for entry in batch:
            problem = _problem_with(entry, expected, previous_hash, remembered)
            if problem:
                return ChainReport(checked, expected, problem)
            previous_hash = entry.entry_hash
            expected += 1
            checked += 1
        if progress:
            progress(checked)
    return _check_end(checked, previous_hash, remembered)


def _problem_with(
    entry: AuditEntry, expected: int, previous_hash: str, remembered: dict[int, str]
) -> str:
    if entry.sequence != expected:
        return f"entry #{expected} is missing"
    if entry.previous_hash != previous_hash:
        return "it does not link to the entry before it"
    if entry_hash(hashed_fields(entry), previous_hash) != entry.entry_hash:
        return "its contents do not match its hash"
    if entry.sequence in remembered and remembered[entry.sequence] != entry.entry_hash:
        return "it differs from the checkpoint saved earlier"
    return ""


def _check_end(checked: int, last_hash: str, remembered: dict[int, str]) -> ChainReport:
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        if checked:
            return ChainReport(checked, checked + 1, "the chain head is missing")
    elif head.sequence != checked or (checked and head.entry_hash != last_hash):
        return ChainReport(
            checked,
            checked + 1,
            f"the log ends at #{checked} but the chain head says #{head.sequence}",
        )
    beyond = [sequence for sequence in remembered if sequence > checked]
    if beyond:
        return ChainReport(
            checked,
            checked + 1,
            f"a checkpoint saved earlier reaches #{max(beyond)}: entries were cut off the end",
        )
    return ChainReport(checked, None, "", Checkpoint(checked, last_hash if checked else GENESIS))
