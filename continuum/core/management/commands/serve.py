"""`continuum serve`: run the web application with waitress (a production WSGI server)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.wsgi import application


class Command(BaseCommand):
    help = "Serve Continuum over HTTP (put TLS in front of it in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        from waitress import serve

        from continuum.core.startup import settle
        from continuum.demo.models import DemoInstallation

        if settings.HTTPS and DemoInstallation.objects.exists():
            raise CommandError(
                "This database holds the demo community, whose password and sign-in keys are "
                "published, and CONTINUUM_HTTPS says it is a real installation. Refusing to "
                "serve it. Use a fresh database for real work."
            )
        url = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS(f"\nContinuum is running at {url}"))
        if DemoInstallation.objects.exists():
            self.stdout.write(
                "This is the synthetic demo community. Sign in as any persona listed above,\n"
                "for example casey (case manager), with the password continuum-demo-2026.\n"
                "For the sign-in code, run in another terminal:  "
                ".venv/bin/continuum demo_code casey\n"
            )
        self.stdout.write(f"Idle sign-out after {settings.IDLE_TIMEOUT_SECONDS // 60} minutes.")
        self.stdout.write("Press Ctrl+C to stop.\n")
        settle()  # after start-up: the ZIP table loaded, and out of the collector's way
        serve(application, host=host, port=port, threads=threads, ident="Continuum")
