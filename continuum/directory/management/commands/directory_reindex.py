"""`continuum directory_reindex [--after ID]`: rewrite the match index (match_index.py) from the
directory, every service, in chunks.

Not needed in normal use: every directory write keeps the index in step. Run it after
changing the need-domain map (need_terms.py), which the index is written from. Each chunk
is written whole in its own transaction, so stopping it (Ctrl+C) leaves every service either
as before or rewritten; it prints the last service id done, and `--after ID` goes on from
there (running it again from the start is harmless too).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from continuum.directory import match_index


class Command(BaseCommand):
    help = "Rewrite the match index from the directory (after changing the need-domain map)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--after", type=uuid.UUID, help="go on after this service id")

    def handle(self, *args: Any, after: uuid.UUID | None, **options: Any) -> None:
        def progress(done: int, total: int, last: uuid.UUID) -> None:
            self.stdout.write(f"{done:,} of {total:,} services (last: {last})")

        try:
            match_index.refresh_all(progress, after=after)
        except KeyboardInterrupt:
            self.stderr.write("Stopped. Every chunk written is whole; go on with --after (above).")
            raise SystemExit(130) from None
        self.stdout.write(self.style.SUCCESS("The match index is up to date."))
