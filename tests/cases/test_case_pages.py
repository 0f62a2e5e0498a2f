"""Opening, changing, closing and reopening cases, and the care team, through the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.cases.actions import add_care_team_member
from continuum.cases.models import CareTeamMember, Case, CaseStatus
from continuum.survivors.actions import SurvivorDetails, create_survivor
from tests.personas import World

pytestmark = pytest.mark.django_db


def _status(world: World, **data: str) -> object:
    return world.client_for("casey").post(
        f"/cases/{world.case.pk}/status/", {"version": str(world.case.version), **data}
    )


def test_close_then_reopen(world: World) -> None:
    assert _status(world, status="closed", closure_reason="goals_met").status_code == 302
    world.case.refresh_from_db()
    assert (world.case.status, world.case.closure_reason) == ("closed", "goals_met")
    assert world.case.closed_on == timezone.localdate()
    assert _status(world, status="open").status_code == 302
    world.case.refresh_from_db()
    assert (world.case.status, world.case.closure_reason, world.case.closed_on) == (
        "open",
        "",
        None,
    )
    summaries = list(world.case.events.values_list("summary", flat=True))
    assert any("Closed" in s and "Goals met" in s for s in summaries)


@pytest.mark.parametrize(
    ("data", "message", "code"),
    [
        ({"status": "closed"}, "Say why the case is closing", 200),
        ({"status": "closed", "closure_reason": "bored"}, "Select a valid choice", 200),
        ({"status": "open"}, "already open", 422),
        ({"status": "archived"}, "Select a valid choice", 200),
        ({}, "Choose the new status", 200),
        ({"status": "inactive", "version": "0"}, "Ensure this value is greater", 200),
        ({"status": "inactive", "version": "7"}, "Someone else changed", 409),
    ],
)
def test_bad_status_changes_are_refused(
    world: World, data: dict[str, str], message: str, code: int
) -> None:
    response = _status(world, **data)
    assert response.status_code == code
    assert message in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.OPEN


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (str(timezone.localdate() + timedelta(days=2)), "in the future"),
        ("yesterday", "Enter a valid date"),
        ("1899-12-31", "before 1900"),
    ],
)
def test_bad_intake_dates_are_refused(world: World, value: str, message: str) -> None:
    before = world.case.report_received_on
    response = world.client_for("casey").post(
        f"/cases/{world.case.pk}/edit/",
        {"report_received_on": value, "version": str(world.case.version)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.report_received_on == before


def test_intake_date_change_is_on_the_timeline(world: World) -> None:
    day = timezone.localdate() - timedelta(days=10)
    response = world.client_for("sam").post(
        f"/cases/{world.case.pk}/edit/",
        {"report_received_on": str(day), "version": str(world.case.version)},
    )
    assert response.status_code == 302
    world.case.refresh_from_db()
    assert world.case.report_received_on == day
    assert world.case.events.filter(summary__startswith="Abuse report intake date").exists()


def test_a_second_open_case_for_the_same_agency_is_refused(world: World) -> None:
    response = world.client_for("casey").post(f"/survivors/{world.survivor.pk}/cases/new/", {})
    assert response.status_code == 200
    assert "already has a case open" in response.content.decode()
    assert Case.objects.filter(survivor=world.survivor).count() == 1


def test_a_screened_person_is_handed_to_a_case_by_the_agency_supervisor(world: World) -> None:
    jordan = world.actor("jordan")
    person = create_survivor(actor=jordan, details=SurvivorDetails(preferred_name="Kai"))
    # Casey (not the creator) cannot see a screener's record before a case exists...
    assert world.client_for("casey").get(f"/survivors/{person.pk}/").status_code == 404
    # ...the screener's own supervisor can, and opens the case,
    sam = world.client_for("sam")
    assert sam.post(f"/survivors/{person.pk}/cases/new/", {}).status_code == 302
    case = Case.objects.get(survivor=person)
    assert case.lead_agency == world.agencies["lead"]
    # and the screener no longer sees it: it belongs to the case's team now.
    assert world.client_for("jordan").get(f"/survivors/{person.pk}/").status_code == 404


def test_a_care_team_agency_cannot_make_itself_lead(world: World) -> None:
    """Found in review: a partner on the team opened its own case, then kept the record
    after being removed from the team. Now refused while another agency leads care."""
    from tests.personas import make_user

    pat, membership = make_user("pat", world.agencies["partner"], Role.CASE_MANAGER)
    world.users["pat"], world.memberships["pat"] = pat, membership
    add_care_team_member(
        actor=world.actor("casey"),
        case=world.case,
        agency=world.agencies["partner"],
        user=pat,
        role="case_manager",
    )
    client = world.client_for("pat")
    response = client.post(f"/survivors/{world.survivor.pk}/cases/new/", {})
    assert response.status_code == 403
    assert "Another agency leads" in response.content.decode()
    assert Case.objects.filter(survivor=world.survivor).count() == 1
    assert client.get(f"/survivors/{world.survivor.pk}/edit/").status_code == 403
    assert "Open a case" not in client.get(f"/survivors/{world.survivor.pk}/").content.decode()


def test_a_new_episode_after_every_case_closed(world: World) -> None:
    """Survivors leave services and come back: when every case is closed, an agency that
    can see the record may open a new one."""
    from continuum.cases.actions import change_case_status

    change_case_status(
        actor=world.actor("casey"),
        case=world.case,
        status=CaseStatus.CLOSED,
        closure_reason="moved",
        expected_version=world.case.version,
    )
    response = world.client_for("sam").post(f"/survivors/{world.survivor.pk}/cases/new/", {})
    assert response.status_code == 302
    assert Case.objects.filter(survivor=world.survivor).count() == 2


def test_care_team_add_and_remove(world: World) -> None:
    client = world.client_for("casey")
    url = f"/cases/{world.case.pk}/team/"
    response = client.post(url, {"agency": world.agencies["other"].pk, "role": "investigator"})
    assert response.status_code == 302
    member = CareTeamMember.objects.get(case=world.case, agency=world.agencies["other"])
    assert member.user is None
    # Morgan (MDT coordinator at that agency) now sees the case; removal ends it at once.
    morgan = world.client_for("morgan")
    assert morgan.get(f"/survivors/{world.survivor.pk}/").status_code == 200
    assert client.post(f"{url}{member.pk}/remove/").status_code == 302
    assert morgan.get(f"/survivors/{world.survivor.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required"),
        ({"agency": "abc", "role": "clinician"}, "Select a valid choice"),
        ({"agency": "999999", "role": "clinician"}, "Select a valid choice"),
        ({"agency": "AGENCY", "role": "wizard"}, "Select a valid choice"),
        ({"agency": "AGENCY", "role": "clinician", "user": "QUINN"}, "Select a valid choice"),
        ({"agency": "AGENCY", "role": "clinician", "user": "DREW"}, "already on the care team"),
    ],
)
def test_bad_care_team_input(world: World, data: dict[str, str], message: str) -> None:
    replace = {
        "AGENCY": str(world.agencies["partner"].pk),
        "QUINN": str(world.users["quinn"].pk),
        "DREW": str(world.users["drew"].pk),
    }
    data = {key: replace.get(value, value) for key, value in data.items()}
    before = CareTeamMember.objects.count()
    response = world.client_for("casey").post(f"/cases/{world.case.pk}/team/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert CareTeamMember.objects.count() == before


def test_the_last_lead_case_manager_cannot_be_removed(world: World) -> None:
    lead = world.case.care_team.get(role="lead_case_manager")
    client = world.client_for("sam")
    response = client.post(f"/cases/{world.case.pk}/team/{lead.pk}/remove/", follow=True)
    assert "Name another lead case manager" in response.content.decode()
    lead.refresh_from_db()
    assert lead.removed_at is None


def test_people_partial_lists_the_agency_staff(world: World) -> None:
    client = world.client_for("casey")
    html = client.get(
        f"/cases/{world.case.pk}/team/people/", {"agency": world.agencies["partner"].pk}
    ).content.decode()
    assert f'value="{world.users["drew"].pk}"' in html
    assert client.get(f"/cases/{world.case.pk}/team/people/", {"agency": "x"}).status_code == 200


def test_dashboard_lists_cases_and_items_due(world: World) -> None:
    html = world.client_for("casey").get("/cases/").content.decode()
    assert world.case.reference in html
    assert "MDT staffing due" in html


def test_the_role_is_never_chosen_for_you(world: World) -> None:
    """Found by a tester: the role used to default to "Lead case manager"."""
    html = world.client_for("casey").get(f"/cases/{world.case.pk}/team/").content.decode()
    assert '<option value="" selected>' in html or '<option value="">— choose —' in html
    response = world.client_for("casey").post(
        f"/cases/{world.case.pk}/team/", {"agency": world.agencies["other"].pk}
    )
    assert response.status_code == 422


@pytest.mark.parametrize("with_user", [False, True])
def test_only_a_named_person_in_the_lead_agency_can_be_lead_case_manager(
    world: World, with_user: bool
) -> None:
    data = {"agency": world.agencies["partner"].pk, "role": "lead_case_manager"}
    if with_user:
        data["user"] = world.users["drew"].pk
    response = world.client_for("casey").post(f"/cases/{world.case.pk}/team/", data)
    assert response.status_code == 422
    assert "named person in the lead agency" in response.content.decode()


def test_intake_date_before_birth_is_refused(world: World) -> None:
    response = world.client_for("casey").post(
        f"/cases/{world.case.pk}/edit/",
        {"report_received_on": "2009-01-01", "version": str(world.case.version)},
    )
    assert response.status_code == 200
    assert "before their date of birth" in response.content.decode()


def test_my_work_keeps_the_capitals_of_an_acronym_in_the_role(world: World) -> None:
    html = world.client_for("morgan").get("/cases/").content.decode()
    assert "as MDT coordinator." in html
    assert "as case manager." in world.client_for("casey").get("/cases/").content.decode()
