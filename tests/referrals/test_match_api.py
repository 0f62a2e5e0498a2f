"""/api/v1/matches (continuum/referrals/match_api.py): the same matching as the pages, with
the same access rules; bad input is a 422, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction, AuditEntry
from continuum.needs.models import Need
from tests.directory.factories import make_address
from tests.needs.helpers import assess
from tests.personas import World
from tests.referrals.helpers import capacity, placement_at, service_at

pytestmark = pytest.mark.django_db

SERVICES = "/api/v1/matches/services"
PLACEMENTS = "/api/v1/matches/placements"
MIAMI = (25.7791, -80.1978)  # ZIP 33101


def north(miles: float) -> tuple[float, float]:
    return (MIAMI[0] + miles / 69.0934, MIAMI[1])


def post(world: World, persona: str, path: str, body: dict[str, Any]) -> Any:
    _token, plain = create_token(actor=world.actor(persona), name="test")
    client = Client(headers={"Authorization": f"Bearer {plain}"})
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def need(world: World) -> Need:
    capacity(service_at("Harbor Youth Shelter", north(4.2)), 2)
    service_at("Old listing shelter", north(10), assured_date=None)
    safe = service_at("Confidential safe house", north(7.2), confidential=True)
    make_address(location=safe.service_at_locations.get().location, address_1="12 Hidden Lane")
    return assess(world, "shelter")


def test_typed_match_ranks_and_explains(world: World, need: Need) -> None:
    response = post(world, "avery", SERVICES, {"domain": "shelter", "zip_code": "33101"})
    assert response.status_code == 200
    body = response.json()
    assert body["place"] == "33101 (Miami, FL)"
    assert body["prefilled"] == []
    results = body["results"]
    first = results[0]
    assert first["service_name"] == "Harbor Youth Shelter"
    assert first["distance_miles"] == 4.2
    assert first["distance"] == "4.2 miles"
    assert first["capacity"] == "2 beds available now, updated today"
    assert first["capacities"][0]["unit"] == "beds"
    assert first["stale"] is False
    assert first["fits"]
    old = next(r for r in results if r["service_name"] == "Old listing shelter")
    assert old["stale"] is True
    assert any("Capacity not reported" in c for c in old["cautions"])
    # A search for no case is audited too, counts only: a run of them is how someone would
    # probe where services are.
    entry = AuditEntry.objects.get(action=AuditAction.REFERRAL_MATCHED)
    assert entry.detail == {"step": "search", "found": len(results)}
    assert entry.case_id is None
    assert entry.survivor_id is None


def test_a_confidential_location_gives_a_band_only(world: World, need: Need) -> None:
    response = post(world, "casey", SERVICES, {"domain": "shelter", "zip_code": "33101"})
    safe = next(r for r in response.json()["results"] if r["confidential_location"])
    assert safe["distance_miles"] is None
    assert safe["distance_band_miles"] == 10
    assert safe["distance"] == "Confidential location: its area is within 10 miles"
    text = response.content.decode()
    assert "Hidden Lane" not in text
    assert "latitude" not in text


def test_for_a_case_need_the_record_fills_in_and_the_match_is_audited(
    world: World, need: Need
) -> None:
    age = world.survivor.age_on(timezone.localdate())
    assert age is not None
    service_at("For older people", north(3), minimum_age=age + 1)
    body = {"case_id": str(world.case.pk), "need_id": str(need.pk), "zip_code": "33101"}
    response = post(world, "casey", SERVICES, body)
    assert response.status_code == 200
    assert response.json()["prefilled"] == ["age", "language"]
    results = response.json()["results"]
    assert "For older people" not in [r["service_name"] for r in results]  # their age was used
    assert "Serves any age" in results[0]["fits"]
    entry = AuditEntry.objects.filter(action=AuditAction.REFERRAL_MATCHED).last()
    assert entry is not None
    assert entry.case_id == world.case.pk
    assert entry.detail["found"] == 3
    assert entry.detail["need"] == str(need.pk)
    assert "domain" not in entry.detail  # a need's kind is sensitive: by id only


def test_what_is_sent_wins_over_the_record(world: World, need: Need) -> None:
    body = {"case_id": str(world.case.pk), "need_id": str(need.pk), "age": 30, "language": "es"}
    response = post(world, "casey", SERVICES, body)
    assert response.json()["prefilled"] == []
    assert any("Spanish" in c for c in response.json()["results"][0]["cautions"])


@pytest.mark.parametrize(
    ("persona", "status"),
    [("sam", 200), ("drew", 403), ("cole", 404), ("quinn", 404), ("avery", 404)],
)
def test_who_may_match_for_a_case(world: World, need: Need, persona: str, status: int) -> None:
    body = {"case_id": str(world.case.pk), "need_id": str(need.pk)}
    response = post(world, persona, SERVICES, body)
    assert response.status_code == status
    assert "Pérez" not in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {"domain": "shelter", "zip_code": "00000"},  # a ZIP nobody has
        {"domain": "shelter", "zip_code": "Miami"},
        {"domain": "shelter", "radius_miles": 0},
        {"domain": "shelter", "radius_miles": 501},
        {"domain": "shelter", "age": -1},
        {"domain": "shelter", "age": 121},
        {"domain": "shelter", "age": "sixteen"},
        {"domain": "a-need-that-is-not-one"},
        {"domain": "shelter", "gender": "unknown"},
        {"domain": "shelter", "language": "klingon"},
        {"domain": "shelter", "preferences": ["99999"]},
        {"domain": "shelter", "limit": 0},
        {"domain": "shelter", "surprise": True},  # a misspelt field is an error
        {"need_id": "00000000-0000-0000-0000-000000000000"},  # a need without its case
        {"domain": "shelter", "radius_miles": "NaN"},
    ],
)
def test_bad_input_is_a_422(world: World, need: Need, body: dict[str, Any]) -> None:
    assert post(world, "casey", SERVICES, body).status_code == 422


def test_an_unknown_zip_says_what_to_send(world: World) -> None:
    response = post(world, "casey", SERVICES, {"zip_code": "00000"})
    assert "We do not know the ZIP code" in response.json()["detail"]


# --- placements --------------------------------------------------------------------------------


@pytest.fixture
def homes(world: World) -> None:
    far = placement_at("Far safe house", north(95), terms=("20076",))
    make_address(location=far.service_at_locations.get().location, address_1="4 Quiet Road")
    placement_at("Too near", north(20))
    placement_at("Farther foster home", north(210), kind="certified-safe-foster-home")


def test_placements_far_from_the_area_to_avoid(world: World, homes: None) -> None:
    body = {"case_id": str(world.case.pk), "away_from_zip": "33101", "min_distance_miles": 50}
    response = post(world, "casey", PLACEMENTS, body)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["service_name"] for r in results] == ["Farther foster home", "Far safe house"]
    assert results[1]["distance"] == "At least 75 miles from the area to avoid"
    assert results[1]["away_band_miles"] == 75
    assert results[0]["certifications"] == ["Certified safe foster home"]
    assert response.json()["prefilled"] == ["age", "language"]
    text = response.content.decode()
    assert "Quiet Road" not in text
    assert "latitude" not in text
    assert "distance_miles" not in text


def test_placement_needs_and_certifications(world: World, homes: None) -> None:
    body = {"needs": ["parenting"], "certifications": ["certified-safe-house"]}
    response = post(world, "sam", PLACEMENTS, body)
    assert [r["service_name"] for r in response.json()["results"]] == ["Far safe house"]


@pytest.mark.parametrize(
    ("persona", "typed", "for_case"),
    [("casey", 200, 200), ("quinn", 200, 404), ("drew", 403, 403), ("jordan", 403, 403)],
)
def test_who_may_match_placements(
    world: World, homes: None, persona: str, typed: int, for_case: int
) -> None:
    assert post(world, persona, PLACEMENTS, {}).status_code == typed
    assert post(world, persona, PLACEMENTS, {"case_id": str(world.case.pk)}).status_code == (
        for_case
    )


@pytest.mark.parametrize(
    "body",
    [
        {"away_from_zip": "12"},
        {"min_distance_miles": -1},
        {"min_distance_miles": 501},
        {"beds": 0},
        {"certifications": ["a-hotel"]},
        {"needs": ["a-pony"]},
    ],
)
def test_bad_placement_input_is_a_422(world: World, body: dict[str, Any]) -> None:
    assert post(world, "casey", PLACEMENTS, body).status_code == 422


def test_the_api_costs_the_same_for_3_and_15_results(world: World, need: Need) -> None:
    def cost() -> int:
        _token, plain = create_token(actor=world.actor("casey"), name="count")
        client = Client(headers={"Authorization": f"Bearer {plain}"})
        body = json.dumps({"domain": "shelter", "zip_code": "33101"})
        with CaptureQueriesContext(connection) as queries:
            client.post(SERVICES, body, content_type="application/json")
        return len(queries)

    small = cost()
    for n in range(12):
        capacity(service_at(f"Shelter {n}", north(n + 1)), 1)
    assert cost() == small
