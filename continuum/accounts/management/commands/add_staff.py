"""`continuum add_staff USERNAME --agency ID --role ROLE ...`: a new account, and
`--reset` for a new one-time password on an existing one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from continuum.accounts.actions import add_staff, reset_password
from continuum.accounts.models import Agency, Role, User
from continuum.core.text import clean_text


class Command(BaseCommand):
    help = (
        "Add a staff member with a role in an agency, and print a one-time password. They "
        "choose their own password and set up two-step verification at first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--agency", type=int, help="the agency's id (see add_agency)")
        parser.add_argument("--role", choices=Role.values)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--job-title", default="")
        parser.add_argument(
            "--reset", action="store_true", help="give an existing account a new one-time password"
        )

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if options["reset"]:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No account is called {username!r}.")
            self._print_password(username, reset_password(user=user))
            return
        agency = self._agency(options["agency"])
        if not options["role"]:
            raise CommandError("Say which role they have: --role " + "|".join(Role.values))
        self._check_new(username, options["email"])
        user, temporary = add_staff(
            username=username,
            first_name=clean_text(options["first_name"])[:150],
            last_name=clean_text(options["last_name"])[:150],
            email=options["email"],
            agency=agency,
            role=options["role"],
            job_title=clean_text(options["job_title"])[:120],
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {user.username} as {Role(options['role']).label} at {agency.name}."
            )
        )
        self._print_password(username, temporary)

    def _agency(self, agency_id: int | None) -> Agency:
        agency = Agency.objects.filter(pk=agency_id, is_active=True).first() if agency_id else None
        if agency is None:
            raise CommandError("Give the id of an active agency: --agency ID")
        return agency

    def _check_new(self, username: str, email: str) -> None:
        field = User._meta.get_field("username")
        try:
            field.clean(username, None)
        except ValidationError as error:
            raise CommandError(f"Username {username!r}: {' '.join(error.messages)}") from None
        if User.objects.filter(username=username).exists():
            raise CommandError(f"There is already an account called {username!r}.")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"{email!r} is not an e-mail address.") from None

    def _print_password(self, username: str, temporary: str) -> None:
        self.stdout.write(
            f"One-time password for {username}: {temporary}\n"
            "Give it to them in person or by phone, never by e-mail. At first sign-in they "
            "choose their own password and set up an authenticator app."
        )
