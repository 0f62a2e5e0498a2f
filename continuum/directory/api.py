"""/directory: Continuum's own directory API, for staff and agency admins (the public,
read-only HSDS API is separate). The same actions and queries as the pages.

Any token lists, searches and reads services, each with its stale flag and capacity; a
confidential location's whereabouts appear only for the agency that keeps it (every field
saying where it is is null for everyone else). An agency admin's token keeps their agency's
listing: the organization, services (with `version`: 409 when someone saved since), their
capacity, "still true", and locations. Registered in continuum/api/api.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from continuum.api.errors import InvalidInput
from continuum.api.schemas import READ_ERRORS, WRITE_ERRORS, Clean, InputSchema
from continuum.api.tokens import request_actor
from continuum.directory import actions, queries
from continuum.directory.actions import (
    MAX_AGE,
    MAX_CAPACITY,
    AddressDetails,
    LocationDetails,
    OrganizationDetails,
    ServiceDetails,
)
from continuum.directory.models import (
    Location,
    Organization,
    Service,
    ServiceCapacity,
    ServiceStatus,
    TaxonomyTerm,
)

router = Router(tags=["directory"])

MAX_PAGE_SIZE = 100

Name = Annotated[str, StringConstraints(min_length=1, max_length=200), Clean]
Prose = Annotated[str, StringConstraints(max_length=4000), Clean]
Short = Annotated[str, StringConstraints(max_length=200), Clean]
Age = Annotated[StrictInt, Field(ge=0, le=MAX_AGE)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_CAPACITY)]
# Bounded so a forged version is a 422, never a number the database cannot hold.
RecordVersion = Annotated[
    StrictInt, Field(ge=1, le=2**31 - 1, description="The version you last read.")
]
LanguageCode = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().lower() if isinstance(value, str) else value),
    StringConstraints(pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$"),
]


@contextmanager
def _rules() -> Iterator[None]:
    """A directory rule broken is a 422 with its message, as any invalid input."""
    try:
        yield
    except actions.ListingRuleBroken as problem:
        raise InvalidInput(str(problem)) from problem


# --- what is returned -------------------------------------------------------------------------


class Ref(Schema):
    id: UUID
    name: str


class LanguageOut(Schema):
    code: str
    label: str


class TermOut(Schema):
    id: UUID
    code: str
    name: str


class CapacityOut(Schema):
    unit: str
    available: float
    maximum: float | None
    updated: datetime
    version: int
    text: str = Field(description='"3 beds available of 8, updated 2 days ago"')


class ServiceOut(Schema):
    id: UUID
    name: str
    organization: Ref | None
    status: str
    description: str
    ages: str = Field(description='"any age", "up to 17", "12 to 17" (a null bound: unbounded)')
    minimum_age: float | None
    maximum_age: float | None
    languages: list[LanguageOut]
    terms: list[TermOut]
    capacity_reported: bool = Field(description="false: unknown, which is not the same as 0")
    capacities: list[CapacityOut] = Field(description="The newest figure per unit")
    stale: bool
    assured_date: date | None = Field(description="When its agency last said it is true")
    checked: str
    version: int


class ServicePage(Schema):
    items: list[ServiceOut]
    count: int
    limit: int
    offset: int


class AddressOut(Schema):
    address_1: str
    address_2: str
    city: str
    state_province: str
    postal_code: str
    country: str


class PhoneOut(Schema):
    number: str
    description: str


class LocationOut(Schema):
    id: UUID | None = Field(description="null for a confidential location of another agency")
    confidential: bool
    shown: bool = Field(description="false: confidential, and not your agency's")
    name: str | None
    description: str | None
    latitude: float | None
    longitude: float | None
    addresses: list[AddressOut]
    phones: list[PhoneOut]
    schedules: list[str]
    languages: list[str]
    version: int | None = Field(description="For the agency that keeps it, to change it")


class ServiceDetailOut(ServiceOut):
    eligibility_description: str
    application_process: str
    fees_description: str
    required_documents: list[str]
    service_areas: list[str]
    cost_options: list[str]
    phones: list[PhoneOut]
    schedules: list[str]
    locations: list[LocationOut]
    kept_by_your_agency: bool


class OrganizationOut(Schema):
    id: UUID
    name: str
    description: str
    email: str
    website: str
    version: int
    services: list[ServiceOut]
    locations: list[LocationOut]


def _capacity_out(capacity: ServiceCapacity, text: str) -> dict[str, Any]:
    return {
        "unit": capacity.unit.name,
        "available": capacity.available,
        "maximum": capacity.maximum,
        "updated": capacity.updated,
        "version": capacity.version,
        "text": text,
    }


def _service_out(row: queries.ServiceSummary) -> dict[str, Any]:
    service = row.service
    organization = service.organization
    return {
        "id": service.pk,
        "name": service.name,
        "organization": {"id": organization.pk, "name": organization.name}
        if organization
        else None,
        "status": service.status,
        "description": service.description,
        "ages": row.ages,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "languages": [
            {"code": lang.code, "label": queries.language_label(lang)}
            for lang in service.languages.all()
        ],
        "terms": [{"id": t.pk, "code": t.code, "name": t.name} for t in row.terms],
        "capacity_reported": row.capacity_reported,
        "capacities": [
            _capacity_out(c, text)
            for c, text in zip(row.capacities, row.capacity_labels, strict=True)
        ],
        "stale": row.stale,
        "assured_date": service.assured_date,
        "checked": row.checked,
        "version": service.version,
    }


def _location_out(view: queries.LocationView) -> dict[str, Any]:
    if not view.shown:
        return {
            "id": None,
            "confidential": True,
            "shown": False,
            "name": None,
            "description": None,
            "latitude": None,
            "longitude": None,
            "addresses": [],
            "phones": [],
            "schedules": [],
            "languages": [],
            "version": None,
        }
    return {
        "id": view.id,
        "confidential": view.confidential,
        "shown": True,
        "name": view.name,
        "description": view.description,
        "latitude": view.latitude,
        "longitude": view.longitude,
        "addresses": view.addresses,
        "phones": view.phones,
        "schedules": [queries.schedule_label(s) for s in view.schedules],
        "languages": view.languages,
        "version": view.version,
    }


def _detail_out(detail: queries.ServiceDetail) -> dict[str, Any]:
    service = detail.summary.service
    return {
        **_service_out(detail.summary),
        "eligibility_description": service.eligibility_description,
        "application_process": service.application_process,
        "fees_description": service.fees_description,
        "required_documents": detail.required_documents,
        "service_areas": detail.service_areas,
        "cost_options": detail.cost_options,
        "phones": detail.phones,
        "schedules": [queries.schedule_label(s) for s in detail.schedules],
        "locations": [_location_out(view) for view in detail.locations],
        "kept_by_your_agency": detail.kept_by_actor,
    }


def _fresh_detail(request: HttpRequest, service_id: UUID) -> dict[str, Any]:
    return _detail_out(queries.service_detail(request_actor(request), service_id))


# --- reading ----------------------------------------------------------------------------------


class Search(Schema):
    q: Annotated[str, StringConstraints(max_length=200)] = ""
    limit: int = Field(queries.PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/services", response={200: ServicePage, **READ_ERRORS}, summary="Find services")
def list_services(request: HttpRequest, search: Query[Search]) -> dict[str, Any]:
    """Services in the directory (not defunct), by name; `q` searches names, descriptions and
    organizations. Each with ages served, languages, terms, capacity (`capacity_reported`
    false means unknown, not full) and whether the listing is stale. Any staff token."""
    actor = request_actor(request)
    services = queries.browse(actor, search.q)
    count = services.count()
    page = list(services[search.offset : search.offset + search.limit])
    return {
        "items": [_service_out(row) for row in queries.summarise(page)],
        "count": count,
        "limit": search.limit,
        "offset": search.offset,
    }


@router.get(
    "/services/{service_id}",
    response={200: ServiceDetailOut, **READ_ERRORS},
    summary="One service",
)
def get_service(request: HttpRequest, service_id: UUID) -> dict[str, Any]:
    """Everything about one service: eligibility, how to apply, fees, documents, phones,
    hours and locations. A confidential location of another agency has `shown` false and
    no name, address, coordinates, phones or hours. Any staff token."""
    return _fresh_detail(request, service_id)


# --- the organization -------------------------------------------------------------------------


Email = Annotated[
    str, StringConstraints(max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"), Clean
]
Website = Annotated[str, StringConstraints(max_length=500, pattern=r"^$|^https?://\S+$"), Clean]


class OrganizationIn(InputSchema):
    name: Name
    description: Annotated[str, StringConstraints(min_length=1, max_length=4000), Clean]
    email: Email = ""
    website: Website = ""


class OrganizationPatch(InputSchema):
    """Fields left out stay as they are."""

    version: RecordVersion
    name: Name | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=4000), Clean] | None = (
        None
    )
    email: Email | None = None
    website: Website | None = None


def _organization_out(actor: Any, organization: Organization) -> dict[str, Any]:
    services = list(queries.our_services(organization))
    locations = list(
        queries.our_locations(organization).prefetch_related("phones", "schedules", "languages")
    )
    return {
        "id": organization.pk,
        "name": organization.name,
        "description": organization.description,
        "email": organization.email,
        "website": organization.website,
        "version": organization.version,
        "services": [_service_out(row) for row in queries.summarise(services)],
        "locations": [
            _location_out(queries.location_view(actor, location, keeps=True))
            for location in locations
        ],
    }


@router.get("/organization", response={200: OrganizationOut, **READ_ERRORS}, summary="Our listing")
def our_listing(request: HttpRequest) -> dict[str, Any]:
    """Your agency's organization in the directory, with its services and locations (with
    their versions, to change them). 404 while your agency has none. Agency admins."""
    actor = request_actor(request)
    return _organization_out(actor, queries.our_organization_or_404(actor))


@router.post(
    "/organization",
    response={201: OrganizationOut, **WRITE_ERRORS},
    summary="Add our organization",
)
def add_organization(request: HttpRequest, payload: OrganizationIn) -> Status[Any]:
    """Put your agency in the directory (once). `email` is shown as who checked each
    listing: a shared address, not a person's. Agency admins."""
    actor = request_actor(request)
    with _rules():
        added = actions.create_organization(
            actor=actor, details=OrganizationDetails(**payload.model_dump())
        )
    return Status(201, _organization_out(actor, added))


@router.patch(
    "/organization",
    response={200: OrganizationOut, **WRITE_ERRORS},
    summary="Change our organization",
)
def change_organization(request: HttpRequest, payload: OrganizationPatch) -> dict[str, Any]:
    """Change your organization's name, description or contact; 409 when someone saved
    since `version`. Agency admins."""
    actor = request_actor(request)
    found = queries.our_organization_or_404(actor)
    sent = payload.model_dump(exclude_unset=True, exclude={"version"})
    details = OrganizationDetails(
        **{
            name: sent[name] if sent.get(name) is not None else getattr(found, name)
            for name in ("name", "description", "email", "website")
        }
    )
    with _rules():
        actions.change_organization(
            actor=actor, organization=found, details=details, expected_version=payload.version
        )
    return _organization_out(actor, found)


# --- services ---------------------------------------------------------------------------------


class ServiceFields(InputSchema):
    @model_validator(mode="after")
    def _ages_in_order(self) -> Any:
        low = getattr(self, "minimum_age", None)
        high = getattr(self, "maximum_age", None)
        if low is not None and high is not None and low > high:
            raise ValueError("The youngest age served cannot be more than the oldest age served.")
        return self


class ServiceIn(ServiceFields):
    name: Name
    description: Prose = ""
    status: ServiceStatus = ServiceStatus.ACTIVE
    minimum_age: Age | None = Field(None, description="null: no lower bound")
    maximum_age: Age | None = Field(None, description="null: no upper bound")
    eligibility_description: Prose = ""
    application_process: Prose = ""
    fees_description: Prose = ""
    languages: Annotated[list[LanguageCode], Field(max_length=40)] = Field(
        [], description="ISO 639 codes"
    )
    taxonomy_term_ids: Annotated[list[UUID], Field(max_length=60)] = Field(
        [], description="Open Eligibility service terms (taxonomy_term ids)"
    )


class ServicePatch(ServiceFields):
    """Fields left out stay as they are; `minimum_age` or `maximum_age` sent as null
    removes that bound; `languages` and `taxonomy_term_ids`, when sent, replace the lists."""

    version: RecordVersion
    name: Name | None = None
    description: Prose | None = None
    status: ServiceStatus | None = None
    minimum_age: Age | None = None
    maximum_age: Age | None = None
    eligibility_description: Prose | None = None
    application_process: Prose | None = None
    fees_description: Prose | None = None
    languages: Annotated[list[LanguageCode], Field(max_length=40)] | None = None
    taxonomy_term_ids: Annotated[list[UUID], Field(max_length=60)] | None = None


def _terms(ids: list[UUID]) -> list[TaxonomyTerm]:
    found = {t.pk: t for t in queries.service_term_choices().filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            _("Not an Open Eligibility service term: %(ids)s") % {"ids": ", ".join(missing)}
        )
    return list(found.values())


@router.post("/services", response={201: ServiceDetailOut, **WRITE_ERRORS}, summary="Add a service")
def add_service(request: HttpRequest, payload: ServiceIn) -> Status[Any]:
    """Add a service to your organization; it starts checked today. Agency admins."""
    actor = request_actor(request)
    queries.require_listing_admin(actor)
    data = payload.model_dump(exclude={"languages", "taxonomy_term_ids"})
    terms = _terms(payload.taxonomy_term_ids)
    with _rules():
        added = actions.create_service(
            actor=actor,
            details=ServiceDetails(**data, languages=tuple(payload.languages)),
            terms=terms,
        )
    return Status(201, _fresh_detail(request, added.pk))


def _patched(service: Service, payload: ServicePatch) -> ServiceDetails:
    sent = payload.model_fields_set
    text = ("name", "description", "eligibility_description", "application_process")

    def pick(name: str, current: Any) -> Any:
        value = getattr(payload, name)
        if name in ("minimum_age", "maximum_age"):
            return value if name in sent else current
        return current if value is None else value

    languages = (
        tuple(payload.languages)
        if payload.languages is not None
        else tuple(lang.code for lang in service.languages.all() if lang.code)
    )
    return ServiceDetails(
        **{name: pick(name, getattr(service, name)) for name in text},
        status=str(pick("status", service.status)),
        minimum_age=pick("minimum_age", service.minimum_age),
        maximum_age=pick("maximum_age", service.maximum_age),
        fees_description=pick("fees_description", service.fees_description),
        languages=languages,
    )


@router.patch(
    "/services/{service_id}",
    response={200: ServiceDetailOut, **WRITE_ERRORS},
    summary="Change a service",
)
def change_service(request: HttpRequest, service_id: UUID, payload: ServicePatch) -> dict[str, Any]:
    """Change a service your agency keeps; 409 when someone saved since `version`. Saving
    marks the listing as checked today. The admins of the agency that keeps it."""
    actor = request_actor(request)
    found = queries.service_for(actor, service_id)
    actions.require_keeper(actor, found.organization)
    terms = None if payload.taxonomy_term_ids is None else _terms(payload.taxonomy_term_ids)
    with _rules():
        actions.change_service(
            actor=actor,
            service=found,
            details=_patched(found, payload),
            expected_version=payload.version,
            terms=terms,
        )
    return _fresh_detail(request, service_id)


class CapacityIn(InputSchema):
    unit: Literal["beds", "places", "appointments"]
    available: Count
    maximum: Count | None = Field(None, description="null: not fixed")
    version: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)] | None = Field(
        description="The figure's version you last read; null for a unit not reported yet"
    )

    @model_validator(mode="after")
    def _maximum_not_below(self) -> CapacityIn:
        if self.maximum is not None and self.maximum < self.available:
            raise ValueError("The maximum cannot be less than what is available now.")
        return self


@router.put(
    "/services/{service_id}/capacity",
    response={200: ServiceDetailOut, **WRITE_ERRORS},
    summary="Set capacity",
)
def set_capacity(request: HttpRequest, service_id: UUID, payload: CapacityIn) -> dict[str, Any]:
    """How many beds, places or appointments are free now (and at most); stamped now. 409
    when the figure changed since `version`. The admins of the agency that keeps it."""
    actor = request_actor(request)
    found = queries.service_for(actor, service_id)
    actions.require_keeper(actor, found.organization)
    with _rules():
        actions.set_capacity(
            actor=actor,
            service=found,
            unit=payload.unit,
            available=payload.available,
            maximum=payload.maximum,
            expected_version=payload.version or 0,
        )
    return _fresh_detail(request, service_id)


class StillTrueIn(InputSchema):
    version: RecordVersion


@router.post(
    "/services/{service_id}/still-true",
    response={200: ServiceDetailOut, **WRITE_ERRORS},
    summary="Mark a listing still true",
)
def still_true(request: HttpRequest, service_id: UUID, payload: StillTrueIn) -> dict[str, Any]:
    """The listing, as read at `version`, is true today: no longer stale. 409 when it
    changed since. The admins of the agency that keeps it."""
    actor = request_actor(request)
    found = queries.service_for(actor, service_id)
    actions.mark_still_true(actor=actor, service=found, expected_version=payload.version)
    return _fresh_detail(request, service_id)


# --- locations --------------------------------------------------------------------------------


class AddressIn(InputSchema):
    address_1: Name
    address_2: Short = ""
    city: Name
    state_province: Name
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=20), Clean]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class LocationFields(InputSchema):
    @model_validator(mode="after")
    def _both_coordinates(self) -> Any:
        set_ = self.model_fields_set
        if ("latitude" in set_) != ("longitude" in set_) or (
            (getattr(self, "latitude", None) is None) != (getattr(self, "longitude", None) is None)
        ):
            raise ValueError("Give both the latitude and the longitude, or neither.")
        return self


class LocationIn(LocationFields):
    name: Name
    description: Prose = ""
    confidential: StrictBool = Field(
        True, description="A safe house or shelter: its whereabouts stay with your agency"
    )
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    address: AddressIn | None = None
    service_ids: Annotated[list[UUID], Field(max_length=200)] = Field(
        [], description="Your services given here"
    )


class LocationPatch(LocationFields):
    """Fields left out stay as they are; `address` sent as null removes it; `service_ids`,
    when sent, replaces the list."""

    version: RecordVersion
    name: Name | None = None
    description: Prose | None = None
    confidential: StrictBool | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    address: AddressIn | None = None
    service_ids: Annotated[list[UUID], Field(max_length=200)] | None = None


def _address(payload: AddressIn | None) -> AddressDetails | None:
    return None if payload is None else AddressDetails(**payload.model_dump())


def _location_detail_out(request: HttpRequest, location_id: UUID) -> dict[str, Any]:
    actor = request_actor(request)
    found = queries.our_location(actor, location_id)
    return _location_out(queries.location_view(actor, found, keeps=True))


@router.post("/locations", response={201: LocationOut, **WRITE_ERRORS}, summary="Add a location")
def add_location(request: HttpRequest, payload: LocationIn) -> Status[Any]:
    """A place where your agency gives services. Confidential unless `confidential` is
    false: only your agency ever sees a confidential location's whereabouts. Agency admins."""
    actor = request_actor(request)
    with _rules():
        added = actions.create_location(
            actor=actor,
            details=LocationDetails(
                name=payload.name,
                description=payload.description,
                confidential=payload.confidential,
                latitude=payload.latitude,
                longitude=payload.longitude,
                address=_address(payload.address),
                service_ids=tuple(payload.service_ids),
            ),
        )
    return Status(201, _location_detail_out(request, added.pk))


def _patched_location(location: Location, payload: LocationPatch) -> LocationDetails:
    sent = payload.model_fields_set
    address = queries.first_address(location)
    current_address = (
        None
        if address is None
        else AddressDetails(
            address_1=address.address_1,
            address_2=address.address_2,
            city=address.city,
            state_province=address.state_province,
            postal_code=address.postal_code,
            country=address.country,
        )
    )
    return LocationDetails(
        name=payload.name if payload.name is not None else location.name,
        description=(
            payload.description if payload.description is not None else location.description
        ),
        confidential=(
            payload.confidential if payload.confidential is not None else location.confidential
        ),
        latitude=payload.latitude if "latitude" in sent else location.latitude,
        longitude=payload.longitude if "longitude" in sent else location.longitude,
        address=_address(payload.address) if "address" in sent else current_address,
        service_ids=tuple(payload.service_ids)
        if payload.service_ids is not None
        else tuple(queries.linked_service_ids(location)),
    )


@router.patch(
    "/locations/{location_id}",
    response={200: LocationOut, **WRITE_ERRORS},
    summary="Change a location",
)
def change_location(
    request: HttpRequest, location_id: UUID, payload: LocationPatch
) -> dict[str, Any]:
    """Change one of your agency's locations; 409 when someone saved since `version`. A
    location of another agency does not exist for you (404). Agency admins."""
    actor = request_actor(request)
    found = queries.our_location(actor, location_id)
    with _rules():
        actions.change_location(
            actor=actor,
            location=found,
            details=_patched_location(found, payload),
            expected_version=payload.version,
        )
    return _location_detail_out(request, location_id)
