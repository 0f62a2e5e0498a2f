"""/cases/{case_id}/plan, /cases/{case_id}/appointments and /dashboard/plan-tasks: the care
plan (goals in the survivor's words, tasks, services, reviews, every version), the survivor's
appointments, and the plan tasks waiting for the token's person.

Thin: validate (schemas), call plans.actions / plans.queries, shape the answer. The same rules
as the pages: the plan is written with the survivor by the lead agency's team, each change
saying how the survivor took part; whoever owns a task moves it along; anyone working on the
case records appointments. Each goal, task, service and appointment belongs to a data
category, and a reader gets only those their role and the survivor's releases allow (a
survivor-mentor gets the plan and the court dates, never a mental-health goal). What is not
shown is never serialised. Registered in continuum/api/api.py.

Every change to the plan names the plan `version` it started from; a stale one is a
PlanConflict: 409 with both versions and what changed in between (continuum.api.errors).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field, StrictInt

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.access.part2 import redisclosure_notice
from continuum.api.errors import plan_change_out
from continuum.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyOut,
    Clean,
    Day,
    Id,
    InputSchema,
    PastOrTodayDate,
    PersonOut,
    Version,
    limit,
)
from continuum.api.tokens import request_actor
from continuum.cases.models import Case
from continuum.cases.queries import audit_case_list, case_for, record_case_read
from continuum.core.models import EditConflict
from continuum.plans import actions, queries, snapshot
from continuum.plans.actions import (
    MAX_REVIEW_DAYS,
    MIN_REVIEW_DAYS,
    AppointmentIn,
    GoalIn,
    ServiceIn,
    SurvivorVoice,
    TaskIn,
)
from continuum.plans.models import (
    OPEN_TASK_STATUSES,
    PLAN_CATEGORIES,
    Agreement,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Goal,
    GoalStatus,
    PlannedService,
    PlanTask,
    PlanVersion,
    ServiceStatus,
    SurvivorPart,
    TaskStatus,
    VersionKind,
)
from continuum.screening.api import Moment

router = Router(tags=["care plan"])
dashboard_router = Router(tags=["dashboard"])

# The kinds of data a plan item may be, as an enum so that OpenAPI lists them.
PlanCategory = StrEnum("PlanCategory", {c.name: c.value for c in PLAN_CATEGORIES})  # type: ignore[misc]
MAX_ID = 2**63 - 1
MAX_NEEDS_PER_GOAL = 50
VersionNumber = Annotated[int, Path(ge=1, le=MAX_ID)]


# --- input ----------------------------------------------------------------------------------

PlanVersionSent = Annotated[
    StrictInt,
    Field(ge=0, description="The plan's version you last read (0 while it has none)."),
]
SurvivorSaid = Annotated[str, limit(PlanVersion, "survivor_said"), Clean]
GoalWords = Annotated[str, limit(Goal, "words", min_length=1), Clean]
TaskTitle = Annotated[str, limit(PlanTask, "title", min_length=1), Clean]
ServiceText = Annotated[str, limit(PlannedService, "description", min_length=1), Clean]
NeedIds = Annotated[list[UUID], Field(max_length=MAX_NEEDS_PER_GOAL)]
AppointmentWhat = Annotated[str, limit(Appointment, "what", min_length=1), Clean]
AppointmentPlace = Annotated[str, limit(Appointment, "place"), Clean]


class ChangeIn(InputSchema):
    """What every change of the plan carries: the version it started from, and how the
    survivor took part."""

    version: PlanVersionSent
    survivor_part: SurvivorPart = Field(
        description="Made with the survivor, asked for by them, or to go through with them."
    )
    survivor_said: SurvivorSaid = Field("", description="What they said or asked for.")


class GoalCreate(ChangeIn):
    words: GoalWords = Field(description="The goal, in the survivor's own words.")
    category: PlanCategory = Field(
        PlanCategory.CARE_PLAN,  # type: ignore[attr-defined]
        description="A stricter kind of data for a goal about, say, therapy: its tasks and "
        "services follow it.",
    )
    need_ids: NeedIds = Field([], description="The needs (need_id) of the assessment it meets.")
    status: GoalStatus = GoalStatus.ACTIVE


class GoalPatch(ChangeIn):
    """Only the fields sent change (with `version` and `survivor_part`)."""

    words: GoalWords = ""
    category: PlanCategory = PlanCategory.CARE_PLAN  # type: ignore[attr-defined]
    need_ids: NeedIds = []
    status: GoalStatus = GoalStatus.ACTIVE


class TaskCreate(ChangeIn):
    title: TaskTitle = Field(description="What is to be done.")
    owner_agency_id: Id = Field(description="The lead agency or an agency on the care team.")
    owner_user_id: Id | None = Field(None, description="A person of that agency on the team.")
    goal_id: UUID | None = None
    due_on: Day | None = None
    status: TaskStatus = TaskStatus.TO_DO


class TaskPatch(ChangeIn):
    """Only the fields sent change (with `version` and `survivor_part`)."""

    title: TaskTitle = ""
    owner_agency_id: Id = 1
    owner_user_id: Id | None = None
    goal_id: UUID | None = None
    due_on: Day | None = None
    status: TaskStatus = TaskStatus.TO_DO


class TaskMove(InputSchema):
    status: TaskStatus


class ServiceCreate(ChangeIn):
    description: ServiceText = Field(description="What service (counselling, a tutor).")
    goal_id: UUID | None = None
    provider_id: Id | None = Field(None, description="An agency of the network, if chosen.")
    status: ServiceStatus = ServiceStatus.PLANNED


class ServicePatch(ChangeIn):
    """Only the fields sent change (with `version` and `survivor_part`)."""

    description: ServiceText = ""
    goal_id: UUID | None = None
    provider_id: Id | None = None
    status: ServiceStatus = ServiceStatus.PLANNED


class ReviewIn(InputSchema):
    version: PlanVersionSent
    reviewed_on: PastOrTodayDate
    agreement: Agreement
    survivor_said: SurvivorSaid = ""


class SettingsIn(InputSchema):
    version: PlanVersionSent
    review_every_days: Annotated[StrictInt, Field(ge=MIN_REVIEW_DAYS, le=MAX_REVIEW_DAYS)]


class CompareQuery(Schema):
    older: int = Field(alias="from", ge=1, le=MAX_ID, description="A version number.")
    newer: int = Field(alias="to", ge=1, le=MAX_ID, description="A version number.")


class AppointmentCreate(InputSchema):
    kind: AppointmentKind = Field(description="A court date is always legal data.")
    starts_at: Moment = Field(description="ISO 8601 with its UTC offset.")
    what: AppointmentWhat
    place: AppointmentPlace = Field(
        "", description="The service's place ('Health clinic, 2nd floor'), never their home."
    )
    category: PlanCategory = Field(
        description="Who may see it, always sent: 'care_plan' is everyone who reads the plan "
        "(a survivor-mentor too); health, mental_health or substance_use for those "
        "appointments. A court date is stored as legal whatever is sent."
    )
    with_agency_id: Id | None = None
    accompanied_by_id: Id | None = Field(None, description="Someone on the care team.")
    status: AppointmentStatus = AppointmentStatus.PLANNED


class AppointmentPatch(InputSchema):
    """Only the fields sent change."""

    version: Version
    kind: AppointmentKind = AppointmentKind.APPOINTMENT
    starts_at: Moment = Field(default_factory=timezone.now)
    what: AppointmentWhat = ""
    place: AppointmentPlace = ""
    category: PlanCategory = PlanCategory.CARE_PLAN  # type: ignore[attr-defined]
    with_agency_id: Id | None = None
    accompanied_by_id: Id | None = None
    status: AppointmentStatus = AppointmentStatus.PLANNED


# --- output ---------------------------------------------------------------------------------

NOTICE = Field(
    None,
    description="Substance-use data disclosed to you by another agency: the 42 CFR 2.32 "
    "notice that must go with it.",
)


class NeedRef(Schema):
    id: UUID
    code: str
    name: str
    category: str
    status: str


class TaskOut(Schema):
    id: UUID
    goal_id: UUID | None
    title: str
    category: PlanCategory
    owner_agency: AgencyOut
    owner_user: PersonOut | None
    due_on: date | None
    overdue: bool
    status: TaskStatus
    position: int
    done_at: datetime | None
    updated_at: datetime
    redisclosure_notice: str | None = NOTICE


class ServiceOut(Schema):
    id: UUID
    goal_id: UUID | None
    description: str
    category: PlanCategory
    provider: AgencyOut | None
    status: ServiceStatus
    position: int
    redisclosure_notice: str | None = NOTICE


class GoalOut(Schema):
    id: UUID
    words: str
    category: PlanCategory
    status: GoalStatus
    position: int
    needs: list[NeedRef] = Field(description="The needs it meets that you may see.")
    tasks: list[TaskOut]
    services: list[ServiceOut]
    created_at: datetime
    redisclosure_notice: str | None = NOTICE


class VersionOut(Schema):
    number: int
    kind: VersionKind
    summary: str = Field(description="What changed, as labels (never the plan's words).")
    survivor_part: SurvivorPart | None
    agreement: Agreement | None
    reviewed_on: date | None
    made_at: datetime
    made_by: PersonOut
    made_by_agency: AgencyOut


class PlanOut(Schema):
    case_id: UUID
    shown: bool = Field(
        description="false: your agency may not see this person's care plan now (the rest "
        "is empty)."
    )
    version: int | None = Field(description="Send it with a change; 0: no plan yet.")
    review_every_days: int | None
    last_reviewed_on: date | None
    review_due_on: date | None
    review_overdue: bool
    unreviewed_changes: int = Field(
        description="Changes made without the survivor since the last review, to go through "
        "with them."
    )
    last_review: VersionOut | None
    goals: list[GoalOut]
    tasks: list[TaskOut] = Field(description="Tasks of no goal.")
    services: list[ServiceOut] = Field(description="Services of no goal.")
    items_withheld: bool = Field(
        description="Some goals (with their tasks and services) are of a kind of data you "
        "may not see."
    )


class GoalChangedOut(Schema):
    plan_version: int
    goal: GoalOut


class TaskChangedOut(Schema):
    plan_version: int
    task: TaskOut


class ServiceChangedOut(Schema):
    plan_version: int
    service: ServiceOut


class SnapshotItemsOut(Schema):
    goals: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    services: list[dict[str, Any]]


class VersionDetailOut(VersionOut):
    survivor_said: str | None = Field(
        description="What the survivor said or asked for; null when the plan then held "
        "items of a kind of data you may not see."
    )
    items: SnapshotItemsOut = Field(
        description="The plan as it was, as you may see it: each item's id and fields in words."
    )


class FieldChangeOut(Schema):
    name: str
    label: str
    before: str
    after: str


class ItemChangeOut(Schema):
    kind: str = Field(description="goals, tasks or services")
    id: str
    change: str = Field(description="added, removed or changed")
    title: str
    fields: list[FieldChangeOut]


class CompareOut(Schema):
    older: VersionOut
    newer: VersionOut
    changes: list[ItemChangeOut]


class PlanConflictOut(Schema):
    detail: str
    your_version: int
    current_version: int
    changes_since: list[ItemChangeOut] = Field(
        description="What changed from your version to now, as far as you may see."
    )
    clashes: list[str] = Field(
        description="Fields of the item you changed that someone else changed too "
        "(names as in changes_since; 'removed' when it is gone)."
    )
    yours: dict[str, Any] = Field(description="What you sent, as the plan keeps it.")


class AppointmentOut(Schema):
    id: UUID
    kind: AppointmentKind
    category: PlanCategory
    starts_at: datetime
    what: str
    place: str
    with_agency: AgencyOut | None
    accompanied_by: PersonOut | None
    status: AppointmentStatus
    version: int
    created_at: datetime
    redisclosure_notice: str | None = NOTICE


class AppointmentConflictOut(Schema):
    detail: str
    your_version: int
    current_version: int | None
    current: AppointmentOut | None = Field(
        description="The appointment now; null when it is no longer yours to see."
    )
    yours: dict[str, Any]


class PlanTaskItemOut(Schema):
    case_id: UUID
    case_reference: str
    task_id: UUID
    title: str
    goal_words: str | None
    category: PlanCategory
    due_on: date | None
    overdue: bool
    status: TaskStatus
    owner_agency: AgencyOut
    owner_user: PersonOut | None


PLAN_WRITE = {**WRITE_ERRORS, 409: PlanConflictOut}
APPOINTMENT_WRITE = {**WRITE_ERRORS, 409: AppointmentConflictOut}


# --- shaping --------------------------------------------------------------------------------


def _notice(category: str, from_agency_id: int | None, actor: Actor) -> str | None:
    return redisclosure_notice(category, from_agency_id, actor.agency_id) or None


def _task_out(actor: Actor, case: Case, task: PlanTask) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": task.pk,
        "goal_id": task.goal_id,
        "title": task.title,
        "category": task.category,
        "owner_agency": task.owner_agency,
        "owner_user": task.owner_user,
        "due_on": task.due_on,
        "overdue": bool(task.due_on and task.due_on < today and task.status in OPEN_TASK_STATUSES),
        "status": task.status,
        "position": task.position,
        "done_at": task.done_at,
        "updated_at": task.updated_at,
        "redisclosure_notice": _notice(task.category, case.lead_agency_id, actor),
    }


def _service_out(actor: Actor, case: Case, service: PlannedService) -> dict[str, Any]:
    return {
        "id": service.pk,
        "goal_id": service.goal_id,
        "description": service.description,
        "category": service.category,
        "provider": service.provider,
        "status": service.status,
        "position": service.position,
        "redisclosure_notice": _notice(service.category, case.lead_agency_id, actor),
    }


def _goal_out(actor: Actor, case: Case, view: queries.GoalView) -> dict[str, Any]:
    goal = view.goal
    return {
        "id": goal.pk,
        "words": goal.words,
        "category": goal.category,
        "status": goal.status,
        "position": goal.position,
        "needs": [
            {
                "id": need.pk,
                "code": need.domain.code,
                "name": need.domain.name,
                "category": need.domain.category,
                "status": need.status,
            }
            for need in view.needs
        ],
        "tasks": [_task_out(actor, case, t) for t in view.tasks],
        "services": [_service_out(actor, case, s) for s in view.services],
        "created_at": goal.created_at,
        "redisclosure_notice": _notice(goal.category, case.lead_agency_id, actor),
    }


def _version_out(version: PlanVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "kind": version.kind,
        "summary": version.summary,
        "survivor_part": version.survivor_part or None,
        "agreement": version.agreement or None,
        "reviewed_on": version.reviewed_on,
        "made_at": version.made_at,
        "made_by": version.made_by,
        "made_by_agency": version.made_by_agency,
    }


def _plan_out(actor: Actor, case: Case, view: queries.PlanView | None) -> dict[str, Any]:
    if view is None:
        return {
            "case_id": case.pk,
            "shown": False,
            "version": None,
            "review_every_days": None,
            "last_reviewed_on": None,
            "review_due_on": None,
            "review_overdue": False,
            "unreviewed_changes": 0,
            "last_review": None,
            "goals": [],
            "tasks": [],
            "services": [],
            "items_withheld": False,
        }
    plan = view.plan
    return {
        "case_id": case.pk,
        "shown": True,
        "version": view.version,
        "review_every_days": plan.review_every_days if plan else None,
        "last_reviewed_on": plan.last_reviewed_on if plan else None,
        "review_due_on": view.review_due_on,
        "review_overdue": view.review_overdue,
        "unreviewed_changes": view.unreviewed_changes,
        "last_review": _version_out(view.last_review) if view.last_review else None,
        "goals": [_goal_out(actor, case, g) for g in view.goals],
        "tasks": [_task_out(actor, case, t) for t in view.loose_tasks],
        "services": [_service_out(actor, case, s) for s in view.loose_services],
        "items_withheld": view.withheld,
    }


def _fresh_view(actor: Actor, case: Case) -> queries.PlanView:
    """The plan after a change, read again (not audited: the action was). The lead agency's
    team, who write it, always see the care plan."""
    view = queries.plan_of(actor, case, audit=False)
    if view is None:  # pragma: no cover - the writers' roles see the care plan
        raise policy.NotFound()
    return view


def _goal_changed(actor: Actor, case: Case, goal_id: UUID) -> dict[str, Any]:
    view = _fresh_view(actor, case)
    found = next((g for g in view.goals if g.goal.pk == goal_id), None)
    if found is None:  # pragma: no cover - its writer may see it
        raise policy.NotFound()
    return {"plan_version": view.version, "goal": _goal_out(actor, case, found)}


def _task_changed(actor: Actor, case: Case, task_id: UUID) -> dict[str, Any]:
    task = queries.task_of(actor, case, task_id)  # read again: the plan's version moved
    return {"plan_version": task.plan.version, "task": _task_out(actor, case, task)}


def _service_changed(actor: Actor, case: Case, service_id: UUID) -> dict[str, Any]:
    service = queries.service_of(actor, case, service_id)
    return {"plan_version": service.plan.version, "service": _service_out(actor, case, service)}


def _voice(payload: ChangeIn) -> SurvivorVoice:
    return SurvivorVoice(part=payload.survivor_part.value, said=payload.survivor_said)


def _sent(payload: InputSchema) -> dict[str, Any]:
    return payload.model_dump(include=payload.model_fields_set)


def _version_detail(actor: Actor, case: Case, version: PlanVersion) -> dict[str, Any]:
    readable = queries.readable_categories(actor, case)
    items = queries.snapshot_items(case, snapshot.loads(version.snapshot), readable)
    return _version_out(version) | {
        "survivor_said": queries.survivor_said(case, version, readable),
        "items": items,
    }


def _appointment_out(actor: Actor, appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "kind": appointment.kind,
        "category": appointment.category,
        "starts_at": appointment.starts_at,
        "what": appointment.what,
        "place": appointment.place or "",
        "with_agency": appointment.with_agency,
        "accompanied_by": appointment.accompanied_by,
        "status": appointment.status,
        "version": appointment.version,
        "created_at": appointment.created_at,
        "redisclosure_notice": _notice(
            appointment.category, appointment.created_by_agency_id, actor
        ),
    }


# --- the plan -------------------------------------------------------------------------------


@router.get("/{case_id}/plan", response={200: PlanOut, **READ_ERRORS}, summary="A case's care plan")
def get_plan(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    """The plan as you may see it: goals in the survivor's words with the needs they meet,
    their tasks and services, the tasks and services of no goal, the version to send with a
    change, the review interval, the last review, when the next is due, and how many changes
    are still to go through with the survivor. `shown: false` when your agency may not see
    the care plan for this person. Audited with the kinds of data shown."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    return _plan_out(actor, case, queries.plan_of(actor, case, audit=True))


@router.post(
    "/{case_id}/plan/goals", response={201: GoalChangedOut, **PLAN_WRITE}, summary="Add a goal"
)
def add_goal(request: HttpRequest, case_id: UUID, payload: GoalCreate) -> Status[dict[str, Any]]:
    """Add a goal, in the survivor's own words, linked to the needs it meets. The lead
    agency's case managers on the case and its supervisors. The first change starts the plan
    (send `version: 0`)."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    goal = actions.add_goal(
        actor=actor,
        case=case,
        goal=GoalIn(
            words=payload.words,
            category=str(payload.category),
            need_ids=tuple(payload.need_ids),
            status=payload.status.value,
        ),
        voice=_voice(payload),
        expected_version=payload.version,
    )
    return Status(201, _goal_changed(actor, case, goal.pk))


@router.patch(
    "/{case_id}/plan/goals/{goal_id}",
    response={200: GoalChangedOut, **PLAN_WRITE},
    summary="Change a goal",
)
def change_goal(
    request: HttpRequest, case_id: UUID, goal_id: UUID, payload: GoalPatch
) -> dict[str, Any]:
    """Change a goal's words, kind of data, status or needs (only the fields sent; `need_ids`
    replaces the list). Its tasks and services follow its kind of data. As adding one."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    goal = queries.goal_of(actor, case, goal_id)
    sent = _sent(payload)
    change = GoalIn(
        words=sent.get("words", goal.words),
        category=str(sent.get("category", goal.category)),
        need_ids=tuple(sent.get("need_ids", goal.needs.values_list("pk", flat=True))),
        status=str(sent.get("status", goal.status)),
    )
    actions.change_goal(
        actor=actor,
        goal=goal,
        change=change,
        voice=_voice(payload),
        expected_version=payload.version,
    )
    return _goal_changed(actor, case, goal.pk)


@router.post(
    "/{case_id}/plan/tasks", response={201: TaskChangedOut, **PLAN_WRITE}, summary="Add a task"
)
def add_task(request: HttpRequest, case_id: UUID, payload: TaskCreate) -> Status[dict[str, Any]]:
    """Add a task: what, for which goal, who does it (an agency on the team, and a person in
    it when one is named: they must be able to read it), by when. It appears on its owner's
    `GET /dashboard/plan-tasks`. The lead agency's team."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    task = actions.add_task(
        actor=actor,
        case=case,
        task=TaskIn(
            title=payload.title,
            owner_agency_id=payload.owner_agency_id,
            owner_user_id=payload.owner_user_id,
            goal_id=payload.goal_id,
            due_on=payload.due_on,
            status=payload.status.value,
        ),
        voice=_voice(payload),
        expected_version=payload.version,
    )
    return Status(201, _task_changed(actor, case, task.pk))


@router.patch(
    "/{case_id}/plan/tasks/{task_id}",
    response={200: TaskChangedOut, **PLAN_WRITE},
    summary="Change a task",
)
def change_task(
    request: HttpRequest, case_id: UUID, task_id: UUID, payload: TaskPatch
) -> dict[str, Any]:
    """Change any part of a task (only the fields sent). The lead agency's team, with the
    plan's `version`; a task's owner moves it along with `…/status` instead."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    task = queries.task_of(actor, case, task_id)
    sent = _sent(payload)
    change = TaskIn(
        title=sent.get("title", task.title),
        owner_agency_id=sent.get("owner_agency_id", task.owner_agency_id),
        owner_user_id=sent.get("owner_user_id", task.owner_user_id),
        goal_id=sent.get("goal_id", task.goal_id),
        due_on=sent.get("due_on", task.due_on),
        status=str(sent.get("status", task.status)),
    )
    actions.change_task(
        actor=actor,
        task=task,
        change=change,
        voice=_voice(payload),
        expected_version=payload.version,
    )
    return _task_changed(actor, case, task.pk)


@router.post(
    "/{case_id}/plan/tasks/{task_id}/status",
    response={200: TaskChangedOut, **WRITE_ERRORS},
    summary="Move a task along",
)
def move_task(
    request: HttpRequest, case_id: UUID, task_id: UUID, payload: TaskMove
) -> dict[str, Any]:
    """Started, done, no longer needed, or back to do. Whoever owns the task (the person
    named, or the owning agency's people on the case) or the lead agency's team. No version:
    it changes only the task's status, on top of whatever the plan is now."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    task = queries.task_of(actor, case, task_id)
    actions.move_task(actor=actor, task=task, status=payload.status.value)
    return _task_changed(actor, case, task.pk)


@router.post(
    "/{case_id}/plan/services",
    response={201: ServiceChangedOut, **PLAN_WRITE},
    summary="Plan a service",
)
def add_service(
    request: HttpRequest, case_id: UUID, payload: ServiceCreate
) -> Status[dict[str, Any]]:
    """A service the plan counts on (counselling, a safe house, a tutor), for a goal or none,
    with a provider of the network or none chosen yet. The lead agency's team."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    service = actions.add_service(
        actor=actor,
        case=case,
        service=ServiceIn(
            description=payload.description,
            goal_id=payload.goal_id,
            provider_id=payload.provider_id,
            status=payload.status.value,
        ),
        voice=_voice(payload),
        expected_version=payload.version,
    )
    return Status(201, _service_changed(actor, case, service.pk))


@router.patch(
    "/{case_id}/plan/services/{service_id}",
    response={200: ServiceChangedOut, **PLAN_WRITE},
    summary="Change a planned service",
)
def change_service(
    request: HttpRequest, case_id: UUID, service_id: UUID, payload: ServicePatch
) -> dict[str, Any]:
    """Change a planned service (only the fields sent). The lead agency's team."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    service = queries.service_of(actor, case, service_id)
    sent = _sent(payload)
    change = ServiceIn(
        description=sent.get("description", service.description),
        goal_id=sent.get("goal_id", service.goal_id),
        provider_id=sent.get("provider_id", service.provider_id),
        status=str(sent.get("status", service.status)),
    )
    actions.change_service(
        actor=actor,
        service=service,
        change=change,
        voice=_voice(payload),
        expected_version=payload.version,
    )
    return _service_changed(actor, case, service.pk)


@router.post(
    "/{case_id}/plan/reviews",
    response={201: VersionDetailOut, **PLAN_WRITE},
    summary="Record a review with the survivor",
)
def record_review(request: HttpRequest, case_id: UUID, payload: ReviewIn) -> Status[dict[str, Any]]:
    """The plan was gone through with the survivor: when, whether they agreed, and what they
    said or asked for. Restarts the review clock. The lead agency's team."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    version = actions.record_review(
        actor=actor,
        case=case,
        reviewed_on=payload.reviewed_on,
        agreement=payload.agreement.value,
        survivor_said=payload.survivor_said,
        expected_version=payload.version,
    )
    return Status(
        201, _version_detail(actor, case, queries.version_of(actor, case, version.number))
    )


@router.put(
    "/{case_id}/plan/settings", response={200: PlanOut, **PLAN_WRITE}, summary="Review interval"
)
def plan_settings(request: HttpRequest, case_id: UUID, payload: SettingsIn) -> dict[str, Any]:
    """How often the plan is gone through with the survivor (7 to 180 days). The lead
    agency's team."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    actions.set_review_interval(
        actor=actor, case=case, days=payload.review_every_days, expected_version=payload.version
    )
    return _plan_out(actor, case, _fresh_view(actor, case))


# --- versions -------------------------------------------------------------------------------


@router.get(
    "/{case_id}/plan/versions",
    response={200: list[VersionOut], **READ_ERRORS},
    summary="The plan's versions",
)
def list_versions(request: HttpRequest, case_id: UUID) -> list[dict[str, Any]]:
    """Every version of the plan, newest first: what kind of change, what changed (labels),
    who, when, how the survivor took part, and at a review whether they agreed. 404 when
    your agency may not see the care plan. Audited."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    view = queries.plan_of(actor, case, audit=True)
    if view is None:
        raise policy.NotFound()
    return [_version_out(v) for v in view.versions]


@router.get(
    "/{case_id}/plan/versions/{number}",
    response={200: VersionDetailOut, **READ_ERRORS},
    summary="One version of the plan",
)
def get_version(request: HttpRequest, case_id: UUID, number: VersionNumber) -> dict[str, Any]:
    """The plan as it was at that version, as you may see it. Audited."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    version = queries.version_of(actor, case, number)
    record_case_read(actor, case, "plan_versions", versions=[number])
    return _version_detail(actor, case, version)


@router.get(
    "/{case_id}/plan/compare",
    response={200: CompareOut, **READ_ERRORS},
    summary="Compare two versions of the plan",
)
def compare_versions(
    request: HttpRequest, case_id: UUID, params: Query[CompareQuery]
) -> dict[str, Any]:
    """What changed from version `from` to version `to`, item by item, field by field, as far
    as you may see. Audited."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    older, newer, changes = queries.compare_versions(actor, case, params.older, params.newer)
    return {
        "older": _version_out(older),
        "newer": _version_out(newer),
        "changes": [plan_change_out(c) for c in changes],
    }


# --- appointments ---------------------------------------------------------------------------


@router.get(
    "/{case_id}/appointments",
    response={200: list[AppointmentOut], **READ_ERRORS},
    summary="A case's appointments",
)
def list_appointments(request: HttpRequest, case_id: UUID) -> list[dict[str, Any]]:
    """The survivor's appointments and court dates you may see (by kind of data), soonest
    first. Audited."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    found = queries.appointments_of(actor, case, audit=True) or []
    return [_appointment_out(actor, a) for a in found]


@router.post(
    "/{case_id}/appointments",
    response={201: AppointmentOut, **WRITE_ERRORS},
    summary="Add an appointment",
)
def record_appointment(
    request: HttpRequest, case_id: UUID, payload: AppointmentCreate
) -> Status[dict[str, Any]]:
    """Put an appointment, court date or team meeting on the survivor's calendar. Anyone
    working on the case (a survivor-mentor included), in a kind of data they may see."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    appointment = actions.record_appointment(
        actor=actor, case=case, details=_appointment_in(payload.model_dump(), None)
    )
    return Status(201, _appointment_out(actor, queries.appointment_of(actor, case, appointment.pk)))


def _appointment_in(sent: dict[str, Any], current: Appointment | None) -> AppointmentIn:
    def value(name: str, default: Any) -> Any:
        if name in sent:
            return sent[name]
        return getattr(current, name) if current is not None else default

    return AppointmentIn(
        kind=str(value("kind", AppointmentKind.APPOINTMENT)),
        starts_at=value("starts_at", None),
        what=value("what", ""),
        place=value("place", "") or "",
        category=str(value("category", DataCategory.CARE_PLAN.value)),
        with_agency_id=value("with_agency_id", None),
        accompanied_by_id=value("accompanied_by_id", None),
        status=str(value("status", AppointmentStatus.PLANNED)),
    )


@router.patch(
    "/{case_id}/appointments/{appointment_id}",
    response={200: AppointmentOut, **APPOINTMENT_WRITE},
    summary="Change an appointment",
)
def change_appointment(
    request: HttpRequest, case_id: UUID, appointment_id: UUID, payload: AppointmentPatch
) -> Status[dict[str, Any]] | dict[str, Any]:
    """Move or cancel it, or record how it went (only the fields sent). As adding one.
    `version`: the appointment's version you last read; a stale one is 409 with the
    appointment as it is now."""
    actor = request_actor(request)
    case = case_for(actor, case_id, audit_read=False)
    appointment = queries.appointment_of(actor, case, appointment_id)
    sent = _sent(payload)
    details = _appointment_in(sent, appointment)
    try:
        actions.change_appointment(
            actor=actor, appointment=appointment, details=details, expected_version=payload.version
        )
    except EditConflict:
        return Status(409, _appointment_conflict(actor, case, appointment_id, payload, sent))
    return _appointment_out(actor, queries.appointment_of(actor, case, appointment_id))


def _appointment_conflict(
    actor: Actor, case: Case, appointment_id: UUID, payload: AppointmentPatch, sent: dict[str, Any]
) -> dict[str, Any]:
    try:
        current = queries.appointment_of(actor, case, appointment_id)
    except policy.NotFound:
        current = None  # moved to a kind of data this reader may not see
    if current is not None:
        record_case_read(actor, case, "appointment_conflict", categories=[current.category])
    return {
        "detail": _(
            "Someone else changed this appointment after the version you sent. Nothing was "
            "saved: compare theirs with yours, then send yours with the current version."
        ),
        "your_version": payload.version,
        "current_version": current.version if current else None,
        "current": _appointment_out(actor, current) if current else None,
        "yours": {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in sent.items()},
    }


# --- My work --------------------------------------------------------------------------------


@dashboard_router.get(
    "/plan-tasks", response={200: list[PlanTaskItemOut], **READ_ERRORS}, summary="My plan tasks"
)
def my_plan_tasks(request: HttpRequest) -> list[dict[str, Any]]:
    """The open plan tasks waiting for you, soonest first: given to you by name, or to your
    agency with no one named (supervisors and coordinators: all their agency's), on open
    cases you may see, in kinds of data you may see. Move one along with
    `POST /cases/{case_id}/plan/tasks/{task_id}/status`. Audited as a case list."""
    actor = request_actor(request)
    tasks = queries.my_plan_tasks(actor)
    audit_case_list(actor, len({t.plan.case_id for t in tasks}))
    today = timezone.localdate()
    return [
        {
            "case_id": task.plan.case_id,
            "case_reference": task.plan.case.reference,
            "task_id": task.pk,
            "title": task.title,
            "goal_words": task.goal.words if task.goal else None,
            "category": task.category,
            "due_on": task.due_on,
            "overdue": bool(task.due_on and task.due_on < today),
            "status": task.status,
            "owner_agency": task.owner_agency,
            "owner_user": task.owner_user,
        }
        for task in tasks
    ]
