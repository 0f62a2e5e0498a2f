"""Places and distances (continuum.directory.geo): the haversine distance, the bounding box
near the date line and the poles, a place exactly at the radius, and ZIP code centroids."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from continuum.directory import geo
from continuum.directory.models import Location, Service, ServiceAtLocation
from tests.directory.factories import make_location, make_service_at_location

MILES_PER_DEGREE = 2 * math.pi * geo.EARTH_RADIUS_MILES / 360  # 69.09 miles


def destination(lat: float, lon: float, bearing: float, miles: float) -> tuple[float, float]:
    """The point `miles` from (lat, lon) going `bearing` degrees from north (spherical)."""
    angle = miles / geo.EARTH_RADIUS_MILES
    phi1, lambda1, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angle) + math.cos(phi1) * math.sin(angle) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(phi1),
        math.cos(angle) - math.sin(phi1) * math.sin(phi2),
    )
    lon2 = (math.degrees(lambda2) + 540) % 360 - 180
    return math.degrees(phi2), lon2


# --- haversine ----------------------------------------------------------------------------


def test_a_degree_of_latitude_is_69_miles() -> None:
    assert geo.haversine_miles(0, 0, 1, 0) == pytest.approx(MILES_PER_DEGREE, rel=1e-12)
    assert geo.haversine_miles(40, -80, 41, -80) == pytest.approx(MILES_PER_DEGREE, rel=1e-12)


def test_a_known_distance_miami_to_orlando() -> None:
    # Downtown Miami to downtown Orlando: about 205 miles as the crow flies.
    assert geo.haversine_miles(25.7617, -80.1918, 28.5384, -81.3789) == pytest.approx(205, abs=3)


def test_the_same_point_is_zero_and_the_antipode_is_half_the_globe() -> None:
    assert geo.haversine_miles(25.0, -80.0, 25.0, -80.0) == 0.0
    half = math.pi * geo.EARTH_RADIUS_MILES
    assert geo.haversine_miles(0, 0, 0, 180) == pytest.approx(half)
    assert geo.haversine_miles(90, 0, -90, 0) == pytest.approx(half)
    assert geo.haversine_miles(10, 20, -10, -160) == pytest.approx(half)


def test_distance_is_symmetric() -> None:
    assert geo.haversine_miles(61.2, -149.9, 64.8, -147.7) == pytest.approx(
        geo.haversine_miles(64.8, -147.7, 61.2, -149.9)
    )


# --- the date line ----------------------------------------------------------------------------


def test_points_either_side_of_the_date_line_are_close() -> None:
    miles = geo.haversine_miles(0, 179.9, 0, -179.9)
    assert miles == pytest.approx(0.2 * MILES_PER_DEGREE, rel=1e-9)  # 13.8 miles, not 24,860
    assert geo.within_radius(0, 179.9, 0, -179.9, 15)
    # Also in the Aleutians (Attu is west of the line, Adak east of it).
    assert geo.haversine_miles(52.0, 179.9, 52.0, -179.9) < 10


def test_a_box_across_the_date_line_wraps_into_two_ranges() -> None:
    box = geo.bounding_box(0.0, 179.95, 20)
    assert box.wraps
    assert box.min_lon > box.max_lon
    assert box.min_lon < 179.9
    assert box.max_lon > -179.9
    assert box.longitude_ranges() == ((box.min_lon, 180.0), (-180.0, box.max_lon))
    assert box.contains(0.0, 179.9)
    assert box.contains(0.0, -179.9)
    assert not box.contains(0.0, 0.0)
    assert not box.contains(0.0, 179.0)

    west = geo.bounding_box(0.0, -179.95, 20)
    assert west.wraps
    assert west.contains(0.0, 179.9)
    assert west.contains(0.0, -179.9)


def test_a_box_away_from_the_date_line_is_one_range() -> None:
    box = geo.bounding_box(25.77, -80.19, 25)
    assert not box.wraps
    assert box.min_lon < -80.19 < box.max_lon
    assert box.max_lat - box.min_lat == pytest.approx(50 / MILES_PER_DEGREE, rel=1e-6)
    # Wider in longitude than in latitude: a degree of longitude is shorter at 25.8°N.
    assert box.max_lon - box.min_lon > box.max_lat - box.min_lat


@pytest.mark.django_db
def test_within_box_finds_places_on_both_sides_of_the_date_line() -> None:
    east = make_location(name="east of the line", latitude=-17.0, longitude=179.9)
    west = make_location(name="west of the line", latitude=-17.0, longitude=-179.9)
    make_location(name="far away", latitude=-17.0, longitude=0.0)
    make_location(name="no coordinates")
    for lon in (179.95, -179.95):
        box = geo.bounding_box(-17.0, lon, 20)
        found = set(Location.objects.filter(geo.within_box("", box)))
        assert found == {east, west}


@pytest.mark.django_db
def test_within_box_through_a_relation() -> None:
    inside = make_service_at_location(location=make_location(latitude=-17.0, longitude=-179.9))
    make_service_at_location(location=make_location(latitude=-17.0, longitude=170.0))
    box = geo.bounding_box(-17.0, 179.95, 20)
    for prefix in ("location", "location__"):  # with or without the trailing "__"
        assert list(ServiceAtLocation.objects.filter(geo.within_box(prefix, box))) == [inside]
    service = inside.service
    nested = geo.within_box("service_at_locations__location", box)
    assert list(Service.objects.filter(nested)) == [service]


@pytest.mark.django_db
def test_distance_in_sql_matches_python_across_the_date_line() -> None:
    here = (-17.0, 179.95)
    places = [
        make_location(latitude=-17.0, longitude=179.9),
        make_location(latitude=-17.1, longitude=-179.9),
        make_location(latitude=-16.5, longitude=-179.5),
    ]
    rows = Location.objects.filter(pk__in=[p.pk for p in places]).annotate(
        miles=geo.distance_miles(*here)
    )
    for row in rows:
        assert row.latitude is not None
        assert row.longitude is not None
        expected = geo.haversine_miles(*here, row.latitude, row.longitude)
        assert row.miles == pytest.approx(expected, abs=1e-6)
        assert row.miles < 60


# --- high latitude ------------------------------------------------------------------------------


def test_the_box_widens_towards_the_poles() -> None:
    miami = geo.bounding_box(25.77, -80.19, 50)
    barrow = geo.bounding_box(71.29, -156.79, 50)  # Utqiagvik, Alaska
    assert barrow.max_lat - barrow.min_lat == pytest.approx(miami.max_lat - miami.min_lat)
    assert (barrow.max_lon - barrow.min_lon) > 2.5 * (miami.max_lon - miami.min_lon)
    # 50 miles due east of Utqiagvik is in the box, and is 50 miles away.
    lat, lon = destination(71.29, -156.79, 90, 50)
    assert barrow.contains(lat, lon)
    assert geo.haversine_miles(71.29, -156.79, lat, lon) == pytest.approx(50)


def test_a_circle_over_the_pole_covers_every_longitude() -> None:
    box = geo.bounding_box(89.5, 10.0, 50)  # the pole is 34.5 miles away
    assert box.max_lat == 90.0
    assert (box.min_lon, box.max_lon, box.wraps) == (-180.0, 180.0, False)
    # The other side of the pole is close, though its longitude is 180° away.
    assert geo.within_radius(89.5, 10.0, 89.8, -170.0, 50)
    assert box.contains(89.8, -170.0)
    south = geo.bounding_box(-89.9, 0.0, 10)
    assert south.min_lat == -90.0
    assert (south.min_lon, south.max_lon) == (-180.0, 180.0)


def test_a_circle_just_short_of_the_pole_does_not_cover_every_longitude() -> None:
    to_pole = (90 - 79.9) * MILES_PER_DEGREE  # 697.8 miles
    short = geo.bounding_box(79.9, 0.0, to_pole - 1)
    assert short.max_lat < 90.0
    assert short.wraps is False
    assert short.min_lon > -180.0
    assert short.max_lon < 180.0
    reaching = geo.bounding_box(79.9, 0.0, to_pole + 1)
    assert reaching.max_lat == 90.0
    assert (reaching.min_lon, reaching.max_lon) == (-180.0, 180.0)


def test_a_huge_circle_covers_the_globe() -> None:
    huge = geo.bounding_box(0.0, 0.0, 8000)
    assert (huge.min_lat, huge.max_lat, huge.min_lon, huge.max_lon) == (-90, 90, -180, 180)


@pytest.mark.django_db
def test_within_box_in_alaska_and_the_arctic() -> None:
    near = make_location(latitude=71.0, longitude=-155.0)  # about 50 miles from Utqiagvik
    far = make_location(latitude=64.84, longitude=-147.72)  # Fairbanks, 500 miles
    across_the_pole = make_location(latitude=89.8, longitude=170.0)
    barrow = geo.bounding_box(71.29, -156.79, 100)
    assert set(Location.objects.filter(geo.within_box("", barrow))) == {near}
    pole = geo.bounding_box(89.5, -10.0, 50)
    assert set(Location.objects.filter(geo.within_box("", pole))) == {across_the_pole}
    assert far not in Location.objects.filter(geo.within_box("", pole))


# --- exactly at the radius ------------------------------------------------------------------

ORIGINS = [
    (25.77, -80.19),  # Miami
    (71.29, -156.79),  # Utqiagvik, Alaska
    (51.9, 179.95),  # the Aleutians, by the date line
    (-17.0, -179.99),  # Fiji, west of the date line
    (0.0, 0.0),
]


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("bearing", [0, 45, 90, 135, 180, 225, 270, 315])
def test_a_place_exactly_at_the_radius_is_in(origin: tuple[float, float], bearing: int) -> None:
    radius = 25.0
    lat, lon = destination(*origin, bearing, radius)
    assert geo.within_radius(*origin, lat, lon, radius)
    assert geo.bounding_box(*origin, radius).contains(lat, lon)
    beyond = destination(*origin, bearing, radius + 0.01)
    assert not geo.within_radius(*origin, *beyond, radius)


@pytest.mark.django_db
def test_exactly_at_the_radius_in_sql() -> None:
    origin = (25.77, -80.19)
    at_radius = [
        make_location(latitude=lat, longitude=lon)
        for lat, lon in (destination(*origin, bearing, 10.0) for bearing in (0, 90, 180, 270))
    ]
    outside = make_location(
        latitude=destination(*origin, 45, 10.05)[0], longitude=destination(*origin, 45, 10.05)[1]
    )
    box = geo.bounding_box(*origin, 10.0)
    found = set(
        Location.objects.filter(geo.within_box("", box))
        .annotate(miles=geo.distance_miles(*origin))
        .filter(miles__lte=10.0 + 1e-6)
    )
    assert found == set(at_radius)
    assert outside not in found


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-89.99, 89.99),
    lon=st.floats(-180, 180),
    miles=st.floats(0.1, 500),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
)
def test_every_point_within_the_radius_is_in_the_box(
    lat: float, lon: float, miles: float, bearing: float, fraction: float
) -> None:
    box = geo.bounding_box(lat, lon, miles)
    point = destination(lat, lon, bearing, miles * fraction)
    assert box.contains(*point), (box, point)


def test_bad_input_is_refused() -> None:
    for args in ((91.0, 0.0, 1.0), (0.0, 181.0, 1.0), (0.0, 0.0, -1.0), (math.nan, 0.0, 1.0)):
        with pytest.raises(ValueError, match=r"latitude|longitude|radius"):
            geo.bounding_box(*args)
    with pytest.raises(ValueError, match="radius"):
        geo.bounding_box(0.0, 0.0, math.inf)


# --- ZIP codes ---------------------------------------------------------------------------------


def test_a_zip_code_has_a_centroid() -> None:
    miami = geo.zip_centroid("33101")
    assert miami is not None
    assert miami == pytest.approx((25.78, -80.20), abs=0.05)
    new_york = geo.zip_centroid("10001")
    assert new_york == pytest.approx((40.75, -74.0), abs=0.05)


def test_zip_plus_four_and_spaces_are_accepted() -> None:
    assert geo.zip_centroid("33101-1234") == geo.zip_centroid("33101")
    assert geo.zip_centroid("  33101 ") == geo.zip_centroid("33101")
    assert geo.parse_zip("33101-1234") == "33101"


def test_alaska_zip_codes_are_far_north() -> None:
    barrow = geo.zip_centroid("99723")  # Utqiagvik
    assert barrow is not None
    assert barrow[0] > 70
    anchorage = geo.zip_centroid("99501")
    assert anchorage is not None
    assert 61 < anchorage[0] < 62


@pytest.mark.parametrize(
    "junk",
    [
        "",
        " ",
        "abcde",
        "3310",
        "331011",
        "33101-12",
        "33101-12345",
        "331011234",  # ZIP+4 without its hyphen is refused: too easy to mistype
        "33101 1234",
        "33 101",
        "-33101",
        "33101-",
        "SW1A 1AA",  # a UK postcode
        "K1A 0B1",  # a Canadian one
        "٣٣١٠١",  # Arabic-Indic digits are digits to Python's \d, not to a ZIP
        "33101\x00",
        "00000",  # well formed, but no such ZIP
        "99999",
        "09001",  # a military (APO) ZIP: listed, but with no place on the map
    ],
)
def test_junk_is_not_a_zip_code(junk: str) -> None:
    assert geo.zip_centroid(junk) is None


@pytest.mark.parametrize("not_text", [None, 33101, 33101.0, b"33101", ["33101"]])
def test_only_text_is_a_zip_code(not_text: object) -> None:
    assert geo.zip_centroid(not_text) is None
    assert geo.parse_zip(not_text) is None
