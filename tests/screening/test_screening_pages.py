"""The screening pages as a screener uses them: start, safety first, the questions (skip,
prefer not to say, save and come back, one at a time), finish, the result, the report."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuum.cases.models import CaseTask
from continuum.screening.models import Screening, ScreeningStatus
from tests.personas import World
from tests.screening.helpers import POSSIBLE, answer, bundled, new_person, start, train

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(world: World) -> World:
    for name in ("jordan", "casey", "sam"):
        train(world, name)
    world.agencies["lead"].leads_screened_cases = True
    world.agencies["lead"].save()
    return world


def _start_url(person) -> str:  # type: ignore[no-untyped-def]
    return f"{reverse('screening:start')}?survivor={person.pk}"


def test_the_list_says_who_certified_the_training(trained: World) -> None:
    page = trained.client_for("jordan").get(reverse("screening:list")).content.decode()
    assert "You are trained to screen: recorded by Sam Tester" in page


def test_someone_untrained_is_told_why_they_cannot_screen(world: World) -> None:
    client = world.client_for("jordan")
    assert (
        "Ask your supervisor to record your training"
        in client.get(reverse("screening:list")).content.decode()
    )
    response = client.get(reverse("screening:start"))
    assert response.status_code == 403
    assert "65C-43.001" in response.content.decode()


def test_start_without_a_person_sends_you_to_find_them_first(trained: World) -> None:
    page = trained.client_for("jordan").get(reverse("screening:start")).content.decode()
    assert "Find the person" in page
    assert "?then=screen" in page


def test_adding_someone_new_to_screen_goes_on_to_the_screening(trained: World) -> None:
    client = trained.client_for("jordan")
    response = client.post(
        f"{reverse('survivors:create')}?then=screen",
        {"preferred_name": "Maëlys", "estimated_age": "15", "primary_language": "en"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].startswith(reverse("screening:start") + "?survivor=")


def test_start_form_keeps_what_was_typed_and_explains_problems(trained: World) -> None:
    person = new_person(trained)
    client = trained.client_for("jordan")
    response = client.post(
        _start_url(person),
        {
            "instrument": bundled().pk,
            "setting": "school",
            "indicator_on": "2026-03-08",
            "indicator_at": "02:30",
            "zone": "America/New_York",
            "start_now": "yes",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "clocks went forward" in page  # 2:30 am did not happen that night
    assert 'value="2026-03-08"' in page
    missing = client.post(_start_url(person), {"instrument": bundled().pk}).content.decode()
    assert "Choose where the screening happens." in missing
    assert "Enter the day the first sign was noticed." in missing


def test_a_person_id_that_is_not_an_id_is_not_found(trained: World) -> None:
    client = trained.client_for("jordan")
    assert client.get(f"{reverse('screening:start')}?survivor=x").status_code == 404
    assert client.get(f"{reverse('screening:start')}?survivor={trained.case.pk}").status_code == 404


def _started(world: World, client) -> Screening:  # type: ignore[no-untyped-def]
    person = new_person(world)
    local = timezone.localtime(timezone.now() - timedelta(hours=1))
    response = client.post(
        _start_url(person),
        {
            "instrument": bundled().pk,
            "setting": "school",
            "indicator_on": local.date().isoformat(),
            "indicator_at": local.strftime("%H:%M"),
            "zone": "America/New_York",
            "start_now": "yes",
        },
    )
    screening = Screening.objects.get(survivor=person)
    assert response["Location"] == reverse("screening:safety", args=[screening.pk])
    return screening


def test_safety_first_shows_the_hotline_and_records_the_call(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    url = reverse("screening:safety", args=[screening.pk])
    response = client.post(
        url,
        {
            "version": screening.version,
            "in_immediate_danger": "no",
            "age_years": "15",
            "age_is_estimate": "on",
            "in_state": "yes",
            "suspected_abuse": "yes",
            "immediate_needs": ["shelter"],
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'href="tel:18009622873"' in page
    assert 'data-testid="call-emergency"' not in page  # nobody is in danger now
    assert "tel:911" in page  # but the number is always there, under every safety number
    local = timezone.localtime()
    client.post(
        reverse("screening:record_call", args=[screening.pk]),
        {
            "line": "florida_abuse_hotline",
            "kind": "report_accepted",
            "taken_on": local.date().isoformat(),
            "taken_at": local.strftime("%H:%M"),
        },
    )
    screening.refresh_from_db()
    assert screening.report_made_at is not None
    assert "Report accepted by the hotline" in client.get(url).content.decode()


def test_a_bad_call_is_refused_with_a_message(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    response = client.post(
        reverse("screening:record_call", args=[screening.pk]),
        {"line": "nope", "kind": "called", "taken_on": "x", "taken_at": "y"},
        follow=True,
    )
    assert "The call was not recorded" in response.content.decode()
    assert not screening.actions.exists()


def test_skip_decline_save_and_come_back(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    url = reverse("screening:screen", args=[screening.pk])
    page = client.get(url).content.decode()
    assert "Why we ask" in page
    assert "Prefer not to say" in page
    assert "Skip for now" in page
    assert "Not validated." in page
    response = client.post(
        url,
        {
            "version": screening.version,
            "action": "save",
            "a-stay-left": "yes",
            "a-others-bring": "__declined__",
            "a-police-stopped": "yes",
        },
    )
    assert response.status_code == 302
    screening.refresh_from_db()
    assert json.loads(screening.answers)["others-bring"] == {"declined": True}
    again = client.get(url).content.decode()
    assert 'value="__declined__" checked' in again
    assert 'name="a-stay-left" value="yes" checked' in again
    assert (
        reverse("screening:screen", args=[screening.pk])
        in client.get(reverse("screening:list")).content.decode()
    )


def test_a_second_window_does_not_overwrite_the_first(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    url = reverse("screening:screen", args=[screening.pk])
    loaded = screening.version
    client.post(url, {"version": loaded, "action": "save", "a-stay-left": "yes"})
    response = client.post(url, {"version": loaded, "action": "save", "a-stay-left": "no"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in page
    assert 'name="a-stay-left" value="no" checked' in page  # what they typed is still there
    screening.refresh_from_db()
    assert json.loads(screening.answers)["stay-left"] == {"value": "yes"}


def test_one_question_at_a_time_follows_the_skip_logic(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    url = reverse("screening:screen", args=[screening.pk])
    first = client.get(f"{url}?one=0").content.decode()
    assert "Question 1 of" in first
    # Follow-ups to the exchange question appear only once it is answered yes.
    total_before = int(first.split("Question 1 of ")[1].split()[0])
    answer(trained, screening, {"exchange-sex": POSSIBLE["stay-left"]})
    screening.refresh_from_db()
    after = client.get(f"{url}?one=0").content.decode()
    total_after = int(after.split("Question 1 of ")[1].split()[0])
    # Two questions open up: the exchange follow-up, and how long it has gone on.
    assert total_after == total_before + 2
    response = client.post(
        f"{url}?one=0", {"version": screening.version, "action": "next", "a-stay-left": "no"}
    )
    assert response["Location"] == f"{url}?one=1"
    assert client.get(f"{url}?one=abc").status_code == 200


def test_finish_shows_the_result_and_the_new_case(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    url = reverse("screening:screen", args=[screening.pk])
    response = client.post(
        url,
        {
            "version": screening.version,
            "action": "finish",
            "a-stay-left": "yes",
            "a-police-stopped": "yes",
            "lead_agency": trained.agencies["lead"].pk,
        },
    )
    assert response["Location"] == reverse("screening:result", args=[screening.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Possible concern" in page
    assert "not a finding about what happened" in page
    screening.refresh_from_db()
    assert screening.status == ScreeningStatus.COMPLETED
    assert screening.case is not None
    assert screening.case.reference in page
    assert "In-depth assessment due by" in page
    # Jordan (a screener) cannot see the case itself; the lead agency's team takes it on.
    assert "The lead agency's team sees the result" in page
    sam_page = (
        trained.client_for("sam")
        .get(reverse("survivors:detail", args=[screening.survivor_id]))
        .content.decode()
    )
    assert "In-depth assessment" in sam_page
    assert "Possible concern" in sam_page
    assert CaseTask.objects.filter(case=screening.case).count() == 1
    # A finished screening's form sends you to the result.
    assert client.get(url)["Location"] == reverse("screening:result", args=[screening.pk])


def test_the_result_is_screening_data(trained: World) -> None:
    """Drew's agency is on Ana's care team: it reads the result only with a release that
    covers screening."""
    from tests.personas import release_to_partner

    screening = start(trained, trained.survivor, by="casey")
    answer(trained, screening, POSSIBLE, by="casey")
    from continuum.screening.actions import complete_screening

    complete_screening(
        actor=trained.actor("casey"), screening=screening, expected_version=screening.version
    )
    url = reverse("screening:result", args=[screening.pk])
    drew = trained.client_for("drew")
    assert drew.get(url).status_code == 404
    assert (
        "Possible concern"
        not in drew.get(reverse("survivors:detail", args=[trained.survivor.pk])).content.decode()
    )
    release_to_partner(trained, {"identity", "screening"})
    assert drew.get(url).status_code == 200
    assert trained.client_for("cole").get(url).status_code == 404


def test_the_questionnaire_response_names_no_one(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    answer(trained, screening, POSSIBLE)
    response = client.get(reverse("screening:response_json", args=[screening.pk]))
    assert response["Content-Type"] == "application/fhir+json"
    body = response.content.decode()
    assert "Zoë" not in body
    assert "Ñúñez" not in body
    assert json.loads(body)["resourceType"] == "QuestionnaireResponse"


def test_the_monthly_report_and_its_csv(trained: World) -> None:
    trained.users["jordan"].job_title = "=HYPERLINK(evil)"
    trained.users["jordan"].save()
    screening = start(trained, new_person(trained))
    answer(trained, screening, POSSIBLE)
    from continuum.screening.actions import complete_screening

    complete_screening(
        actor=trained.actor("jordan"), screening=screening, expected_version=screening.version
    )
    client = trained.client_for("sam")
    month = timezone.localdate().isoformat()[:7]
    page = client.get(f"{reverse('screening:report')}?month={month}").content.decode()
    assert "1 young person screened (1 screening finished)." in page
    assert "Possible concern (Continuum indicator screen 1.0.0): 1" in page
    assert "Zoë" not in page
    csv = client.get(f"{reverse('screening:report')}?month={month}&format=csv")
    text = csv.content.decode()
    assert csv["Content-Type"] == "text/csv"
    assert "'=HYPERLINK(evil)" in text  # never a live formula in a spreadsheet
    assert "Jordan Tester" in text
    assert "Zoë" not in text
    bad = client.get(f"{reverse('screening:report')}?month=2026-13")
    assert bad.status_code == 200
    assert "YYYY-MM" in bad.content.decode()
    assert trained.client_for("casey").get(reverse("screening:report")).status_code == 403


def test_my_work_shows_screens_due(trained: World) -> None:
    start(
        trained,
        new_person(trained),
        start_now=False,
        first_indicator_at=timezone.now() - timedelta(hours=30),
    )
    page = trained.client_for("jordan").get(reverse("cases:my_work")).content.decode()
    assert "Screens due" in page
    assert "overdue" in page


def test_marking_the_assessment_done(trained: World) -> None:
    screening = start(trained, trained.survivor, by="casey")
    answer(trained, screening, POSSIBLE, by="casey")
    from continuum.screening.actions import complete_screening

    complete_screening(
        actor=trained.actor("casey"), screening=screening, expected_version=screening.version
    )
    task = CaseTask.objects.get(case=trained.case)
    client = trained.client_for("casey")
    work = client.get(reverse("cases:my_work")).content.decode()
    assert "In-depth assessment" in work
    url = reverse("cases:complete_task", args=[trained.case.pk, task.pk])
    assert client.post(url).status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    again = client.post(url, follow=True).content.decode()
    assert "already closed" in again


def test_a_young_person_screened_twice_in_a_month_counts_once(trained: World) -> None:
    from continuum.screening.actions import complete_screening
    from continuum.screening.queries import monthly_report

    # Casey screens, opens the case as its lead case manager, and screens again later.
    person = new_person(trained, by="casey")
    for _n in range(2):
        screening = start(trained, person, by="casey")
        answer(trained, screening, POSSIBLE, by="casey")
        complete_screening(
            actor=trained.actor("casey"), screening=screening, expected_version=screening.version
        )
    report = monthly_report(trained.actor("sam"), timezone.localdate())
    assert report.youth_screened == 1
    assert len(report.rows) == 2
    assert {row.child for row in report.rows} == {"1"}
    # One assessment to do, not one per screening.
    assert CaseTask.objects.filter(case__survivor=person, status="open").count() == 1


def test_each_page_says_who_is_being_screened(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    for name in ("safety", "screen"):
        page = client.get(reverse(f"screening:{name}", args=[screening.pk])).content.decode()
        assert "Screening Zoë" in page, name
    start(trained, new_person(trained, name="Nayeli"), start_now=False)
    listing = client.get(reverse("screening:list")).content.decode()
    assert "Carry on with Zoë" in listing
    assert "Nayeli" in listing  # waiting to start, named


def test_the_age_already_known_is_not_asked_again(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)  # Zoë, estimated 15
    page = client.get(reverse("screening:safety", args=[screening.pk])).content.decode()
    assert 'name="age_years" value="15"' in page


def test_nothing_answered_is_not_a_result(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    url = reverse("screening:screen", args=[screening.pk])
    response = client.post(
        url,
        {"version": screening.version, "action": "finish", "a-stay-left": "__declined__"},
        follow=True,
    )
    assert "No question has an answer" in response.content.decode()
    screening.refresh_from_db()
    assert screening.status == ScreeningStatus.IN_PROGRESS


def test_a_call_at_a_time_that_did_not_happen_says_so(trained: World) -> None:
    client = trained.client_for("jordan")
    screening = _started(trained, client)
    response = client.post(
        reverse("screening:record_call", args=[screening.pk]),
        {"line": "emergency", "kind": "called", "taken_on": "2026-03-08", "taken_at": "02:30"},
        follow=True,
    )
    assert "clocks went forward" in response.content.decode()


def test_the_footer_shows_the_communitys_numbers(trained: World) -> None:
    from continuum.screening.models import SafetyLine

    SafetyLine.objects.filter(code="florida_abuse_hotline").update(phone="1-800-555-0100")
    page = trained.client_for("casey").get(reverse("cases:my_work")).content.decode()
    assert 'href="tel:18005550100"' in page
    assert "962-2873" not in page


def test_lists_that_name_people_are_audited_as_lists(trained: World) -> None:
    from continuum.audit.models import AuditAction, AuditEntry

    start(trained, new_person(trained, name="Nayeli"), start_now=False)
    trained.client_for("jordan").get(reverse("screening:list"))
    entry = AuditEntry.objects.filter(action=AuditAction.SURVIVORS_LISTED).latest("sequence")
    assert entry.detail == {"screens_due": 1}
    assert "Nayeli" not in str(entry.detail)
