"""The measures cost the same number of queries for 5 cases as for 50 (Zulip's habit), on the
page, in the CSV, in the API and per case."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.api.tokens import create_token
from continuum.cases.models import Case
from continuum.outcomes.needs import case_needs_measures, needs_measures
from continuum.outcomes.periods import parse_period
from continuum.plans.queries import readable_categories
from tests.outcomes.helpers import ago, assess, goal_for, review, session, task_for
from tests.personas import World, add_survivors

pytestmark = pytest.mark.django_db


def _busy_cases(world: World, count: int) -> None:
    """`count` more cases, each with needs met and open, a plan with a task, a review with
    the survivor and an assessment session."""
    for survivor in add_survivors(world, count):
        case = Case.objects.get(survivor=survivor)
        assess(world, case, "shelter", "identified", when=ago(30))
        assess(world, case, "shelter", "met", when=ago(10))
        medical = assess(world, case, "medical", "identified", when=ago(20))
        assess(world, case, "education", "not_discussed", deferred=True)
        task_for(world, case, goal_for(world, case, medical))
        review(world, case, timezone.localdate())
        session(world, case, when=ago(1), with_survivor=True)


def _queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def _page(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_measures_cost_the_same_for_5_and_50_cases(world: World) -> None:
    """The measures themselves (6 queries), and the page, the CSV and the API around them,
    for a supervisor (exact) and an analyst (community-wide), all time and for a month."""
    month = parse_period(month=timezone.localdate().isoformat()[:7])
    pages = {who: world.client_for(who) for who in ("sam", "avery")}
    urls = ["/measures/needs/", "/measures/needs/?format=csv", "/measures/needs/?from=2026-01-01"]
    _token, plain = create_token(actor=world.actor("avery"), name="measures")
    api = Client(headers={"Authorization": f"Bearer {plain}"})
    api.get("/api/v1/measures/needs")  # the token's first use is written down once

    def costs() -> list[int]:
        return [
            *(
                _queries(lambda p=period, who=who: needs_measures(world.actor(who), p))
                for who in ("sam", "avery")
                for period in (parse_period(), month)
            ),
            *(_page(client, url) for client in pages.values() for url in urls),
            _page(api, "/api/v1/measures/needs"),
        ]

    _busy_cases(world, 5)
    small = costs()
    _busy_cases(world, 45)
    assert costs() == small
    assert small[:4] == [6, 6, 6, 6]
    # Guard the guard: the 50 cases are really counted.
    shelter = next(d for d in needs_measures(world.actor("sam")).domains if d.code == "shelter")
    assert shelter.identified.value == 50


def test_one_case_costs_four_queries_however_many_needs(world: World) -> None:
    case = world.case
    categories = readable_categories(world.actor("casey"), case)
    assess(world, case, "shelter", "identified", when=ago(30))
    goal_for(world, case)
    few = _queries(lambda: case_needs_measures(case, categories=categories))
    for code in ("food", "clothing", "medical", "legal", "transportation", "benefits"):
        assess(world, case, code, "identified", when=ago(20))
        assess(world, case, code, "met", when=ago(2))
        assess(world, case, code, "identified", when=ago(1))
    assert _queries(lambda: case_needs_measures(case, categories=categories)) == few == 4
