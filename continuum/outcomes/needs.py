"""Measures of the needs assessment and the care plan: per case, and over a set of cases.

What counts (docs/measures.md explains each figure for supervisors and analysts):

- A need is **identified** each time a domain of a case becomes a need ("need identified" or
  "being addressed") when it was not one before: found at screening, by the assessment or by
  another agency. A need met (or found to be no need, or declined) that comes back later is
  identified again. This is the moment `Need.identified_at` records (needs.actions._write).
- A need is **met** each time it moves to "met" from something else. Its **days to met** run
  from the identification that started it (the same need's latest one before) to that
  moment, in days of 24 hours.
- **Open now**: needs "identified" or "being addressed" today, on cases not closed.
- **Unmet for more than N days with no help** (N = CONTINUUM_UNMET_NEED_DAYS): open now,
  identified at least N days ago, and no goal linked to the need has a task that is not
  cancelled or a service planned, asked for, being received or finished.
- **Put off for later now**: domains the survivor chose to come back to later
  ("come back to this later") and not talked about since, on cases not closed.
- A plan **review with the survivor is on time** when it happened no more than the plan's
  `review_every_days` after the previous review, or after the plan was started for its first
  review (the plan's interval today is used for every review). A plan is **on time now**
  when its next review (plans.queries.review_due_on) is today or later; counted over open
  cases with a plan.
- **Sessions with the survivor present**: assessment sessions whose participants include the
  survivor.

A period (continuum.outcomes.periods) selects the events inside it (identifications,
meetings, reviews, sessions, by the day they happened in the reader's agency's time zone;
reviews by their date). Figures that say "now" are always today's, whatever the period.

Every function here costs the same number of queries however many cases there are; the
medians, percentiles and review gaps are worked out in Python over one bounded list each,
so the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Role
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import Case, CaseStatus
from continuum.needs.models import (
    DOMAIN_CATEGORIES,
    NEED_STATUSES,
    UNMET_STATUSES,
    AssessmentSession,
    Need,
    NeedDomain,
    NeedEntry,
    NeedStatus,
    Participant,
)
from continuum.outcomes import figures
from continuum.outcomes.figures import Figure
from continuum.outcomes.periods import ALL_TIME, Period
from continuum.plans.models import (
    OPEN_SERVICE_STATUSES,
    CarePlan,
    PlannedService,
    PlanTask,
    PlanVersion,
    ServiceStatus,
    TaskStatus,
    VersionKind,
)
from continuum.plans.queries import review_due_on

# The entries that start a need (it was not one before) and those that meet it.
IDENTIFICATION = Q(status__in=NEED_STATUSES) & ~Q(previous_status__in=NEED_STATUSES)
MEETING = Q(status=NeedStatus.MET) & ~Q(previous_status=NeedStatus.MET)
# A service in any of these is help for the need its goal is linked to.
HELPING_SERVICE_STATUSES = OPEN_SERVICE_STATUSES | {ServiceStatus.ENDED}
_DAY_SECONDS = 86400


# --- the shared definitions -----------------------------------------------------------------


def help_planned(need_ref: str = "pk") -> Q:
    """A goal linked to the need has a task not cancelled, or a service planned, asked for,
    being received or finished."""
    tasks = PlanTask.objects.filter(goal__needs=OuterRef(need_ref)).exclude(
        status=TaskStatus.CANCELLED
    )
    services = PlannedService.objects.filter(
        goal__needs=OuterRef(need_ref), status__in=HELPING_SERVICE_STATUSES
    )
    return Q(Exists(tasks)) | Q(Exists(services))


def unmet_without_help(now: datetime) -> Q:
    """Needs open now, identified CONTINUUM_UNMET_NEED_DAYS days ago or more, with no help."""
    since = now - timedelta(days=settings.CONTINUUM_UNMET_NEED_DAYS)
    return Q(status__in=UNMET_STATUSES, identified_at__lte=since) & ~help_planned()


def _days(since: datetime, until: datetime) -> float:
    return (until - since).total_seconds() / _DAY_SECONDS


@dataclass
class _Episodes:
    identified: Counter[int] = field(default_factory=Counter)
    met: Counter[int] = field(default_factory=Counter)
    days: defaultdict[int, list[float]] = field(default_factory=lambda: defaultdict(list))


def _episodes(
    rows: Iterable[tuple[object, int, str, datetime]], counts: Callable[[datetime], bool]
) -> _Episodes:
    """Identifications and meetings by domain from transition entries (need, domain,
    status, recorded_at) in each need's version order; `counts` says which moments are in
    the period. A meeting's days run from its need's latest identification before it, which
    may be before the period."""
    found = _Episodes()
    need: object = None
    started: datetime | None = None
    for need_id, domain_id, status, at in rows:
        if need_id != need:
            need, started = need_id, None
        if status == NeedStatus.MET:
            if counts(at):
                found.met[domain_id] += 1
                if started is not None:
                    found.days[domain_id].append(_days(started, at))
            started = None
        else:
            if counts(at):
                found.identified[domain_id] += 1
            started = at
    return found


def _review_on_time(gap_days: int, every: int) -> bool:
    return gap_days <= every


def _plan_started_on(created_at: datetime) -> date:
    # As plans.queries.review_due_on counts it.
    return timezone.localdate(created_at)


# --- per case --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseNeedsMeasures:
    identified: int
    open: int
    met: int
    median_days_to_met: float | None
    unmet_without_help: int
    unmet_without_help_domains: list[str]
    unmet_days: int
    # The plan's figures; None when there is no plan or the reader may not see the plan.
    review_due_on: date | None
    review_on_time: bool | None


def case_needs_measures(
    case: Case, *, categories: Collection[str], now: datetime | None = None
) -> CaseNeedsMeasures:
    """The needs figures of one case (4 queries), as its assessment page shows them:

    - identified: needs found on the case (each time a domain became a need; one that was
      met and came back counts again); open: identified or being addressed now; met: times
      a need was met; median_days_to_met: over those times (None when none);
    - unmet_without_help: open needs identified at least CONTINUUM_UNMET_NEED_DAYS
      (`unmet_days`) ago with no plan task or service for them, and their domains' names;
    - review_due_on / review_on_time: the plan's next review with the survivor and whether
      it is today or later (None: no plan, or the care plan is not among `categories`).

    `categories` are the data categories the reader may see for this person
    (plans.queries.readable_categories(actor, case)): needs in domains of other categories
    are left out, so the figures never tell of what the reader may not see. The caller has
    already checked the reader may see the case; nothing is audited here (the page that
    shows the figures audits its read)."""
    now = now or timezone.now()
    allowed = {str(c) for c in DOMAIN_CATEGORIES} & {str(c) for c in categories}
    needs = Need.objects.filter(case=case, domain__category__in=allowed)
    open_now = needs.filter(status__in=UNMET_STATUSES).count()
    unmet = list(
        needs.filter(unmet_without_help(now))
        .order_by("domain__position", "domain__code")
        .values_list("domain__name", flat=True)
    )
    rows = (
        NeedEntry.objects.filter(need__case=case, need__domain__category__in=allowed)
        .filter(IDENTIFICATION | MEETING)
        .order_by("need_id", "version")
        .values_list("need_id", "need__domain_id", "status", "recorded_at")
    )
    episodes = _episodes(rows, lambda _at: True)
    days = [d for values in episodes.days.values() for d in values]
    due = on_time = None
    if str(DataCategory.CARE_PLAN) in {str(c) for c in categories}:
        plan = CarePlan.objects.filter(case=case).first()
        due = review_due_on(plan)
        on_time = due >= timezone.localdate(now) if due is not None else None
    median = figures.median(days)
    return CaseNeedsMeasures(
        identified=sum(episodes.identified.values()),
        open=open_now,
        met=sum(episodes.met.values()),
        median_days_to_met=round(median, 1) if median is not None else None,
        unmet_without_help=len(unmet),
        unmet_without_help_domains=unmet,
        unmet_days=settings.CONTINUUM_UNMET_NEED_DAYS,
        review_due_on=due,
        review_on_time=on_time,
    )


# --- over a set of cases -------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose cases: one agency's (those it leads; exact counts) or the whole community's
    (small counts hidden)."""

    community: bool
    agency_id: int | None = None

    @property
    def key(self) -> str:
        return "community" if self.community else "agency"

    def cases(self, path: str = "") -> Q:
        """The filter that keeps rows of cases in scope; `path` leads to the case."""
        if self.community:
            return Q()
        prefix = f"{path}__" if path else ""
        return Q(**{f"{prefix}lead_agency_id": self.agency_id})


def scope_of(actor: Actor) -> Scope:
    """A supervisor measures the cases their agency leads; an analyst or a network admin the
    whole community's. Anyone else: Forbidden."""
    policy.require(actor, policy.Permission.VIEW_MEASURES)
    if actor.role == Role.SUPERVISOR:
        return Scope(community=False, agency_id=actor.agency_id)
    return Scope(community=True)


@dataclass(frozen=True)
class DomainMeasures:
    code: str
    name: str
    active: bool
    identified: Figure
    met: Figure
    open: Figure
    unmet_without_help: Figure
    deferred: Figure
    median_days_to_met: Figure
    p90_days_to_met: Figure


@dataclass(frozen=True)
class PlanMeasures:
    open_cases: Figure
    open_cases_with_plan: Figure
    with_plan_share: Figure
    on_time_now: Figure
    on_time_now_share: Figure
    reviews_done: Figure
    reviews_on_time: Figure
    reviews_on_time_share: Figure


@dataclass(frozen=True)
class SessionMeasures:
    held: Figure
    with_survivor: Figure
    with_survivor_share: Figure


@dataclass(frozen=True)
class NeedsMeasures:
    scope: Scope
    period: Period
    unmet_days: int
    today: date
    domains: list[DomainMeasures]
    plans: PlanMeasures
    sessions: SessionMeasures

    @property
    def suppressed(self) -> bool:
        """Small counts are hidden (community-wide figures)."""
        return self.scope.community


def needs_measures(actor: Actor, period: Period = ALL_TIME) -> NeedsMeasures:
    """The needs and care-plan measures this actor may see (scope_of), for `period`.
    Not audited here: the page, the CSV and the API each record what they showed
    (record_viewed)."""
    return measure_needs(scope_of(actor), period, zone=actor.agency.time_zone)


def measure_needs(
    scope: Scope, period: Period, *, zone: str, now: datetime | None = None
) -> NeedsMeasures:
    """Every figure for the cases in `scope` (6 queries, whatever their number)."""
    now = now or timezone.now()
    suppress = scope.community
    since, until = period.bounds(zone)

    def in_period(at: datetime) -> bool:
        return (since is None or at >= since) and (until is None or at < until)

    domains = list(NeedDomain.objects.all())
    not_closed = ~Q(case__status=CaseStatus.CLOSED)
    now_by_domain: dict[int, dict[str, int]] = {
        row["domain_id"]: {name: int(row[name]) for name in ("open", "unmet", "deferred")}
        for row in Need.objects.filter(scope.cases("case"))
        .values("domain_id")
        .annotate(
            open=Count("pk", filter=not_closed & Q(status__in=UNMET_STATUSES)),
            unmet=Count("pk", filter=not_closed & unmet_without_help(now)),
            deferred=Count("pk", filter=not_closed & Q(deferred=True)),
        )
        .order_by()
    }
    episodes = _episodes(_transitions(scope, since, until), in_period)
    rows = []
    for domain in domains:
        if not domain.is_active and domain.pk not in now_by_domain:
            continue  # retired, and no case here ever had anything in it
        current: dict[str, int] = now_by_domain.get(domain.pk, {})
        days = episodes.days.get(domain.pk, [])
        open_now = current.get("open", 0)
        rows.append(
            DomainMeasures(
                code=domain.code,
                name=domain.name,
                active=domain.is_active,
                identified=figures.count(episodes.identified[domain.pk], suppress=suppress),
                met=figures.count(episodes.met[domain.pk], suppress=suppress),
                open=figures.count(open_now, suppress=suppress),
                unmet_without_help=figures.part_of(
                    current.get("unmet", 0), open_now, suppress=suppress
                ),
                deferred=figures.count(current.get("deferred", 0), suppress=suppress),
                median_days_to_met=figures.statistic(
                    figures.median(days), len(days), suppress=suppress
                ),
                p90_days_to_met=figures.statistic(
                    figures.percentile_90(days), len(days), suppress=suppress
                ),
            )
        )
    return NeedsMeasures(
        scope=scope,
        period=period,
        unmet_days=settings.CONTINUUM_UNMET_NEED_DAYS,
        today=timezone.localdate(now),
        domains=rows,
        plans=_plan_measures(scope, period, timezone.localdate(now), suppress),
        sessions=_session_measures(scope, since, until, suppress),
    )


def _transitions(
    scope: Scope, since: datetime | None, until: datetime | None
) -> QuerySet[NeedEntry, tuple[object, int, str, datetime]]:
    """The identifications and meetings of needs in scope, in each need's order. With a
    period: only of needs with one inside it (and their earlier ones, where a meeting's
    days start), up to its end."""
    transitions = NeedEntry.objects.filter(scope.cases("need__case")).filter(
        IDENTIFICATION | MEETING
    )
    if since is not None or until is not None:
        inside = transitions
        if since is not None:
            inside = inside.filter(recorded_at__gte=since)
        if until is not None:
            inside = inside.filter(recorded_at__lt=until)
            transitions = transitions.filter(recorded_at__lt=until)
        transitions = transitions.filter(need__in=inside.values("need_id"))
    return transitions.order_by("need_id", "version").values_list(
        "need_id", "need__domain_id", "status", "recorded_at"
    )


def _plan_measures(scope: Scope, period: Period, today: date, suppress: bool) -> PlanMeasures:
    open_cases = list(
        Case.objects.filter(scope.cases(), status=CaseStatus.OPEN)
        .order_by()
        .values_list(
            "plan__id", "plan__last_reviewed_on", "plan__created_at", "plan__review_every_days"
        )
    )
    with_plan = on_time_now = 0
    for plan_id, last_reviewed_on, created_at, every in open_cases:
        if plan_id is None:
            continue
        with_plan += 1
        since = last_reviewed_on or _plan_started_on(created_at)
        if since + timedelta(days=every) >= today:
            on_time_now += 1
    done = on_time = 0
    for reviewed_on, gap, every in _reviews(scope, period):
        if period.has_day(reviewed_on):
            done += 1
            on_time += _review_on_time(gap, every)
    cases_figure = figures.count(len(open_cases), suppress=suppress)
    plans_figure = figures.part_of(with_plan, len(open_cases), suppress=suppress)
    on_time_figure = figures.part_of(on_time_now, with_plan, suppress=suppress)
    done_figure = figures.count(done, suppress=suppress)
    reviews_on_time = figures.part_of(on_time, done, suppress=suppress)
    return PlanMeasures(
        open_cases=cases_figure,
        open_cases_with_plan=plans_figure,
        with_plan_share=figures.share(plans_figure, cases_figure, suppress=suppress),
        on_time_now=on_time_figure,
        on_time_now_share=figures.share(on_time_figure, plans_figure, suppress=suppress),
        reviews_done=done_figure,
        reviews_on_time=reviews_on_time,
        reviews_on_time_share=figures.share(reviews_on_time, done_figure, suppress=suppress),
    )


def _reviews(scope: Scope, period: Period) -> list[tuple[date, int, int]]:
    """Each review with the survivor of plans in scope up to the period's end, with its gap
    in days since the previous review (or the plan's start) and the plan's interval. With a
    period: only plans reviewed inside it."""
    reviews = PlanVersion.objects.filter(
        scope.cases("plan__case"), kind=VersionKind.REVIEW, reviewed_on__isnull=False
    )
    if not period.all_time:
        inside = reviews
        if period.start is not None:
            inside = inside.filter(reviewed_on__gte=period.start)
        if period.end is not None:
            inside = inside.filter(reviewed_on__lte=period.end)
            reviews = reviews.filter(reviewed_on__lte=period.end)
        reviews = reviews.filter(plan__in=inside.values("plan_id"))
    rows = reviews.order_by("plan_id", "reviewed_on", "number").values_list(
        "plan_id", "reviewed_on", "plan__created_at", "plan__review_every_days"
    )
    found = []
    plan = None
    previous: date | None = None
    for plan_id, reviewed_on, created_at, every in rows:
        if plan_id != plan:
            plan, previous = plan_id, _plan_started_on(created_at)
        assert previous is not None
        assert reviewed_on is not None
        found.append((reviewed_on, (reviewed_on - previous).days, every))
        previous = reviewed_on
    return found


def _session_measures(
    scope: Scope, since: datetime | None, until: datetime | None, suppress: bool
) -> SessionMeasures:
    sessions = AssessmentSession.objects.filter(scope.cases("case"))
    if since is not None:
        sessions = sessions.filter(held_at__gte=since)
    if until is not None:
        sessions = sessions.filter(held_at__lt=until)
    who = list(sessions.order_by().values_list("participants", flat=True))
    present = sum(
        1 for people in who if isinstance(people, list) and Participant.SURVIVOR in people
    )
    held = figures.count(len(who), suppress=suppress)
    with_survivor = figures.part_of(present, len(who), suppress=suppress)
    return SessionMeasures(
        held=held,
        with_survivor=with_survivor,
        with_survivor_share=figures.share(with_survivor, held, suppress=suppress),
    )


# --- showing them ---------------------------------------------------------------------------


def record_viewed(actor: Actor, measures: NeedsMeasures, *, shown_as: str) -> None:
    """Audit a look at the measures: which, whose cases, which period, how (page, csv,
    api). Never a name: there is none in them."""
    record(
        actor,
        AuditAction.MEASURES_VIEWED,
        detail={
            "measures": "needs",
            "scope": measures.scope.key,
            "period": measures.period.key,
            "as": shown_as,
        },
    )


def needs_csv(measures: NeedsMeasures) -> str:
    """The figures as CSV, one figure a row (section, domain, figure, value), exactly as the
    page shows them. Every cell is guarded against spreadsheet formulas: domain names are the
    community's own words."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*cells: object) -> None:
        writer.writerow([safe_cell(str(c)) for c in cells])

    row(_("Section"), _("Domain"), _("Figure"), _("Value"))
    row(_("About"), "", _("Whose cases"), scope_label(measures.scope))
    row(_("About"), "", _("Period"), measures.period.label)
    row(_("About"), "", _("Figures marked (now) are as of"), measures.today.isoformat())
    if measures.suppressed:
        row(_("About"), "", _("Small counts"), _("Counts from 1 to 10 are shown as <11"))
    for domain in measures.domains:
        name = (
            domain.name if domain.active else _("%(name)s (no longer used)") % {"name": domain.name}
        )
        for label, figure in domain_figures(domain, measures.unmet_days):
            row(_("Needs"), name, label, figure.shown)
    for label, figure in plan_figures(measures.plans):
        row(_("Care plans"), "", label, figure.shown)
    for label, figure in session_figures(measures.sessions):
        row(_("Assessment sessions"), "", label, figure.shown)
    return out.getvalue()


def scope_label(scope: Scope) -> str:
    return _("The whole community") if scope.community else _("The cases your agency leads")


def domain_figures(domain: DomainMeasures, unmet_days: int) -> list[tuple[str, Figure]]:
    return [
        (_("Needs identified"), domain.identified),
        (_("Needs met"), domain.met),
        (_("Open now"), domain.open),
        (
            _("Open more than %(days)s days with no task or service (now)") % {"days": unmet_days},
            domain.unmet_without_help,
        ),
        (_("Put off for later (now)"), domain.deferred),
        (_("Median days from identified to met"), domain.median_days_to_met),
        (_("90th percentile days from identified to met"), domain.p90_days_to_met),
    ]


def plan_figures(plans: PlanMeasures) -> list[tuple[str, Figure]]:
    return [
        (_("Open cases (now)"), plans.open_cases),
        (_("Open cases with a care plan (now)"), plans.open_cases_with_plan),
        (_("Share of open cases with a care plan (now)"), plans.with_plan_share),
        (_("Plans whose review is not overdue (now)"), plans.on_time_now),
        (_("Share of plans whose review is not overdue (now)"), plans.on_time_now_share),
        (_("Reviews with the survivor"), plans.reviews_done),
        (_("Reviews with the survivor on time"), plans.reviews_on_time),
        (_("Share of reviews on time"), plans.reviews_on_time_share),
    ]


def session_figures(sessions: SessionMeasures) -> list[tuple[str, Figure]]:
    return [
        (_("Assessment sessions held"), sessions.held),
        (_("Sessions with the survivor present"), sessions.with_survivor),
        (_("Share of sessions with the survivor present"), sessions.with_survivor_share),
    ]


def safe_cell(text: str) -> str:
    """Spreadsheets run a cell starting with = + - @ (or a tab or carriage return) as a
    formula (CSV injection): such a cell starts with an apostrophe instead."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
