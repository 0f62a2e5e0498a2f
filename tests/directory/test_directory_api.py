"""/api/v1/directory: finding services and reading one (any staff token), and an agency
admin keeping their listing: organization, services (409 on a stale version), capacity,
"still true", locations. Response bodies never carry a confidential location's whereabouts
to another agency. Synthetic data only."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from continuum.api.tokens import create_token
from continuum.directory.models import Location, Organization, Service, ServiceCapacity
from tests.directory.factories import make_capacity, make_service
from tests.directory.test_listings import (
    CONTACT_PHONE,
    OFFICE_STREET,
    SECRET_NAME,
    SECRET_PHONE,
    SECRET_STREET,
    STRAY_PHONE,
    ada,
    harbor,
    oe_term,
    otis,
    phones_tied_to_safe_houses,
)
from tests.personas import World

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/directory"


class Api:
    def __init__(self, world: World, username: str | None) -> None:
        headers = {}
        if username is not None:
            _token, plain = create_token(actor=world.actor(username), name="test")
            headers = {"Authorization": f"Bearer {plain}"}
        self.client = Client(headers=headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{PREFIX}{path}", params)

    def send(self, method: str, path: str, body: Any = None) -> Any:
        call = getattr(self.client, method)
        return call(f"{PREFIX}{path}", json.dumps(body), content_type="application/json")


def _secrets_absent(text: str) -> None:
    for secret in (SECRET_STREET, SECRET_NAME, SECRET_PHONE, "29.6516", "-82.3248", "side door"):
        assert secret not in text, secret


# --- reading ------------------------------------------------------------------------------


def test_any_staff_token_finds_services_with_capacity_and_staleness(world: World) -> None:
    listing = harbor(world)
    never = make_service(name="Drop-in centre", assured_date=None)
    full = make_service(name="Full shelter", assured_date=timezone.localdate())
    make_capacity(service=full, available=0, maximum=6)
    response = Api(world, "avery").get("/services")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    items = {item["name"]: item for item in body["items"]}
    shelter = items["Harbor Safe House"]
    assert shelter["id"] == str(listing.shelter.pk)
    assert shelter["organization"]["name"] == "Harbor Counseling"
    assert shelter["ages"] == "12 to 17"
    assert (shelter["minimum_age"], shelter["maximum_age"]) == (12, 17)
    assert [lang["code"] for lang in shelter["languages"]] == ["en", "es"]
    assert [term["code"] for term in shelter["terms"]] == ["1121"]
    assert shelter["capacity_reported"] is True
    assert shelter["capacities"][0]["available"] == 3
    assert shelter["capacities"][0]["maximum"] == 8
    assert shelter["capacities"][0]["text"] == "3 beds available of 8, updated 2 days ago"
    assert shelter["stale"] is False
    assert items["Drop-in centre"]["stale"] is True
    assert items["Drop-in centre"]["checked"] == "Stale — never checked"
    assert items["Drop-in centre"]["capacity_reported"] is False
    assert items["Drop-in centre"]["capacities"] == []
    assert items["Full shelter"]["capacity_reported"] is True  # 0 is known, not unknown
    assert items["Full shelter"]["capacities"][0]["available"] == 0
    assert items["Drop-in centre"]["ages"] == "any age"
    assert never.pk != full.pk
    _secrets_absent(response.content.decode())


def test_search_and_paging(world: World) -> None:
    for n in range(7):
        make_service(name=f"Tutoring {n}", description="Homework help.")
    make_service(name="Legal clinic", description="Immigration lawyers.")
    api = Api(world, "casey")
    found = api.get("/services", q="lawyers").json()
    assert [item["name"] for item in found["items"]] == ["Legal clinic"]
    first = api.get("/services", limit=5, offset=0).json()
    second = api.get("/services", limit=5, offset=5).json()
    assert first["count"] == second["count"] == 8
    assert len(first["items"]) == 5
    assert len(second["items"]) == 3
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert api.get("/services", limit=0).status_code == 422
    assert api.get("/services", limit=1000).status_code == 422
    assert api.get("/services", offset=-1).status_code == 422
    assert api.get("/services", q="x" * 500).status_code == 422


def test_listing_costs_the_same_for_5_and_25_services(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.directory.test_listings import _busy_services

    api = Api(world, "casey")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/services", limit=100)
        assert response.status_code == 200
        return len(captured)

    count()  # a token's first use is recorded once; not part of the listing's cost
    _busy_services(5)
    small = count()
    _busy_services(20)
    assert count() == small
    assert len(api.get("/services", limit=100).json()["items"]) == 25


def test_another_agency_reads_a_service_without_its_safe_houses_whereabouts(
    world: World,
) -> None:
    listing = harbor(world)
    for persona in ("quinn", "casey", "morgan"):
        response = Api(world, persona).get(f"/services/{listing.shelter.pk}")
        assert response.status_code == 200
        text = response.content.decode()
        _secrets_absent(text)
        body = response.json()
        assert body["kept_by_your_agency"] is False
        hidden = [loc for loc in body["locations"] if loc["confidential"]]
        assert hidden == [
            {
                "id": None,
                "confidential": True,
                "shown": False,
                "name": None,
                "description": None,
                "latitude": None,
                "longitude": None,
                "addresses": [],
                "phones": [],
                "schedules": [],
                "languages": [],
                "version": None,
            }
        ]
        assert str(listing.house.pk) not in text
        assert SECRET_PHONE not in json.dumps(body["phones"])
        office = next(loc for loc in body["locations"] if not loc["confidential"])
        assert office["addresses"][0]["address_1"] == OFFICE_STREET
        assert office["version"] is None  # not theirs to change


def test_phones_tied_to_a_safe_house_through_a_contact_are_not_in_the_api(world: World) -> None:
    listing = harbor(world)
    phones_tied_to_safe_houses(listing)
    for persona in ("quinn", "casey", "morgan"):
        text = Api(world, persona).get(f"/services/{listing.shelter.pk}").content.decode()
        assert CONTACT_PHONE not in text, persona
        assert STRAY_PHONE not in text, persona
    own = Api(world, ada(world)).get(f"/services/{listing.shelter.pk}").json()
    assert {CONTACT_PHONE, STRAY_PHONE} <= {p["number"] for p in own["phones"]}


def test_the_keeping_agency_reads_its_own_safe_house(world: World) -> None:
    listing = harbor(world)
    for persona in (ada(world), "drew"):
        body = Api(world, persona).get(f"/services/{listing.shelter.pk}").json()
        house = next(loc for loc in body["locations"] if loc["confidential"])
        assert house["shown"] is True
        assert house["name"] == SECRET_NAME
        assert house["addresses"][0]["address_1"] == SECRET_STREET
        assert house["latitude"] == 29.6516
        assert house["id"] == str(listing.house.pk)
        assert body["kept_by_your_agency"] is True


def test_missing_and_malformed_ids_are_404_and_no_token_is_401(world: World) -> None:
    api = Api(world, "casey")
    assert api.get(f"/services/{uuid.uuid4()}").status_code == 404
    assert api.get("/services/not-a-uuid").status_code in (404, 422)
    assert Api(world, None).get("/services").status_code == 401


# --- the organization ---------------------------------------------------------------------


def test_an_admin_adds_and_changes_the_organization(world: World) -> None:
    api = Api(world, ada(world))
    assert api.get("/organization").status_code == 404
    refused = api.send("post", "/organization", {"name": "Harbor", "description": ""})
    assert refused.status_code == 422
    added = api.send(
        "post",
        "/organization",
        {"name": "Harbor Counseling", "description": "Shelter.", "email": "intake@h.example"},
    )
    assert added.status_code == 201
    body = added.json()
    assert body["name"] == "Harbor Counseling"
    assert body["services"] == []
    again = api.send("post", "/organization", {"name": "Twice", "description": "Again."})
    assert again.status_code == 422
    assert "already has its organization" in again.json()["detail"]
    changed = api.send(
        "patch", "/organization", {"version": body["version"], "website": "https://h.example"}
    )
    assert changed.status_code == 200
    assert changed.json()["website"] == "https://h.example"
    assert changed.json()["name"] == "Harbor Counseling"
    stale = api.send("patch", "/organization", {"version": body["version"], "name": "Old"})
    assert stale.status_code == 409
    bad_email = api.send(
        "patch", "/organization", {"version": body["version"] + 1, "email": "not an email"}
    )
    assert bad_email.status_code == 422
    assert Organization.objects.get(agency=world.agencies["partner"]).name == "Harbor Counseling"


@pytest.mark.parametrize("persona", ["casey", "sam", "drew", "avery", "morgan"])
def test_only_agency_admins_write(world: World, persona: str) -> None:
    listing = harbor(world)
    api = Api(world, persona)
    pk = listing.shelter.pk
    assert api.get("/organization").status_code == 403
    assert api.send("post", "/services", {"name": "Mine"}).status_code == 403
    assert api.send("patch", f"/services/{pk}", {"version": 1, "name": "X"}).status_code == 403
    capacity = {"unit": "beds", "available": 0, "maximum": 8, "version": 1}
    assert api.send("put", f"/services/{pk}/capacity", capacity).status_code == 403
    assert api.send("post", f"/services/{pk}/still-true", {"version": 1}).status_code == 403
    assert api.send("post", "/locations", {"name": "A house"}).status_code == 403
    location = f"/locations/{listing.house.pk}"
    assert api.send("patch", location, {"version": 1, "name": "X"}).status_code == 403
    assert ServiceCapacity.objects.get(service=listing.shelter).available == 3
    assert Service.objects.get(pk=pk).name == "Harbor Safe House"


def test_another_agencys_admin_cannot_change_our_listing(world: World) -> None:
    listing = harbor(world)
    api = Api(world, otis(world))
    api.send("post", "/organization", {"name": "Other County Kids", "description": "CM."})
    pk = listing.shelter.pk
    response = api.send("patch", f"/services/{pk}", {"version": 1, "name": "Mine now"})
    assert response.status_code == 403
    assert "Only the agency that keeps this listing" in response.json()["detail"]
    capacity = {"unit": "beds", "available": 0, "maximum": 8, "version": 1}
    assert api.send("put", f"/services/{pk}/capacity", capacity).status_code == 403
    assert api.send("post", f"/services/{pk}/still-true", {"version": 1}).status_code == 403
    # A location is reached only through one's own listing: another's does not exist.
    patched = api.send("patch", f"/locations/{listing.house.pk}", {"version": 1, "name": "X"})
    assert patched.status_code == 404
    _secrets_absent(patched.content.decode())
    assert Location.objects.get(pk=listing.house.pk).name == SECRET_NAME


# --- services -----------------------------------------------------------------------------


def test_an_admin_adds_a_service_with_terms_and_languages(world: World) -> None:
    harbor(world)
    api = Api(world, "ada")
    term = oe_term("1103")
    response = api.send(
        "post",
        "/services",
        {
            "name": "Harbor Housing Help",
            "minimum_age": None,
            "maximum_age": 24,
            "languages": ["EN", "ht"],
            "taxonomy_term_ids": [str(term.pk)],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ages"] == "up to 24"
    assert [lang["code"] for lang in body["languages"]] == ["en", "ht"]
    assert [t["code"] for t in body["terms"]] == ["1103"]
    assert body["stale"] is False
    assert body["capacity_reported"] is False
    assert body["version"] == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "X", "minimum_age": 18, "maximum_age": 12},
        {"name": "X", "minimum_age": -1},
        {"name": "X", "maximum_age": 10**12},
        {"name": "X", "minimum_age": 12.5},
        {"name": ""},
        {"name": "X", "status": "gone"},
        {"name": "X", "languages": ["english!"]},
        {"name": "X", "taxonomy_term_ids": [str(uuid.uuid4())]},
        {"name": "X", "colour": "blue"},
    ],
)
def test_bad_service_input_is_a_422(world: World, payload: dict[str, Any]) -> None:
    harbor(world)
    response = Api(world, "ada").send("post", "/services", payload)
    assert response.status_code == 422, payload
    assert not Service.objects.filter(name="X").exists()


def test_a_service_needs_the_organization_first(world: World) -> None:
    response = Api(world, ada(world)).send("post", "/services", {"name": "Early"})
    assert response.status_code == 422
    assert "organization to the directory first" in response.json()["detail"]


def test_changing_a_service_with_its_version(world: World) -> None:
    listing = harbor(world)
    api = Api(world, "ada")
    path = f"/services/{listing.shelter.pk}"
    version = api.get(path).json()["version"]
    changed = api.send(
        "patch", path, {"version": version, "maximum_age": None, "taxonomy_term_ids": []}
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["ages"] == "12 and older"
    assert body["terms"] == []
    assert body["name"] == "Harbor Safe House"  # left out, left as it was
    assert [lang["code"] for lang in body["languages"]] == ["en", "es"]
    assert body["version"] == version + 1
    stale = api.send("patch", path, {"version": version, "name": "Overwritten"})
    assert stale.status_code == 409
    assert "Nothing was saved" in stale.json()["detail"]
    assert api.send("patch", path, {"version": 2**40, "name": "Forged"}).status_code == 422
    assert api.send("patch", path, {"version": "1", "name": "Text"}).status_code == 422
    # The youngest age sent is above the oldest age kept: the action's rule, a 422.
    inverted = api.send("patch", path, {"version": version + 1, "maximum_age": 10})
    assert inverted.status_code == 422
    assert "cannot be more than the oldest" in inverted.json()["detail"]
    assert Service.objects.get(pk=listing.shelter.pk).name == "Harbor Safe House"


def test_capacity_through_the_api(world: World) -> None:
    listing = harbor(world)
    api = Api(world, "ada")
    path = f"/services/{listing.shelter.pk}/capacity"
    figure = ServiceCapacity.objects.get(service=listing.shelter)
    set_ = api.send(
        "put", path, {"unit": "beds", "available": 0, "maximum": 8, "version": figure.version}
    )
    assert set_.status_code == 200
    beds = set_.json()["capacities"][0]
    assert beds["available"] == 0
    assert beds["text"] == "0 beds available of 8, updated just now"
    again = api.send("put", path, {"unit": "beds", "available": 1, "version": figure.version})
    assert again.status_code == 409
    first = api.send("put", path, {"unit": "appointments", "available": 4, "version": None})
    assert first.status_code == 200
    assert {c["unit"] for c in first.json()["capacities"]} == {"beds", "appointments"}
    twice = api.send("put", path, {"unit": "appointments", "available": 5, "version": None})
    assert twice.status_code == 409
    for bad in (
        {"unit": "beds", "available": -1, "version": None},
        {"unit": "beds", "available": 9, "maximum": 8, "version": None},
        {"unit": "beds", "available": 10**15, "version": None},
        {"unit": "rooms", "available": 1, "version": None},
        {"unit": "beds", "available": "3", "version": None},
        {"unit": "beds", "available": 3},
    ):
        assert api.send("put", path, bad).status_code == 422, bad
    assert ServiceCapacity.objects.get(service=listing.shelter, unit__name="beds").available == 0


def test_still_true_through_the_api(world: World) -> None:
    listing = harbor(world)
    Service.objects.filter(pk=listing.shelter.pk).update(
        assured_date=timezone.localdate() - datetime.timedelta(days=400)
    )
    api = Api(world, "ada")
    path = f"/services/{listing.shelter.pk}"
    before = api.get(path).json()
    assert before["stale"] is True
    assert before["checked"].startswith("Stale — not checked since")
    done = api.send("post", f"{path}/still-true", {"version": before["version"]})
    assert done.status_code == 200
    assert done.json()["stale"] is False
    assert done.json()["assured_date"] == str(timezone.localdate())
    stale = api.send("post", f"{path}/still-true", {"version": before["version"]})
    assert stale.status_code == 409


# --- locations ----------------------------------------------------------------------------


def test_locations_through_the_api(world: World) -> None:
    listing = harbor(world)
    api = Api(world, "ada")
    added = api.send(
        "post",
        "/locations",
        {
            "name": "Second house",
            "address": {
                "address_1": "7 Quiet Court",
                "city": "Ocala",
                "state_province": "FL",
                "postal_code": "34470",
            },
            "latitude": 29.18,
            "longitude": -82.14,
            "service_ids": [str(listing.shelter.pk)],
        },
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["confidential"] is True  # unless told otherwise
    assert body["addresses"][0]["country"] == "US"
    other = Api(world, "quinn").get(f"/services/{listing.shelter.pk}").content.decode()
    assert "7 Quiet Court" not in other
    assert "Second house" not in other
    path = f"/locations/{body['id']}"
    changed = api.send(
        "patch", path, {"version": body["version"], "confidential": False, "address": None}
    )
    assert changed.status_code == 200
    assert changed.json()["confidential"] is False
    assert changed.json()["addresses"] == []
    assert changed.json()["latitude"] == 29.18  # left out, left as it was
    stale = api.send("patch", path, {"version": body["version"], "name": "Old"})
    assert stale.status_code == 409
    for bad in (
        {"version": body["version"] + 1, "latitude": 95, "longitude": 0},
        {"version": body["version"] + 1, "latitude": 10},
        {"version": body["version"] + 1, "service_ids": [str(uuid.uuid4())]},
        {"version": body["version"] + 1, "address": {"address_1": "1 A St"}},
        {"version": body["version"] + 1, "confidential": "yes"},
    ):
        assert api.send("patch", path, bad).status_code == 422, bad
    listed = api.get("/organization").json()
    assert {loc["name"] for loc in listed["locations"]} == {
        SECRET_NAME,
        "Harbor office",
        "Second house",
    }
    assert api.send("patch", f"/locations/{uuid.uuid4()}", {"version": 1}).status_code == 404
