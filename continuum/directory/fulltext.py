"""Full-text search over the directory, behind one function per table (issue #7).

    search_services(Service.objects.filter(...), "youth shelt") -> ranked queryset
    search_organizations(Organization.objects.all(), "harbor")   -> ranked queryset

The database decides how: SQLite's FTS5 or PostgreSQL's full text search. Callers never
need to know which; both give the same answers for the same words (the tests run on both).

What a search matches
---------------------
- The text is cut into words: runs of letters and digits in any alphabet. Everything else
  (quotes, `*`, `-`, `:`, `(`, `^`, `AND`/`OR` spelled with symbols, ...) only separates
  words, so nothing a person types is ever read as query syntax, and nothing they type
  can cause an error. At most MAX_WORDS words are used, each cut to MAX_WORD_LENGTH.
- Every word must match (AND). A service matches a word in its name, alternate name or
  description, or in its organization's name; an organization in its name, alternate name
  or description.
- A word matches the words it begins: "shelt" finds "shelter" and "shelters".
- Case and accents do not matter: "ninez" and "NIÑEZ" find "Niñez".
- English endings do not matter either (Porter/Snowball stemming): "families" finds
  "family", "shelters" finds "shelter". The flip side: a prefix running past a word's
  stem does not find it ("emergen" does not find "emergency", whose stem is "emerg"),
  and the stemmer is English only.
- No phrases, OR, or NOT: results are ranked instead (below).
- Empty text, or text with no letters or digits, leaves the queryset as it was (not
  filtered, not annotated, not re-ordered).

What comes back
---------------
The same queryset, filtered, annotated with `search_rank` (a float: higher is a better
match; the weights favour the name, then the alternate name, the organization's name,
then the description) and ordered by it (best first, then the model's ordering, then
id). It can be filtered, annotated and re-ordered further, and used as a subquery.

How it is kept
--------------
On both databases a plain search table per directory table (`directory_service_search`,
`directory_organization_search`) holds each row's searchable text, kept in step by
triggers on the directory tables (a service's row includes its organization's name, so
renaming an organization re-indexes its services). The directory tables themselves are
left as the models define them.

- **SQLite**: an FTS5 index (`directory_service_fts`, tokenizer
  `porter unicode61 remove_diacritics 2`) over the search table, by the search table's
  integer key, because a service's own rowid may change on VACUUM (its primary key is a
  UUID). Ranked by bm25, worked out once per query.
- **PostgreSQL**: the search table stores the weighted `tsvector` (name A, alternate name
  B, organization name C, description D), with a GIN index, in a text search
  configuration `continuum_search` that removes accents (`unaccent`) and stems English
  words without dropping stop words (so that, as on SQLite, every word typed counts).
  Ranked by ts_rank over the stored vector. The vector is stored rather than computed
  in an expression index because ranking needs it for every matching row: computing
  `to_tsvector` per row at query time took 0.6 s for 11,000 matches of a 20,000-service
  directory (about 30 µs a row for a short description); stored, count and first page
  take under 0.1 s (SQLite's FTS5 likewise).
  Queries are `to_tsquery` over the words above, each as a prefix (`'shelt':*`);
  `websearch_to_tsquery` is not used because it cannot match prefixes and would read
  quotes, `or` and `-` as syntax that SQLite does not share.

`install(schema_editor)` creates all of it (migration 0002_fulltext) and is safe to run
again (it rebuilds the search tables from the directory). On SQLite, a later migration
that rebuilds `directory_service` or `directory_organization` (Django does that to alter
a column) drops their triggers with the old table: such a migration must end with
`RunPython(fulltext.install_forwards)`. tests/directory/test_fulltext.py fails if the
triggers are missing after migrating, on either database.
"""

# Ruff's S608/S611 (SQL built from strings): every name put into SQL here is a constant of
# this module; what a person typed only ever reaches the database as a query parameter.
# ruff: noqa: S608, S611

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import F, FloatField, Func, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler

from continuum.directory.models import Organization, Service

__all__ = [
    "MAX_WORDS",
    "MAX_WORD_LENGTH",
    "RANK",
    "install",
    "install_forwards",
    "search_organizations",
    "search_services",
    "search_words",
    "uninstall",
]

RANK = "search_rank"
MAX_WORDS = 16
MAX_WORD_LENGTH = 64

# Letters and digits of any script; `_` is a word character to `\w` but not to FTS5 or
# PostgreSQL's parser, so it separates words here too.
_WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    """The words of `text` a search uses (see the module docstring)."""
    normalized = unicodedata.normalize("NFKC", text)
    return [word[:MAX_WORD_LENGTH] for word in _WORD.findall(normalized)[:MAX_WORDS]]


def search_services(queryset: QuerySet[Service], text: str) -> QuerySet[Service]:
    """The services of `queryset` that match `text`, best first, with `search_rank`."""
    return _search(queryset, text, _SERVICE)


def search_organizations(queryset: QuerySet[Organization], text: str) -> QuerySet[Organization]:
    """The organizations of `queryset` that match `text`, best first, with `search_rank`."""
    return _search(queryset, text, _ORGANIZATION)


# --- the indexed text, described once per table ------------------------------------------


class _Indexed:
    """One searchable table: its columns with their weights, and the SQL built from them."""

    def __init__(
        self,
        table: str,
        model: type[Model],
        key: str,
        columns: Sequence[tuple[str, str, float]],
        *,
        organization_name: float | None = None,
    ) -> None:
        self.table = table
        self.model = model
        self.key = key  # the search table's column naming the row: "service_id"
        # (column, PostgreSQL weight label, SQLite bm25 weight)
        self.columns = tuple(columns)
        # Services also match their organization's name (bm25 weight on SQLite).
        self.organization_name = organization_name

    @property
    def search_table(self) -> str:
        return f"{self.table}_search"

    @property
    def fts_table(self) -> str:
        return f"{self.table}_fts"

    @property
    def text_columns(self) -> tuple[str, ...]:
        names = tuple(column for column, _label, _weight in self.columns)
        return (*names, "organization_name") if self.organization_name is not None else names

    @property
    def pg_labels(self) -> tuple[str, ...]:
        """The PostgreSQL weight label of each of `text_columns`."""
        labels = tuple(label for _column, label, _weight in self.columns)
        return (*labels, "C") if self.organization_name is not None else labels

    def pg_vector(self, values: Sequence[str]) -> str:
        """The weighted tsvector of `values` (SQL expressions, in `text_columns` order)."""
        return " || ".join(
            f"setweight(to_tsvector('{_PG_CONFIG}'::regconfig, COALESCE({sql}, '')), '{label}')"
            for sql, label in zip(values, self.pg_labels, strict=True)
        )

    def bm25_weights(self) -> str:
        weights = [weight for _c, _l, weight in self.columns]
        if self.organization_name is not None:
            weights.append(self.organization_name)
        return ", ".join(f"{weight:.1f}" for weight in weights)


_PG_CONFIG = "continuum_search"
_PG_STEMMER = "continuum_stem"

_SERVICE = _Indexed(
    "directory_service",
    Service,
    "service_id",
    [("name", "A", 10.0), ("alternate_name", "B", 5.0), ("description", "D", 1.0)],
    organization_name=3.0,
)
_ORGANIZATION = _Indexed(
    "directory_organization",
    Organization,
    "organization_id",
    [("name", "A", 10.0), ("alternate_name", "B", 5.0), ("description", "C", 1.0)],
)


# --- querying -------------------------------------------------------------------------------


class _Sql(Func):
    """A piece of SQL around columns of the queryset's own table.

    `{0}`, `{1}`... in `sql` are the columns, compiled by Django so that they follow the
    table wherever the queryset puts it (an alias in a subquery); `%s` are `params`.
    """

    def __init__(self, sql: str, *columns: Any, params: Sequence[Any]) -> None:
        super().__init__(*columns, output_field=FloatField())
        self.sql = sql
        self.params = list(params)

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        compiled = [compiler.compile(column) for column in self.get_source_expressions()]
        if any(params for _sql, params in compiled):
            raise ValueError("only plain columns may appear in a full-text expression")
        return self.sql.format(*(sql for sql, _params in compiled)), list(self.params)


def _search[M: Model](queryset: QuerySet[M], text: str, indexed: _Indexed) -> QuerySet[M]:
    if queryset.model is not indexed.model:
        raise TypeError(f"expected a queryset of {indexed.model.__name__}")
    words = search_words(text or "")
    if not words:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        queryset = _sqlite(queryset, words, indexed)
    elif vendor == "postgresql":
        queryset = _postgresql(queryset, words, indexed)
    else:
        # Continuum runs on SQLite and PostgreSQL only (DESIGN.md); any other database is a
        # deployment mistake, said plainly rather than searched badly.
        raise ImproperlyConfigured(
            f"Continuum's search runs on SQLite or PostgreSQL, not on {vendor}."
        )
    ordering = [o for o in indexed.model._meta.ordering or () if isinstance(o, str)]
    return queryset.order_by(f"-{RANK}", *ordering, "pk")


def _sqlite[M: Model](queryset: QuerySet[M], words: list[str], indexed: _Indexed) -> QuerySet[M]:
    # Each word a quoted FTS5 string with the prefix star; words hold no quotes.
    match = " ".join(f'"{word}"*' for word in words)
    fts, search = indexed.fts_table, indexed.search_table
    matching = RawSQL(
        f"SELECT {indexed.key} FROM {search} WHERE id IN "
        f"(SELECT rowid FROM {fts} WHERE {fts} MATCH %s)",
        [match],
    )
    # bm25 is lower for better matches; negated so that higher is better on both databases.
    # The ranks are worked out once per query (a MATERIALIZED CTE, which SQLite evaluates
    # once and looks up through an automatic index), not once per row: a correlated bm25
    # would run the full-text query again for every row that matched.
    rank = _Sql(
        f"(WITH ranked AS MATERIALIZED ("
        f"SELECT s.{indexed.key} AS found, -bm25({fts}, {indexed.bm25_weights()}) AS rank "
        f"FROM {fts} JOIN {search} AS s ON s.id = {fts}.rowid WHERE {fts} MATCH %s) "
        f"SELECT rank FROM ranked WHERE found = {{0}})",
        F("pk"),
        params=[match],
    )
    ranked: QuerySet[M] = queryset.filter(pk__in=matching).annotate(**{RANK: rank})
    return ranked


def _pg_terms(words: list[str], *, joiner: str) -> str:
    # Words are letters and digits only, so quoting them cannot be broken out of.
    return f" {joiner} ".join(f"'{word}':*" for word in words)


def _postgresql[M: Model](
    queryset: QuerySet[M], words: list[str], indexed: _Indexed
) -> QuerySet[M]:
    config = f"'{_PG_CONFIG}'::regconfig"
    search = indexed.search_table
    matching = RawSQL(
        f"SELECT {indexed.key} FROM {search} WHERE document @@ to_tsquery({config}, %s)",
        [_pg_terms(words, joiner="&")],
    )
    # Ranked against any of the words, so that a better match on some counts.
    rank = _Sql(
        f"(SELECT ts_rank(document, to_tsquery({config}, %s)) FROM {search} "
        f"WHERE {indexed.key} = {{0}})",
        F("pk"),
        params=[_pg_terms(words, joiner="|")],
    )
    ranked: QuerySet[M] = queryset.filter(pk__in=matching).annotate(**{RANK: rank})
    return ranked


# --- installing -----------------------------------------------------------------------------


def _sqlite_statements(indexed: _Indexed) -> list[str]:
    table, search, fts, key = (
        indexed.table,
        indexed.search_table,
        indexed.fts_table,
        indexed.key,
    )
    text = indexed.text_columns
    own = tuple(column for column, _l, _w in indexed.columns)
    column_defs = ", ".join(f"{c} TEXT NOT NULL DEFAULT ''" for c in text)
    listed = ", ".join(text)
    new_values = ", ".join(f"new.{c}" for c in text)
    old_values = ", ".join(f"old.{c}" for c in text)

    def row_values(source: str) -> list[str]:
        values = [f"{source}.{c}" for c in own]
        if indexed.organization_name is not None:
            values.append(
                "COALESCE((SELECT name FROM directory_organization "
                f"WHERE id = {source}.organization_id), '')"
            )
        return values

    new_row = ", ".join(row_values("new"))
    assignments = ", ".join(
        f"{column} = {value}" for column, value in zip(text, row_values("new"), strict=True)
    )
    watched = (*own, "organization_id") if indexed.organization_name is not None else own
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("id", *watched))
    statements = [
        f"""CREATE TABLE {search} (
              id INTEGER PRIMARY KEY,
              {key} TEXT NOT NULL UNIQUE,
              {column_defs})""",
        f"INSERT INTO {search} ({key}, {listed}) SELECT t.id, {', '.join(row_values('t'))} "
        f"FROM {table} AS t",
        f"""CREATE VIRTUAL TABLE {fts} USING fts5(
              {listed}, content='{search}', content_rowid='id',
              tokenize='porter unicode61 remove_diacritics 2')""",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        # The FTS index follows the search table (FTS5's external-content pattern).
        f"""CREATE TRIGGER {search}_ai AFTER INSERT ON {search} BEGIN
              INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new_values});
            END""",
        f"""CREATE TRIGGER {search}_ad AFTER DELETE ON {search} BEGIN
              INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old_values});
            END""",
        f"""CREATE TRIGGER {search}_au AFTER UPDATE ON {search} BEGIN
              INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old_values});
              INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new_values});
            END""",
        # The search table follows the directory table.
        f"""CREATE TRIGGER {table}_fulltext_ai AFTER INSERT ON {table} BEGIN
              INSERT INTO {search} ({key}, {listed}) VALUES (new.id, {new_row});
            END""",
        f"""CREATE TRIGGER {table}_fulltext_au AFTER UPDATE ON {table} WHEN {changed} BEGIN
              UPDATE {search} SET {key} = new.id, {assignments} WHERE {key} = old.id;
            END""",
        f"""CREATE TRIGGER {table}_fulltext_ad AFTER DELETE ON {table} BEGIN
              DELETE FROM {search} WHERE {key} = old.id;
            END""",
    ]
    return statements


def _sqlite_organization_name_statements() -> list[str]:
    # A service's text includes its organization's name: follow the organization. An
    # importer may insert a service before its organization (the foreign key is checked
    # at commit), hence the INSERT trigger.
    services_of = (
        "UPDATE directory_service_search SET organization_name = {name} WHERE service_id IN "
        "(SELECT id FROM directory_service WHERE organization_id = {row}.id)"
    )
    return [
        f"""CREATE TRIGGER directory_organization_name_ai AFTER INSERT ON directory_organization
            BEGIN {services_of.format(name="new.name", row="new")}; END""",
        f"""CREATE TRIGGER directory_organization_name_au AFTER UPDATE OF name
            ON directory_organization WHEN old.name IS NOT new.name
            BEGIN {services_of.format(name="new.name", row="new")}; END""",
        f"""CREATE TRIGGER directory_organization_name_ad AFTER DELETE ON directory_organization
            BEGIN {services_of.format(name="''", row="old")}; END""",
    ]


SQLITE_TRIGGERS: tuple[str, ...] = (
    *(
        f"{indexed.search_table}_{event}"
        for indexed in (_SERVICE, _ORGANIZATION)
        for event in ("ai", "ad", "au")
    ),
    *(
        f"{indexed.table}_fulltext_{event}"
        for indexed in (_SERVICE, _ORGANIZATION)
        for event in ("ai", "au", "ad")
    ),
    "directory_organization_name_ai",
    "directory_organization_name_au",
    "directory_organization_name_ad",
)


def _sqlite_remove() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    for indexed in (_SERVICE, _ORGANIZATION):
        statements.append(f"DROP TABLE IF EXISTS {indexed.fts_table}")
        statements.append(f"DROP TABLE IF EXISTS {indexed.search_table}")
    return statements


def _postgresql_statements(indexed: _Indexed) -> list[str]:
    table, search, key = indexed.table, indexed.search_table, indexed.key
    own = tuple(column for column, _l, _w in indexed.columns)

    def document(row: str, organization_name: str) -> str:
        values = [f"{row}.{c}" for c in own]
        if indexed.organization_name is not None:
            values.append(organization_name)
        return indexed.pg_vector(values)

    name_of = "(SELECT name FROM directory_organization WHERE id = {row}.organization_id)"
    upsert = f"ON CONFLICT ({key}) DO UPDATE SET document = EXCLUDED.document"
    watched = (*own, "organization_id") if indexed.organization_name is not None else own
    statements = [
        f"""CREATE TABLE {search} (
              {key} uuid PRIMARY KEY,
              document tsvector NOT NULL)""",
        f"CREATE INDEX {search}_document ON {search} USING gin (document)",
        f"""INSERT INTO {search} ({key}, document)
            SELECT t.id, {document("t", name_of.format(row="t"))} FROM {table} AS t""",
        f"""CREATE FUNCTION {search}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP IN ('DELETE', 'UPDATE') THEN
                DELETE FROM {search} WHERE {key} = OLD.id;
              END IF;
              IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO {search} ({key}, document)
                VALUES (NEW.id, {document("NEW", name_of.format(row="NEW"))}) {upsert};
              END IF;
              RETURN NULL;
            END $$""",
        f"""CREATE TRIGGER {table}_fulltext
            AFTER INSERT OR DELETE OR UPDATE OF id, {", ".join(watched)} ON {table}
            FOR EACH ROW EXECUTE FUNCTION {search}_sync()""",
        # Django empties tables between some tests with TRUNCATE, which row triggers miss.
        f"""CREATE FUNCTION {search}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN TRUNCATE {search}; RETURN NULL; END $$""",
        f"""CREATE TRIGGER {table}_fulltext_truncate AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {search}_truncate()""",
    ]
    if indexed.organization_name is not None:
        # A service's document includes its organization's name: follow the organization
        # (also when it is written after its services, as an importer may).
        statements += [
            f"""CREATE FUNCTION {search}_organization() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                  row_id uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
                  new_name text := CASE WHEN TG_OP = 'DELETE' THEN '' ELSE NEW.name END;
                BEGIN
                  INSERT INTO {search} ({key}, document)
                  SELECT s.id, {document("s", "new_name")} FROM {table} AS s
                  WHERE s.organization_id = row_id {upsert};
                  RETURN NULL;
                END $$""",
            f"""CREATE TRIGGER directory_organization_name
                AFTER INSERT OR DELETE OR UPDATE OF name ON directory_organization
                FOR EACH ROW EXECUTE FUNCTION {search}_organization()""",
        ]
    return statements


def _postgresql_remove() -> list[str]:
    statements = ["DROP TRIGGER IF EXISTS directory_organization_name ON directory_organization"]
    for indexed in (_SERVICE, _ORGANIZATION):
        search = indexed.search_table
        statements += [
            f"DROP TRIGGER IF EXISTS {indexed.table}_fulltext ON {indexed.table}",
            f"DROP TRIGGER IF EXISTS {indexed.table}_fulltext_truncate ON {indexed.table}",
            f"DROP FUNCTION IF EXISTS {search}_sync()",
            f"DROP FUNCTION IF EXISTS {search}_truncate()",
            f"DROP FUNCTION IF EXISTS {search}_organization()",
            f"DROP TABLE IF EXISTS {search}",
        ]
    return statements


def _postgresql_configuration() -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = '{_PG_STEMMER}') THEN
                CREATE TEXT SEARCH DICTIONARY {_PG_STEMMER}
                  (TEMPLATE = snowball, Language = english);
              END IF;
              IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{_PG_CONFIG}') THEN
                CREATE TEXT SEARCH CONFIGURATION {_PG_CONFIG} (COPY = pg_catalog.simple);
                ALTER TEXT SEARCH CONFIGURATION {_PG_CONFIG}
                  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword,
                                    hword_part
                  WITH unaccent, {_PG_STEMMER};
              END IF;
            END $$""",
    ]


def _postgresql_configuration_remove() -> list[str]:
    return [
        f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {_PG_CONFIG}",
        f"DROP TEXT SEARCH DICTIONARY IF EXISTS {_PG_STEMMER}",
        # unaccent stays: other things may have come to use it.
    ]


POSTGRES_TRIGGERS: tuple[str, ...] = (
    "directory_service_fulltext",
    "directory_service_fulltext_truncate",
    "directory_organization_fulltext",
    "directory_organization_fulltext_truncate",
    "directory_organization_name",
)


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the search tables and the triggers that keep them; safe to run again."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [
            *_sqlite_remove(),
            *_sqlite_statements(_SERVICE),
            *_sqlite_statements(_ORGANIZATION),
            *_sqlite_organization_name_statements(),
        ]
    elif vendor == "postgresql":
        statements = [
            *_postgresql_configuration(),
            *_postgresql_remove(),
            *_postgresql_statements(_SERVICE),
            *_postgresql_statements(_ORGANIZATION),
        ]
    else:
        # Continuum runs on SQLite and PostgreSQL only (DESIGN.md); any other database is a
        # deployment mistake, said plainly rather than searched badly.
        raise ImproperlyConfigured(
            f"Continuum's search runs on SQLite or PostgreSQL, not on {vendor}."
        )
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Remove everything `install` made."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = _sqlite_remove()
    else:
        statements = [*_postgresql_remove(), *_postgresql_configuration_remove()]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install_forwards(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """`install` in the shape RunPython wants."""
    install(schema_editor)


def uninstall_backwards(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    uninstall(schema_editor)
