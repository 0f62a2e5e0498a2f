"""HSDS 3.1 validation (groundwork for issue #7): the standard's own examples pass,
broken copies of them fail with every problem's path and reason, and the vendored
schemas are exactly the published ones."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from continuum.directory.hsds import KINDS, SCHEMA_DIR, Problem, validate, validate_page

REPO_ROOT = Path(__file__).resolve().parents[2]
STANDARD = REPO_ROOT.parent / "shared" / "standards" / "hsds-3.1"
# The standard's examples, copied verbatim by scripts/vendor_hsds.py: they are here in a
# fresh clone, where ../shared is not (the byte-identity test below checks the copy).
EXAMPLES = REPO_ROOT / "tests" / "directory" / "hsds_examples"

needs_standard = pytest.mark.skipif(
    not STANDARD.is_dir(),
    reason=f"the HSDS 3.1 standard is not checked out at {STANDARD}",
)

# Every JSON example, mapped to how it is checked: (record type, is it a list page?).
RECORD_EXAMPLES: dict[str, tuple[str, bool]] = {
    "location.json": ("location", False),
    "organization_full.json": ("organization", False),
    "organization_list.json": ("organization", True),
    "service_at_location_full.json": ("service_at_location", False),
    "service_at_location_list.json": ("service_at_location", True),
    "service_full.json": ("service", False),
    "service_list.json": ("service", True),
    "taxonomy.json": ("taxonomy", False),
    "taxonomy_list.json": ("taxonomy", True),
    "taxonomy_term.json": ("taxonomy_term", False),
    "taxonomy_term_list.json": ("taxonomy_term", True),
}
NOT_RECORDS = {
    # The API's root response ({version, profile, openapi_url}), defined inline in
    # openapi.json's "/" path, not by a record schema.
    "base.json",
    # The tabular (CSV) serialisation as JSON: {"services.csv": [rows], ...}, one
    # flat row per table, for the CSV import path rather than nested records. (It
    # also would not pass the record schemas: locations.csv's external_identifier
    # and organization_identifiers.csv's identifier are numbers where the schemas
    # say string.)
    "tabular.json",
}
# examples/csv/ holds CSV tables and a datapackage.json that only points back at
# the standard's datapackage.json; neither is JSON record data.

UUID_REASON = "must be a UUID (like 3f7b145d-84af-42d7-8fae-eaca714b02b2)"


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture
def service() -> dict[str, Any]:
    record = example("service_full.json")
    assert validate("service", record) == []
    return copy.deepcopy(record)


# --- the published examples ----------------------------------------------------------


@pytest.mark.parametrize(("name", "check"), sorted(RECORD_EXAMPLES.items()))
def test_published_example_validates(name: str, check: tuple[str, bool]) -> None:
    kind, page = check
    document = example(name)
    problems = validate_page(kind, document) if page else validate(kind, document)
    assert problems == []


def test_every_json_example_is_checked_or_explained() -> None:
    present = {path.name for path in EXAMPLES.glob("*.json")}
    assert present == set(RECORD_EXAMPLES) | NOT_RECORDS


def test_list_pages_are_not_single_records() -> None:
    # A single record handed to validate_page must not pass as an empty page.
    assert validate_page("service", example("service_full.json")) == [
        Problem("/contents", "is required but missing")
    ]


# --- rejected copies -----------------------------------------------------------------


def test_service_without_a_name(service: dict[str, Any]) -> None:
    del service["name"]
    assert validate("service", service) == [Problem("/name", "is required but missing")]


def test_id_that_is_not_a_uuid(service: dict[str, Any]) -> None:
    service["id"] = "service-1"
    assert validate("service", service) == [Problem("/id", f'{UUID_REASON}; got "service-1"')]


def test_phone_number_of_the_wrong_type_two_levels_down(service: dict[str, Any]) -> None:
    # service -> service_at_locations[0] -> location -> phones[0]: three $refs deep.
    service["service_at_locations"][0]["location"]["phones"][0]["number"] = 5551234
    assert validate("service", service) == [
        Problem(
            "/service_at_locations/0/location/phones/0/number",
            "must be text, not a whole number",
        )
    ]


def test_every_problem_is_reported_in_path_order(service: dict[str, Any]) -> None:
    del service["name"]
    service["contacts"][0]["phones"][0]["id"] = "phone-1"
    assert validate("service", service) == [
        Problem("/contacts/0/phones/0/id", f'{UUID_REASON}; got "phone-1"'),
        Problem("/name", "is required but missing"),
    ]


def test_list_indices_sort_as_numbers(service: dict[str, Any]) -> None:
    phone = service["phones"][0]
    service["phones"] = [copy.deepcopy(phone) for _ in range(11)]
    service["phones"][10]["number"] = 10
    service["phones"][2]["number"] = 2
    assert [problem.path for problem in validate("service", service)] == [
        "/phones/2/number",
        "/phones/10/number",
    ]


def test_problems_inside_a_page(service: dict[str, Any]) -> None:
    page = example("service_list.json")
    page["total_items"] = "10"
    page["contents"].append(service)
    service["phones"][0]["number"] = 5551234
    del page["contents"][0]["status"]
    assert validate_page("service", page) == [
        Problem("/contents/0/status", "is required but missing"),
        Problem("/contents/1/phones/0/number", "must be text, not a whole number"),
        Problem("/total_items", "must be a whole number, not text"),
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("url", "counselling page", "must be a full URI (like https://example.org/page); got "),
        ("email", "nobody", "must be an email address; got "),
        (
            "last_modified",
            "2023-02-30T10:30:45Z",
            "must be a date and time (like 2024-05-01T09:30:00Z); got ",
        ),
        (
            "status",
            "open",
            "must be one of: active, inactive, defunct, temporarily closed; got ",
        ),
    ],
)
def test_formats_and_choices_are_checked(
    service: dict[str, Any], field: str, value: str, reason: str
) -> None:
    service[field] = value
    assert validate("service", service) == [Problem(f"/{field}", f'{reason}"{value}"')]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "https://example.org/a%20b?q=1#top"),
        ("email", "help@example.org"),
        ("last_modified", "2024-02-29T23:59:59.5+05:30"),
        ("id", "AC148810-D857-441C-9679-408F346DE14B"),
    ],
)
def test_well_formed_values_pass(service: dict[str, Any], field: str, value: str) -> None:
    service[field] = value
    assert validate("service", service) == []


def test_a_document_that_is_not_an_object() -> None:
    assert validate("organization", []) == [Problem("", "must be an object, not a list")]
    assert str(validate("taxonomy", "x")[0]) == "(whole document): must be an object, not text"


def test_minimal_records_of_every_kind() -> None:
    # Built inline so these run even without ../shared.
    record = {
        "id": "5c4d79d7-cc55-470e-9f1f-8cad074e4892",
        "name": "Food bank",
        "description": "Free groceries.",
        "status": "active",
        "location_type": "physical",
    }
    for kind in KINDS:
        assert validate(kind, record) == [], kind
    assert validate_page("taxonomy", {"contents": [record], "page_number": 1}) == []
    assert validate("location", {}) == [
        Problem("/id", "is required but missing"),
        Problem("/location_type", "is required but missing"),
    ]


def test_unknown_record_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown HSDS record type 'phone'"):
        validate("phone", {})


# --- the vendored copy ---------------------------------------------------------------


def test_vendored_schemas_are_valid_draft_2020_12() -> None:
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        # openapi.json is an OpenAPI document, used only for "Page"; datapackage.json is
        # the tabular package's descriptor (continuum.directory.tabular).
        if path.name not in ("openapi.json", "datapackage.json"):
            Draft202012Validator.check_schema(json.loads(path.read_bytes()))


@needs_standard
def test_vendored_copy_is_byte_identical_to_the_standard() -> None:
    published = {path.name: path for path in (STANDARD / "schema").glob("*.json")}
    published["LICENSE"] = STANDARD / "LICENSE"
    published["datapackage.json"] = STANDARD / "datapackage.json"
    vendored = {path.name: path for path in SCHEMA_DIR.iterdir()}
    assert sorted(vendored) == sorted(published), "re-run scripts/vendor_hsds.py"
    changed = [n for n in published if published[n].read_bytes() != vendored[n].read_bytes()]
    assert changed == [], "re-run scripts/vendor_hsds.py; never edit hsds_schema/ by hand"
    examples = {path.name: path for path in (STANDARD / "examples").glob("*.json")}
    examples["LICENSE"] = STANDARD / "LICENSE"
    copied = {path.name: path for path in EXAMPLES.iterdir() if path.is_file()}
    assert sorted(copied) == sorted(examples), "re-run scripts/vendor_hsds.py"
    stale = [n for n in examples if examples[n].read_bytes() != copied[n].read_bytes()]
    assert stale == [], "re-run scripts/vendor_hsds.py; never edit hsds_examples/ by hand"
    # The tabular example: every CSV table and the package's datapackage.json.
    tables = {path.name: path for path in (STANDARD / "examples" / "csv").iterdir()}
    copied = {path.name: path for path in (EXAMPLES / "csv").iterdir()}
    assert sorted(copied) == sorted(tables), "re-run scripts/vendor_hsds.py"
    stale = [n for n in tables if tables[n].read_bytes() != copied[n].read_bytes()]
    assert stale == [], "re-run scripts/vendor_hsds.py; never edit hsds_examples/csv by hand"


def test_the_vendored_copies_are_all_there() -> None:
    # Without ../shared (a fresh clone in CI) the byte check above is skipped; the copies
    # the tabular import and its tests read must be there all the same.
    descriptor = json.loads((SCHEMA_DIR / "datapackage.json").read_bytes())
    assert len(descriptor["resources"]) == 24
    csv_files = {path.name for path in (EXAMPLES / "csv").glob("*.csv")}
    assert csv_files == {resource["path"] for resource in descriptor["resources"]}


def _vendor_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "vendor_hsds", REPO_ROOT / "scripts" / "vendor_hsds.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vendor_script_is_idempotent(tmp_path: Path) -> None:
    standard = tmp_path / "hsds-3.1"
    (standard / "schema" / "simple").mkdir(parents=True)
    (standard / "schema" / "a.json").write_bytes(b'{"type": "object"}\n')
    (standard / "schema" / "simple" / "schema.csv").write_bytes(b"x\n")
    (standard / "LICENSE").write_bytes(b"CC BY-SA 4.0\n")
    target = tmp_path / "vendored"
    target.mkdir()
    (target / "old.json").write_bytes(b"{}")
    vendor = _vendor_script().vendor

    assert vendor(standard, target) == [
        "copied    a.json",
        "copied    LICENSE",
        "removed   old.json",
    ]
    assert vendor(standard, target) == ["unchanged a.json", "unchanged LICENSE"]
    assert sorted(path.name for path in target.iterdir()) == ["LICENSE", "a.json"]
    assert (target / "a.json").read_bytes() == b'{"type": "object"}\n'

    (standard / "datapackage.json").write_bytes(b'{"resources": []}')
    (standard / "examples" / "csv").mkdir(parents=True)
    (standard / "examples" / "csv" / "services.csv").write_bytes(b"id,name\r\n")
    script = _vendor_script()
    assert [path.name for path in script.sources(standard)] == [
        "a.json",
        "datapackage.json",
        "LICENSE",
    ]
    tables = tmp_path / "tables"
    files = script.csv_example_sources(standard)
    assert vendor(standard, tables, files=files) == ["copied    services.csv"]
    assert vendor(standard, tables, files=files) == ["unchanged services.csv"]
