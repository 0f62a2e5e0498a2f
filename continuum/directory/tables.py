"""How HSDS 3.1 tables map to our models and nest inside each other (issue #7).

One description serves the JSON importer (which flattens nested documents into rows), the
exporters (which nest rows into documents again, or write them as the tabular package's
CSV files) and the HSDS API. A test checks it against the standard's own schemas, so a
property the standard nests is never silently dropped.

Two ways a record nests another:
- *down*: the child row points at the parent (a service's `phones` are phone rows whose
  `service_id` is the service's id);
- *up*: the parent row points at the child (a service's `organization` is the organization
  row named by the service's `organization_id`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models as django_models

from continuum.core.models import Versioned
from continuum.directory import models


@dataclass(frozen=True)
class Nested:
    """A property of an HSDS record that holds another table's record(s)."""

    prop: str
    table: str
    # down: the child's field naming the parent; up: the parent's field naming the child.
    link: str
    up: bool = False
    # For attributes and metadata, which name their parent's table as well as its id.
    entity_field: str = ""

    @property
    def many(self) -> bool:
        return not self.up


@dataclass(frozen=True)
class Table:
    name: str  # the HSDS schema name: "service", "service_at_location"
    csv: str  # the tabular package's file: "services.csv"
    model: type[django_models.Model] | None  # None: kept as an OtherRecord
    # HSDS property -> model attribute, for every property stored in a column (including
    # the ids that link rows); any other scalar property goes to `extra`.
    columns: dict[str, str] = field(default_factory=dict)
    nested: tuple[Nested, ...] = ()

    def nested_prop(self, prop: str) -> Nested | None:
        return next((n for n in self.nested if n.prop == prop), None)


def _columns(model: type[django_models.Model], **renamed: str) -> dict[str, str]:
    """Every concrete field of `model` that is an HSDS property, by its HSDS name."""
    ours = {"extra", "agency", "confidential"}
    if issubclass(model, Versioned):
        ours.add("version")
    mapping = {}
    for f in model._meta.concrete_fields:
        if f.name in ours:
            continue
        mapping[f.attname] = f.attname
    for hsds_name, attname in renamed.items():
        mapping = {(hsds_name if v == attname else k): v for k, v in mapping.items()}
    return mapping


def _tagged(*extra: Nested) -> tuple[Nested, ...]:
    """Every HSDS record can carry attributes and metadata, linked by id and table name."""
    return (
        *extra,
        Nested("attributes", "attribute", "link_id", entity_field="link_entity"),
        Nested("metadata", "metadata", "resource_id", entity_field="resource_type"),
    )


def _phones(parent: str) -> Nested:
    return Nested("phones", "phone", f"{parent}_id")


def _schedules(parent: str) -> Nested:
    return Nested("schedules", "schedule", f"{parent}_id")


def _contacts(parent: str) -> Nested:
    return Nested("contacts", "contact", f"{parent}_id")


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "organization",
            "organizations.csv",
            models.Organization,
            _columns(models.Organization),
            _tagged(
                Nested("additional_websites", "url", "organization_id"),
                Nested("funding", "funding", "organization_id"),
                _contacts("organization"),
                _phones("organization"),
                Nested("locations", "location", "organization_id"),
                Nested("programs", "program", "organization_id"),
                Nested("organization_identifiers", "organization_identifier", "organization_id"),
                Nested("services", "service", "organization_id"),
            ),
        ),
        Table(
            "service",
            "services.csv",
            models.Service,
            _columns(models.Service),
            _tagged(
                Nested("additional_urls", "url", "service_id"),
                _phones("service"),
                _schedules("service"),
                Nested("service_areas", "service_area", "service_id"),
                Nested("service_at_locations", "service_at_location", "service_id"),
                Nested("languages", "language", "service_id"),
                Nested("organization", "organization", "organization_id", up=True),
                Nested("funding", "funding", "service_id"),
                Nested("cost_options", "cost_option", "service_id"),
                Nested("program", "program", "program_id", up=True),
                Nested("required_documents", "required_document", "service_id"),
                _contacts("service"),
                Nested("capacities", "service_capacity", "service_id"),
            ),
        ),
        Table(
            "location",
            "locations.csv",
            models.Location,
            _columns(models.Location),
            _tagged(
                Nested("languages", "language", "location_id"),
                Nested("addresses", "address", "location_id"),
                _contacts("location"),
                Nested("accessibility", "accessibility", "location_id"),
                _phones("location"),
                _schedules("location"),
            ),
        ),
        Table(
            "service_at_location",
            "service_at_location.csv",
            models.ServiceAtLocation,
            _columns(models.ServiceAtLocation),
            _tagged(
                Nested("service_areas", "service_area", "service_at_location_id"),
                _contacts("service_at_location"),
                _phones("service_at_location"),
                _schedules("service_at_location"),
                Nested("location", "location", "location_id", up=True),
            ),
        ),
        Table("address", "addresses.csv", models.Address, _columns(models.Address), _tagged()),
        Table(
            "phone",
            "phones.csv",
            models.Phone,
            _columns(models.Phone),
            _tagged(Nested("languages", "language", "phone_id")),
        ),
        Table("schedule", "schedules.csv", models.Schedule, _columns(models.Schedule), _tagged()),
        Table("language", "languages.csv", models.Language, _columns(models.Language), _tagged()),
        Table(
            "service_area",
            "service_areas.csv",
            models.ServiceArea,
            _columns(models.ServiceArea),
            _tagged(),
        ),
        Table(
            "cost_option",
            "cost_options.csv",
            models.CostOption,
            _columns(models.CostOption),
            _tagged(),
        ),
        Table(
            "required_document",
            "required_documents.csv",
            models.RequiredDocument,
            _columns(models.RequiredDocument),
            _tagged(),
        ),
        Table("unit", "units.csv", models.Unit, _columns(models.Unit), _tagged()),
        Table(
            "service_capacity",
            "service_capacity.csv",
            models.ServiceCapacity,
            _columns(models.ServiceCapacity),
            _tagged(Nested("unit", "unit", "unit_id", up=True)),
        ),
        Table(
            "taxonomy",
            "taxonomies.csv",
            models.Taxonomy,
            _columns(models.Taxonomy),
            (Nested("metadata", "metadata", "resource_id", entity_field="resource_type"),),
        ),
        Table(
            "taxonomy_term",
            "taxonomy_terms.csv",
            models.TaxonomyTerm,
            _columns(models.TaxonomyTerm, taxonomy_id="taxonomy_detail_id"),
            (
                Nested("taxonomy_detail", "taxonomy", "taxonomy_id", up=True),
                Nested("metadata", "metadata", "resource_id", entity_field="resource_type"),
            ),
        ),
        Table(
            "attribute",
            "attributes.csv",
            models.Attribute,
            _columns(models.Attribute),
            (
                Nested("taxonomy_term", "taxonomy_term", "taxonomy_term_id", up=True),
                Nested("metadata", "metadata", "resource_id", entity_field="resource_type"),
            ),
        ),
        # Kept whole, as OtherRecords.
        Table("contact", "contacts.csv", None, nested=_tagged(_phones("contact"))),
        Table("funding", "funding.csv", None, nested=_tagged()),
        Table("program", "programs.csv", None, nested=_tagged()),
        Table("accessibility", "accessibility.csv", None, nested=_tagged()),
        Table("url", "url.csv", None, nested=_tagged()),
        Table("organization_identifier", "organization_identifiers.csv", None, nested=_tagged()),
        Table("meta_table_description", "meta_table_descriptions.csv", None, nested=_tagged()),
        Table("metadata", "metadata.csv", None),
    )
}

# The link fields of records kept as OtherRecords: the first one set names the parent.
OTHER_LINKS: dict[str, tuple[str, ...]] = {
    "contact": ("organization_id", "service_id", "service_at_location_id", "location_id"),
    "funding": ("organization_id", "service_id"),
    "program": ("organization_id",),
    "accessibility": ("location_id",),
    "url": ("organization_id", "service_id"),
    "organization_identifier": ("organization_id",),
    "meta_table_description": (),
    "metadata": ("resource_id",),
}

# Tables in an order where every row's parents come first (for importing).
IMPORT_ORDER: tuple[str, ...] = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "program",
    "service",
    "location",
    "service_at_location",
    "address",
    "contact",
    "phone",
    "schedule",
    "language",
    "service_area",
    "cost_option",
    "required_document",
    "unit",
    "service_capacity",
    "attribute",
    "funding",
    "accessibility",
    "url",
    "organization_identifier",
    "meta_table_description",
    "metadata",
)


def _links() -> dict[str, dict[str, str]]:
    links: dict[str, dict[str, str]] = {name: {} for name in TABLES}
    for table in TABLES.values():
        for nested in table.nested:
            if nested.entity_field:
                continue  # attributes and metadata name any table's row: see TAG_LINKS
            if nested.up:
                links[table.name][nested.link] = nested.table
            else:
                links[nested.table][nested.link] = table.name
    return links


# The fields of each table that name a row of another table (field -> that table): the
# standard's foreign keys, which datapackage.json declares and a test holds equal to these.
# An import refuses a link to a row that is neither in the file nor in the directory. Other
# ids a record carries (an organization's parent_organization_id, a term's parent_id, what an
# attribute or metadata entry is about) may name rows kept elsewhere, and are not checked.
LINKS: dict[str, dict[str, str]] = _links()

# The fields by which a row hangs under a parent that lists it (a phone's organization_id,
# service_id, location_id...): a child nested in a parent's list gets this field from it.
OWNER_LINKS: dict[str, tuple[str, ...]] = {
    name: tuple(
        dict.fromkeys(
            nested.link
            for table in TABLES.values()
            for nested in table.nested
            if nested.table == name and not nested.up and not nested.entity_field
        )
    )
    for name in TABLES
}

# Attributes and metadata tag a row of any table: the field naming the row, and the field
# naming its table.
TAG_LINKS: dict[str, tuple[str, str]] = {
    "attribute": ("link_id", "link_entity"),
    "metadata": ("resource_id", "resource_type"),
}
