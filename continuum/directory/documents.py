"""Directory rows as HSDS 3.1 documents, for exports and the HSDS API (issue #7).

Two rules hold for everything that leaves Continuum through here:
- **Confidential locations are never published.** `published(table)` is the only source of
  rows: a safe house's location, its address, its phones and schedules, the
  service-at-location that places a service there, and anything tagged onto them are left
  out, wherever they would have been nested.
- **Cost does not grow with the page.** Documents are built a level at a time: each nested
  property costs one query for all the records on the page, not one per record.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models as django_models
from django.db.models import Q, QuerySet

from continuum.directory import models
from continuum.directory.tables import TABLES, Nested, Table

Document = dict[str, Any]


def confidential_location_ids() -> QuerySet[Any]:
    return models.Location.objects.filter(confidential=True).values("id")


def published(table_name: str) -> QuerySet[Any]:
    """The rows of `table_name` that may leave Continuum: none at a confidential location."""
    table = TABLES[table_name]
    if table.model is None:
        hidden = Q(parent_id__in=confidential_location_ids()) | Q(
            parent_id__in=models.ServiceAtLocation.objects.filter(
                location__confidential=True
            ).values("id")
        )
        return models.OtherRecord.objects.filter(table=table_name).exclude(hidden)
    rows = table.model._default_manager.all()
    field_names = {f.name for f in table.model._meta.get_fields()}
    if table.model is models.Location:
        return rows.filter(confidential=False)
    if "location" in field_names:
        rows = rows.exclude(location__confidential=True)
    if "service_at_location" in field_names:
        rows = rows.exclude(service_at_location__location__confidential=True)
    if "phone" in field_names:
        rows = rows.exclude(phone__location__confidential=True)
    if table.model is models.Attribute:
        rows = rows.exclude(link_id__in=confidential_location_ids())
    return rows


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
        rows = rows.filter(parent_link=nested.link, parent_id__in=parent_ids).order_by("id")
        for row in rows:
            grouped[row.parent_id].append(row)
        return grouped
    attname = child.columns[nested.link]
    for row in rows.filter(**{f"{attname}__in": parent_ids}).order_by("id"):
        grouped[getattr(row, attname)].append(row)
    return grouped


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
