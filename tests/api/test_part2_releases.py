"""42 CFR Part 2 consents through the API: the elements in, the elements and notice out."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from continuum.access.part2 import REDISCLOSURE_NOTICE
from continuum.api.tokens import create_token
from continuum.survivors.models import Release
from tests.personas import World

pytestmark = pytest.mark.django_db


def _auth(world: World, persona: str = "casey") -> dict[str, str]:
    _token, plain = create_token(actor=world.actor(persona), name="part 2")
    return {"Authorization": f"Bearer {plain}"}


def _body(world: World, **changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body: dict[str, Any] = {
        "recipient_agency_id": world.agencies["partner"].pk,
        "categories": ["identity", "substance_use"],
        "purpose": "Coordinating counselling with treatment",
        "starts_on": str(today),
        "expires_on": str(today + timedelta(days=120)),
        "survivor_signed_on": str(today),
        "guardian_name": "Rosa Pérez",
        "guardian_relationship": "parent",
        "guardian_signed_on": str(today),
        "part2_discloser_name": "Lead Family Services recovery program",
        "part2_information": "Dates of attendance and progress in outpatient treatment",
        "part2_revocation_explained": True,
        "part2_no_conditioning_explained": True,
        "part2_redisclosure_explained": True,
        **changes,
    }
    return body


def _create(world: World, body: dict[str, Any]) -> Any:
    return Client().post(
        f"/api/v1/survivors/{world.survivor.pk}/releases",
        json.dumps(body),
        content_type="application/json",
        headers=_auth(world),
    )


def test_a_complete_part2_consent_is_recorded_and_returned_with_the_notice(world: World) -> None:
    response = _create(world, _body(world))
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["part2"] is True
    assert out["part2_discloser_name"] == "Lead Family Services recovery program"
    assert out["part2_information"].startswith("Dates of attendance")
    assert out["part2_revocation_explained"] is True
    assert out["part2_no_conditioning_explained"] is True
    assert out["part2_redisclosure_explained"] is True
    assert out["redisclosure_notice"] == str(REDISCLOSURE_NOTICE)
    assert out["signed_form"] is None
    listed = (
        Client().get(f"/api/v1/survivors/{world.survivor.pk}/releases", headers=_auth(world)).json()
    )
    assert listed[0]["redisclosure_notice"] == str(REDISCLOSURE_NOTICE)


def test_an_ordinary_release_carries_no_notice(world: World) -> None:
    response = _create(world, _body(world, categories=["identity"]))
    assert response.status_code == 201
    out = response.json()
    assert out["part2"] is False
    assert out["redisclosure_notice"] is None
    assert out["part2_discloser_name"] == ""
    assert out["part2_revocation_explained"] is False


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"part2_discloser_name": ""}, "Name the program or person"),
        ({"part2_information": ""}, "how much and what kind"),
        ({"expires_on": None}, "cannot be open-ended"),
        ({"given_verbally": True}, "cannot be given verbally"),
        ({"part2_revocation_explained": False}, "take it back at any time"),
        ({"part2_no_conditioning_explained": False}, "do not depend on signing"),
        ({"part2_redisclosure_explained": False}, "no longer be protected"),
    ],
    ids=["discloser", "information", "expiry", "verbal", "revoke", "conditioning", "redisclose"],
)
def test_each_missing_element_is_a_422_with_a_message(
    world: World, changes: dict[str, Any], message: str
) -> None:
    response = _create(world, _body(world, **changes))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "42 CFR Part 2" in detail
    assert message in detail
    assert not Release.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"part2_revocation_explained": "yes"},
        {"part2_redisclosure_explained": 1},
        {"part2_information": "x" * 501},
        {"part2_discloser_name": "x" * 201},
    ],
)
def test_badly_typed_elements_are_refused(world: World, changes: dict[str, Any]) -> None:
    response = _create(world, _body(world, **changes))
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    assert not Release.objects.exists()
