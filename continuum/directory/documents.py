"""Directory rows as HSDS 3.1 documents, for exports and the HSDS API (issue #7).

Two rules hold for everything that leaves Continuum through here:
- **Confidential locations are never published.** `published(table)` is the only source of
  rows: a safe house's location, its address, its phones and schedules, the
  service-at-location that places a service there, contacts there, and anything tagged onto
  them are left out, wherever they would have been nested (`hidden` lists them all).
- **Cost does not grow with the page.** Documents are built a level at a time: each nested
  property costs one query for all the records on the page, not one per record.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db import models as django_models
from django.db.models import Func, Q, QuerySet, TextField, UUIDField, Value
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Lower, Replace

from continuum.directory import models
from continuum.directory.tables import TABLES, Nested, Table

Document = dict[str, Any]


def confidential_location_ids() -> QuerySet[Any]:
    return models.Location.objects.filter(confidential=True).values("id")


def _hex(expression: Any) -> Func:
    """An id as text without dashes, lower case: SQLite stores a UUID as 32 hex digits,
    PostgreSQL prints one with dashes, and JSON data holds the dashed form."""
    return Replace(
        Lower(expression, output_field=TextField()),
        Value("-"),
        Value(""),
        output_field=TextField(),
    )


def _hex_ids(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.annotate(hex_id=_hex(Cast("id", TextField()))).values("hex_id")


def _others_naming(table_name: str, fields: dict[str, QuerySet[Any]]) -> QuerySet[Any]:
    """OtherRecords of `table_name` whose data names, in one of `fields`, a row of the
    queryset given for it (a record kept whole names its parents in its data)."""
    rows = models.OtherRecord.objects.filter(table=table_name)
    found = Q(pk__in=[])
    for name, hidden_rows in fields.items():
        rows = rows.alias(**{f"hex_{name}": _hex(KeyTextTransform(name, "data"))})
        found |= Q(**{f"hex_{name}__in": _hex_ids(hidden_rows)})
        found |= Q(parent_id__in=hidden_rows.values("id"))
    return rows.filter(found)


def hidden(table_name: str) -> QuerySet[Any] | None:
    """The rows of `table_name` at a confidential location (None: the table has none).

    Everything that is *at* a safe house is hidden with it, however it got there: its
    addresses, accessibility, languages, phones and schedules; the service-at-location that
    places a service there and the areas, phones and schedules of that; contacts there (and
    their phones and the languages of those phones); and the attributes and metadata of any
    of these (metadata may quote an old street address). Lazy: each is a subquery, so
    `published` stays one query.
    """
    template = _hidden(table_name)
    return None if template is None else template.all()


@functools.cache
def _hidden(table_name: str) -> QuerySet[Any] | None:
    # Built once per process (building these nested querysets is not free) and cloned by
    # every caller; joins rather than nested subqueries where it can, since SQLite's parser
    # refuses subqueries nested too deep.
    m = models
    at = Q(location__confidential=True)
    at_sal = Q(service_at_location__location__confidential=True)
    places = m.Location.objects.filter(confidential=True)
    sals = m.ServiceAtLocation.objects.filter(at)
    if table_name == "location":
        return places
    if table_name == "service_at_location":
        return sals
    if table_name == "address":
        return m.Address.objects.filter(at)
    if table_name == "schedule":
        return m.Schedule.objects.filter(at | at_sal)
    if table_name == "service_area":
        return m.ServiceArea.objects.filter(at_sal)
    if table_name == "accessibility":
        return _others_naming("accessibility", {"location_id": places})
    if table_name == "contact":
        return _others_naming("contact", {"location_id": places, "service_at_location_id": sals})
    contacts = _others_naming(
        "contact", {"location_id": places, "service_at_location_id": sals}
    ).values("id")
    if table_name == "phone":
        return m.Phone.objects.filter(at | at_sal | Q(contact_id__in=contacts))
    if table_name == "language":
        return m.Language.objects.filter(
            at
            | Q(phone__location__confidential=True)
            | Q(phone__service_at_location__location__confidential=True)
            | Q(phone__contact_id__in=contacts)
        )
    if table_name in ("attribute", "metadata"):
        tagged = [_required(_hidden(name)).values("id") for name in _HIDEABLE]
        about = tagged[0].union(*tagged[1:], all=True)
        if table_name == "attribute":
            return m.Attribute.objects.filter(link_id__in=about)
        attributes = m.Attribute.objects.filter(link_id__in=about).values("id")
        # The importer files a metadata entry under the row it is about (parent_id).
        return m.OtherRecord.objects.filter(table="metadata").filter(
            Q(parent_id__in=about) | Q(parent_id__in=attributes)
        )
    return None


# Tables whose rows can be at a confidential location (attributes and metadata aside).
_HIDEABLE = (
    "location",
    "service_at_location",
    "address",
    "schedule",
    "service_area",
    "contact",
    "accessibility",
    "phone",
    "language",
)


def _required(rows: QuerySet[Any] | None) -> QuerySet[Any]:
    assert rows is not None
    return rows


def published(table_name: str) -> QuerySet[Any]:
    """The rows of `table_name` that may leave Continuum: none at a confidential location."""
    return _published(table_name).all()


@functools.cache
def _published(table_name: str) -> QuerySet[Any]:
    table = TABLES[table_name]
    rows: QuerySet[Any]
    if table.model is None:
        rows = models.OtherRecord.objects.filter(table=table_name)
    else:
        rows = table.model._default_manager.all()
    if table.model is models.Location:
        return rows.filter(confidential=False)
    if _hidden(table_name) is not None:
        sql, params = _hidden_sql(table_name, connections[DEFAULT_DB_ALIAS].vendor)
        # Django compiled this SQL from our own queryset: no input reaches it.
        rows = rows.exclude(pk__in=RawSQL(sql, params, output_field=UUIDField()))  # noqa: S611
    return rows


@functools.cache
def _hidden_sql(table_name: str, vendor: str) -> tuple[str, tuple[Any, ...]]:
    """The hidden rows' ids as SQL, compiled once: these subqueries are long (a dozen kinds
    of row can be at a safe house), and compiling them again for every nested list of every
    document would cost more than running them. Uncorrelated, so safe inside any query."""
    rows = _required(_hidden(table_name)).values("id")
    sql, params = rows.query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    return sql, tuple(params)


def scalar(value: Any) -> Any:
    """A column's value as HSDS JSON writes it (None: leave the property out)."""
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def record(table: Table, row: Any) -> Document:
    """One row's own properties (no nesting), in the standard's order, `extra` last."""
    if table.model is None:
        return dict(row.data)
    out: Document = {}
    for hsds_name, attname in table.columns.items():
        value = scalar(getattr(row, attname))
        if value is not None:
            out[hsds_name] = value
    for key, value in row.extra.items():
        out.setdefault(key, value)
    return out


def row_id(row: Any) -> uuid.UUID:
    return row.id if isinstance(row.id, uuid.UUID) else uuid.UUID(str(row.id))


def _children_down(nested: Nested, parent_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Any]]:
    child = TABLES[nested.table]
    rows = published(nested.table)
    grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
    if child.model is None:
        # A record kept whole names each of its parents in its data (a contact can be an
        # organization's, a location's and a service's at once), as a row's columns do.
        named = Q(**{f"data__{nested.link}__in": [str(i) for i in parent_ids]})
        listed = Q(parent_link=nested.link, parent_id__in=parent_ids)
        wanted = set(parent_ids)
        for row in rows.filter(named | listed).order_by("id"):
            parent = _named_parent(row, nested.link)
            if parent in wanted:
                grouped[parent].append(row)
        return grouped
    attname = child.columns[nested.link]
    for row in rows.filter(**{f"{attname}__in": parent_ids}).order_by("id"):
        grouped[getattr(row, attname)].append(row)
    return grouped


def _named_parent(row: Any, link: str) -> uuid.UUID | None:
    named = row.data.get(link)
    if isinstance(named, str):
        try:
            return uuid.UUID(named)
        except ValueError:
            return None
    return row.parent_id if row.parent_link == link else None


def _children_up(nested: Nested, table: Table, parents: Sequence[Any]) -> dict[uuid.UUID, Any]:
    attname = table.columns[nested.link] if table.model else nested.link
    wanted = {getattr(p, attname) for p in parents} - {None}
    if not wanted:
        return {}
    return {r.id: r for r in published(nested.table).filter(id__in=wanted)}


def build(
    table_name: str,
    rows: Sequence[Any],
    *,
    props: Iterable[str] | None = None,
    depth: int = 8,
    _chain: tuple[str, ...] = (),
) -> list[Document]:
    """HSDS documents for `rows` of `table_name`, nesting what the standard nests.

    `props` limits the nesting at the top level (a list page nests only `organization` and
    `program`); below it everything nests, except a table already above in the chain (an
    organization inside a service does not list the services again).
    """
    table = TABLES[table_name]
    docs = [record(table, r) for r in rows]
    if not rows or depth == 0:
        return docs
    chain = (*_chain, table_name)
    chosen = set(props) if props is not None else None
    for nested in table.nested:
        if chosen is not None and nested.prop not in chosen:
            continue
        if nested.table in chain:
            continue
        if nested.up:
            _nest_up(nested, table, rows, docs, depth, chain)
        else:
            _nest_down(nested, rows, docs, depth, chain)
    return docs


def _nest_up(
    nested: Nested,
    table: Table,
    rows: Sequence[Any],
    docs: list[Document],
    depth: int,
    chain: tuple[str, ...],
) -> None:
    found = _children_up(nested, table, rows)
    if not found:
        return
    children = list(found.values())
    built = dict(
        zip(
            [c.id for c in children],
            build(nested.table, children, depth=depth - 1, _chain=chain),
            strict=True,
        )
    )
    attname = table.columns[nested.link] if table.model else nested.link
    for row, doc in zip(rows, docs, strict=True):
        child_doc = built.get(getattr(row, attname))
        if child_doc is not None:
            doc[nested.prop] = child_doc


def _nest_down(
    nested: Nested,
    rows: Sequence[Any],
    docs: list[Document],
    depth: int,
    chain: tuple[str, ...],
) -> None:
    grouped = _children_down(nested, [row_id(r) for r in rows])
    children = [c for group in grouped.values() for c in group]
    built = dict(
        zip(
            [c.id for c in children],
            build(nested.table, children, depth=depth - 1, _chain=chain),
            strict=True,
        )
    )
    for row, doc in zip(rows, docs, strict=True):
        kids = grouped.get(row_id(row), [])
        nested_docs = []
        for kid in kids:
            kid_doc = dict(built[kid.id])
            # Nested under its parent, a child need not repeat the parent's id.
            kid_doc.pop(nested.link, None)
            nested_docs.append(kid_doc)
        doc[nested.prop] = nested_docs


def document(table_name: str, row: django_models.Model) -> Document:
    """One fully nested HSDS document (GET /services/{id}, an export of one record)."""
    return build(table_name, [row])[0]
