"""What an approved export holds: the record as the requester may see it, in an AES-256 ZIP
that opens only with its passphrase, sealed again in the database."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from continuum.access.categories import ALL, ROLE_CATEGORIES, DataCategory
from continuum.accounts.models import Role
from continuum.core.encrypted import Sealed
from continuum.core.keyring import DecryptionError
from continuum.exports.models import Export
from continuum.exports.packing import (
    PASSPHRASE_ALPHABET,
    About,
    new_passphrase,
    pack_record,
)
from continuum.survivors.models import Survivor
from continuum.survivors.queries import survivor_for
from tests.exports.helpers import caseys_approved, open_zip
from tests.personas import World

pytestmark = pytest.mark.django_db

PHONE = "555-0142"
CODE_WORD = "bluebird"


def _with_contact_details(world: World) -> None:
    survivor = Survivor.objects.get(pk=world.survivor.pk)
    survivor.safe_phone = PHONE
    survivor.code_word = CODE_WORD
    survivor.safe_times = "weekday mornings"
    survivor.save()


def _files(export: Export) -> dict[str, bytes]:
    assert export.archive is not None
    assert export.passphrase is not None
    return open_zip(export.archive, export.passphrase)


def _record(export: Export) -> dict[str, Any]:
    return json.loads(_files(export)["record.json"])


def test_the_zip_opens_with_the_passphrase_and_holds_the_record(world: World) -> None:
    _with_contact_details(world)
    export = caseys_approved(world)
    files = _files(export)
    assert set(files) == {"record.json", "record.csv", "README.txt"}
    record = json.loads(files["record.json"])
    person = record["survivor"]
    assert person["preferred_name"] == "Ana"
    assert person["legal_family_name"] == "Pérez"
    assert person["date_of_birth"] == "2010-03-04"
    assert person["safe_phone"] == PHONE
    assert person["code_word"] == CODE_WORD
    assert person["primary_language"] == "English"
    [case] = record["cases"]
    assert case["reference"] == world.case.reference
    assert case["status"] == "Open"
    assert case["lead_agency"] == "Lead Family Services"
    assert {(m["agency"], m["role"]) for m in case["care_team"]} >= {
        ("Lead Family Services", "Lead case manager"),
        ("Harbor Counseling", "Clinician"),
    }
    assert case["timeline"]
    assert record["releases"] == []
    assert record["legal_bases"] == []
    about = record["export"]
    assert about["purpose"].startswith("Transfer to the out-of-county agency")
    assert about["asked_for_by"] == "Casey Tester"
    assert about["approved_by"] == "Sam Tester"
    assert about["categories_withheld"] == []

    table = list(csv.reader(io.StringIO(files["record.csv"].decode("utf-8-sig"))))
    assert table[0] == ["Section", "Item", "Value"]
    assert ["The person", "legal family name", "Pérez"] in table
    assert any(row[0] == f"Case {world.case.reference}" for row in table)
    assert "Pérez" not in files["README.txt"].decode()  # about the file, not the person
    assert "never send the passphrase with the file" in files["README.txt"].decode()


def test_their_words_are_in_the_file_and_a_record_from_before_has_none(world: World) -> None:
    survivor = Survivor.objects.get(pk=world.survivor.pk)
    survivor.preferences = "Knock twice and wait"
    survivor.save()
    # A record made before the field existed holds None: nothing recorded.
    Survivor.objects.filter(pk=survivor.pk).update(priorities=None)
    person = _record(caseys_approved(world))["survivor"]
    assert person["preferences"] == "Knock twice and wait"
    assert person["priorities"] == ""


def test_without_the_passphrase_it_does_not_open(world: World) -> None:
    export = caseys_approved(world)
    assert export.archive is not None
    assert "Pérez".encode() not in export.archive
    assert "Ana María".encode() not in export.archive
    import pyzipper

    with pyzipper.AESZipFile(io.BytesIO(export.archive)) as archive:
        info = archive.getinfo("record.json")
        assert info.flag_bits & 0x1  # encrypted
        assert info.wz_aes_strength == 3  # WinZip AES, 256-bit keys
        with pytest.raises(RuntimeError, match="requires a password"):
            archive.read("record.json")
    with pytest.raises(RuntimeError, match="Bad password"):
        open_zip(export.archive, new_passphrase())


def test_the_database_holds_no_plaintext(world: World) -> None:
    _with_contact_details(world)
    export = caseys_approved(world)
    assert export.archive is not None
    assert export.passphrase is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT archive, passphrase FROM exports_export WHERE id = %s",
            [Export._meta.pk.get_db_prep_value(export.pk, connection)],  # type: ignore[union-attr]
        )
        archive_column, passphrase_column = cursor.fetchone()
    # Sealed (AES-256-GCM under the key ring), bound to this row: "v1:<key id>:<base64>".
    assert archive_column.startswith("v1:")
    assert passphrase_column.startswith("v1:")
    assert export.passphrase not in passphrase_column
    for text in (archive_column, passphrase_column):
        for plain in ("Pérez", "Ana María", PHONE, CODE_WORD, export.passphrase, "UEsDB"):
            assert plain not in text  # UEsDB: the base64 of a bare ZIP's "PK\x03\x04"
    # Copied into another row, the sealed file does not open.
    other = caseys_approved(world)
    Export.objects.filter(pk=other.pk).update(archive=Sealed(archive_column))

    with pytest.raises(DecryptionError):
        _ = Export.objects.get(pk=other.pk).archive


def test_passphrases_are_long_random_and_readable() -> None:
    made = {new_passphrase() for _ in range(200)}
    assert len(made) == 200
    for phrase in made:
        groups = phrase.split("-")
        assert [len(g) for g in groups] == [4] * 6
        assert set("".join(groups)) <= set(PASSPHRASE_ALPHABET)
    assert not set("0o1li") & set(PASSPHRASE_ALPHABET)


def test_a_role_that_may_not_see_contact_details_gets_none_in_the_file(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if the policy kept contact and location from case managers: the export, read as
    Casey, leaves them out and says so."""
    _with_contact_details(world)
    monkeypatch.setitem(ROLE_CATEGORIES, Role.CASE_MANAGER, frozenset(ALL - {DataCategory.CONTACT}))
    export = caseys_approved(world)
    files = _files(export)
    everything = b"".join(files.values()).decode("utf-8", "replace")
    for secret in (PHONE, CODE_WORD, "weekday mornings"):
        assert secret not in everything
    record = json.loads(files["record.json"])
    assert "safe_phone" not in record["survivor"]
    assert "code_word" not in record["survivor"]
    assert record["survivor"]["preferred_name"] == "Ana"
    assert record["export"]["categories_withheld"] == [DataCategory.CONTACT.label]
    assert DataCategory.CONTACT.label in files["README.txt"].decode()
    from continuum.audit.models import AuditEntry

    approved = AuditEntry.objects.filter(action="export.approved").get()
    assert approved.detail["withheld"] == ["contact"]
    assert approved.detail["categories"] == ["care_plan", "identity"]


def test_a_partner_without_a_release_would_get_no_identity(world: World) -> None:
    """The packing reads through access.sharing: Drew's agency (on the team, no release)
    sees none of the person's details, so a file read as Drew holds none either."""
    from django.utils import timezone

    _with_contact_details(world)
    drew = world.actor("drew")
    survivor = survivor_for(drew, world.survivor.pk, audit_read=False)
    now = timezone.now()
    packed = pack_record(
        requester=drew,
        survivor=survivor,
        about=About("x", "test", "Drew", now, "Harbor", "Clinician", "nobody", now),
    )
    files = open_zip(packed.archive, packed.passphrase)
    everything = b"".join(files.values()).decode("utf-8", "replace")
    for secret in ("Ana", "Pérez", "2010-03-04", PHONE, CODE_WORD):
        assert secret not in everything
    assert set(packed.withheld) == {"identity", "contact", "care_plan"}
    assert json.loads(files["record.json"])["survivor"] == {"id": str(world.survivor.pk)}


def test_spreadsheet_formulas_are_written_as_text(world: World) -> None:
    survivor = Survivor.objects.get(pk=world.survivor.pk)
    survivor.safe_times = '=HYPERLINK("http://evil.example","click")'
    survivor.save()
    export = caseys_approved(world)
    table = list(csv.reader(io.StringIO(_files(export)["record.csv"].decode("utf-8-sig"))))
    [row] = [r for r in table if r[1] == "safe times"]
    assert row[2].startswith("'=HYPERLINK")


def test_releases_and_legal_bases_are_in_it(world: World) -> None:
    from django.utils import timezone

    from continuum.survivors.actions import ReleaseTerms, record_legal_basis, record_release

    today = timezone.localdate()
    record_release(
        actor=world.actor("casey"),
        survivor=world.survivor,
        terms=ReleaseTerms(
            recipient_agency=world.agencies["partner"],
            categories=frozenset({"identity"}),
            purpose="counselling",
            starts_on=today,
            survivor_signed_on=today,
            ends_on_event="case_closed",
            guardian_name="Rosa Pérez",
            guardian_relationship="parent",
            guardian_signed_on=today,
        ),
    )
    record_legal_basis(
        actor=world.actor("casey"),
        survivor=world.survivor,
        recipient_agency=world.agencies["partner"],
        kind="court_order",
        reference="2026-DP-000123",
        categories=frozenset({"identity"}),
        starts_on=today,
    )
    record = _record(caseys_approved(world))
    [release] = record["releases"]
    assert release["to"] == "Harbor Counseling"
    assert release["purpose"] == "counselling"
    assert release["guardian"] == "Rosa Pérez"
    assert release["status"] == "in_force"
    [basis] = record["legal_bases"]
    assert basis["reference"] == "2026-DP-000123"
    assert basis["kind"] == "Court order"


def test_the_notes_the_requester_reads_are_in_it_with_the_part2_notice(world: World) -> None:
    from continuum.cases.actions import write_note

    write_note(
        actor=world.actor("casey"), case=world.case, category="health", body="Inhaler refilled."
    )
    write_note(
        actor=world.actor("drew"),
        case=world.case,
        category="substance_use",
        body="Attended four outpatient sessions.",
    )
    export = caseys_approved(world)
    [case] = _record(export)["cases"]
    notes = {note["text"]: note for note in case["notes"]}
    assert set(notes) == {"Inhaler refilled.", "Attended four outpatient sessions."}
    assert "notice" not in notes["Inhaler refilled."]
    assert notes["Attended four outpatient sessions."]["notice"].startswith(
        "This record which has been disclosed to you is protected by Federal"
    )


def test_notes_the_requester_may_not_read_stay_out(world: World) -> None:
    """Read as Drew (partner, no release), the file holds only the notes Drew's agency wrote."""
    from django.utils import timezone

    from continuum.cases.actions import write_note

    write_note(actor=world.actor("casey"), case=world.case, category="health", body="Lead note.")
    write_note(actor=world.actor("drew"), case=world.case, category="health", body="Drew note.")
    drew = world.actor("drew")
    now = timezone.now()
    packed = pack_record(
        requester=drew,
        survivor=survivor_for(drew, world.survivor.pk, audit_read=False),
        about=About("x", "test", "Drew", now, "Harbor", "Clinician", "nobody", now),
    )
    everything = b"".join(open_zip(packed.archive, packed.passphrase).values()).decode()
    assert "Drew note." in everything
    assert "Lead note." not in everything


def test_the_record_holds_the_needs_assessment_plan_and_calendar(world: World) -> None:
    from tests.needs.helpers import appointment, assess, goal, session, task

    held = session(world)
    need = assess(world, "education", held=held, words="I want my diploma")
    goal(world, "Finish 10th grade", needs=(need,))
    task(world, "Enrol at the learning centre")
    appointment(world, "Meeting with the school counsellor")
    case = _record(caseys_approved(world))["cases"][0]
    assert case["needs"][0]["in_their_words"] == "I want my diploma"
    assert case["assessment_sessions"][0]["immediate_safety"]
    assert case["plan_goals"][0] == {
        "goal": "Finish 10th grade",
        "status": "Working on it",
        "meets": "ESL, GED or other education",
    }
    assert case["plan_tasks"][0]["task"] == "Enrol at the learning centre"
    assert case["appointments"][0]["what"] == "Meeting with the school counsellor"
    csv_text = _files(caseys_approved(world))["record.csv"].decode("utf-8-sig")
    assert "I want my diploma" in csv_text


def test_a_timeline_line_whose_author_is_withheld_is_withheld_in_the_export(world: World) -> None:
    """A provider answering a substance-use referral is not named on the timeline; the export
    of the timeline must not name them either (review finding)."""
    from continuum.cases.models import CaseEvent, EventKind

    CaseEvent.objects.create(
        case=world.case,
        kind=EventKind.REFERRAL,
        at=timezone.now(),
        by_user=world.users["casey"],
        by_agency=world.agencies["partner"],
        summary="Referral: accepted",
        author_withheld=True,
    )
    record = _record(caseys_approved(world))
    [case] = record["cases"]
    [line] = [e for e in case["timeline"] if e["what"] == "Referral: accepted"]
    assert (line["by"], line["agency"]) == (None, None)
