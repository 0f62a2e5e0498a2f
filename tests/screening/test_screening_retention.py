"""A screening with no concern keeps only what the retention schedule allows: the person it
was about, never opened as a case, is destroyed with every row of the screening when the
"record never opened as a case" period runs out; one with concern stays with its case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from continuum.audit.verify import verify_chain
from continuum.needs.models import Need
from continuum.retention import actions as retention
from continuum.screening import actions
from continuum.screening.models import SafetyAction, Screening
from continuum.screening.queries import safety_line
from continuum.survivors.models import Survivor
from tests.personas import World
from tests.screening.helpers import NONE, POSSIBLE, answer, new_person, start, train

pytestmark = pytest.mark.django_db


def _screened(world: World, answers: dict, name: str) -> Screening:
    screening = start(world, new_person(world, name=name))
    answer(world, screening, answers)
    actions.record_safety_facts(
        actor=world.actor("jordan"),
        screening=screening,
        facts=actions.SafetyAnswers(
            in_immediate_danger=False,
            age_years=15,
            age_is_estimate=True,
            in_state=True,
            suspected_abuse=None,
            immediate_needs=("food",),
        ),
        expected_version=screening.version,
    )
    screening.refresh_from_db()
    actions.record_safety_action(
        actor=world.actor("jordan"),
        screening=screening,
        line=safety_line("emergency"),
        kind="called",
        taken_at=timezone.now() - timedelta(minutes=5),
    )
    screening.refresh_from_db()
    actions.complete_screening(
        actor=world.actor("jordan"), screening=screening, expected_version=screening.version
    )
    return screening


def test_no_concern_is_destroyed_when_its_time_comes_and_concern_stays(world: World) -> None:
    train(world, "jordan")
    world.agencies["lead"].leads_screened_cases = True
    world.agencies["lead"].save()
    quiet = _screened(world, NONE, "Noor")
    worried = _screened(world, POSSIBLE, "Maëlys")
    a_year_on = timezone.localdate() + timedelta(days=366)

    result = retention.purge_due(today=a_year_on)

    assert result.destroyed == 1
    assert not Survivor.objects.filter(pk=quiet.survivor_id).exists()
    assert not Screening.objects.filter(pk=quiet.pk).exists()
    assert not SafetyAction.objects.filter(screening_id=quiet.pk).exists()
    # The one with concern became a case: it is kept as long as the case rule says.
    assert Screening.objects.filter(pk=worried.pk).exists()
    assert Need.objects.filter(source_screening_id=worried.pk).exists()
    assert verify_chain().ok
