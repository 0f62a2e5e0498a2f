"""The resource directory, stored as Open Referral HSDS 3.1 tables (issue #7).

Each modelled table keeps the HSDS field names, so a column here is the property of the same
name in the standard's JSON and the column of the same name in its tabular package, and the
HSDS id (a UUID) is the primary key: importing an updated file updates rows in place by id.

We model the sixteen tables that matching, capacity and editing read. The standard's other
tables (contacts, funding, programs, accessibility, urls, organization identifiers, metadata,
meta-table descriptions) are kept whole as `OtherRecord`s, and any property a modelled row
carries beyond its columns is kept in its `extra`, so an exported file holds everything an
imported one did.

Continuum's own columns (which agency keeps a listing, whether a location is confidential,
the `version` that stops two editors overwriting each other) are not HSDS properties and are
never exported; they carry a comment.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from continuum.core.models import Versioned


class HsdsRow(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Properties of the HSDS record that have no column here (an extension, a newer
    # field), kept so that exporting gives back what was imported.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.id}"


def text(label: str) -> models.TextField:
    """An optional HSDS string: stored as '' when absent, left out of exports when ''."""
    return models.TextField(_(label), blank=True, default="")


def optional_number(label: str) -> models.FloatField:
    """An optional HSDS number (the standard has no integers)."""
    return models.FloatField(_(label), null=True, blank=True)


def link(to: str, label: str, *, related_name: str) -> models.ForeignKey:
    """A link to a parent row; deleting the parent deletes what hangs from it."""
    return models.ForeignKey(
        to, models.CASCADE, null=True, blank=True, related_name=related_name, verbose_name=_(label)
    )


class Taxonomy(HsdsRow):
    name = models.TextField(_("name"))
    description = models.TextField(_("description"))
    uri = text("URI")
    version = text("version")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(HsdsRow):
    code = text("code")
    name = models.TextField(_("name"))
    description = models.TextField(_("description"))
    # HSDS links a term to its parent by id, and the parent may arrive later in the same
    # file, so this is a plain UUID rather than a foreign key.
    parent_id = models.UUIDField(_("parent"), null=True, blank=True, db_index=True)
    taxonomy = text("taxonomy")
    taxonomy_detail = link("Taxonomy", "taxonomy", related_name="terms")
    language = text("language")
    term_uri = text("term URI")

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["taxonomy_detail", "code"])]

    def __str__(self) -> str:
        return self.name


class Organization(HsdsRow, Versioned):
    name = models.TextField(_("name"))
    alternate_name = text("alternate name")
    description = models.TextField(_("description"))
    email = text("email")
    website = text("website")
    tax_status = text("tax status")
    tax_id = text("tax id")
    year_incorporated = optional_number("year incorporated")
    legal_status = text("legal status")
    logo = text("logo")
    uri = text("URI")
    parent_organization_id = models.UUIDField(null=True, blank=True)
    # Continuum: the member agency that keeps this listing up to date (none for a listing
    # imported from a 211 or another directory).
    agency = models.OneToOneField(
        "accounts.Agency",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_listing",
        verbose_name=_("kept by"),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class Service(HsdsRow, Versioned):
    organization = link("Organization", "organization", related_name="services")
    program_id = models.UUIDField(null=True, blank=True)
    name = models.TextField(_("name"))
    alternate_name = text("alternate name")
    description = text("description")
    url = text("URL")
    email = text("email")
    status = models.CharField(_("status"), max_length=40, choices=ServiceStatus.choices)
    interpretation_services = text("interpretation services")
    application_process = text("how to apply")
    fees_description = text("fees")
    wait_time = text("wait time")
    fees = text("fees (deprecated)")
    accreditations = text("accreditations")
    eligibility_description = text("who it is for")
    # A missing bound means no bound (issue #7): a null is "any age" on that side.
    minimum_age = optional_number("youngest age served")
    maximum_age = optional_number("oldest age served")
    # The date someone last checked the listing is true: HSDS's own field for it, and
    # what marks a listing stale.
    assured_date = models.DateField(_("last checked"), null=True, blank=True)
    assurer_email = text("checked by (email)")
    licenses = text("licenses")
    alert = text("alert")
    last_modified = models.DateTimeField(_("last modified"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["minimum_age", "maximum_age"])]

    def __str__(self) -> str:
        return self.name


class Location(HsdsRow, Versioned):
    location_type = models.CharField(_("type"), max_length=20)
    url = text("URL")
    organization = link("Organization", "organization", related_name="locations")
    name = text("name")
    alternate_name = text("alternate name")
    description = text("description")
    transportation = text("transportation")
    latitude = optional_number("latitude")
    longitude = optional_number("longitude")
    external_identifier = text("external identifier")
    external_identifier_type = text("external identifier type")
    # Continuum: a safe house or shelter whose whereabouts must never be published. It is
    # left out of the public API and every export, and only its own agency sees where it is.
    confidential = models.BooleanField(_("confidential location"), default=False)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ServiceAtLocation(HsdsRow):
    service = link("Service", "service", related_name="service_at_locations")
    location = link("Location", "location", related_name="service_at_locations")
    description = text("description")

    class Meta:
        verbose_name = _("service at location")


class Address(HsdsRow):
    location = link("Location", "location", related_name="addresses")
    attention = text("attention")
    address_1 = models.TextField(_("street address"))
    address_2 = text("address line 2")
    city = models.TextField(_("city"))
    region = text("region")
    state_province = models.TextField(_("state"))
    postal_code = models.TextField(_("ZIP code"), db_index=True)
    country = models.TextField(_("country"))
    address_type = models.TextField(_("address type"))

    class Meta:
        verbose_name_plural = _("addresses")


class Phone(HsdsRow):
    location = link("Location", "location", related_name="phones")
    service = link("Service", "service", related_name="phones")
    organization = link("Organization", "organization", related_name="phones")
    # Contacts are kept as OtherRecords, so their phones point at them by id.
    contact_id = models.UUIDField(null=True, blank=True, db_index=True)
    service_at_location = link("ServiceAtLocation", "service at location", related_name="phones")
    number = models.TextField(_("number"))
    extension = optional_number("extension")
    type = text("type")
    description = text("description")


class Schedule(HsdsRow):
    service = link("Service", "service", related_name="schedules")
    location = link("Location", "location", related_name="schedules")
    service_at_location = link("ServiceAtLocation", "service at location", related_name="schedules")
    valid_from = text("valid from")
    valid_to = text("valid to")
    dtstart = text("first day")
    timezone = optional_number("UTC offset")
    until = text("until")
    count = optional_number("count")
    wkst = text("week starts")
    freq = text("frequency")
    interval = optional_number("interval")
    byday = text("days")
    byweekno = text("weeks")
    bymonthday = text("days of the month")
    byyearday = text("days of the year")
    description = text("description")
    opens_at = text("opens at")
    closes_at = text("closes at")
    schedule_link = text("schedule link")
    attending_type = text("attending type")
    notes = text("notes")


class Language(HsdsRow):
    service = link("Service", "service", related_name="languages")
    location = link("Location", "location", related_name="languages")
    phone = link("Phone", "phone", related_name="languages")
    name = text("name")
    # ISO 639 code, lower-cased on the way in so that matching compares like with like.
    code = models.CharField(_("code"), max_length=20, blank=True, default="", db_index=True)
    note = text("note")


class ServiceArea(HsdsRow):
    service = link("Service", "service", related_name="service_areas")
    service_at_location = link(
        "ServiceAtLocation", "service at location", related_name="service_areas"
    )
    name = text("name")
    description = text("description")
    extent = text("extent")
    extent_type = text("extent type")
    uri = text("URI")


class CostOption(HsdsRow):
    service = link("Service", "service", related_name="cost_options")
    valid_from = text("valid from")
    valid_to = text("valid to")
    option = text("option")
    currency = text("currency")
    amount = optional_number("amount")
    amount_description = text("amount description")


class RequiredDocument(HsdsRow):
    service = link("Service", "service", related_name="required_documents")
    document = text("document")
    uri = text("URI")


class Unit(HsdsRow):
    name = models.TextField(_("name"))
    scheme = text("scheme")
    identifier = text("identifier")
    uri = text("URI")

    def __str__(self) -> str:
        return self.name


class ServiceCapacity(HsdsRow, Versioned):
    service = link("Service", "service", related_name="capacities")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="capacities")
    available = models.FloatField(_("available"))
    maximum = optional_number("maximum")
    description = text("description")
    updated = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name_plural = _("service capacities")


class Attribute(HsdsRow):
    # Attributes tag any row (a service, a location...) with a taxonomy term; HSDS names the
    # row by id and says which table it is in.
    link_id = models.UUIDField(null=True, blank=True)
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, models.CASCADE, null=True, blank=True, related_name="attributes"
    )
    link_type = text("link type")
    link_entity = text("link entity")
    value = text("value")
    label = text("label")

    class Meta:
        indexes = [models.Index(fields=["link_id", "taxonomy_term"])]


class OtherRecord(HsdsRow):
    """A row of an HSDS table that Continuum keeps but does not query (contacts, funding...).

    `data` is the record as HSDS writes it, without its nested children (those are rows of
    their own); `parent_link` is the field naming its parent ("service_id") and `parent_id`
    that parent, so an export can nest it again.
    """

    table = models.CharField(max_length=40)
    parent_link = models.CharField(max_length=40, blank=True, default="")
    parent_id = models.UUIDField(null=True, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["table", "parent_link", "parent_id"])]


# --- The match index: what matching reads, pre-joined (continuum/directory/match_index.py) ---


class MatchRow(models.Model):
    """What matching's hard rules read about an active service, in one row: derived from the
    tables above and rewritten by match_index.refresh whenever they change, never edited.

    `terms` and `languages` are lists written "|a|b|" so that one LIKE tests one member:
    the service's Open Eligibility codes that matching reads (need domains, genders,
    preferred situations), and
    the ISO 639-1 codes listed by the service or any of its locations. `not_full` is "not
    known to be full": the newest figure of some unit has room, or none was reported."""

    service = models.ForeignKey(Service, models.CASCADE, related_name="+")
    minimum_age = models.FloatField(null=True)
    maximum_age = models.FloatField(null=True)
    terms = models.TextField(default="")
    languages = models.TextField(default="")
    not_full = models.BooleanField(default=True)
    # What ranking reads (match_index.Facts), so that ranking needs no other query.
    name = models.TextField(default="")
    interpreted = models.BooleanField(default=False)
    assured_date = models.DateField(null=True)
    room = models.BooleanField(null=True)
    capacity_updated = models.DateTimeField(null=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} of {self.service_id}"


class MatchSite(MatchRow):
    """One row per active service and each of its locations with coordinates. A confidential
    location's point is its general area (geo.general_area), never where it is: distance and
    the box are worked out on this point, so no answer depends on the real address."""

    latitude = models.FloatField()
    longitude = models.FloatField()
    confidential = models.BooleanField(default=False)

    class Meta:
        # Every column the rules read, so that the box scan answers from the index alone
        # (docs/benchmark.md: 10-20 µs a row through the joined tables, under 1 here).
        indexes = [
            models.Index(
                fields=[
                    "latitude",
                    "longitude",
                    "confidential",
                    "not_full",
                    "minimum_age",
                    "maximum_age",
                    "service",
                    "terms",
                    "languages",
                ],
                name="directory_matchsite_box",
            )
        ]


class MatchArea(MatchRow):
    """One row per name a service area of an active service goes by: its whole name, lower
    case, and each five-digit ZIP it lists ("33101, 33125" gives both ZIPs)."""

    key = models.CharField(max_length=200, db_index=True)
