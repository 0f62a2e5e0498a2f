"""The match index (continuum/directory/match_index.py) stays in step with the directory.

The one invariant: after any write, through any path (the listing actions, single-row saves
and deletes, an import, the demo), the rows are exactly what a full rebuild would write.
`in_step()` checks it by rebuilding and comparing. And a confidential location's row never
holds where it is. Synthetic directory rows only.
"""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from continuum.directory import actions, geo, match_index
from continuum.directory.models import (
    Language,
    Location,
    MatchArea,
    MatchSite,
    Service,
    ServiceArea,
    ServiceStatus,
)
from tests.directory import directory_files
from tests.directory.factories import make_language, make_service_area
from tests.directory.test_listings import harbor, oe_term, shelter_details
from tests.personas import World
from tests.referrals.helpers import capacity, service_at, tag_terms

pytestmark = pytest.mark.django_db

MIAMI = (25.7791, -80.1978)


def rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    def key(row: tuple[Any, ...]) -> str:
        return repr(row)

    sites = sorted(MatchSite.objects.values_list(*match_index.SITE_COLUMNS), key=key)
    areas = sorted(MatchArea.objects.values_list(*match_index.AREA_COLUMNS), key=key)
    return sites, areas


def in_step() -> bool:
    """The rows are what a rebuild from the HSDS tables writes."""
    before = rows()
    match_index.refresh_all()
    return rows() == before


def sites_of(service: Service) -> list[tuple[Any, ...]]:
    return list(
        MatchSite.objects.filter(service=service).values_list(
            "latitude", "longitude", "confidential", "not_full", "terms", "languages"
        )
    )


# --- what a row says ---------------------------------------------------------------------------


def test_a_row_holds_what_the_rules_read() -> None:
    service = service_at("Shelter", MIAMI, minimum_age=12, maximum_age=20, terms=("1121", "20036"))
    make_language(service=service, code="spa")
    capacity(service, 0)
    row = MatchSite.objects.get(service=service)
    assert (row.latitude, row.longitude, row.confidential) == (*MIAMI, False)
    assert (row.minimum_age, row.maximum_age) == (12, 20)
    assert row.terms == "|1121|20036|"
    assert row.languages == "|es|"  # ISO 639-3 "spa" is read as 639-1 "es"
    assert row.not_full is False


def test_a_confidential_location_is_held_at_its_general_area_only() -> None:
    real = (25.7613, -80.2401)
    service = service_at("Safe house", real, confidential=True)
    assert sites_of(service)[0][:3] == (25.875, -80.125, True)
    held = {(lat, lon) for lat, lon in MatchSite.objects.values_list("latitude", "longitude")}
    assert real not in held
    assert geo.general_area(*real) in held


def test_area_keys_are_the_whole_name_and_its_zips() -> None:
    assert match_index.area_keys(" 33101, 33125 and Miami-Dade ") == {
        "33101",
        "33125",
        "33101, 33125 and miami-dade",
    }
    assert match_index.area_keys("Suite 123456") == {"suite 123456"}  # six digits: no ZIP
    assert match_index.area_keys("x" * 201) == set()


# --- every way of writing keeps it in step ------------------------------------------------------


def test_the_listing_actions_keep_it_in_step(world: World) -> None:
    listing = harbor(world)  # create organization, service with terms, two locations, beds
    assert in_step()
    assert sites_of(listing.shelter)[0][:3] == (*geo.general_area(29.6516, -82.3248), True)
    actor = world.actor("ada")
    actions.set_capacity(
        actor=actor,
        service=listing.shelter,
        unit="beds",
        available=0,
        maximum=8,
        expected_version=1,
    )
    assert in_step()
    assert sites_of(listing.shelter)[0][3] is False  # full now
    listing.shelter.refresh_from_db()
    actions.change_service(
        actor=actor,
        service=listing.shelter,
        details=shelter_details(languages=("ht",), maximum_age=21),
        expected_version=listing.shelter.version,
        terms=[oe_term("1121"), oe_term("1135")],
    )
    assert in_step()
    assert sites_of(listing.shelter)[0][4:] == ("|1121|1135|", "|ht|")
    listing.shelter.refresh_from_db()
    actions.change_service(
        actor=actor,
        service=listing.shelter,
        details=shelter_details(status=ServiceStatus.INACTIVE),
        expected_version=listing.shelter.version,
    )
    assert in_step()
    assert not MatchSite.objects.filter(service=listing.shelter).exists()


def test_still_true_is_in_the_index(world: World) -> None:
    listing = harbor(world)
    Service.objects.filter(pk=listing.shelter.pk).update(assured_date=datetime.date(2020, 1, 1))
    match_index.refresh([listing.shelter.pk])
    listing.shelter.refresh_from_db()
    actions.mark_still_true(
        actor=world.actor("ada"), service=listing.shelter, expected_version=listing.shelter.version
    )
    assert in_step()
    assert (
        MatchSite.objects.get(service=listing.shelter).assured_date == listing.shelter.assured_date
    )


def test_saves_and_deletes_keep_it_in_step() -> None:
    service = service_at("Shelter", MIAMI)
    assert in_step()
    tag_terms(service, "20037")
    language = make_language(location=service.service_at_locations.get().location, code="vi")
    make_service_area(service=service, name="Miami-Dade County, FL")
    assert in_step()
    assert sites_of(service)[0][4:] == ("|1121|20037|", "|vi|")
    location = Location.objects.get(service_at_locations__service=service)
    location.latitude, location.confidential = 26.1, True
    location.save()
    assert in_step()
    language.delete()
    ServiceArea.objects.get(service=service).delete()
    assert in_step()
    assert not MatchArea.objects.exists()
    location.delete()
    assert in_step()
    assert not MatchSite.objects.exists()
    service.delete()
    assert in_step()


def test_an_import_keeps_it_in_step() -> None:
    directory_files.build_directory()
    assert MatchSite.objects.exists()
    assert in_step()
    document = directory_files.changed(directory_files.harbor_house())
    drop_in = document["locations"][0]
    drop_in["latitude"] = 28.0  # moved
    directory_files.load(document, "organization")
    assert in_step()
    document["services"] = []  # the file no longer lists the services: they are removed
    directory_files.load(document, "organization")
    assert in_step()


def test_a_write_nothing_in_the_index_reads_writes_no_index_row(world: World) -> None:
    listing = harbor(world)
    listing.shelter.refresh_from_db()
    with CaptureQueriesContext(connection) as captured:
        actions.change_service(
            actor=world.actor("ada"),
            service=listing.shelter,
            details=shelter_details(description="Beds for girls, staff day and night."),
            expected_version=listing.shelter.version,
        )
    written = [
        q["sql"]
        for q in captured.captured_queries
        if "directory_match" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")
    ]
    assert written == []


def test_deferred_refreshes_each_service_once_at_the_end() -> None:
    service = service_at("Shelter", MIAMI)
    with match_index.deferred() as pending:
        tag_terms(service, "20036")
        assert sites_of(service)[0][4] == "|1121|"  # not yet
        assert service.pk in pending
    assert sites_of(service)[0][4] == "|1121|20036|"


# --- the command --------------------------------------------------------------------------------


def test_reindex_rewrites_everything_and_goes_on_after_an_id() -> None:
    first = service_at("A shelter", MIAMI)
    second = service_at("B shelter", MIAMI)
    MatchSite.objects.all().delete()
    out = StringIO()
    call_command("directory_reindex", stdout=out)
    assert "2 of 2 services" in out.getvalue()
    assert MatchSite.objects.count() == 2
    MatchSite.objects.all().delete()
    ordered = sorted([first.pk, second.pk])
    call_command("directory_reindex", after=ordered[0], stdout=StringIO())
    assert list(MatchSite.objects.values_list("service_id", flat=True)) == [ordered[1]]


def test_migrate_fills_an_index_never_written() -> None:
    service_at("Shelter", MIAMI)
    MatchSite.objects.all().delete()
    match_index.fill_if_empty()
    assert MatchSite.objects.count() == 1
    # Once written, it is left alone (writes keep it in step).
    Service.objects.update(minimum_age=3)
    match_index.fill_if_empty()
    assert MatchSite.objects.get().minimum_age is None


def test_capacity_figures_follow_the_newest(world: World) -> None:
    service = service_at("Shelter", MIAMI)
    old = capacity(service, 3)
    old.updated -= datetime.timedelta(days=1)
    old.save()
    capacity(service, 0)
    assert sites_of(service)[0][3] is False
    assert in_step()
    assert Language.objects.count() == 0


def test_the_index_holds_every_code_matching_ranks_by() -> None:
    from continuum.referrals import matching

    ranked_by = set(matching.PREFERRED_SITUATIONS) | set(matching.GENDER_TERMS)
    for codes in matching.NEED_DOMAIN_TERMS.values():
        ranked_by.update(codes)
    assert ranked_by <= match_index.MATCHED_CODES


@pytest.mark.parametrize("first_has_room", [True, False])
def test_two_figures_of_one_time_count_the_same_everywhere(first_has_room: bool) -> None:
    """The rule (not full), the ranking facts (room) and the explanation read the same
    figure when two in one unit have the same time: the one with the higher id."""
    from continuum.directory.models import ServiceCapacity
    from continuum.referrals.matching import MatchCriteria, match_services

    service = service_at("Shelter", MIAMI)
    first = capacity(service, 3 if first_has_room else 0)
    second = capacity(service, 0 if first_has_room else 3)
    ServiceCapacity.objects.filter(pk__in=[first.pk, second.pk]).update(updated=first.updated)
    match_index.refresh([service.pk])
    counted = max([first, second], key=lambda c: c.pk)
    room = counted.available > 0
    row = MatchSite.objects.get(service=service)
    assert (row.not_full, row.room) == (room, room)
    found = match_services(MatchCriteria(domain="shelter", room_today=True))
    assert bool(found) == room
    if found:
        assert found[0].has_room is True


def test_an_area_of_a_site_at_a_safe_house_is_not_a_way_to_find_it() -> None:
    """The public directory hides the service areas of a confidential site; matching must
    not answer "its area covers your ZIP" from them either (review finding)."""
    service = service_at("Safe house", (27.15, -80.30), confidential=True)
    site = service.service_at_locations.get()
    ServiceArea.objects.create(service_at_location=site, name="34990")
    assert not MatchArea.objects.exists()
    public = service_at("Drop-in", (27.2, -80.3))
    ServiceArea.objects.create(service_at_location=public.service_at_locations.get(), name="34990")
    assert set(MatchArea.objects.values_list("key", flat=True)) == {"34990"}


def test_a_place_off_the_map_gets_no_row_and_breaks_nothing() -> None:
    """HSDS's own example has latitude 100: it imports, and the index skips it (a safe house
    there too: no general area to work out, and no crash)."""
    service_at("Off the map", (100.0, -80.0))
    service_at("Safe house off the map", (100.0, -80.0), confidential=True)
    assert not MatchSite.objects.exists()
    assert in_step()


def test_migrate_back_before_the_index_does_not_fill_it() -> None:
    class Before:
        def get_model(self, app: str, name: str) -> None:
            raise LookupError(name)

    service_at("Shelter", MIAMI)
    MatchSite.objects.all().delete()
    match_index.fill_if_empty(apps=Before())
    assert not MatchSite.objects.exists()
