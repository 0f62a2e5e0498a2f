"""/matches: matching in the API, by the same rules and functions as the pages.

- POST /matches/services: services for a need (or words) near a ZIP, ranked, each with why
  it fits and why it might not, distance, capacity and a stale mark.
- POST /matches/placements: certified safe houses and safe foster homes far from the area
  to avoid, with no address and no exact distance.

Both POST, so that an age, a gender or a ZIP never reaches a URL. Given a `case_id` (and
for services a `need_id`), what is not sent is filled in from the young person's record as
far as the token may see it, the caller must be one who may refer for that case (404 for a
case the token does not see, 403 for one it sees but may not refer from), and the match is
audited. Without one, services are open to every token (the directory lists services, not
people); placements to those who refer. An unknown ZIP, a radius outside 1 to 500 miles or an
age outside 0 to 120 is a 422, never a 500. Registered in continuum/api/api.py.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field, StrictBool, StrictInt, StringConstraints

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.api.errors import InvalidInput
from continuum.api.schemas import READ_ERRORS, Clean, InputSchema
from continuum.api.tokens import request_actor
from continuum.directory.need_terms import NEED_DOMAIN_TERMS
from continuum.directory.queries import COMMON_LANGUAGES
from continuum.referrals import placements
from continuum.referrals.matching import (
    DOCUMENT_LABELS,
    GENDERS,
    MAX_AGE,
    MAX_RADIUS,
    MIN_AGE,
    MIN_RADIUS,
    PREFERRED_SITUATIONS,
    Gender,
    Match,
    MatchCriteria,
    Place,
    Subject,
    match_services,
    place_for_zip,
    record_match,
    record_search,
    subject_for,
)

router = Router(tags=["matching"])

# Choices as enums, so that the OpenAPI document lists them.
GenderIn = StrEnum("GenderIn", {k: k for k in GENDERS})  # type: ignore[misc]
Preference = StrEnum("Preference", {f"S{k}": k for k in PREFERRED_SITUATIONS})  # type: ignore[misc]
Document = StrEnum("Document", {k: k for k in DOCUMENT_LABELS})  # type: ignore[misc]
LanguageIn = StrEnum("LanguageIn", {k: k for k in COMMON_LANGUAGES})  # type: ignore[misc]
Domain = StrEnum("Domain", {k: k for k, terms in NEED_DOMAIN_TERMS.items() if terms})  # type: ignore[misc]
Certification = StrEnum("Certification", {k: k for k in placements.CERTIFICATIONS})  # type: ignore[misc]
PlacementNeed = StrEnum("PlacementNeed", {k: k for k in placements.PLACEMENT_NEEDS})  # type: ignore[misc]

Age = Annotated[StrictInt, Field(ge=MIN_AGE, le=MAX_AGE, description="In years, 0 to 120.")]
Zip = Annotated[str, StringConstraints(max_length=10), Clean]
Limit = Annotated[StrictInt, Field(ge=1, le=100)]


class _YoungPersonIn(InputSchema):
    age: Age | None = Field(None, description="Left out with a case_id: from their record.")
    gender: GenderIn | None = Field(None, description="As they describe it. Not stored.")
    transgender: StrictBool = False
    language: LanguageIn | None = Field(
        None, description="ISO 639 code. Left out with a case_id: from their record."
    )
    language_required: StrictBool = Field(False, description="Only services that speak it.")
    preferences: Annotated[list[Preference], Field(max_length=len(PREFERRED_SITUATIONS))] = Field(
        [], description="Open Eligibility situations they would prefer (ranked first)."
    )
    limit: Limit = 25


class ServiceMatchIn(_YoungPersonIn):
    case_id: UUID | None = Field(None, description="Match for this case's young person.")
    need_id: UUID | None = Field(None, description="One of the case's needs (with case_id).")
    domain: Domain | None = Field(None, description="A need domain; a need_id decides it.")
    text: Annotated[str, StringConstraints(max_length=200), Clean] = ""
    zip_code: Zip | None = Field(None, description="U.S. ZIP code to measure distance from.")
    radius_miles: Annotated[float, Field(ge=MIN_RADIUS, le=MAX_RADIUS)] = 25.0
    room_today: StrictBool = Field(False, description="Leave out services known to be full.")
    lacks_documents: Annotated[list[Document], Field(max_length=len(DOCUMENT_LABELS))] = []


class PlacementMatchIn(_YoungPersonIn):
    case_id: UUID | None = Field(None, description="Match for this case's young person.")
    certifications: Annotated[list[Certification], Field(max_length=2)] = Field(
        [], description="Empty: either kind."
    )
    needs: Annotated[list[PlacementNeed], Field(max_length=len(placements.PLACEMENT_NEEDS))] = []
    beds: Annotated[StrictInt, Field(ge=1, le=placements.MAX_BEDS)] = 1
    bed_today: StrictBool = Field(True, description="Leave out placements known to be full.")
    away_from_zip: Zip | None = Field(
        None, description="ZIP of the exploiter's known area: a place to be far from."
    )
    min_distance_miles: Annotated[float, Field(ge=0, le=placements.MAX_MILES)] = Field(
        placements.DEFAULT_MIN_MILES, description="Rounded up to the next 25 miles."
    )


class CapacityOut(Schema):
    unit: str
    available: float
    maximum: float | None
    updated: str


class ServiceMatchOut(Schema):
    service_id: UUID
    service_name: str
    organization: str
    score: float
    distance: str = Field(description="In words; a confidential location gives a band only.")
    distance_miles: float | None = Field(description="Null for a confidential location.")
    distance_band_miles: int | None = Field(
        description="For a confidential location only: the 5-mile band its general area is in."
    )
    confidential_location: bool
    service_area_covers_place: bool
    capacity: str
    capacities: list[CapacityOut]
    stale: bool
    checked: str
    fits: list[str]
    cautions: list[str]


class ServiceMatchesOut(Schema):
    place: str | None
    prefilled: list[str] = Field(description="What was filled in from the record (names only).")
    results: list[ServiceMatchOut]


class PlacementMatchOut(Schema):
    service_id: UUID
    service_name: str
    organization: str
    certifications: list[str]
    score: float
    distance: str = Field(description="A 25-mile band from the area to avoid; never miles.")
    away_band_miles: int | None
    beds: str
    stale: bool
    checked: str
    fits: list[str]
    cautions: list[str]


class PlacementMatchesOut(Schema):
    prefilled: list[str]
    results: list[PlacementMatchOut]


# --- shaping the answers --------------------------------------------------------------------


def _place(zip_code: str | None) -> Place | None:
    if not zip_code:
        return None
    place = place_for_zip(zip_code)
    if place is None:
        raise InvalidInput(
            _("We do not know the ZIP code “%(zip)s”: send five digits, like 33101.")
            % {"zip": zip_code}
        )
    return place


def _service_out(match: Match) -> dict[str, Any]:
    service = match.service
    return {
        "service_id": service.pk,
        "service_name": service.name,
        "organization": service.organization.name if service.organization else "",
        "score": round(match.score, 2),
        "distance": match.distance_label,
        "distance_miles": None if match.distance_miles is None else round(match.distance_miles, 1),
        "distance_band_miles": match.distance_band_miles,
        "confidential_location": match.confidential,
        "service_area_covers_place": match.covers_place,
        "capacity": match.capacity_label,
        "capacities": [
            {
                "unit": c.unit.name,
                "available": c.available,
                "maximum": c.maximum,
                "updated": c.updated.isoformat(),
            }
            for c in match.capacities
        ],
        "stale": match.stale,
        "checked": match.checked,
        "fits": match.fits,
        "cautions": match.cautions,
    }


def _placement_out(match: placements.PlacementMatch) -> dict[str, Any]:
    service = match.service
    return {
        "service_id": service.pk,
        "service_name": service.name,
        "organization": service.organization.name if service.organization else "",
        "certifications": match.certifications,
        "score": round(match.score, 2),
        "distance": match.distance_label,
        "away_band_miles": match.away_band_miles,
        "beds": match.beds_label,
        "stale": match.stale,
        "checked": match.checked,
        "fits": match.fits,
        "cautions": match.cautions,
    }


def _subject(actor: Actor, case_id: UUID | None, need_id: UUID | None = None) -> Subject | None:
    if case_id is None:
        if need_id is not None:
            raise InvalidInput(_("Send the case_id with the need_id."))
        return None
    return subject_for(actor, case_id, need_id)


def _young_person(payload: _YoungPersonIn, subject: Subject | None) -> dict[str, Any]:
    """What was sent, with what was not filled in from the record (a case's young person)."""
    age = payload.age
    language = payload.language.value if payload.language else ""
    if subject is not None:
        age = subject.age if age is None else age
        language = language or subject.language
    gender: Gender | None = payload.gender.value if payload.gender else None  # type: ignore[assignment]
    return {
        "age": age,
        "gender": gender,
        "transgender": payload.transgender,
        "language": language,
        "language_required": payload.language_required,
        "preferred_situations": tuple(p.value for p in payload.preferences),
        "limit": payload.limit,
    }


def _prefilled(payload: _YoungPersonIn, subject: Subject | None) -> list[str]:
    if subject is None:
        return []
    sent = {"age": payload.age is not None, "language": payload.language is not None}
    return [name for name in subject.prefilled if not sent[name]]


# --- routes ---------------------------------------------------------------------------------


@router.post(
    "/services", response={200: ServiceMatchesOut, **READ_ERRORS}, summary="Match services"
)
def match_services_route(request: HttpRequest, payload: ServiceMatchIn) -> dict[str, Any]:
    """Services for a need (a case's need, a need domain, or words) near a ZIP code, best fit
    first, each with why it fits and why it might not. A confidential location is measured
    from its general area (a fixed grid square), in 5-mile bands, never from its address.
    Every search is audited (counts only)."""
    actor = request_actor(request)
    policy.require(actor, policy.Permission.VIEW_DIRECTORY)
    subject = _subject(actor, payload.case_id, payload.need_id)
    place = _place(payload.zip_code)
    domain = payload.domain.value if payload.domain else None
    if subject is not None and subject.need is not None:
        domain = subject.need.domain.code
    criteria = MatchCriteria(
        **_young_person(payload, subject),
        domain=domain,
        text=payload.text,
        place=place,
        radius_miles=payload.radius_miles,
        room_today=payload.room_today,
        lacks_documents=tuple(d.value for d in payload.lacks_documents),
    )
    found = match_services(criteria)
    if subject is not None:
        record_match(actor, subject, step="match", found=len(found))
    else:
        record_search(actor, step="search", found=len(found))
    return {
        "place": place.label if place else None,
        "prefilled": _prefilled(payload, subject),
        "results": [_service_out(m) for m in found],
    }


@router.post(
    "/placements", response={200: PlacementMatchesOut, **READ_ERRORS}, summary="Match placements"
)
def match_placements_route(request: HttpRequest, payload: PlacementMatchIn) -> dict[str, Any]:
    """Certified safe houses and safe foster homes for the young person, far from the area to
    avoid (placements nearer than the minimum distance are left out; farther ones first).
    For those who refer. No address, and distance only in 25-mile bands, from each home's
    general area less the most a home in it could be nearer. Every search is audited."""
    actor = request_actor(request)
    policy.require(actor, policy.Permission.REFER)
    subject = _subject(actor, payload.case_id)
    criteria = placements.PlacementCriteria(
        **_young_person(payload, subject),
        certifications=tuple(c.value for c in payload.certifications),
        needs=tuple(n.value for n in payload.needs),
        beds=payload.beds,
        bed_today=payload.bed_today,
        away_from=_place(payload.away_from_zip),
        min_miles=payload.min_distance_miles,
    )
    found = placements.match_placements(criteria)
    if subject is not None:
        record_match(actor, subject, step="placement", found=len(found))
    else:
        record_search(actor, step="placement_search", found=len(found))
    return {
        "prefilled": _prefilled(payload, subject),
        "results": [_placement_out(m) for m in found],
    }
