"""The screening's actions: who may screen, the clock's inputs, saving, finishing, and what
a result with concern does to the case."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from continuum.access import policy
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.models import Case, CaseEvent, CaseTask, TaskKind
from continuum.core.models import EditConflict
from continuum.needs.models import Need, NeedSource
from continuum.screening import actions, queries
from continuum.screening.models import InstrumentStatus, SafetyAction, ScreeningStatus
from tests.personas import World
from tests.screening.helpers import (
    KEY_ITEM,
    NONE,
    POSSIBLE,
    answer,
    bundled,
    new_person,
    start,
    train,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(world: World) -> World:
    for name in ("jordan", "casey", "sam"):
        train(world, name)
    world.agencies["lead"].leads_screened_cases = True
    world.agencies["lead"].save()
    return world


def _finish(world: World, screening, by: str = "jordan", **extra):  # type: ignore[no-untyped-def]
    return actions.complete_screening(
        actor=world.actor(by), screening=screening, expected_version=screening.version, **extra
    )


# --- who may screen


def test_untrained_people_cannot_screen(world: World) -> None:
    person = new_person(world)
    with pytest.raises(policy.Forbidden, match="screening training"):
        start(world, person)


def test_expired_training_is_not_current(world: World) -> None:
    train(world, "jordan", days_ago=800, until_days=-1)
    with pytest.raises(policy.Forbidden, match="screening training"):
        start(world, new_person(world))


def test_training_that_starts_tomorrow_is_not_current(world: World) -> None:
    train(world, "jordan", days_ago=-1)
    with pytest.raises(policy.Forbidden):
        start(world, new_person(world))


def test_roles_that_do_not_screen_are_refused_even_if_flagged(trained: World) -> None:
    train(trained, "drew")  # a clinician: not a screening role
    with pytest.raises(policy.Forbidden):
        start(trained, trained.survivor, by="drew")


def test_a_person_the_screener_cannot_see_is_not_found(trained: World) -> None:
    # Ana's case is led by Lead; Jordan (a screener there) is not on it.
    with pytest.raises(policy.NotFound):
        start(trained, trained.survivor)


# --- starting: the clock's inputs


def test_start_records_who_where_when_and_the_instrument_version(trained: World) -> None:
    trained.users["jordan"].job_title = "School social worker"
    trained.users["jordan"].save()
    screening = start(trained, new_person(trained))
    assert screening.status == ScreeningStatus.IN_PROGRESS
    assert screening.started_at is not None
    assert screening.instrument == bundled()
    assert screening.screener_title == "School social worker"
    assert screening.start_within_hours == 24
    assert screening.start_due_at == screening.first_indicator_at + timedelta(hours=24)


def test_a_planned_screen_keeps_the_clock_running_until_started(trained: World) -> None:
    screening = start(trained, new_person(trained), start_now=False)
    assert screening.status == ScreeningStatus.PLANNED
    assert screening.started_at is None
    due = queries.screens_due(trained.actor("jordan"))
    assert [row.screening for row in due] == [screening]
    # Sam, the supervisor, sees the agency's; Casey (another screener) does not see Jordan's.
    assert [row.screening for row in queries.screens_due(trained.actor("sam"))] == [screening]
    assert queries.screens_due(trained.actor("casey")) == []
    answer(trained, screening, NONE)
    screening.refresh_from_db()
    assert screening.status == ScreeningStatus.IN_PROGRESS
    assert screening.started_at is not None
    assert queries.screens_due(trained.actor("jordan")) == []


def test_overdue_and_whereabouts_unknown(trained: World) -> None:
    now = timezone.now()
    late = start(
        trained, new_person(trained), start_now=False, first_indicator_at=now - timedelta(hours=30)
    )
    found = start(
        trained,
        new_person(trained, name="Nayeli"),
        start_now=False,
        first_indicator_at=now - timedelta(days=10),
        recovered_at=now - timedelta(hours=3),
    )
    states = {row.screening.pk: row.state for row in queries.screens_due(trained.actor("jordan"))}
    assert states[late.pk] == "overdue"
    # The clock runs from the debriefing after recovery, not from the first sign.
    assert states[found.pk] == "on_time"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_indicator_at": "future"}, "future"),
        ({"recovered_at": "before"}, "before the first sign"),
        ({"setting": "the moon"}, "where the screening happens"),
    ],
)
def test_start_refuses_impossible_facts(trained: World, overrides: dict, message: str) -> None:
    now = timezone.now()
    values = {
        "future": now + timedelta(hours=2),
        "before": now - timedelta(days=3),
    }
    terms = {k: values.get(v, v) for k, v in overrides.items()}  # type: ignore[call-overload]
    with pytest.raises(actions.ScreeningRefused, match=message):
        start(trained, new_person(trained), **terms)


def test_a_retired_instrument_cannot_start_a_screen(trained: World) -> None:
    instrument = bundled()
    instrument.status = InstrumentStatus.RETIRED
    instrument.save()
    with pytest.raises(actions.ScreeningRefused, match="retired"):
        start(trained, new_person(trained))


# --- saving


def test_answers_are_sealed_and_partial_saves_keep_everything(trained: World) -> None:
    screening = start(trained, new_person(trained))
    answer(trained, screening, POSSIBLE)
    screening.refresh_from_db()
    raw = type(screening).objects.filter(pk=screening.pk).values_list("answers", flat=True)[0]
    assert "stay-left" not in raw  # sealed at rest
    stored = json.loads(screening.answers)
    assert stored["others-bring"] == {"declined": True}
    assert stored["stay-left"] == {"value": "yes"}
    assert "exchange-sex" not in stored  # skipped


def test_a_stale_save_is_refused_and_nothing_is_lost(trained: World) -> None:
    screening = start(trained, new_person(trained))
    first = type(screening).objects.get(pk=screening.pk)
    second = type(screening).objects.get(pk=screening.pk)
    answer(trained, first, POSSIBLE)
    with pytest.raises(EditConflict):
        answer(trained, second, NONE)
    first.refresh_from_db()
    assert json.loads(first.answers)["stay-left"] == {"value": "yes"}


def test_only_the_screener_changes_a_screening(trained: World) -> None:
    screening = start(trained, new_person(trained))
    with pytest.raises(policy.Forbidden, match="person who is screening"):
        answer(trained, screening, NONE, by="sam")


def test_a_finished_screening_cannot_be_changed(trained: World) -> None:
    screening = start(trained, new_person(trained))
    answer(trained, screening, NONE)
    _finish(trained, screening)
    with pytest.raises(policy.Forbidden, match="finished"):
        answer(trained, screening, POSSIBLE)


# --- safety facts and calls


def _facts(**overrides: object) -> actions.SafetyAnswers:
    base: dict[str, object] = {
        "in_immediate_danger": False,
        "age_years": 15,
        "age_is_estimate": True,
        "in_state": True,
        "suspected_abuse": None,
        "immediate_needs": ("shelter", "other"),
        "other_need": "A phone charger to reach her aunt",
    }
    return actions.SafetyAnswers(**{**base, **overrides})  # type: ignore[arg-type]


def test_safety_facts_decide_the_calls(trained: World) -> None:
    screening = start(trained, new_person(trained))
    actions.record_safety_facts(
        actor=trained.actor("jordan"),
        screening=screening,
        facts=_facts(suspected_abuse=True),
        expected_version=screening.version,
    )
    screening.refresh_from_db()
    assert [c.line.code for c in queries.calls_for(screening)] == ["florida_abuse_hotline"]
    actions.record_safety_facts(
        actor=trained.actor("jordan"),
        screening=screening,
        facts=_facts(in_immediate_danger=True, age_years=19, age_is_estimate=False),
        expected_version=screening.version,
    )
    screening.refresh_from_db()
    assert [c.line.code for c in queries.calls_for(screening)] == [
        "emergency",
        "national_trafficking_hotline",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"other_need": ""}, "what else"),
        ({"age_years": 0}, "between 1 and 119"),
        ({"age_years": 140}, "between 1 and 119"),
    ],
)
def test_safety_facts_refuse_what_cannot_be_right(
    trained: World, overrides: dict, message: str
) -> None:
    screening = start(trained, new_person(trained))
    with pytest.raises(actions.ScreeningRefused, match=message):
        actions.record_safety_facts(
            actor=trained.actor("jordan"),
            screening=screening,
            facts=_facts(**overrides),
            expected_version=screening.version,
        )


def _call(world: World, screening, kind: str, taken_at=None):  # type: ignore[no-untyped-def]
    return actions.record_safety_action(
        actor=world.actor("jordan"),
        screening=screening,
        line=queries.safety_line("florida_abuse_hotline"),
        kind=kind,
        taken_at=taken_at or timezone.now() - timedelta(minutes=10),
    )


def test_a_call_keeps_the_number_as_it_was(trained: World) -> None:
    screening = start(trained, new_person(trained))
    action = _call(trained, screening, SafetyAction.Kind.CALLED)
    line = queries.safety_line("florida_abuse_hotline")
    line.phone = "1-800-000-0000"
    line.save()
    action.refresh_from_db()
    assert action.number == "1-800-962-2873"
    with pytest.raises(actions.ScreeningRefused, match="future"):
        _call(trained, screening, "called", timezone.now() + timedelta(hours=1))


# --- finishing


def test_no_concern_opens_nothing(trained: World) -> None:
    person = new_person(trained)
    screening = start(trained, person)
    answer(trained, screening, NONE)
    _finish(trained, screening)
    screening.refresh_from_db()
    assert (screening.level, screening.concern, screening.score) == ("none", False, 0)
    assert screening.case is None
    assert not Case.objects.filter(survivor=person).exists()


def test_concern_opens_the_protocols_case_with_assessment_needs_and_intake(
    trained: World,
) -> None:
    person = new_person(trained)
    screening = start(trained, person)
    answer(trained, screening, POSSIBLE)
    actions.record_safety_facts(
        actor=trained.actor("jordan"),
        screening=screening,
        facts=_facts(),
        expected_version=screening.version,
    )
    # The hotline accepted the report at 11:30 pm Eastern on the 1st: that is the intake day
    # in Eastern time, whatever day it is in UTC.
    eastern = ZoneInfo("America/New_York")
    when = (timezone.now() - timedelta(days=2)).astimezone(eastern).replace(hour=23, minute=30)
    screening.first_indicator_at = when - timedelta(hours=3)
    type(screening).objects.filter(pk=screening.pk).update(
        first_indicator_at=screening.first_indicator_at
    )
    _call(trained, screening, SafetyAction.Kind.REPORT_ACCEPTED, when)
    screening.refresh_from_db()
    _finish(trained, screening)
    screening.refresh_from_db()
    assert (screening.level, screening.concern) == ("possible", True)
    case = screening.case
    assert case is not None
    assert case.lead_agency == trained.agencies["lead"]
    assert case.report_received_on == when.date()
    task = CaseTask.objects.get(case=case)
    assert task.kind == TaskKind.IN_DEPTH_ASSESSMENT
    assert task.due_on == timezone.localdate() + timedelta(days=7)
    needs = {n.domain.code: n for n in Need.objects.filter(case=case)}
    assert set(needs) == {"shelter", "other"}
    assert needs["other"].description == "A phone charger to reach her aunt"
    assert all(n.source == NeedSource.SCREENING for n in needs.values())
    assert all(n.source_screening_id == screening.pk for n in needs.values())
    # The timeline is read by the whole team: it says nothing of the screening.
    assert not any("creen" in e.summary for e in CaseEvent.objects.filter(case=case))
    assert AuditEntry.objects.filter(
        action=AuditAction.SCREENING_COMPLETED, survivor_id=person.pk
    ).exists()


def test_a_screener_whose_protocol_names_no_lead_is_told_and_nothing_changes(
    world: World,
) -> None:
    train(world, "jordan")
    screening = start(world, new_person(world))
    answer(world, screening, POSSIBLE)
    with pytest.raises(actions.ScreeningRefused, match="lead agency"):
        _finish(world, screening)
    screening.refresh_from_db()
    assert screening.status == ScreeningStatus.IN_PROGRESS
    assert screening.level == ""


def test_a_case_manager_may_lead_the_case_herself(trained: World) -> None:
    person = new_person(trained, by="casey")
    screening = start(trained, person, by="casey")
    answer(trained, screening, POSSIBLE, by="casey")
    _finish(trained, screening, by="casey", lead_agency=trained.agencies["lead"])
    screening.refresh_from_db()
    team = list(screening.case.care_team.values_list("user__username", "role"))
    assert team == [("casey", "lead_case_manager")]


def test_an_agency_that_may_not_lead_is_refused(trained: World) -> None:
    screening = start(trained, new_person(trained))
    answer(trained, screening, POSSIBLE)
    with pytest.raises(actions.ScreeningRefused, match="cannot lead"):
        _finish(trained, screening, lead_agency=trained.agencies["other"])


def test_a_key_item_alone_raises_clear_concern_and_links_the_existing_case(
    trained: World,
) -> None:
    screening = start(trained, trained.survivor, by="casey")
    answer(trained, screening, KEY_ITEM, by="casey")
    _finish(trained, screening, by="casey")
    screening.refresh_from_db()
    assert (screening.score, screening.level) == (2, "clear")
    assert screening.case == trained.case  # linked: never a second case
    assert Case.objects.filter(survivor=trained.survivor).count() == 1
    assert CaseTask.objects.filter(case=trained.case, kind="in_depth_assessment").exists()
