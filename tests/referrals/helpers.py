"""A referral world: the test world's partner agency (Harbor Counseling) keeps a directory
listing with intake staff (Ivy, case manager; Pat, supervisor), and Ana has a mental-health
need the lead agency can refer."""

from __future__ import annotations

import datetime

from django.utils import timezone

from continuum.accounts.models import Role
from continuum.directory import taxonomy
from continuum.directory.models import (
    Attribute,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from continuum.needs.models import Need
from continuum.referrals import actions
from continuum.referrals.models import Referral
from tests.needs.helpers import assess
from tests.personas import World, add_person, release_to_partner


def ensure_term(code: str) -> TaxonomyTerm:
    """The Open Eligibility term `code`, as the migration loads it."""
    term = taxonomy.term(code)
    tax, _ = Taxonomy.objects.get_or_create(
        id=taxonomy.taxonomy_id(term.tree),
        defaults={"name": taxonomy.TAXONOMY_NAMES[term.tree], "description": "Open Eligibility"},
    )
    row, _ = TaxonomyTerm.objects.get_or_create(
        id=taxonomy.term_id(code),
        defaults={
            "code": code,
            "name": term.name,
            "description": term.name,
            "taxonomy_detail": tax,
        },
    )
    return row


def listing(
    world: World,
    agency: str = "partner",
    *,
    name: str = "Trauma-focused therapy for teens",
    terms: tuple[str, ...] = ("1220",),
    **fields: object,
) -> Service:
    """A service kept by `agency`, tagged with Open Eligibility `terms`."""
    organization, _ = Organization.objects.get_or_create(
        agency=world.agencies[agency],
        defaults={"name": world.agencies[agency].name, "description": "A test provider."},
    )
    values: dict[str, object] = {"status": "active", "assured_date": timezone.localdate()}
    values.update(fields)
    service = Service.objects.create(organization=organization, name=name, **values)
    for code in terms:
        Attribute.objects.create(
            link_id=service.id, link_entity="service", taxonomy_term=ensure_term(code)
        )
    return service


def capacity(
    service: Service, available: float, maximum: float | None = None, unit: str = "beds"
) -> ServiceCapacity:
    found = Unit.objects.filter(name=unit).first() or Unit.objects.create(name=unit)
    return ServiceCapacity.objects.create(
        service=service,
        unit=found,
        available=available,
        maximum=maximum,
        updated=timezone.now() - datetime.timedelta(hours=1),
    )


def intake_staff(world: World) -> None:
    add_person(world, "ivy", "partner", Role.CASE_MANAGER)
    add_person(world, "pat", "partner", Role.SUPERVISOR)
    add_person(world, "gus", "partner", Role.AGENCY_ADMIN)


def referral_world(world: World, *, release: set[str] | None = None) -> tuple[Service, Need]:
    """Harbor's listing, its intake staff, Ana's mental-health need and (by default) a
    release to Harbor for identity, contact and needs."""
    intake_staff(world)
    service = listing(world)
    need = assess(world, "mental_health")
    if release is None:
        release = {"identity", "contact", "needs"}
    if release:
        release_to_partner(world, release)
    return service, need


def sent(world: World, service: Service, need: Need, **details: object) -> Referral:
    return actions.draft_referral(
        actor=world.actor("casey"),
        case=world.case,
        details=actions.ReferralDetails(service=service, need=need, **details),  # type: ignore[arg-type]
        send=True,
    )


# --- matching and placements (tests/referrals/test_match*.py, test_placements.py) -----------


def service_at(
    name: str,
    point: tuple[float, float] | None,
    *,
    terms: tuple[str, ...] = ("1121",),
    confidential: bool = False,
    **fields: object,
) -> Service:
    """An active service checked today, tagged with Open Eligibility `terms` (default:
    Emergency Shelter, a "shelter" need), at one location at `point` (latitude, longitude),
    or at none when `point` is None. Its own organization, kept by no agency."""
    from tests.directory.factories import make_location, make_organization, make_service

    organization = make_organization(name=f"{name} Inc.")
    values: dict[str, object] = {"assured_date": timezone.localdate(), **fields}
    service = make_service(organization=organization, name=name, **values)
    if point is not None:
        location = make_location(
            organization=organization,
            confidential=confidential,
            latitude=point[0],
            longitude=point[1],
        )
        ServiceAtLocation.objects.create(service=service, location=location)
    tag_terms(service, *terms)
    return service


def tag_terms(service: Service, *codes: str) -> None:
    for code in codes:
        Attribute.objects.create(
            link_id=service.id, link_entity="service", taxonomy_term=ensure_term(code)
        )


def ensure_certifications() -> dict[str, TaxonomyTerm]:
    """Continuum's placement certification terms, as the data migration loads them."""
    from continuum.referrals import placements

    taxonomy_row, _ = Taxonomy.objects.get_or_create(
        id=placements.TAXONOMY_ID,
        defaults={"name": placements.TAXONOMY_NAME, "description": placements.TAXONOMY_DESCRIPTION},
    )
    return {
        code: TaxonomyTerm.objects.get_or_create(
            id=placements.certification_term_id(code),
            defaults={
                "code": code,
                "name": name,
                "description": name,
                "taxonomy_detail": taxonomy_row,
            },
        )[0]
        for code, name in placements.CERTIFICATIONS.items()
    }


def placement_at(
    name: str,
    point: tuple[float, float] | None,
    *,
    kind: str = "certified-safe-house",
    beds: float | None = 2,
    terms: tuple[str, ...] = (),
    **fields: object,
) -> Service:
    """A certified placement (its location confidential) with `beds` free (None: not
    reported), tagged with Open Eligibility `terms` too."""
    service = service_at(name, point, terms=terms, confidential=True, **fields)
    Attribute.objects.create(
        link_id=service.id, link_entity="service", taxonomy_term=ensure_certifications()[kind]
    )
    if beds is not None:
        capacity(service, beds, maximum=6)
    return service
