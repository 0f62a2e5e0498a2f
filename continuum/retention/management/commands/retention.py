"""`continuum retention show|set`: the retention schedule (docs/retention.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.accounts.models import User
from continuum.retention import queries
from continuum.retention.actions import RetentionRuleInvalid, set_retention
from continuum.retention.models import RecordType


class Command(BaseCommand):
    help = "Show or change how long each kind of survivor record is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("show", help="Every record type, how long it is kept, and who set it.")
        change = sub.add_parser("set", help="Change how long one record type is kept.")
        change.add_argument("record_type", help=", ".join(RecordType.values))
        change.add_argument("--days", type=int, required=True)
        change.add_argument("--by", metavar="USERNAME", help="who decided the change")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "set":
            self._set(**options)
        self._show()

    def _set(self, *, record_type: str, days: int, by: str | None, **options: Any) -> None:
        user = None
        if by:
            user = User.objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"There is no user {by!r}.")
        try:
            rule = set_retention(record_type=record_type, days=days, by=user)
        except RetentionRuleInvalid as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(self.style.SUCCESS(f"{rule.record_type} is now kept {rule.days} days."))

    def _show(self) -> None:
        for rule in queries.schedule():
            who = f" by {rule.updated_by.username}" if rule.updated_by else ""
            self.stdout.write(
                f"{rule.record_type}: {rule.days} days (about {rule.days / 365.25:.1f} years)"
                f" — {rule.description}"
                f" [changed {rule.updated_at:%Y-%m-%d}{who}]"
            )
        self.stdout.write(
            f"export files: {settings.CONTINUUM_EXPORT_HOURS} hours after approval"
            " — an export's encrypted file and passphrase (CONTINUUM_EXPORT_HOURS, in the"
            " environment; docs/exports.md)"
        )
