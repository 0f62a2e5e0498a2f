"""Optimistic versioning of the care plan: two saves of the same plan from the same version →
exactly one wins, the other gets a PlanConflict carrying both versions, and nothing is lost
(the loser's change is in the conflict, and goes in when sent again on the current version).

The concurrent tests use two threads, so two real database connections, released at the same
moment. On PostgreSQL the second save waits on the row lock (select_for_update of the case)
and then sees the new version; on SQLite the writers queue on the database lock. Both run on
either database; the lead runs them on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connection, connections

from continuum.access.actor import Actor
from continuum.cases.models import Case
from continuum.plans.actions import GoalIn, PlanConflict, SurvivorVoice, add_goal, change_goal
from continuum.plans.models import CarePlan, Goal, PlanVersion
from continuum.plans.snapshot import loads
from tests.personas import World, build_world

WITH_THEM = SurvivorVoice(part="with_survivor")


def _version(case: Case) -> int:
    plan = CarePlan.objects.filter(case=case).first()
    return plan.version if plan else 0


def _first_goal(world: World, words: str = "Finish tenth grade") -> Goal:
    return add_goal(
        actor=world.actor("casey"),
        case=world.case,
        goal=GoalIn(words=words),
        voice=WITH_THEM,
        expected_version=_version(world.case),
    )


def _race(*saves: Callable[[], Any]) -> list[Any]:
    """Run each save in its own thread (its own database connection), all released at once.
    Each outcome is the save's result, the PlanConflict it raised, or another error."""
    start = threading.Barrier(len(saves))
    outcomes: list[Any] = [None] * len(saves)

    def run(index: int, save: Callable[[], Any]) -> None:
        try:
            start.wait()
            # The test database on SQLite is shared-cache memory, where a second writer fails
            # at once ("locked") instead of waiting as a file database does (IMMEDIATE
            # transactions, 20 s timeout): wait the same way here. Each attempt is a whole
            # transaction that was rolled back. PostgreSQL waits on the row lock by itself.
            for _attempt in range(1000):
                try:
                    outcomes[index] = save()
                except OperationalError as busy:
                    if "locked" not in str(busy):
                        raise
                    time.sleep(0.005)
                    continue
                return
            outcomes[index] = RuntimeError("gave up waiting for the database")
        except PlanConflict as conflict:
            outcomes[index] = conflict
        except Exception as error:  # reported by the caller's assertions
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, save)) for i, save in enumerate(saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _change(actor: Actor, goal: Goal, words: str, version: int) -> Callable[[], Goal]:
    def save() -> Goal:
        # Each editor holds their own copy of the goal, as two pages would.
        mine = Goal.objects.select_related("plan__case").get(pk=goal.pk)
        return change_goal(
            actor=actor,
            goal=mine,
            change=GoalIn(words=words),
            voice=WITH_THEM,
            expected_version=version,
        )

    return save


@pytest.mark.django_db(transaction=True)
def test_two_people_changing_the_same_goal_at_once() -> None:
    world = build_world()
    goal = _first_goal(world)
    loaded = _version(world.case)  # both editors read the plan at this version
    outcomes = _race(
        _change(world.actor("casey"), goal, "Finish tenth grade by June", loaded),
        _change(world.actor("sam"), goal, "Finish school and find a job", loaded),
    )
    won = [o for o in outcomes if isinstance(o, Goal)]
    lost = [o for o in outcomes if isinstance(o, PlanConflict)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1, outcomes
    conflict = lost[0]
    # Both versions, and what each side has.
    assert conflict.base_number == loaded
    assert conflict.current_number == loaded + 1
    winner_words = won[0].words
    loser_words = conflict.mine["words"]
    assert {winner_words, loser_words} == {
        "Finish tenth grade by June",
        "Finish school and find a job",
    }
    assert conflict.base["goals"][str(goal.pk)]["words"] == "Finish tenth grade"
    assert conflict.current["goals"][str(goal.pk)]["words"] == winner_words
    assert conflict.clashes == ["words"]
    # Exactly one change was saved.
    assert _version(world.case) == loaded + 1
    assert Goal.objects.get(pk=goal.pk).words == winner_words
    # Nothing is lost: the loser sends theirs again on the current version.
    loser = "casey" if loser_words == "Finish tenth grade by June" else "sam"
    change_goal(
        actor=world.actor(loser),
        goal=Goal.objects.select_related("plan__case").get(pk=goal.pk),
        change=GoalIn(words=loser_words),
        voice=WITH_THEM,
        expected_version=conflict.current_number,
    )
    versions = {
        v.number: loads(v.snapshot)["goals"][str(goal.pk)]["words"]
        for v in PlanVersion.objects.filter(plan__case=world.case, number__gt=loaded)
    }
    assert versions == {loaded + 1: winner_words, loaded + 2: loser_words}


@pytest.mark.django_db(transaction=True)
def test_two_people_adding_goals_at_once() -> None:
    world = build_world()
    _first_goal(world)
    loaded = _version(world.case)

    def add(username: str, words: str) -> Callable[[], Goal]:
        return lambda: add_goal(
            actor=world.actor(username),
            case=Case.objects.get(pk=world.case.pk),
            goal=GoalIn(words=words),
            voice=WITH_THEM,
            expected_version=loaded,
        )

    outcomes = _race(add("casey", "Learn to drive"), add("sam", "Open a bank account"))
    won = [o for o in outcomes if isinstance(o, Goal)]
    lost = [o for o in outcomes if isinstance(o, PlanConflict)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    conflict = lost[0]
    assert (conflict.base_number, conflict.current_number) == (loaded, loaded + 1)
    assert conflict.clashes == []  # adding never clashes
    assert Goal.objects.count() == 2
    # Sent again on the current version, both goals are there.
    loser = "casey" if conflict.mine["words"] == "Learn to drive" else "sam"
    add_goal(
        actor=world.actor(loser),
        case=world.case,
        goal=GoalIn(words=conflict.mine["words"]),
        voice=WITH_THEM,
        expected_version=conflict.current_number,
    )
    assert sorted(g.words for g in Goal.objects.all()) == [
        "Finish tenth grade",
        "Learn to drive",
        "Open a bank account",
    ]


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="The SQLite test database is shared-cache memory, where a reader fails at once "
    "('table is locked') while the other connection writes: a request whose save committed "
    "can fail reading its answer, and sending it again is not the same request. The two "
    "tests above race the actions themselves on both databases.",
)
@pytest.mark.django_db(transaction=True)
def test_two_api_clients_saving_the_same_plan_at_once() -> None:
    """The same race through the API: one 200, one 409 that carries both versions."""
    from django.test import Client

    from continuum.api.tokens import create_token

    world = build_world()
    goal = _first_goal(world)
    loaded = _version(world.case)
    tokens = {u: create_token(actor=world.actor(u), name="race")[1] for u in ("casey", "sam")}

    def patch(username: str, words: str) -> Callable[[], Any]:
        def save() -> Any:
            response = Client().patch(
                f"/api/v1/cases/{world.case.pk}/plan/goals/{goal.pk}",
                {"version": loaded, "words": words, "survivor_part": "with_survivor"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {tokens[username]}"},
            )
            return response.status_code, response.json()

        return save

    outcomes = _race(patch("casey", "By June"), patch("sam", "By August"))
    statuses = sorted(status for status, _body in outcomes)
    assert statuses == [200, 409], outcomes
    _status, body = next(o for o in outcomes if o[0] == 409)
    assert body["your_version"] == loaded
    assert body["current_version"] == loaded + 1
    assert body["clashes"] == ["words"]
    assert body["yours"]["words"] in {"By June", "By August"}
    [changed] = body["changes_since"]
    assert changed["change"] == "changed"
    assert changed["fields"][0]["before"] == "Finish tenth grade"
    assert _version(world.case) == loaded + 1


# --- the same conflict, one save after the other ------------------------------------------


@pytest.mark.django_db
def test_a_save_on_a_version_someone_else_moved_is_a_conflict(world: World) -> None:
    goal = _first_goal(world)
    loaded = _version(world.case)
    change_goal(
        actor=world.actor("sam"),
        goal=goal,
        change=GoalIn(words="Finish school"),
        voice=WITH_THEM,
        expected_version=loaded,
    )
    before = (PlanVersion.objects.count(), Goal.objects.get(pk=goal.pk).words)
    with pytest.raises(PlanConflict) as caught:
        change_goal(
            actor=world.actor("casey"),
            goal=Goal.objects.get(pk=goal.pk),
            change=GoalIn(words="Finish tenth grade by June", status="achieved"),
            voice=WITH_THEM,
            expected_version=loaded,
        )
    conflict = caught.value
    assert (conflict.base_number, conflict.current_number) == (loaded, loaded + 1)
    assert conflict.clashes == ["words"]  # status was not changed by Sam: no clash
    assert conflict.mine["words"] == "Finish tenth grade by June"
    assert conflict.mine["status"] == "achieved"
    assert (PlanVersion.objects.count(), Goal.objects.get(pk=goal.pk).words) == before


@pytest.mark.django_db
def test_two_first_changes_on_no_plan_yet_are_a_conflict(world: World) -> None:
    """Both loaded the case before it had a plan ("version 0"): the second is refused."""
    add_goal(
        actor=world.actor("casey"),
        case=world.case,
        goal=GoalIn(words="One"),
        voice=WITH_THEM,
        expected_version=0,
    )
    with pytest.raises(PlanConflict):
        add_goal(
            actor=world.actor("sam"),
            case=world.case,
            goal=GoalIn(words="Two"),
            voice=WITH_THEM,
            expected_version=0,
        )


# --- the needs assessment: the first look at a domain, twice at once -------------------------


@pytest.mark.django_db(transaction=True)
def test_two_first_looks_at_a_domain_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from continuum.needs import actions as needs_actions
    from continuum.needs.actions import NeedChange, NeedConflict, assess_need
    from continuum.needs.models import Need, NeedDomain

    world = build_world()
    shelter = NeedDomain.objects.get(code="shelter")
    # Both reach the write having found no need (on SQLite the second waits for the first
    # transaction instead, so the wait below times out and it goes on).
    both_looked = threading.Barrier(2)
    real_write = needs_actions._write

    def write_after_both_looked(*args: Any, **kwargs: Any) -> Need:
        with contextlib.suppress(threading.BrokenBarrierError):
            both_looked.wait(timeout=2)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(needs_actions, "_write", write_after_both_looked)

    def look(username: str, words: str) -> Callable[[], Need]:
        return lambda: assess_need(
            actor=world.actor(username),
            case=Case.objects.get(pk=world.case.pk),
            domain=shelter,
            change=NeedChange(status="no_need", observations=words, method="record_review"),
            expected_version=None,
        )

    outcomes = _race(look("casey", "Casey's"), look("sam", "Sam's"))
    # _race reports PlanConflicts; a NeedConflict comes back as the error it is.
    assert sorted(type(o).__name__ for o in outcomes) == ["Need", "NeedConflict"], outcomes
    conflict = next(o for o in outcomes if isinstance(o, NeedConflict))
    assert conflict.base is None
    assert Need.objects.filter(case=world.case, domain=shelter).count() == 1
