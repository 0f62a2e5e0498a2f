"""Every read of survivor records. Each function starts from what `access` lets the actor see,
and each read of a person's details is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.access.categories import parse_categories
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import CareTeamMember, Case
from continuum.cases.queries import active_team, name_quiet_members, open_tasks, recent_events
from continuum.core.blind_index import date_token, name_tokens
from continuum.needs.models import UNMET_STATUSES, Need
from continuum.survivors.actions import SurvivorDetails
from continuum.survivors.models import (
    LegalBasis,
    Release,
    SignedForm,
    Survivor,
    SurvivorNameToken,
)

SEARCH_LIMIT = 50


def survivors_for(actor: Actor) -> QuerySet[Survivor]:
    return policy.scope_survivors(actor, Survivor.objects.all())


def survivor_for(actor: Actor, survivor_id: UUID | str, *, audit_read: bool = True) -> Survivor:
    """One survivor, or NotFound. The read is audited; so is a refused attempt on a record
    that exists (someone looking where they should not)."""
    survivor = (
        policy.mark_emergency_survivors(actor, survivors_for(actor))
        .prefetch_related("aliases")
        .filter(pk=survivor_id)
        .first()
    )
    if survivor is None:
        if Survivor.objects.filter(pk=survivor_id).exists():
            record(actor, AuditAction.ACCESS_DENIED, survivor_id=UUID(str(survivor_id)))
        raise policy.NotFound()
    sharing.mask(actor, [survivor])
    if audit_read:
        detail: dict[str, object] = {"withheld": sorted(survivor.withheld)}  # type: ignore[attr-defined]
        if survivor.emergency_only:  # type: ignore[attr-defined]
            detail["emergency"] = True  # seen only through a break-glass grant
        record(
            actor, AuditAction.SURVIVOR_VIEWED, survivor_id=survivor.pk, obj=survivor, detail=detail
        )
    return survivor


def cases_of(
    actor: Actor, survivor: Survivor, *, need_categories: frozenset[str] = frozenset()
) -> list[Case]:
    """The survivor's cases this actor may see, with care team, timeline and open to-dos
    (and their needs in the domains of `need_categories`, which the caller has checked the
    actor may see), in 4 or 5 queries. Each case points at the (masked) survivor given,
    never at a second copy."""
    parts: list[Prefetch] = [active_team(), recent_events(), open_tasks()]
    if need_categories:
        # The needs waiting for help; the assessment page has every domain.
        needs = Need.objects.filter(
            domain__category__in=need_categories, status__in=UNMET_STATUSES
        ).select_related("domain")
        parts.append(Prefetch("needs", needs, to_attr="need_list"))
    cases = list(
        policy.scope_cases(actor, Case.objects.filter(survivor=survivor))
        .select_related("lead_agency")
        .prefetch_related(*parts)
        .order_by("-opened_on")
    )
    seen: frozenset[str] = getattr(survivor, "allowed_categories", frozenset())
    for case in cases:
        case.survivor = survivor
        name_quiet_members(actor, case.active_team, seen)  # type: ignore[attr-defined]
    return cases


def search_survivors(
    actor: Actor, *, text: str = "", born_on: date | None = None
) -> list[Survivor]:
    """Find survivors by whole words of any of their names (accents, case and punctuation
    ignored) and by date of birth, through blind-index tokens.

    The audit entry records that a search happened and how many matched, never what was
    typed: a search term is usually a name.
    """
    policy.require(actor, policy.Permission.SEARCH_SURVIVORS)
    found = survivors_for(actor)
    # Whole words, through blind-index tokens: the names themselves are sealed.
    for token in name_tokens(text):
        found = found.filter(
            Exists(SurvivorNameToken.objects.filter(survivor=OuterRef("pk"), token=token))
        )
    if born_on is not None:
        found = found.filter(date_of_birth_token=date_token(born_on))
    results: list[Survivor] = list(
        found.prefetch_related(
            Prefetch(
                "cases",
                queryset=policy.scope_cases(actor, Case.objects.select_related("lead_agency")),
                to_attr="visible_cases",
            )
        ).order_by("-created_at")[:SEARCH_LIMIT]
    )
    sharing.mask(actor, results)
    if text.strip() or born_on is not None:
        # A match on a name or date of birth the actor may not see would confirm it: a
        # partner could test guessed names. Such records are not found by searching.
        results = [s for s in results if "identity" not in s.withheld]  # type: ignore[attr-defined]
    record(actor, AuditAction.SURVIVORS_SEARCHED, detail={"results": len(results)})
    return results


def waiting_for_a_case(actor: Actor) -> list[Survivor]:
    """Records handed to the actor's agency that still have no case (for its supervisors and
    case managers: someone there should open one). Names are shown: the read is audited as a
    list, like the dashboard's cases."""
    if not policy.can(actor, policy.Permission.OPEN_CASE):
        return []
    waiting = list(
        survivors_for(actor)
        .filter(handed_to_agency_id=actor.agency_id, cases__isnull=True)
        .order_by("handed_over_at")[:SEARCH_LIMIT]
    )
    sharing.mask(actor, waiting)
    if waiting:
        record(actor, AuditAction.SURVIVORS_LISTED, detail={"waiting_for_case": len(waiting)})
    return waiting


@dataclass(frozen=True)
class PossibleMatches:
    """People who may already be recorded: those the actor may see, and a bare count of
    those recorded by agencies the actor may not see (never who they are)."""

    visible: list[Survivor]
    elsewhere: list[UUID]


def possible_matches(actor: Actor, details: SurvivorDetails) -> PossibleMatches:
    """Before recording someone: the same date of birth and a shared name, or two shared
    names, through the blind indexes (the names themselves are sealed)."""
    names = [details.preferred_name, details.legal_given_name, details.legal_family_name]
    tokens = name_tokens(*names, *(name for name, _kind in details.aliases))
    if not tokens:
        return PossibleMatches([], [])
    shared = Count("name_tokens", filter=Q(name_tokens__token__in=tokens), distinct=True)
    alike = Q(shared__gte=2)
    if details.date_of_birth:
        alike |= Q(shared__gte=1, date_of_birth_token=date_token(details.date_of_birth))
    found = list(
        Survivor.objects.annotate(shared=shared).filter(alike).values_list("pk", flat=True)[:20]
    )
    if not found:
        return PossibleMatches([], [])
    visible = list(survivors_for(actor).filter(pk__in=found).prefetch_related("aliases"))
    sharing.mask(actor, visible)
    # Those whose identity the actor may not see count as "elsewhere": never confirmed.
    visible = [s for s in visible if "identity" not in s.withheld]  # type: ignore[attr-defined]
    seen = {s.pk for s in visible}
    if visible:
        record(actor, AuditAction.SURVIVORS_LISTED, detail={"possible_duplicates": len(visible)})
    return PossibleMatches(visible, [pk for pk in found if pk not in seen])


def note_match_elsewhere(actor: Actor, matches: PossibleMatches) -> None:
    """Logged on each record that matched, so that its own agency's supervisor sees in the
    access log that someone elsewhere may be recording the same person."""
    for survivor_id in matches.elsewhere:
        record(actor, AuditAction.POSSIBLE_DUPLICATE, survivor_id=survivor_id)


@dataclass(frozen=True)
class ReleaseRow:
    release: Release
    status: str  # in_force, not_started, expired, ended, revoked
    categories: list[str]

    @property
    def signed_form(self) -> SignedForm | None:
        """The signed form kept for it, if any (its content not loaded)."""
        try:
            return self.release.signed_form
        except SignedForm.DoesNotExist:
            return None


@dataclass(frozen=True)
class LegalBasisRow:
    basis: LegalBasis
    status: str  # in_force, not_started, expired, ended
    categories: list[str]


@dataclass(frozen=True)
class AgencySharing:
    agency_name: str
    roles: list[str]
    categories: list[str]  # labels of what it sees now


def releases_of(actor: Actor, survivor: Survivor) -> list[ReleaseRow]:
    """Every release recorded for this person, with where it stands today (lead agency)."""
    policy.require_release_management(actor, survivor)
    today = timezone.localdate()
    open_leads = set(
        survivor.cases.exclude(status="closed").values_list("lead_agency_id", flat=True)
    )
    rows = []
    # Only the releases this agency disclosed: those it may show, print and take back.
    mine = (
        survivor.releases.filter(disclosing_agency_id=actor.agency_id)
        .select_related("recipient_agency", "disclosing_agency", "signed_form__uploaded_by")
        # The signed form's file is read only when it is downloaded (an audited read).
        .defer("signed_form__content")
    )
    for release in mine:
        release.survivor = survivor
        rows.append(ReleaseRow(release, _status(release, today, open_leads), _labels(release)))
    return rows


def release_row(actor: Actor, survivor: Survivor, release_id: UUID) -> ReleaseRow:
    """One release this agency recorded for the person, or NotFound."""
    for row in releases_of(actor, survivor):
        if row.release.pk == release_id:
            return row
    raise policy.NotFound()


def signed_form_for(actor: Actor, survivor: Survivor, release_id: UUID) -> SignedForm:
    """The signed form of one of this agency's releases for the person, file and all, or
    NotFound. For the agency that recorded it, while it leads care; the read is audited."""
    row = release_row(actor, survivor, release_id)
    form = SignedForm.objects.filter(release=row.release).first()
    if form is None:
        raise policy.NotFound()
    form.release = row.release
    record(
        actor,
        AuditAction.SURVIVOR_VIEWED,
        survivor_id=survivor.pk,
        obj=form,
        detail={"signed_form": "downloaded", "release_id": str(row.release.pk)},
    )
    return form


def _status(release: Release, today: date, open_leads: set[int]) -> str:
    if release.revoked_at:
        return "revoked"
    if release.starts_on > today:
        return "not_started"
    if release.expires_on and release.expires_on < today:
        return "expired"
    if release.ends_on_event == "case_closed" and release.disclosing_agency_id not in open_leads:
        return "ended"
    return "in_force"


def _labels(release: Release | LegalBasis) -> list[str]:
    return [c.label for c in sorted(parse_categories(release.categories))]


def legal_bases_of(actor: Actor, survivor: Survivor) -> list[LegalBasisRow]:
    """Sharing the law requires (mandatory report, court order) that this agency recorded
    for this person, with where each stands today (lead agency)."""
    policy.require_release_management(actor, survivor)
    today = timezone.localdate()
    mine = survivor.legal_bases.filter(disclosing_agency_id=actor.agency_id)
    return [
        LegalBasisRow(basis, _basis_status(basis, today), _labels(basis))
        for basis in mine.select_related("recipient_agency")
    ]


def _basis_status(basis: LegalBasis, today: date) -> str:
    if basis.ended_at:
        return "ended"
    if basis.starts_on > today:
        return "not_started"
    if basis.expires_on and basis.expires_on < today:
        return "expired"
    return "in_force"


def survivors_to_inform(actor: Actor) -> list[LegalBasis]:
    """The task the law leaves: tell the survivor about a disclosure, when it is safe. For the
    case managers and supervisors of the disclosing agency, while it leads care, of the people
    they see through their work. Listed until the day they were told is recorded; those
    marked "not safe yet" stay on the list, after the others, so that someone asks again.
    Names are shown: the read is audited as a list."""
    if not policy.can(actor, policy.Permission.MANAGE_RELEASES):
        return []
    # Not through a break-glass grant: that is for reading one record, not for tasks.
    marked = policy.mark_emergency_survivors(actor, survivors_for(actor))
    seen = marked.filter(emergency_only=False)  # type: ignore[misc]  # an annotation
    leads_now = Case.objects.filter(
        survivor=OuterRef("survivor_id"), lead_agency_id=actor.agency_id
    )
    bases = list(
        LegalBasis.objects.filter(
            Exists(leads_now.exclude(status="closed")),
            disclosing_agency_id=actor.agency_id,
            survivor_informed_on__isnull=True,
            survivor__in=seen.values("pk"),
        )
        .select_related("survivor", "recipient_agency")
        .order_by("recorded_at")[:SEARCH_LIMIT]
    )
    bases.sort(key=lambda b: bool(b.inform_not_safe_reason))
    people = {b.survivor_id: b.survivor for b in bases}
    sharing.mask(actor, people.values())
    for basis in bases:
        basis.survivor = people[basis.survivor_id]
    if bases:
        record(actor, AuditAction.SURVIVORS_LISTED, detail={"to_inform": len(bases)})
    return bases


def who_sees_what(
    actor: Actor,
    survivor: Survivor,
    rows: list[ReleaseRow],
    bases: list[LegalBasisRow] | None = None,
) -> list[AgencySharing]:
    """For the survivor, in plain words: each agency on the care team and what it sees now
    (through a release, or because the law requires it: then the law is named)."""
    team = CareTeamMember.objects.filter(
        case__survivor=survivor, case__status__in=["open", "inactive"], removed_at__isnull=True
    ).select_related("agency", "case")
    by_agency: dict[int, AgencySharing] = {}
    for member in team:
        agency = member.agency
        if agency.pk not in by_agency:
            if member.case.lead_agency_id == agency.pk:
                seen = [str(_("Everything their role needs: they lead the care"))]
            else:
                released = {
                    label
                    for row in rows
                    if row.status == "in_force" and row.release.recipient_agency_id == agency.pk
                    for label in row.categories
                }
                by_law = {
                    f"{label} ({basis.basis.get_kind_display().lower()})"
                    for basis in bases or []
                    if basis.status == "in_force" and basis.basis.recipient_agency_id == agency.pk
                    for label in basis.categories
                }
                seen = sorted(released | by_law)
            by_agency[agency.pk] = AgencySharing(agency.name, [], seen)
        by_agency[agency.pk].roles.append(member.get_role_display())
    return sorted(by_agency.values(), key=lambda a: a.agency_name)
