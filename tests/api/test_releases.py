"""Releases through the API: record, list, take back; bad input answered with 422."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from continuum.api.tokens import create_token
from continuum.survivors.models import Release
from tests.personas import World

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str) -> tuple[Client, dict[str, str]]:
    _token, plain = create_token(actor=world.actor(persona), name="releases")
    return Client(), {"Authorization": f"Bearer {plain}"}


def _body(world: World, **changes: Any) -> dict[str, Any]:
    today = str(timezone.localdate())
    return {
        "recipient_agency_id": world.agencies["partner"].pk,
        "categories": ["identity", "contact"],
        "purpose": "Weekly counselling",
        "starts_on": today,
        "ends_on_event": "case_closed",
        "survivor_signed_on": today,
        "guardian_name": "Rosa Pérez",
        "guardian_relationship": "parent",
        "guardian_signed_on": today,
        **changes,
    }


def test_record_list_and_take_back(world: World) -> None:
    client, auth = _client(world, "casey")
    base = f"/api/v1/survivors/{world.survivor.pk}/releases"
    created = client.post(
        base, json.dumps(_body(world)), content_type="application/json", headers=auth
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "in_force"
    listed = client.get(base, headers=auth).json()
    assert [r["id"] for r in listed] == [created.json()["id"]]
    # Drew (the partner's clinician) now sees the name through the API.
    drew, drew_auth = _client(world, "drew")
    person = drew.get(f"/api/v1/survivors/{world.survivor.pk}", headers=drew_auth).json()
    assert person["legal_family_name"] == "Pérez"
    assert "identity" not in person["withheld"]
    revoked = client.post(f"{base}/{created.json()['id']}/revoke", headers=auth)
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    person = drew.get(f"/api/v1/survivors/{world.survivor.pk}", headers=drew_auth).json()
    assert person["legal_family_name"] == ""
    assert person["withheld"] == ["care_plan", "contact", "identity"]
    again = client.post(f"{base}/{created.json()['id']}/revoke", headers=auth)
    assert again.status_code == 422


@pytest.mark.parametrize(
    "changes",
    [
        {"categories": []},
        {"categories": ["telepathy"]},
        {"purpose": ""},
        {"purpose": "x" * 301},
        {"starts_on": "soon"},
        {"survivor_signed_on": "2999-01-01"},
        {"ends_on_event": "", "expires_on": None},
        {"guardian_name": "", "guardian_relationship": ""},
        {"guardian_relationship": "neighbour"},
        {"recipient_agency_id": 999999},
        {"recipient_agency_id": "abc"},
        {"unexpected": 1},
    ],
)
def test_bad_input_is_422_and_records_nothing(world: World, changes: dict[str, Any]) -> None:
    client, auth = _client(world, "casey")
    response = client.post(
        f"/api/v1/survivors/{world.survivor.pk}/releases",
        json.dumps(_body(world, **changes)),
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422, response.content
    assert not Release.objects.exists()


def test_creating_a_survivor_reports_possible_duplicates(world: World) -> None:
    """The web form's duplicate check, in the API: reported, not blocking."""
    from continuum.audit.models import AuditAction, AuditEntry

    body = {"preferred_name": "Ana", "legal_family_name": "PEREZ", "date_of_birth": "2010-03-04"}
    client, auth = _client(world, "casey")
    made = client.post(
        "/api/v1/survivors", json.dumps(body), content_type="application/json", headers=auth
    ).json()
    assert made["possible_duplicates"] == [str(world.survivor.pk)]
    assert made["possible_match_elsewhere"] is False
    quinn, quinn_auth = _client(world, "quinn")  # another agency: may not see Ana
    made = quinn.post(
        "/api/v1/survivors", json.dumps(body), content_type="application/json", headers=quinn_auth
    ).json()
    assert made["possible_duplicates"] == []
    assert made["possible_match_elsewhere"] is True
    assert str(world.survivor.pk) not in json.dumps(made)
    assert AuditEntry.objects.filter(
        action=AuditAction.POSSIBLE_DUPLICATE, survivor_id=world.survivor.pk
    ).exists()
