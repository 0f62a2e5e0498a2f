"""Building needs and plans for the measures tests, through the lead engineer's actions.

Moments in the past: the actions stamp entries with timezone.now(), so `at(moment)` makes
"now" that moment while an action runs. Plans are started at the real now (a model default),
so `plan_started` moves the start back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest import mock

from django.utils import timezone

from continuum.cases.actions import change_case_status, open_case
from continuum.cases.models import Case, CaseStatus, ClosureReason
from continuum.needs import actions as needs_actions
from continuum.needs.actions import NeedChange, SessionDetails
from continuum.needs.models import NEED_STATUSES, AssessmentSession, Need, NeedDomain
from continuum.plans import actions as plan_actions
from continuum.plans.actions import GoalIn, ServiceIn, SurvivorVoice, TaskIn
from continuum.plans.models import CarePlan, Goal, PlannedService, PlanTask
from continuum.survivors.actions import SurvivorDetails, create_survivor
from tests.personas import World

WITH_SURVIVOR = SurvivorVoice(part="with_survivor")
# Cases here were opened long enough ago for any review date the tests record.
OPENED_DAYS_AGO = 200


@contextmanager
def at(moment: datetime | None) -> Iterator[None]:
    if moment is None:
        yield
        return
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def ago(days: float, *, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def today_minus(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def new_case(world: World, *, by: str = "casey", name: str = "Mira") -> Case:
    """A survivor and an open case led by `by`'s agency (who is its lead case manager)."""
    actor = world.actor(by)
    survivor = create_survivor(actor=actor, details=SurvivorDetails(preferred_name=name))
    return open_case(
        actor=actor,
        survivor=survivor,
        report_received_on=None,
        opened_on=today_minus(OPENED_DAYS_AGO),
    )


def opened_long_ago(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(opened_on=today_minus(OPENED_DAYS_AGO))
    case.refresh_from_db()
    return case


def assess(
    world: World,
    case: Case,
    code: str,
    status: str,
    *,
    when: datetime | None = None,
    by: str = "casey",
    deferred: bool = False,
) -> Need:
    """Record a look at a domain (from the records: no session needed)."""
    domain = NeedDomain.objects.get(code=code)
    need = Need.objects.filter(case=case, domain=domain).first()
    discussed = status != "not_discussed"
    change = NeedChange(
        status=status,
        urgency="short_term" if status in NEED_STATUSES else "",
        method="record_review" if discussed else "",
        deferred=deferred,
    )
    with at(when):
        return needs_actions.assess_need(
            actor=world.actor(by),
            case=case,
            domain=domain,
            change=change,
            expected_version=need.version if need else None,
        )


def _plan_version(case: Case) -> int:
    return CarePlan.objects.filter(case=case).values_list("version", flat=True).first() or 0


def goal_for(world: World, case: Case, *needs: Need, by: str = "casey") -> Goal:
    return plan_actions.add_goal(
        actor=world.actor(by),
        case=case,
        goal=GoalIn(words="Somewhere safe to sleep", need_ids=tuple(n.pk for n in needs)),
        voice=WITH_SURVIVOR,
        expected_version=_plan_version(case),
    )


def task_for(
    world: World, case: Case, goal: Goal | None, *, status: str = "to_do", by: str = "casey"
) -> PlanTask:
    task = plan_actions.add_task(
        actor=world.actor(by),
        case=case,
        task=TaskIn(
            title="Call the shelter",
            owner_agency_id=case.lead_agency_id,
            goal_id=goal.pk if goal else None,
        ),
        voice=WITH_SURVIVOR,
        expected_version=_plan_version(case),
    )
    if status != "to_do":
        task = plan_actions.move_task(actor=world.actor(by), task=task, status=status)
    return task


def service_for(
    world: World, case: Case, goal: Goal, *, status: str = "planned", by: str = "casey"
) -> PlannedService:
    return plan_actions.add_service(
        actor=world.actor(by),
        case=case,
        service=ServiceIn(description="Counselling", goal_id=goal.pk, status=status),
        voice=WITH_SURVIVOR,
        expected_version=_plan_version(case),
    )


def plan_started(case: Case, moment: datetime, *, every: int = 30) -> CarePlan:
    """The case's plan (made by a first change if there is none), started at `moment`."""
    CarePlan.objects.filter(case=case).update(created_at=moment, review_every_days=every)
    return CarePlan.objects.get(case=case)


def review(world: World, case: Case, on: date, *, by: str = "casey") -> None:
    plan_actions.record_review(
        actor=world.actor(by),
        case=case,
        reviewed_on=on,
        agreement="agreed",
        survivor_said="",
        expected_version=_plan_version(case),
    )


def session(
    world: World, case: Case, *, when: datetime, with_survivor: bool, by: str = "casey"
) -> AssessmentSession:
    """A session held then, and finished (the next one on the case can start)."""
    held = needs_actions.start_session(
        actor=world.actor(by),
        case=case,
        details=SessionDetails(
            held_at=when,
            place="office",
            participants=("survivor",) if with_survivor else ("guardian",),
            safety_check="safe_now",
        ),
    )
    return needs_actions.save_session_summary(
        actor=world.actor(by), session=held, summary="", expected_version=held.version, finish=True
    )


def close(world: World, case: Case, *, by: str = "casey") -> Case:
    case.refresh_from_db()
    return change_case_status(
        actor=world.actor(by),
        case=case,
        status=CaseStatus.CLOSED,
        expected_version=case.version,
        closure_reason=ClosureReason.GOALS_MET,
    )
