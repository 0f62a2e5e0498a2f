#!/usr/bin/env python3
"""Copy the Open Referral HSDS 3.1 JSON Schemas into the app, byte for byte.

The resource directory (issue #7) validates imports against these schemas, and the
project rule is that the standards under ../shared are used as published, never
retyped or hand-edited. This script is the only way the vendored copy in
continuum/directory/hsds_schema/ should change: re-run it, review the diff, commit.

    python scripts/vendor_hsds.py [--source PATH]

Copies every schema/*.json file and the standard's LICENSE (CC BY-SA 4.0, which
asks for attribution), and examples/*.json into tests/directory/hsds_examples/ for the
tests (a fresh clone in CI has no ../shared beside it). schema/simple/ holds only a CSV
summary of the same fields, which validation does not need, so it is not copied. Files
already identical are left alone, and vendored files no longer in the source are
removed, so running it twice changes nothing.
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


def sources(standard: Path) -> list[Path]:
    """The files to vendor: every top-level schema JSON file, plus the LICENSE."""
    files = sorted((standard / "schema").glob("*.json"))
    if not files:
        raise SystemExit(f"no schema/*.json files under {standard}")
    licence = standard / "LICENSE"
    if licence.is_file():
        files.append(licence)
    return files


def example_sources(standard: Path) -> list[Path]:
    """The standard's JSON examples (the tests validate every one), plus the LICENSE."""
    files = sorted((standard / "examples").glob("*.json"))
    licence = standard / "LICENSE"
    return [*files, licence] if licence.is_file() else files


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
