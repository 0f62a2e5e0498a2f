"""Open Eligibility as the directory's default taxonomy: the vendored copy is the shared
standard byte for byte, it reads as one valid tree per vocabulary, a malformed tree is
refused with a message naming the problem, and the need-domain map points at real terms."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from continuum.directory import taxonomy
from continuum.directory.need_terms import (
    NEED_DOMAIN_TERMS,
    RELATED_SITUATION_TERMS,
    TRAFFICKING_SITUATION_TERMS,
)
from continuum.directory.taxonomy import (
    SERVICE,
    SITUATION,
    TaxonomyError,
    Term,
    parse_open_eligibility,
)
from continuum.needs.defaults import DEFAULT_DOMAINS

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "open-eligibility"
VENDORED = taxonomy.VENDORED_DIR
FILES = ("taxonomy.csv", "taxonomy.xml", "LICENSE.md")


def _csv_rows() -> list[dict[str, str]]:
    with (VENDORED / "taxonomy.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _xml_situation_count() -> int:
    root = ET.fromstring((VENDORED / "taxonomy.xml").read_bytes())  # noqa: S314 (vendored)
    situations = root.find("situations")
    assert situations is not None
    return sum(1 for e in situations.iter() if e.tag.endswith("_level"))


# --- The vendored copy ---------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_vendored_copy_is_byte_identical_to_the_shared_standard(name: str) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"the shared standards folder {SHARED} is not here to compare with")
    assert (VENDORED / name).read_bytes() == (SHARED / name).read_bytes(), (
        f"{name} differs from the shared standard: run scripts/vendor_open_eligibility.py"
    )


def test_vendored_folder_holds_only_the_standard_files() -> None:
    assert sorted(p.name for p in VENDORED.iterdir()) == sorted(FILES)


# --- The vendored taxonomy -----------------------------------------------------------------


def test_every_csv_row_is_a_service_term_and_situations_come_from_the_xml() -> None:
    terms = taxonomy.open_eligibility_terms()
    rows = _csv_rows()
    services = [t for t in terms if t.tree == SERVICE]
    situations = [t for t in terms if t.tree == SITUATION]
    assert len(services) == len(rows) == 289
    assert {t.code for t in services} == {row["id"] for row in rows}
    # The CSV has no situations; they are the XML's alone.
    assert len(situations) == _xml_situation_count() == 94
    assert len(terms) == len(rows) + len(situations)


def test_csv_fields_carry_over() -> None:
    by_code = {t.code: t for t in taxonomy.open_eligibility_terms()}
    for row in _csv_rows():
        found = by_code[row["id"]]
        assert found.name == row["name"]
        assert found.vocabulary == row["vocabulary"]
        assert found.parent_code == (None if row["parent_id"] == "0" else row["parent_id"])


def test_tree_is_valid_and_parents_come_first() -> None:
    terms = taxonomy.open_eligibility_terms()
    codes = [t.code for t in terms]
    assert len(codes) == len(set(codes))
    seen: set[str] = set()
    for t in terms:
        if t.parent_code is not None:
            assert t.parent_code in seen, f"{t.code} comes before its parent"
            assert taxonomy.term(t.parent_code).tree == t.tree
        seen.add(t.code)
    roots = [t for t in terms if t.parent_code is None]
    assert len([r for r in roots if r.tree == SERVICE]) == 11
    assert len([r for r in roots if r.tree == SITUATION]) == 22


def test_terms_are_frozen() -> None:
    with pytest.raises(AttributeError):
        taxonomy.term("1102").name = "Something else"  # type: ignore[misc]


def test_top_level_services_have_the_xml_descriptions() -> None:
    food = taxonomy.term("1102")
    assert food.description.startswith("Services for free meals, food pantries")
    assert not food.description.endswith((" ", "\n"))
    roots = [t for t in taxonomy.open_eligibility_terms() if t.parent_code is None]
    assert all(t.description for t in roots if t.tree == SERVICE)
    assert not any(t.description for t in roots if t.tree == SITUATION)
    assert taxonomy.term("1130").description == ""


def test_known_differences_between_the_xml_and_the_csv_are_reported() -> None:
    # The shared XML has two slips the CSV does not: "Primary Care" reuses its parent
    # "Medical Care"'s id 1206, and "Assistive Technology" 1170 sits under Goods without a
    # CSV row. The CSV wins; a change in the standard shows up here.
    found = taxonomy.open_eligibility().discrepancies
    assert len(found) == 2
    assert "1206" in found[0]
    assert "Primary Care" in found[0]
    assert "1170" in found[1]
    assert "Assistive Technology" in found[1]
    assert "1170" not in taxonomy.open_eligibility()


def test_lookups() -> None:
    assert taxonomy.term("1135") == Term(
        code="1135",
        name="Emergency Shelter",
        parent_code="1103",
        vocabulary="Open Eligibility",
        description="",
        tree=SERVICE,
    )
    assert [t.name for t in taxonomy.children("1178")] == [
        "12-Step",
        "Detox",
        "Outpatient Treatment",
        "Residential Treatment",
        "Sober Living",
    ]
    assert taxonomy.children("1179") == []
    assert [t.name for t in taxonomy.ancestors("1153")] == [
        "Housing",
        "Residential Housing",
        "Short-Term Housing",
    ]
    assert taxonomy.ancestors("1103") == []
    assert [t.name for t in taxonomy.ancestors("20084")] == ["Survivors"]
    with pytest.raises(KeyError, match="'9999'"):
        taxonomy.term("9999")
    with pytest.raises(KeyError):
        taxonomy.children("9999")


def test_search_is_case_insensitive_on_names() -> None:
    found = taxonomy.search("FOOD")
    names = {t.name for t in found}
    assert {"Food", "Emergency Food", "Food Pantry", "Food Benefits", "Help Pay for Food"} <= (
        names
    )
    assert all("food" in t.name.lower() for t in found)
    assert [t.code for t in found] == [
        t.code for t in taxonomy.open_eligibility_terms() if "food" in t.name.lower()
    ]
    assert [t.code for t in taxonomy.search("  human   trafficking ")] == ["20084"]
    assert taxonomy.search("teens", tree=SERVICE) == []
    assert [t.code for t in taxonomy.search("teens", tree=SITUATION)] == ["20004"]
    assert taxonomy.search("   ") == []


def test_the_taxonomy_is_read_once() -> None:
    assert taxonomy.open_eligibility() is taxonomy.open_eligibility()
    first = taxonomy.open_eligibility_terms()
    first.clear()
    assert taxonomy.open_eligibility_terms()


# --- Malformed input -----------------------------------------------------------------------

HEADER = '"id","name","parent_id","parent_name","vocabulary"\n'


def _csv(*rows: tuple[str, str, str, str]) -> str:
    out = io.StringIO()
    out.write(HEADER)
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    for code, name, parent, parent_name in rows:
        writer.writerow([code, name, parent, parent_name, "Open Eligibility"])
    return out.getvalue()


def _xml(services: str, situations: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<taxonomy><services>'
        '<descriptions><category id="1">Things to eat.\n</category></descriptions>'
        f"{services}</services><situations>{situations}</situations></taxonomy>"
    )


GOOD_CSV = _csv(("1", "Food", "0", ""), ("2", "Food Pantry", "1", "Food"))
GOOD_XML = _xml(
    '<top_level id="1" title="Food"><second_level id="2" title="Food Pantry"/></top_level>',
    '<top_level id="10" title="Survivors">'
    '<second_level id="11" title="Human Trafficking Survivors"/></top_level>',
)


def test_a_small_well_formed_input_parses_from_text_bytes_or_path(tmp_path: Path) -> None:
    small = parse_open_eligibility(GOOD_CSV, GOOD_XML)
    assert [(t.code, t.parent_code, t.tree) for t in small.terms] == [
        ("1", None, SERVICE),
        ("2", "1", SERVICE),
        ("10", None, SITUATION),
        ("11", "10", SITUATION),
    ]
    assert small.term("1").description == "Things to eat."
    assert small.discrepancies == ()
    (tmp_path / "t.csv").write_text(GOOD_CSV)
    (tmp_path / "t.xml").write_bytes(GOOD_XML.encode())
    from_files = parse_open_eligibility(tmp_path / "t.csv", tmp_path / "t.xml")
    assert from_files.terms == small.terms
    assert parse_open_eligibility(GOOD_CSV.encode(), GOOD_XML.encode()).terms == small.terms


def test_children_listed_before_their_parents_are_put_after_them() -> None:
    csv_text = _csv(("2", "Food Pantry", "1", "Food"), ("1", "Food", "0", ""))
    assert [t.code for t in parse_open_eligibility(csv_text, GOOD_XML).terms[:2]] == ["1", "2"]


def test_a_cycle_is_refused() -> None:
    csv_text = _csv(
        ("1", "Food", "0", ""),
        ("2", "Pantry", "3", "Meals"),
        ("3", "Meals", "2", "Pantry"),
    )
    xml_text = _xml(
        '<top_level id="1" title="Food"/><top_level id="2" title="Pantry"/>'
        '<top_level id="3" title="Meals"/>'
    )
    with pytest.raises(TaxonomyError, match=r"cycle: 2 'Pantry' → 3 'Meals' → 2 'Pantry'"):
        parse_open_eligibility(csv_text, xml_text)


def test_a_term_that_is_its_own_parent_is_a_cycle() -> None:
    with pytest.raises(TaxonomyError, match=r"cycle: 1 'Food' → 1 'Food'"):
        taxonomy.Taxonomy([Term("1", "Food", "1", "Open Eligibility", "", SERVICE)])


def test_a_missing_parent_is_refused() -> None:
    csv_text = _csv(("1", "Food", "0", ""), ("2", "Food Pantry", "9", "Groceries"))
    with pytest.raises(
        TaxonomyError, match=r"term 2 'Food Pantry' has parent 9, which is not in the taxonomy"
    ):
        parse_open_eligibility(csv_text, GOOD_XML)


def test_a_duplicate_code_is_refused() -> None:
    csv_text = _csv(
        ("1", "Food", "0", ""), ("2", "Food Pantry", "1", "Food"), ("2", "Meals", "1", "Food")
    )
    with pytest.raises(
        TaxonomyError,
        match=r"code 2 is used by more than one term: 'Food Pantry' \(service\), 'Meals'",
    ):
        parse_open_eligibility(csv_text, GOOD_XML)


def test_a_duplicate_situation_code_is_refused() -> None:
    xml_text = _xml(
        '<top_level id="1" title="Food"><second_level id="2" title="Food Pantry"/></top_level>',
        '<top_level id="10" title="Survivors"><second_level id="10" title="All"/></top_level>',
    )
    with pytest.raises(TaxonomyError, match="code 10 is used by more than one term"):
        parse_open_eligibility(GOOD_CSV, xml_text)


def test_every_problem_is_named_at_once() -> None:
    csv_text = _csv(
        ("1", "Food", "0", ""),
        ("1", "Meals", "0", ""),
        ("2", "Food Pantry", "8", "Groceries"),
    )
    with pytest.raises(TaxonomyError) as caught:
        parse_open_eligibility(csv_text, GOOD_XML)
    message = str(caught.value)
    assert message.startswith("Open Eligibility taxonomy is malformed:")
    assert "code 1 is used by more than one term" in message
    assert "has parent 8" in message


def test_a_wrong_parent_name_is_refused() -> None:
    csv_text = _csv(("1", "Food", "0", ""), ("2", "Food Pantry", "1", "Housing"))
    with pytest.raises(TaxonomyError, match="names its parent 'Housing', but 1 is 'Food'"):
        parse_open_eligibility(csv_text, GOOD_XML)


def test_a_csv_term_missing_from_the_xml_is_refused() -> None:
    csv_text = _csv(
        ("1", "Food", "0", ""), ("2", "Food Pantry", "1", "Food"), ("3", "X", "1", "Food")
    )
    with pytest.raises(TaxonomyError, match=r"term 3 'X' is not in taxonomy\.xml's service tree"):
        parse_open_eligibility(csv_text, GOOD_XML)


def test_a_code_in_both_trees_is_refused() -> None:
    xml_text = _xml(
        '<top_level id="1" title="Food"><second_level id="2" title="Food Pantry"/></top_level>',
        '<top_level id="2" title="Survivors"/>',
    )
    with pytest.raises(TaxonomyError, match="code 2 is in both the service and the situation"):
        parse_open_eligibility(GOOD_CSV, xml_text)


def test_a_missing_column_is_refused() -> None:
    with pytest.raises(TaxonomyError, match="lacks the column"):
        parse_open_eligibility('"id","name"\n1,"Food"\n', GOOD_XML)


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE taxonomy [<!ENTITY e "eaten">]>',
        '<!DOCTYPE taxonomy SYSTEM "http://example.com/t.dtd">',
    ],
)
def test_xml_with_a_doctype_or_entities_is_refused(prolog: str) -> None:
    xml_text = GOOD_XML.replace("<taxonomy>", f"{prolog}<taxonomy>", 1)
    with pytest.raises(TaxonomyError, match="DOCTYPE or ENTITY"):
        parse_open_eligibility(GOOD_CSV, xml_text)


def test_xml_that_is_not_well_formed_is_refused() -> None:
    with pytest.raises(TaxonomyError, match="not well-formed"):
        parse_open_eligibility(GOOD_CSV, "<taxonomy><services>")


# --- The need-domain map -------------------------------------------------------------------


def test_the_map_covers_exactly_the_default_domains() -> None:
    assert set(NEED_DOMAIN_TERMS) == {d.code for d in DEFAULT_DOMAINS}


@pytest.mark.parametrize("domain", [d.code for d in DEFAULT_DOMAINS if d.code != "other"])
def test_every_domain_maps_to_a_service_term(domain: str) -> None:
    assert NEED_DOMAIN_TERMS[domain], f"{domain} maps to no Open Eligibility term"


@pytest.mark.parametrize("domain", sorted(NEED_DOMAIN_TERMS))
def test_every_mapped_code_is_an_existing_service_term(domain: str) -> None:
    codes = NEED_DOMAIN_TERMS[domain]
    assert len(codes) == len(set(codes)), f"{domain} lists a code twice"
    for code in codes:
        assert code in taxonomy.open_eligibility(), f"{domain}: {code} is not a term"
        assert taxonomy.term(code).tree == SERVICE, f"{domain}: {code} is not a service"


def test_some_mappings_read_as_intended() -> None:
    def names(domain: str) -> set[str]:
        return {taxonomy.term(c).name for c in NEED_DOMAIN_TERMS[domain]}

    assert {"Emergency Shelter", "Safe Housing"} <= names("shelter")
    assert {"Addiction & Recovery", "Detox"} <= names("substance_use")
    assert names("court_advocacy") == {"Advocacy & Legal Aid"}
    assert names("language") == {"Translation & Interpretation"}
    assert {"English as a Second Language (ESL)", "GED/High-School Equivalency"} <= (
        names("education")
    )
    assert NEED_DOMAIN_TERMS["other"] == ()


def test_the_trafficking_situation_is_in_the_situation_tree() -> None:
    assert TRAFFICKING_SITUATION_TERMS
    for code in TRAFFICKING_SITUATION_TERMS + RELATED_SITUATION_TERMS:
        assert taxonomy.term(code).tree == SITUATION
    assert taxonomy.term(TRAFFICKING_SITUATION_TERMS[0]).name == "Human Trafficking Survivors"
    assert not set(TRAFFICKING_SITUATION_TERMS) & set(RELATED_SITUATION_TERMS)
