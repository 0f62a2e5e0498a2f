"""Case notes: each in one data category, read by role and — for other agencies — by release.

Substance-use notes disclosed to another agency carry the 42 CFR 2.32 re-disclosure notice.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.access.actions import open_emergency_access
from continuum.access.part2 import REDISCLOSURE_NOTICE
from continuum.accounts.models import Role
from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.actions import change_case_status, write_note
from continuum.cases.models import CareTeamRole, CaseNote
from tests.personas import World, add_person, release_to_partner

pytestmark = pytest.mark.django_db

# One recognisable sentence per kind of note (synthetic).
TEXT = {
    "notes": "Met at the drop-in centre; she chose to talk about school first.",
    "care_plan": "Next appointment: Tuesday with the housing navigator.",
    "health": "Inhaler refilled at the county clinic.",
    "mental_health": "Sleep is improving since the new routine.",
    "substance_use": "Attended four outpatient sessions this month.",
    "legal": "Victim advocate will attend the deposition.",
    "education": "Credit recovery plan agreed with the school counselor.",
    "placement": "Settled in at the foster home; wants to stay near her brother.",
}
NOTICE = str(REDISCLOSURE_NOTICE)[:80]
TODAY = timezone.localdate


def _write_all(world: World) -> None:
    for category, text in TEXT.items():
        write_note(actor=world.actor("casey"), case=world.case, category=category, body=text)


def _release(world: World, categories: set[str]) -> None:
    release_to_partner(world, categories, ends_on_event="", expires_on=TODAY() + timedelta(90))


def _page(world: World, persona: str) -> str:
    response = world.client_for(persona).get(f"/cases/{world.case.pk}/notes/")
    assert response.status_code == 200
    return response.content.decode()


def _api(world: World, persona: str) -> list[dict[str, object]]:
    _token, plain = create_token(actor=world.actor(persona), name="notes")
    response = Client().get(
        f"/api/v1/cases/{world.case.pk}/notes", headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_lead_agency_reads_every_kind(world: World) -> None:
    _write_all(world)
    page = _page(world, "sam")
    assert all(text in page for text in TEXT.values())
    assert {note["category"] for note in _api(world, "sam")} == set(TEXT)


def test_a_partner_reads_only_what_a_release_covers(world: World) -> None:
    _write_all(world)
    page = _page(world, "drew")
    assert not any(text in page for text in TEXT.values())
    _release(world, {"mental_health", "care_plan"})
    page = _page(world, "drew")
    shown = {category for category, text in TEXT.items() if text in page}
    assert shown == {"mental_health", "care_plan"}
    assert {note["category"] for note in _api(world, "drew")} == {"mental_health", "care_plan"}


def test_a_partner_always_reads_its_own_notes_and_the_lead_reads_them_too(world: World) -> None:
    write_note(
        actor=world.actor("drew"), case=world.case, category="mental_health", body="Drew's note."
    )
    assert "Drew&#x27;s note." in _page(world, "drew")
    assert "Drew&#x27;s note." in _page(world, "casey")


def test_the_role_ceiling_holds_inside_a_release(world: World) -> None:
    _write_all(world)
    _release(world, {"legal", "mental_health"})
    # Drew is a clinician: legal and court data is outside the role, released or not.
    page = _page(world, "drew")
    assert TEXT["mental_health"] in page
    assert TEXT["legal"] not in page


def test_a_mentor_writes_only_plan_and_court_notes(world: World) -> None:
    mentor = add_person(
        world, "mia", "lead", Role.SURVIVOR_MENTOR, on_team_as=CareTeamRole.SURVIVOR_MENTOR
    )
    _write_all(world)
    page = _page(world, "mia")
    assert {c for c, text in TEXT.items() if text in page} == {"care_plan", "legal"}
    assert 'value="health"' not in page
    assert 'value="care_plan"' in page
    client = world.client_for("mia")
    refused = client.post(
        f"/cases/{world.case.pk}/notes/", {"category": "health", "body": "Clinic visit."}
    )
    assert refused.status_code == 422  # not a choice offered to her
    assert "Clinic visit." in refused.content.decode()
    assert not CaseNote.objects.filter(written_by=mentor).exists()


def test_substance_use_notes_disclosed_to_a_partner_carry_the_notice(world: World) -> None:
    _write_all(world)
    assert NOTICE not in _page(world, "casey")  # the lead reads its own record
    assert all(note["redisclosure_notice"] is None for note in _api(world, "casey"))
    _release(world, {"substance_use", "mental_health"})
    page = _page(world, "drew")
    assert TEXT["substance_use"] in page
    assert NOTICE in page
    notes = {note["category"]: note for note in _api(world, "drew")}
    assert str(notes["substance_use"]["redisclosure_notice"]).startswith(NOTICE)
    assert notes["mental_health"]["redisclosure_notice"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "This field is required"), ("x" * 4001, "at most 4000 characters")],
)
def test_bad_input_keeps_what_was_typed(world: World, body: str, message: str) -> None:
    response = world.client_for("casey").post(
        f"/cases/{world.case.pk}/notes/", {"category": "health", "body": body}
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert message in text
    if body.strip():
        assert body[:200] in text
    assert not CaseNote.objects.exists()


def test_api_refuses_bad_input_and_unknown_kinds(world: World) -> None:
    _token, plain = create_token(actor=world.actor("casey"), name="notes")
    url = f"/api/v1/cases/{world.case.pk}/notes"
    auth = {"Authorization": f"Bearer {plain}"}
    for payload in (
        {"category": "identity", "body": "x"},
        {"category": "health", "body": ""},
        {"category": "health", "body": "   "},
        {"category": "health"},
    ):
        response = Client().post(url, payload, content_type="application/json", headers=auth)
        assert response.status_code == 422, payload
    assert not CaseNote.objects.exists()


def test_no_notes_on_a_closed_case(world: World) -> None:
    change_case_status(
        actor=world.actor("casey"),
        case=world.case,
        status="closed",
        closure_reason="goals_met",
        expected_version=world.case.version,
    )
    client = world.client_for("casey")
    page = client.get(f"/cases/{world.case.pk}/notes/").content.decode()
    assert "Save note" not in page
    response = client.post(f"/cases/{world.case.pk}/notes/", {"category": "notes", "body": "Hi"})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["quinn", "cole", "jordan", "avery", "morgan"])
def test_people_off_the_case_cannot_read_or_write(world: World, persona: str) -> None:
    _write_all(world)
    client = world.client_for(persona)
    assert client.get(f"/cases/{world.case.pk}/notes/").status_code == 404
    posted = client.post(f"/cases/{world.case.pk}/notes/", {"category": "notes", "body": "x"})
    assert posted.status_code == 404
    assert CaseNote.objects.count() == len(TEXT)


def test_break_glass_reads_but_never_writes(world: World) -> None:
    _write_all(world)
    open_emergency_access(
        actor=world.actor("quinn"),
        case_reference=world.case.reference,
        reason="She called from the bus station and we need her safety plan now.",
    )
    client = world.client_for("quinn")
    assert TEXT["notes"] in client.get(f"/cases/{world.case.pk}/notes/").content.decode()
    response = client.post(f"/cases/{world.case.pk}/notes/", {"category": "notes", "body": "x"})
    assert response.status_code == 403
    read = AuditEntry.objects.filter(action=AuditAction.CASE_VIEWED, username="quinn").last()
    assert read is not None
    assert read.detail["emergency"] is True


def test_writing_and_reading_are_audited_without_the_text(world: World) -> None:
    response = world.client_for("casey").post(
        f"/cases/{world.case.pk}/notes/", {"category": "health", "body": TEXT["health"]}
    )
    assert response.status_code == 302
    written = AuditEntry.objects.get(action=AuditAction.NOTE_WRITTEN)
    assert written.detail == {"category": "health"}
    _page(world, "casey")
    read = AuditEntry.objects.filter(action=AuditAction.CASE_VIEWED).last()
    assert read is not None
    assert read.detail == {"part": "notes", "categories": ["health"]}
    every = json.dumps(
        list(AuditEntry.objects.values("detail", "object_type", "object_id")), default=str
    )
    assert "Inhaler" not in every


def test_the_text_is_sealed_at_rest(world: World) -> None:
    _write_all(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM cases_casenote")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == len(TEXT)
    assert all(value.startswith("v1:") for value in stored)
    assert not any("Inhaler" in value for value in stored)


def test_the_notes_page_costs_the_same_for_few_and_many_notes(world: World) -> None:
    client = world.client_for("casey")
    url = f"/cases/{world.case.pk}/notes/"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _write_all(world)
    few = count()
    for _n in range(5):
        _write_all(world)
    assert count() == few


def test_leading_a_later_case_does_not_open_the_earlier_leads_notes(world: World) -> None:
    """Harbor, on the team of Lead's case with no release, opens its own case once Lead's
    has closed: it leads care now, but Lead's notes still need a release."""
    _write_all(world)
    change_case_status(
        actor=world.actor("casey"),
        case=world.case,
        status="closed",
        closure_reason="goals_met",
        expected_version=world.case.version,
    )
    add_person(world, "pat", "partner", Role.SUPERVISOR)
    from continuum.cases.actions import open_case

    open_case(actor=world.actor("pat"), survivor=world.survivor, report_received_on=None)
    page = _page(world, "pat")
    assert not any(text in page for text in TEXT.values())
    assert _api(world, "pat") == []
