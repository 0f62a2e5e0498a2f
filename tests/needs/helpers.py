"""Needs and plans in the test world, made through the actions (as a person would)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from continuum.cases.models import Case
from continuum.needs.actions import (
    NeedChange,
    SessionDetails,
    assess_need,
    save_session_summary,
    start_session,
)
from continuum.needs.models import AssessmentSession, Need, NeedDomain
from continuum.plans.actions import (
    AppointmentIn,
    GoalIn,
    ServiceIn,
    SurvivorVoice,
    TaskIn,
    add_goal,
    add_service,
    add_task,
    record_appointment,
)
from continuum.plans.models import Appointment, CarePlan, Goal, PlannedService, PlanTask
from tests.personas import World

WITH_THEM = SurvivorVoice(part="with_survivor", said="")


def session(world: World, *, by: str = "casey", case: Case | None = None) -> AssessmentSession:
    """A session with the survivor, safety asked first."""
    return start_session(
        actor=world.actor(by),
        case=case or world.case,
        details=SessionDetails(
            held_at=timezone.now() - timedelta(minutes=5),
            place="office",
            participants=("survivor",),
            safety_check="safe_now",
        ),
    )


def finish(world: World, held: AssessmentSession, *, by: str = "casey") -> AssessmentSession:
    """Finish a session with a short summary, as the case manager does at the end."""
    return save_session_summary(
        actor=world.actor(by),
        session=AssessmentSession.objects.get(pk=held.pk),
        summary="Went through what we planned.",
        expected_version=AssessmentSession.objects.get(pk=held.pk).version,
        finish=True,
    )


def assess(
    world: World,
    code: str,
    *,
    by: str = "casey",
    status: str = "identified",
    words: str = "",
    held: AssessmentSession | None = None,
    case: Case | None = None,
    **extra: Any,
) -> Need:
    """Record one domain (talking with them when a session is given, else from records)."""
    case = case or world.case
    domain = NeedDomain.objects.get(code=code)
    need = Need.objects.filter(case=case, domain=domain).first()
    change = NeedChange(
        status=status,
        urgency=extra.pop(
            "urgency", "short_term" if status in ("identified", "being_addressed") else ""
        ),
        survivor_words=words,
        method=extra.pop("method", "interview" if held else "record_review"),
        assessed_on=timezone.localdate(),
        **extra,
    )
    return assess_need(
        actor=world.actor(by),
        case=case,
        domain=domain,
        change=change,
        expected_version=need.version if need else None,
        session=held,
    )


def plan_version(case: Case) -> int:
    plan = CarePlan.objects.filter(case=case).first()
    return plan.version if plan else 0


def goal(
    world: World,
    words: str = "I want to finish 10th grade",
    *,
    by: str = "casey",
    needs: tuple[Need, ...] = (),
    category: str = "care_plan",
) -> Goal:
    return add_goal(
        actor=world.actor(by),
        case=world.case,
        goal=GoalIn(words=words, category=category, need_ids=tuple(n.pk for n in needs)),
        voice=WITH_THEM,
        expected_version=plan_version(world.case),
    )


def task(
    world: World,
    title: str = "Enrol at the learning centre",
    *,
    by: str = "casey",
    for_goal: Goal | None = None,
    agency: str = "lead",
    user: str | None = None,
) -> PlanTask:
    return add_task(
        actor=world.actor(by),
        case=world.case,
        task=TaskIn(
            title=title,
            owner_agency_id=world.agencies[agency].pk,
            owner_user_id=world.users[user].pk if user else None,
            goal_id=for_goal.pk if for_goal else None,
            due_on=timezone.localdate() + timedelta(days=7),
        ),
        voice=WITH_THEM,
        expected_version=plan_version(world.case),
    )


def service(
    world: World, description: str = "Weekly tutoring", *, by: str = "casey"
) -> PlannedService:
    return add_service(
        actor=world.actor(by),
        case=world.case,
        service=ServiceIn(description=description),
        voice=WITH_THEM,
        expected_version=plan_version(world.case),
    )


def appointment(
    world: World,
    what: str = "Dentist check-up",
    *,
    by: str = "casey",
    kind: str = "appointment",
    category: str = "care_plan",
) -> Appointment:
    return record_appointment(
        actor=world.actor(by),
        case=world.case,
        details=AppointmentIn(
            kind=kind,
            starts_at=timezone.now() + timedelta(days=3),
            what=what,
            place="Health clinic",
            category=category,
        ),
    )
