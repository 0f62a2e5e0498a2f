"""`continuum set_agency NAME [--time-zone ZONE] [--leads-screened-cases yes|no]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.accounts.actions import configure_agency
from continuum.accounts.models import TIME_ZONES, Agency


class Command(BaseCommand):
    help = (
        "Change an agency's time zone, or whether the protocol names it to lead cases opened "
        "from screenings with concern."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The agency's full name, as `add_agency` gave it.")
        parser.add_argument("--time-zone", choices=[zone for zone, _label in TIME_ZONES])
        parser.add_argument("--leads-screened-cases", choices=["yes", "no"])

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        agency = Agency.objects.filter(name=name).first()
        if agency is None:
            raise CommandError(f"No agency is called {name!r}.")
        leads = options["leads_screened_cases"]
        if options["time_zone"] is None and leads is None:
            raise CommandError("Say what to change: --time-zone or --leads-screened-cases.")
        configure_agency(
            agency=agency,
            time_zone=options["time_zone"],
            leads_screened_cases=None if leads is None else leads == "yes",
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{agency.name}: {agency.get_time_zone_display()}; "
                + ("leads" if agency.leads_screened_cases else "does not lead")
                + " cases opened from screenings."
            )
        )
