"""Screening under pressure: what a security and privacy review tried, each a defect it
found and that is now fixed — results reaching people without the screening category, writes
by the wrong person, answers or weights the database cannot hold, dates near year 1 or 9999,
formulas in CSV cells, two finishes racing, and results left in the audit log.

The world is tests/personas.py's (Lead Family Services leads Ana's case: Casey, Sam; Harbor
Counseling is on its care team: Drew; Jordan screens at the lead agency), with Milo, a
survivor-mentor named on Ana's case, and Nina, a network admin, where a test needs them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.actions import change_case_status
from continuum.cases.models import CareTeamRole, CaseStatus, CaseTask, ClosureReason, TaskStatus
from continuum.screening import actions as screening_actions
from continuum.screening import queries, setup_actions
from continuum.screening.actions import complete_screening
from continuum.screening.answers import Answer
from continuum.screening.instrument import QuestionnaireInvalid
from continuum.screening.models import Screening, ScreeningStatus
from tests.personas import World, add_person, release_to_partner
from tests.screening.helpers import POSSIBLE, answer, bundled, new_person, start, train
from tests.screening.test_setup_actions import network_admin, questionnaire

pytestmark = pytest.mark.django_db

COMMUNITY = Path(__file__).parent / "fixtures" / "community-screen.json"


@pytest.fixture
def trained(world: World) -> World:
    for name in ("jordan", "casey", "sam"):
        train(world, name)
    world.agencies["lead"].leads_screened_cases = True
    world.agencies["lead"].save()
    return world


def _quiet(client: Client) -> Client:
    """Answer a server error with a 500, as a real server would, instead of raising it."""
    client.raise_request_exception = False
    return client


def _page(world: World, username: str) -> Client:
    return _quiet(world.client_for(username))


def _api(world: World, username: str) -> Client:
    _token, plain = create_token(actor=world.actor(username), name="review")
    return _quiet(Client(headers={"Authorization": f"Bearer {plain}"}))


def _post_json(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def _finished_on_anas_case(world: World) -> Screening:
    """Casey screens Ana with a result that raises concern: it joins Ana's case, with the
    in-depth assessment on its to-do list."""
    screening = start(world, world.survivor, by="casey")
    answer(world, screening, POSSIBLE, by="casey")
    screening.refresh_from_db()
    return complete_screening(
        actor=world.actor("casey"), screening=screening, expected_version=screening.version
    )


def _with_numbers() -> dict[str, Any]:
    """The small test instrument with an integer and a decimal question added."""
    doc = questionnaire("numbers")
    doc["item"][0]["item"] += [
        {"linkId": "nights", "text": "How many nights away?", "type": "integer"},
        {"linkId": "owed", "text": "How much do they say you owe?", "type": "decimal"},
    ]
    return doc


# --- 1. Disclosure -----------------------------------------------------------------------


def test_a_mentor_and_an_unreleased_partner_learn_nothing_of_a_screening(trained: World) -> None:
    """docs/screening.md: without the screening category "Everyone else sees nothing — not
    even that a screening exists." The case timeline says "Screening finished by …" and the
    to-do list "In-depth assessment" (added only when the result raised concern) to the
    whole team: a survivor-mentor (whose role never sees screening data) and a care-team
    partner whose release does not cover screening."""
    add_person(
        trained, "milo", "lead", Role.SURVIVOR_MENTOR, on_team_as=CareTeamRole.SURVIVOR_MENTOR
    )
    release_to_partner(trained, {"identity", "care_plan"})
    _finished_on_anas_case(trained)
    for who in ("milo", "drew"):
        survivor_page = _page(trained, who).get(
            reverse("survivors:detail", args=[trained.survivor.pk])
        )
        assert survivor_page.status_code == 200
        text = survivor_page.content.decode()
        assert "Screening finished" not in text, who
        assert "In-depth assessment" not in text, who
        my_work = _page(trained, who).get(reverse("cases:my_work")).content.decode()
        assert "In-depth assessment" not in my_work, who
        api = _api(trained, who)
        timeline = api.get(f"/api/v1/cases/{trained.case.pk}/timeline")
        assert timeline.status_code == 200
        assert "Screening finished" not in timeline.content.decode(), who
        assert "In-depth assessment" not in api.get("/api/v1/dashboard").content.decode(), who


def test_a_survivor_mentor_cannot_mark_the_in_depth_assessment_done(trained: World) -> None:
    """The assessment that follows a screening with concern is screening work; a mentor may
    not even see screening data, yet is offered "Mark done" and it works."""
    add_person(
        trained, "milo", "lead", Role.SURVIVOR_MENTOR, on_team_as=CareTeamRole.SURVIVOR_MENTOR
    )
    _finished_on_anas_case(trained)
    task = CaseTask.objects.get(case=trained.case)
    _page(trained, "milo").post(reverse("cases:complete_task", args=[trained.case.pk, task.pk]))
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_the_audit_log_does_not_keep_the_result(trained: World) -> None:
    """audit/models.py: rows carry ids and labels, "never the survivor's details", because the
    log outlives the retention purge. `screening.completed` keeps the level of concern."""
    screening = _finished_on_anas_case(trained)
    entry = AuditEntry.objects.get(
        action=AuditAction.SCREENING_COMPLETED, object_id=str(screening.pk)
    )
    assert screening.level not in json.dumps(entry.detail)


# --- 2. Writes by the wrong person / at the wrong time -----------------------------------


def test_a_task_on_a_closed_case_cannot_be_marked_done(trained: World) -> None:
    """The page hides "Mark done" on a closed case; the action does not refuse it (notes on a
    closed case are refused: "Reopen it to add a note")."""
    _finished_on_anas_case(trained)
    case = trained.case
    case.refresh_from_db()
    change_case_status(
        actor=trained.actor("casey"),
        case=case,
        status=CaseStatus.CLOSED,
        expected_version=case.version,
        closure_reason=ClosureReason.GOALS_MET,
    )
    task = CaseTask.objects.get(case=case)
    _page(trained, "sam").post(reverse("cases:complete_task", args=[case.pk, task.pk]))
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


# --- 4. Input handling -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("a-nights", "3000000000"), ("a-owed", "1234567890.123456")],
    ids=["integer beyond FHIR's 32 bits", "decimal of 16 digits"],
)
def test_an_answer_the_stored_form_refuses_is_not_saved_from_the_page(
    trained: World, field: str, value: str
) -> None:
    """The page's form takes any integer and any decimal; save_answers stores them unchecked;
    answers_of (every later read) refuses them: the screen, finishing it and the API all
    answer 500 from then on, and the screening can never be finished."""
    instrument = setup_actions.import_instrument(
        actor=network_admin(trained), document=_with_numbers()
    )
    screening = start(trained, new_person(trained), instrument=instrument)
    client = _page(trained, "jordan")
    url = reverse("screening:screen", args=[screening.pk])
    client.post(url, {"version": screening.version, "action": "save", field: value})
    assert client.get(url).status_code == 200
    api = _api(trained, "jordan")
    assert api.get(f"/api/v1/screening/screenings/{screening.pk}").status_code == 200


def test_the_report_for_december_9999_is_not_a_500(trained: World) -> None:
    page = _page(trained, "sam").get(reverse("screening:report") + "?month=9999-12")
    assert page.status_code in (200, 422)
    api = _api(trained, "sam").get("/api/v1/screening/report", {"month": "9999-12"})
    assert api.status_code == 422


def test_far_dates_on_the_start_and_call_forms_are_not_a_500(trained: World) -> None:
    person = new_person(trained)
    client = _page(trained, "jordan")
    start_url = f"{reverse('screening:start')}?survivor={person.pk}"
    started = client.post(
        start_url,
        {
            "instrument": bundled().pk,
            "setting": "school",
            "indicator_on": "9999-12-31",
            "indicator_at": "23:00",
            "zone": "America/New_York",
            "start_now": "yes",
        },
    )
    assert started.status_code == 200  # the form, with a message
    screening = start(trained, person)
    call = client.post(
        reverse("screening:record_call", args=[screening.pk]),
        {"line": "emergency", "kind": "called", "taken_on": "9999-12-31", "taken_at": "23:00"},
    )
    assert call.status_code == 302  # back to the page, with a message
    api_start = _post_json(
        _api(trained, "jordan"),
        "/api/v1/screening/screenings",
        {
            "survivor_id": str(person.pk),
            "instrument_id": bundled().pk,
            "setting": "school",
            "first_indicator_at": "0001-01-01T00:00:00+05:00",
        },
    )
    assert api_start.status_code == 422


def test_a_weight_too_long_for_a_float_is_a_problem_not_a_500(trained: World) -> None:
    network_admin(trained)
    body = json.dumps(questionnaire("huge")).replace(
        '"valueDecimal": 2', '"valueDecimal": 1' + "0" * 400
    )
    api = _post_json(_api(trained, "nina"), "/api/v1/screening/instruments", json.loads(body))
    assert api.status_code == 422
    page = _page(trained, "nina").post(reverse("screening:import_instrument"), {"text": body})
    assert page.status_code == 422


@pytest.mark.parametrize("weight", [2**31, 2**64])
def test_weights_the_score_column_cannot_hold_are_refused_at_import(
    trained: World, weight: int
) -> None:
    """Screening.score and max_score are integer columns (2**31 - 1 on PostgreSQL, 2**63 - 1 on
    SQLite). An instrument whose highest score is beyond them imports, and then every
    screening done with it fails with a 500 when it is finished."""
    body = json.dumps(questionnaire(f"w{weight}")).replace(
        '"valueDecimal": 2', f'"valueDecimal": {weight}'
    )
    with pytest.raises(QuestionnaireInvalid):
        setup_actions.import_instrument(actor=network_admin(trained), document=json.loads(body))


def test_the_monthly_csv_neutralises_a_formula_in_a_level_label(trained: World) -> None:
    """report_csv guards the screener, title and agency cells, not the result: its label comes
    from an imported instrument's band."""
    body = json.dumps(questionnaire("csv")).replace("Some concern", "=HYPERLINK(1)")
    instrument = setup_actions.import_instrument(
        actor=network_admin(trained), document=json.loads(body)
    )
    screening = start(trained, new_person(trained), instrument=instrument)
    answer(trained, screening, {"q1": Answer(value=True)})
    screening.refresh_from_db()
    complete_screening(
        actor=trained.actor("jordan"), screening=screening, expected_version=screening.version
    )
    month = timezone.localdate().isoformat()[:7]
    csv = _page(trained, "sam").get(f"{reverse('screening:report')}?month={month}&format=csv")
    cells = [cell for line in csv.content.decode().splitlines()[1:] for cell in line.split(",")]
    assert "=HYPERLINK(1)" not in cells


# --- 5. Concurrency ----------------------------------------------------------------------


def test_a_second_screening_finished_at_the_same_moment_joins_the_case(
    trained: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two screenings of one person finish at once (PostgreSQL: the second's
    `_open_case_of` finds no open case to lock, the first commits its new case, the second
    then locks the person and open_case_from_screening raises CaseRuleBroken). The page
    catches ScreeningRefused and EditConflict only: the second screener gets a 500."""
    person = new_person(trained)  # Jordan recorded them; Sam, his supervisor, sees them too
    first = start(trained, person, by="jordan")
    second = start(trained, person, by="sam")
    answer(trained, first, POSSIBLE, by="jordan")
    answer(trained, second, POSSIBLE, by="sam")
    first.refresh_from_db()
    second.refresh_from_db()
    original = screening_actions._open_case_of
    raced: list[bool] = []

    def the_other_commits_meanwhile(survivor: Any, actor: Any) -> Any:
        found = original(survivor, actor)
        if actor.user == trained.users["sam"] and not raced:
            raced.append(True)
            complete_screening(
                actor=trained.actor("jordan"), screening=first, expected_version=first.version
            )
        return found

    monkeypatch.setattr(screening_actions, "_open_case_of", the_other_commits_meanwhile)
    response = _page(trained, "sam").post(
        reverse("screening:screen", args=[second.pk]),
        {"version": second.version, "action": "finish", "a-stay-left": "yes"},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == ScreeningStatus.COMPLETED
    assert second.case_id == first.case_id


# --- 7. The clock ------------------------------------------------------------------------


def test_saving_an_empty_safety_form_does_not_hide_an_overdue_screening(trained: World) -> None:
    """docs: a screening kept for later "starts when you first save something in it". Saving
    the safety page with nothing answered starts it: it leaves Screens due (where the
    supervisor watches for overdue ones), and "started late" is shown nowhere."""
    late = start(
        trained,
        new_person(trained),
        start_now=False,
        first_indicator_at=timezone.now() - timedelta(hours=30),
    )
    _page(trained, "jordan").post(
        reverse("screening:safety", args=[late.pk]), {"version": late.version}
    )
    states = {row.screening.pk: row.state for row in queries.screens_due(trained.actor("sam"))}
    assert states.get(late.pk) == "overdue"
