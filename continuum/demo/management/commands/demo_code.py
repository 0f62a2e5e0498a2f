"""`continuum demo_code USERNAME`: the current sign-in code of a demo persona.

Works only on a database loaded by `continuum demo` (the DemoInstallation row), and only for
an authenticator whose key is the published demo key: it can never print a code for a real
person's device.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.models import User
from continuum.demo.loader import RECOVERY_DEVICE_NAME, TOTP_DEVICE_NAME, demo_totp_key
from continuum.demo.models import DemoInstallation


class Command(BaseCommand):
    help = "Print a demo persona's current sign-in code (demo databases only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="A demo persona, e.g. casey.")
        parser.add_argument(
            "--recovery", action="store_true", help="Also print the persona's recovery codes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not DemoInstallation.objects.exists():
            raise CommandError(
                "This is not a demo database (run `continuum demo` to load one). Sign-in codes "
                "are printed only for the demo community."
            )
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called {username!r}.")
        device = TOTPDevice.objects.filter(
            user=user, name=TOTP_DEVICE_NAME, confirmed=True, key=demo_totp_key(username)
        ).first()
        if device is None:
            raise CommandError(
                f"{username} has no demo authenticator (they set up their own, or are not a "
                "demo persona). Their codes are on their own device."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now = time.time()
        totp.time = now
        code = f"{totp.token():0{device.digits}d}"
        valid_for = device.step - int(now - device.t0) % device.step
        self.stdout.write(f"Sign-in code for {username}: {code}")
        self.stdout.write(f"Valid for {valid_for} more seconds.")
        if device.last_t >= totp.t():
            self.stdout.write(
                "This code has been used already; each code works once. Wait for the next one."
            )
        if options["recovery"]:
            tokens = StaticToken.objects.filter(
                device__user=user, device__name=RECOVERY_DEVICE_NAME
            ).order_by("pk")
            self.stdout.write("Recovery codes (each works once):")
            for token in tokens:
                self.stdout.write(f"  {token.token}")
            if not tokens:
                self.stdout.write("  none left")
