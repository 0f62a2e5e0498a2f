"""Placement matching (continuum/referrals/placements.py): certified safe houses and safe
foster homes by age, gender, beds, certification and needs, far from the exploiter's known
area, and never where they are. Synthetic directory rows only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from continuum.directory import geo
from continuum.referrals import matching, placements
from continuum.referrals.placements import (
    SAFE_FOSTER_HOME,
    SAFE_HOUSE,
    PlacementCriteria,
    PlacementMatch,
    match_placements,
)
from tests.directory.factories import make_address, make_location
from tests.referrals.helpers import capacity, placement_at, service_at

pytestmark = pytest.mark.django_db

# The area to avoid: ZIP 33101 (Miami). Placements due north of it, by miles.
AREA = matching.Place(25.7791, -80.1978, label="33101 (Miami, FL)", postal_code="33101")


def north(miles: float) -> tuple[float, float]:
    return (AREA.latitude + miles / 69.0934, AREA.longitude)


def found(**criteria: Any) -> dict[str, PlacementMatch]:
    return {m.service.name: m for m in match_placements(PlacementCriteria(**criteria))}


# --- the taxonomy: fixed ids the data migration and the demo load ---------------------------


def test_certification_ids_are_fixed() -> None:
    assert str(placements.TAXONOMY_ID) == "36d56d41-125f-5614-b80a-6804839ee64e"
    assert str(placements.certification_term_id(SAFE_HOUSE)) == (
        "252cf7cb-9c59-529e-92b9-370beb1aedc9"
    )
    assert str(placements.certification_term_id(SAFE_FOSTER_HOME)) == (
        "28ad6d0b-f68f-597c-8f98-7352951f5e25"
    )


def test_the_taxonomy_as_hsds_records() -> None:
    terms = placements.hsds_terms()
    assert [t["name"] for t in terms] == ["Certified safe house", "Certified safe foster home"]
    assert {t["taxonomy_id"] for t in terms} == {placements.hsds_taxonomy()["id"]}
    assert all(uuid.UUID(t["id"]).version == 5 for t in terms)


# --- who is a placement, and for whom ---------------------------------------------------------


def test_only_certified_placements_of_the_kind_asked_for() -> None:
    placement_at("Safe house", north(80))
    placement_at("Foster home", north(80), kind=SAFE_FOSTER_HOME)
    service_at("Ordinary shelter", north(80))
    assert set(found()) == {"Safe house", "Foster home"}
    assert set(found(certifications=(SAFE_FOSTER_HOME,))) == {"Foster home"}
    assert found()["Safe house"].certifications == ["Certified safe house"]
    assert "Certified safe house" in found()["Safe house"].fits


def test_age_and_gender_rules_as_in_matching() -> None:
    placement_at("Girls 12 to 17", north(80), minimum_age=12, maximum_age=17, terms=("20036",))
    placement_at("Boys", north(80), terms=("20037",))
    placement_at("Young adults", north(80), minimum_age=18)
    assert set(found(age=17, gender="female")) == {"Girls 12 to 17"}
    assert set(found(age=18, gender="male")) == {"Boys", "Young adults"}
    unknown = found(age=17)
    assert set(unknown) == {"Girls 12 to 17", "Boys"}
    assert any("Listed only for boys" in c for c in unknown["Boys"].cautions)


def test_beds_full_and_too_few_are_left_out_unknown_is_shown() -> None:
    placement_at("Two beds", north(80), beds=2)
    placement_at("One bed", north(80), beds=1)
    placement_at("Full", north(80), beds=0)
    placement_at("Not reported", north(80), beds=None)
    assert set(found(beds=2)) == {"Two beds", "Not reported"}
    results = found(beds=1)
    assert set(results) == {"Two beds", "One bed", "Not reported"}
    assert results["Not reported"].beds_label == "Beds not reported"
    assert any("Beds not reported" in c for c in results["Not reported"].cautions)
    everything = found(bed_today=False)
    assert "Full" in everything
    assert any(c.startswith("Full now") for c in everything["Full"].cautions)


def test_beds_are_counted_in_beds_not_other_units() -> None:
    home = placement_at("Appointments only", north(80), beds=None)
    capacity(home, 5, unit="appointments")
    assert found()["Appointments only"].beds_label == "Beds not reported"


def test_a_parenting_youth_needs_a_placement_that_takes_young_parents() -> None:
    placement_at("Takes parents", north(80), terms=("20076",))
    placement_at("Does not say", north(80))
    results = found(needs=("parenting",))
    assert set(results) == {"Takes parents"}
    assert "Takes young parents" in results["Takes parents"].fits


# --- far from the area to avoid ---------------------------------------------------------------


def test_placements_near_the_area_to_avoid_are_left_out_farther_ones_first() -> None:
    placement_at("Too near", north(30))
    placement_at("Far", north(95))  # its general area is at least 80.9 miles away
    placement_at("Farther", north(210))
    matches = match_placements(PlacementCriteria(away_from=AREA))
    assert [m.service.name for m in matches] == ["Farther", "Far"]
    assert matches[0].distance_label == "At least 200 miles from the area to avoid"
    assert matches[1].distance_label == "At least 75 miles from the area to avoid"
    assert matches[1].away_band_miles == 75


def test_the_minimum_distance_is_adjustable_in_25_mile_steps() -> None:
    placement_at("Far", north(95))
    placement_at("Farther", north(210))
    assert set(found(away_from=AREA, min_miles=100)) == {"Farther"}
    # 60 is rounded up to 75, so moving it a mile at a time cannot find a home.
    assert set(found(away_from=AREA, min_miles=60)) == {"Far", "Farther"}
    assert set(found(away_from=AREA, min_miles=76)) == {"Farther"}
    assert PlacementCriteria(min_miles=51).min_step == 75
    assert PlacementCriteria(min_miles=50).min_step == 50
    assert set(found(away_from=AREA, min_miles=0)) == {"Far", "Farther"}


def test_a_placement_with_a_home_too_near_and_one_far_enough_is_kept_with_a_caution() -> None:
    home = placement_at("Two homes", north(20))
    far = north(120)
    far_home = make_location(
        organization=home.organization, confidential=True, latitude=far[0], longitude=far[1]
    )
    home.service_at_locations.create(location=far_home)
    match = found(away_from=AREA)["Two homes"]
    assert match.away_band_miles == 100
    assert any("Some of its homes are closer than 50 miles" in c for c in match.cautions)


def test_a_placement_whose_homes_are_not_on_the_map_is_shown_last_with_a_caution() -> None:
    placement_at("Far", north(80))
    placement_at("Not on the map", None)
    matches = match_placements(PlacementCriteria(away_from=AREA))
    assert [m.service.name for m in matches] == ["Far", "Not on the map"]
    unknown = matches[1]
    assert unknown.away_band_miles is None
    assert any("confirm with the agency" in c for c in unknown.cautions)


def test_without_an_area_to_avoid_no_distance_is_given() -> None:
    placement_at("Safe house", north(80))
    match = found()["Safe house"]
    assert match.distance_label == ""
    assert match.away_band_miles is None


def _answers(name: str) -> list[tuple[object, ...]]:
    """What placement matching says about one home, with the area to avoid at 25 places
    around Miami and every minimum distance from 0 to 100 miles."""
    said = []
    for north_step in range(-2, 3):
        for east_step in range(-2, 3):
            area = matching.Place(
                AREA.latitude + 0.3 * north_step, AREA.longitude + 0.3 * east_step, label="area"
            )
            for minimum in range(0, 101, 25):
                match = found(away_from=area, min_miles=minimum).get(name)
                said.append(
                    (north_step, east_step, minimum)
                    + ((match.away_band_miles, match.distance_label, match.score) if match else ())
                )
    return said


def test_no_run_of_questions_tells_two_homes_in_one_square_apart() -> None:
    """Trilateration with the area to avoid and the minimum: nothing finer than the home's
    grid square (geo.general_area) can be learnt. Two real places in one square give the
    very same answers."""
    home = placement_at("Safe house", (26.76, -80.24))
    assert geo.general_area(26.76, -80.24) == geo.general_area(26.99, -80.01)
    first = _answers("Safe house")
    location = home.service_at_locations.get().location
    location.latitude, location.longitude = 26.99, -80.01
    location.save()
    assert _answers("Safe house") == first
    assert any(len(answer) > 3 for answer in first)
    assert any(len(a) == 3 for a in first)


@pytest.mark.parametrize("point", [(26.76, -80.24), (26.99, -80.01), (26.751, -80.001)])
def test_at_least_is_true_of_the_home_itself(point: tuple[float, float]) -> None:
    """Measured from its square, but never promising more than the home's real distance."""
    placement_at("Safe house", point)
    for north_miles in range(0, 200, 7):
        area = matching.Place(*north(north_miles - 100), label="area")
        match = found(away_from=area, min_miles=0)["Safe house"]
        real = geo.haversine_miles(area.latitude, area.longitude, *point)
        assert match.away_band_miles is not None
        assert match.away_band_miles <= real


def test_results_never_say_where_a_placement_is() -> None:
    home = placement_at("Safe house", north(83.4))
    make_address(location=home.service_at_locations.get().location, address_1="12 Hidden Lane")
    match = found(away_from=AREA)["Safe house"]
    said = " ".join([match.distance_label, match.beds_label, *match.fits, *match.cautions])
    assert "Hidden" not in said
    assert "83" not in said
    assert not hasattr(match, "location")
    assert not hasattr(match, "distance_miles")


# --- cost -------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 15])
def test_queries_do_not_grow_with_the_placements(
    count: int, django_assert_num_queries: Any
) -> None:
    for n in range(count):
        placement_at(f"Home {n}", north(70 + 10 * n), terms=("20076",), beds=1 + n % 3)
    criteria = PlacementCriteria(away_from=AREA, needs=("parenting",), age=16, language="es")
    with django_assert_num_queries(9):
        assert len(match_placements(criteria)) == count
