"""Importing and exporting the directory as HSDS 3.1 JSON (issue #7): every example of the
standard imports, an invalid file is refused whole with every problem's path and reason, a
re-import changes nothing (not one write), an updated file updates in place and removes what
its lists leave out, and an export validates, re-imports with no change, and never holds a
confidential location or anything at it."""

from __future__ import annotations

import copy
import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from continuum.access.actor import Actor
from continuum.access.policy import Forbidden
from continuum.accounts.models import Agency, AgencyType, Role
from continuum.audit.models import AuditAction, AuditEntry
from continuum.directory import exporter, hsds, importer, models
from continuum.directory.actions import export_directory, import_directory
from continuum.directory.importer import ImportRejected
from tests.directory.directory_files import (
    EXAMPLES,
    HIDDEN,
    SECRETS,
    build_directory,
    example,
    harbor_house,
    hid,
    load,
    snapshot,
    writes,
)
from tests.personas import make_user

pytestmark = pytest.mark.django_db

# Every JSON example of the standard that holds directory records, and their kind.
RECORD_EXAMPLES: dict[str, str] = {
    "location.json": "location",
    "organization_full.json": "organization",
    "organization_list.json": "organization",
    "service_at_location_full.json": "service_at_location",
    "service_at_location_list.json": "service_at_location",
    "service_full.json": "service",
    "service_list.json": "service",
    "taxonomy.json": "taxonomy",
    "taxonomy_list.json": "taxonomy",
    "taxonomy_term.json": "taxonomy_term",
    "taxonomy_term_list.json": "taxonomy_term",
}
# base.json is the API's root answer (version, profile, openapi_url): no directory data.
# tabular.json is the tabular package written as JSON; it has defects (tests below).
OTHER_EXAMPLES = {"base.json", "tabular.json"}


def problems(document: Any, kind: str | None = None) -> list[tuple[str, str]]:
    with pytest.raises(ImportRejected) as rejected:
        load(document, kind)
    return [(problem.path, problem.reason) for problem in rejected.value.problems]


def ids_in(document: Any, kind: str | None = None) -> dict[str, set[uuid.UUID]]:
    batch = importer.read_json(document, kind=kind)
    return {table: set(rows) for table, rows in batch.rows.items() if rows}


def stored_ids(table: str) -> set[uuid.UUID]:
    from continuum.directory.tables import TABLES

    model = TABLES[table].model
    if model is None:
        return set(models.OtherRecord.objects.filter(table=table).values_list("id", flat=True))
    return set(model._default_manager.values_list("id", flat=True))


def exported() -> dict[str, list[dict[str, Any]]]:
    out = io.StringIO()
    exporter.write_json(out)
    document: dict[str, list[dict[str, Any]]] = json.loads(out.getvalue())
    return document


# --- the standard's examples ---------------------------------------------------------------


def test_every_json_example_is_imported_or_explained() -> None:
    present = {path.name for path in EXAMPLES.glob("*.json")}
    assert present == set(RECORD_EXAMPLES) | OTHER_EXAMPLES


@pytest.mark.parametrize(("name", "kind"), sorted(RECORD_EXAMPLES.items()))
def test_every_json_example_imports_and_reimports_unchanged(name: str, kind: str) -> None:
    document = example(name)
    report = load(document, kind)
    expected = ids_in(document, kind)
    assert report.total("created") == sum(len(ids) for ids in expected.values())
    assert report.total("updated") == report.total("deleted") == 0
    for table, ids in expected.items():
        assert ids <= stored_ids(table), table

    with writes() as statements:
        again = load(example(name), kind)
    assert statements == []
    assert (again.total("created"), again.total("updated"), again.total("deleted")) == (0, 0, 0)
    assert again.total("unchanged") == report.total("created")
    assert not again.changed


def test_the_examples_describe_one_directory() -> None:
    # An API page gives an organization abbreviated (no tax_id): it updates what it gives
    # and clears nothing, so the other examples agree with organization_full.json...
    load(example("organization_full.json"), "organization")
    for name, kind in sorted(RECORD_EXAMPLES.items()):
        if name not in ("location.json", "organization_full.json"):
            with writes() as statements:
                assert not load(example(name), kind).changed, name
            assert statements == [], name
    # ...except location.json, whose Civic Center has a what3words identifier (the others:
    # a UPRN) and closes at "18:00" (the others: "18:00:00"). Updated in place.
    report = load(example("location.json"), "location")
    assert {t: (c.created, c.updated) for t, c in report.tables.items() if c.updated} == {
        "location": (0, 1),
        "schedule": (0, 1),
    }
    civic = models.Location.objects.get(id="3a19ff88-4620-4d17-9830-ac1d859eb5d5")
    assert (civic.external_identifier_type, civic.version) == ("what3words", 2)


def test_example_values_are_stored_as_typed() -> None:
    load(example("service_full.json"), "service")
    service = models.Service.objects.get(id="ac148810-d857-441c-9679-408f346de14b")
    assert (service.minimum_age, service.maximum_age) == (12.0, 100.0)
    assert service.assured_date is not None
    assert service.assured_date.isoformat() == "2005-01-01"
    assert service.last_modified is not None
    assert service.last_modified.isoformat() == "2023-03-15T10:30:45.123000+00:00"
    # Flattened: the nested organization and program are rows, and linked.
    assert service.organization_id == uuid.UUID("d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
    assert service.program_id == uuid.UUID("e7ec2e57-4540-43fa-b2c7-6be5a0ef7f42")
    # One phone, listed under the service, its location, its service-at-location and a
    # contact: one row carrying every link.
    phone = models.Phone.objects.get()
    assert (phone.service_id, phone.location_id, phone.service_at_location_id) == (
        service.id,
        uuid.UUID("3a19ff88-4620-4d17-9830-ac1d859eb5d5"),
        uuid.UUID("e94c9f38-1e8f-4564-91d4-d53501ab1765"),
    )
    assert phone.contact_id == uuid.UUID("1e7efce3-639b-4880-940c-b95cd30cdb50")
    # The attribute under the service is about the service, and the metadata too.
    attribute = models.Attribute.objects.get()
    assert attribute.link_id == service.id
    metadata = models.OtherRecord.objects.get(table="metadata")
    assert (metadata.parent_link, metadata.parent_id) == ("resource_id", service.id)
    capacity = models.ServiceCapacity.objects.get()
    assert (capacity.available, capacity.unit.name) == (12.0, "Kilogram")


def test_base_json_holds_no_directory_records() -> None:
    assert problems(example("base.json")) == [
        (
            "",
            "say which kind of HSDS record the file holds: one of service, organization, "
            "location, service_at_location, taxonomy, taxonomy_term",
        )
    ]
    assert problems(example("base.json"), "organization") == [
        ("/description", "is required but missing"),
        ("/id", "is required but missing"),
        ("/name", "is required but missing"),
    ]


# The tabular example written as JSON breaks the standard's own foreign keys and types.
TABULAR_JSON_DEFECTS = [
    (
        "/contacts.csv/0/organization_id",
        "names organization ae67a707-5893-4225-b0b1-320ab9cb596b, which is neither in this "
        "file nor in the directory",
    ),
    (
        "/contacts.csv/0/service_at_location_id",
        "names service at location 93eaf18d-1cd2-4ec7-bffb-3c9172ee5070, which is neither in "
        "this file nor in the directory",
    ),
    ("/locations.csv/0/external_identifier", "must be text, not a whole number"),
    (
        "/locations.csv/0/organization_id",
        "names organization 985e4a42-bd9f-4edc-911d-0243a4640aca, which is neither in this "
        "file nor in the directory",
    ),
    ("/organization_identifiers.csv/0/identifier", "must be text, not a whole number"),
    (
        "/taxonomy_terms.csv/0/taxonomy_id",
        "names taxonomy 07ff6aee-a219-438c-b694-d2fcb6c5373b, which is neither in this file "
        "nor in the directory",
    ),
]


def test_tabular_json_example_is_refused_for_its_defects() -> None:
    before = snapshot()
    assert problems(example("tabular.json")) == TABULAR_JSON_DEFECTS
    assert snapshot() == before


def test_tabular_json_example_imports_once_its_defects_are_mended() -> None:
    document = example("tabular.json")
    location = document["locations.csv"][0]
    location["external_identifier"] = str(location["external_identifier"])
    del location["organization_id"]
    identifier = document["organization_identifiers.csv"][0]
    identifier["identifier"] = str(identifier["identifier"])
    for link in ("organization_id", "service_at_location_id"):
        del document["contacts.csv"][0][link]
    del document["taxonomy_terms.csv"][0]["taxonomy_id"]

    report = load(document)
    assert report.total("created") == 21  # one row in each of its 21 tables
    assert models.Location.objects.get().external_identifier == "10092008082"
    with writes() as statements:
        assert not load(copy.deepcopy(document)).changed
    assert statements == []


# --- rejected files ------------------------------------------------------------------------


def test_an_invalid_file_is_refused_whole_with_every_problem() -> None:
    load(example("organization_full.json"), "organization")
    before = snapshot()
    document = harbor_house()
    services = document["services"]
    del services[0]["name"]  # the schema requires it
    services[0]["assured_date"] = "2024-02-30"  # no such day
    services[0]["last_modified"] = "yesterday"
    services[1]["phones"][0]["service_id"] = hid("shelter")  # listed under the other one
    services[1]["program_id"] = hid("no such program")
    # The same id twice, saying two different things.
    document["phones"].append({"id": hid("shelter intake"), "number": "555-0999"})
    document["locations"][0]["schedules"][0]["opens_at"] = "9am"

    shelter_intake = hid("shelter intake")
    assert problems(document, "organization") == [
        (
            "/locations/0/schedules/0/opens_at",
            'must be a time of day written HH:MM:SS, like 09:30:00; got "9am"',
        ),
        (
            "/services/0/assured_date",
            'must be a date written YYYY-MM-DD, like 2024-05-01; got "2024-02-30"',
        ),
        (
            "/services/0/last_modified",
            'must be a date and time (like 2024-05-01T09:30:00Z); got "yesterday"',
        ),
        ("/services/0/name", "is required but missing"),
        (
            "/services/0/phones/0/number",
            f"this phone ({shelter_intake}) also appears at /phones/3 with number "
            '"555-0999", here "555-0101": one id must describe one record',
        ),
        (
            "/services/1/phones/0/service_id",
            f"names service {hid('shelter')}, but it is listed under service "
            f"{hid('drop-in support')}",
        ),
        (
            "/services/1/program_id",
            f"names program {hid('no such program')}, which is neither in this file nor in "
            "the directory",
        ),
    ]
    assert snapshot() == before


def test_a_file_that_is_not_hsds_at_all() -> None:
    assert problems([1, "two"], "service") == [
        ("/0", "must be an object, not a whole number"),
        ("/1", "must be an object, not text"),
    ]
    assert problems({"contents": "none"}, "service") == [("/contents", "must be a list, not text")]
    assert problems({"organizations": {}, "people": []}) == [
        ("/organizations", "must be a list of records"),
        ("/people", "is not a list this file can hold: " + ", ".join(sorted(importer.COLLECTIONS))),
    ]


# --- updating in place, and what a file removes --------------------------------------------


def test_an_updated_file_updates_rows_in_place() -> None:
    build_directory()
    shelter = models.Service.objects.get(id=hid("shelter"))
    document = harbor_house()
    document["services"][0]["name"] = "Youth shelter (ages 12-21)"
    del document["services"][0]["maximum_age"]  # left out: cleared
    report = load(document, "organization")

    assert {t: str(c) for t, c in report.tables.items() if c.updated or c.created or c.deleted} == {
        "service": "0 created, 1 updated, 1 unchanged, 0 deleted"
    }
    shelter.refresh_from_db()
    assert (shelter.name, shelter.maximum_age, shelter.minimum_age) == (
        "Youth shelter (ages 12-21)",
        None,
        12.0,
    )
    # Same row, a new version: an editor who loaded it before the import must reload.
    assert shelter.version == 2


def test_a_child_left_out_of_a_list_is_removed() -> None:
    build_directory()
    document = harbor_house()
    drop_in_support = document["services"][1]
    # Its only phone, and the drop-in centre's schedule: listed nowhere else, so deleted.
    drop_in_support["phones"] = []
    document["locations"][0]["schedules"] = []
    # The drop-in centre itself: gone from the organization, and with it its address and
    # the service-at-location that placed a service there (which the database would
    # cascade; the import says so in its counts).
    drop_in_centre = document["locations"].pop(0)
    drop_in_support["service_at_locations"] = []
    report = load(document, "organization")

    deleted = {t: c.deleted for t, c in report.tables.items() if c.deleted}
    assert deleted == {
        "location": 1,
        "service_at_location": 1,
        "address": 1,
        "phone": 1,
        "schedule": 1,
    }
    assert not models.Location.objects.filter(id=drop_in_centre["id"]).exists()
    assert not models.Address.objects.filter(id=hid("drop-in address")).exists()
    assert not models.Phone.objects.filter(id=hid("drop-in phone")).exists()
    # Untouched: the service itself, and everything at the (confidential) safe house, which
    # no file lists because no export ever shows it.
    assert models.Service.objects.filter(id=hid("drop-in support")).exists()
    assert models.Location.objects.filter(id=hid("safe house"), confidential=True).exists()
    assert models.ServiceAtLocation.objects.filter(id=hid("shelter at safe house")).exists()


def test_a_child_still_listed_elsewhere_is_only_unlinked() -> None:
    build_directory()
    document = harbor_house()
    # The main line moves from the organization to the drop-in centre.
    main_line = document["phones"].pop(0)
    document["locations"][0]["phones"] = [main_line]
    report = load(document, "organization")

    assert report.tables["phone"].deleted == 0
    phone = models.Phone.objects.get(id=hid("main line"))
    assert (phone.organization_id, phone.location_id) == (None, uuid.UUID(hid("drop-in")))


def test_a_list_the_file_does_not_give_changes_nothing() -> None:
    build_directory()
    document = harbor_house()
    for service in document["services"]:
        del service["phones"]  # an API page leaves lists out
    del document["locations"]
    with writes() as statements:
        report = load(document, "organization")
    assert not report.changed
    assert statements == []


def test_a_child_that_names_a_parent_whose_list_leaves_it_out() -> None:
    build_directory()
    document = harbor_house()
    # The drop-in phone is left out of its service's list, yet named as the service's.
    phone = document["services"][1]["phones"].pop(0)
    phone["service_id"] = hid("drop-in support")
    document["phones"].append(phone)
    assert problems(document, "organization") == [
        (
            "/phones/3/service_id",
            f"names service {hid('drop-in support')}, but that service's phones (at "
            "/services/1/phones) does not list this phone",
        )
    ]


# --- export --------------------------------------------------------------------------------


def test_json_export_validates_and_reimports_with_no_change() -> None:
    load(example("organization_full.json"), "organization")
    build_directory()
    document = exported()

    assert list(document) == list(exporter.EXPORTED_COLLECTIONS)
    for collection, records in document.items():
        kind = importer.COLLECTIONS[collection]
        for record in records:
            assert hsds.validate(kind, record) == [], (collection, record["id"])
    organizations = {record["id"] for record in document["organizations"]}
    assert organizations == {hid("harbor house"), "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"}
    assert [r["id"] for r in document["services"]] == [hid("hotline")]
    assert [r["id"] for r in document["locations"]] == [hid("bus stop")]

    before = snapshot()
    with writes() as statements:
        report = load(document)
    assert statements == []
    assert not report.changed
    assert report.total("unchanged") > 400  # the directory's every row (Open Eligibility too)
    assert snapshot() == before


def test_json_export_round_trips_into_an_empty_directory() -> None:
    build_directory()
    document = exported()
    models.Organization.objects.all().delete()
    models.Service.objects.all().delete()
    models.Location.objects.filter(confidential=False).delete()
    report = load(document)
    assert report.total("created") > 0
    assert exported() == document


def test_confidential_location_is_never_in_a_json_export() -> None:
    build_directory()
    text = json.dumps(exported())
    assert [name for name in HIDDEN if hid(name) in text] == []
    assert [secret for secret in SECRETS if secret in text] == []
    # The shelter service itself is listed: only where it is stays secret.
    assert hid("shelter") in text
    assert hid("drop-in") in text


def test_export_writes_a_file_whole(tmp_path: Path) -> None:
    build_directory()
    target = tmp_path / "out" / "directory.json"
    counts = export_directory(actor=None, target=target, fmt="json")
    assert counts["organizations"] == 1
    assert json.loads(target.read_text())["services"][0]["id"] == hid("hotline")
    assert [p.name for p in target.parent.iterdir()] == ["directory.json"]


# --- who may, and the audit log ------------------------------------------------------------


def _actor(role: Role) -> Actor:
    agency = Agency.objects.create(name=f"Coalition {role}", agency_type=AgencyType.ADVOCACY_CENTER)
    user, membership = make_user(f"user-{role}", agency, role)
    return Actor(user=user, membership=membership)


def test_a_network_admin_imports_and_exports(tmp_path: Path) -> None:
    admin = _actor(Role.NETWORK_ADMIN)
    batch = importer.read_json(harbor_house(), kind="organization")
    report = import_directory(actor=admin, batch=batch)
    assert report.total("created") > 0
    export_directory(actor=admin, target=tmp_path / "d.json", fmt="json")


@pytest.mark.parametrize("role", [r for r in Role if r != Role.NETWORK_ADMIN])
def test_no_other_role_imports_or_exports(role: Role, tmp_path: Path) -> None:
    actor = _actor(role)
    batch = importer.read_json(harbor_house(), kind="organization")
    with pytest.raises(Forbidden):
        import_directory(actor=actor, batch=batch)
    with pytest.raises(Forbidden):
        export_directory(actor=actor, target=tmp_path / "d.json", fmt="json")
    assert not models.Organization.objects.exists()
    assert not (tmp_path / "d.json").exists()


def test_an_import_is_audited_with_counts_only() -> None:
    admin = _actor(Role.NETWORK_ADMIN)
    import_directory(actor=admin, batch=importer.read_json(harbor_house(), kind="organization"))
    entry = AuditEntry.objects.get(action=AuditAction.DIRECTORY_IMPORTED)
    assert (entry.user_id, entry.role) == (admin.user.pk, Role.NETWORK_ADMIN)
    assert entry.detail["created"] == 33
    assert entry.detail["tables"]["phone"] == {"created": 6}
    assert "Harbor" not in json.dumps(entry.detail)
    # Nothing changed, nothing written: not even an audit entry.
    import_directory(actor=admin, batch=importer.read_json(harbor_house(), kind="organization"))
    assert AuditEntry.objects.filter(action=AuditAction.DIRECTORY_IMPORTED).count() == 1


def test_a_refused_import_writes_no_audit_entry() -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ImportRejected):
        load({"id": "not-an-id"}, "service")
    assert AuditEntry.objects.count() == before


def test_an_export_is_audited(tmp_path: Path) -> None:
    build_directory()
    export_directory(actor=None, target=tmp_path / "d.zip", fmt="tabular")
    entry = AuditEntry.objects.get(action=AuditAction.DIRECTORY_EXPORTED)
    assert (entry.via, entry.detail["format"]) == ("cli", "tabular")
    assert entry.detail["counts"]["location"] == 2  # the safe house is not counted


def test_a_dry_run_writes_nothing() -> None:
    before = snapshot()
    batch = importer.read_json(harbor_house(), kind="organization")
    with writes() as statements:
        report = import_directory(actor=None, batch=batch, dry_run=True)
    assert statements == []
    assert report.dry_run
    assert report.total("created") == 33
    assert snapshot() == before


# --- many rows: queries do not grow with the file ------------------------------------------


def _services(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": hid(f"bulk service {n}"),
            "name": f"Service {n}",
            "status": "active",
            "organization_id": hid("harbor house"),
            "phones": [{"id": hid(f"bulk phone {n}"), "number": f"555-{n:04d}"}],
            "languages": [{"id": hid(f"bulk language {n}"), "code": "es"}],
        }
        for n in range(count)
    ]


def _import_counting(document: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        load(document, "service")
    return len(captured)


def test_queries_do_not_grow_with_the_file() -> None:
    load(harbor_house(), "organization")
    assert _import_counting(_services(60)) == _import_counting(_services(3) + _services(70)[60:])
    assert models.Service.objects.filter(name__startswith="Service ").count() == 70
    # Re-importing compares in bulk too, and an update is one statement per table.
    assert _import_counting(_services(70)) == _import_counting(_services(5))
    renamed = _services(70)
    for service in renamed:
        service["name"] += " (renamed)"
    with writes() as statements:
        load(renamed, "service")
    assert [_verb_and_table(sql) for sql in statements] == [
        ("UPDATE", "directory_service"),
        ("INSERT", "audit_auditentry"),
        ("UPDATE", "audit_auditchainhead"),
    ]


def _verb_and_table(sql: str) -> tuple[str, str]:
    match = re.match(r'\s*(INSERT INTO|UPDATE|DELETE FROM) "(\w+)"', sql)
    assert match is not None, sql
    return match.group(1).split()[0], match.group(2)


# --- the management commands ---------------------------------------------------------------


def test_import_command_reports_per_table(tmp_path: Path) -> None:
    path = tmp_path / "service_full.json"
    path.write_text(json.dumps(example("service_full.json")))
    out = io.StringIO()
    call_command("directory_import", str(path), stdout=out)
    text = out.getvalue()
    assert f"Reading {path}…" in text
    assert "  service: 1 created, 0 updated, 0 unchanged, 0 deleted" in text
    assert f"Imported {path}: 23 created, 0 updated, 0 unchanged, 0 deleted." in text

    out = io.StringIO()
    call_command("directory_import", str(path), stdout=out)
    assert "Nothing to change: 0 created, 0 updated, 23 unchanged, 0 deleted." in out.getvalue()
    entries = AuditEntry.objects.filter(action=AuditAction.DIRECTORY_IMPORTED)
    assert [(e.via, e.user_id) for e in entries] == [("cli", None)]


def test_import_command_lists_every_problem_and_fails(tmp_path: Path) -> None:
    document = example("service_full.json")
    del document["name"]
    document["assured_date"] = "01/05/2024"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"^2 problems in .*broken.json: nothing was imported"):
        call_command("directory_import", str(path), "--kind", "service", stderr=err)
    assert err.getvalue().splitlines() == [
        '  /assured_date: must be a date written YYYY-MM-DD, like 2024-05-01; got "01/05/2024"',
        "  /name: is required but missing",
    ]
    assert not models.Service.objects.exists()


def test_import_command_dry_run_and_plain_errors(tmp_path: Path) -> None:
    path = tmp_path / "organization_list.json"
    path.write_text(json.dumps(example("organization_list.json")))
    out = io.StringIO()
    call_command("directory_import", str(path), "--dry-run", stdout=out)
    assert "Dry run: 1 created, 0 updated, 0 unchanged, 0 deleted. Nothing was changed." in (
        out.getvalue()
    )
    assert not models.Organization.objects.exists()

    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CommandError, match=r"is not JSON \(line 1, column 2"):
        call_command("directory_import", str(tmp_path / "bad.json"), "--kind", "service")
    with pytest.raises(CommandError, match="There is no file or folder"):
        call_command("directory_import", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        call_command("directory_import", str(path), "--by", "nobody")
    (tmp_path / "records.json").write_text("[]")
    with pytest.raises(CommandError, match="1 problem in"):
        call_command("directory_import", str(tmp_path / "records.json"), stderr=io.StringIO())


def test_export_command_writes_json_and_tabular(tmp_path: Path) -> None:
    build_directory()
    out = io.StringIO()
    call_command("directory_export", str(tmp_path / "directory.json"), stdout=out)
    assert "  organizations: 1" in out.getvalue()
    assert json.loads((tmp_path / "directory.json").read_text())["organizations"]

    out = io.StringIO()
    call_command("directory_export", str(tmp_path / "package"), stdout=out)
    assert "  location: 2" in out.getvalue()
    assert (tmp_path / "package" / "datapackage.json").is_file()

    out = io.StringIO()
    call_command("directory_import", str(tmp_path / "package"), stdout=out)
    assert "Nothing to change" in out.getvalue()
    with pytest.raises(CommandError, match="is a folder: give a file name"):
        call_command("directory_export", str(tmp_path / "package"), "--format", "json")


class _StopsWhileWriting(io.StringIO):
    """Output that presses Ctrl+C the moment the import starts writing rows."""

    def write(self, text: str) -> int:
        if "wrote" in text:
            raise KeyboardInterrupt
        return super().write(text)


def test_import_command_stopped_half_way_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "organization_full.json"
    path.write_text(json.dumps(example("organization_full.json")))
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Stopped: nothing was imported"):
        call_command("directory_import", str(path), stdout=_StopsWhileWriting())
    assert snapshot() == before
    # Run again: the whole file goes in.
    call_command("directory_import", str(path), stdout=io.StringIO())
    assert models.Organization.objects.filter(name="Example Organization Inc.").exists()
