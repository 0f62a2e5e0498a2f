"""Screening pages cost the same for few and many screenings, answers, calls and needs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.screening import actions
from continuum.screening.queries import safety_line
from tests.personas import World
from tests.screening.helpers import POSSIBLE, answer, new_person, start, train

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _screens(world: World, count: int, by: str = "jordan") -> None:
    for n in range(count):
        person = new_person(world, by=by, name=f"Person {n}")
        start(
            world,
            person,
            by=by,
            start_now=n % 2 == 0,
            first_indicator_at=timezone.now() - timedelta(hours=n % 30 + 1),
        )


@pytest.fixture
def trained(world: World) -> World:
    for name in ("jordan", "casey", "sam"):
        train(world, name)
    return world


def test_the_screening_list_and_my_work_cost_the_same(trained: World) -> None:
    client = trained.client_for("jordan")
    _screens(trained, 4)
    small = (_count(client, "/screening/"), _count(client, "/cases/"))
    _screens(trained, 20)
    assert (_count(client, "/screening/"), _count(client, "/cases/")) == small
    supervisor = trained.client_for("sam")
    before = _count(supervisor, "/screening/report/")
    _screens(trained, 6)
    assert _count(supervisor, "/screening/report/") == before


def test_the_result_and_survivor_pages_cost_the_same(trained: World) -> None:
    screening = start(trained, trained.survivor, by="casey")
    client = trained.client_for("casey")

    def calls(count: int) -> None:
        for _n in range(count):
            actions.record_safety_action(
                actor=trained.actor("casey"),
                screening=screening,
                line=safety_line("florida_abuse_hotline"),
                kind="called",
                taken_at=timezone.now() - timedelta(minutes=1),
            )

    answer(trained, screening, POSSIBLE, by="casey")
    calls(1)
    result = f"/screening/{screening.pk}/result/"
    person = f"/survivors/{trained.survivor.pk}/"
    small = (_count(client, result), _count(client, person))
    calls(10)
    for _n in range(5):
        more = start(trained, trained.survivor, by="casey")
        answer(trained, more, POSSIBLE, by="casey")
    assert (_count(client, result), _count(client, person)) == small
