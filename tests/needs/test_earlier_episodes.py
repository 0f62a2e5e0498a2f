"""Needs, the care plan and notes belong to one episode of care. An agency that leads a later
case reads what the survivor told the earlier lead only through a release, as any partner
would: leading care now does not open the last episode's substance use or mental health."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.cases.actions import change_case_status, open_case
from continuum.cases.models import Case
from tests.api.world_api import api_as
from tests.exports.helpers import packed_record
from tests.needs.helpers import appointment, assess, goal
from tests.personas import World, add_person, release_to_partner

pytestmark = pytest.mark.django_db

SAID_TO_THE_FIRST_LEAD = "I drink every night to sleep"
FIRST_GOAL = "See the therapist about the flashbacks"


def _hand_over(world: World) -> tuple[Case, Case]:
    """Lead records needs and a plan, closes the case; the partner agency opens the next."""
    assess(world, "substance_use", words=SAID_TO_THE_FIRST_LEAD)
    assess(world, "shelter", words="A room of my own")
    goal(world, FIRST_GOAL, category="mental_health")
    goal(world, "Find a room of my own")
    appointment(world, "Therapy intake", category="mental_health")
    add_person(world, "pat", "partner", Role.SUPERVISOR)
    old = world.case
    change_case_status(
        actor=world.actor("casey"),
        case=old,
        status="closed",
        expected_version=old.version,
        closure_reason="transferred",
    )
    new = open_case(actor=world.actor("pat"), survivor=world.survivor, report_received_on=None)
    return old, new


def _everything_pat_sees(world: World, old: Case) -> str:
    web = world.client_for("pat")
    api = api_as(world, "pat")
    bodies = [
        web.get(f"/survivors/{world.survivor.pk}/"),
        web.get(f"/needs/cases/{old.pk}/"),
        web.get(f"/needs/cases/{old.pk}/domains/substance_use/"),
        web.get(f"/plans/cases/{old.pk}/"),
        web.get(f"/plans/cases/{old.pk}/appointments/"),
        api.get(f"/cases/{old.pk}/assessment"),
        api.get(f"/cases/{old.pk}/assessment/domains/substance_use/history"),
        api.get(f"/cases/{old.pk}/plan"),
        api.get(f"/cases/{old.pk}/appointments"),
    ]
    return "\n".join(b.content.decode() for b in bodies)


def test_a_later_lead_reads_nothing_of_the_earlier_episode_without_a_release(
    world: World,
) -> None:
    old, _new = _hand_over(world)
    seen = _everything_pat_sees(world, old)
    for words in (SAID_TO_THE_FIRST_LEAD, "A room of my own", FIRST_GOAL, "Therapy intake"):
        assert words not in seen
    web = world.client_for("pat")
    assert web.get(f"/needs/cases/{old.pk}/domains/substance_use/").status_code == 404
    assert api_as(world, "pat").get(f"/cases/{old.pk}/assessment").json()["domains"] == []
    # Nor in an export of the record the new lead asks for.
    exported = json.dumps(packed_record(world, "pat"), ensure_ascii=False)
    for words in (SAID_TO_THE_FIRST_LEAD, FIRST_GOAL, "Therapy intake", "Find a room of my own"):
        assert words not in exported


def test_a_release_opens_the_earlier_episode_exactly_as_far_as_it_names(world: World) -> None:
    # Before closing, the survivor agreed the partner sees her needs, her plan and her mental
    # health (to a date, not "until the case closes"); not her substance use.
    release_to_partner(
        world,
        {"needs", "care_plan", "mental_health"},
        ends_on_event="",
        expires_on=timezone.localdate() + timedelta(days=90),
    )
    old, _new = _hand_over(world)
    seen = _everything_pat_sees(world, old)
    assert "A room of my own" in seen  # needs
    assert FIRST_GOAL in seen  # a mental-health goal
    assert "Find a room of my own" in seen  # care plan
    assert "Therapy intake" in seen
    assert SAID_TO_THE_FIRST_LEAD not in seen  # substance use was never released
    assert (
        world.client_for("pat").get(f"/needs/cases/{old.pk}/domains/substance_use/").status_code
        == 404
    )


def test_the_earlier_lead_still_reads_its_own_episode(world: World) -> None:
    old, _new = _hand_over(world)
    page = world.client_for("casey").get(f"/needs/cases/{old.pk}/domains/substance_use/")
    assert page.status_code == 200
    assert SAID_TO_THE_FIRST_LEAD in page.content.decode()
