"""Versions of the plan tell a reader only what the plan shows them now: what the survivor
said goes with the items it was said about, and an item moved to a stricter kind of data
(a goal about drinking, moved from the care plan to substance use) is hidden in the versions
from before it moved, on the pages and in the API."""

from __future__ import annotations

import pytest
from django.utils import timezone

from continuum.audit.models import AuditAction, AuditEntry
from continuum.plans.actions import GoalIn, SurvivorVoice, change_goal, record_review
from continuum.plans.models import Goal
from tests.api.world_api import api_as, with_mentor
from tests.needs.helpers import goal, plan_version
from tests.personas import World

pytestmark = pytest.mark.django_db

SAID = "The therapist helps with the flashbacks"
DRINKING = "Go to meetings about my drinking"


def _url(world: World, rest: str = "") -> str:
    return f"/plans/cases/{world.case.pk}/{rest}"


def _reviewed(world: World) -> int:
    record_review(
        actor=world.actor("casey"),
        case=world.case,
        reviewed_on=timezone.localdate(),
        agreement="agreed",
        survivor_said=SAID,
        expected_version=plan_version(world.case),
    )
    return plan_version(world.case)


def test_what_they_said_is_kept_from_a_reader_of_part_of_the_plan(world: World) -> None:
    goal(world, "Stop the nightmares", category="mental_health")
    goal(world, "Finish tenth grade")
    number = _reviewed(world)
    mentor = world.client_for(with_mentor(world))
    for path in (_url(world), _url(world, f"versions/{number}/")):
        page = mentor.get(path)
        assert page.status_code == 200
        assert "Finish tenth grade" in page.content.decode()  # the plan is theirs to read
        assert "flashbacks" not in page.content.decode()
    api = api_as(world, "milo").get(f"/cases/{world.case.pk}/plan/versions/{number}")
    assert api.json()["survivor_said"] is None


def test_what_they_said_is_shown_to_a_reader_of_the_whole_plan(world: World) -> None:
    goal(world, "Stop the nightmares", category="mental_health")
    number = _reviewed(world)
    casey = world.client_for("casey")
    for path in (_url(world), _url(world, f"versions/{number}/")):
        assert SAID in casey.get(path).content.decode()


def test_a_goal_made_stricter_is_hidden_in_the_versions_from_before(world: World) -> None:
    made = goal(world, DRINKING)  # the care plan's kind, at first
    goal(world, "Finish tenth grade")
    before = plan_version(world.case)
    change_goal(
        actor=world.actor("casey"),
        goal=Goal.objects.select_related("plan__case").get(pk=made.pk),
        change=GoalIn(words=DRINKING, category="substance_use"),
        voice=SurvivorVoice(part="with_survivor"),
        expected_version=before,
    )
    after = plan_version(world.case)
    mentor = world.client_for(with_mentor(world))
    pages = [
        mentor.get(_url(world)),
        mentor.get(_url(world, f"versions/{before}/")),
        mentor.get(_url(world, "versions/1/")),
        mentor.get(_url(world, f"versions/?from=1&to={after}")),
    ]
    api = api_as(world, "milo")
    pages += [
        api.get(f"/cases/{world.case.pk}/plan/versions/{before}"),
        api.get(f"/cases/{world.case.pk}/plan/compare?from=1&to={after}"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "drinking" not in page.content.decode()
    assert "Finish tenth grade" in pages[1].content.decode()
    # The lead's case manager still reads every version whole.
    assert (
        DRINKING
        in world.client_for("casey").get(_url(world, f"versions/{before}/")).content.decode()
    )


def test_a_conflict_on_the_plan_page_is_audited_as_a_read(world: World) -> None:
    first = goal(world, "Find a part-time job")
    loaded = plan_version(world.case)
    goal(world, "Learn to drive", by="sam")
    response = world.client_for("casey").post(
        _url(world, f"goals/{first.pk}/"),
        {
            "words": "Find a part-time job near school",
            "category": "care_plan",
            "status": "active",
            "version": str(loaded),
            "survivor_part": "with_survivor",
        },
    )
    assert response.status_code == 409
    assert "Learn to drive" in response.content.decode()
    entry = AuditEntry.objects.filter(action=AuditAction.CASE_VIEWED).latest("pk")
    assert entry.detail["part"] == "plan_conflict"
    assert entry.detail["versions"] == [loaded, loaded + 1]
