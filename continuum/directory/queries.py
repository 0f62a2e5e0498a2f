"""Every read of the directory inside Continuum: browsing, one service, and an agency's own
listing.

The directory lists services, not people, so every signed-in staff member may browse it
(policy.Permission.VIEW_DIRECTORY). One thing in it is dangerous: where a confidential
location (a safe house, a shelter) is. Its name, address, coordinates, phones, hours and
languages are shown only to members of the agency that keeps the location's organization
(`shows_whereabouts`); everyone else learns only that the service has such a location. Pages
and the API get locations as `LocationView`s, never as rows, so a template or a schema cannot
reach a hidden address by accident.

A listing is stale when no one has said it is still true (HSDS `assured_date`) within
settings.CONTINUUM_DIRECTORY_STALE_DAYS days, or ever (`is_stale`). Unknown capacity is not
zero: a service with no capacity figure says "capacity not reported".

Pages cost the same number of queries for 5 services as for 500: languages, terms and
capacities are fetched a page at a time (`with_summaries`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.directory import fulltext, taxonomy
from continuum.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    OtherRecord,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
    TaxonomyTerm,
)

# What each language code on the forms' short list is called (ISO 639-1, and ASL's 639-3).
COMMON_LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "ht": "Haitian Creole",
    "pt": "Portuguese",
    "fr": "French",
    "vi": "Vietnamese",
    "zh": "Chinese",
    "ar": "Arabic",
    "ru": "Russian",
    "ase": "American Sign Language",
}
PAGE_SIZE = 25


# --- what a listing says, in words ------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:g}"


def ages_served(service: Service) -> str:
    """ "any age", "up to 17", "12 and older", "12 to 17": a missing bound is no bound."""
    low = service.minimum_age if service.minimum_age else None  # 0 is no lower bound
    high = service.maximum_age
    if low is None and high is None:
        return _("any age")
    if low is None:
        assert high is not None
        return _("up to %(high)s") % {"high": _number(high)}
    if high is None:
        return _("%(low)s and older") % {"low": _number(low)}
    if low == high:
        return _("age %(age)s only") % {"age": _number(low)}
    return _("%(low)s to %(high)s") % {"low": _number(low), "high": _number(high)}


def is_stale(service: Service, today: datetime.date) -> bool:
    """Never checked, or last checked more than CONTINUUM_DIRECTORY_STALE_DAYS days ago."""
    return stale_since(service.assured_date, today)


def stale_since(assured_date: datetime.date | None, today: datetime.date) -> bool:
    """is_stale, from the date the listing was last checked (None: never)."""
    if assured_date is None:
        return True
    return (today - assured_date).days > settings.CONTINUUM_DIRECTORY_STALE_DAYS


def checked_label(service: Service, today: datetime.date) -> str:
    """The mark every result carries: whether someone has said lately that it is true."""
    checked = service.assured_date
    if checked is None:
        return _("Stale — never checked")
    day = f"{checked:%B} {checked.day}, {checked.year}"
    if is_stale(service, today):
        return _("Stale — not checked since %(day)s") % {"day": day}
    return _("Checked %(day)s") % {"day": day}


def _unit_word(unit: str, count: float) -> str:
    # Units are named either way in the wild ("beds", "Bed"): "1 bed", "3 beds".
    word = unit.strip().lower()
    if count == 1:
        return word[:-1] if word.endswith("s") else word
    return word if word.endswith("s") else f"{word}s"


def capacity_label(capacity: ServiceCapacity, now: datetime.datetime) -> str:
    """ "3 beds available of 8, updated 2 days ago" (0 is a figure, not "unknown")."""
    unit = capacity.unit.name
    available = capacity.available
    if capacity.maximum is None:
        said = _("%(available)s %(unit)s available") % {
            "available": _number(available),
            "unit": _unit_word(unit, available),
        }
    else:
        said = _("%(available)s %(unit)s available of %(maximum)s") % {
            "available": _number(available),
            "unit": _unit_word(unit, available),
            "maximum": _number(capacity.maximum),
        }
    return f"{said}, {updated_label(capacity.updated, now)}"


def updated_label(updated: datetime.datetime, now: datetime.datetime) -> str:
    if now - updated < datetime.timedelta(minutes=1):
        return _("updated just now")
    # timesince joins with a no-break space; the API's text is plain.
    ago = timesince(updated, now, depth=1).replace("\xa0", " ")
    return _("updated %(ago)s ago") % {"ago": ago}


NOT_REPORTED = _("capacity not reported")


# --- summaries: what a result shows -----------------------------------------------------------


@dataclass
class ServiceSummary:
    """One service as a result shows it."""

    service: Service
    organization: str
    ages: str
    languages: list[str]
    terms: list[TaxonomyTerm]
    capacities: list[ServiceCapacity]
    capacity_labels: list[str]
    stale: bool
    checked: str

    @property
    def capacity_reported(self) -> bool:
        return bool(self.capacities)


def language_label(language: Language) -> str:
    name = language.name or COMMON_LANGUAGES.get(language.code, "")
    if name and language.code:
        return f"{name} ({language.code})"
    return name or language.code


def latest_capacities(capacities: Iterable[ServiceCapacity]) -> list[ServiceCapacity]:
    """The newest figure for each unit, newest first. Two figures of one time: the one with
    the higher id counts (as match_index.current_capacities and its ranking facts)."""
    newest: dict[UUID, ServiceCapacity] = {}
    for capacity in sorted(capacities, key=lambda c: (c.updated, c.pk), reverse=True):
        newest.setdefault(capacity.unit_id, capacity)
    return list(newest.values())


def terms_of(service_ids: Sequence[UUID]) -> dict[UUID, list[TaxonomyTerm]]:
    """The taxonomy terms tagged onto each service (HSDS attributes name the service by id,
    not by a foreign key): one query for them all."""
    found: dict[UUID, list[TaxonomyTerm]] = defaultdict(list)
    rows = (
        Attribute.objects.filter(link_id__in=list(service_ids), taxonomy_term__isnull=False)
        .select_related("taxonomy_term")
        .order_by("taxonomy_term__name")
    )
    for row in rows:
        assert row.link_id is not None
        assert row.taxonomy_term is not None
        found[row.link_id].append(row.taxonomy_term)
    return found


def _summary_prefetches() -> list[Any]:
    return [
        Prefetch("languages", queryset=Language.objects.order_by("code", "name")),
        Prefetch("capacities", queryset=ServiceCapacity.objects.select_related("unit")),
    ]


def with_summaries(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.select_related("organization").prefetch_related(*_summary_prefetches())


def summarise(services: Sequence[Service]) -> list[ServiceSummary]:
    """Services fetched through `with_summaries`, as results show them (one more query, for
    their taxonomy terms)."""
    today = timezone.localdate()
    now = timezone.now()
    terms = terms_of([s.pk for s in services])
    rows = []
    for service in services:
        capacities = latest_capacities(service.capacities.all())
        rows.append(
            ServiceSummary(
                service=service,
                organization=service.organization.name if service.organization else "",
                ages=ages_served(service),
                languages=[language_label(lang) for lang in service.languages.all()],
                terms=terms.get(service.pk, []),
                capacities=capacities,
                capacity_labels=[capacity_label(c, now) for c in capacities],
                stale=is_stale(service, today),
                checked=checked_label(service, today),
            )
        )
    return rows


# --- browsing ---------------------------------------------------------------------------------


def search_services(queryset: QuerySet[Service], text: str) -> QuerySet[Service]:
    """Services matching every word of `text` in their name, description or organization's
    name, best match first: the one place the directory's pages and API search.
    continuum.directory.fulltext does the matching (SQLite FTS5, PostgreSQL full text)."""
    return fulltext.search_services(queryset, text)


def directory_services(actor: Actor) -> QuerySet[Service]:
    """Every service in the directory that is not defunct: what any staff member may browse."""
    policy.require(actor, policy.Permission.VIEW_DIRECTORY)
    return Service.objects.exclude(status=ServiceStatus.DEFUNCT)


def browse(actor: Actor, text: str = "") -> QuerySet[Service]:
    """The directory's services matching `text`, best match first; all of them, by name,
    when there is nothing to search for."""
    services = directory_services(actor)
    if fulltext.search_words(text):
        return with_summaries(search_services(services, text))  # best match first
    return with_summaries(services).order_by("name", "id")


def service_for(actor: Actor, service_id: UUID) -> Service:
    """One service of the directory (a defunct one too: a link to it still opens), or 404."""
    policy.require(actor, policy.Permission.VIEW_DIRECTORY)
    found = with_summaries(Service.objects.filter(pk=service_id)).first()
    if found is None:
        raise policy.NotFound()
    return found


# --- one service: its locations, with confidential ones masked --------------------------------


def shows_whereabouts(actor: Actor, location: Location) -> bool:
    """Whether this actor may see where the location is: always, unless it is confidential;
    then only members of the agency that keeps the location's organization."""
    if not location.confidential:
        return True
    organization = location.organization
    return organization is not None and organization.agency_id == actor.agency_id


@dataclass
class LocationView:
    """A location as the actor may see it. For a confidential location of another agency,
    `shown` is False and every field saying where it is stays empty."""

    id: UUID
    confidential: bool
    shown: bool
    name: str = ""
    description: str = ""
    transportation: str = ""
    latitude: float | None = None
    longitude: float | None = None
    addresses: list[Address] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    version: int | None = None  # for the agency that keeps it (to edit it)


def location_view(actor: Actor, location: Location, *, keeps: bool) -> LocationView:
    """The location as this actor may see it (`keeps`: the actor's agency keeps it)."""
    if not shows_whereabouts(actor, location):
        return LocationView(id=location.pk, confidential=True, shown=False)
    return LocationView(
        id=location.pk,
        confidential=location.confidential,
        shown=True,
        name=location.name,
        description=location.description,
        transportation=location.transportation,
        latitude=location.latitude,
        longitude=location.longitude,
        addresses=list(location.addresses.all()),
        phones=list(location.phones.all()),
        schedules=list(location.schedules.all()),
        languages=[language_label(lang) for lang in location.languages.all()],
        version=location.version if keeps else None,
    )


@dataclass
class ServiceDetail:
    summary: ServiceSummary
    locations: list[LocationView]
    phones: list[Phone]
    schedules: list[Schedule]
    required_documents: list[str]
    service_areas: list[str]
    cost_options: list[str]
    kept_by_actor: bool


def service_detail(actor: Actor, service_id: UUID) -> ServiceDetail:
    """Everything about one service that the actor may see, in a fixed number of queries."""
    service = service_for(actor, service_id)
    links = list(
        ServiceAtLocation.objects.filter(service=service, location__isnull=False)
        .select_related("location__organization")
        .prefetch_related(
            "location__addresses", "location__phones", "location__schedules", "location__languages"
        )
        .order_by("location__name", "location__id")
    )
    locations = [link.location for link in links if link.location is not None]
    hidden = {loc.pk for loc in locations if not shows_whereabouts(actor, loc)}
    keeps = _keeps(actor, service.organization)
    # A phone or an hour pinned to a hidden location would say something about it.
    hidden_links = {link.pk for link in links if link.location_id in hidden}
    all_phones = list(service.phones.order_by("number"))
    # So would a phone reached through a contact there (a house mother's mobile), or pinned
    # to a confidential location this service is not linked to: the same rule, wherever the
    # phone is tied (documents.hidden does the same for the published directory).
    unseen = _unseen_ties(
        actor, all_phones, known={loc.pk for loc in locations}, hidden=hidden | hidden_links
    )
    phones = [
        p
        for p in all_phones
        if p.location_id not in hidden
        and p.service_at_location_id not in hidden_links
        and p.pk not in unseen
    ]
    schedules = [
        s
        for s in service.schedules.order_by("id")
        if s.location_id not in hidden and s.service_at_location_id not in hidden_links
    ]
    return ServiceDetail(
        summary=summarise([service])[0],
        locations=[location_view(actor, loc, keeps=keeps) for loc in locations],
        phones=phones,
        schedules=schedules,
        required_documents=[
            d.document or d.uri for d in service.required_documents.order_by("document")
        ],
        service_areas=[a.name or a.description for a in service.service_areas.order_by("name")],
        cost_options=[_cost(c) for c in service.cost_options.order_by("option")],
        kept_by_actor=keeps,
    )


def _unseen_ties(
    actor: Actor, phones: list[Phone], *, known: set[UUID], hidden: set[UUID]
) -> set[UUID]:
    """The phones (ids) tied, through a contact or to a location or service-at-location not
    among the service's own (`known` locations; `hidden` are the locations and links already
    hidden), to a confidential location the actor may not see (shows_whereabouts). At most 3
    queries, none when no phone has such a tie."""
    contact_ids = {p.contact_id for p in phones if p.contact_id}
    contacts: dict[UUID, set[UUID | None]] = {}
    if contact_ids:
        # Contacts are kept whole as OtherRecords: where they are is in their data.
        for row in OtherRecord.objects.filter(table="contact", pk__in=contact_ids):
            data = row.data if isinstance(row.data, dict) else {}
            named = {_as_uuid(data.get(k)) for k in ("location_id", "service_at_location_id")}
            contacts[row.pk] = {*named, row.parent_id}
    ties: dict[UUID, set[UUID]] = {}
    for p in phones:
        tied = {p.location_id, p.service_at_location_id}
        if p.contact_id:
            tied |= contacts.get(p.contact_id, set())
        ties[p.pk] = {t for t in tied if t is not None}
    others = set().union(*ties.values()) - known - hidden
    if others:
        # A link (service-at-location) elsewhere is tied to its location too.
        links = dict(
            ServiceAtLocation.objects.filter(pk__in=others, location__isnull=False).values_list(
                "pk", "location_id"
            )
        )
        for ids in ties.values():
            ids |= {links[t] for t in ids if t in links}
        places = set().union(*ties.values()) - known - hidden
        unseen = {
            location.pk
            for location in Location.objects.filter(
                pk__in=places, confidential=True
            ).select_related("organization")
            if not shows_whereabouts(actor, location)
        }
        hidden = hidden | unseen
    return {pk for pk, tied in ties.items() if tied & hidden}


def _as_uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _cost(option: Any) -> str:
    parts = [option.option]
    if option.amount is not None:
        parts.append(f"{_number(option.amount)} {option.currency}".strip())
    if option.amount_description:
        parts.append(option.amount_description)
    return " — ".join(p for p in parts if p)


def schedule_label(schedule: Schedule) -> str:
    """Opening hours in words, from what the row has ("MO,TU 09:00 to 17:00")."""
    hours = ""
    if schedule.opens_at or schedule.closes_at:
        hours = _("%(opens)s to %(closes)s") % {
            "opens": schedule.opens_at or "?",
            "closes": schedule.closes_at or "?",
        }
    parts = [p for p in (schedule.byday, hours, schedule.description, schedule.notes) if p]
    return " ".join(parts) or _("Hours not given")


def _keeps(actor: Actor, organization: Organization | None) -> bool:
    return organization is not None and organization.agency_id == actor.agency_id


# --- our listing (agency admins) --------------------------------------------------------------


def require_listing_admin(actor: Actor) -> None:
    policy.require(actor, policy.Permission.MANAGE_LISTING)


def our_organization(actor: Actor) -> Organization | None:
    """The organization the actor's agency keeps in the directory, if it has one."""
    require_listing_admin(actor)
    return Organization.objects.filter(agency_id=actor.agency_id).first()


def our_organization_or_404(actor: Actor) -> Organization:
    found = our_organization(actor)
    if found is None:
        raise policy.NotFound()
    return found


def our_services(organization: Organization) -> QuerySet[Service]:
    return with_summaries(organization.services.all()).order_by("name", "id")


def our_locations(organization: Organization) -> QuerySet[Location]:
    return (
        organization.locations.all()
        .prefetch_related("addresses", "service_at_locations__service")
        .order_by("name", "id")
    )


def our_service(actor: Actor, service_id: UUID) -> Service:
    """One of the services the actor's agency keeps (else 404: it is not one of ours)."""
    organization = our_organization_or_404(actor)
    found = with_summaries(organization.services.filter(pk=service_id)).first()
    if found is None:
        raise policy.NotFound()
    return found


def our_location(actor: Actor, location_id: UUID) -> Location:
    organization = our_organization_or_404(actor)
    found = (
        organization.locations.filter(pk=location_id)
        .prefetch_related("addresses", "service_at_locations")
        .first()
    )
    if found is None:
        raise policy.NotFound()
    return found


def first_address(location: Location) -> Address | None:
    """The location's street address (the first physical one), the one the form edits."""
    addresses = list(location.addresses.all())
    physical = [a for a in addresses if a.address_type == "physical"]
    chosen = physical or addresses
    return chosen[0] if chosen else None


def linked_service_ids(location: Location) -> set[UUID]:
    return {link.service_id for link in location.service_at_locations.all() if link.service_id}


def service_term_choices(text: str = "") -> QuerySet[TaxonomyTerm]:
    """Open Eligibility service terms (what a program does) loaded into the directory, those
    whose name contains `text` when it is given."""
    codes = [t.code for t in taxonomy.open_eligibility_terms() if t.tree == taxonomy.SERVICE]
    terms = TaxonomyTerm.objects.filter(
        Q(taxonomy=taxonomy.VOCABULARY) | Q(taxonomy_detail__name__startswith=taxonomy.VOCABULARY),
        code__in=codes,
    )
    for word in text.split():
        terms = terms.filter(name__icontains=word)
    return terms.order_by("name", "code")


def term_label(term: TaxonomyTerm) -> str:
    """A term with the branch it sits in ("Housing > Emergency Shelter"): Open Eligibility
    files some names twice, under different branches."""
    try:
        above = taxonomy.ancestors(term.code)
    except KeyError:
        return term.name
    return " > ".join([*(t.name for t in above), term.name])


def service_term(term_id: UUID) -> TaxonomyTerm | None:
    return service_term_choices().filter(pk=term_id).first()


def capacities_by_unit(service: Service) -> list[ServiceCapacity]:
    """The figure an agency admin updates, one per unit, newest first."""
    return latest_capacities(service.capacities.all())
