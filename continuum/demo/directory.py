"""The demo community's resource directory, written as Open Referral HSDS 3.1 documents.

Two sources, as in a real community:
- the member agencies' own listings (Heron Hammock's safe homes, Mangrove's therapy, the
  clinic, legal aid, the mentors, the advocacy center, the schools), each kept by its agency
  in Continuum; the safe homes' locations are confidential;
- listings from the region's 211 (a youth shelter that is full, an adult shelter a minor
  cannot use, a food pantry nobody has checked in a year, a statewide helpline with no
  address, a shelter 400 miles away in Cypress Bend County), kept by no agency.

Everything is synthetic: the organizations and streets are invented, placed in real ZIP
codes of Florida's Treasure Coast (where the fictional Palmetto County sits) so that
distances and ZIP look-ups behave as they would. Ids are UUID v5 from fixed names, the
same on every machine, and dates are relative to the day the demo is loaded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from continuum.access.actor import Actor
from continuum.accounts.models import Agency
from continuum.demo.community import DEMO_NAMESPACE
from continuum.directory import match_index, taxonomy
from continuum.directory.actions import import_directory
from continuum.directory.importer import read_json
from continuum.directory.models import Location, Organization
from continuum.referrals import placements

PALMETTO_ZIPS = "34990 34994 34996 34997 34957 34950 34982 34983 33455"


def demo_id(name: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"directory/{name}"))


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    street: str
    city: str
    postal_code: str
    latitude: float
    longitude: float
    confidential: bool = False


@dataclass(frozen=True)
class Capacity:
    unit: str
    available: int
    maximum: int
    updated_days_ago: int = 0


@dataclass(frozen=True)
class Listing:
    key: str
    name: str
    description: str
    terms: tuple[str, ...]
    place: str | None
    minimum_age: int | None = None
    maximum_age: int | None = None
    languages: tuple[str, ...] = ("en",)
    checked_days_ago: int | None = 10
    capacity: Capacity | None = None
    eligibility: str = ""
    application: str = ""
    required_documents: tuple[str, ...] = ()
    service_area: str = ""
    interpretation: str = ""
    status: str = "active"


@dataclass(frozen=True)
class OrganizationSpec:
    key: str
    name: str
    description: str
    agency_key: str | None  # the member agency that keeps it; None for 211 listings
    phone: str
    places: tuple[Place, ...]
    listings: tuple[Listing, ...] = field(default_factory=tuple)


LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "ht": "Haitian Creole",
    "vi": "Vietnamese",
    "pt": "Portuguese",
}
WOMEN, MEN, TRANSGENDER = "20036", "20037", "20038"
TRAFFICKING, PARENTS, TEENS, LGBTQ, FOSTER = "20084", "20076", "20004", "20078", "20040"
SAFE_HOUSE = "certified-safe-house"

ORGANIZATIONS: tuple[OrganizationSpec, ...] = (
    OrganizationSpec(
        "safehouse",
        "Heron Hammock Safe Homes",
        "Certified safe homes and a drop-in center for young people who have been exploited.",
        "safehouse",
        "772-555-0141",
        (
            Place("hh-girls", "Safe home (girls)", "", "", "34990", 27.151, -80.301, True),
            Place(
                "hh-parenting", "Safe home (young parents)", "", "", "34997", 27.121, -80.212, True
            ),
            Place(
                "hh-dropin",
                "Heron Hammock Drop-in Center",
                "210 Sea Grape Lane",
                "Stuart",
                "34994",
                27.1975,
                -80.2528,
            ),
        ),
        (
            Listing(
                "hh-safe-home-girls",
                "Safe home for girls 12 to 17",
                "A certified safe house: a home with round-the-clock staff, school, therapy and "
                "a survivor-mentor, for girls who have been trafficked or exploited.",
                ("1125", "1151", TRAFFICKING, WOMEN, TEENS, SAFE_HOUSE),
                "hh-girls",
                12,
                17,
                ("en", "es"),
                3,
                Capacity("beds", 2, 8, 1),
                eligibility="Girls 12 to 17 who have been commercially sexually exploited. "
                "Referral from the lead agency or the hotline.",
                application="Call the intake line any time; placement the same day when a bed "
                "is free.",
            ),
            Listing(
                "hh-safe-home-parents",
                "Safe home for young parents and their babies",
                "A certified safe home where a young mother and her child can live together.",
                ("1125", "1151", "1152", TRAFFICKING, PARENTS, WOMEN, SAFE_HOUSE),
                "hh-parenting",
                14,
                21,
                ("en", "es"),
                5,
                Capacity("beds", 0, 4, 2),
                eligibility="Young mothers 14 to 21 with their children.",
            ),
            Listing(
                "hh-drop-in",
                "Youth drop-in center: meals, showers and clothes",
                "Walk in for a hot meal, a shower, clean clothes and someone to talk to.",
                ("1131", "1158", "1162", "1310", TEENS, LGBTQ),
                "hh-dropin",
                12,
                24,
                ("en", "es", "ht"),
                20,
                application="Walk in, Monday to Saturday, 10 am to 6 pm. No ID needed.",
            ),
        ),
    ),
    OrganizationSpec(
        "counseling",
        "Mangrove Counseling Collective",
        "Trauma-focused therapy for children, young people and families.",
        "counseling",
        "772-555-0188",
        (
            Place(
                "mangrove",
                "Mangrove Counseling, Jensen Beach",
                "45 Indian River Court",
                "Jensen Beach",
                "34957",
                27.2545,
                -80.2298,
            ),
        ),
        (
            Listing(
                "mangrove-tfcbt",
                "Trauma-focused therapy for young people (TF-CBT)",
                "Weekly therapy with a counselor trained in trauma-focused cognitive behavioral "
                "therapy, at the office, at school or by video.",
                ("1220", "1226", "1214", TRAFFICKING, TEENS, LGBTQ),
                "mangrove",
                6,
                21,
                ("en", "es", "ht"),
                12,
                Capacity("new client appointments this week", 3, 20, 2),
                application="A referral from the case manager; the first appointment within a "
                "week.",
                required_documents=("Insurance card or Medicaid number, if they have one",),
            ),
            Listing(
                "mangrove-family",
                "Family therapy",
                "Sessions for a young person and the family they live with or are going home to.",
                ("1220", "1304"),
                "mangrove",
                None,
                None,
                ("en",),
                400,
            ),
        ),
    ),
    OrganizationSpec(
        "clinic",
        "Palmetto Community Health Clinic",
        "Primary care, sexual health and dental care on a sliding scale.",
        "clinic",
        "772-555-0102",
        (
            Place(
                "clinic",
                "Palmetto Community Health Clinic",
                "1200 Palm Beach Road",
                "Stuart",
                "34994",
                27.1893,
                -80.2411,
            ),
        ),
        (
            Listing(
                "clinic-youth",
                "Youth health clinic",
                "Check-ups, sexual health, vaccinations and dental referrals for young people, "
                "with or without a parent.",
                ("1206", "1210", "1184", TEENS),
                "clinic",
                None,
                24,
                ("en", "es", "vi"),
                30,
                required_documents=("Photo ID or school ID",),
            ),
        ),
    ),
    OrganizationSpec(
        "legal",
        "Palmetto Youth Legal Aid",
        "Free lawyers for young people.",
        "legal",
        "772-555-0166",
        (
            Place(
                "legal",
                "Palmetto Youth Legal Aid",
                "88 Courthouse Square, Suite 3",
                "Stuart",
                "34994",
                27.1962,
                -80.2559,
            ),
        ),
        (
            Listing(
                "legal-immigration",
                "Immigration help for survivors (T visa, SIJS)",
                "A lawyer for a T visa, Special Immigrant Juvenile Status or other relief.",
                ("1111", "1389", "1381", TRAFFICKING),
                "legal",
                12,
                24,
                ("en", "es", "pt"),
                45,
                Capacity("new clients this month", 1, 6, 3),
            ),
            Listing(
                "legal-vacatur",
                "Clearing records (vacatur and expunction)",
                "Help clearing arrests and records that came from being trafficked.",
                ("1111", "1375", TRAFFICKING),
                "legal",
                14,
                24,
                ("en",),
                300,
            ),
        ),
    ),
    OrganizationSpec(
        "mentors",
        "Sea Grape Survivor-Mentor Network",
        "Mentors with lived experience, for as long as a young person wants one.",
        "mentors",
        "772-555-0123",
        (
            Place(
                "mentors",
                "Sea Grape Mentors",
                "17 Osprey Street",
                "Fort Pierce",
                "34950",
                27.4467,
                -80.3256,
            ),
        ),
        (
            Listing(
                "mentors-match",
                "Survivor-mentoring",
                "A mentor who has lived it: weekly time together, court accompaniment and a "
                "phone that answers.",
                ("1308", "1310", "1303", TRAFFICKING, TEENS),
                "mentors",
                12,
                24,
                ("en", "es"),
                8,
                Capacity("mentor matches", 4, 15, 5),
            ),
            Listing(
                "mentors-jobs",
                "Job readiness with a mentor",
                "A mentor helps with a first resume, practice interviews and the first weeks "
                "at work.",
                ("1357", "1110", TEENS),
                "mentors",
                16,
                24,
                ("en", "es"),
                8,
                Capacity("places", 6, 10, 4),
            ),
        ),
    ),
    OrganizationSpec(
        "cac",
        "Sabal Children's Advocacy Center",
        "Forensic interviews, medical exams and victim advocacy under one roof.",
        "cac",
        "772-555-0177",
        (
            Place(
                "cac",
                "Sabal Children's Advocacy Center",
                "300 Sabal Palm Way",
                "Stuart",
                "34996",
                27.2047,
                -80.2202,
            ),
        ),
        (
            Listing(
                "cac-advocacy",
                "Victim advocacy and court support",
                "An advocate who explains what happens next and goes to court with the child.",
                ("1375", TRAFFICKING),
                "cac",
                None,
                17,
                ("en", "es"),
                25,
            ),
        ),
    ),
    OrganizationSpec(
        "school",
        "Palmetto County School District",
        "Public schools of Palmetto County.",
        "school",
        "772-555-0111",
        (
            Place(
                "school",
                "Student Services Center",
                "500 SE Ocean Boulevard",
                "Stuart",
                "34994",
                27.1921,
                -80.2367,
            ),
        ),
        (
            Listing(
                "school-reenroll",
                "Re-enrolment and credit recovery",
                "Help going back to school, catching up on credits, or a GED path.",
                ("1109", "1332"),
                "school",
                5,
                21,
                ("en", "es", "ht"),
                60,
                required_documents=("Birth certificate", "Proof of address"),
            ),
        ),
    ),
    # The region's 211 listings, kept by no agency in Continuum.
    OrganizationSpec(
        "tidewater",
        "Tidewater Youth Shelter",
        "Emergency shelter for runaway and homeless youth.",
        None,
        "772-555-0190",
        (
            Place(
                "tidewater",
                "Tidewater Youth Shelter",
                "912 Orange Avenue",
                "Fort Pierce",
                "34950",
                27.4489,
                -80.3372,
            ),
        ),
        (
            Listing(
                "tidewater-shelter",
                "Emergency shelter for youth 10 to 17",
                "Up to 21 nights of shelter, meals and family counseling.",
                ("1121", "1135", TEENS),
                "tidewater",
                10,
                17,
                ("en", "es"),
                40,
                Capacity("beds", 0, 12, 1),
            ),
        ),
    ),
    OrganizationSpec(
        "harborlight",
        "Harbor Light Adult Shelter",
        "Emergency shelter for adults.",
        None,
        "772-555-0155",
        (
            Place(
                "harborlight",
                "Harbor Light Shelter",
                "77 Commerce Street",
                "Stuart",
                "34997",
                27.1688,
                -80.2169,
            ),
        ),
        (
            Listing(
                "harborlight-shelter",
                "Emergency shelter for adults",
                "Beds, meals and case management for adults 18 and over.",
                ("1121", "1135"),
                "harborlight",
                18,
                None,
                ("en",),
                20,
                Capacity("beds", 6, 40, 0),
                required_documents=("Photo ID",),
            ),
        ),
    ),
    OrganizationSpec(
        "pantry",
        "Palmetto Food Collective",
        "A community food pantry.",
        None,
        "772-555-0133",
        (
            Place(
                "pantry",
                "Palmetto Food Collective",
                "14 Market Street",
                "Port St. Lucie",
                "34983",
                27.3192,
                -80.3536,
            ),
        ),
        (
            Listing(
                "pantry-food",
                "Food pantry",
                "Groceries once a week; fresh produce on Saturdays.",
                ("1130", "1102"),
                "pantry",
                None,
                None,
                ("en", "es"),
                None,
                required_documents=("Proof of address",),
            ),
        ),
    ),
    OrganizationSpec(
        "literacy",
        "Treasure Coast Literacy",
        "Adult and youth literacy and English classes.",
        None,
        "772-555-0129",
        (
            Place(
                "literacy",
                "Treasure Coast Literacy",
                "301 Hobe Sound Way",
                "Hobe Sound",
                "33455",
                27.0595,
                -80.1364,
            ),
        ),
        (
            Listing(
                "literacy-esl",
                "English classes (ESL)",
                "Small English classes, evenings and Saturdays.",
                ("1326", "1348"),
                "literacy",
                14,
                None,
                ("en", "es", "ht"),
                90,
            ),
        ),
    ),
    OrganizationSpec(
        "helpline",
        "Florida Survivor Helpline",
        "A statewide helpline for survivors of human trafficking.",
        None,
        "888-555-0100",
        (),
        (
            Listing(
                "helpline-call",
                "Statewide helpline for trafficking survivors",
                "Someone to talk to, day or night, and help finding services anywhere in Florida.",
                ("1303", "1310", TRAFFICKING),
                None,
                None,
                None,
                ("en", "es", "ht"),
                15,
                service_area="FL",
                interpretation="Interpreters for more than 200 languages by phone.",
            ),
        ),
    ),
    OrganizationSpec(
        "cypressbend",
        "Cypress Bend Youth Shelter",
        "Shelter for youth in Cypress Bend County.",
        None,
        "850-555-0170",
        (
            Place(
                "cypressbend",
                "Cypress Bend Youth Shelter",
                "5 Chipola Road",
                "Marianna",
                "32446",
                30.7744,
                -85.2268,
            ),
        ),
        (
            Listing(
                "cypressbend-shelter",
                "Emergency shelter for youth",
                "Shelter for young people 12 to 17.",
                ("1121", "1135", TEENS),
                "cypressbend",
                12,
                17,
                ("en",),
                30,
                Capacity("beds", 3, 8, 1),
            ),
        ),
    ),
)


# --- as HSDS ------------------------------------------------------------------------------


def _address(place: Place) -> list[dict[str, Any]]:
    if place.confidential:
        return []
    return [
        {
            "id": demo_id(f"address/{place.key}"),
            "address_1": place.street,
            "city": place.city,
            "state_province": "FL",
            "postal_code": place.postal_code,
            "country": "US",
            "address_type": "physical",
        }
    ]


def _location(org: OrganizationSpec, place: Place) -> dict[str, Any]:
    return {
        "id": demo_id(f"location/{place.key}"),
        "location_type": "physical",
        "name": place.name,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "addresses": _address(place),
    }


def _term_id(code: str) -> str:
    if code in placements.CERTIFICATIONS:
        return str(placements.certification_term_id(code))
    return str(taxonomy.term_id(code))


def _attributes(listing: Listing) -> list[dict[str, Any]]:
    return [
        {
            "id": demo_id(f"attribute/{listing.key}/{code}"),
            "link_type": "service",
            "link_entity": "service",
            "taxonomy_term_id": _term_id(code),
        }
        for code in listing.terms
    ]


def _service(org: OrganizationSpec, listing: Listing, today: date) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": demo_id(f"service/{listing.key}"),
        "name": listing.name,
        "description": listing.description,
        "status": listing.status,
        "attributes": _attributes(listing),
        "languages": [
            {
                "id": demo_id(f"language/{listing.key}/{code}"),
                "code": code,
                "name": LANGUAGE_NAMES[code],
            }
            for code in listing.languages
        ],
        "phones": [{"id": demo_id(f"phone/{listing.key}"), "number": org.phone}],
    }
    for key, value in (
        ("minimum_age", listing.minimum_age),
        ("maximum_age", listing.maximum_age),
        ("eligibility_description", listing.eligibility),
        ("application_process", listing.application),
        ("interpretation_services", listing.interpretation),
    ):
        if value not in (None, ""):
            doc[key] = value
    if listing.checked_days_ago is not None:
        doc["assured_date"] = (today - timedelta(days=listing.checked_days_ago)).isoformat()
    if listing.place:
        doc["service_at_locations"] = [
            {
                "id": demo_id(f"sal/{listing.key}"),
                "location_id": demo_id(f"location/{listing.place}"),
            }
        ]
    if listing.capacity:
        doc["capacities"] = [_capacity(listing, today)]
    if listing.required_documents:
        doc["required_documents"] = [
            {"id": demo_id(f"document/{listing.key}/{n}"), "document": text}
            for n, text in enumerate(listing.required_documents)
        ]
    area = listing.service_area or (PALMETTO_ZIPS if org.agency_key else "")
    if area:
        doc["service_areas"] = [
            {
                "id": demo_id(f"area/{listing.key}"),
                "name": "Florida" if area == "FL" else "Palmetto County",
                "extent": area,
                "extent_type": "text",
            }
        ]
    return doc


def _capacity(listing: Listing, today: date) -> dict[str, Any]:
    assert listing.capacity is not None
    cap = listing.capacity
    updated = datetime.combine(today - timedelta(days=cap.updated_days_ago), time(9, 0))
    return {
        "id": demo_id(f"capacity/{listing.key}"),
        "available": cap.available,
        "maximum": cap.maximum,
        "updated": updated.isoformat() + "Z",
        "unit": {"id": demo_id(f"unit/{cap.unit}"), "name": cap.unit},
    }


def organization_documents(today: date) -> list[dict[str, Any]]:
    """Every demo organization as a fully nested HSDS organization document."""
    return [
        {
            "id": demo_id(f"organization/{org.key}"),
            "name": org.name,
            "description": org.description,
            "phones": [{"id": demo_id(f"phone/{org.key}"), "number": org.phone}],
            "locations": [_location(org, place) for place in org.places],
            "services": [_service(org, listing, today) for listing in org.listings],
        }
        for org in ORGANIZATIONS
    ]


def confidential_location_ids() -> list[str]:
    return [
        demo_id(f"location/{place.key}")
        for org in ORGANIZATIONS
        for place in org.places
        if place.confidential
    ]


def kept_by() -> dict[str, str]:
    """Organization id -> the key of the demo agency that keeps it."""
    return {
        demo_id(f"organization/{org.key}"): org.agency_key
        for org in ORGANIZATIONS
        if org.agency_key
    }


def load_demo_directory(network_admin: Actor, agencies: dict[str, Agency]) -> int:
    """Import the demo directory as the network admin would a 211 file, then mark what HSDS
    cannot say: which agency keeps each listing, and which locations are confidential.
    Returns how many services were loaded (0 when the directory is already there)."""
    if Organization.objects.filter(pk=demo_id("organization/safehouse")).exists():
        return 0
    with transaction.atomic():
        batch = read_json(organization_documents(timezone.localdate()), kind="organization")
        import_directory(actor=network_admin, batch=batch)
        hidden = {uuid.UUID(pk) for pk in confidential_location_ids()}
        Location.objects.filter(pk__in=hidden).update(confidential=True)
        # An UPDATE sends no signal: the match index must measure them from their area.
        match_index.refresh(match_index.services_touched({Location: hidden}))
        for organization_id, key in kept_by().items():
            Organization.objects.filter(pk=organization_id).update(agency=agencies[key])
    return sum(len(org.listings) for org in ORGANIZATIONS)
