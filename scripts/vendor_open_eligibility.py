"""Vendor the Open Eligibility taxonomy into continuum/directory/open_eligibility/.

Copies taxonomy.csv, taxonomy.xml and LICENSE.md (CC BY-SA 3.0) byte for byte from the
shared standards folder (../shared/standards/open-eligibility/ next to the checkout, or
--source). The files are never edited by hand: to update them, update the shared copy and
run this script again. Running it twice changes nothing the second time.

Usage: .venv/bin/python scripts/vendor_open_eligibility.py [--source DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

FILES = ("taxonomy.csv", "taxonomy.xml", "LICENSE.md")
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "standards" / "open-eligibility"
DESTINATION = REPO_ROOT / "continuum" / "directory" / "open_eligibility"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def vendor(source: Path, destination: Path) -> list[str]:
    """Copy the files; return one line per file saying what happened."""
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{source} lacks {', '.join(missing)}; nothing was copied")
    destination.mkdir(parents=True, exist_ok=True)
    report = []
    for name in FILES:
        data = (source / name).read_bytes()
        target = destination / name
        if target.is_file() and target.read_bytes() == data:
            report.append(f"unchanged {target.relative_to(REPO_ROOT)} ({len(data)} bytes)")
            continue
        _write_atomically(target, data)
        report.append(
            f"copied    {source / name} -> {target.relative_to(REPO_ROOT)} ({len(data)} bytes)"
        )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    try:
        lines = vendor(args.source.resolve(), DESTINATION)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
