"""/cases/{id}/plan, /cases/{id}/appointments and /dashboard/plan-tasks: the plan and its
versions, goals, tasks, services, reviews, appointments; every refusal, bad input, and the
409 that carries both versions and what changed in between."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone

from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.actions import write_note
from continuum.plans.actions import GoalIn, PlanConflict, SurvivorVoice, add_goal
from continuum.plans.models import (
    Appointment,
    CarePlan,
    Goal,
    PlannedService,
    PlanTask,
    PlanVersion,
)
from tests.api.world_api import api_as, with_mentor, with_partner_mentor
from tests.needs.helpers import appointment, assess, goal, plan_version, service, task
from tests.personas import World, release_to_partner

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
WITH_THEM = {"survivor_part": "with_survivor"}


def _path(world: World, rest: str = "") -> str:
    return f"/cases/{world.case.pk}/plan{rest}"


def _appointments(world: World, rest: str = "") -> str:
    return f"/cases/{world.case.pk}/appointments{rest}"


def _v(world: World) -> int:
    return plan_version(world.case)


def _written() -> tuple[int, ...]:
    return (
        CarePlan.objects.count(),
        PlanVersion.objects.count(),
        Goal.objects.count(),
        PlanTask.objects.count(),
        PlannedService.objects.count(),
        Appointment.objects.count(),
        AuditEntry.objects.count(),
    )


# --- reading the plan -------------------------------------------------------------------------


def test_a_case_without_a_plan_has_an_empty_one_at_version_0(world: World) -> None:
    response = api_as(world, "casey").get(_path(world))
    assert response.status_code == 200
    assert response.json() == {
        "case_id": str(world.case.pk),
        "shown": True,
        "version": 0,
        "review_every_days": None,
        "last_reviewed_on": None,
        "review_due_on": None,
        "review_overdue": False,
        "unreviewed_changes": 0,
        "last_review": None,
        "goals": [],
        "tasks": [],
        "services": [],
        "items_withheld": False,
    }


def test_the_plan_with_goals_needs_tasks_and_services(world: World) -> None:
    need = assess(world, "education", words="I want my diploma")
    made = goal(world, "Finish tenth grade", needs=(need,))
    task(world, "Enrol at the learning centre", for_goal=made)
    task(world, "Get a bus pass")
    service(world, "Weekly tutoring")
    client = api_as(world, "casey")
    before = AuditEntry.objects.count()
    body = client.get(_path(world)).json()
    assert body["version"] == 5
    assert body["review_every_days"] == 30
    assert body["review_due_on"] == (TODAY + timedelta(days=30)).isoformat()
    [the_goal] = body["goals"]
    assert the_goal["words"] == "Finish tenth grade"
    assert the_goal["category"] == "care_plan"
    assert the_goal["needs"] == [
        {
            "id": str(need.pk),
            "code": "education",
            "name": "ESL, GED or other education",
            "category": "education",
            "status": "identified",
        }
    ]
    [goal_task] = the_goal["tasks"]
    assert goal_task["title"] == "Enrol at the learning centre"
    assert goal_task["owner_agency"]["name"] == "Lead Family Services"
    assert goal_task["owner_user"] is None
    assert goal_task["status"] == "to_do"
    assert goal_task["overdue"] is False
    assert [t["title"] for t in body["tasks"]] == ["Get a bus pass"]
    assert [s["description"] for s in body["services"]] == ["Weekly tutoring"]
    assert body["unreviewed_changes"] == 0  # every change was made with the survivor
    [entry] = AuditEntry.objects.order_by("sequence")[before:]
    assert entry.action == AuditAction.CASE_VIEWED
    assert entry.detail["part"] == "plan"


# --- goals ------------------------------------------------------------------------------------


def test_the_first_goal_starts_the_plan(world: World) -> None:
    need = assess(world, "shelter")
    response = api_as(world, "casey").post(
        _path(world, "/goals"),
        {
            "version": 0,
            "words": "  A safe place to live  ",
            "need_ids": [str(need.pk)],
            "survivor_part": "asked_by_survivor",
            "survivor_said": "I don't want to move again.",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["plan_version"] == 2  # 1: plan started; 2: goal added
    assert body["goal"]["words"] == "A safe place to live"
    assert [n["code"] for n in body["goal"]["needs"]] == ["shelter"]
    version = PlanVersion.objects.get(number=2)
    assert version.survivor_part == "asked_by_survivor"
    assert version.survivor_said == "I don't want to move again."
    assert AuditAction.PLAN_GOAL_ADDED in AuditEntry.objects.values_list("action", flat=True)


def test_a_goal_is_changed_field_by_field(world: World) -> None:
    made = goal(world, "Finish tenth grade")
    need = assess(world, "education")
    client = api_as(world, "casey")
    response = client.patch(
        _path(world, f"/goals/{made.pk}"),
        {"version": _v(world), "status": "achieved", "need_ids": [str(need.pk)]} | WITH_THEM,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["goal"]["words"] == "Finish tenth grade"  # not sent: kept
    assert body["goal"]["status"] == "achieved"
    assert [n["id"] for n in body["goal"]["needs"]] == [str(need.pk)]
    assert body["plan_version"] == _v(world)


def test_a_goal_takes_a_stricter_kind_of_data_and_its_tasks_follow(world: World) -> None:
    made = goal(world, "Sleep through the night")
    task(world, "Find a counsellor", for_goal=made)
    response = api_as(world, "casey").patch(
        _path(world, f"/goals/{made.pk}"),
        {"version": _v(world), "category": "mental_health"} | WITH_THEM,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["goal"]["tasks"][0]["category"] == "mental_health"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"need_ids": ["00000000-0000-0000-0000-000000000000"]}, "Choose the needs from this case"),
    ],
)
def test_goal_rules_are_422_sentences(world: World, change: dict, message: str) -> None:
    client = api_as(world, "casey")
    before = _written()
    response = client.post(
        _path(world, "/goals"), {"version": 0, "words": "Go back to school"} | WITH_THEM | change
    )
    assert response.status_code == 422, response.json()
    assert response.json()["detail"].startswith(message)
    assert _written() == before


def test_a_goal_of_another_case_is_404(world: World) -> None:
    from continuum.cases.actions import open_case
    from continuum.survivors.actions import SurvivorDetails, create_survivor

    other = create_survivor(
        actor=world.actor("casey"), details=SurvivorDetails(preferred_name="Kim")
    )
    elsewhere = open_case(actor=world.actor("casey"), survivor=other, report_received_on=None)
    theirs = add_goal(
        actor=world.actor("casey"),
        case=elsewhere,
        goal=GoalIn(words="Theirs"),
        voice=SurvivorVoice(part="with_survivor"),
        expected_version=0,
    )
    response = api_as(world, "casey").patch(
        _path(world, f"/goals/{theirs.pk}"), {"version": 2, "words": "Mine"} | WITH_THEM
    )
    assert response.status_code == 404


# --- the 409 ----------------------------------------------------------------------------------


def test_a_stale_plan_version_is_409_with_both_versions_and_what_changed(world: World) -> None:
    made = goal(world, "Finish tenth grade")
    loaded = _v(world)  # Casey reads the plan here
    sam = api_as(world, "sam")
    assert (
        sam.patch(
            _path(world, f"/goals/{made.pk}"),
            {"version": loaded, "words": "Finish school"} | WITH_THEM,
        ).status_code
        == 200
    )
    assert (
        sam.post(
            _path(world, "/goals"), {"version": loaded + 1, "words": "Learn to drive"} | WITH_THEM
        ).status_code
        == 201
    )
    before = _written()
    response = api_as(world, "casey").patch(
        _path(world, f"/goals/{made.pk}"),
        {"version": loaded, "words": "Finish tenth grade by June"} | WITH_THEM,
    )
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["detail"].startswith("Someone else changed this plan while you were working")
    assert body["your_version"] == loaded
    assert body["current_version"] == loaded + 2
    assert body["clashes"] == ["words"]
    assert body["yours"]["words"] == "Finish tenth grade by June"
    changes = {(c["kind"], c["change"], c["title"]) for c in body["changes_since"]}
    assert changes == {
        ("goals", "changed", "Finish school"),
        ("goals", "added", "Learn to drive"),
    }
    changed = next(c for c in body["changes_since"] if c["change"] == "changed")
    assert changed["fields"] == [
        {
            "name": "words",
            "label": "In their words",
            "before": "Finish tenth grade",
            "after": "Finish school",
        }
    ]
    # Nothing saved but the audit entry of showing what changed.
    assert _written()[:-1] == before[:-1]
    assert AuditEntry.objects.order_by("-sequence").first().detail["part"] == "plan_conflict"  # type: ignore[union-attr]


def test_a_change_that_does_not_clash_is_still_409_and_names_no_clash(world: World) -> None:
    made = goal(world, "Finish tenth grade")
    loaded = _v(world)
    task(world, "Get a bus pass", by="sam")
    response = api_as(world, "casey").patch(
        _path(world, f"/goals/{made.pk}"), {"version": loaded, "status": "achieved"} | WITH_THEM
    )
    assert response.status_code == 409
    body = response.json()
    assert body["clashes"] == []
    assert [(c["kind"], c["change"]) for c in body["changes_since"]] == [("tasks", "added")]
    retried = api_as(world, "casey").patch(
        _path(world, f"/goals/{made.pk}"),
        {"version": body["current_version"], "status": "achieved"} | WITH_THEM,
    )
    assert retried.status_code == 200  # nothing lost: sent again on the current version


def test_what_changed_since_is_only_what_the_reader_may_see(world: World) -> None:
    """The 409 body is built for the token's reader: a change to a mental-health goal is
    not in it for someone whose categories do not include mental health."""
    goal(world, "Finish tenth grade")
    loaded = _v(world)
    goal(world, "Stop the nightmares", category="mental_health", by="sam")
    goal(world, "Learn to drive", by="sam")
    with pytest.raises(PlanConflict) as caught:
        add_goal(
            actor=world.actor("casey"),
            case=world.case,
            goal=GoalIn(words="Mine"),
            voice=SurvivorVoice(part="with_survivor"),
            expected_version=loaded,
        )
    from continuum.api.errors import plan_conflict_body

    request = RequestFactory().get("/")
    request.auth = world.actor(with_mentor(world))  # type: ignore[attr-defined]
    body = plan_conflict_body(request, caught.value)
    assert [c["title"] for c in body["changes_since"]] == ["Learn to drive"]
    assert "nightmares" not in str(body)
    request.auth = world.actor("casey")  # type: ignore[attr-defined]
    lead = plan_conflict_body(request, caught.value)
    assert {c["title"] for c in lead["changes_since"]} == {"Learn to drive", "Stop the nightmares"}


# --- tasks ------------------------------------------------------------------------------------


def test_a_task_is_added_changed_and_moved_along_by_its_owner(world: World) -> None:
    release_to_partner(world, {"care_plan"})
    made = goal(world, "Feel safe at school")
    casey = api_as(world, "casey")
    added = casey.post(
        _path(world, "/tasks"),
        {
            "version": _v(world),
            "title": "Talk to the school counsellor",
            "goal_id": str(made.pk),
            "owner_agency_id": world.agencies["partner"].pk,
            "owner_user_id": world.users["drew"].pk,
            "due_on": (TODAY + timedelta(days=10)).isoformat(),
        }
        | WITH_THEM,
    )
    assert added.status_code == 201, added.json()
    body = added.json()
    task_id = body["task"]["id"]
    assert body["task"]["owner_user"]["name"] == "Drew Tester"
    assert body["plan_version"] == _v(world)
    mine = api_as(world, "drew").get("/dashboard/plan-tasks")
    assert mine.status_code == 200
    [item] = mine.json()
    assert item["task_id"] == task_id
    assert item["case_reference"] == world.case.reference
    assert item["goal_words"] == "Feel safe at school"
    moved = api_as(world, "drew").post(_path(world, f"/tasks/{task_id}/status"), {"status": "done"})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["task"]["status"] == "done"
    assert moved.json()["task"]["done_at"] is not None
    assert moved.json()["plan_version"] == _v(world)
    assert api_as(world, "drew").get("/dashboard/plan-tasks").json() == []
    again = api_as(world, "drew").post(_path(world, f"/tasks/{task_id}/status"), {"status": "done"})
    assert again.status_code == 422
    assert again.json() == {"detail": "This task is already “Done”."}
    changed = casey.patch(
        _path(world, f"/tasks/{task_id}"),
        {"version": _v(world), "status": "to_do", "owner_user_id": None} | WITH_THEM,
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["task"]["owner_user"] is None
    assert changed.json()["task"]["title"] == "Talk to the school counsellor"


def test_only_the_owner_moves_a_task_along(world: World) -> None:
    release_to_partner(world, {"care_plan"})
    mina = with_partner_mentor(world)
    made = task(world, "Go to the clinic together", agency="partner", user="drew")
    response = api_as(world, mina).post(
        _path(world, f"/tasks/{made.pk}/status"), {"status": "done"}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "This task belongs to someone else."}
    assert (
        api_as(world, "cole")
        .post(_path(world, f"/tasks/{made.pk}/status"), {"status": "done"})
        .status_code
        == 404
    )


def test_a_partner_without_a_release_cannot_be_given_a_task(world: World) -> None:
    response = api_as(world, "casey").post(
        _path(world, "/tasks"),
        {"version": 0, "title": "Check in weekly", "owner_agency_id": world.agencies["partner"].pk}
        | WITH_THEM,
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Harbor Counseling may not see care plan")
    assert not PlanTask.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"owner_agency_id": 999999},
            "A task goes to the lead agency or an agency on the care team",
        ),
        ({"owner_user_id": 999999}, "That person does not work for that agency."),
        ({"goal_id": "00000000-0000-0000-0000-000000000000"}, "Choose a goal of this plan."),
        ({"due_on": "2101-01-01"}, "Check the year of the date it is due."),
    ],
)
def test_task_rules_are_422_sentences(world: World, change: dict, message: str) -> None:
    body = {"version": 0, "title": "Get a bus pass", "owner_agency_id": world.agencies["lead"].pk}
    client = api_as(world, "casey")
    before = _written()
    response = client.post(_path(world, "/tasks"), body | WITH_THEM | change)
    assert response.status_code == 422, response.json()
    assert response.json()["detail"].startswith(message)
    assert _written() == before


def test_someone_not_named_on_the_team_cannot_own_a_task(world: World) -> None:
    response = api_as(world, "casey").post(
        _path(world, "/tasks"),
        {
            "version": 0,
            "title": "Call her",
            "owner_agency_id": world.agencies["lead"].pk,
            "owner_user_id": world.users["cole"].pk,
        }
        | WITH_THEM,
    )
    assert response.status_code == 422
    assert "is not on the care team" in response.json()["detail"]


# --- services, reviews, settings --------------------------------------------------------------


def test_a_service_is_planned_and_changed(world: World) -> None:
    client = api_as(world, "casey")
    added = client.post(
        _path(world, "/services"),
        {"version": 0, "description": "Counselling", "provider_id": world.agencies["partner"].pk}
        | WITH_THEM,
    )
    assert added.status_code == 201, added.json()
    service_id = added.json()["service"]["id"]
    assert added.json()["service"]["provider"]["name"] == "Harbor Counseling"
    changed = client.patch(
        _path(world, f"/services/{service_id}"),
        {"version": added.json()["plan_version"], "status": "receiving"} | WITH_THEM,
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["service"]["status"] == "receiving"
    assert changed.json()["service"]["description"] == "Counselling"
    unknown = client.post(
        _path(world, "/services"),
        {"version": _v(world), "description": "Tutor", "provider_id": 999999} | WITH_THEM,
    )
    assert unknown.status_code == 422
    assert unknown.json() == {"detail": "Choose a provider from the network's agencies."}


def test_a_review_with_the_survivor_restarts_the_clock(world: World) -> None:
    goal(world)
    client = api_as(world, "casey")
    reviewed_on = (TODAY - timedelta(days=1)).isoformat()
    response = client.post(
        _path(world, "/reviews"),
        {
            "version": _v(world),
            "reviewed_on": reviewed_on,
            "agreement": "agreed_with_changes",
            "survivor_said": "Add driving lessons",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "review"
    assert body["agreement"] == "agreed_with_changes"
    assert body["survivor_said"] == "Add driving lessons"
    assert body["reviewed_on"] == reviewed_on
    assert [g["words"] for g in body["items"]["goals"]] == ["I want to finish 10th grade"]
    plan = client.get(_path(world)).json()
    assert plan["last_reviewed_on"] == reviewed_on
    assert plan["last_review"]["number"] == body["number"]
    assert plan["review_due_on"] == (TODAY - timedelta(days=1) + timedelta(days=30)).isoformat()


def test_a_review_before_the_case_was_opened_is_422(world: World) -> None:
    response = api_as(world, "casey").post(
        _path(world, "/reviews"),
        {"version": 0, "reviewed_on": "2020-01-01", "agreement": "agreed"},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "The review date is before the case was opened."}


def test_the_review_interval(world: World) -> None:
    client = api_as(world, "casey")
    response = client.put(_path(world, "/settings"), {"version": 0, "review_every_days": 45})
    assert response.status_code == 200, response.json()
    assert response.json()["review_every_days"] == 45
    assert response.json()["version"] == 2
    stale = client.put(_path(world, "/settings"), {"version": 1, "review_every_days": 60})
    assert stale.status_code == 409
    assert stale.json()["your_version"] == 1
    assert stale.json()["current_version"] == 2
    assert stale.json()["changes_since"] == []


def test_unreviewed_changes_are_counted(world: World) -> None:
    client = api_as(world, "casey")
    client.post(
        _path(world, "/goals"),
        {"version": 0, "words": "Get my ID", "survivor_part": "to_review"},
    )
    client.post(
        _path(world, "/goals"),
        {"version": _v(world), "words": "Open a bank account", "survivor_part": "to_review"},
    )
    assert client.get(_path(world)).json()["unreviewed_changes"] == 2
    client.post(
        _path(world, "/reviews"),
        {"version": _v(world), "reviewed_on": TODAY.isoformat(), "agreement": "agreed"},
    )
    assert client.get(_path(world)).json()["unreviewed_changes"] == 0


# --- versions ---------------------------------------------------------------------------------


def test_versions_are_listed_shown_and_compared(world: World) -> None:
    made = goal(world, "Finish tenth grade")
    task(world, "Enrol at the learning centre", for_goal=made)
    client = api_as(world, "casey")
    listed = client.get(_path(world, "/versions"))
    assert listed.status_code == 200
    assert [(v["number"], v["summary"]) for v in listed.json()] == [
        (3, "Task added"),
        (2, "Goal added"),
        (1, "Plan started"),
    ]
    assert listed.json()[0]["made_by"]["name"] == "Casey Tester"
    assert listed.json()[0]["survivor_part"] == "with_survivor"
    one = client.get(_path(world, "/versions/2"))
    assert one.status_code == 200
    assert [g["words"] for g in one.json()["items"]["goals"]] == ["Finish tenth grade"]
    assert one.json()["items"]["tasks"] == []
    compared = client.get(_path(world, "/compare"), {"from": 1, "to": 3})
    assert compared.status_code == 200, compared.json()
    body = compared.json()
    assert body["older"]["number"] == 1
    assert body["newer"]["number"] == 3
    assert {(c["kind"], c["change"], c["title"]) for c in body["changes"]} == {
        ("goals", "added", "Finish tenth grade"),
        ("tasks", "added", "Enrol at the learning centre"),
    }
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry is not None
    assert entry.detail == {"part": "plan_versions", "versions": [1, 3]}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": 1}, 422),
        ({"to": 2}, 422),
        ({"from": "one", "to": 2}, 422),
        ({"from": 0, "to": 2}, 422),
        ({"from": 1, "to": 99}, 404),
    ],
)
def test_bad_comparisons(world: World, params: dict, status: int) -> None:
    goal(world)
    assert api_as(world, "casey").get(_path(world, "/compare"), params).status_code == status


def test_a_version_that_does_not_exist_is_404_and_a_bad_number_422(world: World) -> None:
    goal(world)
    client = api_as(world, "casey")
    assert client.get(_path(world, "/versions/99")).status_code == 404
    assert client.get(_path(world, "/versions/0")).status_code == 422
    assert client.get(_path(world, "/versions/two")).status_code == 422


def test_what_the_survivor_said_is_kept_from_a_reader_kept_from_part_of_the_plan(
    world: World,
) -> None:
    goal(world, "Stop the nightmares", category="mental_health")
    api_as(world, "casey").post(
        _path(world, "/reviews"),
        {
            "version": _v(world),
            "reviewed_on": TODAY.isoformat(),
            "agreement": "agreed",
            "survivor_said": "The therapist helps with the flashbacks",
        },
    )
    number = _v(world)
    mentor = api_as(world, with_mentor(world)).get(_path(world, f"/versions/{number}"))
    assert mentor.status_code == 200
    assert mentor.json()["survivor_said"] is None
    assert "flashbacks" not in mentor.content.decode()
    assert mentor.json()["items"]["goals"] == []
    lead = api_as(world, "casey").get(_path(world, f"/versions/{number}")).json()
    assert lead["survivor_said"] == "The therapist helps with the flashbacks"


def test_the_plan_and_its_versions_need_the_care_plan_category(world: World) -> None:
    goal(world)
    drew = api_as(world, "drew")
    plan = drew.get(_path(world))
    assert plan.status_code == 200
    assert plan.json()["shown"] is False
    assert plan.json()["version"] is None
    assert "10th grade" not in plan.content.decode()
    assert drew.get(_path(world, "/versions")).status_code == 404
    assert drew.get(_path(world, "/versions/2")).status_code == 404
    assert drew.get(_path(world, "/compare"), {"from": 1, "to": 2}).status_code == 404


# --- appointments -----------------------------------------------------------------------------


def _when(days: int = 3) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def test_an_appointment_is_recorded_listed_and_changed(world: World) -> None:
    client = api_as(world, "casey")
    added = client.post(
        _appointments(world),
        {
            "kind": "appointment",
            "starts_at": _when(),
            "what": "Dentist check-up",
            "place": "Health clinic, 2nd floor",
            "category": "care_plan",
            "with_agency_id": world.agencies["partner"].pk,
            "accompanied_by_id": world.users["drew"].pk,
        },
    )
    assert added.status_code == 201, added.json()
    body = added.json()
    assert body["category"] == "care_plan"
    assert body["with_agency"]["name"] == "Harbor Counseling"
    assert body["accompanied_by"]["name"] == "Drew Tester"
    assert body["version"] == 1
    listed = client.get(_appointments(world))
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()] == [body["id"]]
    changed = client.patch(_appointments(world, f"/{body['id']}"), {"version": 1, "status": "kept"})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["status"] == "kept"
    assert changed.json()["what"] == "Dentist check-up"  # not sent: kept
    assert changed.json()["version"] == 2


def test_a_court_date_is_legal_data(world: World) -> None:
    response = api_as(world, "casey").post(
        _appointments(world),
        {"kind": "court_date", "starts_at": _when(), "what": "Hearing", "category": "care_plan"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["category"] == "legal"


def test_a_stale_appointment_version_is_409_with_both_versions(world: World) -> None:
    made = appointment(world)
    path = _appointments(world, f"/{made.pk}")
    assert (
        api_as(world, "sam").patch(path, {"version": 1, "status": "cancelled"}).status_code == 200
    )
    response = api_as(world, "casey").patch(path, {"version": 1, "place": "Room 4"})
    assert response.status_code == 409
    body = response.json()
    assert body["your_version"] == 1
    assert body["current_version"] == 2
    assert body["current"]["status"] == "cancelled"
    assert body["yours"] == {"version": 1, "place": "Room 4"}
    made.refresh_from_db()
    assert made.place == "Health clinic"


def test_a_mentor_records_the_appointments_they_may_see(world: World) -> None:
    mentor = api_as(world, with_mentor(world))
    ok = mentor.post(
        _appointments(world),
        {"kind": "meeting", "starts_at": _when(), "what": "Team meeting", "category": "care_plan"},
    )
    assert ok.status_code == 201, ok.json()
    refused = mentor.post(
        _appointments(world),
        {
            "kind": "appointment",
            "starts_at": _when(),
            "what": "Therapy",
            "category": "mental_health",
        },
    )
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Your agency may not see this kind of data for this person."
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_at": "1999-06-01T10:00:00Z"}, "Check the year of the appointment."),
        ({"accompanied_by_id": 999999}, "Whoever goes with them must be on the care team."),
        ({"with_agency_id": 999999}, "Choose an agency of the network."),
    ],
)
def test_appointment_rules_are_422_sentences(world: World, change: dict, message: str) -> None:
    client = api_as(world, "casey")
    before = _written()
    response = client.post(
        _appointments(world),
        {"kind": "appointment", "starts_at": _when(), "what": "X", "category": "care_plan"}
        | change,
    )
    assert response.status_code == 422, response.json()
    assert response.json() == {"detail": message}
    assert _written() == before


# --- privacy: what each reader's answer carries ----------------------------------------------


def _record_plan(world: World) -> None:
    """A plan with a care-plan goal and a mental-health goal, appointments of three kinds of
    data, and a mental-health note."""
    with_mentor(world)
    school = goal(world, "Finish tenth grade and get my permit")
    task(world, "Sign up for driver's ed", for_goal=school)
    therapy = goal(world, "Someone to talk to about the nightmares", category="mental_health")
    task(world, "Book the trauma counsellor", for_goal=therapy)
    appointment(world, "Bus pass pickup at the youth center")
    appointment(world, "Hearing with the juvenile judge", kind="court_date")
    from continuum.plans.actions import AppointmentIn, record_appointment

    record_appointment(
        actor=world.actor("casey"),
        case=world.case,
        details=AppointmentIn(
            kind="appointment",
            starts_at=timezone.now() + timedelta(days=4),
            what="Psychiatrist follow-up",
            category="health",
        ),
    )
    write_note(
        actor=world.actor("casey"),
        case=world.case,
        category="mental_health",
        body="Panic attacks are less frequent.",
    )


def test_a_mentor_sees_the_plan_and_appointments_but_nothing_clinical(world: World) -> None:
    _record_plan(world)
    mentor = api_as(world, "milo")
    plan = mentor.get(_path(world))
    assert plan.status_code == 200
    text = plan.content.decode()
    assert "Finish tenth grade and get my permit" in text
    assert "Sign up for driver's ed" in text
    assert "nightmares" not in text
    assert "trauma counsellor" not in text
    assert plan.json()["items_withheld"] is True
    appointments = mentor.get(_appointments(world))
    assert appointments.status_code == 200
    text = appointments.content.decode()
    assert "Bus pass pickup at the youth center" in text
    assert "Hearing with the juvenile judge" in text  # a mentor goes to court with them
    assert "Psychiatrist" not in text
    notes = mentor.get(f"/cases/{world.case.pk}/notes")
    assert notes.status_code == 200
    assert "Panic attacks" not in notes.content.decode()
    assessment = mentor.get(f"/cases/{world.case.pk}/assessment")
    assert {d["category"] for d in assessment.json()["domains"]} <= {"legal"}
    for path in (_path(world, "/versions/3"), _path(world, "/compare?from=1&to=5")):
        response = mentor.get(path)
        assert response.status_code == 200
        assert "nightmares" not in response.content.decode()
        assert "trauma" not in response.content.decode()
    tasks = mentor.get("/dashboard/plan-tasks")
    assert tasks.status_code == 200
    assert "trauma" not in tasks.content.decode()


def test_a_partner_mentor_sees_the_released_plan_but_nothing_clinical(world: World) -> None:
    """Mina mentors at the partner agency; the survivor released the plan, court matters and
    mental health to it. A mentor's role still never reads mental-health data or needs."""
    _record_plan(world)
    mina = api_as(world, with_partner_mentor(world))
    assert mina.get(_path(world)).json()["shown"] is False  # nothing released yet
    release_to_partner(world, {"care_plan", "legal", "mental_health", "needs"})
    text = mina.get(_path(world)).content.decode()
    assert "Finish tenth grade and get my permit" in text
    assert "nightmares" not in text
    assert "trauma counsellor" not in text
    appointments = mina.get(_appointments(world)).content.decode()
    assert "Bus pass pickup at the youth center" in appointments
    assert "Hearing with the juvenile judge" in appointments
    assert "Psychiatrist" not in appointments
    assert "Panic attacks" not in mina.get(f"/cases/{world.case.pk}/notes").content.decode()
    assessment = mina.get(f"/cases/{world.case.pk}/assessment").json()
    assert {d["category"] for d in assessment["domains"]} <= {"legal"}


def test_a_released_clinician_sees_the_released_kinds_only(world: World) -> None:
    _record_plan(world)
    release_to_partner(world, {"care_plan"})
    drew = api_as(world, "drew")
    plan = drew.get(_path(world))
    text = plan.content.decode()
    assert plan.json()["shown"] is True
    assert "Finish tenth grade and get my permit" in text
    assert "nightmares" not in text  # mental health is not released
    appointments = drew.get(_appointments(world)).content.decode()
    assert "Bus pass pickup" in appointments
    assert "Hearing with the juvenile judge" not in appointments  # legal: not his role's
    assert "Psychiatrist" not in appointments  # health: not released


def test_plan_tasks_are_only_the_kinds_the_reader_may_see(world: World) -> None:
    _record_plan(world)
    before = AuditEntry.objects.count()
    casey = api_as(world, "casey").get("/dashboard/plan-tasks").json()
    assert {t["title"] for t in casey} == {"Sign up for driver's ed", "Book the trauma counsellor"}
    milo = api_as(world, "milo").get("/dashboard/plan-tasks").json()
    assert [t["title"] for t in milo] == ["Sign up for driver's ed"]
    assert [t["goal_words"] for t in milo] == ["Finish tenth grade and get my permit"]
    assert api_as(world, "avery").get("/dashboard/plan-tasks").json() == []
    listed = AuditEntry.objects.filter(action=AuditAction.CASES_LISTED, sequence__gt=before)
    assert listed.exists()


def test_substance_use_items_shown_to_another_agency_carry_the_part2_notice(world: World) -> None:
    release_to_partner(world, {"care_plan", "substance_use"})
    goal(world, "Keep going to group", category="substance_use")
    [shown] = api_as(world, "drew").get(_path(world)).json()["goals"]
    assert shown["redisclosure_notice"].startswith("This record which has been disclosed")
    [lead] = api_as(world, "casey").get(_path(world)).json()["goals"]
    assert lead["redisclosure_notice"] is None


# --- who may change the plan ------------------------------------------------------------------


def test_only_the_lead_team_changes_the_plan(world: World) -> None:
    release_to_partner(world, {"care_plan"})
    made = goal(world)
    for username, status in (("drew", 403), (with_mentor(world), 403), ("cole", 404)):
        client = api_as(world, username)
        add = client.post(_path(world, "/goals"), {"version": _v(world), "words": "X"} | WITH_THEM)
        assert add.status_code == status, (username, add.json())
        change = client.patch(
            _path(world, f"/goals/{made.pk}"), {"version": _v(world), "words": "X"} | WITH_THEM
        )
        assert change.status_code == status
        review = client.post(
            _path(world, "/reviews"),
            {"version": _v(world), "reviewed_on": TODAY.isoformat(), "agreement": "agreed"},
        )
        assert review.status_code == status
    assert Goal.objects.count() == 1


# --- bad input: every write, never a 500, nothing written --------------------------------------


def _writes(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    made = goal(world)
    the_task = task(world)
    the_service = service(world)
    the_appointment = appointment(world)
    v = _v(world)
    lead = world.agencies["lead"].pk
    return [
        ("post", _path(world, "/goals"), {"version": v, "words": "W"} | WITH_THEM),
        ("patch", _path(world, f"/goals/{made.pk}"), {"version": v} | WITH_THEM),
        (
            "post",
            _path(world, "/tasks"),
            {"version": v, "title": "T", "owner_agency_id": lead} | WITH_THEM,
        ),
        ("patch", _path(world, f"/tasks/{the_task.pk}"), {"version": v} | WITH_THEM),
        ("post", _path(world, f"/tasks/{the_task.pk}/status"), {"status": "done"}),
        ("post", _path(world, "/services"), {"version": v, "description": "S"} | WITH_THEM),
        ("patch", _path(world, f"/services/{the_service.pk}"), {"version": v} | WITH_THEM),
        (
            "post",
            _path(world, "/reviews"),
            {"version": v, "reviewed_on": TODAY.isoformat(), "agreement": "agreed"},
        ),
        ("put", _path(world, "/settings"), {"version": v, "review_every_days": 30}),
        (
            "post",
            _appointments(world),
            {"kind": "meeting", "starts_at": _when(), "what": "M", "category": "care_plan"},
        ),
        ("patch", _appointments(world, f"/{the_appointment.pk}"), {"version": 1}),
    ]


def test_every_write_refuses_unknown_fields_and_bad_json(world: World) -> None:
    client = api_as(world, "casey")
    for method, path, valid in _writes(world):
        before = _written()
        response = getattr(client, method)(path, valid | {"colour": "red"})
        assert response.status_code == 422, (method, path, response.json())
        assert [e["type"] for e in response.json()["detail"]] == ["extra_forbidden"]
        for raw, status in (("{oops", 400), ("[]", 422), ("null", 422), ("", 422)):
            response = getattr(client, method)(path, raw=raw)
            assert response.status_code == status, (method, path, raw)
        assert _written() == before


@pytest.mark.parametrize(
    ("index", "field", "bad"),
    [
        (0, "version", "1"),
        (0, "version", -1),
        (0, "version", None),
        (0, "words", ""),
        (0, "words", "w" * 501),
        (0, "words", 7),
        (0, "category", "identity"),
        (0, "category", "notes"),
        (0, "status", "done"),
        (0, "need_ids", ["nope"]),
        (0, "need_ids", "x"),
        (0, "survivor_part", "yes"),
        (0, "survivor_part", None),
        (0, "survivor_said", "s" * 1001),
        (1, "words", None),
        (1, "need_ids", None),
        (2, "title", "t" * 301),
        (2, "owner_agency_id", "1"),
        (2, "owner_agency_id", 0),
        (2, "due_on", "next week"),
        (2, "due_on", 1700000000),
        (2, "status", "finished"),
        (2, "goal_id", 12),
        (3, "owner_agency_id", None),
        (3, "title", None),
        (4, "status", "Done"),
        (4, "status", None),
        (5, "description", "d" * 301),
        (5, "provider_id", "Harbor"),
        (5, "status", "ongoing"),
        (7, "reviewed_on", TOMORROW),
        (7, "reviewed_on", "1899-12-31"),
        (7, "agreement", "maybe"),
        (7, "survivor_said", "s" * 1001),
        (8, "review_every_days", 6),
        (8, "review_every_days", 181),
        (8, "review_every_days", "30"),
        (8, "review_every_days", 30.5),
        (9, "starts_at", "2026-11-28T14:30:00"),
        (9, "starts_at", 1700000000),
        (9, "kind", "party"),
        (9, "what", ""),
        (9, "what", "w" * 201),
        (9, "place", "p" * 201),
        (9, "category", "identity"),
        (9, "status", "maybe"),
        (9, "accompanied_by_id", "drew"),
        (10, "version", 0),
        (10, "starts_at", None),
        (10, "what", None),
    ],
)
def test_bad_values_are_422_and_write_nothing(
    world: World, index: int, field: str, bad: Any
) -> None:
    method, path, valid = _writes(world)[index]
    client = api_as(world, "casey")
    before = _written()
    response = getattr(client, method)(path, valid | {field: bad})
    assert response.status_code == 422, response.json()
    assert any(field in e["loc"] for e in response.json()["detail"]), response.json()
    assert _written() == before


REQUIRED = {
    0: ("version", "words", "survivor_part"),
    1: ("version", "survivor_part"),
    2: ("version", "title", "owner_agency_id", "survivor_part"),
    3: ("version", "survivor_part"),
    4: ("status",),
    5: ("version", "description", "survivor_part"),
    6: ("version", "survivor_part"),
    7: ("version", "reviewed_on", "agreement"),
    8: ("version", "review_every_days"),
    9: ("kind", "starts_at", "what"),
    10: ("version",),
}


def test_required_fields(world: World) -> None:
    client = api_as(world, "casey")
    for index, (method, path, valid) in enumerate(_writes(world)):
        for field in REQUIRED[index]:
            body = {k: v for k, v in valid.items() if k != field}
            response = getattr(client, method)(path, body)
            assert response.status_code == 422, (method, path, field)
            errors = response.json()["detail"]
            assert [(e["loc"][-1], e["type"]) for e in errors] == [(field, "missing")]


def test_a_malformed_id_in_a_path_is_422(world: World) -> None:
    client = api_as(world, "casey")
    assert client.patch(_path(world, "/goals/12"), {"version": 1} | WITH_THEM).status_code == 422
    assert client.post(_path(world, "/tasks/x/status"), {"status": "done"}).status_code == 422
    assert client.patch(_appointments(world, "/x"), {"version": 1}).status_code == 422


# --- findings in the snapshot comparison (see the report: these pass once it is fixed) -------


def test_renaming_a_goal_changes_only_the_goal(world: World) -> None:
    made = goal(world, "Finish tenth grade")
    task(world, "Enrol at the learning centre", for_goal=made)
    response = api_as(world, "casey").patch(
        _path(world, f"/goals/{made.pk}"),
        {"version": _v(world), "words": "Finish school"} | WITH_THEM,
    )
    assert response.status_code == 200
    newest = PlanVersion.objects.order_by("-number").first()
    assert newest is not None
    assert newest.summary == "Goal changed"


def test_a_partner_released_mental_health_sees_its_appointments(world: World) -> None:
    release_to_partner(world, {"mental_health"})
    drew = api_as(world, "drew")
    made = drew.post(
        _appointments(world),
        {
            "kind": "appointment",
            "starts_at": _when(),
            "what": "Therapy",
            "category": "mental_health",
        },
    )
    assert made.status_code == 201, made.json()
    assert [a["id"] for a in drew.get(_appointments(world)).json()] == [made.json()["id"]]


def test_who_may_see_an_appointment_is_always_sent(world: World) -> None:
    """Left to a default, a dentist's appointment would be the care plan's: a mentor's."""
    client = api_as(world, "casey")
    before = _written()
    response = client.post(
        _appointments(world), {"kind": "appointment", "starts_at": _when(), "what": "Dentist"}
    )
    assert response.status_code == 422
    assert "category" in json.dumps(response.json())
    assert _written() == before
