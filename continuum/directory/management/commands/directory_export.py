"""`continuum directory_export PATH [--format json|tabular] [--by USERNAME]`: write the
directory out as HSDS 3.1.

JSON (PATH ends in .json, or --format json): one file of fully nested records, which
`directory_import` reads back. Tabular (a folder, or a .zip): one CSV per table and a
datapackage.json. Confidential locations and everything at them are never written. The file
appears whole or not at all, so stopping it (Ctrl+C) leaves no half-written export; running
it again writes it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.accounts.models import User
from continuum.directory.actions import export_directory
from continuum.directory.exporter import FORMATS, Format


class Command(BaseCommand):
    help = "Export the directory as HSDS 3.1 (JSON, or the tabular package)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a .json file, or a folder or .zip")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            dest="fmt",
            help="json or tabular (default: json for a .json path, tabular otherwise)",
        )
        parser.add_argument("--by", metavar="USERNAME", help="who is exporting (audit log)")

    def handle(
        self, *args: Any, path: Path, fmt: Format | None, by: str | None, **options: Any
    ) -> None:
        chosen: Format = fmt or ("json" if path.suffix.lower() == ".json" else "tabular")
        if chosen == "tabular" and path.exists() and not path.is_dir() and path.suffix != ".zip":
            raise CommandError(f"{path} is a file: give a folder or a .zip for a tabular export.")
        if chosen == "json" and path.is_dir():
            raise CommandError(f"{path} is a folder: give a file name for a JSON export.")
        user = None
        if by:
            user = User.objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"There is no user {by!r}.")
        self.stdout.write(f"Exporting the directory to {path} ({chosen})…")
        try:
            counts = export_directory(actor=None, target=path, fmt=chosen, by=user)
        except KeyboardInterrupt:
            raise CommandError("Stopped: no export was written. Run the command again.") from None
        except OSError as error:
            raise CommandError(f"Could not write {path}: {error.strerror or error}.") from None
        for name, count in counts.items():
            self.stdout.write(f"  {name}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Exported {sum(counts.values())} records."))
