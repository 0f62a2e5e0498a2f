"""The public HSDS API (continuum.directory.hsds_api) against the standard's OpenAPI document.

The list of parameters is read from openapi.json itself: a parameter the standard documents
and this file does not exercise fails `test_every_documented_parameter_works`. Every
response body is validated against the HSDS schemas (continuum.directory.hsds). And a safe
house never shows, whichever way it is asked for.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from continuum.directory import hsds_api, models
from continuum.directory.hsds import SCHEMA_DIR, validate, validate_page
from tests.directory.factories import (
    days_ago,
    make_address,
    make_location,
    make_organization,
    make_phone,
    make_service,
    make_service_area,
    make_service_at_location,
    make_taxonomy,
    make_term,
    tag,
)

pytestmark = pytest.mark.django_db

OPENAPI: dict[str, Any] = json.loads((SCHEMA_DIR / "openapi.json").read_bytes())
# The list paths and the HSDS record type of their items.
KINDS = {
    "/services": "service",
    "/organizations": "organization",
    "/service_at_locations": "service_at_location",
    "/taxonomies": "taxonomy",
    "/taxonomy_terms": "taxonomy_term",
}
MIAMI_33101 = (25.7791, -80.1978)  # the zipcodes package's centroid of 33101


def documented(path: str) -> list[str]:
    """The query parameters openapi.json documents for GET `path` (refs resolved)."""
    item = OPENAPI["paths"][path]
    names = []
    for parameter in [*item.get("parameters", []), *item["get"].get("parameters", [])]:
        if "$ref" in parameter:
            parameter = OPENAPI["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query":
            names.append(parameter["name"])
    return names


DOCUMENTED = [(path, name) for path in OPENAPI["paths"] for name in documented(path)]


# --- calling the API ------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any
    response: Any


def call(client: Client, path: str, method: str = "get", **params: Any) -> Answer:
    url = "/hsds" + path + ("?" + urlencode(params) if params else "")
    response = getattr(client, method)(url)
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
        body: Any = [json.loads(line) for line in raw.decode().splitlines()]
        assert raw.endswith(b"\n") or not raw
    elif response.content:
        body = json.loads(response.content)
    else:
        body = None
    return Answer(response.status_code, body, response)


def check_service_at_location(doc: dict[str, Any]) -> None:
    assert validate("service_at_location", doc) == []
    # The standard's examples nest the service, which its schema does not declare.
    if "service" in doc:
        assert validate("service", doc["service"]) == []


def check_organization(doc: dict[str, Any]) -> None:
    assert validate("organization", doc) == []
    for service in doc.get("services", []):
        assert validate("service", service) == []


def check_minimal(doc: dict[str, Any]) -> None:
    assert set(doc) <= {"id", "last_modified"}
    assert "id" in doc
    assert validate("service", {**doc, "name": "n", "status": "active"}) == []


def check_item(kind: str, doc: dict[str, Any]) -> None:
    if kind == "service_at_location":
        check_service_at_location(doc)
    elif kind == "organization":
        check_organization(doc)
    else:
        assert validate(kind, doc) == []


def page(client: Client, path: str, **params: Any) -> dict[str, Any]:
    """A 200 list page that validates, items and all."""
    answer = call(client, path, **params)
    assert answer.status == 200, answer.body
    assert answer.response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = answer.body
    if params.get("minimal") == "true":
        # Minimal items are not whole records: the envelope, then each item.
        assert validate_page(KINDS[path], {**body, "contents": []}) == []
        for item in body["contents"]:
            check_minimal(item)
    else:
        assert validate_page(KINDS[path], body) == []
        for item in body["contents"]:
            check_item(KINDS[path], item)
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["contents"]]


def one(client: Client, path: str, **params: Any) -> dict[str, Any]:
    answer = call(client, path, **params)
    assert answer.status == 200, answer.body
    result: dict[str, Any] = answer.body
    return result


# --- the directory under test -----------------------------------------------------------------


@dataclass
class Directory:
    taxonomy: models.Taxonomy
    situations: models.Taxonomy
    housing: models.TaxonomyTerm  # top of the tree
    emergency_shelter: models.TaxonomyTerm  # under housing
    survivors: models.TaxonomyTerm  # another taxonomy
    harbor: models.Organization
    beacon: models.Organization
    quiet: models.Organization  # runs only a safe house
    shelter: models.Service
    legal: models.Service
    counseling: models.Service
    safe_home: models.Service  # offered only at a safe house
    miami: models.ServiceAtLocation
    lauderdale: models.ServiceAtLocation
    palm_beach: models.ServiceAtLocation
    hidden: list[models.ServiceAtLocation]  # at safe houses
    secrets: list[str]  # nothing in any response may contain these

    def id(self, name: str) -> str:
        return str(getattr(self, name).id)


@pytest.fixture
def directory(db: None) -> Directory:
    taxonomy = make_taxonomy(name="Test services taxonomy")
    situations = make_taxonomy(name="Test situations taxonomy")
    housing = make_term(taxonomy=taxonomy, name="Test housing", code="TH")
    emergency_shelter = make_term(parent=housing, name="Test emergency shelter", code="TH-1")
    survivors = make_term(taxonomy=situations, name="Test trafficking survivors", code="TS-1")

    harbor = make_organization(name="Harbor Youth Services", description="Runaway youth.")
    beacon = make_organization(name="Beacon Counseling", description="Family therapy.")
    quiet = make_organization(name="Quiet Harbor Homes", description="Placements.")
    tag(beacon, housing)

    shelter = make_service(
        organization=harbor,
        name="Youth Shelter",
        description="Emergency shelter for youth aged 12 to 17.",
        minimum_age=12,
        maximum_age=17,
        last_modified=days_ago(10),
    )
    tag(shelter, emergency_shelter)
    legal = make_service(
        organization=harbor,
        name="Legal Clinic",
        description="Immigration relief for survivors.",
        last_modified=days_ago(2),
    )
    tag(legal, survivors)
    counseling = make_service(organization=beacon, name="Family Counseling", last_modified=None)
    make_service_area(
        service=counseling, name="Miami-Dade ZIP codes", extent="33125, 33126", extent_type="text"
    )
    safe_home = make_service(
        organization=quiet, name="Safe home for girls", last_modified=days_ago(30)
    )

    def place(
        org: models.Organization,
        name: str,
        lat: float,
        lon: float,
        zip_code: str,
        confidential: bool = False,
    ) -> models.Location:
        location = make_location(
            organization=org, name=name, latitude=lat, longitude=lon, confidential=confidential
        )
        make_address(location=location, postal_code=zip_code)
        make_phone(location=location)
        return location

    drop_in = place(harbor, "Harbor Drop-in Center", *MIAMI_33101, "33101-1234")
    north = place(harbor, "Harbor North", 26.1224, -80.1373, "33301")  # 24 miles
    office = place(beacon, "Beacon Office", 26.7153, -80.0534, "33401")  # 65 miles
    miami = make_service_at_location(service=shelter, location=drop_in)
    lauderdale = make_service_at_location(service=legal, location=north)
    palm_beach = make_service_at_location(service=counseling, location=office)

    # The safe houses: right at the 33101 centroid, so any leak through postcode or
    # proximity would show.
    house = make_location(
        organization=harbor,
        name="SECRET Harbor House",
        latitude=25.7792,
        longitude=-80.1979,
        confidential=True,
    )
    house_address = make_address(location=house, address_1="999 Hidden Lane", postal_code="33101")
    house_phone = make_phone(location=house, number="305-555-0199")
    tag(house, emergency_shelter)
    home = make_location(
        organization=quiet,
        name="SECRET Quiet Home",
        latitude=25.78,
        longitude=-80.19,
        confidential=True,
    )
    home_address = make_address(location=home, address_1="1 Unseen Court", postal_code="33101")
    hidden = [
        make_service_at_location(service=shelter, location=house, description="SECRET stay"),
        make_service_at_location(service=safe_home, location=home),
    ]
    area = make_service_area(
        service_at_location=hidden[0], name="Around the house 33101", extent="33101"
    )
    tag(hidden[0], emergency_shelter)
    secrets = [
        "SECRET",
        "Hidden Lane",
        "Unseen Court",
        "305-555-0199",
        "Around the house",
        *(str(row.id) for row in (house, home, house_address, home_address, house_phone, area)),
        *(str(row.id) for row in hidden),
    ]
    return Directory(
        taxonomy=taxonomy,
        situations=situations,
        housing=housing,
        emergency_shelter=emergency_shelter,
        survivors=survivors,
        harbor=harbor,
        beacon=beacon,
        quiet=quiet,
        shelter=shelter,
        legal=legal,
        counseling=counseling,
        safe_home=safe_home,
        miami=miami,
        lauderdale=lauderdale,
        palm_beach=palm_beach,
        hidden=hidden,
        secrets=secrets,
    )


# --- the parameters, from openapi.json ------------------------------------------------------


def test_the_api_reads_exactly_the_documented_parameters() -> None:
    assert set(hsds_api.PARAMETERS) == set(OPENAPI["paths"])
    for path in OPENAPI["paths"]:
        assert sorted(hsds_api.PARAMETERS[path]) == sorted(documented(path)), path


def test_the_standard_documents_what_this_file_expects() -> None:
    # Guard the guard: the reading of openapi.json found the parameters.
    assert ("/services", "minimal") in DOCUMENTED
    assert ("/service_at_locations", "proximity") in DOCUMENTED
    assert ("/organizations/{id}", "full_service") in DOCUMENTED
    assert ("/taxonomy_terms", "top_only") in DOCUMENTED
    assert len(DOCUMENTED) == 41


Case = Callable[[Client, Directory], None]
CASES: dict[tuple[str, str], Case] = {}


def case(path: str, name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[(path, name)] = function
        return function

    return register


@pytest.mark.parametrize(("path", "name"), DOCUMENTED, ids=[f"{p} {n}" for p, n in DOCUMENTED])
def test_every_documented_parameter_works(
    client: Client, directory: Directory, path: str, name: str
) -> None:
    if (path, name) not in CASES:
        pytest.fail(f"openapi.json documents {name} on {path}, and nothing here tests it")
    CASES[(path, name)](client, directory)


def test_no_case_tests_an_undocumented_parameter() -> None:
    assert set(CASES) <= set(DOCUMENTED)


# Parameters that narrow a list to this test's own rows (Open Eligibility is loaded too).
def own_rows(path: str, d: Directory) -> dict[str, str]:
    if path == "/taxonomy_terms":
        return {"taxonomy_id": d.id("taxonomy")}
    return {}


def paging_case(path: str, client: Client, d: Directory) -> None:
    narrow = own_rows(path, d)
    everything = page(client, path, per_page=100, **narrow)
    total = everything["total_items"]
    assert total >= 2
    seen = []
    for number in range(1, total + 1):
        body = page(client, path, page=number, per_page=1, **narrow)
        assert (body["page_number"], body["size"], body["total_pages"]) == (number, 1, total)
        assert body["first_page"] is (number == 1)
        assert body["last_page"] is (number == total)
        seen.extend(ids(body))
    assert seen == ids(everything)  # every record once, in one order
    past = page(client, path, page=total + 1, per_page=1, **narrow)
    assert (past["contents"], past["empty"], past["last_page"]) == ([], True, True)


def per_page_case(path: str, client: Client, d: Directory) -> None:
    narrow = own_rows(path, d)
    total = page(client, path, **narrow)["total_items"]
    body = page(client, path, per_page=2, **narrow)
    assert body["size"] == min(2, total)
    assert body["total_pages"] == math.ceil(total / 2)
    assert page(client, path, per_page=hsds_api.MAX_PER_PAGE, **narrow)["size"] == total


def format_case(path: str, client: Client, d: Directory) -> None:
    narrow = own_rows(path, d)
    listed = page(client, path, per_page=1, **narrow)
    assert page(client, path, format="json", per_page=1, **narrow) == listed
    everything = page(client, path, per_page=100, **narrow)
    # ndjson: all of it, one record per line, no envelope, page and per_page ignored.
    answer = call(client, path, format="ndjson", per_page=1, page=2, **narrow)
    assert answer.status == 200
    assert answer.response["Content-Type"].startswith("application/x-ndjson")
    assert answer.response.streaming
    assert answer.body == everything["contents"]
    for line in answer.body:
        check_item(KINDS[path], line)


for _path in KINDS:
    CASES[(_path, "page")] = functools.partial(paging_case, _path)
    CASES[(_path, "per_page")] = functools.partial(per_page_case, _path)
    CASES[(_path, "format")] = functools.partial(format_case, _path)


# /services


@case("/services", "search")
def _(client: Client, d: Directory) -> None:
    assert ids(page(client, "/services", search="shelt")) == [d.id("shelter")]
    harbor_youth = {d.id("shelter"), d.id("legal")}
    assert set(ids(page(client, "/services", search="harbor youth"))) == harbor_youth
    # Ranked: the name beats the description.
    make_service(name="Bed finder", description="Finds a shelter bed tonight.")
    best = page(client, "/services", search="shelter")
    assert [item["name"] for item in best["contents"]] == ["Youth Shelter", "Bed finder"]
    assert page(client, "/services", search="zzzz")["empty"] is True


@case("/services", "taxonomy_term_id")
def _(client: Client, d: Directory) -> None:
    assert ids(page(client, "/services", taxonomy_term_id=d.id("emergency_shelter"))) == [
        d.id("shelter")
    ]
    assert ids(page(client, "/services", taxonomy_term_id=d.id("survivors"))) == [d.id("legal")]
    # The term itself, not the terms under it.
    assert ids(page(client, "/services", taxonomy_term_id=d.id("housing"))) == []


@case("/services", "taxonomy_id")
def _(client: Client, d: Directory) -> None:
    assert ids(page(client, "/services", taxonomy_id=d.id("taxonomy"))) == [d.id("shelter")]
    assert ids(page(client, "/services", taxonomy_id=d.id("situations"))) == [d.id("legal")]


@case("/services", "organization_id")
def _(client: Client, d: Directory) -> None:
    found = ids(page(client, "/services", organization_id=d.id("harbor")))
    assert found == [d.id("legal"), d.id("shelter")]  # by name
    assert ids(page(client, "/services", organization_id=d.id("quiet"))) == [d.id("safe_home")]


@case("/services", "modified_after")
def _(client: Client, d: Directory) -> None:
    five_days_ago = days_ago(5)
    assert ids(page(client, "/services", modified_after=five_days_ago.isoformat())) == [
        d.id("legal")
    ]
    # A date alone is midnight UTC; a service never modified (counseling) is never "after".
    assert len(ids(page(client, "/services", modified_after="2000-01-01"))) == 3
    # A "+" sent unencoded arrives as a space, and is read as meant.
    plus = five_days_ago.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    raw = Client().get(f"/hsds/services?modified_after={plus}")
    assert raw.status_code == 200
    assert [item["id"] for item in json.loads(raw.content)["contents"]] == [d.id("legal")]


@case("/services", "minimal")
def _(client: Client, d: Directory) -> None:
    body = page(client, "/services", minimal="true")
    by_id = {item["id"]: item for item in body["contents"]}
    assert set(by_id[d.id("shelter")]) == {"id", "last_modified"}
    assert by_id[d.id("counseling")] == {"id": d.id("counseling")}  # never modified
    assert page(client, "/services", minimal="false") == page(client, "/services")
    big = page(client, "/services", minimal="true", per_page=hsds_api.MAX_PER_PAGE_MINIMAL)
    assert big["size"] == body["total_items"]


@case("/services", "full")
def _(client: Client, d: Directory) -> None:
    listed = {item["id"]: item for item in page(client, "/services")["contents"]}
    assert set(listed[d.id("shelter")]) >= {"organization"}
    assert "service_at_locations" not in listed[d.id("shelter")]
    full = {item["id"]: item for item in page(client, "/services", full="true")["contents"]}
    shelter = full[d.id("shelter")]
    assert [s["id"] for s in shelter["service_at_locations"]] == [d.id("miami")]
    assert shelter["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == (
        "33101-1234"
    )
    assert shelter["organization"]["name"] == "Harbor Youth Services"
    assert full[d.id("safe_home")]["service_at_locations"] == []
    assert page(client, "/services", full="false") == page(client, "/services")


# /organizations


@case("/organizations", "search")
def _(client: Client, d: Directory) -> None:
    assert ids(page(client, "/organizations", search="beac")) == [d.id("beacon")]
    assert ids(page(client, "/organizations", search="runaway youth")) == [d.id("harbor")]
    assert ids(page(client, "/organizations", search="clinic")) == []


@case("/organizations", "full_service")
def _(client: Client, d: Directory) -> None:
    plain = {o["id"]: o for o in page(client, "/organizations")["contents"]}
    assert "services" not in plain[d.id("harbor")]
    body = page(client, "/organizations", full_service="true")
    harbor = {o["id"]: o for o in body["contents"]}[d.id("harbor")]
    assert "locations" not in harbor  # the organization itself is not fully nested
    services = {s["id"]: s for s in harbor["services"]}
    assert set(services) == {d.id("shelter"), d.id("legal")}
    shelter = services[d.id("shelter")]
    assert [s["id"] for s in shelter["service_at_locations"]] == [d.id("miami")]
    assert "organization" not in shelter
    assert "organization_id" not in shelter


@case("/organizations", "full")
def _(client: Client, d: Directory) -> None:
    body = page(client, "/organizations", full="true")
    harbor = {o["id"]: o for o in body["contents"]}[d.id("harbor")]
    names = sorted(location["name"] for location in harbor["locations"])
    assert names == ["Harbor Drop-in Center", "Harbor North"]
    # Services listed with their own fields only, unless full_service.
    assert {s["id"] for s in harbor["services"]} == {d.id("shelter"), d.id("legal")}
    assert all("service_at_locations" not in s for s in harbor["services"])
    both = page(client, "/organizations", full="true", full_service="true")
    harbor = {o["id"]: o for o in both["contents"]}[d.id("harbor")]
    assert all("service_at_locations" in s for s in harbor["services"])


@case("/organizations", "taxonomy_term_id")
def _(client: Client, d: Directory) -> None:
    # Tagged itself, or through a service it provides.
    assert ids(page(client, "/organizations", taxonomy_term_id=d.id("housing"))) == [d.id("beacon")]
    assert ids(page(client, "/organizations", taxonomy_term_id=d.id("emergency_shelter"))) == [
        d.id("harbor")
    ]


@case("/organizations", "taxonomy_id")
def _(client: Client, d: Directory) -> None:
    found = ids(page(client, "/organizations", taxonomy_id=d.id("taxonomy")))
    assert found == [d.id("beacon"), d.id("harbor")]
    assert ids(page(client, "/organizations", taxonomy_id=d.id("situations"))) == [d.id("harbor")]


# /organizations/{id}


@case("/organizations/{id}", "full_service")
def _(client: Client, d: Directory) -> None:
    path = f"/organizations/{d.id('harbor')}"
    simple = one(client, path)
    check_organization(simple)
    assert {s["id"] for s in simple["services"]} == {d.id("shelter"), d.id("legal")}
    assert all("service_at_locations" not in s for s in simple["services"])
    assert len(simple["locations"]) == 2
    full = one(client, path, full_service="true")
    check_organization(full)
    shelter = {s["id"]: s for s in full["services"]}[d.id("shelter")]
    assert [s["id"] for s in shelter["service_at_locations"]] == [d.id("miami")]
    assert one(client, path, full_service="false") == simple


# /service_at_locations


@case("/service_at_locations", "search")
def _(client: Client, d: Directory) -> None:
    assert ids(page(client, "/service_at_locations", search="legal")) == [d.id("lauderdale")]
    assert ids(page(client, "/service_at_locations", search="harbor shelt")) == [d.id("miami")]


@case("/service_at_locations", "taxonomy_term_id")
def _(client: Client, d: Directory) -> None:
    found = ids(page(client, "/service_at_locations", taxonomy_term_id=d.id("emergency_shelter")))
    assert found == [d.id("miami")]


@case("/service_at_locations", "taxonomy_id")
def _(client: Client, d: Directory) -> None:
    found = ids(page(client, "/service_at_locations", taxonomy_id=d.id("situations")))
    assert found == [d.id("lauderdale")]


@case("/service_at_locations", "organization_id")
def _(client: Client, d: Directory) -> None:
    found = ids(page(client, "/service_at_locations", organization_id=d.id("beacon")))
    assert found == [d.id("palm_beach")]
    assert ids(page(client, "/service_at_locations", organization_id=d.id("quiet"))) == []


@case("/service_at_locations", "modified_after")
def _(client: Client, d: Directory) -> None:
    found = ids(page(client, "/service_at_locations", modified_after=days_ago(5).isoformat()))
    assert found == [d.id("lauderdale")]


@case("/service_at_locations", "full")
def _(client: Client, d: Directory) -> None:
    listed = {s["id"]: s for s in page(client, "/service_at_locations")["contents"]}
    miami = listed[d.id("miami")]
    assert miami["location"]["name"] == "Harbor Drop-in Center"
    assert "addresses" not in miami["location"]
    assert miami["service"]["organization"]["name"] == "Harbor Youth Services"
    full = {s["id"]: s for s in page(client, "/service_at_locations", full="true")["contents"]}
    miami = full[d.id("miami")]
    assert miami["location"]["addresses"][0]["postal_code"] == "33101-1234"
    assert miami["service"]["name"] == "Youth Shelter"
    assert "phones" in miami["service"]["organization"]
    assert "service_at_locations" not in miami["service"]


@case("/service_at_locations", "postcode")
def _(client: Client, d: Directory) -> None:
    def at(zip_code: str) -> list[str]:
        return ids(page(client, "/service_at_locations", postcode=zip_code))

    assert at("33101") == [d.id("miami")]  # its address is 33101-1234
    assert at("33101-9999") == [d.id("miami")]
    assert at("33301") == [d.id("lauderdale")]
    assert at("33125") == [d.id("palm_beach")]  # its service area lists 33125
    assert at("33126") == [d.id("palm_beach")]
    assert at("33102") == []
    # Part of a ZIP is refused, not matched as a prefix.
    assert call(client, "/service_at_locations", postcode="3312").status == 400


@case("/service_at_locations", "proximity")
def _(client: Client, d: Directory) -> None:
    def near(meters: int) -> list[str]:
        return ids(page(client, "/service_at_locations", postcode="33101", proximity=meters))

    assert near(1_000) == [d.id("miami")]
    assert near(50_000) == [d.id("miami"), d.id("lauderdale")]  # nearest first
    assert near(150_000) == [d.id("miami"), d.id("lauderdale"), d.id("palm_beach")]


# /taxonomies


@case("/taxonomies", "search")
def _(client: Client, d: Directory) -> None:
    assert ids(page(client, "/taxonomies", search="test services")) == [d.id("taxonomy")]
    found = ids(page(client, "/taxonomies", search="TEST"))
    assert found == [d.id("taxonomy"), d.id("situations")]


# /taxonomy_terms


@case("/taxonomy_terms", "search")
def _(client: Client, d: Directory) -> None:
    found = ids(page(client, "/taxonomy_terms", search="test emergency"))
    assert found == [d.id("emergency_shelter")]
    assert ids(page(client, "/taxonomy_terms", search="TS-1")) == [d.id("survivors")]  # the code


@case("/taxonomy_terms", "taxonomy_id")
def _(client: Client, d: Directory) -> None:
    found = ids(page(client, "/taxonomy_terms", taxonomy_id=d.id("taxonomy")))
    assert found == [d.id("emergency_shelter"), d.id("housing")]


@case("/taxonomy_terms", "top_only")
def _(client: Client, d: Directory) -> None:
    narrow = {"taxonomy_id": d.id("taxonomy")}
    assert ids(page(client, "/taxonomy_terms", top_only="true", **narrow)) == [d.id("housing")]
    assert len(ids(page(client, "/taxonomy_terms", top_only="false", **narrow))) == 2


@case("/taxonomy_terms", "parent_id")
def _(client: Client, d: Directory) -> None:
    assert ids(page(client, "/taxonomy_terms", parent_id=d.id("housing"))) == [
        d.id("emergency_shelter")
    ]
    assert ids(page(client, "/taxonomy_terms", parent_id=d.id("emergency_shelter"))) == []


# --- the envelope ---------------------------------------------------------------------------


def test_the_page_envelope(client: Client, directory: Directory) -> None:
    first = page(client, "/services", per_page=3)
    assert first == {
        "total_items": 4,
        "total_pages": 2,
        "page_number": 1,
        "size": 3,
        "first_page": True,
        "last_page": False,
        "empty": False,
        "contents": first["contents"],
    }
    second = page(client, "/services", per_page=3, page=2)
    assert (second["size"], second["first_page"], second["last_page"], second["empty"]) == (
        1,
        False,
        True,
        False,
    )
    past = page(client, "/services", per_page=3, page=3)
    assert (past["size"], past["last_page"], past["empty"], past["total_items"]) == (
        0,
        True,
        True,
        4,
    )
    # Every field the standard's Page defines is there, and nothing else but contents.
    fields = set(OPENAPI["components"]["schemas"]["Page"]["properties"])
    assert set(first) == fields | {"contents"}


def test_an_empty_result(client: Client, directory: Directory) -> None:
    body = page(client, "/services", search="nothing-like-this")
    assert body == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }


def test_the_default_and_the_cap(client: Client, db: None) -> None:
    for _n in range(hsds_api.DEFAULT_PER_PAGE + 1):
        models.Taxonomy.objects.create(name=f"Taxonomy {_n:03d}", description="x")
    assert page(client, "/taxonomies")["size"] == hsds_api.DEFAULT_PER_PAGE
    assert call(client, "/taxonomies", per_page=hsds_api.MAX_PER_PAGE + 1).status == 400


# --- every response validates -------------------------------------------------------------------

VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("/services", {}),
    ("/services", {"full": "true"}),
    ("/services", {"minimal": "true"}),
    ("/organizations", {}),
    ("/organizations", {"full": "true"}),
    ("/organizations", {"full_service": "true"}),
    ("/organizations", {"full": "true", "full_service": "true"}),
    ("/service_at_locations", {}),
    ("/service_at_locations", {"full": "true"}),
    ("/service_at_locations", {"postcode": "33101", "proximity": "200000"}),
    ("/taxonomies", {}),
    ("/taxonomy_terms", {}),
]


@pytest.mark.parametrize(("path", "params"), VARIANTS)
def test_every_list_validates(
    client: Client, directory: Directory, path: str, params: dict[str, str]
) -> None:
    body = page(client, path, **params)
    assert body["contents"]


def test_every_record_by_id_validates(client: Client, directory: Directory) -> None:
    d = directory
    for name in ("shelter", "legal", "counseling", "safe_home"):
        doc = one(client, f"/services/{d.id(name)}")
        assert doc["id"] == d.id(name)
        assert validate("service", doc) == []
    for name in ("harbor", "beacon", "quiet"):
        check_organization(one(client, f"/organizations/{d.id(name)}"))
        check_organization(one(client, f"/organizations/{d.id(name)}", full_service="true"))
    for name in ("miami", "lauderdale", "palm_beach"):
        doc = one(client, f"/service_at_locations/{d.id(name)}")
        check_service_at_location(doc)
        assert doc["service"]["organization"]["id"]
    for name in ("taxonomy", "situations"):
        assert validate("taxonomy", one(client, f"/taxonomies/{d.id(name)}")) == []
    for name in ("housing", "emergency_shelter", "survivors"):
        doc = one(client, f"/taxonomy_terms/{d.id(name)}")
        assert validate("taxonomy_term", doc) == []
        assert doc["taxonomy_detail"]["id"] == str(getattr(d, name).taxonomy_detail_id)


def test_a_service_by_id_is_fully_nested(client: Client, directory: Directory) -> None:
    doc = one(client, f"/services/{directory.id('shelter')}")
    assert doc["organization"]["id"] == directory.id("harbor")
    assert [s["id"] for s in doc["service_at_locations"]] == [directory.id("miami")]
    assert doc["attributes"][0]["taxonomy_term"]["id"] == directory.id("emergency_shelter")
    assert (doc["minimum_age"], doc["maximum_age"]) == (12, 17)


def test_the_root_and_the_openapi_document(client: Client) -> None:
    root = one(client, "/")
    assert root["version"] == "3.1"
    schema = OPENAPI["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert set(root) <= set(schema["schema"]["properties"])
    assert root["openapi_url"] == "http://testserver/hsds/openapi.json"
    served = one(client, "/openapi.json")
    assert served["servers"] == [{"url": "http://testserver/hsds"}]
    assert set(served["paths"]) == set(OPENAPI["paths"])
    assert all(set(item) <= {"get", "parameters"} for item in served["paths"].values())
    assert served["components"]["schemas"] == OPENAPI["components"]["schemas"]
    per_page = served["components"]["parameters"]["per_page"]["schema"]
    assert per_page["maximum"] == hsds_api.MAX_PER_PAGE


# --- bad requests -------------------------------------------------------------------------------

BAD: list[tuple[str, dict[str, str], str]] = [
    ("/services", {"page": "abc"}, "page"),
    ("/services", {"page": "0"}, "page"),
    ("/services", {"page": "-1"}, "page"),
    ("/services", {"page": "1.5"}, "page"),
    ("/services", {"page": "9" * 40}, "page"),
    ("/services", {"per_page": "0"}, "per_page"),
    ("/services", {"per_page": "101"}, "per_page"),
    ("/services", {"per_page": "1000000000000"}, "per_page"),
    ("/services", {"per_page": "9" * 5000}, "per_page"),
    ("/services", {"per_page": "ten"}, "per_page"),
    ("/services", {"per_page": "1001", "minimal": "true"}, "per_page"),
    ("/services", {"format": "xml"}, "format"),
    ("/services", {"format": "csv"}, "format"),
    ("/services", {"taxonomy_term_id": "shelter"}, "taxonomy_term_id"),
    ("/services", {"taxonomy_id": "123"}, "taxonomy_id"),
    ("/services", {"organization_id": "not-a-uuid"}, "organization_id"),
    ("/services", {"modified_after": "yesterday"}, "modified_after"),
    ("/services", {"modified_after": "2025-13-01T00:00:00Z"}, "modified_after"),
    ("/services", {"modified_after": "2025-02-30"}, "modified_after"),
    ("/services", {"minimal": "maybe"}, "minimal"),
    ("/services", {"full": "yes"}, "full"),
    ("/services", {"minimal": "true", "full": "true"}, "minimal"),
    ("/services", {"search": "x" * (hsds_api.MAX_SEARCH_LENGTH + 1)}, "search"),
    ("/services", {"search": "shelter\x00"}, "search"),
    ("/organizations", {"full_service": "2"}, "full_service"),
    ("/organizations", {"taxonomy_term_id": "{}"}, "taxonomy_term_id"),
    ("/organizations", {"page": "first"}, "page"),
    ("/service_at_locations", {"proximity": "5000"}, "proximity"),
    ("/service_at_locations", {"postcode": "33101", "proximity": "-5"}, "proximity"),
    ("/service_at_locations", {"postcode": "33101", "proximity": "0"}, "proximity"),
    ("/service_at_locations", {"postcode": "33101", "proximity": "far"}, "proximity"),
    ("/service_at_locations", {"postcode": "33101", "proximity": "nan"}, "proximity"),
    ("/service_at_locations", {"postcode": "33101", "proximity": "inf"}, "proximity"),
    ("/service_at_locations", {"postcode": "ABCDE"}, "postcode"),
    ("/service_at_locations", {"postcode": "3310"}, "postcode"),
    ("/service_at_locations", {"postcode": "SW1A 1AA"}, "postcode"),
    ("/service_at_locations", {"postcode": "00000", "proximity": "1000"}, "postcode"),
    ("/service_at_locations", {"postcode": "xx", "proximity": "1000"}, "postcode"),
    ("/service_at_locations", {"modified_after": "2025-01-01T25:00:00Z"}, "modified_after"),
    ("/taxonomy_terms", {"top_only": "yes"}, "top_only"),
    ("/taxonomy_terms", {"parent_id": "root"}, "parent_id"),
    ("/taxonomy_terms", {"taxonomy_id": "oe"}, "taxonomy_id"),
    ("/taxonomies", {"format": "NDJSON!"}, "format"),
    ("/services/not-a-uuid", {}, "id"),
    ("/organizations/42", {}, "id"),
    ("/organizations/3f7b145d-84af-42d7-8fae-eaca714b02b2", {"full_service": "x"}, "full_service"),
    ("/service_at_locations/x", {}, "id"),
    ("/taxonomies/x", {}, "id"),
    ("/taxonomy_terms/x", {}, "id"),
]


@pytest.mark.parametrize(("path", "params", "parameter"), BAD)
def test_a_bad_parameter_is_a_400_that_names_it(
    client: Client, db: None, path: str, params: dict[str, str], parameter: str
) -> None:
    answer = call(client, path, **params)
    assert answer.status == 400, answer.body
    assert answer.response["Content-Type"].startswith("application/json")
    assert parameter in {error["parameter"] for error in answer.body["errors"]}
    assert parameter in answer.body["detail"]
    assert all(error["reason"] for error in answer.body["errors"])


def test_every_bad_parameter_is_reported_at_once(client: Client, db: None) -> None:
    answer = call(client, "/services", page="x", per_page="0", format="xml", full="y")
    assert answer.status == 400
    assert {e["parameter"] for e in answer.body["errors"]} == {"page", "per_page", "format", "full"}


def test_empty_values_are_left_out_not_refused(client: Client, directory: Directory) -> None:
    assert page(client, "/services", page="", per_page="", search="", full="") == page(
        client, "/services"
    )


def test_undocumented_parameters_are_ignored(client: Client, directory: Directory) -> None:
    assert page(client, "/services", _="1700000000", sort="name") == page(client, "/services")


# --- not found ------------------------------------------------------------------------------

UNKNOWN = "3f7b145d-84af-42d7-8fae-eaca714b02b2"


@pytest.mark.parametrize("path", [p.replace("{id}", UNKNOWN) for p in OPENAPI["paths"] if "{" in p])
def test_an_unknown_id_is_a_404(client: Client, directory: Directory, path: str) -> None:
    answer = call(client, path)
    assert answer.status == 404
    assert answer.body == {"detail": "Not found"}


@pytest.mark.parametrize("path", ["/nothing", "/services/a/b", "/locations", "/metadata"])
def test_an_unknown_path_is_a_json_404(client: Client, db: None, path: str) -> None:
    answer = call(client, path)
    assert answer.status == 404
    assert answer.body == {"detail": "Not found"}


def test_a_trailing_slash_is_accepted(client: Client, directory: Directory) -> None:
    assert call(client, "/services/").body == call(client, "/services").body
    assert call(client, f"/services/{directory.id('legal')}/").status == 200


# --- read-only and public ----------------------------------------------------------------------

ALL_PATHS = [p.replace("{id}", UNKNOWN) for p in OPENAPI["paths"]]


@pytest.mark.parametrize("path", ALL_PATHS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_only_get_and_head(client: Client, db: None, path: str, method: str) -> None:
    # The standard lists POST for the list paths too; this API is read-only.
    answer = call(client, path, method=method)
    assert answer.status == 405
    assert answer.response["Allow"] == "GET, HEAD"
    assert "read-only" in answer.body["detail"]


def test_head_answers_like_get_without_a_body(client: Client, directory: Directory) -> None:
    response = client.head("/hsds/services")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "path", ["/", "/services", "/organizations?full=true", "/service_at_locations", "/nothing"]
)
def test_anyone_may_read_and_no_cookie_is_set(
    client: Client, directory: Directory, path: str
) -> None:
    response = client.get("/hsds" + path)
    assert response.status_code in (200, 404)
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "no-store" in response["Cache-Control"]  # the site's rule, harmless here


def test_a_signed_in_persons_session_does_not_change_the_answer(
    client: Client, directory: Directory, world: Any
) -> None:
    anonymous = Client().get("/hsds/services").content
    signed_in = world.client_for("casey")
    assert signed_in.get("/hsds/services").content == anonymous


# --- confidential locations ---------------------------------------------------------------------


def test_a_safe_house_never_appears(client: Client, directory: Directory) -> None:
    d = directory
    asked = [(path, params) for path, params in VARIANTS] + [
        ("/services", {"format": "ndjson"}),
        ("/services", {"format": "ndjson", "full": "true"}),
        ("/organizations", {"format": "ndjson", "full": "true", "full_service": "true"}),
        ("/service_at_locations", {"format": "ndjson", "full": "true"}),
        ("/service_at_locations", {"postcode": "33101"}),
        ("/service_at_locations", {"postcode": "33101", "proximity": "10"}),
        ("/service_at_locations", {"postcode": "33101", "proximity": "20000000"}),
        ("/service_at_locations", {"taxonomy_term_id": d.id("emergency_shelter"), "full": "true"}),
        ("/service_at_locations", {"organization_id": d.id("quiet")}),
        ("/service_at_locations", {"search": "safe home", "full": "true"}),
        ("/services", {"search": "secret"}),
        ("/services", {"search": "hidden lane"}),
        ("/organizations", {"search": "quiet", "full": "true", "full_service": "true"}),
        ("/taxonomy_terms", {"taxonomy_id": d.id("taxonomy")}),
    ]
    for name in ("shelter", "legal", "counseling", "safe_home"):
        asked.append((f"/services/{d.id(name)}", {}))
    for name in ("harbor", "beacon", "quiet"):
        asked.append((f"/organizations/{d.id(name)}", {"full_service": "true"}))
    for name in ("miami", "lauderdale", "palm_beach"):
        asked.append((f"/service_at_locations/{d.id(name)}", {}))
    for path, params in asked:
        answer = call(client, path, **params)
        assert answer.status == 200, (path, params, answer.body)
        text = json.dumps(answer.body)
        for secret in d.secrets:
            assert secret not in text, (path, params, secret)
    # The services themselves are listed; where they are given is not.
    assert one(client, f"/services/{d.id('safe_home')}")["service_at_locations"] == []
    shelter = one(client, f"/services/{d.id('shelter')}")
    assert [s["id"] for s in shelter["service_at_locations"]] == [d.id("miami")]


def test_a_safe_house_by_id_is_not_found(client: Client, directory: Directory) -> None:
    for hidden in directory.hidden:
        answer = call(client, f"/service_at_locations/{hidden.id}")
        assert answer.status == 404
        assert answer.body == {"detail": "Not found"}


def test_proximity_and_postcode_never_count_a_safe_house(
    client: Client, directory: Directory
) -> None:
    # The drop-in center is at the centroid; one safe house 15 m from it, the other 800 m.
    for meters in ("20", "1000", "5000"):
        near = page(client, "/service_at_locations", postcode="33101", proximity=meters)
        assert ids(near) == [directory.id("miami")]
    assert page(client, "/service_at_locations", postcode="33101")["total_items"] == 1


# --- the cost of a page does not grow with it ----------------------------------------------------


def add_records(count: int, taxonomy: models.Taxonomy, term: models.TaxonomyTerm) -> None:
    for n in range(count):
        organization = make_organization(name=f"Counted organization {n}")
        make_phone(organization=organization)
        service = make_service(organization=organization, name=f"Counted service {n}")
        tag(service, term)
        make_phone(service=service)
        make_service_area(service=service, extent="33101")
        location = make_location(
            organization=organization, latitude=25.78, longitude=-80.2, postal_code="33101"
        )
        make_phone(location=location)
        make_service_at_location(service=service, location=location)
        make_term(taxonomy=taxonomy, name=f"Counted term {n}")
        make_taxonomy(name=f"Counted taxonomy {n}")


COUNTED = [
    "/services",
    "/services?full=true",
    "/services?minimal=true",
    "/services?search=counted",
    "/services?taxonomy_id={taxonomy}",
    "/services?format=ndjson",
    "/services?format=ndjson&full=true",
    "/organizations",
    "/organizations?full=true",
    "/organizations?full_service=true",
    "/organizations?search=counted&full=true&full_service=true",
    "/service_at_locations",
    "/service_at_locations?full=true",
    "/service_at_locations?postcode=33101",
    "/service_at_locations?postcode=33101&proximity=20000&full=true",
    "/service_at_locations?search=counted",
    "/taxonomies",
    "/taxonomy_terms?taxonomy_id={taxonomy}",
]


@pytest.mark.parametrize("url", COUNTED)
def test_queries_do_not_grow_with_the_page(
    client: Client, db: None, django_assert_num_queries: Any, url: str
) -> None:
    taxonomy = make_taxonomy(name="Counted taxonomy")
    term = make_term(taxonomy=taxonomy)
    url = url.format(taxonomy=taxonomy.id)

    def fetch() -> list[Any]:
        # The stream is read inside the count: an ndjson answer queries as it goes.
        answer = call(client, url)
        assert answer.status == 200
        listed: list[Any] = (
            answer.body if isinstance(answer.body, list) else answer.body["contents"]
        )
        return listed

    add_records(2, taxonomy, term)
    with CaptureQueriesContext(connection) as small:
        assert len(fetch()) >= 2
    add_records(8, taxonomy, term)
    with django_assert_num_queries(len(small)):
        assert len(fetch()) >= 10
