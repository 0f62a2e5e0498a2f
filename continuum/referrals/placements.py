"""Placement matching: specialised housing for a young person who survived exploitation
(issue #7, best practice 10; F.S. 409.1678 certified safe houses and safe foster homes, which
F.S. 39.524 asks a child's placement to be assessed for).

`match_placements(criteria)` is `matching.match_services` for placements, with rules of its
own:

- **Only certified placements.** A placement is a directory service tagged with a term of
  Continuum's own small taxonomy of certifications (`CERTIFICATIONS`: certified safe house,
  certified safe foster home), whose ids are fixed (`certification_term_id`) so that every
  installation, the demo and the Open Eligibility data migration load the same rows.
- **Hard rules**: age, gender (as matching), the language when required, not full when a
  bed is needed now (as many beds as asked, capacity in the unit "beds"; a placement that
  reports no beds is shown with a note to call), and what the young person needs from the
  placement (`PLACEMENT_NEEDS`: a parenting youth needs one that takes young parents
  with their child, Open Eligibility "Parents").
- **Far from, not near.** The place given is the exploiter's known area: a setting to be far
  from. A placement with no home at least the minimum distance away (default 50 miles) is
  left out; farther ones rank higher. The minimum is counted in 25-mile steps, rounded up,
  so that moving it mile by mile cannot find where a home is.
- **Never where it is.** Placements' locations are confidential: results carry no address
  and no exact distance, only a band ("at least 75 miles from the area to avoid"), worked
  out from the home's general area (`_homes`), so no run of questions can find the home.

A placement whose homes have no coordinates in the directory cannot be checked against the
area to avoid: it is shown last, with a caution to confirm it with the agency, because
hiding it would hide an option the case manager can still check by phone.
"""

from __future__ import annotations

import datetime
import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.directory import geo
from continuum.directory.models import (
    Attribute,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
)
from continuum.directory.queries import checked_label, is_stale, latest_capacities
from continuum.referrals.matching import (
    Gender,
    Place,
    age_q,
    capacity_words,
    explain_age,
    explain_capacity,
    explain_gender,
    explain_language,
    explain_situations,
    gender_excludes,
    languages_of,
    not_full_q,
    speaks_q,
    stale_caution,
    tagged_with,
    tagged_with_ids,
    tags_of,
)

# --- Continuum's taxonomy of placement certifications --------------------------------------

# Fixed ids, like Open Eligibility's (directory.taxonomy.term_id): the same on every
# installation, so a data migration, the demo and an HSDS import agree.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://continuum.invalid/directory/taxonomy")
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy/placement-certifications")
TAXONOMY_NAME = "Continuum placement certifications"
TAXONOMY_DESCRIPTION = (
    "Certification of specialised placements for children who survived commercial sexual "
    "exploitation (Florida Statutes 409.1678: safe houses and safe foster homes)."
)
SAFE_HOUSE = "certified-safe-house"
SAFE_FOSTER_HOME = "certified-safe-foster-home"
CERTIFICATIONS: dict[str, str] = {
    SAFE_HOUSE: "Certified safe house",
    SAFE_FOSTER_HOME: "Certified safe foster home",
}


def certification_term_id(code: str) -> UUID:
    """The HSDS id of a certification term, the same on every installation."""
    return uuid.uuid5(NAMESPACE, f"term/{code}")


def hsds_taxonomy() -> dict[str, str]:
    """The taxonomy as an HSDS record (for a data migration or an import)."""
    return {
        "id": str(TAXONOMY_ID),
        "name": TAXONOMY_NAME,
        "description": TAXONOMY_DESCRIPTION,
        "uri": "https://continuum.invalid/taxonomies/placement-certifications",
        "version": "1",
    }


def hsds_terms() -> list[dict[str, str]]:
    """The certification terms as HSDS taxonomy_term records."""
    return [
        {
            "id": str(certification_term_id(code)),
            "code": code,
            "name": name,
            "description": name,
            "taxonomy": TAXONOMY_NAME,
            "taxonomy_id": str(TAXONOMY_ID),
        }
        for code, name in CERTIFICATIONS.items()
    ]


# --- what the young person needs from a placement ------------------------------------------


@dataclass(frozen=True)
class PlacementNeed:
    code: str  # the Open Eligibility situation a placement must be tagged with
    asked: str  # the form's words
    fits: str  # the result's words


PLACEMENT_NEEDS: dict[str, PlacementNeed] = {
    "parenting": PlacementNeed(
        "20076", "They are a parent, and their child stays with them", "Takes young parents"
    ),
    "pregnant": PlacementNeed("20043", "They are pregnant", "Supports pregnant young people"),
    "limited_mobility": PlacementNeed(
        "20022", "They need a home without steps (limited mobility)", "Suits limited mobility"
    ),
}
BED_UNITS = ("beds", "bed")
DEFAULT_MIN_MILES = 50.0
# The minimum distance and the distances shown are counted in steps this wide.
STEP_MILES = 25
MAX_MILES = 500.0
MAX_BEDS = 20
# Placements are few (a state has dozens); this many are weighed at most.
MAX_CANDIDATES = 1000


@dataclass(frozen=True, kw_only=True)
class PlacementCriteria:
    age: int | None = None
    gender: Gender | None = None
    transgender: bool = False
    certifications: tuple[str, ...] = ()  # none: either kind
    needs: tuple[str, ...] = ()  # keys of PLACEMENT_NEEDS
    beds: int = 1
    bed_today: bool = True
    away_from: Place | None = None
    min_miles: float = DEFAULT_MIN_MILES
    language: str = ""
    language_required: bool = False
    preferred_situations: tuple[str, ...] = ()
    limit: int = 25
    today: datetime.date | None = None

    def on(self) -> datetime.date:
        return self.today or timezone.localdate()

    @property
    def min_step(self) -> int:
        """The minimum distance, rounded up to the next STEP_MILES."""
        return math.ceil(self.min_miles / STEP_MILES - 1e-9) * STEP_MILES


@dataclass
class PlacementMatch:
    service: Service
    certifications: list[str]
    score: float = 0.0
    # The 25-mile step the nearest far-enough home is in ("at least 75 miles"), never miles.
    away_band_miles: int | None = None
    distance_label: str = ""
    beds: list[ServiceCapacity] = field(default_factory=list)
    beds_label: str = ""
    stale: bool = False
    checked: str = ""
    fits: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)


def step_band(miles: float) -> int:
    """The 25-mile step a distance is in, rounded down: 'at least' is then always true."""
    return int(miles // STEP_MILES) * STEP_MILES


# --- Step 1: candidates ---------------------------------------------------------------------


def placement_candidates(criteria: PlacementCriteria) -> QuerySet[Service]:
    """Certified placements that pass every hard rule except distance, as one query."""
    kinds = criteria.certifications or tuple(CERTIFICATIONS)
    services = Service.objects.filter(status=ServiceStatus.ACTIVE).filter(
        tagged_with_ids(certification_term_id(code) for code in kinds)
    )
    if criteria.age is not None:
        services = services.filter(age_q(criteria.age))
    excluded = gender_excludes(criteria.gender, criteria.transgender)
    if excluded is not None:
        services = services.exclude(excluded)
    if criteria.language and criteria.language_required:
        services = services.filter(speaks_q(criteria.language))
    if criteria.bed_today:
        services = services.filter(not_full_q(at_least=criteria.beds, units=BED_UNITS))
    for need in criteria.needs:
        services = services.filter(tagged_with([PLACEMENT_NEEDS[need].code]))
    return services


# --- Step 2: far enough from the area to avoid ----------------------------------------------


@dataclass
class _Homes:
    far: list[float] = field(default_factory=list)  # miles to each home with coordinates
    unknown: int = 0


def _homes(ids: Sequence[UUID], place: Place) -> dict[UUID, _Homes]:
    """Per placement, how far each of its homes is from the area to avoid (one query).

    A confidential home is measured from its general area (geo.general_area), never from
    where it is, and counted as near as any point of that square could be: its centre's
    distance less GENERAL_AREA_REACH_MILES. So the answer, whatever area and minimum are
    asked, says nothing finer than the square; and "at least 50 miles away" is true of the
    home itself, not just of its square's centre."""
    homes: dict[UUID, _Homes] = defaultdict(_Homes)
    rows = ServiceAtLocation.objects.filter(
        service_id__in=list(ids), location__isnull=False
    ).values_list(
        "service_id", "location__latitude", "location__longitude", "location__confidential"
    )
    for service_id, lat, lon, confidential in rows:
        if not geo.is_point(lat, lon):  # not on the map (or not a place at all)
            homes[service_id].unknown += 1
            continue
        if confidential:
            lat, lon = geo.general_area(lat, lon)
        miles = geo.haversine_miles(place.latitude, place.longitude, lat, lon)
        if confidential:
            miles = max(0.0, miles - geo.GENERAL_AREA_REACH_MILES)
        homes[service_id].far.append(miles)
    return homes


def _far_enough(homes: _Homes | None, min_step: int) -> tuple[bool, float | None, bool]:
    """(keep it, miles to its nearest far-enough home, some homes are too near)."""
    if homes is None:
        return True, None, False  # no home listed: cannot be checked, shown with a caution
    far = [miles for miles in homes.far if miles >= min_step]
    near = len(homes.far) - len(far)
    if far:
        return True, min(far), near > 0
    return near == 0, None, False


# --- Step 3: fit ----------------------------------------------------------------------------


def _explain_distance(
    match: PlacementMatch, criteria: PlacementCriteria, nearest: float | None, some_near: bool
) -> float:
    if criteria.away_from is None:
        return 0.0
    if nearest is None:
        match.distance_label = _("Distance from the area to avoid not known")
        match.cautions.append(
            _(
                "Where its homes are is not in the directory: confirm with the agency that "
                "it is at least %(miles)s miles from the area to avoid"
            )
            % {"miles": criteria.min_step}
        )
        return -1.0
    band = step_band(nearest)
    match.away_band_miles = band
    match.distance_label = (
        _("At least %(band)s miles from the area to avoid") % {"band": band}
        if band
        else _("Less than %(step)s miles from the area to avoid") % {"step": STEP_MILES}
    )
    match.fits.append(match.distance_label)
    if some_near:
        match.cautions.append(
            _("Some of its homes are closer than %(miles)s miles to the area to avoid: ask for "
              "one farther away")
            % {"miles": criteria.min_step}
        )  # fmt: skip
    # Farther is safer: up to 6 points, so distance outweighs most preferences.
    return min(band, 300) / 50


def _explain(
    match: PlacementMatch,
    criteria: PlacementCriteria,
    tags: set[str],
    spoken: set[str],
    today: datetime.date,
) -> float:
    service, fits, cautions = match.service, match.fits, match.cautions
    fits.extend(match.certifications)
    score = explain_age(service, criteria.age, fits, cautions)
    score += explain_gender(tags, criteria.gender, criteria.transgender, fits, cautions)
    score += explain_language(service, spoken, criteria.language, fits, cautions)
    for key in criteria.needs:
        fits.append(_(PLACEMENT_NEEDS[key].fits))
    if match.beds:
        score += explain_capacity(match.beds, today, fits, cautions)
    else:
        cautions.append(_("Beds not reported: call to ask whether they have room"))
    score += explain_situations(tags, criteria.preferred_situations, fits, cautions)
    score += stale_caution(service, today, cautions)
    return score


# --- The query ------------------------------------------------------------------------------


def match_placements(criteria: PlacementCriteria) -> list[PlacementMatch]:
    """Certified placements for this young person, safest fit first, each with its reasons
    and never where it is. A fixed number of queries, whatever the number found."""
    today = criteria.on()
    ids = list(placement_candidates(criteria).values_list("pk", flat=True)[:MAX_CANDIDATES])
    homes = _homes(ids, criteria.away_from) if criteria.away_from else {}
    services = {
        s.pk: s
        for s in Service.objects.filter(pk__in=ids)
        .select_related("organization")
        .prefetch_related("capacities__unit")
    }
    tags = tags_of(ids)
    certified = _certifications_of(ids)
    spoken = languages_of(ids)
    matches = []
    for service_id in ids:
        keep, nearest, some_near = (
            _far_enough(homes.get(service_id), criteria.min_step)
            if criteria.away_from
            else (True, None, False)
        )
        if not keep:
            continue
        matches.append(
            _one(
                services[service_id],
                certified.get(service_id, []),
                criteria,
                (tags.get(service_id, set()), spoken[service_id]),
                (nearest, some_near),
                today,
            )
        )
    matches.sort(key=_rank)
    return matches[: criteria.limit]


def _one(
    service: Service,
    certifications: list[str],
    criteria: PlacementCriteria,
    tagged: tuple[set[str], set[str]],
    distance: tuple[float | None, bool],
    today: datetime.date,
) -> PlacementMatch:
    beds = [
        c for c in latest_capacities(service.capacities.all()) if c.unit.name.lower() in BED_UNITS
    ]
    match = PlacementMatch(
        service=service,
        certifications=certifications,
        beds=beds,
        beds_label=capacity_words(beds, today) if beds else _("Beds not reported"),
        stale=is_stale(service, today),
        checked=checked_label(service, today),
    )
    match.score = _explain(match, criteria, *tagged, today)
    match.score += _explain_distance(match, criteria, *distance)
    return match


def _certifications_of(ids: Sequence[UUID]) -> dict[UUID, list[str]]:
    names = {certification_term_id(code): name for code, name in CERTIFICATIONS.items()}
    found: dict[UUID, list[str]] = defaultdict(list)
    rows = Attribute.objects.filter(link_id__in=list(ids), taxonomy_term_id__in=list(names))
    for link_id, term_id in rows.values_list("link_id", "taxonomy_term_id").order_by(
        "taxonomy_term_id"
    ):
        if link_id is not None and term_id is not None:
            found[link_id].append(_(names[term_id]))
    return found


def _rank(match: PlacementMatch) -> tuple[float, int, str, str]:
    farther = match.away_band_miles if match.away_band_miles is not None else -1
    return (-match.score, -farther, match.service.name, str(match.service.pk))
