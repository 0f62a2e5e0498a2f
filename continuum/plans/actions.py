"""Every write to a care plan and to the survivor's appointments.

The plan is written with the survivor by the lead agency's team: each change records how
the survivor took part ("made with them", "they asked for it", or "to go through with
them"), and makes a new version with a snapshot of the whole plan. Whoever owns a task moves
it along from their own My work. Two people changing the plan at once never overwrite each
other: every change names the version it started from, and the second gets a PlanConflict
carrying both versions, so their page can show what changed and let them merge or retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency, Membership, User
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.actions import CaseRuleBroken
from continuum.cases.models import CareTeamMember, Case, EventKind
from continuum.cases.timeline import add_event
from continuum.core.models import EditConflict, save_if_unchanged
from continuum.core.text import clean_text
from continuum.needs.models import Need
from continuum.plans import snapshot
from continuum.plans.models import (
    PLAN_CATEGORIES,
    Agreement,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CarePlan,
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
from continuum.protocols.queries import timelines_for

GOAL_MAX = 500
TASK_MAX = 300
SERVICE_MAX = 300
SAID_MAX = 1000
APPOINTMENT_TEXT_MAX = 200
MIN_REVIEW_DAYS, MAX_REVIEW_DAYS = 7, 180


class PlanRuleBroken(CaseRuleBroken):
    """The change would break a rule of the plan; the message says which (422)."""


class PlanConflict(EditConflict):
    """Someone changed the plan after the editor loaded it. Nothing was saved. Carries the
    version the editor started from and the version now (both snapshots), what they sent,
    and which fields of the item they changed someone else changed too."""

    def __init__(
        self,
        *,
        plan: CarePlan,
        base_number: int,
        base: snapshot.Snapshot,
        current: snapshot.Snapshot,
        kind: str,
        item_id: str | None,
        mine: dict[str, Any],
    ) -> None:
        super().__init__(
            _(
                "Someone else changed this plan while you were working on it. Nothing you "
                "typed is lost: see what they changed, then save yours again or start over."
            )
        )
        self.plan = plan
        self.base_number = base_number
        self.current_number = plan.version
        self.base = base
        self.current = current
        self.kind = kind
        self.item_id = item_id
        self.mine = mine
        self.clashes = snapshot.clashes(kind, item_id, base, current, mine)


@dataclass(frozen=True)
class SurvivorVoice:
    """How the survivor took part in a change, and what they said or asked for."""

    part: str
    said: str = ""


@dataclass(frozen=True)
class GoalIn:
    words: str
    category: str = DataCategory.CARE_PLAN.value
    need_ids: tuple[UUID, ...] = ()
    status: str = GoalStatus.ACTIVE.value


@dataclass(frozen=True)
class TaskIn:
    title: str
    owner_agency_id: int
    owner_user_id: int | None = None
    goal_id: UUID | None = None
    due_on: date | None = None
    status: str = TaskStatus.TO_DO.value


@dataclass(frozen=True)
class ServiceIn:
    description: str
    goal_id: UUID | None = None
    provider_id: int | None = None
    status: str = ServiceStatus.PLANNED.value


# --- the shape of every change -------------------------------------------------------------


def _locked_plan(actor: Actor, case: Case) -> CarePlan:
    """The case's plan, row-locked (the case row first: two first changes cannot both
    create it). A case's first change starts the plan at version 1."""
    Case.objects.select_for_update().filter(pk=case.pk).first()
    plan = CarePlan.objects.select_for_update().filter(case=case).first()
    if plan is not None:
        return plan
    plan = CarePlan.objects.create(
        case=case,
        # The lead agency's community protocol sets how often plans are reviewed.
        review_every_days=timelines_for(case.lead_agency_id).plan_review_days,
        created_by=actor.user,
        created_by_agency=actor.agency,
    )
    PlanVersion.objects.create(
        plan=plan,
        number=1,
        kind=VersionKind.CHANGE,
        summary=_("Plan started"),
        snapshot=snapshot.dumps(snapshot.empty()),
        made_by=actor.user,
        made_by_agency=actor.agency,
    )
    return plan


def _snapshot_of(plan: CarePlan, number: int) -> snapshot.Snapshot:
    version = PlanVersion.objects.filter(plan=plan, number=number).first()
    return snapshot.loads(version.snapshot) if version else snapshot.empty()


def _check_version(
    plan: CarePlan,
    expected_version: int,
    *,
    kind: str,
    item_id: str | None,
    mine: dict[str, Any],
) -> None:
    # A plan just started by this very change is at version 1 and "no plan yet" is 0: an
    # editor who loaded a case without a plan may send either.
    fresh = plan.version == 1 and expected_version in (0, 1)
    if plan.version == expected_version or fresh:
        return
    raise PlanConflict(
        plan=plan,
        base_number=expected_version,
        base=_snapshot_of(plan, expected_version),
        current=_snapshot_of(plan, plan.version),
        kind=kind,
        item_id=item_id,
        mine=mine,
    )


def _new_version(
    actor: Actor,
    plan: CarePlan,
    *,
    kind: VersionKind,
    action: AuditAction,
    voice: SurvivorVoice | None,
    obj: object,
    reviewed_on: date | None = None,
    agreement: str = "",
) -> PlanVersion:
    """After a change: bump the plan's version, keep the snapshot, audit, add a timeline
    line of labels only."""
    before = _snapshot_of(plan, plan.version)
    after = snapshot.build(plan)
    # Told in the care plan's own kind of data only: a goal about their mental health must
    # not show on the version list of someone who may read the plan but not that goal.
    plain = frozenset({DataCategory.CARE_PLAN.value})
    every_category = frozenset(str(c) for c in PLAN_CATEGORIES)
    summary = snapshot.summary_of(snapshot.compare(before, after, plain))
    if summary == str(snapshot.NO_CHANGE) and snapshot.compare(before, after, every_category):
        summary = _("Changed what only some readers may see")
    if kind == VersionKind.REVIEW:
        summary = _("Reviewed with the survivor")
    elif kind == VersionKind.SETTINGS:
        summary = _("Review interval changed")
    save_if_unchanged(plan, expected_version=plan.version, fields={"updated_at": timezone.now()})
    version = PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        kind=kind,
        summary=summary,
        snapshot=snapshot.dumps(after),
        survivor_part=voice.part if voice else "",
        survivor_said=voice.said if voice else "",
        agreement=agreement,
        reviewed_on=reviewed_on,
        made_by=actor.user,
        made_by_agency=actor.agency,
    )
    case = plan.case
    record(
        actor,
        action,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=obj,
        detail={"plan_version": plan.version, "category": getattr(obj, "category", "")},
    )
    add_event(
        actor,
        case,
        EventKind.PLAN,
        # Everyone on the case reads the timeline, whatever they may see of the plan.
        summary=_("Care plan version %(number)s: %(kind)s")
        % {"number": plan.version, "kind": VersionKind(kind).label.lower()},
    )
    return version


def _voice(voice: SurvivorVoice) -> SurvivorVoice:
    if voice.part not in SurvivorPart.values:
        raise PlanRuleBroken(_("Say how the survivor took part in this change."))
    said = clean_text(voice.said)
    if len(said) > SAID_MAX:
        raise PlanRuleBroken(
            _("What the survivor said can be at most %(limit)s characters.") % {"limit": SAID_MAX}
        )
    return SurvivorVoice(part=voice.part, said=said)


def _readable(actor: Actor, case: Case) -> frozenset[str]:
    return sharing.case_categories(actor, case)


def _text(value: str, limit: int, empty_message: str) -> str:
    text = clean_text(value)
    if not text:
        raise PlanRuleBroken(empty_message)
    if len(text) > limit:
        raise PlanRuleBroken(
            _("This can be at most %(limit)s characters; it has %(count)s.")
            % {"limit": limit, "count": len(text)}
        )
    return text


def _begin(actor: Actor, case: Case) -> None:
    policy.require_lead_team_write(actor, case, policy.Permission.EDIT_PLAN)


# --- goals ----------------------------------------------------------------------------------


def _checked_goal(actor: Actor, case: Case, goal: GoalIn) -> tuple[GoalIn, list[Need]]:
    words = _text(goal.words, GOAL_MAX, _("Write the goal, in the survivor's words."))
    if goal.category not in {str(c) for c in PLAN_CATEGORIES}:
        raise PlanRuleBroken(_("Choose what kind of data this goal is."))
    if goal.status not in GoalStatus.values:
        raise PlanRuleBroken(_("Choose the goal's status."))
    ids = tuple(dict.fromkeys(goal.need_ids))
    needs = list(Need.objects.filter(case=case, pk__in=ids).select_related("domain"))
    readable = _readable(actor, case)
    if len(needs) != len(ids) or any(n.domain.category not in readable for n in needs):
        raise PlanRuleBroken(_("Choose the needs from this case's assessment."))
    return GoalIn(words=words, category=goal.category, need_ids=ids, status=goal.status), needs


def _goal_mine(goal: GoalIn, needs: list[Need]) -> dict[str, Any]:
    return {
        "words": goal.words,
        "category": goal.category,
        "status": goal.status,
        "needs": [[str(n.pk), n.domain.name, n.domain.category] for n in needs],
    }


@transaction.atomic
def add_goal(
    *, actor: Actor, case: Case, goal: GoalIn, voice: SurvivorVoice, expected_version: int
) -> Goal:
    """Add a goal, in the survivor's own words, linked to the needs it meets. Caller: the
    lead agency's team (policy.require_lead_team_write)."""
    _begin(actor, case)
    voice = _voice(voice)
    goal, needs = _checked_goal(actor, case, goal)
    plan = _locked_plan(actor, case)
    _check_version(plan, expected_version, kind="goals", item_id=None, mine=_goal_mine(goal, needs))
    position = (plan.goals.aggregate(p=Max("position"))["p"] or 0) + 1
    made = Goal.objects.create(
        plan=plan,
        words=goal.words,
        category=goal.category,
        status=goal.status,
        position=position,
        created_by=actor.user,
    )
    made.needs.set(needs)
    _new_version(
        actor,
        plan,
        kind=VersionKind.CHANGE,
        action=AuditAction.PLAN_GOAL_ADDED,
        voice=voice,
        obj=made,
    )
    return made


@transaction.atomic
def change_goal(
    *, actor: Actor, goal: Goal, change: GoalIn, voice: SurvivorVoice, expected_version: int
) -> Goal:
    """Change a goal's words, kind of data, status or needs. Caller: as add_goal. The goal's
    tasks and services follow its kind of data."""
    case = goal.plan.case
    _begin(actor, case)
    voice = _voice(voice)
    if goal.category not in _readable(actor, case):
        raise policy.NotFound()
    change, needs = _checked_goal(actor, case, change)
    plan = _locked_plan(actor, case)
    _check_version(
        plan, expected_version, kind="goals", item_id=str(goal.pk), mine=_goal_mine(change, needs)
    )
    if change.category != goal.category:
        _check_owners_may_read(case, goal, change.category)
    goal.words = change.words
    goal.category = change.category
    goal.status = change.status
    goal.save()
    goal.needs.set(needs)
    PlanTask.objects.filter(goal=goal).update(category=change.category)
    PlannedService.objects.filter(goal=goal).update(category=change.category)
    _new_version(
        actor,
        plan,
        kind=VersionKind.CHANGE,
        action=AuditAction.PLAN_GOAL_CHANGED,
        voice=voice,
        obj=goal,
    )
    return goal


def _check_owners_may_read(case: Case, goal: Goal, category: str) -> None:
    for task in PlanTask.objects.filter(goal=goal).select_related("owner_agency"):
        _check_owner_reads(case, task.owner_agency, task.owner_user_id, category)


# --- tasks ----------------------------------------------------------------------------------


def _team_agencies(case: Case) -> set[int]:
    on_team = CareTeamMember.objects.filter(case=case, removed_at__isnull=True)
    return {case.lead_agency_id, *on_team.values_list("agency_id", flat=True)}


def _check_owner_reads(case: Case, agency: Agency, user_id: int | None, category: str) -> None:
    """Whoever a task is given to must be able to read it: the survivor's releases decide."""
    role = None
    if user_id is not None:
        role = (
            Membership.objects.filter(user_id=user_id, agency=agency, is_active=True)
            .values_list("role", flat=True)
            .first()
        )
    if category not in sharing.agency_may_see(agency.pk, case.survivor, role):
        raise PlanRuleBroken(
            _(
                "%(agency)s may not see %(kind)s for this person, so it could not read this "
                "task. Choose another owner, or record a release with the survivor first."
            )
            % {"agency": agency.name, "kind": DataCategory(category).label.lower()}
        )


def _checked_owner(case: Case, task: TaskIn, category: str) -> tuple[Agency, User | None]:
    agency = Agency.objects.filter(pk=task.owner_agency_id, is_active=True).first()
    if agency is None or agency.pk not in _team_agencies(case):
        raise PlanRuleBroken(
            _("A task goes to the lead agency or an agency on the care team. Add it first.")
        )
    user = None
    if task.owner_user_id is not None:
        member = (
            Membership.objects.filter(user_id=task.owner_user_id, agency=agency, is_active=True)
            .select_related("user")
            .first()
        )
        if member is None:
            raise PlanRuleBroken(_("That person does not work for that agency."))
        named = CareTeamMember.objects.filter(
            case=case, removed_at__isnull=True, agency=agency, user_id=task.owner_user_id
        ).exists()
        if not named and member.role not in policy.AGENCY_WIDE_ROLES:
            raise PlanRuleBroken(
                _("%(name)s is not on the care team: add them to it first, so they can see it.")
                % {"name": member.user.get_full_name() or member.user.username}
            )
        user = member.user
    _check_owner_reads(case, agency, task.owner_user_id, category)
    return agency, user


def _checked_task(
    actor: Actor, case: Case, task: TaskIn
) -> tuple[TaskIn, Goal | None, Agency, User | None]:
    title = _text(task.title, TASK_MAX, _("Say what is to be done."))
    if task.status not in TaskStatus.values:
        raise PlanRuleBroken(_("Choose the task's status."))
    if task.due_on and (task.due_on.year < 2000 or task.due_on.year > 2100):
        raise PlanRuleBroken(_("Check the year of the date it is due."))
    goal = None
    if task.goal_id is not None:
        goal = Goal.objects.filter(pk=task.goal_id, plan__case=case).first()
        if goal is None or goal.category not in _readable(actor, case):
            raise PlanRuleBroken(_("Choose a goal of this plan."))
    category = goal.category if goal else DataCategory.CARE_PLAN.value
    agency, user = _checked_owner(case, task, category)
    cleaned = TaskIn(
        title=title,
        owner_agency_id=agency.pk,
        owner_user_id=user.pk if user else None,
        goal_id=goal.pk if goal else None,
        due_on=task.due_on,
        status=task.status,
    )
    return cleaned, goal, agency, user


def _task_mine(task: TaskIn) -> dict[str, Any]:
    return {
        "title": task.title,
        "goal": str(task.goal_id) if task.goal_id else None,
        "owner": [task.owner_agency_id, task.owner_user_id, ""],
        "due_on": task.due_on.isoformat() if task.due_on else None,
        "status": task.status,
    }


@transaction.atomic
def add_task(
    *, actor: Actor, case: Case, task: TaskIn, voice: SurvivorVoice, expected_version: int
) -> PlanTask:
    """Add a task: what, for which goal, who does it (an agency on the team, and a person in
    it when one is named), by when. Caller: the lead agency's team. It appears on its
    owner's My work."""
    _begin(actor, case)
    voice = _voice(voice)
    task, goal, agency, user = _checked_task(actor, case, task)
    plan = _locked_plan(actor, case)
    _check_version(plan, expected_version, kind="tasks", item_id=None, mine=_task_mine(task))
    now = timezone.now()
    made = PlanTask.objects.create(
        plan=plan,
        goal=goal,
        title=task.title,
        category=goal.category if goal else DataCategory.CARE_PLAN.value,
        owner_agency=agency,
        owner_user=user,
        due_on=task.due_on,
        status=task.status,
        position=(plan.tasks.aggregate(p=Max("position"))["p"] or 0) + 1,
        created_by=actor.user,
        updated_by=actor.user,
        done_at=now if task.status == TaskStatus.DONE else None,
    )
    _new_version(
        actor,
        plan,
        kind=VersionKind.CHANGE,
        action=AuditAction.PLAN_TASK_ADDED,
        voice=voice,
        obj=made,
    )
    return made


@transaction.atomic
def change_task(
    *, actor: Actor, task: PlanTask, change: TaskIn, voice: SurvivorVoice, expected_version: int
) -> PlanTask:
    """Change any part of a task. Caller: the lead agency's team."""
    case = task.plan.case
    _begin(actor, case)
    voice = _voice(voice)
    if task.category not in _readable(actor, case):
        raise policy.NotFound()
    change, goal, agency, user = _checked_task(actor, case, change)
    plan = _locked_plan(actor, case)
    _check_version(
        plan, expected_version, kind="tasks", item_id=str(task.pk), mine=_task_mine(change)
    )
    _apply_task(
        task,
        actor,
        title=change.title,
        goal=goal,
        category=goal.category if goal else DataCategory.CARE_PLAN.value,
        owner_agency=agency,
        owner_user=user,
        due_on=change.due_on,
        status=change.status,
    )
    _new_version(
        actor,
        plan,
        kind=VersionKind.CHANGE,
        action=AuditAction.PLAN_TASK_CHANGED,
        voice=voice,
        obj=task,
    )
    return task


def _apply_task(task: PlanTask, actor: Actor, **values: Any) -> None:
    status = values.get("status", task.status)
    if status == TaskStatus.DONE and task.status != TaskStatus.DONE:
        values["done_at"] = timezone.now()
    elif status != TaskStatus.DONE:
        values["done_at"] = None
    for name, value in values.items():
        setattr(task, name, value)
    task.updated_at = timezone.now()
    task.updated_by = actor.user
    task.save()


@transaction.atomic
def move_task(*, actor: Actor, task: PlanTask, status: str) -> PlanTask:
    """Move a task along (started, done, no longer needed, or back to do). Caller: whoever
    owns it (policy.require_plan_task_update), from their My work, or the lead agency's
    team. Never conflicts with someone editing the plan: it changes the task's status only,
    on top of whatever the plan is now."""
    case = task.plan.case
    policy.require_plan_task_update(
        actor, case, owner_agency_id=task.owner_agency_id, owner_user_id=task.owner_user_id
    )
    if task.category not in _readable(actor, case):
        raise policy.NotFound()
    if status not in TaskStatus.values:
        raise PlanRuleBroken(_("Choose the task's status."))
    plan = _locked_plan(actor, case)
    task.refresh_from_db()
    if task.status == status:
        raise PlanRuleBroken(
            _("This task is already “%(status)s”.") % {"status": TaskStatus(status).label}
        )
    _apply_task(task, actor, status=status)
    _new_version(
        actor,
        plan,
        kind=VersionKind.TASK_UPDATE,
        action=AuditAction.PLAN_TASK_CHANGED,
        voice=None,
        obj=task,
    )
    return task


# --- services -------------------------------------------------------------------------------


def _checked_service(
    actor: Actor, case: Case, service: ServiceIn
) -> tuple[ServiceIn, Goal | None, Agency | None]:
    description = _text(service.description, SERVICE_MAX, _("Say what service is planned."))
    if service.status not in ServiceStatus.values:
        raise PlanRuleBroken(_("Choose the service's status."))
    goal = None
    if service.goal_id is not None:
        goal = Goal.objects.filter(pk=service.goal_id, plan__case=case).first()
        if goal is None or goal.category not in _readable(actor, case):
            raise PlanRuleBroken(_("Choose a goal of this plan."))
    provider = None
    if service.provider_id is not None:
        provider = Agency.objects.filter(pk=service.provider_id, is_active=True).first()
        if provider is None:
            raise PlanRuleBroken(_("Choose a provider from the network's agencies."))
    cleaned = ServiceIn(
        description=description,
        goal_id=goal.pk if goal else None,
        provider_id=provider.pk if provider else None,
        status=service.status,
    )
    return cleaned, goal, provider


def _service_mine(service: ServiceIn) -> dict[str, Any]:
    return {
        "description": service.description,
        "goal": str(service.goal_id) if service.goal_id else None,
        "provider": [service.provider_id, ""],
        "status": service.status,
    }


@transaction.atomic
def add_service(
    *, actor: Actor, case: Case, service: ServiceIn, voice: SurvivorVoice, expected_version: int
) -> PlannedService:
    """Plan a service for a goal (a provider in the network, or none chosen yet). Caller:
    the lead agency's team. The referral issue turns planned services into referrals."""
    _begin(actor, case)
    voice = _voice(voice)
    service, goal, provider = _checked_service(actor, case, service)
    plan = _locked_plan(actor, case)
    _check_version(
        plan, expected_version, kind="services", item_id=None, mine=_service_mine(service)
    )
    made = PlannedService.objects.create(
        plan=plan,
        goal=goal,
        description=service.description,
        category=goal.category if goal else DataCategory.CARE_PLAN.value,
        provider=provider,
        status=service.status,
        position=(plan.services.aggregate(p=Max("position"))["p"] or 0) + 1,
        created_by=actor.user,
    )
    _new_version(
        actor,
        plan,
        kind=VersionKind.CHANGE,
        action=AuditAction.PLAN_SERVICE_ADDED,
        voice=voice,
        obj=made,
    )
    return made


@transaction.atomic
def change_service(
    *,
    actor: Actor,
    service: PlannedService,
    change: ServiceIn,
    voice: SurvivorVoice,
    expected_version: int,
) -> PlannedService:
    """Change a planned service. Caller: the lead agency's team."""
    case = service.plan.case
    _begin(actor, case)
    voice = _voice(voice)
    if service.category not in _readable(actor, case):
        raise policy.NotFound()
    change, goal, provider = _checked_service(actor, case, change)
    plan = _locked_plan(actor, case)
    _check_version(
        plan, expected_version, kind="services", item_id=str(service.pk), mine=_service_mine(change)
    )
    service.description = change.description
    service.goal = goal
    service.category = goal.category if goal else DataCategory.CARE_PLAN.value
    service.provider = provider
    service.status = change.status
    service.save()
    _new_version(
        actor,
        plan,
        kind=VersionKind.CHANGE,
        action=AuditAction.PLAN_SERVICE_CHANGED,
        voice=voice,
        obj=service,
    )
    return service


# --- reviews and settings -------------------------------------------------------------------


@transaction.atomic
def record_review(
    *,
    actor: Actor,
    case: Case,
    reviewed_on: date,
    agreement: str,
    survivor_said: str,
    expected_version: int,
) -> PlanVersion:
    """Record that the plan was gone through with the survivor: when, whether they agreed,
    and what they said or asked for. Caller: the lead agency's team. Restarts the review
    clock (the plan's review interval)."""
    _begin(actor, case)
    if agreement not in Agreement.values:
        raise PlanRuleBroken(_("Say whether the survivor agreed with the plan."))
    if reviewed_on > timezone.localdate():
        raise PlanRuleBroken(_("The review date is in the future."))
    if reviewed_on < case.opened_on - timedelta(days=1):
        raise PlanRuleBroken(_("The review date is before the case was opened."))
    voice = _voice(SurvivorVoice(part=SurvivorPart.WITH_SURVIVOR, said=survivor_said))
    plan = _locked_plan(actor, case)
    _check_version(plan, expected_version, kind="review", item_id=None, mine={})
    if plan.last_reviewed_on is None or reviewed_on > plan.last_reviewed_on:
        CarePlan.objects.filter(pk=plan.pk).update(last_reviewed_on=reviewed_on)
        plan.last_reviewed_on = reviewed_on
    return _new_version(
        actor,
        plan,
        kind=VersionKind.REVIEW,
        action=AuditAction.PLAN_REVIEWED,
        voice=voice,
        obj=plan,
        reviewed_on=reviewed_on,
        agreement=agreement,
    )


@transaction.atomic
def set_review_interval(*, actor: Actor, case: Case, days: int, expected_version: int) -> CarePlan:
    """How often the plan is gone through with the survivor (default
    CONTINUUM_PLAN_REVIEW_DAYS). Caller: the lead agency's team."""
    _begin(actor, case)
    if not MIN_REVIEW_DAYS <= days <= MAX_REVIEW_DAYS:
        raise PlanRuleBroken(
            _("Review the plan every %(low)s to %(high)s days.")
            % {"low": MIN_REVIEW_DAYS, "high": MAX_REVIEW_DAYS}
        )
    plan = _locked_plan(actor, case)
    _check_version(plan, expected_version, kind="settings", item_id=None, mine={})
    CarePlan.objects.filter(pk=plan.pk).update(review_every_days=days)
    plan.review_every_days = days
    _new_version(
        actor,
        plan,
        kind=VersionKind.SETTINGS,
        action=AuditAction.PLAN_SETTINGS_CHANGED,
        voice=None,
        obj=plan,
    )
    return plan


# --- appointments --------------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentIn:
    kind: str
    starts_at: datetime
    what: str
    place: str = ""
    category: str = DataCategory.CARE_PLAN.value
    with_agency_id: int | None = None
    accompanied_by_id: int | None = None
    status: str = AppointmentStatus.PLANNED.value


def _checked_appointment(actor: Actor, case: Case, details: AppointmentIn) -> AppointmentIn:
    if details.kind not in AppointmentKind.values:
        raise PlanRuleBroken(_("Choose what kind of appointment it is."))
    # A court date is legal data whatever was chosen: a mentor going with them sees it.
    category = (
        DataCategory.LEGAL.value if details.kind == AppointmentKind.COURT_DATE else details.category
    )
    if category not in {str(c) for c in PLAN_CATEGORIES}:
        raise PlanRuleBroken(_("Choose what kind of data this appointment is."))
    if category not in _readable(actor, case):
        raise policy.Forbidden(_("Your agency may not see this kind of data for this person."))
    if details.status not in AppointmentStatus.values:
        raise PlanRuleBroken(_("Choose the appointment's status."))
    if not 2000 <= details.starts_at.year <= 2100:
        raise PlanRuleBroken(_("Check the year of the appointment."))
    what = _text(details.what, APPOINTMENT_TEXT_MAX, _("Say what the appointment is."))
    place = clean_text(details.place)
    if len(place) > APPOINTMENT_TEXT_MAX:
        raise PlanRuleBroken(
            _("The place can be at most %(limit)s characters.") % {"limit": APPOINTMENT_TEXT_MAX}
        )
    if (
        details.with_agency_id is not None
        and not Agency.objects.filter(pk=details.with_agency_id, is_active=True).exists()
    ):
        raise PlanRuleBroken(_("Choose an agency of the network."))
    if (
        details.accompanied_by_id is not None
        and not CareTeamMember.objects.filter(
            case=case, removed_at__isnull=True, user_id=details.accompanied_by_id
        ).exists()
    ):
        raise PlanRuleBroken(_("Whoever goes with them must be on the care team."))
    return AppointmentIn(
        kind=details.kind,
        starts_at=details.starts_at,
        what=what,
        place=place,
        category=category,
        with_agency_id=details.with_agency_id,
        accompanied_by_id=details.accompanied_by_id,
        status=details.status,
    )


@transaction.atomic
def record_appointment(*, actor: Actor, case: Case, details: AppointmentIn) -> Appointment:
    """Put an appointment or court date on the survivor's calendar. Caller: anyone working
    on the case (a survivor-mentor included: policy.require_appointment_write), in a data
    category they may see."""
    policy.require_appointment_write(actor, case)
    details = _checked_appointment(actor, case, details)
    appointment = Appointment.objects.create(
        case=case,
        kind=details.kind,
        category=details.category,
        starts_at=details.starts_at,
        what=details.what,
        place=details.place,
        with_agency_id=details.with_agency_id,
        accompanied_by_id=details.accompanied_by_id,
        status=details.status,
        created_by=actor.user,
        created_by_agency=actor.agency,
    )
    record(
        actor,
        AuditAction.APPOINTMENT_RECORDED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=appointment,
        detail={"category": details.category},
    )
    add_event(
        actor,
        case,
        EventKind.APPOINTMENT,
        summary=_("An appointment was added to their calendar"),
    )
    return appointment


@transaction.atomic
def change_appointment(
    *, actor: Actor, appointment: Appointment, details: AppointmentIn, expected_version: int
) -> Appointment:
    """Move, cancel or record how an appointment went. Caller: as record_appointment, for an
    appointment whose category they may see."""
    case = appointment.case
    policy.require_appointment_write(actor, case)
    if appointment.category not in _readable(actor, case):
        raise policy.NotFound()
    details = _checked_appointment(actor, case, details)
    save_if_unchanged(
        appointment,
        expected_version=expected_version,
        fields={
            "kind": details.kind,
            "category": details.category,
            "starts_at": details.starts_at,
            "what": details.what,
            "place": details.place,
            "with_agency_id": details.with_agency_id,
            "accompanied_by_id": details.accompanied_by_id,
            "status": details.status,
        },
    )
    record(
        actor,
        AuditAction.APPOINTMENT_CHANGED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=appointment,
        detail={"category": details.category, "status": details.status},
    )
    return appointment
