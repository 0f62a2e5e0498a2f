"""`continuum audit verify`: prove the audit log has not been changed, cut or reordered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.audit.verify import Checkpoint, verify_chain


class Command(BaseCommand):
    help = "Work with the audit log. `verify` checks the hash chain from the first entry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Check every entry's hash and link, in order.")
        verify.add_argument("--batch-size", type=int, default=2000)
        verify.add_argument(
            "--checkpoints",
            type=Path,
            help=(
                "a file of heads saved by earlier runs (kept OFF the database server): each "
                "must still be in the chain; a good run appends today's head"
            ),
        )

    def handle(
        self,
        *args: Any,
        subcommand: str,
        batch_size: int,
        checkpoints: Path | None,
        **options: Any,
    ) -> None:
        # Read-only on the database: interrupting it is harmless; run it again.
        saved = self._read(checkpoints)
        report = verify_chain(
            batch_size=batch_size,
            progress=lambda n: self.stderr.write(f"  checked {n} entries…"),
            checkpoints=saved,
        )
        if not report.ok:
            raise CommandError(
                f"Audit log broken at entry #{report.broken_sequence}: {report.problem}. "
                f"{report.checked} entries before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {report.checked} entries."))
        self.stdout.write(f"Head: {report.head}")
        if checkpoints is not None and report.head is not None:
            with checkpoints.open("a") as handle:
                handle.write(f"{report.head}\n")
            self.stdout.write(f"Checked against {len(saved)} checkpoints; saved today's head.")

    def _read(self, path: Path | None) -> list[Checkpoint]:
        if path is None or not path.exists():
            return []
        try:
            return [Checkpoint.parse(line) for line in path.read_text().splitlines() if line]
        except ValueError:
            raise CommandError(
                f"{path} is not a checkpoint file (lines of: sequence hash)"
            ) from None
