"""Shared pieces for screening tests: trained people, a person to screen, a started screen."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from continuum.screening import actions
from continuum.screening.answers import PREFER_NOT, Answer
from continuum.screening.models import Instrument, Screening
from continuum.survivors.actions import SurvivorDetails, create_survivor
from continuum.survivors.models import Survivor
from tests.personas import World

BUNDLED_URL = "https://continuum.example.org/fhir/Questionnaire/continuum-indicators"


def train(world: World, username: str, *, days_ago: int = 30, until_days: int = 300) -> None:
    """Record current screening training for the persona (certified by Sam)."""
    membership = world.memberships[username]
    today = timezone.localdate()
    membership.screening_certified_on = today - timedelta(days=days_ago)
    membership.screening_certified_until = today + timedelta(days=until_days)
    membership.screening_certified_by = world.users["sam"]
    membership.save()


def bundled() -> Instrument:
    return Instrument.objects.get(url=BUNDLED_URL)


def new_person(world: World, by: str = "jordan", name: str = "Zoë") -> Survivor:
    return create_survivor(
        actor=world.actor(by),
        details=SurvivorDetails(preferred_name=name, legal_family_name="Ñúñez", estimated_age=15),
    )


def start(world: World, survivor: Survivor, by: str = "jordan", **overrides: object) -> Screening:
    terms: dict[str, object] = {
        "actor": world.actor(by),
        "survivor": survivor,
        "instrument": bundled(),
        "setting": "school",
        "first_indicator_at": timezone.now() - timedelta(hours=2),
        **overrides,
    }
    return actions.start_screening(**terms)  # type: ignore[arg-type]


YES = Answer(value="yes")
NO = Answer(value="no")
# Two "yes" answers worth 1 each, nothing that alone raises concern: possible concern.
POSSIBLE = {"stay-left": YES, "police-stopped": YES, "hard-hurt": NO, "others-bring": PREFER_NOT}
NONE = {"stay-left": NO, "exchange-sex": NO, "others-bring": PREFER_NOT}
# The direct exchange question alone raises concern to "clear".
KEY_ITEM = {"exchange-sex": YES}


def answer(world: World, screening: Screening, answers: dict, by: str = "jordan") -> Screening:
    return actions.save_answers(
        actor=world.actor(by),
        screening=screening,
        answers=answers,
        expected_version=screening.version,
    )
