"""/cases and /dashboard: list, open, read, change, status, timeline, care team."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.audit.models import AuditAction
from continuum.cases.models import CareTeamMember, CareTeamRole, Case

from .conftest import client_for, intake_day, make_persona

pytestmark = pytest.mark.django_db


def test_my_cases_is_paginated_and_audited(as_case_manager, case, audit):
    audit.reset()
    response = as_case_manager.get("/cases")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["limit"] == 50
    assert body["offset"] == 0
    [item] = body["items"]
    assert item["id"] == str(case.pk)
    assert item["reference"] == case.reference
    assert item["survivor_display_name"] == "Rosa"
    assert item["lead_agency"]["name"] == "Harbor House"
    assert item["mdt_due_on"] == (intake_day() + timedelta(days=14)).isoformat()
    assert item["closure_reason"] is None
    assert audit.actions() == [AuditAction.CASES_LISTED]
    assert audit.new()[0].detail == {"count": 1}


def test_my_cases_pages(as_supervisor, supervisor_a, case_manager_a):
    from continuum.cases.actions import open_case
    from continuum.survivors.actions import SurvivorDetails, create_survivor

    for name in ["One", "Two", "Three"]:
        person = create_survivor(
            actor=case_manager_a.actor, details=SurvivorDetails(preferred_name=name)
        )
        open_case(actor=supervisor_a.actor, survivor=person, report_received_on=None)
    first = as_supervisor.get("/cases", {"limit": 2}).json()
    second = as_supervisor.get("/cases", {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    ids = {i["id"] for i in first["items"]} | {i["id"] for i in second["items"]}
    assert len(ids) == 3


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}]
)
def test_my_cases_refuses_bad_paging(as_case_manager, params):
    assert as_case_manager.get("/cases", params).status_code == 422


def test_open_case(as_case_manager, survivor, audit):
    audit.reset()
    response = as_case_manager.post(
        "/cases", {"survivor_id": str(survivor.pk), "report_received_on": "2026-01-02"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get()
    assert body["id"] == str(case.pk)
    assert body["status"] == "open"
    assert body["report_received_on"] == "2026-01-02"
    assert body["version"] == 1
    [lead] = body["care_team"]
    assert lead["role"] == "lead_case_manager"
    assert lead["user"]["name"] == "Casey Example"
    assert AuditAction.CASE_OPENED in audit.actions()
    assert AuditAction.CARE_TEAM_ADDED in audit.actions()


def test_open_second_case_is_422(as_case_manager, survivor, case):
    response = as_case_manager.post("/cases", {"survivor_id": str(survivor.pk)})
    assert response.status_code == 422
    assert response.json() == {"detail": "Your agency already has a case open for this person."}


def test_open_case_for_hidden_survivor_is_404(as_supervisor_b, survivor):
    response = as_supervisor_b.post("/cases", {"survivor_id": str(survivor.pk)})
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_screener_may_not_open_a_case(as_screener, screener_a):
    from continuum.survivors.actions import SurvivorDetails, create_survivor

    person = create_survivor(actor=screener_a.actor, details=SurvivorDetails(preferred_name="K"))
    response = as_screener.post("/cases", {"survivor_id": str(person.pk)})
    assert response.status_code == 403


def test_get_case_with_team_is_audited(as_case_manager, case, audit):
    audit.reset()
    response = as_case_manager.get(f"/cases/{case.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(case.pk)
    assert [m["role"] for m in body["care_team"]] == ["lead_case_manager"]
    assert body["past_care_team"] == []
    assert audit.actions() == [AuditAction.CASE_VIEWED]
    assert audit.new()[0].case_id == case.pk


def test_token_is_scoped_to_one_agency(case_manager_a, agency_b, case, case_b):
    """The same person in two agencies: a token for A does not see B's case, and the
    other way round."""
    in_b = make_persona(case_manager_a.user.username, agency_b, Role.SUPERVISOR)
    as_a = client_for(case_manager_a)
    as_b = client_for(in_b)
    assert as_a.get(f"/cases/{case.pk}").status_code == 200
    assert as_a.get(f"/cases/{case_b.pk}").status_code == 404
    assert as_a.get(f"/cases/{case_b.pk}").json() == {"detail": "Not found"}
    assert as_b.get(f"/cases/{case_b.pk}").status_code == 200
    assert as_b.get(f"/cases/{case.pk}").status_code == 404
    assert [i["id"] for i in as_a.get("/cases").json()["items"]] == [str(case.pk)]


def test_hidden_case_attempt_is_audited(as_supervisor_b, case, audit):
    audit.reset()
    assert as_supervisor_b.get(f"/cases/{case.pk}").status_code == 404
    assert audit.actions() == [AuditAction.ACCESS_DENIED]


def test_patch_case(as_case_manager, case, audit):
    audit.reset()
    response = as_case_manager.patch(
        f"/cases/{case.pk}", {"version": 1, "report_received_on": "2026-01-06"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["report_received_on"] == "2026-01-06"
    assert body["version"] == 2
    assert audit.actions() == [AuditAction.CASE_UPDATED]


def test_patch_case_stale_version_is_409(as_case_manager, case):
    as_case_manager.patch(f"/cases/{case.pk}", {"version": 1, "report_received_on": "2026-01-06"})
    response = as_case_manager.patch(
        f"/cases/{case.pk}", {"version": 1, "report_received_on": "2026-01-07"}
    )
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.report_received_on == date(2026, 1, 6)


def test_patch_case_by_other_agency_is_404(as_supervisor_b, case):
    response = as_supervisor_b.patch(
        f"/cases/{case.pk}", {"version": 1, "report_received_on": None}
    )
    assert response.status_code == 404


def test_care_team_agency_may_see_but_not_change(
    as_case_manager, case, supervisor_b, as_supervisor_b
):
    as_case_manager.post(
        f"/cases/{case.pk}/care-team",
        {"agency_id": supervisor_b.membership.agency_id, "role": "clinician"},
    )
    assert as_supervisor_b.get(f"/cases/{case.pk}").status_code == 200
    response = as_supervisor_b.patch(
        f"/cases/{case.pk}", {"version": 1, "report_received_on": None}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the lead agency can change this case."}


def test_close_and_reopen(as_case_manager, case, audit):
    audit.reset()
    closed = as_case_manager.post(
        f"/cases/{case.pk}/status",
        {"version": 1, "status": "closed", "closure_reason": "goals_met"},
    )
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"
    assert closed.json()["closure_reason"] == "goals_met"
    assert closed.json()["closed_on"] == timezone.localdate().isoformat()
    reopened = as_case_manager.post(f"/cases/{case.pk}/status", {"version": 2, "status": "open"})
    assert reopened.status_code == 200, reopened.json()
    assert reopened.json()["closure_reason"] is None
    assert audit.actions() == [AuditAction.CASE_STATUS_CHANGED] * 2


def test_status_rules_are_422(as_case_manager, case):
    same = as_case_manager.post(f"/cases/{case.pk}/status", {"version": 1, "status": "open"})
    assert same.status_code == 422
    assert same.json() == {"detail": "The case is already open."}
    no_reason = as_case_manager.post(f"/cases/{case.pk}/status", {"version": 1, "status": "closed"})
    assert no_reason.status_code == 422
    assert no_reason.json() == {"detail": "Say why the case is closing."}


def test_status_stale_version_is_409(as_case_manager, case):
    as_case_manager.post(f"/cases/{case.pk}/status", {"version": 1, "status": "inactive"})
    response = as_case_manager.post(f"/cases/{case.pk}/status", {"version": 1, "status": "open"})
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == "inactive"


def test_timeline_is_audited(as_case_manager, case, audit):
    audit.reset()
    response = as_case_manager.get(f"/cases/{case.pk}/timeline")
    assert response.status_code == 200
    events = response.json()
    assert [e["kind"] for e in events] == ["team_member_added", "case_opened"]
    assert events[1]["by_agency"]["name"] == "Harbor House"
    assert events[1]["summary"] == "Case opened by Harbor House"
    assert audit.actions() == [AuditAction.CASE_VIEWED]


def test_timeline_of_hidden_case_is_404(as_supervisor_b, case):
    assert as_supervisor_b.get(f"/cases/{case.pk}/timeline").status_code == 404


def test_add_and_remove_care_team_member(as_case_manager, case, clinician_b, audit):
    audit.reset()
    added = as_case_manager.post(
        f"/cases/{case.pk}/care-team",
        {
            "agency_id": clinician_b.membership.agency_id,
            "user_id": clinician_b.user.pk,
            "role": "clinician",
        },
    )
    assert added.status_code == 201, added.json()
    member = added.json()
    assert member["agency"]["name"] == "Bayside Clinic"
    assert member["user"] == {"id": clinician_b.user.pk, "name": "Cleo Example"}
    assert member["removed_at"] is None
    # The clinician now sees the case through their own token.
    as_clinician = client_for(clinician_b)
    assert as_clinician.get(f"/cases/{case.pk}").status_code == 200

    removed = as_case_manager.delete(f"/cases/{case.pk}/care-team/{member['id']}")
    assert removed.status_code == 200, removed.json()
    assert removed.json()["removed_at"] is not None
    assert as_clinician.get(f"/cases/{case.pk}").status_code == 404
    assert audit.actions()[:1] == [AuditAction.CARE_TEAM_ADDED]
    assert AuditAction.CARE_TEAM_REMOVED in audit.actions()

    again = as_case_manager.delete(f"/cases/{case.pk}/care-team/{member['id']}")
    assert again.status_code == 422


def test_add_person_not_in_agency_is_422(as_case_manager, case, clinician_b, agency_a):
    response = as_case_manager.post(
        f"/cases/{case.pk}/care-team",
        {"agency_id": agency_a.pk, "user_id": clinician_b.user.pk, "role": "clinician"},
    )
    assert response.status_code == 422
    unknown = as_case_manager.post(
        f"/cases/{case.pk}/care-team",
        {"agency_id": agency_a.pk, "user_id": 999999, "role": "clinician"},
    )
    assert unknown.status_code == 422
    assert unknown.json() == response.json()


def test_add_unknown_agency_is_422(as_case_manager, case):
    response = as_case_manager.post(
        f"/cases/{case.pk}/care-team", {"agency_id": 999999, "role": "clinician"}
    )
    assert response.status_code == 422


def test_remove_last_lead_case_manager_is_422(as_case_manager, case):
    lead = CareTeamMember.objects.get(case=case, role=CareTeamRole.LEAD_CASE_MANAGER)
    response = as_case_manager.delete(f"/cases/{case.pk}/care-team/{lead.pk}")
    assert response.status_code == 422
    assert "lead case manager" in response.json()["detail"]


def test_remove_member_of_another_case_is_404(as_supervisor_b, case, case_b):
    lead = CareTeamMember.objects.get(case=case, role=CareTeamRole.LEAD_CASE_MANAGER)
    response = as_supervisor_b.delete(f"/cases/{case_b.pk}/care-team/{lead.pk}")
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.removed_at is None


def test_care_team_changes_by_other_agency_are_404(as_supervisor_b, case, agency_b):
    response = as_supervisor_b.post(
        f"/cases/{case.pk}/care-team", {"agency_id": agency_b.pk, "role": "clinician"}
    )
    assert response.status_code == 404
    assert CareTeamMember.objects.filter(case=case).count() == 1


def test_dashboard(as_case_manager, case, audit):
    audit.reset()
    response = as_case_manager.get("/dashboard")
    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body["cases"]] == [str(case.pk)]
    [item] = body["items_due"]
    assert item["case_id"] == str(case.pk)
    assert item["label"] == "MDT staffing due"
    assert item["due_on"] == (intake_day() + timedelta(days=14)).isoformat()
    assert item["overdue"] is False
    assert audit.actions() == [AuditAction.CASES_LISTED]


def test_analyst_sees_no_cases(as_analyst, case):
    assert as_analyst.get("/cases").json()["items"] == []
    assert as_analyst.get("/dashboard").json() == {"cases": [], "items_due": []}
    assert as_analyst.get(f"/cases/{case.pk}").status_code == 404
