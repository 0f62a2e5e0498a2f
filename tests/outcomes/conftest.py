"""A small community whose every figure is worked out by hand in the tests (test_needs.py).

Lead Family Services (Sam supervises) leads three cases; Other County Kids (Quinn) one.
"Now" is the moment the fixture was built; every event is some whole days before it.

Case A (the world's case, Ana), plan started 70 days ago, every 30 days:
  shelter: identified 30 days ago, met 20 days ago (10 days), identified again 10 days ago,
           met 4 days ago (6 days) — met, reopened and met again
  food: found at her screening today (open)
  medical: identified 20 days ago; its goal's only task was cancelled (no help)
  transportation: identified 20 days ago; its goal has a task to do (help)
  clothing: identified 20 days ago, no goal (no help)
  employment: identified 20 days ago; its goal's only service is "no longer needed" (no help)
  documents (added by the community): identified 20 days ago; a service asked for (help)
  education: put off for later ("come back to this later")
  reviews with her: 45 days ago (25 days after the start: on time), 5 days ago (40 days
           after the last: late); next due in 25 days (on time now)
Case B (Mira), plan started 40 days ago, every 30 days, never reviewed (overdue now):
  shelter: identified 12 days ago, being addressed 10 days ago, met 2 days ago (10 days)
  community (retired since): identified 25 days ago, met 15 days ago (10 days)
  sessions 3 days ago: one with her, one with her guardian only
Case D (Noor), closed: clothing identified 20 days ago, never met (not open: case closed)
Case C (Lina), led by Other County Kids: shelter identified 30 days ago, met 29 days ago;
  a plan reviewed 3 days ago
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.cases.models import Case
from continuum.needs.actions import DomainDetails, add_domain, change_domain
from continuum.needs.models import NeedDomain
from continuum.screening import actions as screening_actions
from tests.outcomes.helpers import (
    ago,
    assess,
    close,
    goal_for,
    new_case,
    opened_long_ago,
    plan_started,
    review,
    service_for,
    session,
    task_for,
    today_minus,
)
from tests.personas import World, add_person
from tests.screening.helpers import POSSIBLE, answer, start, train


@dataclass
class Community:
    world: World
    now: datetime
    a: Case
    b: Case
    c: Case
    d: Case


def screen_with_food_need(world: World) -> None:
    """Casey (trained) screens Ana with concern; food is an immediate need: it joins her case."""
    train(world, "casey")
    screening = start(world, world.survivor, by="casey")
    answer(world, screening, POSSIBLE, by="casey")
    screening.refresh_from_db()
    screening_actions.record_safety_facts(
        actor=world.actor("casey"),
        screening=screening,
        facts=screening_actions.SafetyAnswers(
            in_immediate_danger=False,
            age_years=15,
            age_is_estimate=False,
            in_state=True,
            suspected_abuse=None,
            immediate_needs=("food",),
        ),
        expected_version=screening.version,
    )
    screening.refresh_from_db()
    screening_actions.complete_screening(
        actor=world.actor("casey"), screening=screening, expected_version=screening.version
    )


def network_admin(world: World) -> str:
    if "nadia" not in world.users:
        add_person(world, "nadia", "other", Role.NETWORK_ADMIN)
    return "nadia"


def build_community(world: World) -> Community:
    now = timezone.now()

    def days(n: float) -> datetime:
        return ago(n, now=now)

    admin = network_admin(world)
    add_domain(actor=world.actor(admin), details=DomainDetails(name="Documents", category="needs"))
    a = opened_long_ago(world.case)

    assess(world, a, "shelter", "identified", when=days(30))
    assess(world, a, "shelter", "met", when=days(20))
    assess(world, a, "shelter", "identified", when=days(10))
    assess(world, a, "shelter", "met", when=days(4))
    medical = assess(world, a, "medical", "identified", when=days(20))
    transportation = assess(world, a, "transportation", "identified", when=days(20))
    assess(world, a, "clothing", "identified", when=days(20))
    employment = assess(world, a, "employment", "identified", when=days(20))
    documents = assess(world, a, "documents", "identified", when=days(20))
    assess(world, a, "education", "not_discussed", deferred=True, when=days(20))
    task_for(world, a, goal_for(world, a, medical), status="cancelled")
    task_for(world, a, goal_for(world, a, transportation))
    service_for(world, a, goal_for(world, a, employment), status="not_needed")
    service_for(world, a, goal_for(world, a, documents), status="referred")
    plan_started(a, days(70))
    review(world, a, today_minus(45))
    review(world, a, today_minus(5))
    screen_with_food_need(world)

    b = new_case(world, name="Mira")
    assess(world, b, "shelter", "identified", when=days(12))
    assess(world, b, "shelter", "being_addressed", when=days(10))
    assess(world, b, "shelter", "met", when=days(2))
    assess(world, b, "community", "identified", when=days(25))
    assess(world, b, "community", "met", when=days(15))
    goal_for(world, b)
    plan_started(b, days(40))
    session(world, b, when=days(3), with_survivor=True)
    session(world, b, when=days(3) + timedelta(hours=1), with_survivor=False)
    community = NeedDomain.objects.get(code="community")
    change_domain(
        actor=world.actor(admin),
        domain=community,
        details=DomainDetails(name=community.name, category="needs", is_active=False),
    )
    compensation = NeedDomain.objects.get(code="compensation")
    change_domain(
        actor=world.actor(admin),
        domain=compensation,
        details=DomainDetails(name=compensation.name, category="needs", is_active=False),
    )

    d = new_case(world, name="Noor")
    assess(world, d, "clothing", "identified", when=days(20))
    close(world, d)

    c = new_case(world, by="quinn", name="Lina")
    assess(world, c, "shelter", "identified", when=days(30), by="quinn")
    assess(world, c, "shelter", "met", when=days(29), by="quinn")
    goal_for(world, c, by="quinn")
    plan_started(c, days(20))
    review(world, c, today_minus(3), by="quinn")
    return Community(world=world, now=now, a=a, b=b, c=c, d=d)


@pytest.fixture
def community(world: World) -> Community:
    return build_community(world)
