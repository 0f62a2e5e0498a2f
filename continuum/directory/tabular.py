"""The HSDS 3.1 tabular data package: one CSV file per table plus datapackage.json (issue #7).

Column types come from the standard's own descriptor, vendored as
``hsds_schema/datapackage.json`` by scripts/vendor_hsds.py. That descriptor has defects of
its own, which `fields` works around and tests/directory/test_tabular.py pins:
- `units.csv` lists no fields at all, and `service_capacity.csv` only `service_id` and
  `unit_id`: the other columns (a capacity's `id`, `available`, `maximum`, `updated`...) are
  taken from the table's JSON Schema, typed as the schema types them;
- its `version` says 3.0.0 (the tables are those of HSDS 3.1's schemas).

Reading (`read_package`): a folder or a .zip holding the CSV files (at the top, or in one
folder inside the zip). Each CSV file is found by its name in the standard (services.csv);
a CSV file the standard does not have is a problem (it would be dropped silently
otherwise); other files are ignored. A cell is read as its column's type (number, integer,
boolean, date, time, datetime, string); an empty cell means the property is absent. Each
row is then checked against its table's JSON Schema, and the rows go through the same
import as JSON files (`importer`): all or nothing, re-importing changes nothing, ids update
in place. The package's own datapackage.json is optional: Continuum reads the standard's
tables as the standard defines them, and the package's descriptor only adds the types of
columns the standard does not have (the standard's example ships it as the text
"../../datapackage.json", a symbolic link flattened to a file: it is ignored).

Writing (`write_package`): every table, header first (the descriptor's fields, then those
it leaves out, then any column outside the standard that rows carry), only rows that may
leave Continuum (`documents.published`: never a confidential location or anything at it),
and a datapackage.json describing exactly those columns.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from continuum.directory import hsds
from continuum.directory.documents import published, record
from continuum.directory.importer import (
    CSV_TABLES,
    Batch,
    ImportProblem,
    Where,
    schema_props,
    validate_row,
)
from continuum.directory.tables import TABLES

DESCRIPTOR_PATH = hsds.SCHEMA_DIR / "datapackage.json"
DESCRIPTOR_NAME = "datapackage.json"
# A package bigger than this (uncompressed) is refused rather than read into memory.
MAX_PACKAGE_BYTES = 2 * 1024**3
_ROWS_PER_QUERY = 2000


@dataclass(frozen=True)
class Field:
    """One column of a table: its name and tabular type (string, number, date...)."""

    name: str
    type: str = "string"
    format: str = ""
    from_standard: bool = True  # False: a column outside HSDS that a package carries


@functools.cache
def descriptor() -> dict[str, Any]:
    """The standard's datapackage.json, as published."""
    loaded: dict[str, Any] = json.loads(DESCRIPTOR_PATH.read_text(encoding="utf-8"))
    return loaded


def _resource(table_name: str) -> dict[str, Any] | None:
    return next((r for r in descriptor()["resources"] if r.get("name") == table_name), None)


@functools.cache
def fields(table_name: str) -> tuple[Field, ...]:
    """The table's columns: the descriptor's, then the JSON Schema's the descriptor lacks."""
    resource = _resource(table_name) or {}
    listed = [
        Field(f["name"], f.get("type", "string"), f.get("format", ""))
        for f in resource.get("schema", {}).get("fields", [])
    ]
    names = {f.name for f in listed}
    for prop in schema_props(table_name).values():
        if prop.name in names or prop.type in ("array", "object"):
            continue
        kind = prop.datapackage_type or ("number" if prop.type == "number" else "string")
        if prop.type == "boolean":
            kind = "boolean"
        listed.append(Field(prop.name, kind, prop.format))
    return tuple(listed)


def missing_from_descriptor(table_name: str) -> list[str]:
    """Columns the standard's descriptor leaves out of a table (its defect, pinned by a test)."""
    resource = _resource(table_name) or {}
    listed = {f["name"] for f in resource.get("schema", {}).get("fields", [])}
    return [f.name for f in fields(table_name) if f.name not in listed]


# --- reading -------------------------------------------------------------------------


def read_package(path: Path) -> Batch:
    """Read a tabular package (a folder or a .zip) into a batch for `importer.plan`."""
    batch = Batch("tabular")
    try:
        files = _package_files(path)
    except (OSError, zipfile.BadZipFile, ValueError) as error:
        batch.problems.append(ImportProblem(path.name, f"cannot be read: {error}"))
        return batch
    extension_types = _extension_types(files.get(DESCRIPTOR_NAME))
    present = []
    for name in sorted(files):
        if not name.lower().endswith(".csv"):
            continue  # datapackage.json, a README...
        table_name = CSV_TABLES.get(name)
        if table_name is None:
            batch.problems.append(
                ImportProblem(
                    name,
                    "is not a table of the HSDS tabular package (its files are named like "
                    "services.csv, organizations.csv)",
                )
            )
            continue
        present.append(table_name)
        _read_csv(batch, table_name, name, files[name], extension_types.get(table_name, {}))
    if not present and not batch.problems:
        batch.problems.append(
            ImportProblem(path.name, "holds no HSDS tables (CSV files such as services.csv)")
        )
    batch.give_tables_in_full(present)
    return batch


def _package_files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        found = {p.name: p for p in sorted(path.iterdir()) if p.is_file()}
        if sum(p.stat().st_size for p in found.values()) > MAX_PACKAGE_BYTES:
            raise ValueError("the package is too big to import in one go")
        return {name: p.read_bytes() for name, p in found.items()}
    with zipfile.ZipFile(path) as package:
        members = [info for info in package.infolist() if not info.is_dir()]
        if sum(info.file_size for info in members) > MAX_PACKAGE_BYTES:
            raise ValueError("the package is too big to import in one go")
        files: dict[str, bytes] = {}
        for info in members:
            parts = PurePosixPath(info.filename).parts
            if len(parts) > 2 or parts[0] == "__MACOSX":
                continue
            if parts[-1] in files:
                raise ValueError(f"it holds two files called {parts[-1]}")
            files[parts[-1]] = package.read(info)
        return files


def _extension_types(raw: bytes | None) -> dict[str, dict[str, Field]]:
    """Types of columns outside the standard, from the package's own descriptor."""
    try:
        package = json.loads(raw) if raw else None
    except ValueError:
        return {}
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        return {}
    found: dict[str, dict[str, Field]] = {}
    for resource in package["resources"]:
        if not isinstance(resource, dict) or resource.get("name") not in TABLES:
            continue
        standard = {f.name for f in fields(resource["name"])}
        schema = resource.get("schema")
        listed = schema.get("fields", []) if isinstance(schema, dict) else []
        for spec in listed if isinstance(listed, list) else []:
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                continue
            if spec["name"] not in standard:
                kind = spec.get("type", "string")
                found.setdefault(resource["name"], {})[spec["name"]] = Field(
                    spec["name"], kind if isinstance(kind, str) else "string", "", False
                )
    return found


def _read_csv(
    batch: Batch, table_name: str, name: str, data: bytes, extension: dict[str, Field]
) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        batch.problems.append(
            ImportProblem(name, f"is not UTF-8 text (byte {error.start} cannot be read)")
        )
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        batch.problems.append(ImportProblem(name, f"is not a CSV file: {error}", row=1))
        return
    if not header:
        batch.problems.append(ImportProblem(name, "is empty: it needs a header row", row=1))
        return
    columns = {f.name: f for f in fields(table_name)} | extension
    problems = _header_problems(name, header)
    if problems:
        batch.problems.extend(problems)
        return
    row_number = 1
    try:
        for cells in reader:
            row_number += 1
            if not any(cells):
                continue  # a blank line
            if len(cells) != len(header):
                batch.problems.append(
                    ImportProblem(
                        name,
                        f"has {len(cells)} cells, but the header has {len(header)} columns",
                        row=row_number,
                    )
                )
                continue
            _read_row(batch, table_name, Where(name, row_number), header, cells, columns)
    except csv.Error as error:
        batch.problems.append(ImportProblem(name, f"is not valid CSV: {error}", row=row_number + 1))


def _header_problems(name: str, header: list[str]) -> list[ImportProblem]:
    problems = []
    seen: set[str] = set()
    for column in header:
        if not column.strip():
            problems.append(ImportProblem(name, "a column has no name", row=1))
        elif column in seen:
            problems.append(
                ImportProblem(name, "this column appears twice in the header", 1, column)
            )
        seen.add(column)
    return problems


def _read_row(
    batch: Batch,
    table_name: str,
    where: Where,
    header: list[str],
    cells: list[str],
    columns: dict[str, Field],
) -> None:
    values: dict[str, Any] = {}
    for column, cell in zip(header, cells, strict=True):
        if cell == "":
            values[column] = None  # absent; for a link, "no link"
            continue
        kind = columns[column].type if column in columns else "string"
        value, reason = coerce(cell, kind)
        if reason:
            # Reported; the row is still read, so that rows naming it are not refused too.
            batch.problems.append(where.problem(column, reason))
        else:
            values[column] = value
    given = {key: value for key, value in values.items() if value is not None}
    for problem in validate_row(table_name, given):
        column = problem.path.split("/")[1] if problem.path else ""
        batch.problems.append(
            where.problem(column.replace("~1", "/").replace("~0", "~"), problem.reason)
        )
    batch.add(table_name, values, where, full=True)


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_TRUE = frozenset({"true", "True", "TRUE", "1"})
_FALSE = frozenset({"false", "False", "FALSE", "0"})


def coerce(cell: str, kind: str) -> tuple[Any, str]:
    """A cell read as a Table Schema type: (value, "") or (None, why it cannot be)."""
    if kind == "number":
        if not _NUMBER.fullmatch(cell):
            return None, f"must be a number, like 12 or 4.5; got {json.dumps(cell)}"
        number = float(cell)
        return (int(cell) if _INTEGER.fullmatch(cell) else number), ""
    if kind in ("integer", "year"):
        if not _INTEGER.fullmatch(cell):
            return None, f"must be a whole number, like 12; got {json.dumps(cell)}"
        return int(cell), ""
    if kind == "boolean":
        if cell in _TRUE:
            return True, ""
        if cell in _FALSE:
            return False, ""
        return None, f"must be true or false; got {json.dumps(cell)}"
    if kind in ("object", "array"):
        try:
            value = json.loads(cell)
        except ValueError:
            value = None
        expected = dict if kind == "object" else list
        if not isinstance(value, expected):
            return None, f"must be a JSON {kind}; got {json.dumps(cell)}"
        return value, ""
    # string, date, time, datetime (their form is checked with the record), any, others
    return cell, ""


# --- writing -------------------------------------------------------------------------


def write_package(target: Path) -> dict[str, int]:
    """Write every table and a datapackage.json to a folder, or to a .zip if `target` ends
    in .zip. Returns how many rows each table has. The files appear whole or not at all: each
    is written to a temporary name first."""
    counts: dict[str, int] = {}
    resources: list[dict[str, Any]] = []
    if target.suffix.lower() == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".zip.part")
        os.close(handle)
        try:
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as package:
                for table_name in TABLES:
                    with (
                        package.open(TABLES[table_name].csv, "w") as raw,
                        io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
                    ):
                        counts[table_name], columns = _write_table(table_name, out)
                    resources.append(_resource_for(table_name, columns))
                package.writestr(DESCRIPTOR_NAME, _descriptor_text(resources))
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return counts
    target.mkdir(parents=True, exist_ok=True)
    for table_name in TABLES:
        with _replacing(target / TABLES[table_name].csv) as out:
            counts[table_name], columns = _write_table(table_name, out)
        resources.append(_resource_for(table_name, columns))
    with _replacing(target / DESCRIPTOR_NAME) as out:
        out.write(_descriptor_text(resources))
    return counts


class _replacing:
    """A text file written under a temporary name, then put in place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temporary = path.with_name(path.name + ".part")

    def __enter__(self) -> IO[str]:
        self.out = self.temporary.open("w", encoding="utf-8", newline="")
        return self.out

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.out.close()
        if kind is None:
            os.replace(self.temporary, self.path)
        else:
            self.temporary.unlink(missing_ok=True)


def _rows(table_name: str) -> Iterator[dict[str, Any]]:
    """The table's published rows as flat HSDS records, in id order, a page at a time."""
    table = TABLES[table_name]
    last = None
    while True:
        page = published(table_name).order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:_ROWS_PER_QUERY])
        if not rows:
            return
        for row in rows:
            yield record(table, row)
        last = rows[-1].pk


def _extension_fields(table_name: str) -> list[Field]:
    """Columns outside the standard that the table's rows carry (kept in `extra`, or in an
    OtherRecord's data), each typed by its values."""
    standard = {f.name for f in fields(table_name)}
    rows = published(table_name)
    if TABLES[table_name].model is None:
        records = rows.values_list("data", flat=True)
    else:
        records = rows.exclude(extra={}).values_list("extra", flat=True)
    seen: dict[str, set[str]] = {}
    for values in records.iterator(chunk_size=_ROWS_PER_QUERY):
        for key, value in values.items():
            if key not in standard and value is not None:
                seen.setdefault(key, set()).add(_type_of(value))
    return [
        Field(name, kinds.pop() if len(kinds) == 1 else "string", "", False)
        for name, kinds in sorted(seen.items())
    ]


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def _write_table(table_name: str, out: IO[str]) -> tuple[int, list[Field]]:
    columns = [*fields(table_name), *_extension_fields(table_name)]
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.name for f in columns])
    count = 0
    for row in _rows(table_name):
        writer.writerow([cell(row.get(f.name)) for f in columns])
        count += 1
    return count, columns


def cell(value: Any) -> str:
    """A JSON value as a CSV cell (the reverse of `coerce`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _resource_for(table_name: str, columns: list[Field]) -> dict[str, Any]:
    resource = copy.deepcopy(_resource(table_name)) or {
        "name": table_name,
        "path": TABLES[table_name].csv,
        "format": "csv",
        "mediatype": "text/csv",
        "profile": "tabular-data-resource",
        "schema": {"primaryKey": "id", "fields": []},
    }
    listed = resource.setdefault("schema", {}).setdefault("fields", [])
    named = {f.get("name") for f in listed}
    for column in columns:
        if column.name in named:
            continue
        spec: dict[str, Any] = {"name": column.name, "type": column.type}
        if column.format:
            spec["format"] = column.format
        spec["description"] = (
            "Taken from the table's HSDS 3.1 JSON Schema (the standard's datapackage.json "
            "leaves it out)."
            if column.from_standard
            else "Not part of HSDS 3.1: a column the directory's records carry."
        )
        listed.append(spec)
    return resource


def _descriptor_text(resources: list[dict[str, Any]]) -> str:
    package = {key: value for key, value in descriptor().items() if key != "resources"}
    package["resources"] = resources
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"
