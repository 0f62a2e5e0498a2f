"""`continuum add_agency NAME --type TYPE`: add a member agency of the network."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.accounts.actions import add_agency
from continuum.accounts.models import TIME_ZONES, Agency, AgencyType
from continuum.core.text import clean_text


class Command(BaseCommand):
    help = "Add an agency to the network."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--type", required=True, choices=AgencyType.values, dest="kind")
        parser.add_argument("--short-name", default="")
        parser.add_argument("--county", default="")
        parser.add_argument(
            "--time-zone",
            default="America/New_York",
            choices=[zone for zone, _label in TIME_ZONES],
            help="The zone its staff work in (deadlines are shown in it).",
        )
        parser.add_argument(
            "--leads-screened-cases",
            action="store_true",
            help="The protocol names it to lead cases opened from screenings with concern.",
        )

    def handle(
        self, *args: Any, name: str, kind: str, short_name: str, county: str, **options: Any
    ) -> None:  # time_zone and leads_screened_cases come in options
        name = clean_text(name)
        if not name or len(name) > 200:
            raise CommandError("The name must be 1 to 200 characters.")
        if len(short_name) > 40:
            raise CommandError("The short name must be at most 40 characters.")
        if Agency.objects.filter(name=name).exists():
            raise CommandError(f"There is already an agency called {name!r}.")
        agency = add_agency(
            name=name,
            agency_type=kind,
            county=clean_text(county),
            short_name=clean_text(short_name),
            time_zone=options["time_zone"],
            leads_screened_cases=options["leads_screened_cases"],
        )
        self.stdout.write(self.style.SUCCESS(f"Added {agency.name} (id {agency.pk})."))
