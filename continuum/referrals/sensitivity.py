"""Which kinds of protected data a referral is about: its need's domain, and the receiving
service's own Open Eligibility terms.

A referral's need says what it is for, but not always all of it: the API accepts a
referral with no need at all, and a service may meet a sensitive domain besides the need's
(a shelter need sent to a programme also tagged Residential Treatment). A referral to a
detox programme is substance-use data whichever need box it was filed under, so the
service's terms count too, read through directory.need_terms (the terms that meet each
need domain) and the categories of the domains (needs.NeedDomain.category).

The service's terms are read when asked (the referral keeps no copy): the timeline line is
written once, at the move; visibility is decided at every read. A service removed from the
directory since leaves only the need's domain to decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import Exists, OuterRef, Q

from continuum.access.categories import DataCategory
from continuum.directory.models import Attribute
from continuum.directory.need_terms import NEED_DOMAIN_TERMS
from continuum.directory.taxonomy import term_id
from continuum.needs.models import NeedDomain

# Needs whose very existence is protected: a timeline line naming a detox programme or a
# therapist's practice would tell every reader of the timeline what the referral was for.
SENSITIVE_CATEGORIES = frozenset(
    {DataCategory.HEALTH, DataCategory.MENTAL_HEALTH, DataCategory.SUBSTANCE_USE}
)


def _term_ids(categories: Iterable[str]) -> dict[str, set[UUID]]:
    """Per category, the ids of the Open Eligibility terms that meet a domain of it."""
    found: dict[str, set[UUID]] = {}
    domains = NeedDomain.objects.filter(category__in=list(categories)).values_list(
        "code", "category"
    )
    for code, category in domains:
        found.setdefault(category, set()).update(
            term_id(t) for t in NEED_DOMAIN_TERMS.get(code, ())
        )
    return found


def service_categories(service_id: UUID | None) -> frozenset[str]:
    """The sensitive categories the service's terms meet (2 queries)."""
    if service_id is None:
        return frozenset()
    tagged = set(
        Attribute.objects.filter(link_id=service_id, taxonomy_term__isnull=False).values_list(
            "taxonomy_term_id", flat=True
        )
    )
    if not tagged:
        return frozenset()
    return frozenset(
        category for category, ids in _term_ids(SENSITIVE_CATEGORIES).items() if ids & tagged
    )


def referral_categories(domain_code: str, service_id: UUID | None) -> frozenset[str]:
    """The sensitive categories a referral (its need's domain code, its service) is about."""
    categories = set(service_categories(service_id))
    if domain_code:
        category = (
            NeedDomain.objects.filter(code=domain_code).values_list("category", flat=True).first()
        )
        if category in SENSITIVE_CATEGORIES:
            categories.add(category)
    return frozenset(categories)


def service_meets_q(categories: Iterable[str], service_ref: str = "service_id") -> Q:
    """Rows whose service (`service_ref`) is tagged with a term meeting a domain of one of
    these (sensitive) categories; matches nothing when there are none."""
    wanted = [c for c in categories if c in SENSITIVE_CATEGORIES]
    ids = set().union(*_term_ids(wanted).values()) if wanted else set()
    if not ids:
        return Q(pk__in=[])
    return Q(
        Exists(
            Attribute.objects.filter(link_id=OuterRef(service_ref), taxonomy_term_id__in=list(ids))
        )
    )
