"""Directory rows for tests, made with the ORM (synthetic data only).

Every maker takes keyword arguments that are HSDS field names, fills the required ones
with something plausible, and returns the saved row. Makers that need a parent create one
when none is given, so `make_service()` alone is a valid listing.

    org = make_organization(name="Harbor Youth Services")
    shelter = make_service(organization=org, name="Youth shelter", minimum_age=12)
    house = make_location(organization=org, confidential=True, postal_code="33101")
    make_service_at_location(service=shelter, location=house)
    tag(shelter, make_term(name="Emergency shelter"))
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from continuum.directory import models
from continuum.directory.tables import TABLES

_counter = itertools.count(1)


def _next() -> int:
    return next(_counter)


def make_taxonomy(**fields: Any) -> models.Taxonomy:
    fields.setdefault("name", f"Test taxonomy {_next()}")
    fields.setdefault("description", "A taxonomy made for a test.")
    return models.Taxonomy.objects.create(**fields)


def make_term(
    *,
    taxonomy: models.Taxonomy | None = None,
    parent: models.TaxonomyTerm | None = None,
    **fields: Any,
) -> models.TaxonomyTerm:
    """A taxonomy term; under `parent` (same taxonomy) when given."""
    if taxonomy is None:
        taxonomy = parent.taxonomy_detail if parent and parent.taxonomy_detail else None
    if taxonomy is None:
        taxonomy = make_taxonomy()
    fields.setdefault("name", f"Term {_next()}")
    fields.setdefault("description", "A taxonomy term made for a test.")
    fields.setdefault("taxonomy", taxonomy.name)
    if parent is not None:
        fields.setdefault("parent_id", parent.id)
    return models.TaxonomyTerm.objects.create(taxonomy_detail=taxonomy, **fields)


def make_organization(**fields: Any) -> models.Organization:
    fields.setdefault("name", f"Test Organization {_next()}")
    fields.setdefault("description", "An organization made for a test.")
    return models.Organization.objects.create(**fields)


def make_service(
    *, organization: models.Organization | None = None, **fields: Any
) -> models.Service:
    """A service (active, last modified now) of `organization`, or of a new one."""
    if organization is None:
        organization = make_organization()
    fields.setdefault("name", f"Test service {_next()}")
    fields.setdefault("status", models.ServiceStatus.ACTIVE)
    fields.setdefault("last_modified", timezone.now())
    return models.Service.objects.create(organization=organization, **fields)


def make_address(*, location: models.Location, **fields: Any) -> models.Address:
    fields.setdefault("address_1", f"{_next()} Test Street")
    fields.setdefault("city", "Miami")
    fields.setdefault("state_province", "FL")
    fields.setdefault("postal_code", "33101")
    fields.setdefault("country", "US")
    fields.setdefault("address_type", "physical")
    return models.Address.objects.create(location=location, **fields)


def make_location(
    *,
    organization: models.Organization | None = None,
    confidential: bool = False,
    postal_code: str | None = None,
    **fields: Any,
) -> models.Location:
    """A physical location; with a physical address in `postal_code` when one is given.

    `confidential=True` is a safe house: never published.
    """
    fields.setdefault("location_type", "physical")
    fields.setdefault("name", f"Test location {_next()}")
    location = models.Location.objects.create(
        organization=organization, confidential=confidential, **fields
    )
    if postal_code is not None:
        make_address(location=location, postal_code=postal_code)
    return location


def make_service_at_location(
    *,
    service: models.Service | None = None,
    location: models.Location | None = None,
    **fields: Any,
) -> models.ServiceAtLocation:
    """`service` offered at `location` (each made, in one organization, when not given)."""
    if service is None:
        service = make_service(organization=location.organization if location else None)
    if location is None:
        location = make_location(organization=service.organization)
    return models.ServiceAtLocation.objects.create(service=service, location=location, **fields)


def make_service_area(
    *,
    service: models.Service | None = None,
    service_at_location: models.ServiceAtLocation | None = None,
    **fields: Any,
) -> models.ServiceArea:
    fields.setdefault("name", f"Test area {_next()}")
    return models.ServiceArea.objects.create(
        service=service, service_at_location=service_at_location, **fields
    )


def make_phone(**fields: Any) -> models.Phone:
    """A phone of whatever `service=`, `location=`, `organization=`... is given."""
    fields.setdefault("number", f"305-555-{_next() % 10000:04d}")
    return models.Phone.objects.create(**fields)


def make_language(**fields: Any) -> models.Language:
    fields.setdefault("name", "Spanish")
    fields.setdefault("code", "es")
    return models.Language.objects.create(**fields)


def make_schedule(**fields: Any) -> models.Schedule:
    fields.setdefault("opens_at", "09:00")
    fields.setdefault("closes_at", "17:00")
    fields.setdefault("byday", "MO,TU,WE,TH,FR")
    fields.setdefault("freq", "WEEKLY")
    return models.Schedule.objects.create(**fields)


def make_capacity(
    *, service: models.Service, available: float, maximum: float | None = None, **fields: Any
) -> models.ServiceCapacity:
    """Beds (or another unit, `unit=`) free at `service`, updated now unless told."""
    unit = (
        fields.pop("unit", None)
        or models.Unit.objects.get_or_create(
            name="Bed", defaults={"scheme": "", "identifier": "bed"}
        )[0]
    )
    fields.setdefault("updated", timezone.now())
    return models.ServiceCapacity.objects.create(
        service=service, unit=unit, available=available, maximum=maximum, **fields
    )


def tag(row: Any, term: models.TaxonomyTerm, **fields: Any) -> models.Attribute:
    """Tag `row` (a service, organization, location...) with `term`, as HSDS attributes do."""
    table = next(name for name, t in TABLES.items() if t.model is type(row))
    fields.setdefault("link_entity", table)
    return models.Attribute.objects.create(link_id=row.id, taxonomy_term=term, **fields)


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)
