"""What of a survivor's record an actor may see: role, relation and releases, decided per read.

- The agency leading care (or, before any case, the agency that recorded the person or was
  handed the record) sees what the actor's role may see.
- Another agency on the care team sees, of that, only the categories a release of
  information names for it now: started, not expired, not revoked, its end event (the case
  closing) not reached; or a legal basis (mandatory report, court order) in force names for
  it. Revocation, ending and expiry take effect on the next request.
- Under an active break-glass grant (policy.active_emergency_grants), the actor sees what
  their role may see, until the grant expires.

`mask` blanks what may not be seen on the survivor objects themselves, before any page or API
response is built, so it is never sent to the browser.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.utils import timezone

from continuum.access.actor import Actor
from continuum.access.categories import (
    ROLE_CATEGORIES,
    SURVIVOR_FIELDS,
    DataCategory,
    parse_categories,
)
from continuum.access.policy import active_emergency_grants
from continuum.accounts.models import Role
from continuum.cases.models import Case, CaseStatus
from continuum.survivors.models import (
    LegalBasis,
    Release,
    ReleaseEndEvent,
    Survivor,
    SurvivorAlias,
)


def release_in_force_q(today: date) -> Q:
    """Started, not past its end date, not revoked (the end event is checked separately)."""
    return Q(revoked_at__isnull=True, starts_on__lte=today) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )


def legal_basis_in_force_q(today: date) -> Q:
    """Started, not past its end date, not ended."""
    return Q(ended_at__isnull=True, starts_on__lte=today) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )


def categories_for(actor: Actor, survivors: Iterable[Survivor]) -> dict[UUID, frozenset[str]]:
    """Per survivor, the categories this actor may see now (3 queries for any number)."""
    people = list(survivors)
    role_allows = ROLE_CATEGORIES.get(actor.role, frozenset())
    if not people:
        return {}
    ids = [p.pk for p in people]
    cases = list(
        Case.objects.filter(survivor_id__in=ids)
        .order_by("-opened_on", "-created_at")
        .values_list("survivor_id", "lead_agency_id", "status")
    )
    released = _released(actor.agency_id, ids, cases)
    leading = {p.pk for p in people if _leads_care(actor, p, [c for c in cases if c[0] == p.pk])}
    # Break-glass: an active grant shows what the actor's role may see (one query, only
    # when someone listed is not the actor's agency's to lead).
    emergency = _under_grant(actor, [pk for pk in ids if pk not in leading])
    result: dict[UUID, frozenset[str]] = {}
    for person in people:
        if person.pk in leading or person.pk in emergency:
            result[person.pk] = frozenset(role_allows)
        else:
            result[person.pk] = frozenset(role_allows & released.get(person.pk, frozenset()))
    return result


def _under_grant(actor: Actor, ids: list[UUID]) -> set[UUID]:
    if not ids:
        return set()
    return set(
        active_emergency_grants(actor)
        .filter(survivor_id__in=ids)
        .values_list("survivor_id", flat=True)
    )


def _leads_care(actor: Actor, person: Survivor, cases: list[tuple[Any, ...]]) -> bool:
    """Leading care now: the lead of a case that is not closed; when every case is closed,
    the lead of the newest one (cases come newest first); before any case, the agency that
    recorded the person or was handed the record. An agency that led an earlier episode
    sees what the current lead records only through a release, like any partner."""
    if not cases:
        return actor.agency_id in (person.created_by_agency_id, person.handed_to_agency_id)
    current = [lead for _sid, lead, status in cases if status != CaseStatus.CLOSED]
    leads = current or [cases[0][1]]
    return actor.agency_id in leads


def _released(
    agency_id: int, ids: list[UUID], cases: list[tuple[Any, ...]]
) -> dict[UUID, frozenset[DataCategory]]:
    today = timezone.localdate()
    releases = Release.objects.filter(
        release_in_force_q(today), survivor_id__in=ids, recipient_agency_id=agency_id
    ).values_list("survivor_id", "disclosing_agency_id", "ends_on_event", "categories")
    open_leads = {(sid, lead) for sid, lead, status in cases if status != CaseStatus.CLOSED}
    found: dict[UUID, frozenset[DataCategory]] = {}
    for survivor_id, discloser, end_event, categories in releases:
        if end_event == ReleaseEndEvent.CASE_CLOSED and (survivor_id, discloser) not in open_leads:
            continue  # the case it was for has closed
        found[survivor_id] = found.get(survivor_id, frozenset()) | parse_categories(categories)
    # A legal basis (mandatory report, court order) adds its categories like a release.
    bases = LegalBasis.objects.filter(
        legal_basis_in_force_q(today), survivor_id__in=ids, recipient_agency_id=agency_id
    ).values_list("survivor_id", "categories")
    for survivor_id, categories in bases:
        found[survivor_id] = found.get(survivor_id, frozenset()) | parse_categories(categories)
    return found


def episode_categories(actor: Actor, cases: Iterable[Case]) -> dict[UUID, frozenset[str]]:
    """Per case (all of one survivor), the categories this actor may see of the records that
    belong to that episode of care — its needs, care plan, appointments and notes: all its
    role allows for the case's own lead agency, or under break-glass; for any other agency,
    even one that leads a later case, only what a release or legal basis in force gives it.
    Leading care now must not open what the survivor told the agency that led before
    (categories_for, which decides per person, would). At most 4 queries for any number."""
    listed = list(cases)
    role = frozenset(str(c) for c in ROLE_CATEGORIES.get(actor.role, frozenset()))
    result: dict[UUID, frozenset[str]] = {}
    others = []
    for case in listed:
        if case.lead_agency_id == actor.agency_id or getattr(case, "emergency_only", False):
            result[case.pk] = role
        else:
            others.append(case)
    if not others:
        return result
    survivor = others[0].survivor
    under_grant = bool(_under_grant(actor, [survivor.pk]))
    shared = role if under_grant else role & released_to(actor, survivor)
    for case in others:
        result[case.pk] = shared
    return result


def case_categories(actor: Actor, case: Case) -> frozenset[str]:
    """episode_categories for one case."""
    return episode_categories(actor, [case])[case.pk]


def released_to(actor: Actor, survivor: Survivor) -> frozenset[str]:
    """The categories a release or legal basis in force gives the actor's agency for this
    person, whatever it leads (3 queries). For records that belong to one episode of care,
    such as case notes: leading care now does not open another agency's notes."""
    cases = list(
        Case.objects.filter(survivor_id=survivor.pk).values_list(
            "survivor_id", "lead_agency_id", "status"
        )
    )
    return frozenset(_released(actor.agency_id, [survivor.pk], cases).get(survivor.pk, frozenset()))


def agency_may_see(agency_id: int, survivor: Survivor, role: str | None = None) -> frozenset[str]:
    """What an agency (and, given, a role in it) may see of this person now: everything the
    role allows while it leads care, else what a release or legal basis names for it. Used
    to check that whoever a task is given to can read it (3 queries)."""
    ceiling = ROLE_CATEGORIES.get(Role(role), frozenset()) if role else frozenset(DataCategory)
    cases = list(
        Case.objects.filter(survivor_id=survivor.pk)
        .order_by("-opened_on", "-created_at")
        .values_list("survivor_id", "lead_agency_id", "status")
    )
    current = [lead for _sid, lead, status in cases if status != CaseStatus.CLOSED]
    leads = current or ([cases[0][1]] if cases else [])
    if agency_id in leads:
        return frozenset(str(c) for c in ceiling)
    released = _released(agency_id, [survivor.pk], cases).get(survivor.pk, frozenset())
    return frozenset(str(c) for c in ceiling & released)


def mask(actor: Actor, survivors: Iterable[Survivor]) -> None:
    """Blank, on these objects, every field the actor may not see, and say which categories
    were withheld (`survivor.withheld`). A masked object cannot be saved."""
    people = list(survivors)
    allowed = categories_for(actor, people)
    for person in people:
        hidden = {c for c in SURVIVOR_FIELDS.values() if c not in allowed.get(person.pk, ())}
        person.withheld = frozenset(hidden)  # type: ignore[attr-defined]
        # Every category the actor may see for this person now (needs, screening...): pages
        # that show more than the person's details ask this instead of asking again.
        person.allowed_categories = allowed.get(person.pk, frozenset())  # type: ignore[attr-defined]
        if not hidden:
            continue
        for name, category in SURVIVOR_FIELDS.items():
            if category in hidden:
                setattr(person, name, _blank_for(name))
        if DataCategory.IDENTITY in hidden:
            cache = person.__dict__.setdefault("_prefetched_objects_cache", {})
            cache["aliases"] = SurvivorAlias.objects.none()


def _blank_for(name: str) -> Any:
    field = Survivor._meta.get_field(name)
    if field.null:
        return None
    return "" if field.get_internal_type() in ("CharField", "TextField") else False
