#!/usr/bin/env python3
"""Copy the Open Referral HSDS 3.1 JSON Schemas into the app, byte for byte.

The resource directory (issue #7) validates imports against these schemas, and the
project rule is that the standards under ../shared are used as published, never
retyped or hand-edited. This script is the only way the vendored copy in
continuum/directory/hsds_schema/ should change: re-run it, review the diff, commit.

    python scripts/vendor_hsds.py [--source PATH]

Copies every schema/*.json file, the tabular package's descriptor (datapackage.json: every
table's CSV file and field types, which the tabular import and export read) and the
standard's LICENSE (CC BY-SA 4.0, which asks for attribution); and, for the tests (a fresh
clone in CI has no ../shared beside it), examples/*.json into tests/directory/hsds_examples/
and the tabular example examples/csv/* into tests/directory/hsds_examples/csv/.
schema/simple/ holds only a CSV summary of the same fields, which validation does not need,
so it is not copied. Files already identical are left alone, and vendored files no longer in
the source are removed, so running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "standards" / "hsds-3.1"
TARGET = REPO_ROOT / "continuum" / "directory" / "hsds_schema"
# The standard's examples, for the tests: CI's fresh clone has no ../shared beside it.
EXAMPLES_TARGET = REPO_ROOT / "tests" / "directory" / "hsds_examples"
# The tabular example (one CSV per table). Its datapackage.json is, as published, the text
# "../../datapackage.json": a symbolic link in the standard's repository, flattened to a file.
CSV_EXAMPLES_TARGET = EXAMPLES_TARGET / "csv"


def sources(standard: Path) -> list[Path]:
    """The files to vendor: every top-level schema JSON file, the tabular package's
    datapackage.json, plus the LICENSE."""
    files = sorted((standard / "schema").glob("*.json"))
    if not files:
        raise SystemExit(f"no schema/*.json files under {standard}")
    descriptor = standard / "datapackage.json"
    if descriptor.is_file():
        files.append(descriptor)
    licence = standard / "LICENSE"
    if licence.is_file():
        files.append(licence)
    return files


def example_sources(standard: Path) -> list[Path]:
    """The standard's JSON examples (the tests validate every one), plus the LICENSE."""
    files = sorted((standard / "examples").glob("*.json"))
    licence = standard / "LICENSE"
    return [*files, licence] if licence.is_file() else files


def csv_example_sources(standard: Path) -> list[Path]:
    """The standard's tabular example: every file in examples/csv/ (CSV tables and the
    package's datapackage.json)."""
    folder = standard / "examples" / "csv"
    return sorted(path for path in folder.iterdir() if path.is_file()) if folder.is_dir() else []


def vendor(standard: Path, target: Path = TARGET, *, files: list[Path] | None = None) -> list[str]:
    """Make target hold exactly `files` (default: sources(standard)). Returns a log."""
    log: list[str] = []
    target.mkdir(parents=True, exist_ok=True)
    wanted = {path.name: path for path in (files if files is not None else sources(standard))}
    for name, source in wanted.items():
        dest = target / name
        data = source.read_bytes()
        if dest.is_file() and dest.read_bytes() == data:
            log.append(f"{'unchanged':<9} {name}")
            continue
        existed = dest.exists()
        # copyfile, not copy: the contents, not the read-only mode bits of ../shared.
        shutil.copyfile(source, dest)
        log.append(f"{'updated' if existed else 'copied':<9} {name}")
    for stale in sorted(target.iterdir()):
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
            log.append(f"{'removed':<9} {stale.name}")
    return log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"the hsds-3.1 standard folder (default: {DEFAULT_SOURCE})",
    )
    args = parser.parse_args(argv)
    standard: Path = args.source.resolve()
    if not (standard / "schema").is_dir():
        print(f"error: {standard / 'schema'} is not a folder", file=sys.stderr)
        return 1
    print(f"vendoring {standard} -> {TARGET.relative_to(REPO_ROOT)}")
    for line in vendor(standard):
        print(f"  {line}")
    print(f"vendoring {standard / 'examples'} -> {EXAMPLES_TARGET.relative_to(REPO_ROOT)}")
    for line in vendor(standard, EXAMPLES_TARGET, files=example_sources(standard)):
        print(f"  {line}")
    csv_folder = standard / "examples" / "csv"
    print(f"vendoring {csv_folder} -> {CSV_EXAMPLES_TARGET.relative_to(REPO_ROOT)}")
    for line in vendor(standard, CSV_EXAMPLES_TARGET, files=csv_example_sources(standard)):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
