"""Every read of needs: only for a case the actor may see (cases.queries.case_for), and only
the domains whose data category the actor may see for the person now.

A domain holding substance-use data is shown to a partner agency only while a release names
substance use. A survivor-mentor, whose role sees no needs data, sees only the legal areas
(court accompaniment, legal support): they go to court with the survivor. What is not shown
is left out before any page or API answer is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.cases.models import Case
from continuum.cases.queries import record_case_read
from continuum.needs.actions import domain_categories_for, screening_safety_usable
from continuum.needs.models import (
    UNMET_STATUSES,
    AssessmentSession,
    Need,
    NeedDomain,
    NeedEntry,
    NeedStatus,
)


def may_read_needs(actor: Actor, case: Case) -> bool:
    """Whether the actor sees any of the case's assessment (the general needs category)."""
    return str(DataCategory.NEEDS) in domain_categories_for(actor, case)


def needs_of(actor: Actor, case: Case) -> list[Need] | None:
    """The case's needs in the domains the actor may see, or None when they may see none
    (the caller has already checked the actor may see the case)."""
    categories = domain_categories_for(actor, case)
    if not categories:
        return None
    return list(
        Need.objects.filter(case=case, domain__category__in=categories).select_related("domain")
    )


@dataclass
class DomainRow:
    """One line of the assessment: a domain and, once it was looked at, its need."""

    domain: NeedDomain
    need: Need | None

    @property
    def status(self) -> str:
        return self.need.status if self.need else NeedStatus.NOT_DISCUSSED

    @property
    def status_label(self) -> str:
        return str(NeedStatus(self.status).label)


@dataclass
class Assessment:
    case: Case
    rows: list[DomainRow]
    sessions: list[AssessmentSession]
    # Kinds of data kept from this reader (their labels), so the page can say so.
    withheld: list[str] = field(default_factory=list)
    unmet_without_help: list[Need] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return bool(self.sessions)

    @property
    def open_session(self) -> AssessmentSession | None:
        return next((s for s in reversed(self.sessions) if s.is_open), None)


def assessment_of(actor: Actor, case: Case, *, audit: bool = True) -> Assessment | None:
    """The case's needs assessment as this actor may see it (4 queries), or None when their
    agency may see no domain of it. Audited with the categories shown."""
    categories = domain_categories_for(actor, case)
    if not categories:
        return None
    needs = {
        need.domain_id: need
        for need in Need.objects.filter(case=case, domain__category__in=categories)
        .select_related("domain", "updated_by", "updated_by_agency")
        .annotate(planned=_help_planned())
    }
    domains = [
        d
        for d in NeedDomain.objects.filter(category__in=categories)
        if d.is_active or d.pk in needs
    ]
    rows = [DomainRow(domain=d, need=needs.get(d.pk)) for d in domains]
    sessions = (
        list(
            AssessmentSession.objects.filter(case=case).select_related(
                "conducted_by", "conducted_by_agency"
            )
        )
        if str(DataCategory.NEEDS) in categories
        else []
    )
    hidden = sorted(
        {d.category for d in NeedDomain.objects.exclude(category__in=categories)}
        if len(categories) < len(_ALL_DOMAIN_CATEGORIES)
        else set()
    )
    if audit:
        record_case_read(actor, case, "assessment", categories=sorted(categories))
    return Assessment(
        case=case,
        rows=rows,
        sessions=sessions,
        withheld=[DataCategory(c).label for c in hidden],
        unmet_without_help=[n for n in needs.values() if _unmet_without_help(n)],
    )


_ALL_DOMAIN_CATEGORIES = frozenset(
    str(c)
    for c in (
        DataCategory.NEEDS,
        DataCategory.HEALTH,
        DataCategory.MENTAL_HEALTH,
        DataCategory.SUBSTANCE_USE,
        DataCategory.LEGAL,
        DataCategory.EDUCATION,
        DataCategory.PLACEMENT,
    )
)


def _help_planned() -> Q:
    """A plan goal for the need has a task or a service that is not cancelled."""
    from continuum.plans.models import (
        OPEN_SERVICE_STATUSES,
        PlannedService,
        PlanTask,
        ServiceStatus,
        TaskStatus,
    )

    tasks = PlanTask.objects.filter(goal__needs=OuterRef("pk")).exclude(status=TaskStatus.CANCELLED)
    services = PlannedService.objects.filter(goal__needs=OuterRef("pk")).filter(
        Q(status__in=OPEN_SERVICE_STATUSES) | Q(status=ServiceStatus.ENDED)
    )
    return Q(Exists(tasks)) | Q(Exists(services))


def _unmet_without_help(need: Need) -> bool:
    limit = timezone.now() - timedelta(days=settings.CONTINUUM_UNMET_NEED_DAYS)
    return (
        need.status in UNMET_STATUSES
        and need.identified_at <= limit
        and not getattr(need, "planned", False)
    )


def need_on(actor: Actor, case: Case, domain_code: str) -> tuple[NeedDomain, Need | None]:
    """One domain of the case and its need (None: not looked at yet), or NotFound when the
    domain does not exist or its category is not the actor's to see."""
    domain = NeedDomain.objects.filter(code=domain_code).first()
    if domain is None or domain.category not in domain_categories_for(actor, case):
        raise policy.NotFound()
    need = Need.objects.filter(case=case, domain=domain).select_related("domain").first()
    return domain, need


def history_of(actor: Actor, case: Case, domain_code: str) -> tuple[NeedDomain, list[NeedEntry]]:
    """Every entry of one domain on the case, oldest first (audited)."""
    domain, need = need_on(actor, case, domain_code)
    entries = (
        list(
            NeedEntry.objects.filter(need=need).select_related(
                "recorded_by", "recorded_by_agency", "session"
            )
        )
        if need
        else []
    )
    record_case_read(actor, case, "need_history", categories=[domain.category])
    return domain, entries


def session_of(actor: Actor, case: Case, session_id: UUID | str) -> AssessmentSession:
    """A session of the case, for readers of the needs category (NotFound otherwise), with
    the entries recorded in it in the domains the reader may see. Not audited: it is also
    looked up for writes; the pages and routes that show it audit what they show."""
    categories = domain_categories_for(actor, case)
    if str(DataCategory.NEEDS) not in categories:
        raise policy.NotFound()
    entries = NeedEntry.objects.filter(need__domain__category__in=categories)
    session = (
        AssessmentSession.objects.filter(case=case, pk=session_id)
        .select_related("conducted_by", "conducted_by_agency")
        .prefetch_related(Prefetch("entries", entries.select_related("need__domain")))
        .first()
    )
    if session is None:
        raise policy.NotFound()
    session.case = case  # the scoped, masked case
    return session


def safety_from_screening(case: Case) -> date | None:
    """The day of the recent screening whose safety check a new session may rely on."""
    screening = screening_safety_usable(case, timezone.now())
    return timezone.localdate(screening.started_at) if screening and screening.started_at else None


def active_domains() -> list[NeedDomain]:
    return list(NeedDomain.objects.filter(is_active=True))


def all_domains() -> list[NeedDomain]:
    return list(NeedDomain.objects.all())


def needs_waiting(actor: Actor, cases: list[Case]) -> dict[UUID, int]:
    """Per case the actor leads and plans, how many needs have waited longer than
    CONTINUUM_UNMET_NEED_DAYS with no plan task or service (1 query)."""
    if not policy.can(actor, policy.Permission.EDIT_PLAN):
        return {}
    led = [c.pk for c in cases if c.lead_agency_id == actor.agency_id and c.status == "open"]
    if not led:
        return {}
    limit = timezone.now() - timedelta(days=settings.CONTINUUM_UNMET_NEED_DAYS)
    waiting = (
        Need.objects.filter(case_id__in=led, status__in=UNMET_STATUSES, identified_at__lte=limit)
        .annotate(planned=_help_planned())
        .filter(planned=False)
        .values_list("case_id", flat=True)
    )
    counts: dict[UUID, int] = {}
    for case_id in waiting:
        counts[case_id] = counts.get(case_id, 0) + 1
    return counts
