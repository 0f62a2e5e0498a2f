"""The HSDS 3.1 tabular data package (issue #7): the standard's descriptor and its defects,
the standard's CSV example (and its defects), typed cells, problems by file, row and column,
and the round trip of a package Continuum writes."""

from __future__ import annotations

import csv
import json
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from continuum.directory import models, tabular
from continuum.directory.actions import import_directory
from continuum.directory.importer import ImportRejected, ImportReport
from continuum.directory.tables import LINKS, TABLES
from tests.directory.directory_files import (
    EXAMPLES,
    HIDDEN,
    SECRETS,
    build_directory,
    hid,
    load,
    snapshot,
    writes,
)

CSV_EXAMPLE = EXAMPLES / "csv"


def import_package(path: Path) -> ImportReport:
    return import_directory(actor=None, batch=tabular.read_package(path))


def refused(path: Path) -> list[tuple[str, int | None, str, str]]:
    with pytest.raises(ImportRejected) as rejected:
        import_package(path)
    return [(p.path, p.row, p.column, p.reason) for p in rejected.value.problems]


def copy_example(tmp_path: Path) -> Path:
    target = tmp_path / "package"
    shutil.copytree(CSV_EXAMPLE, target)
    return target


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)


def edit(path: Path, **cells: str) -> None:
    """Set cells of the first data row of a CSV file."""
    header, rows = read_rows(path)
    rows[0].update(cells)
    write_rows(path, header, rows)


# --- the standard's descriptor -------------------------------------------------------------


def test_every_table_is_in_the_descriptor_with_its_file() -> None:
    resources = {r["name"]: r["path"] for r in tabular.descriptor()["resources"]}
    assert resources == {name: table.csv for name, table in TABLES.items()}


def test_the_descriptor_declares_the_links_an_import_checks() -> None:
    declared = {
        r["name"]: {
            k["fields"]: k["reference"]["resource"] for k in r["schema"].get("foreignKeys", [])
        }
        for r in tabular.descriptor()["resources"]
    }
    assert declared == LINKS


def test_the_descriptor_defects_are_known() -> None:
    # Pinned: the standard's datapackage.json leaves these columns out (they are in the
    # tables' JSON Schemas), and calls itself 3.0.0. Columns come from the schema instead.
    missing = {name: tabular.missing_from_descriptor(name) for name in TABLES}
    assert {name: cols for name, cols in missing.items() if cols} == {
        "service_capacity": ["id", "available", "maximum", "description", "updated"],
        "unit": ["id", "name", "scheme", "identifier", "uri"],
    }
    assert tabular.descriptor()["version"] == "3.0.0"
    fields = {f.name: f.type for f in tabular.fields("service_capacity")}
    assert fields == {
        "service_id": "string",
        "unit_id": "string",
        "id": "string",
        "available": "number",
        "maximum": "number",
        "description": "string",
        "updated": "string",
    }


def test_the_example_descriptor_is_a_flattened_symbolic_link() -> None:
    # Published as the 22 characters of a link's target, not JSON: the importer ignores it
    # and reads the tables as the standard's own descriptor defines them.
    assert (CSV_EXAMPLE / "datapackage.json").read_bytes() == b"../../datapackage.json"


# --- the standard's CSV example ------------------------------------------------------------

# The example breaks foreign keys its own descriptor declares: these rows name
# organizations, services-at-location, a service, a unit and a taxonomy that are in no table.
EXAMPLE_DEFECTS = [
    (
        "contacts.csv",
        2,
        "organization_id",
        "names organization ae67a707-5893-4225-b0b1-320ab9cb596b, which is neither in this "
        "file nor in the directory",
    ),
    (
        "contacts.csv",
        2,
        "service_at_location_id",
        "names service at location 93eaf18d-1cd2-4ec7-bffb-3c9172ee5070, which is neither in "
        "this file nor in the directory",
    ),
    (
        "locations.csv",
        2,
        "organization_id",
        "names organization 985e4a42-bd9f-4edc-911d-0243a4640aca, which is neither in this "
        "file nor in the directory",
    ),
    (
        "service_areas.csv",
        2,
        "service_at_location_id",
        "names service at location af69894e-7bed-11ef-a85c-07e0918a608c, which is neither in "
        "this file nor in the directory",
    ),
    (
        "service_capacity.csv",
        2,
        "service_id",
        "names service f75b808e-7bdb-11ef-afaa-ab00a77dc5c4, which is neither in this file nor "
        "in the directory",
    ),
    (
        "service_capacity.csv",
        2,
        "unit_id",
        "names unit 187a37a2-7b40-11ef-9790-dbf7623d4407, which is neither in this file nor in "
        "the directory",
    ),
    (
        "taxonomy_terms.csv",
        2,
        "taxonomy_id",
        "names taxonomy 07ff6aee-a219-438c-b694-d2fcb6c5373b, which is neither in this file "
        "nor in the directory",
    ),
]


@pytest.mark.django_db
def test_the_csv_example_as_published_is_refused_for_its_broken_links() -> None:
    before = snapshot()
    assert refused(CSV_EXAMPLE) == EXAMPLE_DEFECTS
    assert snapshot() == before


def mend_example(tmp_path: Path) -> Path:
    """The example with its broken links taken out: optional links emptied, and the service
    capacity (whose required service and unit do not exist) removed."""
    package = copy_example(tmp_path)
    edit(package / "contacts.csv", organization_id="", service_at_location_id="")
    edit(package / "locations.csv", organization_id="")
    edit(package / "service_areas.csv", service_at_location_id="")
    edit(package / "taxonomy_terms.csv", taxonomy_id="")
    header, _rows = read_rows(package / "service_capacity.csv")
    write_rows(package / "service_capacity.csv", header, [])
    return package


@pytest.mark.django_db
def test_the_csv_example_imports_once_its_broken_links_are_mended(tmp_path: Path) -> None:
    package = mend_example(tmp_path)
    report = import_package(package)
    # Every other row of all 23 tables with rows.
    created = {name: counts.created for name, counts in report.tables.items()}
    assert created == {name: 1 for name in TABLES if name not in ("service_capacity",)}

    service = models.Service.objects.get(id="ac148810-d857-441c-9679-408f346de14b")
    assert (service.minimum_age, service.maximum_age) == (12.0, 100.0)
    assert service.assured_date is not None
    assert service.assured_date.isoformat() == "2005-01-01"
    assert service.last_modified is not None
    assert service.last_modified.isoformat() == "2023-03-15T10:30:45.123000+00:00"
    assert service.program_id == uuid.UUID("e7ec2e57-4540-43fa-b2c7-6be5a0ef7f42")
    location = models.Location.objects.get()
    # A string column stays text however it looks (tabular.json has it as a number).
    assert (location.external_identifier, location.latitude) == ("10092008082", 100.0)
    schedule = models.Schedule.objects.get()
    assert (schedule.timezone, schedule.opens_at, schedule.byday) == (3.0, "10:00:00", "TH,FR")
    # The example quotes its phone number inside the cell; kept as written.
    assert models.Phone.objects.get().number == '"+44 1234 234567"'
    assert models.Unit.objects.get().name == "Kilogram"
    contact = models.OtherRecord.objects.get(table="contact")
    assert (contact.parent_link, contact.data["name"]) == ("service_id", "Ann Persona")

    with writes() as statements:
        again = import_package(package)
    assert statements == []
    assert (again.total("unchanged"), again.changed) == (report.total("created"), False)


@pytest.mark.django_db
def test_a_zipped_package_reads_the_same(tmp_path: Path) -> None:
    package = mend_example(tmp_path)
    archive = tmp_path / "example.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in package.iterdir():
            zipped.write(path, f"hsds/{path.name}")  # one folder inside is fine
    assert import_package(archive).total("created") == 23


# --- cells and rows ------------------------------------------------------------------------


@pytest.mark.django_db
def test_cells_are_read_as_their_column_types_with_every_problem(tmp_path: Path) -> None:
    package = mend_example(tmp_path)
    edit(
        package / "services.csv",
        minimum_age="twelve",
        assured_date="2005-13-01",
        last_modified="2023-03-15 10:30",
        status="open",
    )
    edit(package / "schedules.csv", opens_at="10am", count="3.5")
    edit(package / "phones.csv", number="")  # required: an empty cell is an absent value
    with (package / "languages.csv").open("a", encoding="utf-8") as handle:
        handle.write("only,three,cells\r\n")
    (package / "people.csv").write_text("id\r\n1\r\n")
    before = snapshot()
    assert refused(package) == [
        (
            "languages.csv",
            3,
            "",
            "has 3 cells, but the header has 7 columns",
        ),
        (
            "people.csv",
            None,
            "",
            "is not a table of the HSDS tabular package (its files are named like "
            "services.csv, organizations.csv)",
        ),
        ("phones.csv", 2, "number", "is required but missing"),
        (
            "schedules.csv",
            2,
            "opens_at",
            'must be a time of day written HH:MM:SS, like 09:30:00; got "10am"',
        ),
        (
            "services.csv",
            2,
            "assured_date",
            'must be a date written YYYY-MM-DD, like 2024-05-01; got "2005-13-01"',
        ),
        (
            "services.csv",
            2,
            "last_modified",
            'must be a date and time (like 2024-05-01T09:30:00Z); got "2023-03-15 10:30"',
        ),
        ("services.csv", 2, "minimum_age", 'must be a number, like 12 or 4.5; got "twelve"'),
        (
            "services.csv",
            2,
            "status",
            'must be one of: active, inactive, defunct, temporarily closed; got "open"',
        ),
    ]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("cell", "kind", "value"),
    [
        ("12", "number", 12),
        ("-4.5", "number", -4.5),
        ("1e3", "number", 1000.0),
        ("007", "integer", 7),
        ("TRUE", "boolean", True),
        ("0", "boolean", False),
        ('{"a": 1}', "object", {"a": 1}),
        ("[1, 2]", "array", [1, 2]),
        ("2024-05-01", "date", "2024-05-01"),
        ("anything", "string", "anything"),
    ],
)
def test_cells_are_coerced(cell: str, kind: str, value: Any) -> None:
    assert tabular.coerce(cell, kind) == (value, "")
    assert tabular.cell(value) in (cell, "1000", "7", "true", "false", '{"a": 1}', "[1, 2]")


@pytest.mark.parametrize(
    ("cell", "kind"),
    [("NaN", "number"), ("1,5", "number"), ("1.0", "integer"), ("yes", "boolean"), ("1", "array")],
)
def test_bad_cells_are_refused(cell: str, kind: str) -> None:
    value, reason = tabular.coerce(cell, kind)
    assert value is None
    assert reason


@pytest.mark.django_db
def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert refused(tmp_path / "empty") == [
        ("empty", None, "", "holds no HSDS tables (CSV files such as services.csv)")
    ]
    (tmp_path / "latin1").mkdir()
    (tmp_path / "latin1" / "services.csv").write_bytes("id,name\r\n1,Caf\xe9\r\n".encode("latin-1"))
    assert refused(tmp_path / "latin1") == [
        ("services.csv", None, "", "is not UTF-8 text (byte 14 cannot be read)")
    ]
    (tmp_path / "not.zip").write_text("hello")
    assert refused(tmp_path / "not.zip") == [
        ("not.zip", None, "", "cannot be read: File is not a zip file")
    ]


# --- export and the round trip -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["folder", "package.zip"])
def test_tabular_round_trip_changes_nothing(tmp_path: Path, target: str) -> None:
    mended = mend_example(tmp_path)
    import_package(mended)
    build_directory()
    path = tmp_path / target
    counts = tabular.write_package(path)
    assert counts["location"] == 3  # the example's, the drop-in centre, the bus stop

    before = snapshot()
    with writes() as statements:
        report = import_package(path)
    assert statements == []
    assert not report.changed
    assert report.total("unchanged") == sum(counts.values())
    assert snapshot() == before


@pytest.mark.django_db
def test_every_table_is_written_with_the_descriptor_headers(tmp_path: Path) -> None:
    build_directory()
    tabular.write_package(tmp_path / "out")
    written = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    for name, table in TABLES.items():
        header, _rows = read_rows(tmp_path / "out" / table.csv)
        standard = [f["name"] for f in (tabular._resource(name) or {})["schema"]["fields"]]
        assert header[: len(standard)] == standard, name
        assert header == [f.name for f in tabular.fields(name)], name
        described = next(r for r in written["resources"] if r["name"] == name)
        assert [f["name"] for f in described["schema"]["fields"]] == header
    assert written["name"] == "human_services_data"


@pytest.mark.django_db
def test_confidential_location_is_never_in_a_tabular_export(tmp_path: Path) -> None:
    build_directory()
    tabular.write_package(tmp_path / "out")
    text = "\n".join(path.read_text() for path in sorted((tmp_path / "out").iterdir()))
    assert [name for name in HIDDEN if hid(name) in text] == []
    assert [secret for secret in SECRETS if secret in text] == []
    _header, services = read_rows(tmp_path / "out" / "services.csv")
    assert hid("shelter") in {row["id"] for row in services}


@pytest.mark.django_db
def test_an_edited_package_updates_in_place_and_removes_rows(tmp_path: Path) -> None:
    build_directory()
    tabular.write_package(tmp_path / "out")
    services = tmp_path / "out" / "services.csv"
    header, rows = read_rows(services)
    for row in rows:
        if row["id"] == hid("drop-in support"):
            row["name"] = "Drop-in support and meals"
    write_rows(services, header, rows)
    phones = tmp_path / "out" / "phones.csv"
    header, rows = read_rows(phones)
    write_rows(phones, header, [r for r in rows if r["id"] != hid("drop-in phone")])

    report = import_package(tmp_path / "out")
    changes = {t: str(c) for t, c in report.tables.items() if c.updated or c.deleted}
    assert changes == {
        "service": "0 created, 1 updated, 2 unchanged, 0 deleted",
        "phone": "0 created, 0 updated, 2 unchanged, 1 deleted",
    }
    service = models.Service.objects.get(id=hid("drop-in support"))
    assert (service.name, service.version) == ("Drop-in support and meals", 2)
    assert not models.Phone.objects.filter(id=hid("drop-in phone")).exists()
    # The safe house's phones were never in the package, and are still there.
    assert models.Phone.objects.filter(id=hid("safe house phone")).exists()


@pytest.mark.django_db
def test_columns_outside_the_standard_survive_the_round_trip(tmp_path: Path) -> None:
    document: dict[str, Any] = {
        "id": hid("extended"),
        "name": "Extended service",
        "status": "active",
        "x_beds_for_parenting_youth": 2,
        "x_faith_based": False,
        "x_notes": "Text",
    }
    load(document, "service")
    tabular.write_package(tmp_path / "out")
    header, rows = read_rows(tmp_path / "out" / "services.csv")
    assert header[-3:] == ["x_beds_for_parenting_youth", "x_faith_based", "x_notes"]
    row = next(r for r in rows if r["id"] == hid("extended"))
    assert (row["x_beds_for_parenting_youth"], row["x_faith_based"]) == ("2", "false")
    written = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    services = next(r for r in written["resources"] if r["name"] == "service")
    assert services["schema"]["fields"][-3]["type"] == "integer"
    with writes() as statements:
        assert not import_package(tmp_path / "out").changed
    assert statements == []
    assert models.Service.objects.get(id=hid("extended")).extra == {
        "x_beds_for_parenting_youth": 2,
        "x_faith_based": False,
        "x_notes": "Text",
    }


def test_cells_are_written_as_read() -> None:
    assert [tabular.cell(v) for v in (None, True, 3.0, 2.5, "x", {"a": [1]})] == [
        "",
        "true",
        "3",
        "2.5",
        "x",
        '{"a": [1]}',
    ]
