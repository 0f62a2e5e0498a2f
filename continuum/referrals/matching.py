"""Matching a young person's need to the directory's services (issue #7, best practice 9).

`match_services(criteria)` answers "who in the community can take this young person, for
this need, now?" in three steps, so that its cost follows the size of the answer and not
the size of the directory (a fixed number of queries, whatever the number of results):

1. **Candidates, in the database.** Active services tagged with one of the need domain's
   taxonomy terms (need_terms.py), whose age range holds the young person's age (a missing
   bound is no bound, both bounds inclusive), that do not serve only other genders, that
   speak the language when the case manager asks for it, and that are not full when asked
   for room today (their newest capacity figure; a service that reports none stays, with a
   note to call). Typed words go through the directory's one full-text function
   (fulltext.search_services).
2. **Distance, exactly.** A bounding box (geo.bounding_box: right across the date line and
   near the poles) finds the locations worth measuring; Haversine measures them. A service
   whose service area covers the place counts even when it is far away.
3. **Fit, explained.** Each service gets a score and two lists in plain words: why it fits,
   and why it might not (full, capacity not reported, listing not checked lately, listed
   only for another gender, no staff listed who speak the language, a document they lack).

Hard rules (age, gender, language when required, room when required, radius) filter;
everything else only ranks and explains, because the case manager and the young person
decide. Unknown is never treated as "no": a service that reports no capacity is not full,
and a young person whose gender was not given still sees services listed for one gender,
with a caution.

A confidential location (a safe house) is never measured from where it is: its distance
is to its general area (geo.general_area, the centre of a fixed grid square about 17 miles
across), which is public by design, so asking again and again from different places learns
nothing more than that square. It is shown in 5-mile bands (`distance_band`).

The hard rules are read from the match index (directory/match_index.py: one pre-joined row
per active service and site), the explanations from the HSDS tables.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

import zipcodes
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import Case, CaseStatus
from continuum.cases.queries import case_for
from continuum.directory import geo, taxonomy
from continuum.directory.match_index import (
    LANGUAGE_ALIASES,
    Facts,
    language_code,
    member,
    not_full_q,
    service_facts,
)
from continuum.directory.models import (
    Attribute,
    Language,
    MatchArea,
    MatchSite,
    RequiredDocument,
    Service,
    ServiceCapacity,
    ServiceStatus,
)
from continuum.directory.need_terms import GENDER_TERMS, NEED_DOMAIN_TERMS
from continuum.directory.queries import (
    COMMON_LANGUAGES,
    ages_served,
    checked_label,
    is_stale,
    latest_capacities,
    stale_since,
)
from continuum.needs.models import Need
from continuum.needs.queries import may_read_needs, needs_of

# How the young person describes their gender. Not stored: it is asked for the search only.
Gender = Literal["female", "male", "nonbinary"]
GENDERS: dict[Gender, str] = {
    "female": "A girl or young woman",
    "male": "A boy or young man",
    "nonbinary": "Nonbinary, or another gender",
}

# Open Eligibility's human situations that say which genders a service is for.
WOMEN, MEN, TRANSGENDER = GENDER_TERMS
SERVES_WORDS: dict[str, str] = {
    WOMEN: "girls and young women",
    MEN: "boys and young men",
    TRANSGENDER: "transgender and nonbinary young people",
}
TRAFFICKING_SURVIVORS = "20084"
# Situations a case manager may prefer (the young person's preferences), in the form's order.
PREFERRED_SITUATIONS: dict[str, str] = {
    TRAFFICKING_SURVIVORS: "works with survivors of trafficking",
    "20078": "LGBTQ-affirming",
    "20004": "for teens",
    "20040": "for young people in foster care",
    "20076": "for young parents",
}

ENGLISH = "en"

# Documents a young person may not have, and words that name them in a listing's list.
DOCUMENT_WORDS: dict[str, tuple[str, ...]] = {
    "photo_id": ("photo id", "identification", "driver", "state id", "picture id", " id "),
    "birth_certificate": ("birth certificate",),
    "social_security_card": ("social security",),
    "proof_of_address": ("proof of address", "proof of residence", "utility bill", "lease"),
    "insurance_card": ("insurance", "medicaid"),
    "guardian_consent": ("guardian", "parent"),
}
DOCUMENT_LABELS: dict[str, str] = {
    "photo_id": "a photo ID",
    "birth_certificate": "a birth certificate",
    "social_security_card": "a Social Security card",
    "proof_of_address": "proof of address",
    "insurance_card": "an insurance card",
    "guardian_consent": "a parent's or guardian's signature",
}
CAPACITY_OLD_AFTER_DAYS = 7
# A confidential location's distance (to its general area) is shown and ranked in bands.
BAND_MILES = 5
# Without a place, this many candidates are weighed (by name, or by how well the words
# match): a directory-wide match with no place is a browse, not a placement decision.
MAX_WITHOUT_PLACE = 500
MIN_RADIUS, MAX_RADIUS = 1.0, 500.0
# Ids per IN-list: well under SQLite's and PostgreSQL's limits on query parameters.
ID_CHUNK = 2000
MIN_AGE, MAX_AGE = 0, 120


def language_codes(code: str) -> list[str]:
    """Every way a listing may spell the language `code` (639-1 and its 639-3 names)."""
    base = language_code(code)
    return [base, *(three for three, two in LANGUAGE_ALIASES.items() if two == base)]


def language_name(code: str) -> str:
    base = language_code(code)
    return COMMON_LANGUAGES.get(base, base)


# --- places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where distance is measured from: a ZIP code's centre, or a point."""

    latitude: float
    longitude: float
    label: str
    postal_code: str = ""
    state: str = ""
    city: str = ""
    county: str = ""


@functools.lru_cache(maxsize=1024)
def place_for_zip(postal_code: str) -> Place | None:
    """The centre of a U.S. ZIP code with its city, county and state, or None when the ZIP
    is not one we know (geo.zip_centroid decides)."""
    zip5 = geo.parse_zip(postal_code)
    point = geo.zip_centroid(zip5) if zip5 else None
    if zip5 is None or point is None:
        return None
    found = zipcodes.matching(zip5)
    facts = found[0] if found else {}
    city, state = str(facts.get("city", "")), str(facts.get("state", ""))
    where = ", ".join(part for part in (city, state) if part)
    return Place(
        latitude=point[0],
        longitude=point[1],
        label=f"{zip5} ({where})" if where else zip5,
        postal_code=zip5,
        state=state,
        city=city,
        county=str(facts.get("county", "")),
    )


def distance_band(miles: float) -> int:
    """The 5-mile band a distance falls in, rounded up: 0.3 → 5, 7.2 → 10, 10.0 → 10."""
    return max(BAND_MILES, math.ceil(miles / BAND_MILES - 1e-9) * BAND_MILES)


# --- what is asked --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MatchCriteria:
    domain: str | None = None
    text: str = ""
    age: int | None = None
    gender: Gender | None = None
    transgender: bool = False
    language: str = ""
    language_required: bool = False
    place: Place | None = None
    radius_miles: float = 25.0
    room_today: bool = False
    preferred_situations: tuple[str, ...] = ()
    lacks_documents: tuple[str, ...] = ()
    limit: int = 25
    # The day the match is for (stale listings, capacity age); None is today.
    today: datetime.date | None = None

    def on(self) -> datetime.date:
        return self.today or timezone.localdate()


@dataclass
class Match:
    service: Service
    score: float = 0.0
    # Exact miles to the nearest location, for a location that is not confidential.
    distance_miles: float | None = None
    # For a confidential location: the 5-mile band it is in, and never the exact miles.
    distance_band_miles: int | None = None
    confidential: bool = False
    covers_place: bool = False
    capacities: list[ServiceCapacity] = field(default_factory=list)
    capacity_label: str = ""
    has_room: bool | None = None  # None: capacity not reported
    stale: bool = False
    checked: str = ""
    distance_label: str = ""
    fits: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)

    @property
    def ranked_distance(self) -> float:
        if self.distance_band_miles is not None:
            return float(self.distance_band_miles)
        return self.distance_miles if self.distance_miles is not None else math.inf


# --- hard rules, as filters (shared with placements.py) ------------------------------------


def term_ids(codes: Iterable[str]) -> list[UUID]:
    return [taxonomy.term_id(code) for code in codes]


def tagged_with(codes: Iterable[str]) -> Exists:
    """The service is tagged with one of these Open Eligibility terms (by their fixed ids,
    so a term of another taxonomy with the same code never counts)."""
    return Exists(
        Attribute.objects.filter(link_id=OuterRef("pk"), taxonomy_term_id__in=term_ids(codes))
    )


def tagged_with_ids(ids: Iterable[UUID]) -> Exists:
    return Exists(Attribute.objects.filter(link_id=OuterRef("pk"), taxonomy_term_id__in=list(ids)))


def age_q(age: int) -> Q:
    """The age range holds `age`; a missing bound is no bound; both bounds count."""
    return Q(Q(minimum_age__isnull=True) | Q(minimum_age__lte=age)) & Q(
        Q(maximum_age__isnull=True) | Q(maximum_age__gte=age)
    )


def own_gender_terms(gender: Gender | None, transgender: bool) -> set[str]:
    """The gender terms that say a service is for this young person."""
    own = {"female": {WOMEN}, "male": {MEN}, "nonbinary": {TRANSGENDER}}.get(gender or "", set())
    return (own | {TRANSGENDER}) if transgender else set(own)


def gender_excludes(gender: Gender | None, transgender: bool) -> Q | None:
    """Services listed only for other genders, or None when nothing is clearly ruled out.

    Only a girl or a boy is ruled out of a service listed for other genders. For a
    nonbinary young person, or one whose gender was not given, a one-gender listing is a
    question for the provider, not a refusal: it is shown with a caution."""
    if gender not in ("female", "male"):
        return None
    return Q(tagged_with(GENDER_TERMS)) & ~Q(tagged_with(own_gender_terms(gender, transgender)))


def speaks_q(language: str) -> Q:
    """The service, or one of its locations, lists the language. A listing that names no
    language is taken to be in English: the directory is a U.S. one, and most listings only
    name the languages they offer besides English."""
    codes = language_codes(language)
    spoken = Q(Exists(Language.objects.filter(service_id=OuterRef("pk"), code__in=codes))) | Q(
        Exists(
            Language.objects.filter(
                location__service_at_locations__service_id=OuterRef("pk"), code__in=codes
            )
        )
    )
    if language_code(language) != ENGLISH:
        return spoken
    any_listed = Q(Exists(Language.objects.filter(service_id=OuterRef("pk")))) | Q(
        Exists(Language.objects.filter(location__service_at_locations__service_id=OuterRef("pk")))
    )
    return spoken | ~any_listed


# --- Step 1: candidates ---------------------------------------------------------------------


def domain_codes(domain: str | None) -> tuple[str, ...]:
    return NEED_DOMAIN_TERMS.get(domain or "", ())


def candidates(criteria: MatchCriteria) -> QuerySet[Service]:
    """The services that pass every hard rule except distance, as one query."""
    services = Service.objects.filter(status=ServiceStatus.ACTIVE)
    if criteria.domain:
        # A domain with no terms ("other", or one a community added) offers nothing: the
        # page says so and suggests searching by words.
        services = services.filter(tagged_with(domain_codes(criteria.domain)))
    if criteria.age is not None:
        services = services.filter(age_q(criteria.age))
    excluded = gender_excludes(criteria.gender, criteria.transgender)
    if excluded is not None:
        services = services.exclude(excluded)
    if criteria.language and criteria.language_required:
        services = services.filter(speaks_q(criteria.language))
    if criteria.room_today:
        services = services.filter(not_full_q())
    if criteria.text.strip():
        from continuum.directory.fulltext import search_services

        services = search_services(services, criteria.text)
    return services


# --- Step 2: distance -----------------------------------------------------------------------

# Service-area names that cover every U.S. place.
EVERYWHERE = ("nationwide", "national", "united states", "usa", "us", "u.s.")


def area_names(place: Place) -> set[str]:
    """The names a service area covering the place may have (compared without case)."""
    names = set(EVERYWHERE)
    states = [s for s in (place.state, STATE_NAMES.get(place.state, "")) if s]
    names.update(s.lower() for s in states)
    if place.postal_code:
        names.add(place.postal_code)
    # A city or county only with its state: thirty states have a Washington County, and a
    # service area named for another state's would otherwise count as covering this place.
    for local in (place.city, place.county):
        if local:
            names.update(f"{local}, {state}".lower() for state in states)
    return names


def rules_q(criteria: MatchCriteria) -> Q:
    """`candidates()`'s hard rules on the match index's columns (MatchSite, MatchArea): the
    same rules, read from one row instead of four tables. Words typed (full text) are not
    in the index; `_indexed` checks them on the service."""
    rules = Q()
    if criteria.domain:
        offered = Q(pk__in=[])  # a domain with no terms offers nothing
        for code in domain_codes(criteria.domain):
            offered |= member("terms", code)
        rules &= offered
    if criteria.age is not None:
        rules &= age_q(criteria.age)
    if criteria.gender in ("female", "male"):
        # Listed for some gender, and not for theirs (gender_excludes, on the row).
        some, own = Q(), Q()
        for code in GENDER_TERMS:
            some |= member("terms", code)
        for code in own_gender_terms(criteria.gender, criteria.transgender):
            own |= member("terms", code)
        rules &= ~(some & ~own)
    if criteria.language and criteria.language_required:
        base = language_code(criteria.language)
        rules &= member("languages", base) | (Q(languages="") if base == ENGLISH else Q(pk__in=[]))
    if criteria.room_today:
        rules &= Q(not_full=True)
    return rules


def _indexed(rows: QuerySet[MatchSite] | QuerySet[MatchArea], criteria: MatchCriteria) -> Any:
    rows = rows.filter(rules_q(criteria))
    if criteria.text.strip():
        rows = rows.filter(Exists(candidates(criteria).filter(pk=OuterRef("service_id"))))
    return rows


@dataclass(frozen=True)
class _Near:
    miles: float  # to the location, or to a confidential location's general area
    confidential: bool

    @property
    def ranked(self) -> float:
        return float(distance_band(self.miles)) if self.confidential else self.miles


# Service id -> what its index rows say of it (match_index.Facts), for ranking.
Listed = dict[UUID, Facts]
FACT_FIELDS = Facts._fields


def _nearby(
    criteria: MatchCriteria, place: Place, radius: float, listed: Listed
) -> dict[UUID, _Near]:
    """Service id -> its nearest site within the radius (one query, on the match index). A
    confidential site is at its general area in the index: the box, the radius and the
    distance all use that point, so no answer depends on where the safe house really is."""
    box = geo.bounding_box(place.latitude, place.longitude, radius)
    rows = _indexed(MatchSite.objects.filter(geo.within_box("", box)), criteria).values_list(
        "service_id", "latitude", "longitude", "confidential", *FACT_FIELDS
    )
    nearest: dict[UUID, _Near] = {}
    for service_id, lat, lon, confidential, *facts in rows:
        miles = geo.haversine_miles(place.latitude, place.longitude, lat, lon)
        if not miles <= radius + RADIUS_SLACK_MILES:
            continue
        near = _Near(miles, confidential)
        if service_id not in nearest or near.ranked < nearest[service_id].ranked:
            nearest[service_id] = near
            listed[service_id] = Facts(*facts)
    return nearest


# geo.within_radius's slack: a point exactly on the circle is in.
RADIUS_SLACK_MILES = 1e-6


def _covering(criteria: MatchCriteria, place: Place, listed: Listed) -> set[UUID]:
    """The candidates with a service area covering the place, however far they are (one
    query, on the match index's area names)."""
    keys = sorted(area_names(place))
    rows = _indexed(MatchArea.objects.filter(key__in=keys), criteria)
    covering = set()
    for service_id, *facts in rows.values_list("service_id", *FACT_FIELDS):
        covering.add(service_id)
        listed.setdefault(service_id, Facts(*facts))
    return covering


# --- Step 3: fit ----------------------------------------------------------------------------


# What matching reads of a service to explain it and show it: loading only these (not the
# listing's descriptions, nor `extra`'s JSON) is most of what a result costs (docs/benchmark.md).
SHOWN_FIELDS = (
    "id",
    "name",
    "minimum_age",
    "maximum_age",
    "interpretation_services",
    "assured_date",
    "organization__id",
    "organization__name",
)


def _with_details(ids: Sequence[UUID]) -> dict[UUID, Service]:
    """The services found, with what explaining them reads (three queries)."""
    services = (
        Service.objects.filter(pk__in=list(ids))
        .select_related("organization")
        .only(*SHOWN_FIELDS)
        .prefetch_related(
            Prefetch(
                "required_documents",
                queryset=RequiredDocument.objects.only("id", "service_id", "document"),
            ),
            Prefetch(
                "capacities",
                queryset=ServiceCapacity.objects.select_related("unit").only(
                    "id", "service_id", "available", "maximum", "updated", "unit__id", "unit__name"
                ),
            ),
        )
    )
    return {s.pk: s for s in services}


def tags_of(ids: Sequence[UUID]) -> dict[UUID, set[str]]:
    """Service id → the Open Eligibility codes it is tagged with (one query). Terms of other
    taxonomies are left out: only the fixed Open Eligibility ids are read as codes."""
    tags: dict[UUID, set[str]] = defaultdict(set)
    rows = Attribute.objects.filter(link_id__in=list(ids), taxonomy_term__isnull=False)
    for link_id, term_id, code in rows.values_list(
        "link_id", "taxonomy_term_id", "taxonomy_term__code"
    ):
        if link_id is not None and code and term_id == taxonomy.term_id(code):
            tags[link_id].add(code)
    return tags


def languages_of(ids: Sequence[UUID]) -> dict[UUID, set[str]]:
    """Service id -> the language codes it or its locations list (two queries)."""
    spoken: dict[UUID, set[str]] = {service_id: set() for service_id in ids}
    own = Language.objects.filter(service_id__in=list(ids)).values_list("service_id", "code")
    at_sites = Language.objects.filter(
        location__service_at_locations__service_id__in=list(ids)
    ).values_list("location__service_at_locations__service_id", "code")
    for service_id, code in [*own, *at_sites]:
        if service_id in spoken:
            spoken[service_id].add(language_code(code))
    return spoken


def _updated_words(updated: datetime.datetime, today: datetime.date) -> str:
    days = (today - timezone.localdate(updated)).days
    if days <= 0:
        return _("updated today")
    if days == 1:
        return _("updated yesterday")
    return _("updated %(days)s days ago") % {"days": days}


def _unit(unit: str, count: float) -> str:
    unit = unit.strip().lower() or _("places")
    if count == 1 and unit.endswith("s"):
        return unit[:-1]
    if count != 1 and not unit.endswith("s"):
        return unit + "s"
    return unit


def capacity_words(capacities: Sequence[ServiceCapacity], today: datetime.date) -> str:
    """ "2 beds available now, updated today", "Full, updated yesterday", or "Capacity not
    reported" — unknown is never shown as full."""
    if not capacities:
        return _("Capacity not reported")
    with_room = [c for c in capacities if c.available > 0]
    if not with_room:
        return _("Full, %(updated)s") % {"updated": _updated_words(capacities[0].updated, today)}
    return "; ".join(
        _("%(available)s %(unit)s available now, %(updated)s")
        % {
            "available": f"{c.available:g}",
            "unit": _unit(c.unit.name, c.available),
            "updated": _updated_words(c.updated, today),
        }
        for c in with_room
    )


def explain_capacity(
    capacities: Sequence[ServiceCapacity],
    today: datetime.date,
    fits: list[str],
    cautions: list[str],
) -> float:
    """Room now ranks up, full ranks down; not reported is neither (it is not zero)."""
    if not capacities:
        cautions.append(_("Capacity not reported: call to ask whether they have room"))
        return 0.0
    words = capacity_words(capacities, today)
    if any(c.available > 0 for c in capacities):
        fits.append(words)
    else:
        cautions.append(_("Full now (%(words)s): ask about a waiting list") % {"words": words})
    age_days = _capacity_age(max(c.updated for c in capacities), today)
    if age_days > CAPACITY_OLD_AFTER_DAYS:
        cautions.append(_("Capacity last updated %(days)s days ago") % {"days": age_days})
    return capacity_points(
        any(c.available > 0 for c in capacities), max(c.updated for c in capacities), today
    )


def _capacity_age(newest: datetime.datetime, today: datetime.date) -> int:
    return (today - timezone.localdate(newest)).days


def capacity_points(
    room: bool | None, newest: datetime.datetime | None, today: datetime.date
) -> float:
    """Room now (in the newest figure of some unit) ranks up, full ranks down, not reported
    (room None) is neither; a figure older than a week costs half a point."""
    if room is None or newest is None:
        return 0.0
    points = 2.0 if room else -3.0
    if _capacity_age(newest, today) > CAPACITY_OLD_AFTER_DAYS:
        points -= 0.5
    return points


def explain_age(service: Service, age: int | None, fits: list[str], cautions: list[str]) -> float:
    bounded = service.minimum_age is not None or service.maximum_age is not None
    if age is None:
        if bounded:
            cautions.append(
                _("Serves %(ages)s only: check their age") % {"ages": ages_served(service)}
            )
        return 0.0
    if not bounded:
        fits.append(_("Serves any age"))
    else:
        fits.append(_("Serves age %(age)s (%(ages)s)") % {"age": age, "ages": ages_served(service)})
    return age_points(age)


def age_points(age: int | None) -> float:
    """A service past the hard rule serves the age asked: a point when one was asked."""
    return 0.0 if age is None else 1.0


def explain_gender(
    tags: set[str], gender: Gender | None, transgender: bool, fits: list[str], cautions: list[str]
) -> float:
    served = [code for code in GENDER_TERMS if code in tags]
    if not served:
        return 0.0
    words = _(" and ").join(_(SERVES_WORDS[code]) for code in served)
    if own_gender_terms(gender, transgender) & set(served):
        fits.append(_("For %(who)s") % {"who": words})
    elif gender is None and not transgender:
        if not {WOMEN, MEN} <= set(served):  # girls and boys alike: nothing to check
            cautions.append(_("Listed only for %(who)s: check this fits them") % {"who": words})
    else:
        cautions.append(
            _("Listed only for %(who)s: ask whether they would welcome this young person")
            % {"who": words}
        )
    return gender_points(tags, gender, transgender)


def gender_points(tags: set[str], gender: Gender | None, transgender: bool) -> float:
    """A point for a service listed for the young person's own gender."""
    served = {code for code in GENDER_TERMS if code in tags}
    return 1.0 if own_gender_terms(gender, transgender) & served else 0.0


def explain_language(
    service: Service, spoken: set[str], language: str, fits: list[str], cautions: list[str]
) -> float:
    points = language_points(spoken, language, bool(service.interpretation_services))
    if not language:
        return points
    base = language_code(language)
    name = language_name(base)
    if base in spoken:
        fits.append(_("Staff speak %(language)s") % {"language": name})
    elif base == ENGLISH and not spoken:
        pass  # a listing that names no language is taken to be in English
    elif service.interpretation_services:
        cautions.append(
            _("No staff listed who speak %(language)s; offers interpretation: %(how)s")
            % {"language": name, "how": service.interpretation_services}
        )
    else:
        cautions.append(_("No staff listed who speak %(language)s") % {"language": name})
    return points


def language_points(spoken: set[str], language: str, interpretation: bool) -> float:
    """Staff who speak it rank up; interpretation a little; neither ranks down."""
    if not language:
        return 0.0
    base = language_code(language)
    if base in spoken or (base == ENGLISH and not spoken):
        return 2.0 if base in spoken else 0.0
    return 0.5 if interpretation else -1.0


def explain_situations(
    tags: set[str], preferred: Sequence[str], fits: list[str], cautions: list[str]
) -> float:
    for code, words in PREFERRED_SITUATIONS.items():
        wanted = code in preferred
        if code in tags and (wanted or code == TRAFFICKING_SURVIVORS):
            fits.append(_("Listed as %(words)s") % {"words": _(words)})
        elif wanted:
            cautions.append(_("Not listed as %(words)s") % {"words": _(words)})
    return situation_points(tags, preferred)


def situation_points(tags: set[str], preferred: Sequence[str]) -> float:
    """Two points for each situation asked for that it is listed for; one for working with
    survivors of trafficking when not asked."""
    points = 0.0
    for code in PREFERRED_SITUATIONS:
        wanted = code in preferred
        if code in tags and (wanted or code == TRAFFICKING_SURVIVORS):
            points += 2 if wanted else 1
    return points


def explain_documents(service: Service, lacks: Sequence[str], cautions: list[str]) -> float:
    if not lacks:
        return 0.0
    asked = [d.document for d in service.required_documents.all()]
    for key in _documents_lacking(asked, lacks):
        cautions.append(
            _("Asks for %(document)s, which they do not have")
            % {"document": _(DOCUMENT_LABELS[key])}
        )
    return document_points(asked, lacks)


def _documents_lacking(asked: Sequence[str], lacks: Sequence[str]) -> list[str]:
    """Which of the documents they lack the listing's required documents name (each document
    read by itself, so that the order they come in never matters)."""
    texts = [f" {document.lower()} " for document in asked]
    return [
        key
        for key in lacks
        if any(word in text for text in texts for word in DOCUMENT_WORDS.get(key, ()))
    ]


def document_points(asked: Sequence[str], lacks: Sequence[str]) -> float:
    return -float(len(_documents_lacking(asked, lacks))) if lacks else 0.0


def stale_caution(service: Service, today: datetime.date, cautions: list[str]) -> float:
    if is_stale(service, today):
        cautions.append(
            _("%(checked)s: call to confirm") % {"checked": checked_label(service, today)}
        )
    return stale_points(service.assured_date, today)


def stale_points(assured_date: datetime.date | None, today: datetime.date) -> float:
    return -1.0 if stale_since(assured_date, today) else 0.0


def _explain_place(match: Match, criteria: MatchCriteria) -> float:
    place = criteria.place
    if place is None:
        return 0.0
    if match.confidential and match.distance_band_miles is not None:
        match.distance_label = _("Confidential location: its area is within %(band)s miles") % {
            "band": match.distance_band_miles
        }
        match.fits.append(
            _("Confidential location: its general area is within %(band)s miles of %(place)s")
            % {"band": match.distance_band_miles, "place": place.label}
        )
    elif match.distance_miles is not None:
        match.distance_label = _("%(miles)s miles") % {"miles": f"{match.distance_miles:.1f}"}
        match.fits.append(
            _("%(miles)s miles from %(place)s")
            % {"miles": f"{match.distance_miles:.1f}", "place": place.label}
        )
    else:
        match.distance_label = _("Serves %(place)s") % {"place": place.label}
        match.fits.append(
            _("Its service area covers %(place)s, though it is more than %(radius)s miles away")
            % {"place": place.label, "radius": f"{criteria.radius_miles:g}"}
        )
    return place_points(match.ranked_distance, criteria)


def place_points(ranked_distance: float, criteria: MatchCriteria) -> float:
    """Nearer ranks up, from 2 points at the place to 0 at the radius; a service found only
    through its service area (no distance: infinite) gets 1."""
    if criteria.place is None:
        return 0.0
    if math.isinf(ranked_distance):
        return 1.0
    radius = max(criteria.radius_miles, MIN_RADIUS)
    return 2 * (1 - min(ranked_distance, radius) / radius)


def offered_points(tags: set[str], criteria: MatchCriteria) -> float:
    return 3.0 if tags & set(domain_codes(criteria.domain)) else 0.0


def _explain(
    match: Match, criteria: MatchCriteria, tags: set[str], spoken: set[str], today: datetime.date
) -> None:
    service, fits, cautions = match.service, match.fits, match.cautions
    score = 0.0
    offered = tags & set(domain_codes(criteria.domain))
    if offered:
        names = sorted(taxonomy.term(code).name for code in offered)
        fits.append(_("Offers %(terms)s") % {"terms": ", ".join(names)})
    score += offered_points(tags, criteria)
    score += explain_age(service, criteria.age, fits, cautions)
    score += explain_gender(tags, criteria.gender, criteria.transgender, fits, cautions)
    score += explain_language(service, spoken, criteria.language, fits, cautions)
    score += _explain_place(match, criteria)
    score += explain_capacity(match.capacities, today, fits, cautions)
    score += explain_situations(tags, criteria.preferred_situations, fits, cautions)
    score += explain_documents(service, criteria.lacks_documents, cautions)
    score += stale_caution(service, today, cautions)
    match.score = score


# --- The query ------------------------------------------------------------------------------


@dataclass
class Candidates:
    """Steps 1 and 2: the services that pass every hard rule, how near each is, which cover
    the place, and what the index says of each (with no place, the same facts read from the
    tables). Unranked, unexplained: what the benchmark's hand-written statement answers."""

    ids: list[UUID]
    facts: dict[UUID, Facts]
    nearest: dict[UUID, _Near] = field(default_factory=dict)
    covering: set[UUID] = field(default_factory=set)

    def tags(self, service_id: UUID) -> set[str]:
        return _members(self.facts[service_id].terms)

    def spoken(self, service_id: UUID) -> set[str]:
        return _members(self.facts[service_id].languages)


def _members(listed: str) -> set[str]:
    return set(listed.strip("|").split("|")) if listed else set()


def find_candidates(criteria: MatchCriteria) -> Candidates:
    place = criteria.place
    if place is None:
        ids = list(candidates(criteria).values_list("pk", flat=True)[:MAX_WITHOUT_PLACE])
        facts = service_facts(ids)
        return Candidates([pk for pk in ids if pk in facts], facts)
    listed: Listed = {}
    nearest = _nearby(criteria, place, criteria.radius_miles, listed)
    covering = _covering(criteria, place, listed)
    return Candidates(list(nearest.keys() | covering), listed, nearest, covering)


def _rank_lightly(found: Candidates, criteria: MatchCriteria, today: datetime.date) -> list[UUID]:
    """The best `limit` services, in order, scored from what the index says of them (no
    query, but one for the documents they lack; no model objects, no words): explaining
    costs about a millisecond a service, and only those shown need it. The points are the
    explanation's own (`*_points`), added in the same order, so the order is the one
    `_explain` gives (tests/referrals/test_bench.py checks)."""
    documents: dict[UUID, list[str]] = defaultdict(list)
    if criteria.lacks_documents:
        for start in range(0, len(found.ids), ID_CHUNK):  # a wide search finds thousands
            chunk = found.ids[start : start + ID_CHUNK]
            for service_id, document in RequiredDocument.objects.filter(
                service_id__in=chunk
            ).values_list("service_id", "document"):
                documents[service_id].append(document)
    ranked = []
    for service_id in found.ids:
        facts, tags = found.facts[service_id], found.tags(service_id)
        near = found.nearest.get(service_id)
        distance = near.ranked if near else math.inf
        score = offered_points(tags, criteria)
        score += age_points(criteria.age)
        score += gender_points(tags, criteria.gender, criteria.transgender)
        score += language_points(found.spoken(service_id), criteria.language, facts.interpreted)
        score += place_points(distance, criteria)
        score += capacity_points(facts.room, facts.capacity_updated, today)
        score += situation_points(tags, criteria.preferred_situations)
        score += document_points(documents[service_id], criteria.lacks_documents)
        score += stale_points(facts.assured_date, today)
        ranked.append((-score, distance, facts.name, str(service_id), service_id))
    ranked.sort()
    return [row[-1] for row in ranked[: criteria.limit]]


def match_services(criteria: MatchCriteria) -> list[Match]:
    """Services for this need, best fit first, each with its reasons. See the module doc.

    A fixed number of queries, whatever the number found: five with a place (six when
    documents they lack are asked), ten without."""
    today = criteria.on()
    found = find_candidates(criteria)
    shown = _rank_lightly(found, criteria, today)
    details = _with_details(shown)
    matches = []
    for service_id in shown:
        service = details[service_id]
        near = found.nearest.get(service_id)
        capacities = latest_capacities(service.capacities.all())
        match = Match(
            service=service,
            distance_miles=None if near is None or near.confidential else near.miles,
            distance_band_miles=distance_band(near.miles) if near and near.confidential else None,
            confidential=bool(near and near.confidential),
            covers_place=service_id in found.covering,
            capacities=capacities,
            capacity_label=capacity_words(capacities, today),
            has_room=any(c.available > 0 for c in capacities) if capacities else None,
            stale=is_stale(service, today),
            checked=checked_label(service, today),
        )
        _explain(match, criteria, found.tags(service_id), found.spoken(service_id), today)
        matches.append(match)
    matches.sort(key=_rank)
    return matches


def _rank(match: Match) -> tuple[float, float, str, str]:
    return (-match.score, match.ranked_distance, match.service.name, str(match.service.pk))


# --- For a case: who may match, what the form may start from, the audit entry -------------


@dataclass(frozen=True)
class Subject:
    """The case (and need) a match is for, with what the form may start from: only what the
    reader may see of the young person (their identity category), else nothing."""

    case: Case
    need: Need | None
    age: int | None
    language: str

    @property
    def prefilled(self) -> list[str]:
        return [name for name, value in (("age", self.age), ("language", self.language)) if value]


def subject_for(actor: Actor, case_id: UUID | str, need_id: UUID | str | None = None) -> Subject:
    """The case and need to match for, checked: the case must be one the actor sees (else
    NotFound), the actor one who may refer for it (policy.Permission.REFER: the lead agency's
    supervisors, and its case managers named on the case; else Forbidden), and the need one
    of the case's, in a kind of data the actor may see (else NotFound). Not audited: the page
    or route audits what it did with it (`record_match`)."""
    case = case_for(actor, case_id, audit_read=False)
    policy.require_case_write(actor, case, policy.Permission.REFER)
    if case.status == CaseStatus.CLOSED:
        raise policy.Forbidden(_("This case is closed: reopen it before looking for services."))
    need = None
    if need_id is not None:
        need = next((n for n in needs_of(actor, case) or [] if str(n.pk) == str(need_id)), None)
        if need is None:
            raise policy.NotFound()
    elif not may_read_needs(actor, case):
        raise policy.Forbidden(_("The needs of this case are not shared with you."))
    survivor = case.survivor
    seen: frozenset[str] = getattr(survivor, "allowed_categories", frozenset())
    if str(DataCategory.IDENTITY) not in seen:
        return Subject(case=case, need=need, age=None, language="")
    language = survivor.primary_language
    return Subject(
        case=case,
        need=need,
        age=survivor.age_on(timezone.localdate()),
        language="" if language in ("", "other") else language,
    )


def record_match(actor: Actor, subject: Subject, *, step: str, found: int | None = None) -> None:
    """Audit a look at the young person's record for matching: the form filled from it
    (step "form") or a match run for them (step "match", with how many were found). Ids,
    labels and counts only."""
    detail: dict[str, object] = {"step": step, "prefilled": subject.prefilled}
    if subject.need is not None:
        # The need by id only: its domain (substance use, mental health) is a sensitive
        # fact about the young person, and the audit log is read by auditors for all cases.
        detail["need"] = str(subject.need.pk)
    if found is not None:
        detail["found"] = found
    record(
        actor,
        AuditAction.REFERRAL_MATCHED,
        survivor_id=subject.case.survivor_id,
        case_id=subject.case.pk,
        obj=subject.need or subject.case,
        detail=detail,
    )


def record_search(actor: Actor, *, step: str, found: int) -> None:
    """Audit a search made for no case (a typed search, placements by hand): nothing about
    a young person is read, but a run of searches is how someone would probe where the
    directory's services are, so every one is on the record. Counts only."""
    record(actor, AuditAction.REFERRAL_MATCHED, detail={"step": step, "found": found})


# The U.S. states and territories by postal code, for service areas named in full.
STATE_NAMES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
    "GU": "Guam", "VI": "U.S. Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip
