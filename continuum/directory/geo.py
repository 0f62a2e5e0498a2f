"""Places and distances for the directory (issue #7): how far, which box to look in, which ZIP.

Distances are great-circle distances on a sphere of the Earth's mean radius (haversine),
in statute miles, which is what a case manager means by "within 25 miles". The sphere is
off by at most about 0.5% against the real ellipsoid: fine for "how far is the shelter",
and the same figure in Python (`haversine_miles`) and in SQL (`distance_miles`).

A radius search is done in two steps: a bounding box (`bounding_box`, `within_box`) that
the database answers from the index on latitude and longitude, then the exact distance on
the few rows left. The box is the smallest latitude/longitude rectangle that holds the
whole circle, including the two awkward places:

- **the date line**: a circle around 179.9°E reaches 179.9°W. Longitudes wrap, so the box
  is then two ranges, [min_lon, 180] and [-180, max_lon], and `wraps` is True (with
  `min_lon > max_lon`). `within_box` turns that into an OR of the two ranges.
- **the poles**: a degree of longitude shrinks towards the poles, so the box widens, and a
  circle that reaches a pole covers every longitude. The latitudes are then clamped to
  [-90, 90] and the longitudes are the full [-180, 180].

ZIP codes become places through the `zipcodes` package (the U.S. ZIP list with each ZIP's
centroid, bundled, no network): `zip_centroid("33101")`. Only U.S. ZIPs are known.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import zipcodes
from django.db.models import F, FloatField, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

__all__ = [
    "EARTH_RADIUS_MILES",
    "GENERAL_AREA_DEGREES",
    "GENERAL_AREA_REACH_MILES",
    "METERS_PER_MILE",
    "Box",
    "bounding_box",
    "distance_miles",
    "general_area",
    "haversine_miles",
    "parse_zip",
    "within_box",
    "within_radius",
    "zip_centroid",
]

# The IUGG mean radius of the Earth (6,371.0088 km) in statute miles.
EARTH_RADIUS_MILES = 3958.7613
METERS_PER_MILE = 1609.344
# Floating point gives a point that is exactly on the circle a distance a few units in the
# last place above or below the radius. A micro-mile (1.6 mm) of slack keeps it inside.
_SLACK_MILES = 1e-6
_SLACK_DEGREES = 1e-9


class Box(NamedTuple):
    """A latitude/longitude rectangle, in degrees, that holds a circle on the globe.

    When `wraps` is True the box crosses the date line: its longitudes are
    [min_lon, 180] and [-180, max_lon], and min_lon > max_lon.
    """

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float
    wraps: bool

    def longitude_ranges(self) -> tuple[tuple[float, float], ...]:
        """The box's longitudes as one or two closed ranges, west to east."""
        if self.wraps:
            return ((self.min_lon, 180.0), (-180.0, self.max_lon))
        return ((self.min_lon, self.max_lon),)

    def contains(self, lat: float, lon: float) -> bool:
        if not self.min_lat <= lat <= self.max_lat:
            return False
        return any(low <= lon <= high for low, high in self.longitude_ranges())


def _check_point(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"latitude must be between -90 and 90, not {lat!r}")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError(f"longitude must be between -180 and 180, not {lon!r}")


def is_point(lat: object, lon: object) -> bool:
    """A latitude and longitude on the globe (an imported file may hold 100, or NaN)."""
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return False
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in miles between two points given in degrees.

    Longitudes may be on either side of the date line: 179.9 and -179.9 are 0.2° apart.
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    # Rounding can push `a` a hair past 1 for antipodal points; asin would then fail.
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def within_radius(lat1: float, lon1: float, lat2: float, lon2: float, miles: float) -> bool:
    """Whether the two points are at most `miles` apart; a point exactly at the radius is in."""
    return haversine_miles(lat1, lon1, lat2, lon2) <= miles + _SLACK_MILES


def bounding_box(lat: float, lon: float, miles: float) -> Box:
    """The smallest latitude/longitude box holding every point within `miles` of (lat, lon).

    The longitude half-width is asin(sin r / cos lat), the longitude where a meridian
    touches the circle (J. P. Matuschek, "Finding Points Within a Distance of a
    Latitude/Longitude Using Bounding Coordinates"); it is not r / cos lat, which is too
    narrow away from the equator.
    """
    _check_point(lat, lon)
    if not (math.isfinite(miles) and miles >= 0):
        raise ValueError(f"the radius must be a number of miles, 0 or more, not {miles!r}")
    angle = miles / EARTH_RADIUS_MILES  # radians of arc
    min_lat = lat - math.degrees(angle) - _SLACK_DEGREES
    max_lat = lat + math.degrees(angle) + _SLACK_DEGREES
    if min_lat <= -90.0 or max_lat >= 90.0 or angle >= math.pi / 2:
        # The circle reaches a pole (or a quarter of the globe): every longitude is in.
        return Box(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0, False)
    ratio = math.sin(angle) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return Box(min_lat, max_lat, -180.0, 180.0, False)
    half_width = math.degrees(math.asin(ratio)) + _SLACK_DEGREES
    min_lon, max_lon = lon - half_width, lon + half_width
    if max_lon - min_lon >= 360.0:
        return Box(min_lat, max_lat, -180.0, 180.0, False)
    if min_lon < -180.0:
        return Box(min_lat, max_lat, min_lon + 360.0, max_lon, True)
    if max_lon > 180.0:
        return Box(min_lat, max_lat, min_lon, max_lon - 360.0, True)
    return Box(min_lat, max_lat, min_lon, max_lon, False)


def _field(prefix: str, name: str) -> str:
    prefix = prefix.removesuffix("__")
    return f"{prefix}__{name}" if prefix else name


def within_box(prefix: str, box: Box) -> Q:
    """A filter for rows whose `latitude`/`longitude` lie in `box`.

    `prefix` is the path to the Location from the model being filtered: "" on Location
    itself, "location" on ServiceAtLocation, "service_at_locations__location" on Service
    (a trailing "__", as in "location__", is accepted too).
    Rows without coordinates never match.
    """
    lat, lon = _field(prefix, "latitude"), _field(prefix, "longitude")
    query = Q(**{f"{lat}__gte": box.min_lat, f"{lat}__lte": box.max_lat})
    ranges = Q()
    for low, high in box.longitude_ranges():
        ranges |= Q(**{f"{lon}__gte": low, f"{lon}__lte": high})
    return query & ranges


def distance_miles(lat: float, lon: float, *, prefix: str = "") -> Combinable:
    """An expression for the haversine distance in miles from (lat, lon) to each row's place.

    For `.annotate(distance=...)` and `.filter(distance__lte=...)`, after a `within_box`
    prefilter so that it is worked out for the rows in the box only. The same formula as
    `haversine_miles`, in SQL functions that SQLite (through Django) and PostgreSQL share.
    NULL for a row without coordinates.
    """
    _check_point(lat, lon)
    row_lat = Radians(F(_field(prefix, "latitude")))
    row_lon = Radians(F(_field(prefix, "longitude")))
    here_lat = math.radians(lat)

    def number(value: float) -> Value:
        return Value(value, output_field=FloatField())

    half_dphi = (row_lat - number(here_lat)) / number(2.0)
    half_dlambda = (row_lon - number(math.radians(lon))) / number(2.0)
    a = Power(Sin(half_dphi), number(2.0)) + number(math.cos(here_lat)) * Cos(row_lat) * Power(
        Sin(half_dlambda), number(2.0)
    )
    distance: Combinable = number(2 * EARTH_RADIUS_MILES) * ASin(Sqrt(Least(number(1.0), a)))
    return distance


# --- a confidential location's general area -------------------------------------------------
#
# A safe house's distance is never measured from its address for anyone who may not see the
# address: a caller who picks the starting point and the radius could otherwise find it by
# asking again and again from different places (trilateration), however coarsely the
# answers are rounded. It is measured from its *general area* instead: the centre of the
# fixed grid square it is in. The square is public by design (about 17 by 15 miles in
# Florida: a part of a metro area, the precision of "a shelter in Tampa"), so asking from
# every ZIP in the country learns nothing more than which square it is in.
GENERAL_AREA_DEGREES = 0.25


def general_area(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the fixed GENERAL_AREA_DEGREES grid square that holds (lat, lon)."""
    _check_point(lat, lon)
    size = GENERAL_AREA_DEGREES

    def centre(value: float, limit: float) -> float:
        cell = min(math.floor(value / size), math.floor(limit / size) - 1)  # the edge: inside
        return (cell + 0.5) * size

    return centre(lat, 90.0), centre(lon, 180.0)


# How far a point in a grid square can be from its centre, at most: half the diagonal of
# the widest square, the one at the equator (squares narrow towards the poles). A placement
# kept "at least 50 miles" from an area is checked with this much taken off, so that the
# real home is never nearer than promised.
GENERAL_AREA_REACH_MILES = haversine_miles(
    0.0, 0.0, GENERAL_AREA_DEGREES / 2, GENERAL_AREA_DEGREES / 2
)


# A U.S. ZIP code: five digits, or ZIP+4 with its hyphen ("33101-1234").
_ZIP = re.compile(r"([0-9]{5})(?:-[0-9]{4})?")


def parse_zip(postal_code: object) -> str | None:
    """The five-digit ZIP in `postal_code` ("33101", " 33101-1234 "), or None if it is not one."""
    if not isinstance(postal_code, str):
        return None
    match = _ZIP.fullmatch(postal_code.strip())
    return match.group(1) if match else None


# The package has no type hints; this is what `matching` gives back.
_matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching


@functools.lru_cache(maxsize=4096)
def _centroid(zip5: str) -> tuple[float, float] | None:
    found = _matching(zip5)
    if not found:
        return None
    try:
        lat, lon = float(found[0]["lat"]), float(found[0]["long"])
    except (KeyError, TypeError, ValueError):
        return None
    # Military ZIPs (APO/FPO/DPO) are listed at 0, 0: they have no place on the map.
    if lat == 0.0 and lon == 0.0:
        return None
    return lat, lon


def zip_centroid(postal_code: object) -> tuple[float, float] | None:
    """The (latitude, longitude) of a U.S. ZIP code's centroid, or None.

    None for anything that is not a five-digit ZIP or ZIP+4, for a ZIP that does not exist,
    and for military ZIPs, which have no place on the map.
    """
    zip5 = parse_zip(postal_code)
    return _centroid(zip5) if zip5 is not None else None
