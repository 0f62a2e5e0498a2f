"""The match index: what matching's hard rules read, pre-joined into one row per active
service and site (MatchSite) and per service-area name (MatchArea). See docs/benchmark.md.

Why a second copy: answering "which services near this place, for this need, this age, this
language, with room" from the HSDS tables joins four UUID-keyed tables and runs six
sub-queries for each of the 8,000-15,000 sites in the box around a big city: 100-150 ms
even written by hand. From one index holding every column the rules read, the box is a
single index range scan: a few milliseconds.

Why it stays true: the rows are derived, never edited, and rewritten for a service
(`refresh`) whenever anything they are made from changes:

- every save or delete of a service, location, site, language, service area, capacity
  figure or tag, through the model signals connected in apps.py (the listing forms, the API,
  the demo, tests' factories);
- the writes that send no signals, bulk ones: the directory actions call `refresh` for
  what they wrote, and an import refreshes every service its file touches
  (`services_touched`, inside `deferred()` so that its deletes do not refresh row by row);
- `continuum directory_reindex` rebuilds it all, in chunks, resumable (after changing the
  need-domain map in need_terms.py, which the rows are written from).

Matching reads only the rules from here; it explains results from the HSDS tables.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, NamedTuple
from uuid import UUID

from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from continuum.directory import geo, taxonomy
from continuum.directory.models import (
    Attribute,
    Language,
    Location,
    MatchArea,
    MatchSite,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
)
from continuum.directory.need_terms import GENDER_TERMS, NEED_DOMAIN_TERMS, SITUATION_TERMS

CHUNK = 500
AREA_KEY_LENGTH = 200

# HSDS lets a language be written in ISO 639-1 or 639-3; matching compares 639-1 where one
# exists (the survivor record stores those).
LANGUAGE_ALIASES: dict[str, str] = {
    "eng": "en",
    "spa": "es",
    "hat": "ht",
    "por": "pt",
    "fra": "fr",
    "fre": "fr",
    "vie": "vi",
    "zho": "zh",
    "chi": "zh",
    "cmn": "zh",
    "yue": "zh",
    "ara": "ar",
    "rus": "ru",
}


def language_code(code: str) -> str:
    code = code.strip().lower()
    return LANGUAGE_ALIASES.get(code, code)


def listed(values: Iterable[str]) -> str:
    """'|a|b|' for {'b', 'a'}; '' for none."""
    members = sorted(set(values))
    return f"|{'|'.join(members)}|" if members else ""


def member(column: str, value: str) -> Q:
    """The '|a|b|' list in `column` has `value`."""
    return Q(**{f"{column}__contains": f"|{value}|"})


# The Open Eligibility codes matching reads: the need domains' terms, the genders, and the
# situations a case manager may prefer (which only rank).
MATCHED_CODES = frozenset(
    {code for codes in NEED_DOMAIN_TERMS.values() for code in codes}
    | set(GENDER_TERMS)
    | set(SITUATION_TERMS)
)
_ZIP_IN_NAME = re.compile(r"(?<![0-9])[0-9]{5}(?![0-9])")


# --- the rules, as filters on the HSDS tables (matching and placements use them too) -------


def current_capacities() -> QuerySet[ServiceCapacity]:
    """Each service's newest figure per unit: an older figure with room does not count once
    a newer one says full. Two figures of one time: the one with the higher id counts."""
    newer = ServiceCapacity.objects.filter(
        Q(updated__gt=OuterRef("updated")) | Q(updated=OuterRef("updated"), pk__gt=OuterRef("pk")),
        service=OuterRef("service"),
        unit=OuterRef("unit"),
    )
    return ServiceCapacity.objects.filter(~Exists(newer))


def not_full_q(*, at_least: float | None = None, units: Sequence[str] = ()) -> Q:
    """Not known to be full: the newest figure in some unit (or in one of `units`) has room
    (more than 0 free, or at least `at_least`), or no figure was reported at all. Unknown is
    never taken for zero: a service that has not said is shown, with a note to call."""
    reported = ServiceCapacity.objects.filter(service_id=OuterRef("pk"))
    rows = current_capacities().filter(service_id=OuterRef("pk"))
    if at_least is None:
        rows = rows.filter(available__gt=0)
    else:
        rows = rows.filter(available__gte=at_least)
    if units:
        named = Q()
        for unit in units:
            named |= Q(unit__name__iexact=unit)
        rows, reported = rows.filter(named), reported.filter(named)
    return Q(Exists(rows)) | ~Q(Exists(reported))


# --- writing the rows -----------------------------------------------------------------------


def area_keys(name: str) -> set[str]:
    """The names a service area is found by: its whole name (lower case) and its ZIPs."""
    keys = set(_ZIP_IN_NAME.findall(name))
    whole = name.strip().lower()
    if whole and len(whole) <= AREA_KEY_LENGTH:
        keys.add(whole)
    return keys


def _chunks(ids: Iterable[UUID], size: int = CHUNK) -> Iterator[list[UUID]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def refresh(service_ids: Iterable[UUID]) -> None:
    """Rewrite the rows of these services from the HSDS tables (a service that is not active,
    or no longer exists, keeps none). A fixed number of queries per CHUNK services."""
    pending = _pending.get()
    if pending is not None:
        pending.update(service_ids)
        return
    for chunk in _chunks(service_ids):
        _refresh_chunk(chunk)


@transaction.atomic
def _refresh_chunk(ids: list[UUID]) -> None:
    """Write what the rows of these services should be, as a difference: a write that
    changes nothing the index holds (a description) writes no index row.

    The services' rows are locked first (in id order, so two refreshes cannot deadlock):
    two writes racing on PostgreSQL — a location made confidential while its service's
    capacity changes — would otherwise each read the other's change as not yet made, and
    the later one could put the safe house back at its real coordinates. Whoever gets the
    lock second reads everything the first committed. (SQLite writes one at a time.)"""
    list(Service.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    sites, areas = _rows_for(ids)
    _write_difference(MatchSite, ids, sites, SITE_COLUMNS)
    _write_difference(MatchArea, ids, areas, AREA_COLUMNS)


class Facts(NamedTuple):
    """What the index says of a service, on each of its rows: what the hard rules read, and
    what ranking reads (matching._rank_lightly), so that ranking every service found needs
    no other query."""

    minimum_age: float | None
    maximum_age: float | None
    terms: str  # "|code|code|": Open Eligibility codes among MATCHED_CODES
    languages: str  # "|en|es|": ISO 639-1, the service's and its locations'
    not_full: bool  # not known to be full (the rule: matching.not_full_q)
    name: str
    interpreted: bool  # it describes interpretation services
    assured_date: datetime.date | None  # last checked (stale or not)
    room: bool | None  # the newest figure of some unit has room; None: none reported
    capacity_updated: datetime.datetime | None  # the newest figure's time


FACT_COLUMNS = ("service_id", *Facts._fields)
SITE_COLUMNS = (*FACT_COLUMNS, "latitude", "longitude", "confidential")
AREA_COLUMNS = (*FACT_COLUMNS, "key")


def service_facts(ids: Sequence[UUID]) -> dict[UUID, Facts]:
    """The Facts of each of these services that is active, from the HSDS tables (six
    queries). What the index rows hold, and what matching reads where there is no index row
    to read (a search with no place)."""
    services = Service.objects.filter(pk__in=list(ids), status=ServiceStatus.ACTIVE)
    rows = services.values_list(
        "pk", "minimum_age", "maximum_age", "name", "interpretation_services", "assured_date"
    )
    listing = {pk: rest for pk, *rest in rows}
    if not listing:
        return {}
    active = list(listing)
    terms, spoken = _terms_of(active), _languages_of(active)
    not_full = set(
        Service.objects.filter(pk__in=active).filter(not_full_q()).values_list("pk", flat=True)
    )
    figures = _newest_figures(active)
    facts = {}
    for pk, (low, high, name, interpretation, assured_date) in listing.items():
        newest = figures.get(pk, {})
        facts[pk] = Facts(
            minimum_age=low,
            maximum_age=high,
            terms=listed(terms[pk]),
            languages=listed(spoken[pk]),
            not_full=pk in not_full,
            name=name,
            interpreted=bool(interpretation),
            assured_date=assured_date,
            room=any(available > 0 for available, _at in newest.values()) if newest else None,
            capacity_updated=max((at for _available, at in newest.values()), default=None),
        )
    return facts


def _newest_figures(
    ids: list[UUID],
) -> dict[UUID, dict[UUID, tuple[float, datetime.datetime]]]:
    """Service id -> unit id -> its newest figure (available, updated)."""
    newest: dict[UUID, dict[UUID, tuple[float, datetime.datetime]]] = defaultdict(dict)
    rows = ServiceCapacity.objects.filter(service_id__in=ids).order_by("updated", "pk")
    for service_id, unit_id, available, updated in rows.values_list(
        "service_id", "unit_id", "available", "updated"
    ):
        if service_id is not None:
            newest[service_id][unit_id] = (available, updated)  # later rows are newer
    return newest


def _rows_for(ids: list[UUID]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows the services should have: (SITE_COLUMNS) and (AREA_COLUMNS) tuples."""
    facts = service_facts(ids)
    if not facts:
        return [], []
    active = list(facts)
    sites = ServiceAtLocation.objects.filter(
        service_id__in=active, location__latitude__isnull=False, location__longitude__isnull=False
    ).values_list(
        "service_id", "location__latitude", "location__longitude", "location__confidential"
    )
    site_rows = [
        (service_id, *facts[service_id], *_point(lat, lon, confidential))
        for service_id, lat, lon, confidential in sites
        if service_id is not None and geo.is_point(lat, lon)  # no row for a place off the map
    ]
    # Two queries, not one with an OR across the join: that one reads every service area.
    direct = ServiceArea.objects.filter(service_id__in=active).values_list("service_id", "name")
    # Not the areas of a site at a confidential location: they are hidden with it (the
    # public directory leaves them out), and "covers your ZIP" would say where it is.
    through_sites = ServiceArea.objects.filter(
        service_at_location__service_id__in=active,
        service_at_location__location__confidential=False,
    ).values_list("service_at_location__service_id", "name")
    keys: dict[UUID, set[str]] = defaultdict(set)
    for service_id, name in [*direct, *through_sites]:
        if service_id in facts:
            keys[service_id].update(area_keys(name))
    area_rows = [(pk, *facts[pk], key) for pk, found in keys.items() for key in sorted(found)]
    return site_rows, area_rows


def _write_difference(
    model: type[MatchSite] | type[MatchArea],
    ids: list[UUID],
    wanted: list[tuple[Any, ...]],
    columns: tuple[str, ...],
) -> None:
    """Delete the stored rows not wanted and add the wanted rows not stored (as multisets:
    a service at two sites in one general area has two equal rows)."""
    stored: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for pk, *values in model.objects.filter(service_id__in=ids).values_list("pk", *columns):
        stored[tuple(values)].append(pk)
    missing = []
    for row in wanted:
        if stored.get(row):
            stored[row].pop()
        else:
            missing.append(row)
    extra = [pk for pks in stored.values() for pk in pks]
    if extra:
        model.objects.filter(pk__in=extra).delete()
    if missing:
        rows: list[Any] = [model(**dict(zip(columns, row, strict=True))) for row in missing]
        model.objects.bulk_create(rows, batch_size=CHUNK)


def _point(lat: float, lon: float, confidential: bool) -> tuple[float, float, bool]:
    if confidential:
        lat, lon = geo.general_area(lat, lon)
    return lat, lon, confidential


def _terms_of(ids: list[UUID]) -> dict[UUID, set[str]]:
    """Service id -> its Open Eligibility codes among MATCHED_CODES (by their fixed ids)."""
    code_of = {taxonomy.term_id(code): code for code in MATCHED_CODES}
    found: dict[UUID, set[str]] = defaultdict(set)
    rows = Attribute.objects.filter(link_id__in=ids, taxonomy_term_id__in=list(code_of))
    for link_id, term_id in rows.values_list("link_id", "taxonomy_term_id"):
        if link_id is not None and term_id is not None:
            found[link_id].add(code_of[term_id])
    return found


def _languages_of(ids: list[UUID]) -> dict[UUID, set[str]]:
    """Service id -> the ISO 639-1 codes the service or any of its locations lists."""
    found: dict[UUID, set[str]] = defaultdict(set)
    for service_id, code in Language.objects.filter(service_id__in=ids).values_list(
        "service_id", "code"
    ):
        found[service_id].add(language_code(code))
    at_sites = Language.objects.filter(location__service_at_locations__service_id__in=ids)
    for service_id, code in at_sites.values_list(
        "location__service_at_locations__service_id", "code"
    ):
        found[service_id].add(language_code(code))
    return found


def refresh_all(
    progress: Callable[[int, int, UUID], None] | None = None, *, after: UUID | None = None
) -> None:
    """Rewrite every service's rows, in chunks ordered by id, each in its own transaction:
    stopping half-way leaves every service as it was or rewritten, and `after` goes on past
    the last chunk done. Rows of services that no longer exist went with them (cascade)."""
    ids = Service.objects.order_by("pk").values_list("pk", flat=True)
    if after is not None:
        ids = ids.filter(pk__gt=after)
    todo = list(ids)
    done = 0
    for chunk in _chunks(todo):
        with transaction.atomic():
            _refresh_chunk(chunk)
        done += len(chunk)
        if progress:
            progress(done, len(todo), chunk[-1])


def fill_if_empty(**kwargs: Any) -> None:
    """After `migrate`: an index never written (the directory predates it) is written. Not
    after migrating back to before the index existed."""
    state = kwargs.get("apps")
    if state is not None:
        try:
            state.get_model("directory", "MatchSite")
            state.get_model("directory", "MatchArea")
        except LookupError:
            return
    if MatchSite.objects.exists() or MatchArea.objects.exists():
        return
    if Service.objects.filter(status=ServiceStatus.ACTIVE).exists():
        refresh_all()


# --- what a write touches -------------------------------------------------------------------


def services_touched(rows: dict[type[Model], set[UUID]]) -> set[UUID]:
    """The services whose rows may change when these HSDS rows (by model, by id) are written:
    the services themselves, those at a location, those a language, area, figure or tag
    belongs to. Read before a write (what they were linked to) and after (what they are)."""
    found: set[UUID] = set(rows.get(Service, ()))
    for model, ids in rows.items():
        resolve = _TOUCHES.get(model)
        if resolve is not None and ids:
            for chunk in _chunks(ids):
                found.update(service_id for service_id in resolve(chunk) if service_id)
    return found


def _at_locations(ids: list[UUID]) -> Iterable[UUID | None]:
    return ServiceAtLocation.objects.filter(location_id__in=ids).values_list(
        "service_id", flat=True
    )


def _of_languages(ids: list[UUID]) -> Iterable[UUID | None]:
    rows = Language.objects.filter(pk__in=ids).values_list("service_id", "location_id")
    direct, locations = set(), set()
    for service_id, location_id in rows:
        direct.add(service_id)
        locations.add(location_id)
    return [*direct, *_at_locations([pk for pk in locations if pk])]


_TOUCHES: dict[type[Model], Callable[[list[UUID]], Iterable[UUID | None]]] = {
    ServiceAtLocation: lambda ids: ServiceAtLocation.objects.filter(pk__in=ids).values_list(
        "service_id", flat=True
    ),
    Location: _at_locations,
    Language: _of_languages,
    ServiceArea: lambda ids: [
        service_id
        for pair in ServiceArea.objects.filter(pk__in=ids).values_list(
            "service_id", "service_at_location__service_id"
        )
        for service_id in pair  # an area may name a service and another's site: both
    ],
    ServiceCapacity: lambda ids: ServiceCapacity.objects.filter(pk__in=ids).values_list(
        "service_id", flat=True
    ),
    Attribute: lambda ids: Attribute.objects.filter(pk__in=ids).values_list("link_id", flat=True),
}


# --- keeping it in step: signals, and deferring during bulk writes --------------------------

_pending: ContextVar[set[UUID] | None] = ContextVar("match_index_pending", default=None)


@contextlib.contextmanager
def deferred() -> Iterator[set[UUID]]:
    """Collect the services to refresh instead of refreshing each at once, and refresh them
    all, once, at the end (an import deleting a thousand rows refreshes each service once)."""
    if _pending.get() is not None:
        yield _pending.get() or set()
        return
    pending: set[UUID] = set()
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
    refresh(pending)


def _on_write(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """A signal handler: refresh the services this saved or deleted row belongs to."""
    refresh(_services_of(instance))


def _services_of(row: Model) -> set[UUID]:
    if isinstance(row, Service):
        return {row.pk}
    if isinstance(row, Location):
        return {pk for pk in _at_locations([row.pk]) if pk}
    if isinstance(row, Language):
        found = {row.service_id} if row.service_id else set()
        if row.location_id:
            found.update(pk for pk in _at_locations([row.location_id]) if pk)
        return found
    if isinstance(row, ServiceArea):
        # By id: when a site is deleted, its areas go after it, and the site is gone.
        found = {row.service_id} if row.service_id else set()
        if row.service_at_location_id:
            sites = ServiceAtLocation.objects.filter(pk=row.service_at_location_id)
            found.update(pk for pk in sites.values_list("service_id", flat=True) if pk)
        return found
    if isinstance(row, (ServiceAtLocation, ServiceCapacity)):
        return {row.service_id} if row.service_id else set()
    if isinstance(row, Attribute):
        return {row.link_id} if row.link_id else set()
    return set()


WATCHED: tuple[type[Model], ...] = (
    Service,
    Location,
    ServiceAtLocation,
    Language,
    ServiceArea,
    ServiceCapacity,
    Attribute,
)
