"""The matching pages (continuum/referrals/match_views.py): from a case's unmet need and from
typed words, and placements. Happy paths, refusals, bad input, privacy of the URL and of
confidential locations, the audit entry, and a cost that does not grow with the answer."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from continuum.audit.models import AuditAction, AuditEntry
from continuum.needs.models import Need
from tests.directory.factories import make_address
from tests.needs.helpers import assess
from tests.personas import World
from tests.referrals.helpers import capacity, placement_at, service_at

pytestmark = pytest.mark.django_db

MIAMI = (25.7791, -80.1978)  # ZIP 33101


def north(miles: float) -> tuple[float, float]:
    return (MIAMI[0] + miles / 69.0934, MIAMI[1])


@pytest.fixture
def need(world: World) -> Need:
    """Ana's shelter need, identified; three shelters around Miami."""
    capacity(service_at("Harbor Youth Shelter", north(4.2)), 2)
    service_at("Old listing shelter", north(10), assured_date=None)
    safe = service_at("Confidential safe house", north(7.2), confidential=True)
    make_address(location=safe.service_at_locations.get().location, address_1="12 Hidden Lane")
    return assess(world, "shelter")


def url(world: World, need: Need) -> str:
    return reverse("referrals:match_need", args=[world.case.pk, need.pk])


def matched(world: World) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.REFERRAL_MATCHED))


POSTED = {"zip_code": "33101", "radius": "25", "language": "en"}


# --- reached from the case's needs ------------------------------------------------------------


def test_the_assessment_offers_find_services_next_to_an_unmet_need(
    world: World, need: Need
) -> None:
    met = assess(world, "food", status="no_need")
    page = world.client_for("casey").get(reverse("needs:assessment", args=[world.case.pk]))
    links = re.findall(r'href="([^"]+)" data-testid="find-services"', page.content.decode())
    assert links == [url(world, need)]
    assert str(met.pk) not in page.content.decode()


def test_the_assessment_offers_nothing_to_those_who_do_not_refer(world: World, need: Need) -> None:
    page = world.client_for("drew").get(reverse("needs:assessment", args=[world.case.pk]))
    assert 'data-testid="find-services"' not in page.content.decode()


# --- the form, filled in from the record, audited ---------------------------------------------


def test_the_form_starts_from_the_record_and_the_read_is_audited(world: World, need: Need) -> None:
    response = world.client_for("casey").get(url(world, need))
    assert response.status_code == 200
    body = response.content.decode()
    age = world.survivor.age_on(timezone.localdate())
    assert f'name="age" value="{age}"' in body
    assert '<option value="en" selected>' in body
    assert "Find services: Shelter and housing" in body
    assert 'data-testid="prefilled"' in body
    entry = matched(world)[-1]
    assert entry.case_id == world.case.pk
    assert entry.detail == {
        "step": "form",
        "prefilled": ["age", "language"],
        "need": str(need.pk),  # by id only: the kind of need is sensitive
    }


def test_matching_posts_and_shows_each_result_with_its_reasons(world: World, need: Need) -> None:
    response = world.client_for("casey").post(url(world, need), POSTED)
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 services found" in body
    assert body.index("Harbor Youth Shelter") < body.index("Old listing shelter")
    assert "4.2 miles" in body
    assert "2 beds available now, updated today" in body
    assert "Capacity not reported" in body
    assert 'data-testid="stale">Stale<' in body
    assert body.count("Why it fits") == 3
    assert body.count("Might not fit") == 3
    assert matched(world)[-1].detail["step"] == "match"
    assert matched(world)[-1].detail["found"] == 3


def test_each_result_refers_by_posting_ids_only(world: World, need: Need) -> None:
    body = world.client_for("casey").post(url(world, need), POSTED).content.decode()
    refer = reverse("referrals:new")
    assert len(re.findall(rf'<form method="post" action="{refer}"', body)) == 3
    assert body.count(f'name="need" value="{need.pk}"') == 3
    assert 'name="service" value="' in body


def test_no_fact_about_the_young_person_goes_in_a_url(world: World, need: Need) -> None:
    """The form posts to its own address (ids only); results link by service id."""
    body = world.client_for("casey").post(url(world, need), POSTED).content.decode()
    assert 'data-testid="match-form"' in body
    assert re.search(r'<form[^>]*data-testid="match-form"', body)
    for link in re.findall(r'href="([^"]+)"', body):
        assert "?" not in link or link.startswith("#"), link
    assert "33101" not in url(world, need)


def test_a_confidential_location_shows_a_band_and_never_its_address(
    world: World, need: Need
) -> None:
    body = world.client_for("casey").post(url(world, need), POSTED).content.decode()
    assert "Confidential location: its area is within 10 miles" in body
    assert "Hidden Lane" not in body
    assert "7.2" not in body


def test_an_unknown_zip_is_refused_and_what_was_typed_is_kept(world: World, need: Need) -> None:
    response = world.client_for("casey").post(url(world, need), {**POSTED, "zip_code": "00000"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "We do not know the ZIP code “00000”" in body
    assert 'value="00000"' in body
    assert "services found" not in body


@pytest.mark.parametrize(("field", "value"), [("radius", "0"), ("radius", "501"), ("age", "121")])
def test_numbers_out_of_range_are_refused(world: World, need: Need, field: str, value: str) -> None:
    response = world.client_for("casey").post(url(world, need), {**POSTED, field: value})
    assert response.status_code == 422


def test_a_shelter_need_offers_placements(world: World, need: Need) -> None:
    body = world.client_for("casey").get(url(world, need)).content.decode()
    assert reverse("referrals:placements_case", args=[world.case.pk]) in body


def test_a_need_the_directory_cannot_answer_says_so(world: World) -> None:
    other = assess(world, "other")
    body = world.client_for("casey").get(url(world, other)).content.decode()
    assert 'data-testid="no-terms"' in body


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("sam", 200), ("drew", 403), ("cole", 404), ("quinn", 404), ("jordan", 404), ("avery", 404)],
)
def test_who_may_match_for_the_case(world: World, need: Need, persona: str, status: int) -> None:
    response = world.client_for(persona).get(url(world, need))
    assert response.status_code == status
    if status != 200:
        assert "Pérez" not in response.content.decode()


def test_a_need_of_another_case_is_not_found(world: World, need: Need) -> None:
    from tests.personas import add_survivors

    other_case = add_survivors(world, 1)[0].cases.get()
    other_need = assess(world, "shelter", case=other_case)
    path = reverse("referrals:match_need", args=[world.case.pk, other_need.pk])
    assert world.client_for("casey").get(path).status_code == 404


def test_someone_elses_case_is_not_found_and_nothing_is_read(world: World, need: Need) -> None:
    response = world.client_for("quinn").post(url(world, need), POSTED)
    assert response.status_code == 404
    assert matched(world) == []


# --- typed search: any staff member, no survivor data ------------------------------------------


def test_typed_search_is_open_to_all_staff_and_not_about_anyone(world: World, need: Need) -> None:
    client = world.client_for("avery")
    assert client.get(reverse("referrals:match")).status_code == 200
    response = client.post(reverse("referrals:match"), {"words": "harbor", "radius": "25"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 service found" in body
    assert 'data-testid="refer"' not in body  # a referral starts from a case's need
    # Audited, though about no one: counts only, no case, no words.
    (entry,) = matched(world)
    assert entry.detail == {"step": "search", "found": 1}
    assert (entry.case_id, entry.survivor_id) == (None, None)


def test_typed_search_by_words_near_a_place(world: World, need: Need) -> None:
    response = world.client_for("casey").post(
        reverse("referrals:match"), {"words": "shelter", **POSTED, "radius": "8"}
    )
    body = response.content.decode()
    assert "1 service found" in body
    assert "Harbor Youth Shelter" in body
    assert "Old listing shelter" not in body  # a shelter, but 10 miles away


def test_typed_search_needs_something_to_look_for(world: World) -> None:
    response = world.client_for("casey").post(reverse("referrals:match"), {"radius": "25"})
    assert response.status_code == 422
    assert "Choose what they need, type some words, or give a ZIP code." in (
        response.content.decode()
    )


def test_typed_search_by_need_and_place(world: World, need: Need) -> None:
    response = world.client_for("casey").post(
        reverse("referrals:match"), {"domain": "shelter", **POSTED}
    )
    assert "3 services found" in response.content.decode()


# --- placements --------------------------------------------------------------------------------


@pytest.fixture
def homes(world: World) -> None:
    far = placement_at("Far safe house", north(95))
    make_address(location=far.service_at_locations.get().location, address_1="4 Quiet Road")
    placement_at("Too near", north(20))


def test_placements_for_the_case_far_from_the_area_to_avoid(world: World, homes: None) -> None:
    path = reverse("referrals:placements_case", args=[world.case.pk])
    client = world.client_for("casey")
    page = client.get(path)
    assert page.status_code == 200
    age = world.survivor.age_on(timezone.localdate())
    assert f'name="age" value="{age}"' in page.content.decode()
    response = client.post(path, {"away_zip": "33101", "min_miles": "50", "beds": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 placement found" in body
    assert "Far safe house" in body
    assert "Too near" not in body
    assert "At least 75 miles from the area to avoid" in body
    assert "Quiet Road" not in body
    assert matched(world)[-1].detail["step"] == "placement"


def test_placements_refuse_an_unknown_zip(world: World, homes: None) -> None:
    path = reverse("referrals:placements_case", args=[world.case.pk])
    response = world.client_for("casey").post(path, {"away_zip": "999", "beds": "1"})
    assert response.status_code == 422
    assert 'value="999"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "typed", "for_case"),
    [
        ("casey", 200, 200),
        ("sam", 200, 200),
        ("quinn", 200, 404),
        ("cole", 200, 404),
        ("drew", 403, 403),
        ("jordan", 403, 404),
        ("avery", 403, 404),
        ("morgan", 403, 404),
    ],
)
def test_who_may_match_placements(world: World, persona: str, typed: int, for_case: int) -> None:
    client = world.client_for(persona)
    assert client.get(reverse("referrals:placements")).status_code == typed
    path = reverse("referrals:placements_case", args=[world.case.pk])
    assert client.get(path).status_code == for_case


# --- cost ---------------------------------------------------------------------------------------


def _posted_queries(world: World, need: Need) -> int:
    client = world.client_for("casey")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(world, need), POSTED)
    assert response.status_code == 200
    return len(queries)


def test_the_page_costs_the_same_for_3_and_15_results(world: World, need: Need) -> None:
    small = _posted_queries(world, need)
    for n in range(12):
        capacity(service_at(f"Shelter {n}", north(n + 1)), n % 3)
    large = _posted_queries(world, need)
    assert small == large
