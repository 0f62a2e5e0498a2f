"""Exporting the directory as HSDS 3.1: a JSON file, or the tabular data package (issue #7).

The JSON file holds one list per kind of top-level record, each record fully nested as the
HSDS API's single-record endpoints return it (`documents.build`)::

    {
      "organizations": [...],   every organization, with its locations, services (and
                                their service-at-locations, phones, schedules, capacity...),
                                phones, contacts, programs...
      "services": [...],        services that belong to no organization
      "locations": [...],       locations that belong to no organization
      "taxonomies": [...],      every taxonomy
      "taxonomy_terms": [...]   every taxonomy term
    }

Every record in it validates against its HSDS 3.1 schema (`hsds.validate(kind, record)`),
and `importer.read_json` reads the file back without being told a kind: re-importing an
export changes nothing. HSDS JSON can only carry a record nested under its parent, so a row
with no parent at all (a `url` or `unit` nothing names, a meta-table description) is not in
the JSON file; the tabular package (`tabular.write_package`) carries every row of every
table.

Neither form ever holds a confidential location or anything at it (its address, phones,
schedules, the service-at-location placing a service there, contacts there, and the
attributes and metadata of these): rows come only from `documents.published`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from django.db.models import QuerySet

from continuum.directory import tabular
from continuum.directory.documents import Document, build, published
from continuum.directory.importer import COLLECTIONS

Format = Literal["json", "tabular"]
FORMATS: tuple[Format, ...] = ("json", "tabular")
# Top-level records built per query round: bounds memory, however big the directory.
ROOTS_PER_BATCH = 200


def roots(collection: str) -> QuerySet[Any]:
    """The top-level records of one list of the JSON export."""
    kind = COLLECTIONS[collection]
    rows = published(kind)
    if kind in ("service", "location"):
        rows = rows.filter(organization__isnull=True)
    return rows


EXPORTED_COLLECTIONS = ("organizations", "services", "locations", "taxonomies", "taxonomy_terms")


def documents(collection: str) -> Iterator[Document]:
    """The collection's records, fully nested, a batch at a time in id order."""
    kind = COLLECTIONS[collection]
    last = None
    while True:
        page = roots(collection).order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:ROOTS_PER_BATCH])
        if not rows:
            return
        yield from build(kind, rows)
        last = rows[-1].pk


def write_json(out: IO[str]) -> dict[str, int]:
    """Write the JSON export to `out`, one record per line; returns the count per list."""
    counts: dict[str, int] = {}
    out.write("{")
    for position, collection in enumerate(EXPORTED_COLLECTIONS):
        out.write(("," if position else "") + f"\n{json.dumps(collection)}: [")
        count = 0
        for doc in documents(collection):
            out.write(("," if count else "") + "\n" + json.dumps(doc, ensure_ascii=False))
            count += 1
        out.write("\n]" if count else "]")
        counts[collection] = count
    out.write("\n}\n")
    return counts


def write(target: Path, fmt: Format) -> dict[str, int]:
    """Write the export to `target` (a .json file; a folder or .zip for the tabular
    package). The file appears whole or not at all. Returns counts per list or table."""
    if fmt == "tabular":
        return tabular.write_package(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".json.part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            counts = write_json(out)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return counts
