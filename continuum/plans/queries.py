"""Every read of care plans and appointments: only on cases the actor may see
(cases.queries.case_for), and of each goal, task, service and appointment only those whose
data category the actor may see for the person now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from django.db.models import Prefetch, Q
from django.utils import timezone

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import Case, CaseStatus
from continuum.cases.queries import cases_for, record_case_read
from continuum.needs.models import Need
from continuum.plans import snapshot
from continuum.plans.models import (
    OPEN_TASK_STATUSES,
    PLAN_CATEGORIES,
    Appointment,
    AppointmentStatus,
    CarePlan,
    Goal,
    GoalStatus,
    PlannedService,
    PlanTask,
    PlanVersion,
    SurvivorPart,
    VersionKind,
)

PLAN_CATEGORIES_TEXT = frozenset(str(c) for c in PLAN_CATEGORIES)


def readable_categories(actor: Actor, case: Case) -> frozenset[str]:
    """What of this case's plan (and needs) the actor may read: decided per episode of care
    (sharing.case_categories), never by who leads care now."""
    return sharing.case_categories(actor, case)


def may_read_plan(actor: Actor, case: Case) -> bool:
    return str(DataCategory.CARE_PLAN) in readable_categories(actor, case)


@dataclass
class GoalView:
    goal: Goal
    needs: list[Need]
    tasks: list[PlanTask]
    services: list[PlannedService]


@dataclass
class PlanView:
    case: Case
    plan: CarePlan | None
    goals: list[GoalView]
    # Tasks and services of no goal.
    loose_tasks: list[PlanTask]
    loose_services: list[PlannedService]
    readable: frozenset[str]
    unreviewed_changes: int = 0
    last_review: PlanVersion | None = None
    # What they said at that review, or None when it is not the reader's to see (survivor_said)
    last_review_said: str | None = None
    withheld: bool = False  # some items are of a kind the reader may not see
    versions: list[PlanVersion] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.plan.version if self.plan else 0

    @property
    def review_due_on(self) -> date | None:
        return review_due_on(self.plan)

    @property
    def review_overdue(self) -> bool:
        due = self.review_due_on
        return due is not None and due < timezone.localdate()


def review_due_on(plan: CarePlan | None) -> date | None:
    """The day the plan should next be gone through with the survivor."""
    if plan is None:
        return None
    since = plan.last_reviewed_on or timezone.localdate(plan.created_at)
    return since + timedelta(days=plan.review_every_days)


def plan_of(actor: Actor, case: Case, *, audit: bool = True) -> PlanView | None:
    """The case's plan as this actor may see it (6 queries), or None when their agency may
    not see the care plan for this person. Audited with the categories shown."""
    readable = readable_categories(actor, case)
    if str(DataCategory.CARE_PLAN) not in readable:
        return None
    plan = CarePlan.objects.filter(case=case).first()
    if audit:
        record_case_read(actor, case, "plan", categories=sorted(readable))
    if plan is None:
        return PlanView(case, None, [], [], [], readable)
    plan.case = case
    goals = list(
        Goal.objects.filter(plan=plan).prefetch_related(
            Prefetch("needs", Need.objects.select_related("domain"))
        )
    )
    tasks = list(PlanTask.objects.filter(plan=plan).select_related("owner_agency", "owner_user"))
    services = list(PlannedService.objects.filter(plan=plan).select_related("provider"))
    versions = list(
        PlanVersion.objects.filter(plan=plan)
        .select_related("made_by", "made_by_agency")
        .defer("snapshot")
        .order_by("-number")
    )
    shown_goals = [g for g in goals if g.category in readable]
    view = PlanView(
        case=case,
        plan=plan,
        goals=[
            GoalView(
                goal=g,
                needs=[n for n in g.needs.all() if n.domain.category in readable],
                tasks=[t for t in tasks if t.goal_id == g.pk],
                services=[s for s in services if s.goal_id == g.pk],
            )
            for g in shown_goals
        ],
        loose_tasks=[t for t in tasks if t.goal_id is None and t.category in readable],
        loose_services=[s for s in services if s.goal_id is None and s.category in readable],
        readable=readable,
        withheld=len(shown_goals) < len(goals),
        versions=versions,
    )
    view.last_review = next((v for v in versions if v.kind == VersionKind.REVIEW), None)
    if view.last_review is not None:
        view.last_review_said = survivor_said(case, view.last_review, readable)
    last_review_number = view.last_review.number if view.last_review else 0
    view.unreviewed_changes = sum(
        1
        for v in versions
        if v.number > last_review_number
        and v.kind == VersionKind.CHANGE
        and v.survivor_part == SurvivorPart.TO_REVIEW
    )
    return view


def goal_of(actor: Actor, case: Case, goal_id: UUID | str) -> Goal:
    goal = Goal.objects.filter(plan__case=case, pk=goal_id).select_related("plan").first()
    if goal is None or goal.category not in readable_categories(actor, case):
        raise policy.NotFound()
    goal.plan.case = case
    return goal


def task_of(actor: Actor, case: Case, task_id: UUID | str) -> PlanTask:
    task = (
        PlanTask.objects.filter(plan__case=case, pk=task_id)
        .select_related("plan", "owner_agency", "owner_user", "goal")
        .first()
    )
    if task is None or task.category not in readable_categories(actor, case):
        raise policy.NotFound()
    task.plan.case = case
    return task


def service_of(actor: Actor, case: Case, service_id: UUID | str) -> PlannedService:
    service = (
        PlannedService.objects.filter(plan__case=case, pk=service_id)
        .select_related("plan", "provider")
        .first()
    )
    if service is None or service.category not in readable_categories(actor, case):
        raise policy.NotFound()
    service.plan.case = case
    return service


# --- versions -------------------------------------------------------------------------------


def survivor_said(case: Case, version: PlanVersion, readable: frozenset[str]) -> str | None:
    """What the survivor said or asked for with this version, for a reader who may see
    everything the plan held then and just before; None for anyone else. A version keeps
    their words without the kind of data they were about ("the therapist helps with the
    flashbacks"), so a reader kept from a mental-health goal is kept from what was said with
    it. One query when something was said."""
    said = version.survivor_said or ""
    if not said:
        return ""
    held = [
        snapshot.loads(kept.snapshot)
        for kept in PlanVersion.objects.filter(
            plan_id=version.plan_id, number__in=[version.number, version.number - 1]
        )
    ]
    hide_made_stricter(case, readable, *held)
    categories = {
        str(item.get("category"))
        for snap in held
        for kind in snapshot.KINDS
        for item in snap[kind].values()
    }
    return said if categories <= readable else None


def version_of(actor: Actor, case: Case, number: int) -> PlanVersion:
    if not may_read_plan(actor, case):
        raise policy.NotFound()
    version = (
        PlanVersion.objects.filter(plan__case=case, number=number)
        .select_related("made_by", "made_by_agency")
        .first()
    )
    if version is None:
        raise policy.NotFound()
    return version


def hide_made_stricter(case: Case, readable: frozenset[str], *snaps: snapshot.Snapshot) -> None:
    """Mark, in these loaded snapshots, each item whose kind of data *now* the reader may not
    see as being of that kind, so that it is hidden in every version: a snapshot keeps the
    kind an item had then, and a goal moved from the care plan to substance use must not be
    read in the versions from before it moved. An item is shown only to a reader who may see
    both the kind it had then and the kind it has now. Nothing to do (and no query) for a
    reader of every kind the plan holds; else 3 queries."""
    if readable >= PLAN_CATEGORIES_TEXT:
        return
    now: dict[str, str] = {}
    for model in (Goal, PlanTask, PlannedService):
        rows = model.objects.filter(plan__case=case).values_list("pk", "category")
        now.update((str(pk), str(category)) for pk, category in rows)
    for snap in snaps:
        for kind in snapshot.KINDS:
            for item_id, item in snap.get(kind, {}).items():
                kind_now = now.get(item_id)
                if kind_now is not None and kind_now not in readable:
                    item["category"] = kind_now


def compare_versions(
    actor: Actor, case: Case, older: int, newer: int
) -> tuple[PlanVersion, PlanVersion, list[snapshot.ItemChange]]:
    """What changed between two versions of the plan, as far as the actor may see. Audited."""
    before = version_of(actor, case, older)
    after = version_of(actor, case, newer)
    readable = readable_categories(actor, case)
    older_snap, newer_snap = snapshot.loads(before.snapshot), snapshot.loads(after.snapshot)
    hide_made_stricter(case, readable, older_snap, newer_snap)
    changes = snapshot.compare(older_snap, newer_snap, readable)
    record_case_read(actor, case, "plan_versions", versions=[older, newer])
    return before, after, changes


def snapshot_items(
    case: Case, snap: snapshot.Snapshot, readable: frozenset[str]
) -> dict[str, list[dict]]:
    """A snapshot's items the reader may see, for showing one version whole."""
    hide_made_stricter(case, readable, snap)
    shown: dict[str, list[dict]] = {}
    goals = snap.get("goals", {})
    for kind in snapshot.KINDS:
        rows = []
        for item_id, item in snap.get(kind, {}).items():
            if item.get("category") not in readable:
                continue
            rows.append(
                {
                    "id": item_id,
                    **{
                        name: snapshot.display(kind, name, item, goals, readable)
                        for name in snapshot.COMPARED[kind]
                    },
                }
            )
        shown[kind] = rows
    return shown


# --- My work ---------------------------------------------------------------------------------


def my_plan_tasks(actor: Actor) -> list[PlanTask]:
    """The open plan tasks this actor should act on, soonest first: given to them by name,
    or to their agency with no one named (for whoever works on that case for the agency;
    supervisors and coordinators see all their agency's). Only on open cases they may see,
    and only tasks whose category they may see for the person (5 queries)."""
    if not policy.can(actor, policy.Permission.UPDATE_PLAN_TASK):
        return []
    visible = cases_for(actor).exclude(status=CaseStatus.CLOSED).values("pk")
    mine = Q(owner_user=actor.user, owner_agency_id=actor.agency_id)
    agency = Q(owner_agency_id=actor.agency_id)
    if actor.role not in policy.AGENCY_WIDE_ROLES:
        agency &= Q(owner_user__isnull=True)
    tasks = list(
        PlanTask.objects.filter(
            mine | agency, plan__case__in=visible, status__in=OPEN_TASK_STATUSES
        )
        .select_related("plan__case__survivor", "owner_agency", "owner_user", "goal")
        .order_by("due_on", "created_at")[:200]
    )
    people = {t.plan.case.survivor_id: t.plan.case.survivor for t in tasks}
    sharing.mask(actor, people.values())
    allowed: dict[UUID, frozenset[str]] = {
        pk: getattr(p, "allowed_categories", frozenset()) for pk, p in people.items()
    }
    for task in tasks:
        task.plan.case.survivor = people[task.plan.case.survivor_id]
    return [t for t in tasks if t.category in allowed[t.plan.case.survivor_id]]


def reviews_due(
    actor: Actor, cases: list[Case], *, within_days: int = 7
) -> list[tuple[Case, date]]:
    """Plans of these cases (the actor's own My work list) due for review with the survivor
    within `within_days` or overdue, for the people who review them: the lead agency's plan
    writers (1 query)."""
    if not policy.can(actor, policy.Permission.EDIT_PLAN):
        return []
    led = {c.pk: c for c in cases if c.lead_agency_id == actor.agency_id and c.status == "open"}
    if not led:
        return []
    horizon = timezone.localdate() + timedelta(days=within_days)
    due = []
    for plan in CarePlan.objects.filter(case_id__in=led):
        when = review_due_on(plan)
        if when is not None and when <= horizon:
            due.append((led[plan.case_id], when))
    return due


# --- appointments --------------------------------------------------------------------------


def appointments_of(actor: Actor, case: Case, *, audit: bool = True) -> list[Appointment] | None:
    """The case's appointments the actor may see (by category), soonest first; None when
    they may see no kind of appointment at all."""
    readable = readable_categories(actor, case) & {str(c) for c in PLAN_CATEGORIES}
    if not readable:
        return None
    shown = list(
        Appointment.objects.filter(case=case, category__in=readable).select_related(
            "with_agency", "accompanied_by"
        )
    )
    if audit:
        record_case_read(actor, case, "appointments", categories=sorted(readable))
    return shown


def upcoming(appointments: list[Appointment], *, limit: int = 5) -> list[Appointment]:
    now = timezone.now()
    return [
        a for a in appointments if a.starts_at >= now and a.status == AppointmentStatus.PLANNED
    ][:limit]


def appointment_of(actor: Actor, case: Case, appointment_id: UUID | str) -> Appointment:
    appointment = Appointment.objects.filter(case=case, pk=appointment_id).first()
    if appointment is None or appointment.category not in readable_categories(actor, case):
        raise policy.NotFound()
    appointment.case = case
    return appointment


# --- the survivor's copy --------------------------------------------------------------------


@dataclass
class SurvivorCopy:
    case: Case
    goals: list[GoalView]
    loose_tasks: list[PlanTask]
    loose_services: list[PlannedService]
    appointments: list[Appointment]
    printed_on: date


def survivor_copy(actor: Actor, case: Case) -> SurvivorCopy:
    """The plan in plain words for the survivor to keep: their goals (not set aside), who
    is helping with what, and what is coming up. No clinical notes, no observations. For
    the lead agency's team, who print it with them. Audited as a print."""
    policy.require_lead_team_write(actor, case, policy.Permission.EDIT_PLAN)
    view = plan_of(actor, case, audit=False)
    if view is None:
        raise policy.NotFound()
    appointments = appointments_of(actor, case, audit=False) or []
    record(
        actor,
        AuditAction.PLAN_PRINTED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=view.plan,
        detail={"plan_version": view.version},
    )
    open_goals = [g for g in view.goals if g.goal.status != GoalStatus.SET_ASIDE]
    return SurvivorCopy(
        case=case,
        goals=open_goals,
        loose_tasks=view.loose_tasks,
        loose_services=view.loose_services,
        appointments=upcoming(appointments, limit=10),
        printed_on=timezone.localdate(),
    )
