"""`continuum purge [--dry-run] [--batch-size N]`: destroy records the retention schedule says
are due, for good, one person per transaction.

Stop it at any time (Ctrl+C): each person is either wholly destroyed or untouched. Run it
again to finish. It refuses to destroy anything while `continuum audit verify` fails.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from continuum.drafts.queries import expired_drafts
from continuum.retention import queries
from continuum.retention.actions import (
    AuditChainBroken,
    PurgeResult,
    RetentionBlocked,
    new_run_id,
    purge_due,
)


class Command(BaseCommand):
    help = "Destroy survivor records whose retention period has run out (see docs/retention.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="only count what is due, per record type; change nothing",
        )
        parser.add_argument("--batch-size", type=int, default=100)

    def handle(self, *args: Any, dry_run: bool, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        today = timezone.localdate()
        counts = queries.due_counts(today=today)
        self.stdout.write(f"Due for destruction on {today.isoformat()}:")
        for rule, count in counts:
            self.stdout.write(f"  {rule.record_type} (kept {rule.days} days): {count}")
        export_files = queries.expired_export_files()
        self.stdout.write(
            f"  export files (kept {settings.CONTINUUM_EXPORT_HOURS} hours): {export_files}"
        )
        drafts = expired_drafts()
        self.stdout.write(f"  drafts (kept {settings.CONTINUUM_DRAFT_HOURS} hours): {drafts}")
        if dry_run:
            self.stdout.write("Dry run: nothing was destroyed.")
            return
        if not sum(count for _rule, count in counts) and not export_files and not drafts:
            self.stdout.write(self.style.SUCCESS("Nothing is due."))
            return
        run_id = new_run_id()
        self.stdout.write(f"Run {run_id}: destroying, one person at a time.")
        try:
            result = purge_due(
                today=today, batch_size=batch_size, run_id=run_id, progress=self._progress
            )
        except (AuditChainBroken, RetentionBlocked) as refused:
            raise CommandError(str(refused)) from None
        except KeyboardInterrupt:
            raise CommandError(
                f"Stopped (run {run_id}). Everyone destroyed so far is wholly gone and everyone "
                "else untouched; run `continuum purge` again to finish."
            ) from None
        if result.skipped:
            self.stdout.write(
                f"Skipped {result.skipped}: already gone, or no longer due (a case was "
                "reopened) when their turn came."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run_id}: destroyed {result.destroyed} records,"
                f" {result.export_files_destroyed} export files"
                f" and {result.drafts_destroyed} drafts."
            )
        )

    def _progress(self, result: PurgeResult) -> None:
        self.stdout.write(f"  Destroyed {result.destroyed}/{result.due}")
