"""The directory inside Continuum: browsing and one service for every staff member, and "Our
listing" for agency admins (organization, services, terms, capacity, "Still true",
locations).

Harbor Counseling (the world's partner agency) keeps a listing: Ada is its agency admin; its
safe house is a confidential location whose address only Harbor's people may ever see. Otis
is the agency admin of another agency. Synthetic data only.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from continuum.access import policy
from continuum.accounts.models import Role
from continuum.audit.models import AuditAction, AuditEntry
from continuum.core.models import EditConflict
from continuum.directory import actions, match_index, queries, taxonomy
from continuum.directory.actions import (
    AddressDetails,
    ListingRuleBroken,
    LocationDetails,
    OrganizationDetails,
    ServiceDetails,
)
from continuum.directory.models import (
    Location,
    Organization,
    Service,
    ServiceCapacity,
    ServiceStatus,
    TaxonomyTerm,
)
from tests.directory.factories import (
    make_capacity,
    make_language,
    make_location,
    make_organization,
    make_phone,
    make_schedule,
    make_service,
    make_service_at_location,
    tag,
)
from tests.personas import World, add_person

pytestmark = pytest.mark.django_db

SECRET_STREET = "12 Hidden Palm Lane"
SECRET_NAME = "Palm House"
SECRET_PHONE = "352-555-0142"
OFFICE_STREET = "400 Main Street"


# --- the world ----------------------------------------------------------------------------


def oe_term(code: str) -> TaxonomyTerm:
    """The Open Eligibility service term `code` (the migration loads them; made if not)."""
    term = taxonomy.term(code)
    row, _created = TaxonomyTerm.objects.get_or_create(
        pk=taxonomy.term_id(code),
        defaults={
            "code": code,
            "name": term.name,
            "description": term.name,
            "taxonomy": taxonomy.VOCABULARY,
        },
    )
    return row


def ada(world: World) -> str:
    """Ada, the agency admin of Harbor Counseling (the partner agency)."""
    if "ada" not in world.users:
        add_person(world, "ada", "partner", Role.AGENCY_ADMIN)
        world.users["ada"].email = "ada.personal@example.org"
        world.users["ada"].save()
    return "ada"


def otis(world: World) -> str:
    """Otis, the agency admin of the other agency."""
    if "otis" not in world.users:
        add_person(world, "otis", "other", Role.AGENCY_ADMIN)
    return "otis"


def shelter_details(**overrides: Any) -> ServiceDetails:
    values: dict[str, Any] = {
        "name": "Harbor Safe House",
        "description": "Emergency beds for girls, with staff day and night.",
        "status": ServiceStatus.ACTIVE,
        "minimum_age": 12,
        "maximum_age": 17,
        "eligibility_description": "Girls who have experienced exploitation.",
        "application_process": "Call the intake line, any hour.",
        "fees_description": "Free.",
        "languages": ("en", "es"),
    }
    values.update(overrides)
    return ServiceDetails(**values)


@dataclass
class Listing:
    organization: Organization
    shelter: Service
    house: Location
    office: Location


def harbor(world: World) -> Listing:
    """Ada puts Harbor in the directory: a safe house service (12 to 17, English and
    Spanish, emergency shelter, 3 beds of 8) at a confidential house and an office."""
    if "listing" in world.extra:
        found = world.extra["listing"]
        assert isinstance(found, Listing)
        return found
    actor = world.actor(ada(world))
    organization = actions.create_organization(
        actor=actor,
        details=OrganizationDetails(
            name="Harbor Counseling",
            description="Shelter and counselling for young people.",
            email="intake@harbor.example.org",
        ),
    )
    shelter = actions.create_service(
        actor=actor, details=shelter_details(), terms=[oe_term("1121")]
    )
    house = actions.create_location(
        actor=actor,
        details=LocationDetails(
            name=SECRET_NAME,
            description="Knock at the side door.",
            confidential=True,
            latitude=29.6516,
            longitude=-82.3248,
            address=AddressDetails(SECRET_STREET, "", "Gainesville", "FL", "32601"),
            service_ids=(shelter.pk,),
        ),
    )
    make_phone(location=house, service=shelter, number=SECRET_PHONE)
    office = actions.create_location(
        actor=actor,
        details=LocationDetails(
            name="Harbor office",
            description="",
            confidential=False,
            latitude=None,
            longitude=None,
            address=AddressDetails(OFFICE_STREET, "Suite 2", "Gainesville", "FL", "32601"),
            service_ids=(shelter.pk,),
        ),
    )
    actions.set_capacity(
        actor=actor, service=shelter, unit="beds", available=3, maximum=8, expected_version=0
    )
    ServiceCapacity.objects.filter(service=shelter).update(
        updated=timezone.now() - datetime.timedelta(days=2, hours=1)
    )
    match_index.refresh([shelter.pk])  # an UPDATE sends no signal (as the demo does)
    shelter.refresh_from_db()
    listing = Listing(organization, shelter, house, office)
    world.extra["listing"] = listing
    return listing


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


# --- what a listing says ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "said"),
    [
        (None, None, "any age"),
        (0, None, "any age"),
        (None, 17, "up to 17"),
        (0, 17, "up to 17"),
        (18, None, "18 and older"),
        (12, 17, "12 to 17"),
        (16, 16, "age 16 only"),
    ],
)
def test_ages_served_in_words(low: float | None, high: float | None, said: str) -> None:
    assert queries.ages_served(Service(minimum_age=low, maximum_age=high)) == said


def test_stale_is_older_than_the_setting_or_never(settings: Any) -> None:
    today = datetime.date(2026, 6, 30)
    settings.CONTINUUM_DIRECTORY_STALE_DAYS = 180
    never = Service(assured_date=None)
    on_the_day = Service(assured_date=today - datetime.timedelta(days=180))
    a_day_late = Service(assured_date=today - datetime.timedelta(days=181))
    assert queries.is_stale(never, today)
    assert not queries.is_stale(on_the_day, today)
    assert queries.is_stale(a_day_late, today)
    assert queries.checked_label(never, today) == "Stale — never checked"
    assert queries.checked_label(a_day_late, today) == "Stale — not checked since December 31, 2025"
    assert queries.checked_label(on_the_day, today) == "Checked January 1, 2026"
    settings.CONTINUUM_DIRECTORY_STALE_DAYS = 30  # read when asked, not at import
    assert queries.is_stale(on_the_day, today)


def test_capacity_in_words_zero_is_a_figure() -> None:
    now = timezone.now()
    service = make_service()
    full = make_capacity(service=service, available=0, maximum=4, updated=now)
    assert queries.capacity_label(full, now) == "0 beds available of 4, updated just now"
    one = make_capacity(
        service=make_service(), available=1, updated=now - datetime.timedelta(hours=3)
    )
    assert queries.capacity_label(one, now) == "1 bed available, updated 3 hours ago"


# --- browsing -----------------------------------------------------------------------------


def test_every_staff_member_browses_the_directory(world: World) -> None:
    listing = harbor(world)
    for persona in ("quinn", "avery", "jordan", "drew"):
        body = page(world.client_for(persona), reverse("directory:browse"))
        assert "Harbor Safe House" in body
        assert "Harbor Counseling" in body
        assert "12 to 17" in body
        assert "English (en)" in body
        assert "Spanish (es)" in body
        assert "Emergency Shelter" in body
        assert "3 beds available of 8, updated 2 days ago" in body
        assert f"Checked {timezone.localdate():%B} {timezone.localdate().day}" in body
        assert SECRET_STREET not in body
    assert listing.shelter.assured_date == timezone.localdate()


def test_unknown_capacity_is_not_zero_and_stale_is_marked(world: World) -> None:
    make_service(name="Drop-in centre", assured_date=None)
    full = make_service(
        name="Full shelter", assured_date=timezone.localdate() - datetime.timedelta(days=400)
    )
    make_capacity(service=full, available=0, maximum=6)
    body = page(world.client_for("casey"), reverse("directory:browse"))
    drop_in = body[body.index("Drop-in centre") : body.index("Full shelter")]
    assert "capacity not reported" in drop_in
    assert "Stale — never checked" in drop_in
    full_part = body[body.index("Full shelter") :]
    assert "0 beds available of 6" in full_part
    assert "capacity not reported" not in full_part
    assert "Stale — not checked since" in full_part


def test_search_by_name_or_description(world: World) -> None:
    harbor(world)
    make_service(name="Legal help for youth", description="Immigration lawyers.")
    client = world.client_for("casey")
    body = page(client, reverse("directory:browse") + "?q=lawyers")
    assert "Legal help for youth" in body
    assert "Harbor Safe House" not in body
    assert "1 service" in body
    none = page(client, reverse("directory:browse") + "?q=zzzz")
    assert "No service matches" in none


def test_defunct_services_are_not_listed(world: World) -> None:
    make_service(name="Closed programme", status=ServiceStatus.DEFUNCT)
    body = page(world.client_for("casey"), reverse("directory:browse"))
    assert "Closed programme" not in body


def test_the_directory_is_paged_and_a_bad_page_is_not_an_error(world: World) -> None:
    for n in range(30):
        make_service(name=f"Service {n:02d}")
    client = world.client_for("casey")
    first = page(client, reverse("directory:browse"))
    assert "Service 00" in first
    assert "Service 24" in first
    assert "Service 25" not in first
    assert "Page 1 of 2" in first
    second = page(client, reverse("directory:browse") + "?page=2")
    assert "Service 29" in second
    assert "Service 00" not in second
    assert "Page 1 of 2" in page(client, reverse("directory:browse") + "?page=abc")
    assert "Page 2 of 2" in page(client, reverse("directory:browse") + "?page=999999")
    long = page(client, reverse("directory:browse") + "?q=" + "x" * 5000)
    assert "30 services" in long  # a search too long to be one is ignored, not a 500


def _busy_services(count: int) -> None:
    """Services each with languages, a term, a capacity figure and a location."""
    term = oe_term("1121")
    for n in range(count):
        service = make_service(name=f"Busy {uuid.uuid4().hex[:6]} {n}")
        make_language(service=service, code="es")
        make_language(service=service, code="ht", name="Haitian Creole")
        tag(service, term)
        make_capacity(service=service, available=n % 3, maximum=5)
        make_service_at_location(service=service)


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "?q=busy"])
def test_browsing_costs_the_same_for_5_and_25_services(world: World, query: str) -> None:
    client = world.client_for("casey")
    url = reverse("directory:browse") + query
    _busy_services(5)
    small = _count(client, url)
    _busy_services(20)
    large = _count(client, url)
    assert small == large
    assert page(client, url).count("Haitian Creole (ht)") == 25


def test_a_service_page_costs_the_same_for_1_and_10_locations(world: World) -> None:
    listing = harbor(world)
    client = world.client_for("quinn")
    url = reverse("directory:service", args=[listing.shelter.pk])
    small = _count(client, url)
    for _n in range(10):
        location = make_location(organization=listing.organization, postal_code="32601")
        make_phone(location=location)
        make_schedule(location=location)
        make_service_at_location(service=listing.shelter, location=location)
    assert _count(client, url) == small


# --- one service, and confidential locations -----------------------------------------------


def test_a_service_page_shows_everything(world: World) -> None:
    listing = harbor(world)
    make_schedule(service=listing.shelter, description="Intake line")
    from continuum.directory.models import RequiredDocument

    RequiredDocument.objects.create(service=listing.shelter, document="Photo ID if any")
    body = page(world.client_for("quinn"), reverse("directory:service", args=[listing.shelter.pk]))
    for said in (
        "Harbor Safe House",
        "Girls who have experienced exploitation.",
        "Call the intake line, any hour.",
        "Free.",
        "Photo ID if any",
        "09:00 to 17:00",
        "3 beds available of 8",
        "12 to 17",
        OFFICE_STREET,
        "Harbor office",
    ):
        assert said in body, said


def test_another_agency_never_sees_a_confidential_address(world: World) -> None:
    listing = harbor(world)
    url = reverse("directory:service", args=[listing.shelter.pk])
    for persona in ("quinn", "casey", "morgan", "avery"):
        body = page(world.client_for(persona), url)
        assert "Confidential location — the address is shared only with its own agency" in body
        for secret in (SECRET_STREET, SECRET_NAME, SECRET_PHONE, "29.6516", "side door"):
            assert secret not in body, (persona, secret)
        assert OFFICE_STREET in body  # the office is public


CONTACT_PHONE = "352-555-0199"
STRAY_PHONE = "352-555-0188"


def test_a_phone_reached_through_a_contact_at_a_safe_house_stays_with_it(world: World) -> None:
    """A phone tied to the safe house through a contact there (HSDS contacts are kept as
    OtherRecords, a phone names its contact by id), or pinned to a confidential location the
    service is not linked to, is hidden like the house's own: it used to be listed among the
    service's phones for every agency."""
    listing = harbor(world)
    phones_tied_to_safe_houses(listing)
    url = reverse("directory:service", args=[listing.shelter.pk])
    for persona in ("quinn", "casey"):
        body = page(world.client_for(persona), url)
        for secret in (CONTACT_PHONE, STRAY_PHONE):
            assert secret not in body, (persona, secret)
            assert secret not in {p.number for p in _phones(world, persona, listing)}
    for persona in (ada(world), "drew"):  # Harbor's own people see their own phones
        assert {CONTACT_PHONE, STRAY_PHONE} <= {p.number for p in _phones(world, persona, listing)}
        assert CONTACT_PHONE in page(world.client_for(persona), url)


def phones_tied_to_safe_houses(listing: Listing) -> None:
    """The night staff's phone, through a contact at the safe house; and a phone pinned to
    another confidential house of Harbor's that the service is not linked to."""
    from continuum.directory.models import OtherRecord

    contact = OtherRecord.objects.create(
        table="contact",
        parent_link="location_id",
        parent_id=listing.house.pk,
        data={"id": str(uuid.uuid4()), "location_id": str(listing.house.pk), "name": "Night staff"},
    )
    make_phone(service=listing.shelter, contact_id=contact.pk, number=CONTACT_PHONE)
    other_house = make_location(organization=listing.organization, confidential=True)
    make_phone(service=listing.shelter, location=other_house, number=STRAY_PHONE)


def _phones(world: World, persona: str, listing: Listing) -> list[Any]:
    return queries.service_detail(world.actor(persona), listing.shelter.pk).phones


def test_the_agency_that_keeps_it_sees_its_own_safe_house(world: World) -> None:
    listing = harbor(world)
    url = reverse("directory:service", args=[listing.shelter.pk])
    for persona in (ada(world), "drew"):  # Harbor's admin and its clinician
        body = page(world.client_for(persona), url)
        assert SECRET_STREET in body
        assert SECRET_NAME in body
        assert "Confidential location — the address is shared only" not in body


def test_a_missing_or_malformed_service_is_404(world: World) -> None:
    client = world.client_for("casey")
    page(client, reverse("directory:service", args=[uuid.uuid4()]), 404)
    assert client.get("/directory/services/not-a-uuid/").status_code == 404
    assert client.get("/directory/services/123/").status_code == 404


# --- our listing: who ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["casey", "sam", "drew", "avery"])
def test_only_agency_admins_keep_a_listing(world: World, persona: str) -> None:
    listing = harbor(world)
    client = world.client_for(persona)
    assert client.get(reverse("directory:ours")).status_code == 403
    assert client.get(reverse("directory:add_service")).status_code == 403
    url = reverse("directory:capacity", args=[listing.shelter.pk])
    response = client.post(url, {"available": 0, "unit": "beds", "version": 1})
    assert response.status_code == 403
    assert ServiceCapacity.objects.get(service=listing.shelter).available == 3


def test_another_agencys_admin_cannot_reach_our_listing(world: World) -> None:
    listing = harbor(world)
    client = world.client_for(otis(world))
    actions.create_organization(
        actor=world.actor("otis"),
        details=OrganizationDetails(name="Other County Kids", description="Case management."),
    )
    pk = listing.shelter.pk
    assert client.get(reverse("directory:edit_service", args=[pk])).status_code == 404
    assert (
        client.post(reverse("directory:still_true", args=[pk]), {"version": 1}).status_code == 404
    )
    capacity = client.post(
        reverse("directory:capacity", args=[pk]),
        {"available": 0, "maximum": 8, "unit": "beds", "version": 1},
    )
    assert capacity.status_code == 404
    edit = reverse("directory:edit_location", args=[listing.house.pk])
    assert client.get(edit).status_code == 404
    assert ServiceCapacity.objects.get(service=listing.shelter).available == 3
    with pytest.raises(policy.Forbidden):
        actions.mark_still_true(
            actor=world.actor("otis"), service=listing.shelter, expected_version=1
        )


def test_an_admin_whose_agency_is_not_listed_is_asked_to_add_it(world: World) -> None:
    client = world.client_for(ada(world))
    body = page(client, reverse("directory:ours"))
    assert "Add your agency to the directory" in body
    assert client.get(reverse("directory:add_service")).status_code == 404
    refused = client.post(reverse("directory:organization"), {"name": "Harbor Counseling"})
    assert refused.status_code == 422
    assert "Say in a sentence what the organization does." in refused.content.decode()
    assert 'value="Harbor Counseling"' in refused.content.decode()
    added = client.post(
        reverse("directory:organization"),
        {"name": "Harbor Counseling", "description": "Shelter and counselling."},
    )
    assert added.status_code == 302
    organization = Organization.objects.get(agency=world.agencies["partner"])
    assert organization.name == "Harbor Counseling"
    with pytest.raises(ListingRuleBroken):
        actions.create_organization(
            actor=world.actor("ada"),
            details=OrganizationDetails(name="Again", description="Twice."),
        )


# --- services -----------------------------------------------------------------------------


def _service_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Harbor Counselling",
        "description": "Weekly trauma-focused therapy.",
        "status": "active",
        "minimum_age": "10",
        "maximum_age": "21",
        "eligibility_description": "Young people who experienced exploitation.",
        "languages": ["en", "ht"],
        "other_languages": "tl, ko",
        "application_process": "Referral from a case manager.",
        "fees_description": "Free.",
    }
    data.update(overrides)
    return data


def test_an_admin_adds_a_service(world: World) -> None:
    harbor(world)
    client = world.client_for("ada")
    response = client.post(reverse("directory:add_service"), _service_post())
    assert response.status_code == 302
    service = Service.objects.get(name="Harbor Counselling")
    assert response["Location"] == reverse("directory:service_terms", args=[service.pk])
    assert service.minimum_age == 10
    assert service.maximum_age == 21
    assert sorted(lang.code for lang in service.languages.all()) == ["en", "ht", "ko", "tl"]
    assert service.assured_date == timezone.localdate()
    # The organization's shared address, never Ada's own.
    assert service.assurer_email == "intake@harbor.example.org"
    entry = AuditEntry.objects.filter(object_id=str(service.pk)).get()
    assert entry.action == AuditAction.LISTING_CHANGED
    assert "Weekly" not in json.dumps(entry.detail)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"minimum_age": "18", "maximum_age": "12"}, "cannot be less than the youngest"),
        ({"maximum_age": "5000"}, "can be at most 120"),
        ({"minimum_age": "-3"}, "cannot be less than 0"),
        ({"minimum_age": "twelve"}, "Enter a whole number"),
        ({"name": ""}, "Give the service a name."),
        ({"status": "gone"}, "Choose a status from the list."),
        ({"other_languages": "tagalog!"}, "is not a language code"),
        ({"description": "x" * 5000}, "at most 4000 characters"),
    ],
)
def test_bad_service_input_is_explained_and_kept(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    harbor(world)
    response = world.client_for("ada").post(
        reverse("directory:add_service"), _service_post(**overrides)
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "Weekly trauma-focused therapy." in body or "x" * 100 in body
    assert not Service.objects.filter(name="Harbor Counselling").exists()


def test_editing_a_service_on_top_of_someone_elses_is_a_409_keeping_both(world: World) -> None:
    listing = harbor(world)
    client = world.client_for("ada")
    url = reverse("directory:edit_service", args=[listing.shelter.pk])
    assert "Harbor Safe House" in page(client, url)
    loaded = listing.shelter.version
    actions.change_service(  # someone else saves first
        actor=world.actor("ada"),
        service=Service.objects.get(pk=listing.shelter.pk),
        details=shelter_details(name="Harbor Safe House (girls)"),
        expected_version=loaded,
    )
    response = client.post(
        url,
        _service_post(name="Harbor Safe Home", minimum_age="11", maximum_age="17", version=loaded),
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this while you were editing it" in body
    assert 'value="Harbor Safe Home"' in body  # what was typed
    assert "Harbor Safe House (girls)" in body  # what they saved
    assert Service.objects.get(pk=listing.shelter.pk).name == "Harbor Safe House (girls)"
    again = client.post(url, _service_post(name="Harbor Safe Home", version=loaded + 1))
    assert again.status_code == 302
    assert Service.objects.get(pk=listing.shelter.pk).name == "Harbor Safe Home"


def test_a_forged_version_is_refused_not_a_server_error(world: World) -> None:
    listing = harbor(world)
    url = reverse("directory:edit_service", args=[listing.shelter.pk])
    response = world.client_for("ada").post(url, _service_post(version=str(10**30)))
    assert response.status_code == 422


def test_editing_marks_it_checked_and_says_what_changed(world: World) -> None:
    listing = harbor(world)
    Service.objects.filter(pk=listing.shelter.pk).update(assured_date=None)
    service = Service.objects.get(pk=listing.shelter.pk)
    actions.change_service(
        actor=world.actor("ada"),
        service=service,
        details=shelter_details(maximum_age=None, languages=("es",)),
        expected_version=service.version,
    )
    service.refresh_from_db()
    assert service.assured_date == timezone.localdate()
    assert service.maximum_age is None
    entry = AuditEntry.objects.filter(object_id=str(service.pk)).last()
    assert entry is not None
    assert entry.detail == {"change": "service_changed", "fields": ["languages", "maximum_age"]}


def test_a_language_imported_without_a_code_survives_an_edit(world: World) -> None:
    listing = harbor(world)
    make_language(service=listing.shelter, code="", name="Mixteco")
    service = Service.objects.get(pk=listing.shelter.pk)
    actions.change_service(
        actor=world.actor("ada"),
        service=service,
        details=shelter_details(languages=("en",)),
        expected_version=service.version,
    )
    kept = sorted((lang.code, lang.name) for lang in service.languages.all())
    assert kept == [("", "Mixteco"), ("en", "English")]


# --- terms --------------------------------------------------------------------------------


def test_tagging_a_service_with_open_eligibility_terms(world: World) -> None:
    listing = harbor(world)
    counseling = oe_term("1103")
    client = world.client_for("ada")
    url = reverse("directory:service_terms", args=[listing.shelter.pk])
    found = page(client, f"{url}?q={counseling.name.split()[0]}")
    assert counseling.name in found
    version = Service.objects.get(pk=listing.shelter.pk).version
    added = client.post(url, {"term": counseling.pk, "change": "add", "version": version})
    assert added.status_code == 302
    codes = {t.code for t in queries.terms_of([listing.shelter.pk])[listing.shelter.pk]}
    assert codes == {"1121", counseling.code}
    stale = client.post(url, {"term": counseling.pk, "change": "remove", "version": version})
    assert stale.status_code == 409
    assert "Someone else changed this service" in stale.content.decode()
    removed = client.post(url, {"term": counseling.pk, "change": "remove", "version": version + 1})
    assert removed.status_code == 302
    codes = {t.code for t in queries.terms_of([listing.shelter.pk])[listing.shelter.pk]}
    assert codes == {"1121"}


def test_only_service_terms_can_be_chosen(world: World) -> None:
    listing = harbor(world)
    client = world.client_for("ada")
    url = reverse("directory:service_terms", args=[listing.shelter.pk])
    version = Service.objects.get(pk=listing.shelter.pk).version
    situation = next(t for t in taxonomy.open_eligibility_terms() if t.tree == "situation")
    situation_row, _new = TaxonomyTerm.objects.get_or_create(
        pk=taxonomy.term_id(situation.code),
        defaults={"code": situation.code, "name": situation.name, "description": "-"},
    )
    for term in (uuid.uuid4(), situation_row.pk, "not-a-uuid"):
        response = client.post(url, {"term": term, "change": "add", "version": version})
        assert response.status_code == 422
        assert "Choose a term from the list." in response.content.decode()


# --- capacity -----------------------------------------------------------------------------


def test_capacity_is_one_step_from_the_listing(world: World) -> None:
    listing = harbor(world)
    client = world.client_for("ada")
    body = page(client, reverse("directory:ours"))
    assert reverse("directory:capacity", args=[listing.shelter.pk]) in body
    figure = ServiceCapacity.objects.get(service=listing.shelter)
    response = client.post(
        reverse("directory:capacity", args=[listing.shelter.pk]),
        {"available": "0", "maximum": "8", "unit": "beds", "version": figure.version},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:ours")
    figure.refresh_from_db()
    assert figure.available == 0
    assert timezone.now() - figure.updated < datetime.timedelta(minutes=1)
    entry = AuditEntry.objects.filter(object_id=str(figure.pk)).last()
    assert entry is not None
    assert entry.action == AuditAction.CAPACITY_UPDATED
    assert "0 beds available of 8, updated just now" in page(client, reverse("directory:ours"))


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"available": "-1", "maximum": "8"}, "cannot be less than 0"),
        ({"available": "9", "maximum": "8"}, "The maximum cannot be less than what is available"),
        ({"available": "99999999999999999999"}, "can be at most 100000"),
        ({"available": "three"}, "Enter a whole number"),
        ({"available": "2", "unit": "rooms"}, "Choose beds, places or appointments."),
        ({"available": ""}, "Enter a number."),
    ],
)
def test_bad_capacity_is_refused_with_a_reason(
    world: World, posted: dict[str, str], message: str
) -> None:
    listing = harbor(world)
    figure = ServiceCapacity.objects.get(service=listing.shelter)
    data = {"unit": "beds", "version": str(figure.version), **posted}
    response = world.client_for("ada").post(
        reverse("directory:capacity", args=[listing.shelter.pk]), data
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    if posted.get("available") not in ("", None):
        assert f'value="{posted["available"]}"' in body
    figure.refresh_from_db()
    assert figure.available == 3


def test_capacity_saved_by_someone_else_meanwhile_is_a_409(world: World) -> None:
    listing = harbor(world)
    figure = ServiceCapacity.objects.get(service=listing.shelter)
    loaded = figure.version
    actions.set_capacity(
        actor=world.actor("ada"),
        service=listing.shelter,
        unit="beds",
        available=1,
        maximum=8,
        expected_version=loaded,
    )
    response = world.client_for("ada").post(
        reverse("directory:capacity", args=[listing.shelter.pk]),
        {"available": "5", "maximum": "8", "unit": "beds", "version": loaded},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "it now says 1 bed available of 8" in body
    assert 'value="5"' in body
    assert ServiceCapacity.objects.get(service=listing.shelter).available == 1
    with pytest.raises(EditConflict):  # a first figure someone else added meanwhile
        actions.set_capacity(
            actor=world.actor("ada"),
            service=listing.shelter,
            unit="beds",
            available=2,
            maximum=None,
            expected_version=0,
        )


def test_capacity_in_another_unit(world: World) -> None:
    listing = harbor(world)
    client = world.client_for("ada")
    url = reverse("directory:capacity", args=[listing.shelter.pk])
    assert "Report in another unit" in page(client, url)
    added = client.post(url, {"available": "4", "unit": "appointments", "version": "0"})
    assert added.status_code == 302
    body = page(client, reverse("directory:browse"))
    assert "4 appointments available, updated just now" in body
    assert "3 beds available of 8" in body


def test_a_figure_imported_in_another_unit_is_shown_not_overwritten(world: World) -> None:
    harbor(world)
    counselling = actions.create_service(
        actor=world.actor("ada"), details=shelter_details(name="Harbor Counselling")
    )
    imported = make_capacity(service=counselling, available=2)  # its unit is named "Bed"
    client = world.client_for("ada")
    body = page(client, reverse("directory:ours"))
    form = body[body.index("Room now at Harbor Counselling") :]
    assert 'name="version" value="0"' in form[:600]
    response = client.post(
        reverse("directory:capacity", args=[counselling.pk]),
        {"available": "1", "maximum": "4", "unit": "beds", "version": "0"},
    )
    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.available == 2
    labels = queries.summarise([Service.objects.get(pk=counselling.pk)])[0].capacity_labels
    assert any(label.startswith("1 bed available of 4") for label in labels)


def test_action_rules_hold_without_the_form(world: World) -> None:
    listing = harbor(world)
    actor = world.actor("ada")
    for available, maximum in ((-1, None), (5, 4), (10**9, None)):
        with pytest.raises(ListingRuleBroken):
            actions.set_capacity(
                actor=actor,
                service=listing.shelter,
                unit="beds",
                available=available,
                maximum=maximum,
                expected_version=1,
            )
    with pytest.raises(ListingRuleBroken):
        actions.create_service(actor=actor, details=shelter_details(minimum_age=18, maximum_age=3))
    with pytest.raises(policy.Forbidden):
        actions.create_service(actor=world.actor("casey"), details=shelter_details())


# --- still true ---------------------------------------------------------------------------


def test_still_true_ends_staleness(world: World) -> None:
    listing = harbor(world)
    long_ago = timezone.localdate() - datetime.timedelta(days=365)
    Service.objects.filter(pk=listing.shelter.pk).update(assured_date=long_ago, assurer_email="")
    client = world.client_for("ada")
    assert "Stale — not checked since" in page(client, reverse("directory:ours"))
    version = Service.objects.get(pk=listing.shelter.pk).version
    response = client.post(
        reverse("directory:still_true", args=[listing.shelter.pk]), {"version": version}
    )
    assert response.status_code == 302
    service = Service.objects.get(pk=listing.shelter.pk)
    assert service.assured_date == timezone.localdate()
    assert service.assurer_email == "intake@harbor.example.org"
    assert "Stale —" not in page(world.client_for("quinn"), reverse("directory:browse"))
    entry = AuditEntry.objects.filter(object_id=str(service.pk)).last()
    assert entry is not None
    assert entry.action == AuditAction.LISTING_VERIFIED
    assert entry.user_id == world.users["ada"].pk


def test_still_true_on_a_listing_changed_since_is_refused(world: World) -> None:
    listing = harbor(world)
    Service.objects.filter(pk=listing.shelter.pk).update(assured_date=None)
    stale_version = Service.objects.get(pk=listing.shelter.pk).version
    actions.set_service_terms(
        actor=world.actor("ada"),
        service=Service.objects.get(pk=listing.shelter.pk),
        terms=[],
        expected_version=stale_version,
    )
    client = world.client_for("ada")
    url = reverse("directory:still_true", args=[listing.shelter.pk])
    response = client.post(url, {"version": stale_version})
    assert response.status_code == 409
    assert "changed since you opened this page" in response.content.decode()
    assert Service.objects.get(pk=listing.shelter.pk).assured_date is None
    assert client.post(url, {"version": "nonsense"}).status_code == 422
    assert client.get(url).status_code == 405


# --- locations ----------------------------------------------------------------------------


def _location_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Second house",
        "confidential": "on",
        "address_1": "7 Quiet Court",
        "city": "Ocala",
        "state_province": "FL",
        "postal_code": "34470",
        "country": "US",
        "latitude": "29.18",
        "longitude": "-82.14",
    }
    data.update(overrides)
    return data


def test_a_new_location_is_confidential_unless_unticked(world: World) -> None:
    listing = harbor(world)
    client = world.client_for("ada")
    form = page(client, reverse("directory:add_location"))
    checkbox = re.search(r'<input[^>]*name="confidential"[^>]*>', form)
    assert checkbox is not None
    assert " checked" in checkbox.group(0)
    response = client.post(
        reverse("directory:add_location"), _location_post(services=[str(listing.shelter.pk)])
    )
    assert response.status_code == 302
    added = Location.objects.get(name="Second house")
    assert added.confidential
    assert added.organization == listing.organization
    assert queries.first_address(added) is not None
    assert queries.linked_service_ids(added) == {listing.shelter.pk}
    body = page(world.client_for("quinn"), reverse("directory:service", args=[listing.shelter.pk]))
    assert "7 Quiet Court" not in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"city": ""}, "Enter this too, or leave the whole address empty."),
        ({"longitude": ""}, "Give both the latitude and the longitude, or neither."),
        ({"latitude": "123"}, "A latitude is between -90 and 90."),
        ({"latitude": "1e400"}, "Enter a number"),
        ({"name": ""}, "Give the location a name staff will recognise."),
        ({"services": [str(uuid.uuid4())]}, "Choose your agency"),
    ],
)
def test_bad_location_input_is_explained(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    harbor(world)
    response = world.client_for("ada").post(
        reverse("directory:add_location"), _location_post(**overrides)
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "7 Quiet Court" in body or overrides.get("address_1") == ""
    assert not Location.objects.filter(name="Second house").exists()


def test_another_agencys_service_cannot_be_placed_at_our_location(world: World) -> None:
    listing = harbor(world)
    elsewhere = make_service(organization=make_organization(name="Elsewhere"))
    with pytest.raises(ListingRuleBroken):
        actions.change_location(
            actor=world.actor("ada"),
            location=listing.office,
            details=LocationDetails(
                name="Harbor office",
                description="",
                confidential=False,
                latitude=None,
                longitude=None,
                address=None,
                service_ids=(elsewhere.pk,),
            ),
            expected_version=listing.office.version,
        )
    assert queries.linked_service_ids(listing.office) == {listing.shelter.pk}


def test_editing_a_location_on_top_of_someone_elses_is_a_409(world: World) -> None:
    listing = harbor(world)
    client = world.client_for("ada")
    url = reverse("directory:edit_location", args=[listing.office.pk])
    assert OFFICE_STREET in page(client, url)
    loaded = listing.office.version
    response = client.post(url, _location_post(name="Harbor front office", version=loaded))
    assert response.status_code == 302
    stale = client.post(url, _location_post(name="Harbor back office", version=loaded))
    assert stale.status_code == 409
    body = stale.content.decode()
    assert 'value="Harbor back office"' in body
    assert "Harbor front office" in body
    office = Location.objects.get(pk=listing.office.pk)
    assert office.name == "Harbor front office"
    assert office.confidential  # the posted form ticked it
    assert queries.first_address(office).address_1 == "7 Quiet Court"  # type: ignore[union-attr]
    assert queries.linked_service_ids(office) == set()  # no service ticked


def test_a_malformed_id_under_our_listing_is_404(world: World) -> None:
    harbor(world)
    client = world.client_for("ada")
    for path in (
        "/directory/ours/services/nope/",
        f"/directory/ours/services/{uuid.uuid4()}/",
        f"/directory/ours/services/{uuid.uuid4()}/capacity/",
        f"/directory/ours/locations/{uuid.uuid4()}/",
        "/directory/ours/locations/1/",
    ):
        assert client.get(path).status_code == 404, path


def test_every_write_is_audited_without_what_was_typed(world: World) -> None:
    before = AuditEntry.objects.count()
    harbor(world)
    entries = list(AuditEntry.objects.order_by("sequence")[before:])
    kinds = [e.action for e in entries]
    assert kinds.count(AuditAction.LISTING_CHANGED) == 4  # organization, service, 2 locations
    assert kinds.count(AuditAction.CAPACITY_UPDATED) == 1
    written = json.dumps([e.detail for e in entries])
    for typed in (SECRET_STREET, SECRET_NAME, "Gainesville", "Emergency beds", "intake@"):
        assert typed not in written
    assert all(e.user_id == world.users["ada"].pk for e in entries)
