"""The matching benchmark is honest (docs/benchmark.md): on a small synthetic directory, the
builder makes what it says, and match_services and the hand-written SQL find the same
services for the same questions. Not a timing test: `make bench` times."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from continuum.directory import geo
from continuum.directory.models import (
    Attribute,
    Language,
    Location,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from continuum.directory.need_terms import NEED_DOMAIN_TERMS
from continuum.referrals import bench, matching
from continuum.referrals.matching import (
    STATE_NAMES,
    MatchCriteria,
    area_names,
    candidates,
    match_services,
    place_for_zip,
)

SMALL = bench.Spec(services=400, chunk=200, seed=11)


@pytest.fixture
def directory(db: None) -> bench.BuildReport:
    return bench.build(SMALL, analyze=False)


def test_the_builder_makes_the_directory_it_says(directory: bench.BuildReport) -> None:
    assert directory.chunks_built == 2
    assert Service.objects.count() == 400
    assert Location.objects.count() == SMALL.locations == 600
    # What matching must cope with is in it: inactive and confidential rows, services
    # with no language listed, site languages, service areas, open-ended ages.
    assert Service.objects.exclude(status="active").exists()
    assert Location.objects.filter(confidential=True).exists()
    assert Service.objects.filter(languages__isnull=True).exists()
    assert Language.objects.filter(location__isnull=False).exists()
    assert ServiceArea.objects.exists()
    assert Service.objects.filter(minimum_age__isnull=True, maximum_age__isnull=True).exists()


def test_building_again_changes_nothing(directory: bench.BuildReport) -> None:
    again = bench.build(SMALL, analyze=False)
    assert (again.chunks_built, again.chunks_skipped) == (0, 2)
    assert again.counts == directory.counts


def test_a_directory_of_another_seed_is_refused(directory: bench.BuildReport) -> None:
    with pytest.raises(RuntimeError, match="another seed or size"):
        bench.build(dataclasses.replace(SMALL, seed=12), analyze=False)


def test_match_services_and_the_raw_sql_find_the_same_services(
    directory: bench.BuildReport,
) -> None:
    questions = bench.random_queries(30, seed=SMALL.seed)
    found = near = english = 0
    # 400 services across the country leave most 25-mile circles empty, so each question is
    # also asked at 300 miles, where there is something to compare.
    for question in questions:
        for radius in (25.0, 300.0):
            asked = dataclasses.replace(bench.unlimited(question), radius_miles=radius)
            orm = bench.orm_match(asked)
            raw = bench.raw_match(asked)
            assert len(orm) == len(set(orm))
            assert set(orm) == {service_id for service_id, _miles in raw}, asked
            found += bool(raw)
            near += sum(1 for _id, miles in raw if miles is not None)
            english += asked.language == "en" and bool(raw)
    # The comparison compared something.
    assert found >= 15
    assert near >= 20
    assert english >= 1


def _from_the_hsds_tables(criteria: MatchCriteria) -> set[uuid.UUID]:
    """The question answered without the match index: the hard rules on the HSDS tables
    (matching.candidates), sites measured here (a confidential one from its general area),
    and service areas compared by name or ZIP."""
    place = criteria.place
    assert place is not None
    fits = set(candidates(criteria).values_list("pk", flat=True))
    found = set()
    sites = ServiceAtLocation.objects.filter(
        service_id__in=fits, location__latitude__isnull=False
    ).values_list(
        "service_id", "location__latitude", "location__longitude", "location__confidential"
    )
    for service_id, lat, lon, confidential in sites:
        if confidential:
            lat, lon = geo.general_area(lat, lon)
        if (
            geo.haversine_miles(place.latitude, place.longitude, lat, lon)
            <= criteria.radius_miles + 1e-6
        ):
            found.add(service_id)
    names = area_names(place)
    for direct, through_site, name in ServiceArea.objects.values_list(
        "service_id", "service_at_location__service_id", "name"
    ):
        service_id = direct or through_site
        if service_id in fits and (name.strip().lower() in names or place.postal_code in name):
            found.add(service_id)
    return found


def test_the_match_index_answers_as_the_hsds_tables_do(directory: bench.BuildReport) -> None:
    """The index (directory/match_index.py) is a copy made for speed: the same questions on
    the tables it is made from find the same services."""
    compared = 0
    for question in bench.random_queries(20, seed=SMALL.seed + 1):
        for radius in (25.0, 300.0):
            asked = dataclasses.replace(bench.unlimited(question), radius_miles=radius)
            expected = _from_the_hsds_tables(asked)
            assert set(bench.orm_match(asked)) == expected, asked
            compared += len(expected)
    assert compared >= 20


def test_only_the_shown_are_explained_and_the_order_is_the_explanations(
    directory: bench.BuildReport,
) -> None:
    """match_services ranks every service found from light rows and explains only the best
    `limit`: that order must be the one the explanations' scores give, whatever is asked."""
    compared = 0
    for n, question in enumerate(bench.random_queries(30, seed=SMALL.seed + 2)):
        asked = dataclasses.replace(
            question,
            radius_miles=300.0,
            gender=("female", "male", None)[n % 3],
            preferred_situations=(("20084", "20004"), ())[n % 2],
            lacks_documents=(("photo_id", "proof_of_address"), ())[n % 2],
            language_required=n % 4 == 0,
            room_today=n % 3 == 0,
        )
        unlimited = bench.unlimited(asked)
        everything = match_services(unlimited)  # every one explained, then sorted by _rank
        explained = [m.service.pk for m in everything]
        found = matching.find_candidates(unlimited)
        assert matching._rank_lightly(found, unlimited, unlimited.on()) == explained, asked
        for limit in (1, 5, 25):
            shown = match_services(dataclasses.replace(asked, limit=limit))
            assert [m.service.pk for m in shown] == explained[:limit], asked
        compared += len(everything)
    assert compared >= 80


def test_service_areas_are_found_the_same_way(directory: bench.BuildReport) -> None:
    """Random places rarely fall in one of the few service areas, so ask on behalf of each
    service that has one, from a place its area names, with a 1-mile radius: what comes
    back is (nearly) all through service areas."""
    through_area = 0
    for area in ServiceArea.objects.filter(service__isnull=False).select_related("service"):
        asked = _question_for(area)
        if asked is None:
            continue
        orm = bench.orm_match(asked)
        raw = bench.raw_match(asked)
        assert set(orm) == {service_id for service_id, _miles in raw}, (area.name, asked)
        through_area += sum(1 for _id, miles in raw if miles is None)
    assert through_area >= 3


def test_the_timed_path_checks_every_answer(directory: bench.BuildReport) -> None:
    measurement = bench.measure(bench.random_queries(6, seed=SMALL.seed), warmup=2)
    assert measurement.mismatches == []
    assert len(measurement.orm.milliseconds) == len(measurement.raw.cpu_milliseconds) == 4
    assert measurement.summary()["queries"] == 4


def test_percentiles() -> None:
    assert bench.percentile([1, 2, 3, 4, 5], 50) == 3
    assert bench.percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)
    assert bench.percentile([7], 95) == 7


def _question_for(area: ServiceArea) -> MatchCriteria | None:
    """A question `area`'s service answers: one of its needs, an age it serves, a language it
    lists, from a ZIP code its area names."""
    service = area.service
    assert service is not None
    codes = {a.taxonomy_term.code for a in Attribute.objects.filter(link_id=service.pk)
             if a.taxonomy_term is not None}  # fmt: skip
    domain = next((d for d, terms in NEED_DOMAIN_TERMS.items() if codes & set(terms)), None)
    zip5 = _zip_named_by(area.name)
    if domain is None or zip5 is None:
        return None
    language = next(iter(service.languages.values_list("code", flat=True)), "en")
    low, high = service.minimum_age or 0, service.maximum_age or 99
    return MatchCriteria(
        today=bench.BENCH_TODAY,
        domain=domain,
        age=int(max(low, min(high, 16))),
        language=language,
        language_required=True,
        place=place_for_zip(zip5),
        radius_miles=1.0,
        room_today=True,
        limit=10**9,
    )


def _zip_named_by(name: str) -> str | None:
    """A ZIP code inside a service area the builder names: a list of ZIP codes, a state (by
    code or name), a city ("Saint Paul, MN") or "Nationwide"."""
    if name[:5].isdigit():
        return name[:5]
    state = {full: code for code, full in STATE_NAMES.items()}.get(name, name)
    for city, city_state, _lat, _lon, _population, zip5 in bench.CITIES:
        if name == "Nationwide" or city_state == state or name == f"{city}, {city_state}":
            return zip5
    return None
