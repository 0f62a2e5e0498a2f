"""Importing Open Referral HSDS 3.1 files into the directory, all or nothing (issue #7).

Reading a file (`read_json` here, `tabular.read_package` for CSV packages) gives a `Batch`:
the file's records flattened into one row per HSDS id and table, and every problem the file
has on its own. `plan` then compares the batch with the directory (a few queries per table,
never one per row) and adds the problems only the directory can show; the action
`continuum.directory.actions.import_directory` writes the plan in one transaction, or
nothing at all when there is any problem.

What a JSON file may hold (the caller says which kind of record, e.g. `service`, unless the
file says it itself):
- one record (`service_full.json`), a list of records, or an HSDS API page (`contents`);
- Continuum's own export, `{"organizations": [...], "services": [...], ...}` (one list per
  kind; see `exporter`);
- the tabular package written as JSON, `{"services.csv": [rows], ...}` (the standard's
  `tabular.json`).

How records become rows. A record's nested records are rows of their own tables
(`tables.TABLES`): a child in a list (a service's `phones`) gets the parent's id in its link
field (`service_id`), a record nested as a single object (a service's `organization`) sets
the parent's link field (`organization_id`), and attributes and metadata get the id and
table of the record they are under. A link id the file gives that contradicts where the
record is nested is a problem. The same id may appear many times (the standard's examples
repeat one phone under the organization, the location, the service...): each appearance adds
what it says, and two appearances that say different things are a problem.

What an import changes.
- A row is found by its HSDS id and updated in place, or created. A row whose content is
  already what the file says is not written at all: re-importing a file changes nothing.
- A record in the file is the whole truth about its own properties: one it leaves out is
  cleared. Two exceptions: links to other rows (`service_id`, `organization_id`...) are only
  changed when the file states them, because a record nested under one parent cannot know
  its other parents; and a record given only as a single nested object (the `organization`
  inside a service of an API page, often abbreviated) updates the properties it gives and
  keeps the rest.
- A list the file gives is complete: a child the directory holds under that parent but the
  file's list leaves out is taken off that parent. If nothing else holds it (no other parent,
  not in the file, not named by a row of the file) it is deleted, and what hangs from it with
  it; otherwise only its link to that parent is cleared. A list the file does not give (an
  API page leaves lists out) changes nothing. In a tabular package every parent row gives,
  for each child table in the package, the list of rows naming it.
- Confidential locations, and everything at them (`documents.hidden`), never leave
  Continuum, so no file lists them: an import never removes them for being missing.
- Nothing else is deleted: a record missing from the file is left alone.

What an import checks, besides the HSDS 3.1 JSON Schemas: dates (`assured_date`, a
schedule's `valid_from`...) are real dates written YYYY-MM-DD and times HH:MM[:SS]; a link
the standard declares as a foreign key names a row in the file or in the directory; the
same id does not describe two different records; values fit their columns.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.db import models as django_models
from django.db.models import F, Q, QuerySet
from django.db.models.deletion import ProtectedError, RestrictedError
from jsonschema import Draft202012Validator

from continuum.core.models import Versioned
from continuum.directory import hsds, models
from continuum.directory.documents import published
from continuum.directory.tables import (
    IMPORT_ORDER,
    LINKS,
    OTHER_LINKS,
    OWNER_LINKS,
    TABLES,
    TAG_LINKS,
    Nested,
    Table,
)

__all__ = [
    "COLLECTIONS",
    "CSV_TABLES",
    "Batch",
    "ImportProblem",
    "ImportRejected",
    "ImportReport",
    "Plan",
    "TableCounts",
    "Where",
    "apply",
    "lock_directory",
    "plan",
    "read_json",
    "schema_props",
    "validate_row",
]

# Continuum's export file: one list per kind of top-level record.
COLLECTIONS: dict[str, str] = {
    "organizations": "organization",
    "services": "service",
    "locations": "location",
    "service_at_locations": "service_at_location",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
}
CSV_TABLES: dict[str, str] = {table.csv: name for name, table in TABLES.items()}

# A nesting the standard's example service_at_location_full.json uses but its schema does not
# declare (a service-at-location's `service`). It is read on import; exports and the API
# nest a service-at-location inside its service instead, so tables.TABLES leaves it out.
IMPORT_NESTING: dict[str, tuple[Nested, ...]] = {
    "service_at_location": (Nested("service", "service", "service_id", up=True),),
}

CREATE_BATCH = 1000
UPDATE_BATCH = 500
# Ids per `IN (...)` query: well under SQLite's and PostgreSQL's parameter limits.
ID_CHUNK = 2000
# Serialises imports on PostgreSQL (SQLite lets one writer in at a time already).
_LOCK_KEY = 0x4853_4453  # "HSDS"


# --- problems ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One reason a file cannot be imported.

    In a JSON file, `path` is a JSON Pointer (RFC 6901) to the value, e.g.
    ``/contents/0/phones/1/number`` (``""``: the whole file). In a tabular package, `path` is
    the CSV file's name, `row` the row as a spreadsheet numbers it (the header is row 1) and
    `column` the column's name.
    """

    path: str
    reason: str
    row: int | None = None
    column: str = ""

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.path or '(whole file)'}: {self.reason}"
        where = f"{self.path}, row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"

    def sort_key(self) -> tuple[Any, ...]:
        parts = tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part) for part in self.path.split("/")
        )
        return (parts, self.row or 0, self.column, self.reason)


class ImportRejected(Exception):
    """The file has problems; nothing was imported. `problems` lists every one, in order."""

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems = sorted(set(problems), key=ImportProblem.sort_key)
        count = len(self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the file; nothing was imported."
        )


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Where:
    """Where a record is in the file: a JSON Pointer, or a CSV file and row."""

    path: str
    row: int | None = None

    def child(self, *parts: str | int) -> Where:
        return Where(self.path + "".join("/" + _escape(part) for part in parts), self.row)

    def problem(self, prop: str, reason: str) -> ImportProblem:
        if self.row is None:
            return ImportProblem(self.child(prop).path if prop else self.path, reason)
        return ImportProblem(self.path, reason, row=self.row, column=prop)

    def __str__(self) -> str:
        if self.row is None:
            return self.path or "the top of the file"
        return f"{self.path} row {self.row}"


# --- what the schemas say about each property ----------------------------------------


@dataclass(frozen=True)
class Prop:
    name: str
    type: str  # JSON Schema type; "object" for a nested record
    format: str = ""  # JSON Schema format: uuid, uri, email, date-time
    datapackage_type: str = ""  # the tabular type where it is more than the JSON type


@functools.cache
def schema_props(table_name: str) -> dict[str, Prop]:
    """Every property of an HSDS table, in the schema's order."""
    schema = json.loads((hsds.SCHEMA_DIR / f"{table_name}.json").read_text(encoding="utf-8"))
    props: dict[str, Prop] = {}
    for name, spec in schema.get("properties", {}).items():
        kind = spec.get("type", "object" if "$ref" in spec else "string")
        props[name] = Prop(
            name,
            kind if isinstance(kind, str) else "string",
            spec.get("format", ""),
            spec.get("datapackage_type", ""),
        )
    return props


@functools.cache
def _row_validator(table_name: str) -> Draft202012Validator:
    # hsds.validate checks only the six top-level kinds; a tabular row may be any table.
    return Draft202012Validator(
        {"$ref": f"{hsds._BASE_URI}{table_name}.json"},
        registry=hsds._registry(),
        format_checker=hsds._format_checker(),
    )


def validate_row(table_name: str, row: dict[str, Any]) -> list[hsds.Problem]:
    """Every way one flat row (a CSV row) fails its table's HSDS 3.1 schema.

    A flat row has no nested records, so a nested record the schema requires (a service
    capacity's `unit`) is not asked for: its link column (`unit_id`) stands for it.
    """
    nested = {prop.name for prop in schema_props(table_name).values() if _is_nested(prop)}
    return [
        problem
        for problem in hsds._problems(_row_validator(table_name), row)
        if not (problem.reason == "is required but missing" and problem.path[1:] in nested)
    ]


def _is_nested(prop: Prop) -> bool:
    return prop.type in ("array", "object")


# --- values --------------------------------------------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?")
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_time(value: Any) -> time | None:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return None
    try:
        return time.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_datetime(value: Any) -> datetime | None:
    """An RFC 3339 date and time with its UTC offset (a time without one is ambiguous)."""
    match = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    day, clock, fraction, offset = match.groups()
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        return datetime.fromisoformat(f"{day}T{clock}{(fraction or '')[:7]}{offset}")
    except ValueError:
        return None


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _label(table_name: str) -> str:
    return table_name.replace("_", " ")


@functools.cache
def _model_fields(table_name: str) -> dict[str, django_models.Field[Any, Any]]:
    """A modelled table's columns by attribute name (`organization_id` for a link)."""
    model = TABLES[table_name].model
    assert model is not None
    return {f.attname: f for f in model._meta.concrete_fields}


def _check_value(table: Table, prop: Prop | None, value: Any) -> str:
    """Continuum's own checks on one value (the schemas check types and formats)."""
    if prop is None or value is None or not isinstance(value, str):
        return ""
    kind = prop.datapackage_type
    if kind == "date" and parse_date(value) is None:
        return f"must be a date written YYYY-MM-DD, like 2024-05-01; got {_short(value)}"
    if kind == "time" and parse_time(value) is None:
        return f"must be a time of day written HH:MM:SS, like 09:30:00; got {_short(value)}"
    if kind == "datetime" and prop.format != "date-time" and parse_datetime(value) is None:
        return (
            "must be a date and time with its UTC offset, like 2024-05-01T09:30:00Z; "
            f"got {_short(value)}"
        )
    if table.model is not None and prop.name in table.columns:
        column = _model_fields(table.name)[table.columns[prop.name]]
        limit = column.max_length if isinstance(column, django_models.CharField) else None
        if limit is not None and len(value) > limit:
            return f"must be at most {limit} characters long; it has {len(value)}"
    return ""


# --- the batch: a file's rows ----------------------------------------------------------


@dataclass
class Entry:
    """One row of the file (all its appearances merged)."""

    values: dict[str, Any]  # HSDS property -> JSON value; None: stated empty (a CSV cell)
    where: Where  # its first appearance
    full: bool  # False while it has only appeared as a single nested object


@dataclass
class GivenList:
    """A parent's list of children the file gives in full."""

    children: set[uuid.UUID]
    where: Where


@dataclass
class Batch:
    """A file read and flattened: its rows per table, the lists it gives, its problems."""

    format: str  # "json" or "tabular"
    rows: dict[str, dict[uuid.UUID, Entry]] = field(
        default_factory=lambda: {name: {} for name in TABLES}
    )
    # (parent table, nested property) -> parent id -> the list
    lists: dict[tuple[str, str], dict[uuid.UUID, GivenList]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def add(
        self, table_name: str, values: dict[str, Any], where: Where, *, full: bool
    ) -> uuid.UUID | None:
        """Add one appearance of a record; returns its id (None: it has no usable id)."""
        row_id = _uuid(values.get("id"))
        if row_id is None:
            return None  # the schema check reports it
        table = TABLES[table_name]
        props = schema_props(table_name)
        clean: dict[str, Any] = {}
        for name, value in values.items():
            prop = props.get(name)
            if prop is not None and prop.format == "uuid":
                parsed = _uuid(value)
                value = str(parsed) if parsed is not None else value
            reason = _check_value(table, prop, value)
            if reason:
                self.problems.append(where.problem(name, reason))
            clean[name] = value
        entry = self.rows[table_name].get(row_id)
        if entry is None:
            self.rows[table_name][row_id] = Entry(clean, where, full)
            return row_id
        for name, value in clean.items():
            if name not in entry.values:
                entry.values[name] = value
            elif not _same(entry.values[name], value):
                self.problems.append(
                    where.problem(
                        name,
                        f"this {_label(table_name)} ({row_id}) also appears at {entry.where} "
                        f"with {name} {_short(entry.values[name])}, here "
                        f"{_short(value)}: one id must describe one record",
                    )
                )
        entry.full = entry.full or full
        return row_id

    def give_list(
        self,
        parent_table: str,
        prop: str,
        parent_id: uuid.UUID,
        children: Iterable[uuid.UUID],
        where: Where,
    ) -> None:
        given = self.lists[(parent_table, prop)].get(parent_id)
        if given is None:
            self.lists[(parent_table, prop)][parent_id] = GivenList(set(children), where)
        else:
            given.children.update(children)

    def give_tables_in_full(self, present: Iterable[str]) -> None:
        """A tabular package: each parent row lists, for every child table in the package,
        the rows naming it."""
        tables = set(present)
        for parent_table in tables:
            parent_ids = self.rows[parent_table]
            if not parent_ids:
                continue
            for nested in _nesting(parent_table):
                if nested.up or nested.table not in tables:
                    continue
                named: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
                for child_id, child in self.rows[nested.table].items():
                    parent = _uuid(child.values.get(nested.link))
                    if parent is not None:
                        named[parent].add(child_id)
                for parent_id, entry in parent_ids.items():
                    self.give_list(
                        parent_table, nested.prop, parent_id, named.get(parent_id, ()), entry.where
                    )


def _nesting(table_name: str) -> tuple[Nested, ...]:
    return TABLES[table_name].nested + IMPORT_NESTING.get(table_name, ())


def _nested_prop(table_name: str, prop: str) -> Nested | None:
    return next((n for n in _nesting(table_name) if n.prop == prop), None)


# --- reading JSON ----------------------------------------------------------------------


def read_json(document: Any, *, kind: str | None = None) -> Batch:
    """Read a parsed JSON file: validate it against the HSDS 3.1 schemas and flatten it.

    `kind` is the kind of record the file holds (one of `hsds.KINDS`); the schemas cannot
    tell a service from an organization, so a file of records needs it. Continuum's export
    and the tabular-as-JSON form say it themselves.
    """
    batch = Batch("json")
    if isinstance(document, dict) and any(str(key).endswith(".csv") for key in document):
        _read_tabular_json(batch, document)
        return batch
    if (
        isinstance(document, dict)
        and "id" not in document
        and "contents" not in document
        and set(document) & set(COLLECTIONS)
    ):
        _read_collections(batch, document)
        return batch
    if kind is None:
        batch.problems.append(
            ImportProblem(
                "",
                "say which kind of HSDS record the file holds: one of " + ", ".join(hsds.KINDS),
            )
        )
        return batch
    if kind not in hsds.KINDS:
        batch.problems.append(
            ImportProblem(
                "", f"{kind!r} is not a kind of HSDS record; use one of {', '.join(hsds.KINDS)}"
            )
        )
        return batch
    top = Where("")
    if isinstance(document, list):
        for index, record in enumerate(document):
            _read_record(batch, kind, record, top.child(index))
    elif isinstance(document, dict) and "contents" in document:
        contents = document["contents"]
        page = dict(document)
        if isinstance(contents, list):
            page["contents"] = []  # the records are checked one by one below
        batch.problems.extend(_problems(hsds.validate_page(kind, page), top))
        if isinstance(contents, list):
            for index, record in enumerate(contents):
                _read_record(batch, kind, record, top.child("contents", index))
    else:
        _read_record(batch, kind, document, top)
    return batch


def _problems(found: Iterable[hsds.Problem], where: Where) -> list[ImportProblem]:
    return [ImportProblem(where.path + problem.path, problem.reason) for problem in found]


def _validate_record(table_name: str, record: Any) -> list[hsds.Problem]:
    """A nested record of any table, checked against its schema (with its own nesting)."""
    if table_name in hsds.KINDS:
        return hsds.validate(table_name, record)
    return hsds._problems(_row_validator(table_name), record)


def _read_record(batch: Batch, kind: str, record: Any, where: Where) -> None:
    batch.problems.extend(_problems(hsds.validate(kind, record), where))
    _flatten(batch, kind, record, where, full=True)


def _read_collections(batch: Batch, document: dict[str, Any]) -> None:
    for key, records in document.items():
        where = Where("").child(key)
        kind = COLLECTIONS.get(key)
        if kind is None:
            batch.problems.append(
                where.problem(
                    "", "is not a list this file can hold: " + ", ".join(sorted(COLLECTIONS))
                )
            )
        elif not isinstance(records, list):
            batch.problems.append(where.problem("", "must be a list of records"))
        else:
            for index, record in enumerate(records):
                _read_record(batch, kind, record, where.child(index))


def _read_tabular_json(batch: Batch, document: dict[str, Any]) -> None:
    batch.format = "tabular"
    present = []
    for key, rows in document.items():
        where = Where("").child(key)
        table_name = CSV_TABLES.get(key)
        if table_name is None:
            batch.problems.append(where.problem("", "is not a table of the HSDS tabular package"))
            continue
        if not isinstance(rows, list):
            batch.problems.append(where.problem("", "must be a list of rows"))
            continue
        present.append(table_name)
        for index, row in enumerate(rows):
            row_where = where.child(index)
            if not isinstance(row, dict):
                batch.problems.append(row_where.problem("", "must be an object (one row)"))
                continue
            batch.problems.extend(_problems(validate_row(table_name, row), row_where))
            batch.add(table_name, row, row_where, full=True)
    batch.give_tables_in_full(present)


def _flatten(
    batch: Batch, table_name: str, doc: Any, where: Where, *, full: bool
) -> uuid.UUID | None:
    """Add `doc` and everything nested in it; returns its id."""
    if not isinstance(doc, dict):
        return None
    own_id = _uuid(doc.get("id"))
    if own_id is None:
        return None  # the schema check reports it
    values: dict[str, Any] = {}
    nested_values: list[tuple[Nested, Any]] = []
    for key, value in doc.items():
        nested = _nested_prop(table_name, key)
        if nested is None or not isinstance(value, dict | list):
            values[key] = value
        else:
            nested_values.append((nested, value))
    declared = schema_props(table_name)
    for nested, value in nested_values:
        # The schemas leave out some nestings the standard's examples use (an organization's
        # `services`, a service-at-location's `service`): those records are checked here.
        unchecked = nested.prop not in declared
        if nested.up:
            child_where = where.child(nested.prop)
            if unchecked:
                batch.problems.extend(_problems(_validate_record(nested.table, value), child_where))
            child_id = _flatten(batch, nested.table, value, child_where, full=False)
            given = values.get(nested.link)
            if child_id is None:
                continue
            if given is not None and _uuid(given) != child_id:
                batch.problems.append(
                    where.problem(
                        nested.link,
                        f"names {_label(nested.table)} {given}, but the {nested.prop} given "
                        f"with it is {child_id}",
                    )
                )
            else:
                values[nested.link] = str(child_id)
        elif isinstance(value, list):
            children = []
            for index, item in enumerate(value):
                child_where = where.child(nested.prop, index)
                if unchecked:
                    batch.problems.extend(
                        _problems(_validate_record(nested.table, item), child_where)
                    )
                if not isinstance(item, dict):
                    continue
                child = dict(item)
                given = child.get(nested.link)
                if given is not None and _uuid(given) != own_id:
                    batch.problems.append(
                        child_where.problem(
                            nested.link,
                            f"names {_label(table_name)} {given}, but it is listed under "
                            f"{_label(table_name)} {own_id}",
                        )
                    )
                else:
                    child[nested.link] = str(own_id)
                if nested.entity_field and nested.entity_field not in child:
                    child[nested.entity_field] = table_name
                child_id = _flatten(batch, nested.table, child, child_where, full=True)
                if child_id is not None:
                    children.append(child_id)
            batch.give_list(table_name, nested.prop, own_id, children, where.child(nested.prop))
    batch.add(table_name, values, where, full=full)
    return own_id


# --- planning: the file against the directory ----------------------------------------


@dataclass
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deleted} deleted"
        )


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do), per table. Counts only."""

    format: str
    tables: dict[str, TableCounts] = field(default_factory=dict)
    dry_run: bool = False

    def total(self, what: str) -> int:
        return sum(getattr(counts, what) for counts in self.tables.values())

    @property
    def changed(self) -> bool:
        return any(
            counts.created or counts.updated or counts.deleted for counts in self.tables.values()
        )

    def as_detail(self) -> dict[str, Any]:
        """For the audit entry: how many rows, never what they say."""
        return {
            "format": self.format,
            "created": self.total("created"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "deleted": self.total("deleted"),
            "tables": {
                name: {k: v for k, v in vars(counts).items() if v}
                for name, counts in self.tables.items()
                if counts.created or counts.updated or counts.deleted
            },
        }


@dataclass
class RowPlan:
    """A row to write: its stored row (None: a new one) and its columns after the import."""

    stored: Any
    values: dict[str, Any]
    from_file: bool


@dataclass
class Plan:
    report: ImportReport
    problems: list[ImportProblem]
    rows: dict[str, dict[uuid.UUID, RowPlan]]
    deletes: dict[str, set[uuid.UUID]]


def _chunks(items: Iterable[Any], size: int = ID_CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _kept_links(table_name: str) -> set[str]:
    """The properties of a table that name other rows and are kept when a file is silent."""
    kept = set(LINKS[table_name]) | set(OWNER_LINKS[table_name])
    if table_name in TAG_LINKS:
        kept.add(TAG_LINKS[table_name][0])
    return kept


def _empty(column: django_models.Field[Any, Any]) -> Any:
    return None if column.null else ""


def _to_python(table_name: str, hsds_name: str, column: Any, value: Any) -> Any:
    """A JSON value as the column stores it (an invalid value, already reported, as empty)."""
    if value is None:
        return _empty(column)
    if isinstance(column, django_models.UUIDField | django_models.ForeignKey):
        return _uuid(value)
    if isinstance(column, django_models.FloatField):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)
    if isinstance(column, django_models.DateTimeField):
        return parse_datetime(value)
    if isinstance(column, django_models.DateField):
        return parse_date(value)
    if not isinstance(value, str):
        return _empty(column)
    if table_name == "language" and hsds_name == "code":
        return value.lower()  # matching compares codes in lower case (models.Language)
    return value


class _Planner:
    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.problems: list[ImportProblem] = list(batch.problems)
        self.stored: dict[str, dict[uuid.UUID, Any]] = {name: {} for name in TABLES}
        self.rows: dict[str, dict[uuid.UUID, RowPlan]] = {name: {} for name in TABLES}
        self.deletes: dict[str, set[uuid.UUID]] = {name: set() for name in TABLES}
        # Rows the file names through a link: never deleted by this import.
        self.named: set[tuple[str, uuid.UUID]] = set()

    # --- loading ----------------------------------------------------------------------

    def load_stored(self) -> None:
        other_ids: dict[uuid.UUID, str] = {}
        for table_name, entries in self.batch.rows.items():
            if not entries:
                continue
            model = TABLES[table_name].model
            if model is None:
                for row_id, entry in entries.items():
                    earlier = other_ids.setdefault(row_id, table_name)
                    if earlier != table_name:
                        self.problems.append(
                            entry.where.problem(
                                "id",
                                f"is also the id of a {_label(earlier)} in this file; Continuum "
                                "keeps these records in one store, so their ids must differ",
                            )
                        )
                continue
            for chunk in _chunks(entries):
                for row in model._default_manager.filter(pk__in=chunk):
                    self.stored[table_name][row.pk] = row
        for chunk in _chunks(other_ids):
            for other in models.OtherRecord.objects.filter(pk__in=chunk):
                table_name = other_ids[other.pk]
                if other.table != table_name:
                    entry = self.batch.rows[table_name][other.pk]
                    self.problems.append(
                        entry.where.problem(
                            "id",
                            f"is already the id of a {_label(other.table)} in the directory; "
                            f"a {_label(table_name)} needs an id of its own",
                        )
                    )
                else:
                    self.stored[table_name][other.pk] = other

    # --- links ------------------------------------------------------------------------

    def check_links(self) -> None:
        wanted: dict[str, dict[uuid.UUID, list[tuple[Where, str, str]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for table_name, entries in self.batch.rows.items():
            links = LINKS[table_name]
            tag = TAG_LINKS.get(table_name)
            for entry in entries.values():
                for link, target in links.items():
                    named = _uuid(entry.values.get(link))
                    if named is None:
                        continue
                    self.named.add((target, named))
                    if named not in self.batch.rows[target]:
                        wanted[target][named].append((entry.where, link, table_name))
                if tag is not None:
                    named = _uuid(entry.values.get(tag[0]))
                    entity = entry.values.get(tag[1])
                    if named is not None and entity in TABLES:
                        self.named.add((str(entity), named))
        for target, ids in wanted.items():
            found: set[uuid.UUID] = set()
            model = TABLES[target].model
            for chunk in _chunks(ids):
                rows: QuerySet[Any]
                if model is None:
                    rows = models.OtherRecord.objects.filter(table=target, pk__in=chunk)
                else:
                    rows = model._default_manager.filter(pk__in=chunk)
                found.update(rows.values_list("pk", flat=True))
            for named, uses in ids.items():
                if named in found:
                    continue
                for where, link, _table in uses:
                    self.problems.append(
                        where.problem(
                            link,
                            f"names {_label(target)} {named}, which is neither in this file "
                            "nor in the directory",
                        )
                    )

    # --- the file's rows --------------------------------------------------------------

    def plan_file_rows(self) -> None:
        for table_name, entries in self.batch.rows.items():
            table = TABLES[table_name]
            for row_id, entry in entries.items():
                stored = self.stored[table_name].get(row_id)
                if table.model is None:
                    values = self._other_values(table, entry, stored)
                else:
                    values = self._model_values(table, entry, stored)
                self.rows[table_name][row_id] = RowPlan(stored, values, from_file=True)

    def _model_values(self, table: Table, entry: Entry, stored: Any) -> dict[str, Any]:
        columns = _model_fields(table.name)
        kept = _kept_links(table.name)
        values: dict[str, Any] = {}
        for hsds_name, attname in table.columns.items():
            if hsds_name == "id":
                continue
            column = columns[attname]
            if hsds_name in entry.values:
                values[attname] = _to_python(table.name, hsds_name, column, entry.values[hsds_name])
            elif stored is not None and (not entry.full or hsds_name in kept):
                values[attname] = getattr(stored, attname)
            else:
                values[attname] = _empty(column)
            if not column.null and values[attname] is None and column.is_relation:
                self.problems.append(
                    entry.where.problem(
                        hsds_name,
                        f"is required: every {_label(table.name)} names its "
                        f"{_label(LINKS[table.name][hsds_name])}",
                    )
                )
        extra = {
            key: value
            for key, value in entry.values.items()
            if key not in table.columns and value is not None
        }
        if stored is not None and not entry.full:
            extra = {**stored.extra, **extra}
        values["extra"] = extra
        return values

    def _other_values(self, table: Table, entry: Entry, stored: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if stored is not None:
            kept = _kept_links(table.name)
            data = {
                key: value for key, value in stored.data.items() if not entry.full or key in kept
            }
        for key, value in entry.values.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return _other_columns(table.name, data)

    # --- lists given in full ------------------------------------------------------------

    def plan_removals(self) -> None:
        cleared: dict[str, dict[uuid.UUID, set[str]]] = defaultdict(lambda: defaultdict(set))
        for (parent_table, prop), given in self.batch.lists.items():
            nested = _nested_prop(parent_table, prop)
            assert nested is not None
            assert not nested.up
            missing = [
                (child_id, parent_id)
                for child_id, parent_id in _children_in_db(nested, list(given))
                if child_id not in given[parent_id].children
            ]
            if not missing:
                continue
            shown = _published_ids(nested.table, {child_id for child_id, _ in missing})
            for child_id, parent_id in missing:
                if child_id not in shown:
                    continue  # at a confidential location: no file ever lists it
                entry = self.batch.rows[nested.table].get(child_id)
                if entry is not None and _uuid(entry.values.get(nested.link)) == parent_id:
                    self.problems.append(
                        entry.where.problem(
                            nested.link,
                            f"names {_label(parent_table)} {parent_id}, but that "
                            f"{_label(parent_table)}'s {prop} (at {given[parent_id].where}) "
                            f"does not list this {_label(nested.table)}",
                        )
                    )
                    continue
                cleared[nested.table][child_id].add(nested.link)
        self._clear_links(cleared)

    def _clear_links(self, cleared: dict[str, dict[uuid.UUID, set[str]]]) -> None:
        """Take rows off the parents they were removed from; delete those left with none."""
        deleted: dict[str, set[uuid.UUID]] = defaultdict(set)
        for table_name, rows in cleared.items():
            self._load_for_change(table_name, set(rows))
            for row_id, links in rows.items():
                row_plan = self.rows[table_name].get(row_id)
                if row_plan is None or row_id in self.deletes[table_name]:
                    continue
                for link in links:
                    _clear(table_name, row_plan.values, link)
                if self._orphaned(table_name, row_id, row_plan, links):
                    self.deletes[table_name].add(row_id)
                    deleted[table_name].add(row_id)
        if deleted:
            self._cascade(deleted)

    def _orphaned(
        self, table_name: str, row_id: uuid.UUID, row_plan: RowPlan, links: set[str]
    ) -> bool:
        if row_plan.from_file or (table_name, row_id) in self.named:
            return False
        if table_name in TAG_LINKS:
            return True  # a tag taken off its record means nothing
        owners = OWNER_LINKS[table_name]
        if not owners:
            return False
        return not any(_link_value(table_name, row_plan.values, link) for link in owners)

    def _load_for_change(self, table_name: str, ids: set[uuid.UUID]) -> None:
        """Plan rows not in the file, starting from what is stored."""
        wanted = [row_id for row_id in ids if row_id not in self.rows[table_name]]
        model = TABLES[table_name].model
        for chunk in _chunks(wanted):
            if model is None:
                stored: Iterable[Any] = models.OtherRecord.objects.filter(
                    table=table_name, pk__in=chunk
                )
            else:
                stored = model._default_manager.filter(pk__in=chunk)
            for row in stored:
                if model is None:
                    values = _other_columns(table_name, dict(row.data))
                else:
                    values = {attname: getattr(row, attname) for attname in _columns(table_name)}
                self.rows[table_name][row.pk] = RowPlan(row, values, from_file=False)

    def _cascade(self, deleted: dict[str, set[uuid.UUID]]) -> None:
        """What hangs from deleted rows: unlinked, or deleted when nothing else holds it."""
        while deleted:
            cleared: dict[str, dict[uuid.UUID, set[str]]] = defaultdict(lambda: defaultdict(set))
            for target, ids in deleted.items():
                for child_table, link in _referrers(target):
                    for child_id in _rows_naming(child_table, link, ids):
                        if child_id not in self.deletes[child_table]:
                            cleared[child_table][child_id].add(link)
            deleted = defaultdict(set)
            for table_name, rows in cleared.items():
                self._load_for_change(table_name, set(rows))
                for row_id, links in rows.items():
                    row_plan = self.rows[table_name].get(row_id)
                    if row_plan is None:
                        continue
                    for link in links:
                        _clear(table_name, row_plan.values, link)
                    if self._orphaned(table_name, row_id, row_plan, links) or (
                        not row_plan.from_file and _cascades(table_name, links)
                    ):
                        self.deletes[table_name].add(row_id)
                        deleted[table_name].add(row_id)

    # --- result -----------------------------------------------------------------------

    def result(self) -> Plan:
        report = ImportReport(self.batch.format)
        for table_name in IMPORT_ORDER:
            counts = TableCounts(deleted=len(self.deletes[table_name]))
            for row_id, row_plan in list(self.rows[table_name].items()):
                if row_id in self.deletes[table_name]:
                    del self.rows[table_name][row_id]
                elif row_plan.stored is None:
                    counts.created += 1
                elif _changed(table_name, row_plan):
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                    del self.rows[table_name][row_id]
            if counts.created or counts.updated or counts.unchanged or counts.deleted:
                report.tables[table_name] = counts
        return Plan(report, self.problems, self.rows, self.deletes)


def _columns(table_name: str) -> list[str]:
    return [*TABLES[table_name].columns.values(), "extra"]


def _other_columns(table_name: str, data: dict[str, Any]) -> dict[str, Any]:
    parent_link, parent_id = "", None
    for link in OTHER_LINKS[table_name]:
        named = _uuid(data.get(link))
        if named is not None:
            parent_link, parent_id = link, named
            break
    return {"data": data, "parent_link": parent_link, "parent_id": parent_id}


def _link_value(table_name: str, values: dict[str, Any], link: str) -> Any:
    table = TABLES[table_name]
    if table.model is None:
        return values["data"].get(link)
    return values.get(table.columns[link])


def _clear(table_name: str, values: dict[str, Any], link: str) -> None:
    table = TABLES[table_name]
    if table.model is None:
        values["data"].pop(link, None)
        values.update(_other_columns(table_name, values["data"]))
    else:
        values[table.columns[link]] = None


def _cascades(table_name: str, links: set[str]) -> bool:
    """Whether losing one of `links` deletes the row in the database (a service at a
    location goes with its location)."""
    table = TABLES[table_name]
    if table.model is None:
        return False
    columns = _model_fields(table_name)
    for link in links:
        column = columns.get(table.columns.get(link, ""))
        remote = getattr(column, "remote_field", None)
        cascade = getattr(remote, "on_delete", None) is django_models.CASCADE
        if cascade and link not in OWNER_LINKS[table_name]:
            return True
    return False


def _referrers(target: str) -> list[tuple[str, str]]:
    """(table, field) pairs that can name a row of `target`."""
    found = [
        (table_name, link)
        for table_name, links in LINKS.items()
        for link, linked in links.items()
        if linked == target
    ]
    found.extend((table_name, tag[0]) for table_name, tag in TAG_LINKS.items())
    return found


def _rows_naming(table_name: str, link: str, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    table = TABLES[table_name]
    found: set[uuid.UUID] = set()
    for chunk in _chunks(ids):
        rows: QuerySet[Any]
        if table.model is None:
            rows = models.OtherRecord.objects.filter(
                table=table_name, **{f"data__{link}__in": [str(i) for i in chunk]}
            )
        else:
            rows = table.model._default_manager.filter(**{f"{table.columns[link]}__in": chunk})
        found.update(rows.values_list("pk", flat=True))
    return found


def _children_in_db(nested: Nested, parent_ids: list[uuid.UUID]) -> list[tuple[Any, Any]]:
    """(child id, parent id) of the rows the directory holds in that list (as
    documents.build nests them)."""
    child = TABLES[nested.table]
    found: list[tuple[Any, Any]] = []
    for chunk in _chunks(parent_ids):
        if child.model is None:
            wanted = set(chunk)
            others = models.OtherRecord.objects.filter(
                Q(**{f"data__{nested.link}__in": [str(i) for i in chunk]})
                | Q(parent_link=nested.link, parent_id__in=chunk),
                table=nested.table,
            )
            for row_id, data, parent_link, parent_id in others.values_list(
                "pk", "data", "parent_link", "parent_id"
            ):
                named = _uuid(data.get(nested.link)) if isinstance(data, dict) else None
                named = named or (parent_id if parent_link == nested.link else None)
                if named in wanted:
                    found.append((row_id, named))
        else:
            attname = child.columns[nested.link]
            found.extend(
                child.model._default_manager.filter(**{f"{attname}__in": chunk}).values_list(
                    "pk", attname
                )
            )
    return found


def _published_ids(table_name: str, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    shown: set[uuid.UUID] = set()
    for chunk in _chunks(ids):
        shown.update(published(table_name).filter(pk__in=chunk).values_list("pk", flat=True))
    return shown


def _changed(table_name: str, row_plan: RowPlan) -> list[str]:
    stored = row_plan.stored
    return [name for name, value in row_plan.values.items() if getattr(stored, name) != value]


def plan(batch: Batch) -> Plan:
    """Compare a file with the directory: what to create, update and delete, and every
    problem (the file's own and those only the directory shows). Reads only."""
    planner = _Planner(batch)
    planner.load_stored()
    planner.check_links()
    planner.plan_file_rows()
    planner.plan_removals()
    return planner.result()


# --- writing -------------------------------------------------------------------------


def lock_directory() -> None:
    """One import at a time (two racing imports would both create the same new row)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def apply(plan: Plan, progress: Callable[[str], None] | None = None) -> None:
    """Write a plan that has no problems. Must run inside the import's transaction.

    Parents are created before their children, links cleared before rows are deleted, and
    every table is written in batches (never one query per row). Raises ImportRejected if a
    row to delete is still used elsewhere in Continuum (say, by a referral)."""
    assert not plan.problems
    say = progress or (lambda message: None)
    for table_name in IMPORT_ORDER:
        new = [row_id for row_id, row in plan.rows[table_name].items() if row.stored is None]
        if new:
            _create(table_name, [(row_id, plan.rows[table_name][row_id]) for row_id in new])
            say(f"{table_name}: {len(new)} created")
    for table_name in IMPORT_ORDER:
        changed = [row for row in plan.rows[table_name].values() if row.stored is not None]
        if changed:
            _update(table_name, changed)
            say(f"{table_name}: {len(changed)} updated")
    for table_name in reversed(IMPORT_ORDER):
        ids = plan.deletes[table_name]
        if ids:
            _delete(table_name, ids)
            say(f"{table_name}: {len(ids)} deleted")


def _model(table_name: str) -> type[django_models.Model]:
    return TABLES[table_name].model or models.OtherRecord


def _create(table_name: str, rows: Sequence[tuple[uuid.UUID, RowPlan]]) -> None:
    model = _model(table_name)
    extra = {"table": table_name} if TABLES[table_name].model is None else {}
    objects = [model(id=row_id, **extra, **row.values) for row_id, row in rows]
    model._default_manager.bulk_create(objects, batch_size=CREATE_BATCH)


def _update(table_name: str, rows: Sequence[RowPlan]) -> None:
    model = _model(table_name)
    by_fields: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for row in rows:
        changed = _changed(table_name, row)
        for name in changed:
            setattr(row.stored, name, row.values[name])
        if issubclass(model, Versioned):
            # An editor who loaded the row before the import gets EditConflict on saving.
            row.stored.version = F("version") + 1
            changed = [*changed, "version"]
        by_fields[tuple(sorted(changed))].append(row.stored)
    for fields, objects in by_fields.items():
        model._default_manager.bulk_update(objects, list(fields), batch_size=UPDATE_BATCH)


def _delete(table_name: str, ids: set[uuid.UUID]) -> None:
    model = _model(table_name)
    for chunk in _chunks(ids):
        try:
            model._default_manager.filter(pk__in=chunk).delete()
        except (ProtectedError, RestrictedError) as refused:
            used: Any = getattr(refused, "protected_objects", None) or getattr(
                refused, "restricted_objects", ()
            )
            raise ImportRejected(
                [
                    ImportProblem(
                        "",
                        f"the file removes {len(used)} "
                        f"{_label(table_name)} row(s) that Continuum still uses elsewhere "
                        "(e.g. in referrals); keep them in the file, or mark them inactive",
                    )
                ]
            ) from None
