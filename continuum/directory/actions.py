"""Every write to the directory.

Each function is one named action: keyword-only arguments with the actor first, one
transaction, the access check, an audit entry. The audit entry names the record and the
fields that changed, never what was typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.accounts.models import User
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.core.models import EditConflict, save_if_unchanged
from continuum.core.text import clean_text
from continuum.directory import exporter, importer, match_index
from continuum.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
    TaxonomyTerm,
    Unit,
)
from continuum.directory.tables import TABLES

# --- Listings and capacity ----------------------------------------------------------------
#
# An agency admin keeps their own agency's listing: its organization, services, locations and
# capacity (policy.Permission.MANAGE_LISTING, and only for the organization whose `agency` is
# theirs). Every edit names the version it started from (EditConflict when someone saved in
# between); a service's version covers its own fields, its languages and its taxonomy terms;
# a location's covers its address and which services are there.

# Capacity figures are whole numbers of beds, places or appointments; a figure past this is
# a typing mistake, refused with a message rather than stored.
MAX_CAPACITY = 100_000
MAX_AGE = 120
CAPACITY_UNITS = ("beds", "places", "appointments")
# Units are shared rows: the same name gets the same id on every installation.
UNIT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://continuum.invalid/directory/unit")


class ListingRuleBroken(Exception):
    """The change would break a rule of the directory; the message says which (422)."""


@dataclass(frozen=True)
class OrganizationDetails:
    name: str
    description: str
    email: str = ""
    website: str = ""


@dataclass(frozen=True)
class ServiceDetails:
    name: str
    description: str
    status: str
    # Whole years from a form or the API; an imported listing may hold a fraction.
    minimum_age: float | None
    maximum_age: float | None
    eligibility_description: str
    application_process: str
    fees_description: str
    # ISO 639 codes, lower case.
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddressDetails:
    address_1: str
    address_2: str
    city: str
    state_province: str
    postal_code: str
    country: str = "US"


@dataclass(frozen=True)
class LocationDetails:
    name: str
    description: str
    confidential: bool
    latitude: float | None
    longitude: float | None
    address: AddressDetails | None
    # The services (of the same organization) given at this location.
    service_ids: tuple[uuid.UUID, ...] = ()


def require_listing_admin(actor: Actor) -> None:
    """Agency admins keep their agency's listing."""
    policy.require(actor, policy.Permission.MANAGE_LISTING)


def require_keeper(actor: Actor, organization: Organization | None) -> Organization:
    """An agency admin of the agency that keeps `organization`, and of no other (a listing
    imported from elsewhere, kept by no agency, is changed by re-importing it)."""
    require_listing_admin(actor)
    if organization is None or organization.agency_id != actor.agency_id:
        raise policy.Forbidden(_("Only the agency that keeps this listing can change it."))
    return organization


def _organization_of(actor: Actor) -> Organization:
    organization = Organization.objects.filter(agency_id=actor.agency_id).first()
    if organization is None:
        raise ListingRuleBroken(_("Add your agency's organization to the directory first."))
    return organization


def _audit(
    actor: Actor, action: AuditAction, obj: Any, what: str, fields: list[str] | None = None
) -> None:
    detail: dict[str, Any] = {"change": what}
    if fields is not None:
        detail["fields"] = sorted(fields)
    record(actor, action, obj=obj, detail=detail)


def _changed(row: Any, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(row, name) != value]


# --- the organization ---------------------------------------------------------------------


def _check_organization(details: OrganizationDetails) -> dict[str, Any]:
    values = {name: clean_text(value) for name, value in asdict(details).items()}
    if not values["name"]:
        raise ListingRuleBroken(_("Give the organization a name."))
    if not values["description"]:
        raise ListingRuleBroken(_("Say in a sentence what the organization does."))
    return values


@transaction.atomic
def create_organization(*, actor: Actor, details: OrganizationDetails) -> Organization:
    """Put the actor's agency in the directory as an organization it keeps.
    Caller: an agency admin whose agency has none yet."""
    require_listing_admin(actor)
    values = _check_organization(details)
    if Organization.objects.select_for_update().filter(agency_id=actor.agency_id).exists():
        raise ListingRuleBroken(_("Your agency already has its organization in the directory."))
    organization = Organization.objects.create(agency_id=actor.agency_id, **values)
    _audit(actor, AuditAction.LISTING_CHANGED, organization, "organization_added")
    return organization


@transaction.atomic
def change_organization(
    *,
    actor: Actor,
    organization: Organization,
    details: OrganizationDetails,
    expected_version: int,
) -> Organization:
    """Change the organization's name, description and contact. Caller: its agency's admin."""
    require_keeper(actor, organization)
    values = _check_organization(details)
    changed = _changed(organization, values)
    save_if_unchanged(organization, expected_version=expected_version, fields=values)
    _audit(actor, AuditAction.LISTING_CHANGED, organization, "organization_changed", changed)
    return organization


# --- services -----------------------------------------------------------------------------


def _check_service(details: ServiceDetails) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: clean_text(getattr(details, name))
        for name in (
            "name",
            "description",
            "eligibility_description",
            "application_process",
            "fees_description",
        )
    }
    if not values["name"]:
        raise ListingRuleBroken(_("Give the service a name."))
    if details.status not in ServiceStatus.values:
        raise ListingRuleBroken(_("Choose the service's status from the list."))
    low, high = details.minimum_age, details.maximum_age
    for age in (low, high):
        if age is not None and not 0 <= age <= MAX_AGE:
            raise ListingRuleBroken(_("An age must be between 0 and %(max)d.") % {"max": MAX_AGE})
    if low is not None and high is not None and low > high:
        raise ListingRuleBroken(
            _("The youngest age served cannot be more than the oldest age served.")
        )
    values["status"] = details.status
    values["minimum_age"] = None if low is None else float(low)
    values["maximum_age"] = None if high is None else float(high)
    return values


def _set_languages(service: Service, codes: tuple[str, ...]) -> bool:
    """Make the service's languages exactly `codes`; whether anything changed."""
    from continuum.directory.queries import COMMON_LANGUAGES

    wanted = list(dict.fromkeys(code.strip().lower() for code in codes if code.strip()))
    # A language imported without a code (a name only) is not on the form: left alone.
    current = {lang.code: lang for lang in service.languages.all() if lang.code}
    gone = [lang.pk for code, lang in current.items() if code not in wanted]
    Language.objects.filter(pk__in=gone).delete()
    added = [code for code in wanted if code not in current]
    Language.objects.bulk_create(
        Language(service=service, code=code, name=COMMON_LANGUAGES.get(code, "")) for code in added
    )
    match_index.refresh([service.pk])  # bulk_create sends no signal
    return bool(gone or added)


def _set_terms(service: Service, terms: list[TaxonomyTerm]) -> bool:
    """Tag the service with exactly `terms`; whether anything changed."""
    current = {
        a.taxonomy_term_id: a.pk
        for a in Attribute.objects.filter(link_id=service.pk, taxonomy_term__isnull=False)
    }
    wanted = {t.pk: t for t in terms}
    gone = [pk for term_id, pk in current.items() if term_id not in wanted]
    Attribute.objects.filter(pk__in=gone).delete()
    added = [t for term_id, t in wanted.items() if term_id not in current]
    Attribute.objects.bulk_create(
        Attribute(link_id=service.pk, link_entity="service", taxonomy_term=t) for t in added
    )
    match_index.refresh([service.pk])  # bulk_create sends no signal
    return bool(gone or added)


def _assurer_email(organization: Organization) -> str:
    # The organization's public address, never the staff member's own: assurer_email is
    # published with the listing (HSDS API, exports). Who it was is in the audit log.
    return organization.email


@transaction.atomic
def create_service(
    *,
    actor: Actor,
    details: ServiceDetails,
    terms: list[TaxonomyTerm] | None = None,
) -> Service:
    """Add a service to the actor's agency's organization. What was just written is true
    today, so it starts checked. Caller: the agency's admin."""
    require_listing_admin(actor)
    organization = _organization_of(actor)
    values = _check_service(details)
    now = timezone.now()
    service = Service.objects.create(
        organization=organization,
        assured_date=timezone.localdate(),
        assurer_email=_assurer_email(organization),
        last_modified=now,
        **values,
    )
    _set_languages(service, details.languages)
    _set_terms(service, terms or [])
    _audit(actor, AuditAction.LISTING_CHANGED, service, "service_added")
    return service


@transaction.atomic
def change_service(
    *,
    actor: Actor,
    service: Service,
    details: ServiceDetails,
    expected_version: int,
    terms: list[TaxonomyTerm] | None = None,
) -> Service:
    """Change a service (its languages too, and its terms when `terms` is given). Whoever
    saves the whole form has read the whole listing, so it counts as checked today.
    Caller: the admin of the agency that keeps it."""
    organization = require_keeper(actor, service.organization)
    values = _check_service(details)
    changed = _changed(service, values)
    save_if_unchanged(
        service,
        expected_version=expected_version,
        fields={
            **values,
            "assured_date": timezone.localdate(),
            "assurer_email": _assurer_email(organization),
            "last_modified": timezone.now(),
        },
    )
    if _set_languages(service, details.languages):
        changed.append("languages")
    if terms is not None and _set_terms(service, terms):
        changed.append("terms")
    match_index.refresh([service.pk])  # status, ages: a conditional UPDATE, no signal
    _audit(actor, AuditAction.LISTING_CHANGED, service, "service_changed", changed)
    return service


@transaction.atomic
def set_service_terms(
    *, actor: Actor, service: Service, terms: list[TaxonomyTerm], expected_version: int
) -> Service:
    """Tag a service with exactly these taxonomy terms (what it does, for matching).
    Caller: the admin of the agency that keeps it."""
    require_keeper(actor, service.organization)
    save_if_unchanged(
        service, expected_version=expected_version, fields={"last_modified": timezone.now()}
    )
    _set_terms(service, terms)
    _audit(actor, AuditAction.LISTING_CHANGED, service, "terms_changed", ["terms"])
    return service


@transaction.atomic
def mark_still_true(*, actor: Actor, service: Service, expected_version: int) -> Service:
    """Say the listing, as the actor saw it at `expected_version`, is true today: it stops
    being stale. A listing changed since then is an EditConflict (look again first).
    Caller: the admin of the agency that keeps it."""
    organization = require_keeper(actor, service.organization)
    save_if_unchanged(
        service,
        expected_version=expected_version,
        fields={
            "assured_date": timezone.localdate(),
            "assurer_email": _assurer_email(organization),
        },
    )
    match_index.refresh([service.pk])  # ranking reads when it was checked
    _audit(actor, AuditAction.LISTING_VERIFIED, service, "still_true")
    return service


# --- capacity -----------------------------------------------------------------------------


def unit_named(name: str) -> Unit:
    """The shared unit row for `name` ("beds"), made the first time it is used."""
    existing = Unit.objects.filter(name=name).order_by("id").first()
    if existing is not None:
        return existing  # an imported "beds" is the same beds
    unit, _created = Unit.objects.get_or_create(
        pk=uuid.uuid5(UNIT_NAMESPACE, name), defaults={"name": name}
    )
    return unit


def _check_capacity(unit: str, available: int, maximum: int | None) -> None:
    if unit not in CAPACITY_UNITS:
        raise ListingRuleBroken(_("Choose beds, places or appointments."))
    if available < 0 or (maximum is not None and maximum < 0):
        raise ListingRuleBroken(_("Capacity cannot be less than 0."))
    if available > MAX_CAPACITY or (maximum is not None and maximum > MAX_CAPACITY):
        raise ListingRuleBroken(
            _("That is more than %(max)s: check the number.") % {"max": f"{MAX_CAPACITY:,}"}
        )
    if maximum is not None and maximum < available:
        raise ListingRuleBroken(
            _(
                "The maximum cannot be less than what is available now. If more are free "
                "than usual, raise the maximum too."
            )
        )


@transaction.atomic
def set_capacity(
    *,
    actor: Actor,
    service: Service,
    unit: str,
    available: int,
    maximum: int | None,
    expected_version: int,
) -> ServiceCapacity:
    """Record how many `unit`s (beds, places, appointments) the service has free now, and
    at most; `updated` is now. `expected_version` is that figure's version as read, 0 when
    the service had none in this unit (a figure someone else added since is an EditConflict).
    Caller: the admin of the agency that keeps the service."""
    require_keeper(actor, service.organization)
    _check_capacity(unit, available, maximum)
    # Two admins adding the first figure at once: the second waits here, then conflicts.
    Service.objects.select_for_update().filter(pk=service.pk).first()
    unit_row = unit_named(unit)
    current = (
        ServiceCapacity.objects.filter(service=service, unit=unit_row).order_by("-updated").first()
    )
    now = timezone.now()
    fields = {
        "available": float(available),
        "maximum": None if maximum is None else float(maximum),
        "updated": now,
    }
    if current is None:
        if expected_version != 0:
            raise EditConflict()
        current = ServiceCapacity.objects.create(service=service, unit=unit_row, **fields)
        what = "capacity_added"
    else:
        save_if_unchanged(current, expected_version=expected_version, fields=fields)
        match_index.refresh([service.pk])  # room now: a conditional UPDATE, no signal
        what = "capacity_updated"
    _audit(actor, AuditAction.CAPACITY_UPDATED, current, what)
    return current


# --- locations ----------------------------------------------------------------------------


def _check_location(details: LocationDetails) -> dict[str, Any]:
    values = {
        "name": clean_text(details.name),
        "description": clean_text(details.description),
        "confidential": details.confidential,
        "latitude": details.latitude,
        "longitude": details.longitude,
    }
    if not values["name"]:
        raise ListingRuleBroken(_("Give the location a name."))
    if (details.latitude is None) != (details.longitude is None):
        raise ListingRuleBroken(_("Give both the latitude and the longitude, or neither."))
    if details.latitude is not None and not -90 <= details.latitude <= 90:
        raise ListingRuleBroken(_("The latitude must be between -90 and 90."))
    if details.longitude is not None and not -180 <= details.longitude <= 180:
        raise ListingRuleBroken(_("The longitude must be between -180 and 180."))
    address = details.address
    if address is not None:
        cleaned = {name: clean_text(value) for name, value in asdict(address).items()}
        if not all(cleaned[n] for n in ("address_1", "city", "state_province", "postal_code")):
            raise ListingRuleBroken(
                _("An address needs the street, the city, the state and the ZIP code.")
            )
    return values


def _set_address(location: Location, address: AddressDetails | None) -> bool:
    from continuum.directory.queries import first_address

    current = first_address(location)
    if address is None:
        if current is None:
            return False
        current.delete()
        return True
    values = {name: clean_text(value) for name, value in asdict(address).items()}
    values["country"] = values["country"] or "US"
    if current is None:
        Address.objects.create(location=location, address_type="physical", **values)
        return True
    if not _changed(current, values):
        return False
    Address.objects.filter(pk=current.pk).update(**values)
    return True


def _set_services(
    location: Location, organization: Organization, ids: tuple[uuid.UUID, ...]
) -> bool:
    ours = set(organization.services.filter(pk__in=ids).values_list("pk", flat=True))
    if ours != set(ids):
        raise ListingRuleBroken(_("Choose services your agency keeps."))
    current = {
        link.service_id: link.pk
        for link in ServiceAtLocation.objects.filter(location=location, service__isnull=False)
    }
    gone = [pk for service_id, pk in current.items() if service_id not in ours]
    ServiceAtLocation.objects.filter(pk__in=gone).delete()
    added = [service_id for service_id in ours if service_id not in current]
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(service_id=service_id, location=location) for service_id in added
    )
    # bulk_create sends no signal; the location's own changes (where, confidential) too.
    match_index.refresh(ours | {pk for pk in current if pk})
    return bool(gone or added)


@transaction.atomic
def create_location(*, actor: Actor, details: LocationDetails) -> Location:
    """Add a place where the actor's agency gives services. Caller: the agency's admin."""
    require_listing_admin(actor)
    organization = _organization_of(actor)
    values = _check_location(details)
    location = Location.objects.create(
        organization=organization, location_type="physical", **values
    )
    _set_address(location, details.address)
    _set_services(location, organization, details.service_ids)
    _audit(actor, AuditAction.LISTING_CHANGED, location, "location_added")
    return location


@transaction.atomic
def change_location(
    *, actor: Actor, location: Location, details: LocationDetails, expected_version: int
) -> Location:
    """Change a location: its name, address, whether it is confidential, and which services
    are given there. Caller: the admin of the agency that keeps it."""
    organization = require_keeper(actor, location.organization)
    values = _check_location(details)
    changed = _changed(location, values)
    save_if_unchanged(location, expected_version=expected_version, fields=values)
    if _set_address(location, details.address):
        changed.append("address")
    if _set_services(location, organization, details.service_ids):
        changed.append("services")
    _audit(actor, AuditAction.LISTING_CHANGED, location, "location_changed", changed)
    return location


# --- Importing and exporting the whole directory (HSDS 3.1 files) -------------------------
#
# A network admin (policy.Permission.IMPORT_EXPORT_DIRECTORY) through the app, or the operator
# at the server's command line (`continuum directory_import` / `directory_export`: actor None,
# as the other operator commands act). Reading and checking a file is
# continuum.directory.importer (JSON) and .tabular (CSV); these write it in, or out, and audit
# how many rows, never what they say.


@transaction.atomic
def import_directory(
    *,
    actor: Actor | None,
    batch: importer.Batch,
    dry_run: bool = False,
    by: User | None = None,
    via: str = "cli",
    progress: Callable[[str], None] | None = None,
) -> importer.ImportReport:
    """Load an HSDS 3.1 file, already read (importer.read_json, tabular.read_package).

    Caller: a network admin, or the operator at the command line (actor None; `by` names the
    person when known). All or nothing: with any problem in the file (or between the file and
    the directory) it raises importer.ImportRejected listing every one, and writes nothing.
    Otherwise rows are created, or updated in place by HSDS id, and children a list in the
    file leaves out are removed, as importer's docstring sets out; confidential locations and
    what is at them are never removed. One transaction: stopping it half-way leaves nothing
    half-written. A file that changes nothing writes nothing, not even an audit entry;
    otherwise one entry with the counts. `dry_run` checks and counts, and writes nothing.
    """
    if actor is not None:
        policy.require(actor, policy.Permission.IMPORT_EXPORT_DIRECTORY)
    importer.lock_directory()
    plan = importer.plan(batch)
    if plan.problems:
        raise importer.ImportRejected(plan.problems)
    plan.report.dry_run = dry_run
    if dry_run or not plan.report.changed:
        return plan.report
    _apply_with_index(plan, progress)
    record(
        actor,
        AuditAction.DIRECTORY_IMPORTED,
        user=by,
        via=via,
        detail=plan.report.as_detail(),
    )
    return plan.report


def _apply_with_index(plan: importer.Plan, progress: Callable[[str], None] | None) -> None:
    """Write the plan, then refresh the match index for every service the file touched:
    what its rows were linked to before (read first) and what they are linked to after.
    Bulk writes send no signals, and the deletes' signals wait for the end (`deferred`)."""
    written: dict[type[Model], set[uuid.UUID]] = {}
    for table_name, rows in plan.rows.items():
        model = TABLES[table_name].model
        if model is not None:
            written[model] = set(rows) | set(plan.deletes[table_name])
    before = match_index.services_touched(written)
    with match_index.deferred():
        importer.apply(plan, progress)
    match_index.refresh(before | match_index.services_touched(written))


def export_directory(
    *,
    actor: Actor | None,
    target: Path,
    fmt: exporter.Format,
    by: User | None = None,
    via: str = "cli",
) -> dict[str, int]:
    """Write the directory to `target` as HSDS 3.1: a JSON file, or the tabular package (a
    folder, or a .zip). Returns how many records each list or table got.

    Caller: a network admin, or the operator at the command line. Never a confidential
    location or anything at it (continuum.directory.exporter). The file appears whole or not
    at all. One audit entry with the counts. Not one transaction: a long export must not hold
    the database's write lock (the audit entry has its own).
    """
    if actor is not None:
        policy.require(actor, policy.Permission.IMPORT_EXPORT_DIRECTORY)
    counts = exporter.write(target, fmt)
    record(
        actor,
        AuditAction.DIRECTORY_EXPORTED,
        user=by,
        via=via,
        detail={"format": fmt, "records": sum(counts.values()), "counts": counts},
    )
    return counts
