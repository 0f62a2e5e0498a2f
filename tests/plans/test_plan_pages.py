"""The care-plan pages, as the people who use them: a case manager writes the plan with the
survivor; another agency's worker finds their task on My work and moves it along; a mentor
reads the plan and the calendar but nothing clinical; two editors never overwrite each
other; the survivor's printed copy holds no notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.audit.models import AuditAction, AuditEntry
from continuum.plans.actions import ServiceIn, SurvivorVoice, add_service
from continuum.plans.models import CarePlan, Goal, PlanTask, PlanVersion
from tests.needs.helpers import appointment, assess, goal, plan_version, session, task
from tests.personas import World, add_person, add_survivors, release_to_partner

pytestmark = pytest.mark.django_db


def _url(world: World, rest: str = "") -> str:
    return f"/plans/cases/{world.case.pk}/{rest}"


def _voice(**extra: str) -> dict[str, str]:
    return {"survivor_part": "with_survivor", "survivor_said": "", **extra}


def test_a_goal_in_their_words_linked_to_the_needs_it_meets(world: World) -> None:
    need = assess(world, "education", words="I want my diploma")
    client = world.client_for("casey")
    form = client.get(_url(world, "goals/new/")).content.decode()
    assert "ESL, GED or other education" in form  # the needs to link
    saved = client.post(
        _url(world, "goals/new/"),
        {
            "words": "Finish 10th grade this year",
            "needs": [str(need.pk)],
            "category": "care_plan",
            "status": "active",
            "version": "0",
            **_voice(survivor_said="Asked to keep mornings free"),
        },
    )
    assert saved.status_code == 302
    made = Goal.objects.get(plan__case=world.case)
    assert made.words == "Finish 10th grade this year"
    assert list(made.needs.all()) == [need]
    version = PlanVersion.objects.filter(plan=made.plan).order_by("-number").first()
    assert version is not None
    assert version.survivor_said == "Asked to keep mornings free"
    page = client.get(_url(world)).content.decode()
    assert "Finish 10th grade this year" in page
    assert "Meets the needs" in page


def test_every_change_asks_how_the_survivor_took_part(world: World) -> None:
    response = world.client_for("casey").post(
        _url(world, "goals/new/"),
        {"words": "Get a job", "category": "care_plan", "status": "active", "version": "0"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "how the survivor took part" in body
    assert "Get a job" in body  # what was typed is kept


def test_a_task_for_another_agency_needs_a_release_and_then_reaches_its_dashboard(
    world: World,
) -> None:
    made = goal(world)
    client = world.client_for("casey")
    data = {
        "title": "Weekly counselling sessions",
        "goal": str(made.pk),
        "owner": f"u:{world.agencies['partner'].pk}:{world.users['drew'].pk}",
        "due_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "status": "to_do",
        "version": str(plan_version(world.case)),
        **_voice(),
    }
    refused = client.post(_url(world, "tasks/new/"), data)
    assert refused.status_code == 422
    assert "may not see care plan" in refused.content.decode()
    release_to_partner(world, {"care_plan"})
    assert client.post(_url(world, "tasks/new/"), data).status_code == 302
    drew = world.client_for("drew")
    work = drew.get("/cases/").content.decode()
    assert "Weekly counselling sessions" in work
    assert 'data-testid="my-plan-tasks"' in work
    made_task = PlanTask.objects.get(plan__case=world.case)
    done = drew.post(
        _url(world, f"tasks/{made_task.pk}/status/"), {"status": "done", "next": "/cases/"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/cases/"
    made_task.refresh_from_db()
    assert made_task.status == "done"
    assert made_task.done_at is not None
    my_work = drew.get("/cases/").content.decode()
    # Gone from the list, and the message says which task, so a wrong click is seen.
    assert "“Weekly counselling sessions” is now: Done." in my_work
    assert (
        'data-testid="my-plan-tasks"' not in my_work
        or "Weekly counselling" not in (my_work.split('data-testid="my-plan-tasks"')[1])
    )
    latest = PlanVersion.objects.filter(plan__case=world.case).order_by("-number").first()
    assert latest is not None
    assert latest.kind == "task_update"


def test_a_task_owner_elsewhere_cannot_change_someone_elses_task(world: World) -> None:
    release_to_partner(world, {"care_plan"})
    lead_task = task(world, "Book the dentist")
    response = world.client_for("drew").post(
        _url(world, f"tasks/{lead_task.pk}/status/"), {"status": "done"}
    )
    assert response.status_code == 403
    assert PlanTask.objects.get(pk=lead_task.pk).status == "to_do"


def test_two_editors_of_one_plan_see_what_changed_and_lose_nothing(world: World) -> None:
    first = goal(world, "Find a part-time job")
    loaded_version = plan_version(world.case)
    goal(world, "Learn to drive", by="sam")  # saved by Sam meanwhile
    response = world.client_for("casey").post(
        _url(world, f"goals/{first.pk}/"),
        {
            "words": "Find a part-time job near school",
            "category": "care_plan",
            "status": "active",
            "version": str(loaded_version),
            **_voice(),
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="changes-since"' in body
    assert "Learn to drive" in body
    assert 'data-testid="no-clash"' in body
    assert "Find a part-time job near school" in body  # still in the form
    now = plan_version(world.case)
    assert f'name="version" value="{now}"' in body
    assert Goal.objects.get(pk=first.pk).words == "Find a part-time job"
    again = world.client_for("casey").post(
        _url(world, f"goals/{first.pk}/"),
        {
            "words": "Find a part-time job near school",
            "category": "care_plan",
            "status": "active",
            "version": str(now),
            **_voice(),
        },
    )
    assert again.status_code == 302
    assert Goal.objects.get(pk=first.pk).words == "Find a part-time job near school"


def test_the_same_goal_changed_by_both_is_named_as_a_clash(world: World) -> None:
    from continuum.plans.actions import GoalIn, change_goal
    from tests.needs.helpers import WITH_THEM

    first = goal(world, "Find a job")
    loaded_version = plan_version(world.case)
    change_goal(
        actor=world.actor("sam"),
        goal=first,
        change=GoalIn(words="Find a job with the county"),
        voice=WITH_THEM,
        expected_version=loaded_version,
    )
    body = (
        world.client_for("casey")
        .post(
            _url(world, f"goals/{first.pk}/"),
            {
                "words": "Find a job at the library",
                "category": "care_plan",
                "status": "active",
                "version": str(loaded_version),
                **_voice(),
            },
        )
        .content.decode()
    )
    assert 'data-testid="clashes"' in body
    assert "In their words" in body


def test_reviewing_the_plan_with_them_restarts_the_clock(world: World) -> None:
    goal(world)
    client = world.client_for("casey")
    response = client.post(
        _url(world, "review/"),
        {
            "reviewed_on": timezone.localdate().isoformat(),
            "agreement": "agreed_with_changes",
            "survivor_said": "Wants Saturday sessions",
            "version": str(plan_version(world.case)),
        },
    )
    assert response.status_code == 302
    plan = CarePlan.objects.get(case=world.case)
    assert plan.last_reviewed_on == timezone.localdate()
    body = client.get(_url(world)).content.decode()
    assert "Wants Saturday sessions" in body
    due = timezone.localdate() + timedelta(days=plan.review_every_days)
    assert due.strftime("%-d %b %Y") in body


def test_an_overdue_review_is_on_my_work(world: World) -> None:
    goal(world)
    CarePlan.objects.filter(case=world.case).update(created_at=timezone.now() - timedelta(days=45))
    body = world.client_for("casey").get("/cases/").content.decode()
    assert "Go through the care plan with them" in body


def test_versions_are_listed_and_compared(world: World) -> None:
    goal(world, "Open a bank account")
    task(world, "Bring a birth certificate")
    client = world.client_for("casey")
    listing = client.get(_url(world, "versions/")).content.decode()
    assert "Goal added" in listing
    assert "Task added" in listing
    compared = client.get(_url(world, "versions/?from=1&to=3")).content.decode()
    assert "Open a bank account" in compared
    assert "Bring a birth certificate" in compared
    assert client.get(_url(world, "versions/?from=1&to=99")).status_code == 422
    assert client.get(_url(world, "versions/?from=abc&to=2")).status_code == 422
    assert "Open a bank account" in client.get(_url(world, "versions/2/")).content.decode()


def test_the_survivors_copy_has_their_plan_and_no_notes(world: World) -> None:
    need = assess(world, "mental_health", words="Nightmares most nights")
    goal(world, "Sleep through the night", needs=(need,), category="mental_health")
    task(world, "Ask the doctor about a referral")
    appointment(world, "Dentist check-up")
    # A bed at a safe house: the paper copy says what, never where.
    add_service(
        actor=world.actor("casey"),
        case=world.case,
        service=ServiceIn(description="A safe-house bed", provider_id=world.agencies["other"].pk),
        voice=SurvivorVoice(part="with_survivor"),
        expected_version=plan_version(world.case),
    )
    body = world.client_for("casey").get(_url(world, "print/")).content.decode()
    copy = body.split('data-testid="survivor-copy"')[1]
    assert "A safe-house bed" in copy
    assert world.agencies["other"].name not in copy
    assert "1-800-962-2873" in copy  # the safety numbers print with it, not only the footer
    assert "My plan" in body
    assert "Sleep through the night" in body
    assert "Ask the doctor about a referral" in body
    assert "Dentist check-up" in body
    assert "Nightmares" not in body
    assert AuditEntry.objects.filter(action=AuditAction.PLAN_PRINTED).count() == 1
    assert world.client_for("drew").get(_url(world, "print/")).status_code == 403


def test_a_mentor_sees_the_plan_and_appointments_but_nothing_clinical(world: World) -> None:
    add_person(world, "mina", "lead", Role.SURVIVOR_MENTOR, on_team_as="survivor_mentor")
    goal(world, "Go back to school")
    goal(world, "Work through the nightmares", category="mental_health")
    appointment(world, "Hearing at the courthouse", kind="court_date")
    appointment(world, "Bus pass pick-up")
    client = world.client_for("mina")
    plan_page = client.get(_url(world)).content.decode()
    assert "Go back to school" in plan_page
    assert "nightmares" not in plan_page
    calendar = client.get(_url(world, "appointments/")).content.decode()
    assert "Hearing at the courthouse" in calendar
    assert "Bus pass pick-up" in calendar


def test_a_mentor_adds_a_court_date_and_it_is_legal_data(world: World) -> None:
    add_person(world, "mina", "lead", Role.SURVIVOR_MENTOR, on_team_as="survivor_mentor")
    client = world.client_for("mina")
    day = timezone.localdate() + timedelta(days=5)
    response = client.post(
        _url(world, "appointments/"),
        {
            "kind": "court_date",
            "what": "Deposition",
            "day": day.isoformat(),
            "at": "09:30",
            "place": "Courthouse, room 4",
            "category": "care_plan",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    from continuum.plans.models import Appointment

    assert Appointment.objects.get(case=world.case).category == "legal"


def test_a_partner_without_a_release_sees_no_plan(world: World) -> None:
    goal(world, "Go back to school")
    appointment(world, "Bus pass pick-up")
    client = world.client_for("drew")
    body = client.get(_url(world)).content.decode()
    assert "not shared with your role or agency" in body
    assert "Go back to school" not in body
    assert "Bus pass" not in client.get(_url(world, "appointments/")).content.decode()


def test_the_plan_page_costs_the_same_for_a_short_and_a_long_plan(world: World) -> None:
    client = world.client_for("casey")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(world)).status_code == 200
        return len(queries)

    made = goal(world)
    task(world, for_goal=made)
    appointment(world)
    small = count()
    for n in range(6):
        more = goal(world, f"Goal {n}")
        task(world, f"Task {n}", for_goal=more)
        appointment(world, f"Appointment {n}")
    assert count() == small


def test_my_plan_tasks_cost_the_same_for_few_and_many_cases(world: World) -> None:
    from continuum.plans.actions import SurvivorVoice, TaskIn, add_task
    from continuum.survivors.actions import ReleaseTerms, record_release

    client = world.client_for("drew")

    def give_drew_tasks(count: int) -> None:
        for survivor in add_survivors(world, count):
            case = survivor.cases.get()
            record_release(
                actor=world.actor("casey"),
                survivor=survivor,
                terms=ReleaseTerms(
                    recipient_agency=world.agencies["partner"],
                    categories=frozenset({"care_plan"}),
                    purpose="Counselling",
                    starts_on=timezone.localdate(),
                    survivor_signed_on=timezone.localdate(),
                    ends_on_event="case_closed",
                    guardian_name="A Guardian",
                    guardian_relationship="parent",
                    guardian_signed_on=timezone.localdate(),
                ),
            )
            add_task(
                actor=world.actor("casey"),
                case=case,
                task=TaskIn(
                    title="See them weekly",
                    owner_agency_id=world.agencies["partner"].pk,
                    owner_user_id=world.users["drew"].pk,
                ),
                voice=SurvivorVoice(part="with_survivor"),
                expected_version=0,
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/cases/")
        assert response.status_code == 200
        return len(queries)

    give_drew_tasks(3)
    small = count()
    give_drew_tasks(9)
    assert count() == small
    assert client.get("/cases/").content.decode().count('name="status" value="done"') == 12


def test_a_session_for_the_assessment_is_not_needed_for_a_plan(world: World) -> None:
    """The plan can be written before or after the assessment: the survivor leads."""
    session(world)
    assert world.client_for("casey").get(_url(world, "goals/new/")).status_code == 200


def _appointment_form(**changes: str) -> dict[str, str]:
    day = timezone.localdate() + timedelta(days=5)
    return {
        "kind": "appointment",
        "what": "Dentist check-up",
        "day": day.isoformat(),
        "at": "15:00",
        "place": "Health clinic, 2nd floor",
        "category": "health",
        "status": "planned",
        **changes,
    }


def test_who_may_see_an_appointment_is_always_chosen(world: World) -> None:
    """Left to a default, a dentist's appointment would be the care plan's: a mentor's."""
    from continuum.plans.models import Appointment

    client = world.client_for("casey")
    form = client.get(_url(world, "appointments/")).content.decode()
    assert '<option value="" selected>Choose…</option>' in form
    refused = client.post(_url(world, "appointments/"), _appointment_form(category=""))
    assert refused.status_code == 422
    assert "Choose who may see it." in refused.content.decode()
    assert "Dentist check-up" in refused.content.decode()  # nothing typed is lost
    assert not Appointment.objects.exists()
    saved = client.post(_url(world, "appointments/"), _appointment_form())
    assert saved.status_code == 302
    listing = client.get(_url(world, "appointments/")).content.decode()
    assert 'data-testid="appointment-kind-of-data">Health<' in listing


def test_a_mentor_is_offered_only_the_kinds_they_may_give(world: World) -> None:
    add_person(world, "mina", "lead", Role.SURVIVOR_MENTOR, on_team_as="survivor_mentor")
    form = world.client_for("mina").get(_url(world, "appointments/")).content.decode()
    offered = form.split('name="category"')[1].split("</select>")[0]
    assert 'value="care_plan"' in offered
    assert 'value="legal"' in offered
    for withheld in ("health", "mental_health", "substance_use"):
        assert f'value="{withheld}"' not in offered


def test_a_time_that_has_passed_is_not_coming_up(world: World) -> None:
    from continuum.plans.models import Appointment

    client = world.client_for("casey")
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    refused = client.post(_url(world, "appointments/"), _appointment_form(day=past))
    assert refused.status_code == 422
    assert "This time has passed" in refused.content.decode()
    kept = client.post(_url(world, "appointments/"), _appointment_form(day=past, status="kept"))
    assert kept.status_code == 302
    assert Appointment.objects.get().status == "kept"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_tasks_date_out_of_range_is_told_at_its_field(world: World, day: str) -> None:
    response = world.client_for("casey").post(
        _url(world, "tasks/new/"),
        {
            "title": "Ask the school about tutoring",
            "owner": f"a:{world.case.lead_agency_id}",
            "due_on": day,
            "status": "to_do",
            "version": str(plan_version(world.case)),
            **_voice(),
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'href="#id_due_on">By: Check the year of the date it is due.' in body
    assert "Ask the school about tutoring" in body
    assert not PlanTask.objects.exists()
