"""Checking Open Referral HSDS 3.1 records against the standard's own JSON Schemas.

The schemas live in ``hsds_schema/``, a byte-for-byte copy of
``../shared/standards/hsds-3.1/schema`` made by ``scripts/vendor_hsds.py``; they are
never edited by hand. Each file is one record type (``service.json``,
``phone.json``, ...) and they point at each other with relative ``$ref``\\ s
(``"items": {"$ref": "phone.json"}``), so they are loaded into one
:class:`referencing.Registry` under a made-up base URI and every reference resolves
offline. The files declare no ``$schema``; ``openapi.json`` declares
``jsonSchemaDialect`` 2020-12, so that is the draft used.

Two entry points, both returning *every* problem (never just the first), sorted by
path:

* :func:`validate` checks one record, e.g. a service with its nested phones,
  organization and locations (the shape of ``examples/service_full.json``);
* :func:`validate_page` checks the paginated list envelope of the HSDS API
  (``examples/service_list.json``): the ``Page`` fields from ``openapi.json`` plus a
  ``contents`` array of records.

Formats are checked for what the schemas use -- ``uuid``, ``uri``, ``email`` and
``date-time`` -- by checkers defined here rather than jsonschema's optional extras,
so the result does not depend on which extra packages happen to be installed.
Fields the schemas mark only with the Frictionless ``datapackage_type: date`` (e.g.
``assured_date``) carry no JSON Schema ``format``, so their contents are not
checked beyond being strings.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["KINDS", "SCHEMA_DIR", "Problem", "validate", "validate_page"]

SCHEMA_DIR = Path(__file__).resolve().with_name("hsds_schema")

# The registry's base URI. Deliberately unresolvable (.invalid): nothing is ever
# fetched, and a $ref the vendored files cannot satisfy fails loudly instead.
_BASE_URI = "https://hsds-3-1.invalid/schema/"

#: The top-level record types an import may contain, each named after its schema file.
KINDS: tuple[str, ...] = (
    "service",
    "organization",
    "location",
    "service_at_location",
    "taxonomy",
    "taxonomy_term",
)


@dataclass(frozen=True)
class Problem:
    """One reason a document does not meet the standard.

    ``path`` is a JSON Pointer (RFC 6901) into the document, e.g.
    ``/contents/0/phones/1/number``; ``""`` is the whole document. A missing
    required field is reported at the path where it should have been.
    """

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '(whole document)'}: {self.reason}"


def validate(kind: str, document: Any) -> list[Problem]:
    """Every way ``document`` fails the HSDS 3.1 schema for ``kind``; [] if none."""
    return _problems(_validator(_checked_kind(kind), page=False), document)


def validate_page(kind: str, document: Any) -> list[Problem]:
    """Every problem with an HSDS API list page of ``kind`` records; [] if none.

    The envelope is ``openapi.json``'s ``Page`` schema (``total_items``,
    ``page_number``, ``first_page``, ...: all optional, typed integer/boolean) plus
    ``contents``, an array of records each checked like :func:`validate`. The
    OpenAPI document points ``contents`` at upstream "compiled" list schemas that
    are not published with the standard; these are the record schemas with the
    one-to-many fields left out, and since the record schemas do not require those
    fields, the record schema accepts list items too. ``contents`` is required here,
    though OpenAPI leaves it optional: an import with no records is a mistake (for
    instance a single record passed as a page), not an empty directory.
    """
    return _problems(_validator(_checked_kind(kind), page=True), document)


# --- loading -------------------------------------------------------------------------


@functools.cache
def _registry() -> Registry[Any]:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_bytes())
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((_BASE_URI + path.name, resource))
    if not resources:
        raise RuntimeError(f"no HSDS schemas in {SCHEMA_DIR}; run scripts/vendor_hsds.py")
    return Registry().with_resources(resources).crawl()


@functools.cache
def _validator(kind: str, *, page: bool) -> Draft202012Validator:
    record = {"$ref": f"{_BASE_URI}{kind}.json"}
    schema: dict[str, Any] = record
    if page:
        schema = {
            "allOf": [{"$ref": f"{_BASE_URI}openapi.json#/components/schemas/Page"}],
            "type": "object",
            "required": ["contents"],
            "properties": {"contents": {"type": "array", "items": record}},
        }
    return Draft202012Validator(schema, registry=_registry(), format_checker=_format_checker())


def _checked_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown HSDS record type {kind!r}; expected one of {KINDS}")
    return kind


# --- formats -------------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# RFC 3986 "URI": a scheme, a colon, then only URI characters (percent-escapes whole).
_URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
)
# RFC 3339 date-time, as JSON Schema defines the format (T/Z may be lower case).
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))"
)


def _is_date_time(value: str) -> bool:
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second, off_h, off_m = match.groups()
    try:
        datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        return False
    return off_h is None or (int(off_h) < 24 and int(off_m) < 60)


@functools.cache
def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())  # none of jsonschema's: only the ones below
    formats = {
        "uuid": lambda value: _UUID.fullmatch(value) is not None,
        "uri": lambda value: _URI.fullmatch(value) is not None,
        "email": lambda value: "@" in value,  # what jsonschema itself checks
        "date-time": _is_date_time,
    }
    for name, test in formats.items():
        # Formats constrain strings only; a number in a uuid field is a type problem.
        checker.checks(name)(lambda value, test=test: not isinstance(value, str) or test(value))
    return checker


# --- reporting -----------------------------------------------------------------------

_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}
_FORMAT_WORDS = {
    "uuid": "a UUID (like 3f7b145d-84af-42d7-8fae-eaca714b02b2)",
    "uri": "a full URI (like https://example.org/page)",
    "email": "an email address",
    "date-time": "a date and time (like 2024-05-01T09:30:00Z)",
}


def _problems(validator: Draft202012Validator, document: Any) -> list[Problem]:
    found: list[tuple[tuple[tuple[int, int, str], ...], Problem]] = []
    for error in validator.iter_errors(document):
        parts, reason = _describe(error)
        pointer = "".join("/" + _escape(part) for part in parts)
        found.append((tuple(_sort_key(part) for part in parts), Problem(pointer, reason)))
    found.sort(key=lambda item: (item[0], item[1].reason))
    return [problem for _, problem in found]


def _describe(error: ValidationError) -> tuple[list[str | int], str]:
    parts: list[str | int] = list(error.absolute_path)
    kind, value = error.validator, error.validator_value
    if kind == "required":
        missing = _missing_property(error)
        if missing is not None:
            return [*parts, missing], "is required but missing"
    elif kind == "type":
        expected = " or ".join(_TYPE_WORDS.get(name, name) for name in _strings(value))
        return parts, f"must be {expected}, not {_json_type(error.instance)}"
    elif kind == "format" and isinstance(value, str) and value in _FORMAT_WORDS:
        return parts, f"must be {_FORMAT_WORDS[value]}; got {_short(error.instance)}"
    elif kind == "enum" and isinstance(value, list):
        choices = ", ".join(str(choice) for choice in value)
        return parts, f"must be one of: {choices}; got {_short(error.instance)}"
    return parts, error.message


def _missing_property(error: ValidationError) -> str | None:
    # jsonschema yields one "required" error per missing name, worded exactly so.
    for name in _strings(error.validator_value):
        if f"{name!r} is a required property" == error.message:
            return name
    return None


def _strings(value: object) -> list[str]:
    """A keyword's value as its strings: "string" or ["string", "null"] alike."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _short(value: object, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _sort_key(part: str | int) -> tuple[int, int, str]:
    # List indices in numeric order (2 before 10), then object keys alphabetically.
    return (0, part, "") if isinstance(part, int) else (1, 0, part)
