"""`continuum unlock USERNAME`: lift a password lockout before it expires."""

from __future__ import annotations

from typing import Any

from axes.utils import reset
from django.core.management.base import BaseCommand, CommandParser

from continuum.accounts.lockout import lockout_key


class Command(BaseCommand):
    help = "Clear the failed sign-in attempts of a username, so it can sign in again now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        cleared = reset(username=lockout_key(username))
        self.stdout.write(f"Cleared {cleared} lockout record(s) for {username}.")
