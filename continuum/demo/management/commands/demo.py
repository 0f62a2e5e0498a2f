"""`continuum demo`: load the synthetic Palmetto County network (docs/demo.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.accounts.models import Membership
from continuum.demo import community, loader
from continuum.demo.models import DemoInstallation


class Command(BaseCommand):
    help = (
        "Load the fictional Palmetto County network: agencies, staff with two-step "
        "verification, and 50 synthetic survivors. Safe to run again; it adds only what is "
        "missing. Never run it on a database with real people in it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though the database holds records the demo did not make.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if settings.HTTPS:
            # A site set up for real use (behind TLS) never gets accounts whose password and
            # sign-in keys are published in this repository.
            raise CommandError(
                "CONTINUUM_HTTPS is true: this is configured as a real installation, and the "
                "demo's accounts have a published password. Load the demo on a local copy."
            )
        if not DemoInstallation.objects.exists() and not options["force"]:
            foreign = loader.foreign_data()
            if foreign:
                raise CommandError(
                    "This database already holds "
                    + "; ".join(foreign)
                    + ". The demo adds accounts with a published password and published "
                    "sign-in keys, so it refuses to load next to real data. Use an empty "
                    "database (or --force if you are sure this one is a throwaway)."
                )

        def progress(line: str) -> None:
            if verbosity >= 1:
                self.stdout.write(line)

        try:
            result = loader.load(progress=progress)
        except KeyboardInterrupt:
            # Each person is written in a transaction of their own: nothing half-made is left.
            raise CommandError(
                "Interrupted. Everything loaded so far is complete; run `continuum demo` "
                "again to add the rest."
            ) from None
        if verbosity < 1:
            return
        self.stdout.write("")
        if result.created_anything:
            self.stdout.write(
                self.style.SUCCESS(f"Demo community loaded in {result.elapsed:.1f} s.")
            )
        else:
            self.stdout.write(self.style.SUCCESS("The demo community was already complete."))
        self._summary()

    def _summary(self) -> None:
        counts = loader.summary_counts()
        width = max(len(label) for label in counts)
        for label, count in counts.items():
            self.stdout.write(f"  {label:<{width}}  {count}")
        self.stdout.write("")
        self.stdout.write(f"Demo personas ({community.COUNTY}, fictional):")
        rows = [("Username", "Name", "Agency", "Role")]
        for username in community.PERSONAS:
            spec = community.STAFF_BY_USERNAME[username]
            memberships = Membership.objects.filter(user__username=username).select_related(
                "agency"
            )
            for n, membership in enumerate(memberships.order_by("pk")):
                rows.append(
                    (
                        username if n == 0 else "",
                        spec.full_name if n == 0 else "",
                        membership.agency.label,
                        str(membership.get_role_display()),
                    )
                )
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for n, row in enumerate(rows):
            self.stdout.write(
                "  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
            )
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"Password: {community.DEMO_PASSWORD}")
        self.stdout.write("Sign-in code: run `.venv/bin/continuum demo_code USERNAME`")
