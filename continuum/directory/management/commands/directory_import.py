"""`continuum directory_import PATH [--kind KIND] [--dry-run] [--by USERNAME]`: load an HSDS
3.1 file into the directory.

PATH is a JSON file (one record, a list, an API page, or Continuum's own export), or a
tabular package: a folder or .zip of CSV files. For a JSON file of records the kind comes
from --kind, or from the file's name (service_full.json holds services).

All or nothing: a file with problems is refused whole, every problem listed with where it is
and why, and the command exits non-zero. Stop it at any time (Ctrl+C): the import is one
transaction, so nothing is half-written. Run it again at will: a file already imported
changes nothing. Acts as the operator at the server (like the other operator commands);
--by names the person in the audit log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from continuum.accounts.models import User
from continuum.directory import hsds, importer, tabular
from continuum.directory.actions import import_directory

# Shown when there are more problems than this; the rest are counted.
MAX_SHOWN = 200


def kind_from_name(path: Path) -> str | None:
    """The record kind a file's name starts with (service_at_location_full.json)."""
    stem = path.stem.lower()
    found = [kind for kind in hsds.KINDS if stem == kind or stem.startswith(kind + "_")]
    return max(found, key=len) if found else None


def read(path: Path, kind: str | None) -> importer.Batch:
    """Read PATH as the command does (CommandError when it is not JSON)."""
    if path.is_dir() or path.suffix.lower() == ".zip":
        return tabular.read_package(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path} is not JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    return importer.read_json(document, kind=kind or kind_from_name(path))


class Command(BaseCommand):
    help = "Import an HSDS 3.1 file (JSON, or a tabular package) into the directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a .json file, or a folder or .zip of CSVs")
        parser.add_argument(
            "--kind",
            choices=hsds.KINDS,
            help="the kind of record a JSON file holds (default: from the file's name)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count only; change nothing"
        )
        parser.add_argument("--by", metavar="USERNAME", help="who is importing (audit log)")

    def handle(
        self,
        *args: Any,
        path: Path,
        kind: str | None,
        dry_run: bool,
        by: str | None,
        **options: Any,
    ) -> None:
        if not path.exists():
            raise CommandError(f"There is no file or folder {path}.")
        user = None
        if by:
            user = User.objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"There is no user {by!r}.")
        self.stdout.write(f"Reading {path}…")
        batch = read(path, kind)
        tables = sum(1 for rows in batch.rows.values() if rows)
        self.stdout.write(f"  {batch.record_count} records in {tables} tables.")
        try:
            report = import_directory(
                actor=None,
                batch=batch,
                dry_run=dry_run,
                by=user,
                progress=lambda message: self.stdout.write(f"  wrote {message}"),
            )
        except importer.ImportRejected as rejected:
            self._list(rejected.problems)
            count = len(rejected.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} in {path}: nothing was imported. "
                "Fix the file and run the command again."
            ) from None
        except KeyboardInterrupt:
            raise CommandError(
                "Stopped: nothing was imported (the import is one transaction). "
                "Run the command again to import the file."
            ) from None
        for table_name, counts in report.tables.items():
            self.stdout.write(f"  {table_name}: {counts}")
        totals = (
            f"{report.total('created')} created, {report.total('updated')} updated, "
            f"{report.total('unchanged')} unchanged, {report.total('deleted')} deleted"
        )
        if dry_run:
            self.stdout.write(f"Dry run: {totals}. Nothing was changed.")
        elif not report.changed:
            self.stdout.write(self.style.SUCCESS(f"Nothing to change: {totals}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {path}: {totals}."))

    def _list(self, problems: list[importer.ImportProblem]) -> None:
        for problem in problems[:MAX_SHOWN]:
            self.stderr.write(f"  {problem}")
        if len(problems) > MAX_SHOWN:
            self.stderr.write(f"  … and {len(problems) - MAX_SHOWN} more.")
