"""Matching (continuum/referrals/matching.py): the edge cases issue #7 asks for.

Eligibility (age bounds, gender, language), distance across the date line and near the pole,
service areas, capacity zero against unknown, stale listings, inactive services, ranking,
confidential locations by their general area, and a cost that does not grow with the answer.
Synthetic directory rows only.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

import pytest
from django.utils import timezone

from continuum.directory import geo, taxonomy
from continuum.directory.models import ServiceArea, ServiceCapacity, ServiceStatus
from continuum.referrals import matching
from continuum.referrals.matching import Match, MatchCriteria, Place, match_services
from tests.directory.factories import make_language, make_taxonomy, make_term, tag
from tests.referrals.helpers import capacity, service_at, tag_terms

pytestmark = pytest.mark.django_db

MIAMI = (25.7791, -80.1978)  # ZIP 33101
HERE = Place(
    latitude=MIAMI[0],
    longitude=MIAMI[1],
    label="33101 (Miami, FL)",
    postal_code="33101",
    state="FL",
)


def near(miles_north: float) -> tuple[float, float]:
    """A point `miles_north` of Miami (a degree of latitude is 69.09 miles on our sphere)."""
    return (MIAMI[0] + miles_north / 69.0934, MIAMI[1])


def figure(service: object, available: float, *, days_ago: int = 0) -> ServiceCapacity:
    """A capacity figure updated `days_ago` days ago at this moment (so "today" holds even
    just after midnight)."""
    row = capacity(service, available, maximum=8)  # type: ignore[arg-type]
    row.updated = timezone.now() - datetime.timedelta(days=days_ago)
    row.save()
    return row


def names(matches: Iterable[Match]) -> list[str]:
    return [m.service.name for m in matches]


def found(**criteria: object) -> dict[str, Match]:
    return {m.service.name: m for m in match_services(MatchCriteria(**criteria))}  # type: ignore[arg-type]


# --- age: a missing bound is no bound; both bounds count ------------------------------------


def _ages() -> None:
    service_at("No bounds", MIAMI)
    service_at("Up to 17", MIAMI, maximum_age=17)
    service_at("12 and older", MIAMI, minimum_age=12)
    service_at("12 to 17", MIAMI, minimum_age=12, maximum_age=17)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (0, {"No bounds", "Up to 17"}),
        (11, {"No bounds", "Up to 17"}),  # just under the lower bound
        (12, {"No bounds", "Up to 17", "12 and older", "12 to 17"}),  # exactly at it
        (17, {"No bounds", "Up to 17", "12 and older", "12 to 17"}),  # exactly at the upper
        (18, {"No bounds", "12 and older"}),  # just over it
        (99, {"No bounds", "12 and older"}),
    ],
)
def test_age_bounds_are_inclusive_and_a_missing_bound_is_no_bound(
    age: int, expected: set[str]
) -> None:
    _ages()
    assert set(found(domain="shelter", age=age)) == expected


def test_unknown_age_hides_nothing_and_says_which_ages_a_service_takes() -> None:
    _ages()
    results = found(domain="shelter")
    assert len(results) == 4
    assert "Serves 12 to 17 only: check their age" in results["12 to 17"].cautions
    assert not any("age" in c for c in results["No bounds"].cautions)


def test_the_fit_names_the_age_range() -> None:
    _ages()
    assert "Serves age 15 (12 to 17)" in found(domain="shelter", age=15)["12 to 17"].fits
    assert "Serves any age" in found(domain="shelter", age=15)["No bounds"].fits


# --- gender: Open Eligibility situations Women, Men, Transgender ----------------------------


def _genders() -> None:
    service_at("For girls", MIAMI, terms=("1121", matching.WOMEN))
    service_at("For boys", MIAMI, terms=("1121", matching.MEN))
    service_at("For both", MIAMI, terms=("1121", matching.WOMEN, matching.MEN))
    service_at("For anyone", MIAMI)
    service_at("For trans youth", MIAMI, terms=("1121", matching.TRANSGENDER))


@pytest.mark.parametrize(
    ("gender", "transgender", "expected"),
    [
        ("female", False, {"For girls", "For both", "For anyone"}),
        ("male", False, {"For boys", "For both", "For anyone"}),
        ("female", True, {"For girls", "For both", "For anyone", "For trans youth"}),
        ("male", True, {"For boys", "For both", "For anyone", "For trans youth"}),
    ],
)
def test_a_girl_or_a_boy_is_not_offered_services_only_for_others(
    gender: str, transgender: bool, expected: set[str]
) -> None:
    _genders()
    assert set(found(domain="shelter", gender=gender, transgender=transgender)) == expected


def test_gender_not_given_hides_nothing_and_cautions_on_one_gender_services() -> None:
    _genders()
    results = found(domain="shelter")
    assert len(results) == 5
    assert "Listed only for girls and young women: check this fits them" in (
        results["For girls"].cautions
    )
    assert not any("Listed only" in c for c in results["For anyone"].cautions)
    assert not any("Listed only" in c for c in results["For both"].cautions)


def test_a_nonbinary_young_person_sees_one_gender_services_with_a_question() -> None:
    _genders()
    results = found(domain="shelter", gender="nonbinary")
    assert len(results) == 5
    assert "For transgender and nonbinary young people" in results["For trans youth"].fits
    assert any("ask whether they would welcome" in c for c in results["For boys"].cautions)


def test_gender_fit_is_said() -> None:
    _genders()
    assert "For girls and young women" in found(domain="shelter", gender="female")["For girls"].fits


# --- language --------------------------------------------------------------------------------


def _languages() -> None:
    make_language(service=service_at("Habla español (639-3)", MIAMI), code="spa")
    at_site = service_at("Spanish at the site", MIAMI).service_at_locations.get().location
    make_language(location=at_site, code="es", name="")
    make_language(service=service_at("English only", MIAMI), code="en", name="English")
    service_at("Nothing listed", MIAMI)
    service_at("Interpreters", MIAMI, interpretation_services="Phone interpreters, any language")


def test_required_language_matches_639_3_and_location_languages() -> None:
    _languages()
    assert set(found(domain="shelter", language="es", language_required=True)) == {
        "Habla español (639-3)",
        "Spanish at the site",
    }


def test_preferred_language_ranks_and_explains_without_hiding() -> None:
    _languages()
    matches = match_services(MatchCriteria(domain="shelter", language="es"))
    assert len(matches) == 5
    by_name = {m.service.name: m for m in matches}
    assert "Staff speak Spanish" in by_name["Habla español (639-3)"].fits
    assert "No staff listed who speak Spanish" in by_name["English only"].cautions
    assert any("offers interpretation" in c for c in by_name["Interpreters"].cautions)
    assert set(names(matches[:2])) == {"Habla español (639-3)", "Spanish at the site"}


def test_english_required_counts_listings_that_name_no_language() -> None:
    _languages()
    results = found(domain="shelter", language="en", language_required=True)
    assert set(results) == {"English only", "Nothing listed", "Interpreters"}


def test_language_codes_spell_639_1_and_639_3() -> None:
    assert set(matching.language_codes("es")) == {"es", "spa"}
    assert matching.language_code(" SPA ") == "es"


# --- distance --------------------------------------------------------------------------------


def test_radius_keeps_what_is_inside_and_drops_what_is_outside() -> None:
    service_at("Near", near(10))
    service_at("At the edge", near(24.9))
    service_at("Just outside", near(25.2))
    results = found(domain="shelter", place=HERE, radius_miles=25)
    assert set(results) == {"Near", "At the edge"}
    assert results["Near"].distance_label == "10.0 miles"
    assert "10.0 miles from 33101 (Miami, FL)" in results["Near"].fits


def test_distance_across_the_date_line() -> None:
    """179.9°E to 179.9°W is 0.2° of longitude: about 14 miles at the equator, not 24,900."""
    place = Place(latitude=0.0, longitude=179.9, label="a point at 179.9°E")
    service_at("Across the line", (0.0, -179.9))
    service_at("Too far across", (0.0, -179.5))  # 0.6°: about 41 miles
    service_at("Same side", (0.0, 179.8))
    results = found(domain="shelter", place=place, radius_miles=25)
    assert set(results) == {"Across the line", "Same side"}
    assert results["Across the line"].distance_miles == pytest.approx(13.8, abs=0.2)


def test_distance_at_high_latitude_where_longitudes_are_squeezed() -> None:
    """At Utqiaġvik (71.29°N) a degree of longitude is about 22 miles, not 69."""
    barrow = Place(latitude=71.29, longitude=-156.79, label="99723 (Barrow, AK)")
    service_at("0.79° east", (71.29, -156.0))  # about 17.5 miles
    service_at("1.29° east", (71.29, -155.5))  # about 28.6 miles
    results = found(domain="shelter", place=barrow, radius_miles=25)
    assert set(results) == {"0.79° east"}
    assert results["0.79° east"].distance_miles == pytest.approx(17.5, abs=0.3)


def test_a_service_area_covering_the_place_counts_however_far() -> None:
    statewide = service_at("Statewide hotline", (30.44, -84.28))  # Tallahassee, ~400 miles
    ServiceArea.objects.create(service=statewide, name="Florida")
    by_zip = service_at("ZIP list", (28.54, -81.38))
    ServiceArea.objects.create(service=by_zip, name="ZIP codes 33101, 33125, 33130")
    other_state = service_at("Georgia only", (33.75, -84.39))
    ServiceArea.objects.create(service=other_state, name="Georgia")
    namesake = service_at("Washington County, OR", (45.52, -122.99))
    ServiceArea.objects.create(service=namesake, name="Miami")  # a bare city name: ambiguous
    results = found(domain="shelter", place=HERE)
    assert set(results) == {"Statewide hotline", "ZIP list"}
    hotline = results["Statewide hotline"]
    assert hotline.covers_place
    assert hotline.distance_miles is None
    assert hotline.distance_label == "Serves 33101 (Miami, FL)"
    assert any("service area covers 33101" in f for f in hotline.fits)


def test_place_for_zip_knows_us_zips_only() -> None:
    place = matching.place_for_zip("33101-1234")
    assert place is not None
    assert place.state == "FL"
    assert place.label == "33101 (Miami, FL)"
    assert matching.place_for_zip("00000") is None
    assert matching.place_for_zip("Miami") is None


# --- confidential locations: their general area, in bands, never where they are -------------


def test_a_confidential_location_gives_a_band_not_its_distance() -> None:
    service_at("Safe house", near(7.2), confidential=True)
    match = found(domain="shelter", place=HERE)["Safe house"]
    assert match.confidential
    assert match.distance_miles is None
    # Its general area's centre (25.875, -80.125) is 8.0 miles from 33101: the 10-mile band.
    assert match.distance_band_miles == 10
    assert match.distance_label == "Confidential location: its area is within 10 miles"
    assert not any("7.2" in reason for reason in match.fits + match.cautions)


def _answers(service_name: str) -> list[tuple[object, ...]]:
    """What matching says about one service, asked from 25 places around Miami at
    radius from 1 to 40 miles: whether it is found, and its band, label and score."""
    said = []
    for north in range(-2, 3):
        for east in range(-2, 3):
            place = Place(
                latitude=MIAMI[0] + north * 0.07, longitude=MIAMI[1] + east * 0.08, label="here"
            )
            for radius in range(1, 41, 3):
                match = found(domain="shelter", place=place, radius_miles=radius).get(service_name)
                said.append(
                    (north, east, radius)
                    + (
                        (match.distance_band_miles, match.distance_label, match.score)
                        if match
                        else ()
                    )
                )
    return said


def test_no_run_of_questions_tells_two_homes_in_one_square_apart() -> None:
    """Trilateration: asking from many places at every radius must learn nothing finer than
    the grid square. Two real places in one square give the very same answers."""
    house = service_at("Safe house", (25.76, -80.24), confidential=True)
    assert geo.general_area(25.76, -80.24) == geo.general_area(25.99, -80.01)
    first = _answers("Safe house")
    location = house.service_at_locations.get().location
    location.latitude, location.longitude = 25.99, -80.01  # 22 miles away, same square
    location.save()
    assert _answers("Safe house") == first
    assert any(len(answer) > 3 for answer in first)  # it was found from somewhere
    assert any(len(answer) == 3 for answer in first)  # and not from everywhere


def test_the_radius_is_compared_with_the_general_area_not_the_home() -> None:
    service_at("Safe house", near(21.5), confidential=True)  # its square's centre: 24.3 miles
    to_centre = geo.haversine_miles(*MIAMI, *geo.general_area(*near(21.5)))
    assert 24.3 < to_centre < 24.4
    assert "Safe house" in found(domain="shelter", place=HERE, radius_miles=24.4)
    assert "Safe house" not in found(domain="shelter", place=HERE, radius_miles=24.3)
    assert "Safe house" not in found(domain="shelter", place=HERE, radius_miles=22)


def test_confidential_locations_rank_by_band() -> None:
    service_at("Safe house A", near(6.1), confidential=True)
    service_at("Safe house B", near(9.8), confidential=True)
    matches = match_services(MatchCriteria(domain="shelter", place=HERE))
    assert names(matches) == ["Safe house A", "Safe house B"]  # same band: by name
    assert matches[0].score == matches[1].score


@pytest.mark.parametrize(("miles", "band"), [(0.1, 5), (5.0, 5), (5.01, 10), (24.99, 25)])
def test_distance_band(miles: float, band: int) -> None:
    assert matching.distance_band(miles) == band


# --- capacity: zero is full, unknown is unknown ----------------------------------------------


def _capacities() -> None:
    figure(service_at("Room", MIAMI), 2)
    figure(service_at("Full", MIAMI), 0)
    service_at("Not reported", MIAMI)


def test_room_today_leaves_out_the_full_but_not_the_unknown() -> None:
    _capacities()
    results = found(domain="shelter", room_today=True)
    assert set(results) == {"Room", "Not reported"}
    assert results["Not reported"].capacity_label == "Capacity not reported"
    assert results["Not reported"].has_room is None


def test_without_room_today_full_is_shown_with_a_caution_and_ranked_below_unknown() -> None:
    _capacities()
    matches = match_services(MatchCriteria(domain="shelter"))
    assert names(matches) == ["Room", "Not reported", "Full"]
    room, unknown, full = matches
    assert room.capacity_label == "2 beds available now, updated today"
    assert "2 beds available now, updated today" in room.fits
    assert full.capacity_label == "Full, updated today"
    assert any(c.startswith("Full now") for c in full.cautions)
    assert any("Capacity not reported" in c for c in unknown.cautions)
    assert not any("Full" in c for c in unknown.cautions)


def test_the_newest_figure_of_a_unit_counts_not_an_older_one() -> None:
    service = service_at("Was open", MIAMI)
    figure(service, 3, days_ago=3)
    figure(service, 0)  # the newest says full
    assert "Was open" not in found(domain="shelter", room_today=True)


def test_an_old_capacity_figure_is_said() -> None:
    figure(service_at("Old figure", MIAMI), 1, days_ago=20)
    match = found(domain="shelter")["Old figure"]
    assert "Capacity last updated 20 days ago" in match.cautions
    assert match.capacity_label == "1 bed available now, updated 20 days ago"


# --- stale listings, inactive services -------------------------------------------------------


def test_stale_listings_are_marked(settings: pytest.FixtureRequest) -> None:
    settings.CONTINUUM_DIRECTORY_STALE_DAYS = 30  # type: ignore[attr-defined]
    today = timezone.localdate()
    service_at("Checked today", MIAMI)
    service_at("Checked 30 days ago", MIAMI, assured_date=today - datetime.timedelta(days=30))
    service_at("Checked 31 days ago", MIAMI, assured_date=today - datetime.timedelta(days=31))
    service_at("Never checked", MIAMI, assured_date=None)
    results = found(domain="shelter")
    assert {name for name, m in results.items() if m.stale} == {
        "Checked 31 days ago",
        "Never checked",
    }
    assert any(c.startswith("Stale — never checked") for c in results["Never checked"].cautions)
    assert results["Checked 31 days ago"].checked.startswith("Stale — not checked since")


@pytest.mark.parametrize(
    "status",
    [ServiceStatus.INACTIVE, ServiceStatus.DEFUNCT, ServiceStatus.TEMPORARILY_CLOSED],
)
def test_services_that_are_not_active_are_left_out(status: str) -> None:
    service_at("Open", MIAMI)
    service_at("Not open", MIAMI, status=status)
    assert set(found(domain="shelter")) == {"Open"}


# --- need, words, other taxonomies ------------------------------------------------------------


def test_only_services_for_the_need_and_the_fit_names_the_term() -> None:
    service_at("Shelter", MIAMI)
    service_at("Dentist", MIAMI, terms=("1220",))
    results = found(domain="shelter")
    assert set(results) == {"Shelter"}
    assert f"Offers {taxonomy.term('1121').name}" in results["Shelter"].fits


def test_a_need_with_no_terms_finds_nothing() -> None:
    service_at("Shelter", MIAMI)
    assert found(domain="other") == {}


def test_a_term_of_another_taxonomy_with_the_same_code_does_not_count() -> None:
    service = service_at("Tagged elsewhere", MIAMI, terms=())
    tag(service, make_term(taxonomy=make_taxonomy(), code="1121", name="Not OE"))
    assert found(domain="shelter") == {}


def test_typed_words_search_names_and_descriptions() -> None:
    service_at("Youth tutoring", MIAMI, terms=("1220",))
    service_at("Dental care", MIAMI, terms=("1220",), description="Cleanings for teens")
    assert set(found(text="tutor")) == {"Youth tutoring"}
    assert set(found(text="cleanings")) == {"Dental care"}


# --- preferences, documents, ranking ----------------------------------------------------------


def test_preferences_rank_first_and_say_so() -> None:
    service_at("Affirming", MIAMI, terms=("1121", "20078"))
    service_at("Plain", MIAMI)
    matches = match_services(MatchCriteria(domain="shelter", preferred_situations=("20078",)))
    assert names(matches) == ["Affirming", "Plain"]
    assert "Listed as LGBTQ-affirming" in matches[0].fits
    assert "Not listed as LGBTQ-affirming" in matches[1].cautions


def test_a_document_they_lack_is_a_caution() -> None:
    from continuum.directory.models import RequiredDocument

    service = service_at("Asks for ID", MIAMI)
    RequiredDocument.objects.create(service=service, document="Photo ID")
    match = found(domain="shelter", lacks_documents=("photo_id",))["Asks for ID"]
    assert "Asks for a photo ID, which they do not have" in match.cautions


def test_ranking_room_language_and_nearness_first() -> None:
    best = service_at("Best: near, room, Spanish", near(2))
    capacity(best, 3)
    make_language(service=best, code="es")
    capacity(service_at("Near but full", near(1)), 0)
    capacity(service_at("Room but far", near(20)), 3)
    service_at("Stale and unknown", near(2), assured_date=None)
    matches = match_services(MatchCriteria(domain="shelter", place=HERE, language="es"))
    assert names(matches) == [
        "Best: near, room, Spanish",
        "Room but far",
        "Stale and unknown",
        "Near but full",
    ]
    assert matches == sorted(matches, key=lambda m: -m.score)


def test_limit_keeps_the_best() -> None:
    for n in range(5):
        capacity(service_at(f"Shelter {n}", near(n + 1)), 1)
    assert names(match_services(MatchCriteria(domain="shelter", place=HERE, limit=2))) == [
        "Shelter 0",
        "Shelter 1",
    ]


def test_today_defaults_to_the_local_date() -> None:
    assert MatchCriteria().on() == timezone.localdate()


# --- cost -------------------------------------------------------------------------------------


def _directory(count: int) -> None:
    for n in range(count):
        service = service_at(f"Shelter {n}", near(n % 20), confidential=n % 3 == 0)
        capacity(service, n % 4)
        make_language(service=service, code="es")
        tag_terms(service, "20084")
        ServiceArea.objects.create(service=service, name="Florida")


@pytest.mark.parametrize("count", [3, 40])  # 40: more found than the 25 shown
def test_queries_do_not_grow_with_the_results(count: int, django_assert_num_queries: Any) -> None:
    _directory(count)
    criteria = MatchCriteria(domain="shelter", place=HERE, language="es", room_today=True, age=15)
    with django_assert_num_queries(5):
        matches = match_services(criteria)
    assert len(matches) == min(25, count - len([n for n in range(count) if n % 4 == 0]))
    with django_assert_num_queries(6):  # and the documents they lack
        match_services(dataclasses.replace(criteria, lacks_documents=("photo_id",)))


@pytest.mark.parametrize("count", [3, 40])
def test_queries_without_a_place_do_not_grow_either(
    count: int, django_assert_num_queries: Any
) -> None:
    _directory(count)
    with django_assert_num_queries(10):
        assert len(match_services(MatchCriteria(domain="shelter"))) == min(25, count)


def test_each_required_document_is_read_by_itself() -> None:
    lacking = matching._documents_lacking
    assert lacking(["Proof of address"], ["proof_of_address"]) == ["proof_of_address"]
    assert lacking(["A copy of proof of", "address"], ["proof_of_address"]) == []
    assert lacking(["Photo ID"], ["photo_id", "birth_certificate"]) == ["photo_id"]


def test_the_documents_are_read_in_chunks_with_the_same_answer(monkeypatch: Any) -> None:
    _directory(6)
    criteria = MatchCriteria(domain="shelter", place=HERE, lacks_documents=("photo_id",))
    whole = [(m.service.name, m.score) for m in match_services(criteria)]
    monkeypatch.setattr(matching, "ID_CHUNK", 1)
    assert [(m.service.name, m.score) for m in match_services(criteria)] == whole
