"""Open Eligibility, the directory's default taxonomy (issue #7), read from the vendored files.

Open Eligibility (https://openeligibility.org, CC BY-SA 3.0, see open_eligibility/LICENSE.md)
has two trees: *services* (what a program does: "Emergency Shelter", "Counseling") and
*situations* (who a program serves: "Teens", "Human Trafficking Survivors"). The files in
open_eligibility/ are a byte-for-byte copy of the shared standard, made by
scripts/vendor_open_eligibility.py; never edit them here.

How the two files are merged:

- taxonomy.csv (id, name, parent_id, parent_name, vocabulary) lists the service terms only,
  and is the authority for them: their codes, names and parents.
- taxonomy.xml nests the same service terms under <services>, with a description for each
  top-level term, and the situation terms under <situations>, which the CSV lacks. The XML
  says which tree a CSV term is in and supplies descriptions; the situation terms come from
  it alone (their parents are given by nesting).
- Where the XML's service tree disagrees with the CSV the CSV wins, and the disagreement is
  kept in `Taxonomy.discrepancies` (the shared copy has two: see the test).

The merged terms are checked (unique codes, every parent present and in the same tree, no
cycles); a malformed input raises `TaxonomyError` naming every problem found.

The XML is trusted (vendored), but it is still parsed defensively: a document type
declaration or entity declaration is refused before ElementTree sees the bytes, so no
entity can be expanded and nothing external is fetched.
"""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

Tree = Literal["service", "situation"]
SERVICE: Tree = "service"
SITUATION: Tree = "situation"
VOCABULARY = "Open Eligibility"
VENDORED_DIR = Path(__file__).resolve().with_name("open_eligibility")
CSV_FILE = "taxonomy.csv"
XML_FILE = "taxonomy.xml"
CSV_COLUMNS = ("id", "name", "parent_id", "parent_name", "vocabulary")
# parent_id of a top-level term in the CSV.
ROOT_PARENT_IDS = frozenset({"", "0"})

# A file's contents: a Path is read from disk; str or bytes are the contents themselves.
Source = Path | str | bytes


class TaxonomyError(ValueError):
    """The taxonomy files cannot be read as a well-formed tree."""


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    parent_code: str | None
    vocabulary: str
    description: str
    tree: Tree


@dataclass(frozen=True)
class _XmlNode:
    code: str
    title: str
    parent_code: str | None


class Taxonomy:
    """A validated set of terms, parents before children, with look-ups."""

    def __init__(self, terms: list[Term], discrepancies: tuple[str, ...] = ()) -> None:
        self.terms: tuple[Term, ...] = tuple(_validated_in_order(terms))
        self.discrepancies = discrepancies
        self._by_code = {t.code: t for t in self.terms}
        self._children: dict[str, list[Term]] = {t.code: [] for t in self.terms}
        for t in self.terms:
            if t.parent_code is not None:
                self._children[t.parent_code].append(t)

    def __len__(self) -> int:
        return len(self.terms)

    def term(self, code: str) -> Term:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"No Open Eligibility term has the code {code!r}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def children(self, code: str) -> list[Term]:
        """The terms directly under `code`, in file order."""
        return list(self._children[self.term(code).code])

    def ancestors(self, code: str) -> list[Term]:
        """The terms above `code`, from its top-level term down to its parent."""
        chain = []
        parent = self.term(code).parent_code
        while parent is not None:
            found = self._by_code[parent]
            chain.append(found)
            parent = found.parent_code
        return chain[::-1]

    def search(self, text: str, tree: Tree | None = None) -> list[Term]:
        """Terms whose name contains `text`, ignoring case and extra spaces, in tree order."""
        needle = " ".join(text.split()).casefold()
        if not needle:
            return []
        return [
            t
            for t in self.terms
            if needle in t.name.casefold() and (tree is None or t.tree == tree)
        ]


# --- Reading -------------------------------------------------------------------------------


def _read_bytes(source: Source) -> bytes:
    if isinstance(source, Path):
        return source.read_bytes()
    if isinstance(source, str):
        return source.encode("utf-8")
    return source


def _csv_rows(source: Source) -> list[dict[str, str]]:
    text = _read_bytes(source).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise TaxonomyError(f"{CSV_FILE} lacks the column(s) {', '.join(missing)}")
    rows = []
    for line, row in enumerate(reader, start=2):
        values = {c: (row[c] or "").strip() for c in CSV_COLUMNS}
        if not values["id"] or not values["name"]:
            raise TaxonomyError(f"{CSV_FILE} line {line}: a term needs an id and a name")
        rows.append(values)
    return rows


def _parse_xml(source: Source) -> ET.Element:
    data = _read_bytes(source)
    upper = data.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise TaxonomyError(f"{XML_FILE} has a DOCTYPE or ENTITY declaration; refused")
    try:
        # Safe here: no DTD (checked above) means no entity expansion, and ElementTree never
        # fetches external resources.
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as error:
        raise TaxonomyError(f"{XML_FILE} is not well-formed XML: {error}") from None
    if root.tag != "taxonomy":
        raise TaxonomyError(f"{XML_FILE}: the root element is <{root.tag}>, not <taxonomy>")
    return root


def _walk(element: ET.Element, parent_code: str | None = None) -> Iterator[_XmlNode]:
    """The *_level elements under `element`, parents first, each with its parent's code."""
    for child in element:
        if not child.tag.endswith("_level"):
            continue
        code = (child.get("id") or "").strip()
        title = " ".join((child.get("title") or "").split())
        if not code or not title:
            raise TaxonomyError(f"{XML_FILE}: a <{child.tag}> needs an id and a title")
        yield _XmlNode(code, title, parent_code)
        yield from _walk(child, code)


def _section(root: ET.Element, name: str) -> ET.Element:
    section = root.find(name)
    if section is None:
        raise TaxonomyError(f"{XML_FILE} has no <{name}> section")
    return section


def parse_open_eligibility(csv_source: Source, xml_source: Source) -> Taxonomy:
    """Merge the CSV's service terms with the XML's trees and descriptions, and validate.

    Each source is a Path to read, or the file's contents as str or bytes.
    """
    rows = _csv_rows(csv_source)
    root = _parse_xml(xml_source)
    services = _section(root, "services")
    situations = _section(root, "situations")
    descriptions = {
        (category.get("id") or "").strip(): " ".join((category.text or "").split())
        for section in (services, situations)
        for category in section.iterfind("descriptions/category")
    }
    service_nodes = list(_walk(services))
    situation_nodes = list(_walk(situations))

    problems: list[str] = []
    discrepancies: list[str] = []
    situation_codes = {n.code for n in situation_nodes}
    xml_services: dict[str, _XmlNode] = {}
    for node in service_nodes:
        if node.code in situation_codes:
            problems.append(f"code {node.code} is in both the service and the situation tree")
        first = xml_services.setdefault(node.code, node)
        if first is not node:
            discrepancies.append(
                f"{XML_FILE} uses service code {node.code} twice ({first.title!r} and "
                f"{node.title!r}); the second is left out"
            )

    csv_codes = {row["id"] for row in rows}
    terms: list[Term] = []
    for row in rows:
        code, parent = row["id"], row["parent_id"]
        in_xml = xml_services.get(code)
        if in_xml is None:
            where = (
                f"is a situation in {XML_FILE}"
                if code in situation_codes
                else f"is not in {XML_FILE}'s service tree"
            )
            problems.append(f"{CSV_FILE} term {code} {row['name']!r} {where}")
            continue
        parent_code = None if parent in ROOT_PARENT_IDS else parent
        if in_xml.title != row["name"] or in_xml.parent_code != parent_code:
            discrepancies.append(
                f"{XML_FILE} has service {code} as {in_xml.title!r} under {in_xml.parent_code}; "
                f"{CSV_FILE} has {row['name']!r} under {parent_code} (the CSV is used)"
            )
        terms.append(
            Term(
                code=code,
                name=row["name"],
                parent_code=parent_code,
                vocabulary=row["vocabulary"] or VOCABULARY,
                description=descriptions.get(code, ""),
                tree=SERVICE,
            )
        )
    for code, node in xml_services.items():
        if code not in csv_codes:
            discrepancies.append(
                f"{XML_FILE} has service {code} {node.title!r} under {node.parent_code}, "
                f"which {CSV_FILE} lacks; it is left out"
            )
    terms.extend(
        Term(
            code=node.code,
            name=node.title,
            parent_code=node.parent_code,
            vocabulary=VOCABULARY,
            description=descriptions.get(node.code, ""),
            tree=SITUATION,
        )
        for node in situation_nodes
    )
    if problems:
        raise TaxonomyError(_problem_list(problems))
    _check_parent_names(rows, {t.code: t for t in terms})
    known = {t.code for t in terms}
    for code in descriptions:
        if code not in known:
            discrepancies.append(f"{XML_FILE} describes {code}, which is not a term")
    return Taxonomy(terms, tuple(discrepancies))


def _check_parent_names(rows: list[dict[str, str]], by_code: dict[str, Term]) -> None:
    """The CSV repeats each parent's name; a mismatch means a row points at the wrong parent."""
    problems = []
    for row in rows:
        parent = by_code.get(row["parent_id"])
        if parent is not None and row["parent_name"] and parent.name != row["parent_name"]:
            problems.append(
                f"{CSV_FILE} term {row['id']} {row['name']!r} names its parent "
                f"{row['parent_name']!r}, but {parent.code} is {parent.name!r}"
            )
    if problems:
        raise TaxonomyError(_problem_list(problems))


# --- Validation ----------------------------------------------------------------------------


def _problem_list(problems: list[str]) -> str:
    return "Open Eligibility taxonomy is malformed:\n" + "\n".join(f"- {p}" for p in problems)


def _label(term: Term) -> str:
    return f"{term.code} {term.name!r}"


def _validated_in_order(terms: list[Term]) -> list[Term]:
    """Check the tree and return its terms with every parent before its children."""
    by_code: dict[str, Term] = {}
    duplicates: dict[str, list[Term]] = {}
    for t in terms:
        if t.code in by_code:
            duplicates.setdefault(t.code, [by_code[t.code]]).append(t)
        else:
            by_code[t.code] = t
    problems = [
        f"code {code} is used by more than one term: "
        + ", ".join(f"{t.name!r} ({t.tree})" for t in same)
        for code, same in duplicates.items()
    ]
    for t in terms:
        if t.parent_code is None:
            continue
        parent = by_code.get(t.parent_code)
        if parent is None:
            problems.append(
                f"term {_label(t)} has parent {t.parent_code}, which is not in the taxonomy"
            )
        elif parent.tree != t.tree:
            problems.append(
                f"{t.tree} term {_label(t)} has parent {_label(parent)} in the {parent.tree} tree"
            )
    if problems:
        raise TaxonomyError(_problem_list(problems))

    ordered: list[Term] = []
    placed: set[str] = set()
    for t in terms:
        path: list[Term] = []
        on_path: set[str] = set()
        current: Term | None = t
        while current is not None and current.code not in placed:
            if current.code in on_path:
                cycle = [*path[path.index(current) :], current]
                raise TaxonomyError(
                    _problem_list(["cycle: " + " → ".join(_label(c) for c in cycle)])
                )
            path.append(current)
            on_path.add(current.code)
            current = by_code[current.parent_code] if current.parent_code else None
        for step in reversed(path):
            ordered.append(step)
            placed.add(step.code)
    return ordered


# --- The vendored taxonomy -----------------------------------------------------------------


@cache
def open_eligibility() -> Taxonomy:
    """The vendored Open Eligibility taxonomy, read once."""
    return parse_open_eligibility(VENDORED_DIR / CSV_FILE, VENDORED_DIR / XML_FILE)


def open_eligibility_terms() -> list[Term]:
    """Every term of both trees, parents before children."""
    return list(open_eligibility().terms)


def term(code: str) -> Term:
    return open_eligibility().term(code)


def children(code: str) -> list[Term]:
    return open_eligibility().children(code)


def ancestors(code: str) -> list[Term]:
    return open_eligibility().ancestors(code)


def search(text: str, tree: Tree | None = None) -> list[Term]:
    return open_eligibility().search(text, tree)


# --- As HSDS rows ----------------------------------------------------------------------------

# Open Eligibility publishes codes, not UUIDs; HSDS needs UUIDs. Deriving them (UUID v5 from
# a fixed name) gives every installation the same id for the same term, so directories
# exchanged between communities agree on what "Emergency Shelter" is.
OE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://openeligibility.org/")
TAXONOMY_NAMES: dict[Tree, str] = {
    SERVICE: "Open Eligibility: services",
    SITUATION: "Open Eligibility: human situations",
}
TAXONOMY_DESCRIPTIONS: dict[Tree, str] = {
    SERVICE: "What a program does (Open Eligibility's service terms).",
    SITUATION: "Who a program serves (Open Eligibility's human situation terms).",
}


def taxonomy_id(tree: Tree) -> uuid.UUID:
    return uuid.uuid5(OE_NAMESPACE, f"taxonomy/{tree}")


def term_id(code: str) -> uuid.UUID:
    """The HSDS id of an Open Eligibility term, the same on every installation."""
    return uuid.uuid5(OE_NAMESPACE, f"term/{code}")


def hsds_taxonomies() -> list[dict[str, str]]:
    return [
        {
            "id": str(taxonomy_id(tree)),
            "name": TAXONOMY_NAMES[tree],
            "description": TAXONOMY_DESCRIPTIONS[tree],
            "uri": "https://openeligibility.org",
            "version": "vendored " + CSV_FILE + " and " + XML_FILE,
        }
        for tree in (SERVICE, SITUATION)
    ]


def hsds_terms() -> list[dict[str, str | None]]:
    """Every term as an HSDS taxonomy_term record, parents before children."""
    return [
        {
            "id": str(term_id(t.code)),
            "code": t.code,
            "name": t.name,
            # HSDS requires a description; most Open Eligibility terms have none of their own.
            "description": t.description or t.name,
            "parent_id": str(term_id(t.parent_code)) if t.parent_code else None,
            "taxonomy": VOCABULARY,
            "taxonomy_id": str(taxonomy_id(t.tree)),
            "language": "en",
        }
        for t in open_eligibility_terms()
    ]
