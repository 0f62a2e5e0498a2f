"""`continuum audit verify`: prove the audit log has not been changed, cut or reordered."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Work with the audit log. `verify` checks the hash chain from the first entry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Check every entry's hash and link, in order.")
        verify.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, subcommand: str, batch_size: int, **options: Any) -> None:
        # Read-only: interrupting it is harmless, and it can simply be run again.
        report = verify_chain(
            batch_size=batch_size,
            progress=lambda n: self.stderr.write(f"  checked {n} entries…"),
        )
        if not report.ok:
            raise CommandError(
                f"Audit log broken at entry #{report.broken_sequence}: {report.problem}. "
                f"{report.checked} entries before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {report.checked} entries."))
