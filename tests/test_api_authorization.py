"""Every API route, with every persona's token: allowed or refused, as the policy says.

The routes come from the API itself (tests/api/test_openapi.py's walk), so a route added
without an entry in EXPECTED fails `test_every_api_route_has_an_expectation`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from continuum.api.tokens import create_token
from tests.api.test_openapi import served_operations
from tests.api.world_api import current_plan_version, plan_path_ids
from tests.exports.helpers import PURPOSE, export_id_for
from tests.mdt.helpers import mdt_path_ids
from tests.personas import PERSONAS, World, release_to_partner
from tests.protocols.helpers import protocol_path_ids

ANON = "anonymous"


@dataclass(frozen=True)
class Expect:
    status: dict[str, int]
    default: int
    body: Callable[[World], dict[str, Any]] | None = None
    # A multipart body (a file upload) instead of JSON.
    upload: Callable[[World], dict[str, Any]] | None = None
    # A query string for the path (after the path's ids are made).
    query: Callable[[World], str] | None = None


def _release_body(world: World) -> dict[str, Any]:
    today = str(timezone.localdate())
    return {
        "recipient_agency_id": world.agencies["partner"].pk,
        "categories": ["identity"],
        "purpose": "counselling",
        "starts_on": today,
        "ends_on_event": "case_closed",
        "survivor_signed_on": today,
        "guardian_name": "Rosa Pérez",
        "guardian_relationship": "parent",
        "guardian_signed_on": today,
    }


def _signed_form_upload(world: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.survivors.files import plain_pdf

    return {"file": SimpleUploadedFile("form.pdf", plain_pdf(), "application/pdf")}


def _a_release(world: World, *, signed: bool = False) -> str:
    from continuum.survivors.actions import attach_signed_form

    release = release_to_partner(world, {"identity"})
    if signed:
        from tests.survivors.files import plain_pdf

        attach_signed_form(actor=world.actor("casey"), release=release, data=plain_pdf())
    return str(release.pk)


def _member(world: World) -> int:
    return world.case.care_team.get(user=world.users["drew"]).pk


def _train(world: World, *usernames: str) -> None:
    today = timezone.localdate()
    for username in usernames:
        membership = world.memberships[username]
        membership.screening_certified_on = today
        membership.screening_certified_until = today + timedelta(days=365)
        membership.save()


def _instrument_id(world: World) -> int:
    from continuum.screening.models import Instrument

    return Instrument.objects.filter(bundled=True).values_list("pk", flat=True)[0]


def _screening_start(world: World) -> dict[str, Any]:
    """Casey and Jordan are trained; Casey may screen Ana, Jordan may not see her."""
    _train(world, "casey", "jordan")
    return {
        "survivor_id": str(world.survivor.pk),
        "instrument_id": _instrument_id(world),
        "setting": "school",
        "first_indicator_at": (timezone.now() - timedelta(hours=2)).isoformat(),
    }


def _screening_id(world: World) -> str:
    """Casey (trained) has started screening Ana."""
    from continuum.screening.actions import start_screening
    from continuum.screening.models import Instrument

    _train(world, "casey")
    screening = start_screening(
        actor=world.actor("casey"),
        survivor=world.survivor,
        instrument=Instrument.objects.get(pk=_instrument_id(world)),
        setting="school",
        first_indicator_at=timezone.now() - timedelta(hours=2),
    )
    world.extra["screening"] = screening
    return str(screening.pk)


def _screening_version(world: World) -> dict[str, Any]:
    return {"version": world.extra["screening"].version}  # type: ignore[attr-defined]


def _answered_version(world: World) -> dict[str, Any]:
    """One answer saved first: a screening with nothing answered cannot be finished."""
    from continuum.screening.actions import save_answers
    from continuum.screening.answers import Answer

    screening = world.extra["screening"]
    save_answers(
        actor=world.actor("casey"),
        screening=screening,  # type: ignore[arg-type]
        answers={"stay-left": Answer(value="no")},
        expected_version=screening.version,  # type: ignore[attr-defined]
    )
    return _screening_version(world)


def _questionnaire_response(world: World) -> dict[str, Any]:
    instrument = world.extra["screening"].instrument  # type: ignore[attr-defined]
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{instrument.url}|{instrument.version}",
        "status": "in-progress",
    }


def _community_questionnaire(world: World) -> dict[str, Any]:
    path = Path(__file__).parent / "screening" / "fixtures" / "community-screen.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _plan_change(world: World, **fields: Any) -> dict[str, Any]:
    return {"version": current_plan_version(world), "survivor_part": "with_survivor", **fields}


def _compare_query(world: World) -> str:
    """A plan with two versions to compare (Casey adds its first goal)."""
    from tests.needs.helpers import goal

    goal(world)
    return "from=1&to=2"


def _session_body(world: World) -> dict[str, Any]:
    return {
        "held_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "place": "office",
        "participants": ["survivor"],
        "safety_check": "safe_now",
    }


def _protocol_expectations() -> dict[tuple[str, str], Expect]:
    from tests.protocols.helpers import STEPS

    outside = {"quinn": 404, "morgan": 404}
    base = "/api/v1/protocols/{protocol_id}"
    today = lambda: str(timezone.localdate())  # noqa: E731

    def settings(world: World) -> dict[str, Any]:
        from tests.protocols.helpers import community

        return {"version": community(world).version, "plan_review_days": 45}

    def signature(world: World) -> dict[str, Any]:
        return {
            "agency_id": world.agencies["lead"].pk,
            "signer_name": "Dana",
            "signer_title": "Director",
            "signed_on": today(),
        }

    return {
        ("get", "/api/v1/protocols/current"): Expect(outside, 200),
        ("put", base): Expect(outside, 403, settings),
        ("get", f"{base}/versions"): Expect(outside, 200),
        ("post", f"{base}/members"): Expect(
            outside, 403, lambda w: {"agency_id": w.agencies["partner"].pk}
        ),
        ("delete", f"{base}/members/{{agency_id}}"): Expect(outside, 403),
        ("post", f"{base}/holidays"): Expect(
            outside, 403, lambda w: {"day": "2026-11-26", "name": "Thanksgiving"}
        ),
        ("delete", f"{base}/holidays/{{holiday_id}}"): Expect(outside, 403),
        ("post", f"{base}/training"): Expect(
            outside, 403, lambda w: {"role": "case_manager", "course": "CSE 101"}
        ),
        ("delete", f"{base}/training/{{requirement_id}}"): Expect(outside, 403),
        ("get", f"{base}/mous"): Expect(outside, 200),
        ("post", f"{base}/mous"): Expect(
            outside,
            403,
            lambda w: {"title": "MOU", "expires_on": str(timezone.localdate() + timedelta(days=9))},
        ),
        ("post", f"{base}/mous/{{mou_id}}/send"): Expect(outside, 403),
        ("post", f"{base}/mous/{{mou_id}}/signatures"): Expect(outside, 403, signature),
        ("post", f"{base}/mous/{{mou_id}}/in-force"): Expect(
            outside, 403, lambda w: {"effective_from": today()}
        ),
        ("get", f"{base}/conflicts"): Expect({**outside, "sam": 200}, 403),
        ("post", f"{base}/conflicts"): Expect(
            {**outside, "sam": 201},
            403,
            lambda w: {"with_agency_ids": [w.agencies["partner"].pk], "summary": "Late answers."},
        ),
        ("post", f"{base}/conflicts/{{conflict_id}}/steps"): Expect(
            {**outside, "sam": 201},
            403,
            lambda w: {"step": STEPS.splitlines()[0], "taken_on": today()},
        ),
        ("post", f"{base}/conflicts/{{conflict_id}}/resolve"): Expect(
            {**outside, "sam": 200}, 403, lambda w: {"outcome": "Agreed.", "resolved_on": today()}
        ),
    }


def _directory_path(world: World, template: str) -> str:
    """A /directory route's path with its ids filled in (a service and a confidential
    location kept by Harbor, the partner agency); other routes are left as they are."""
    if not template.startswith("/api/v1/directory/"):
        return template
    from tests.directory.factories import make_location, make_organization, make_service

    keeper = make_organization(name="Harbor listing", agency=world.agencies["partner"])
    service = make_service(organization=keeper)
    location = make_location(organization=keeper, confidential=True, postal_code="32601")
    return template.replace("{service_id}", str(service.pk)).replace(
        "{location_id}", str(location.pk)
    )


def _directory_expectations() -> dict[tuple[str, str], Expect]:
    """The directory (tests/directory): any token finds and reads services; only an agency
    admin of the agency that keeps a listing (no persona here: see
    tests/directory/test_directory_api.py) changes it, so every persona is refused."""
    base = "/api/v1/directory"
    capacity = {"unit": "beds", "available": 1, "maximum": 2, "version": None}
    return {
        ("get", f"{base}/services"): Expect({}, 200),
        ("get", f"{base}/services/{{service_id}}"): Expect({}, 200),
        ("get", f"{base}/organization"): Expect({}, 403),
        ("post", f"{base}/organization"): Expect(
            {}, 403, lambda w: {"name": "Ours", "description": "What we do."}
        ),
        ("patch", f"{base}/organization"): Expect({}, 403, lambda w: {"version": 1}),
        ("post", f"{base}/services"): Expect({}, 403, lambda w: {"name": "Youth shelter"}),
        ("patch", f"{base}/services/{{service_id}}"): Expect(
            {}, 403, lambda w: {"version": 1, "name": "Renamed"}
        ),
        ("put", f"{base}/services/{{service_id}}/capacity"): Expect({}, 403, lambda w: capacity),
        ("post", f"{base}/services/{{service_id}}/still-true"): Expect(
            {}, 403, lambda w: {"version": 1}
        ),
        ("post", f"{base}/locations"): Expect({}, 403, lambda w: {"name": "A house"}),
        ("patch", f"{base}/locations/{{location_id}}"): Expect(
            {}, 403, lambda w: {"version": 1, "name": "Renamed"}
        ),
    }


CREATORS = dict.fromkeys(("casey", "sam", "cole", "quinn", "jordan"), 201)
LEAD = {"casey": 200, "sam": 200, "drew": 403}
ON_CASE = {"casey": 200, "sam": 200, "drew": 200}
# Roles that screen (with training) see the instruments; network admins manage them.
SCREENERS = dict.fromkeys(("casey", "sam", "cole", "quinn", "jordan"), 200)
# Casey's screening of Ana: read by Casey and by Sam (the lead agency's supervisor, who holds
# the screening category); Drew's agency has no release of screening results. Only Casey,
# who is screening, writes it; Sam sees it, so Sam is refused (403), not told it is absent.
SCREENING_READ = {"casey": 200, "sam": 200}
SCREENING_WRITE = {"casey": 200, "sam": 403}
# Needs and the care plan: Drew's agency has no release in this world, so he is on the case
# but reads none of its needs or plan (404 for those reads and for changing one of their items)
# and may not add to them (403). Only the lead agency's team writes the plan and sessions.
LEAD_READS = {"casey": 200, "sam": 200}
LEAD_ADDS = {"casey": 201, "sam": 201, "drew": 403}

EXPECTED: dict[tuple[str, str], Expect] = {
    ("get", "/api/v1/me"): Expect({}, 200),
    ("get", "/api/v1/dashboard"): Expect({}, 200),
    ("get", "/api/v1/cases"): Expect({}, 200),
    ("post", "/api/v1/survivors/search"): Expect({"avery": 403}, 200, lambda w: {"q": "ana"}),
    ("post", "/api/v1/survivors"): Expect(CREATORS, 403, lambda w: {"preferred_name": "Kai"}),
    ("get", "/api/v1/survivors/{survivor_id}"): Expect(ON_CASE, 404),
    ("patch", "/api/v1/survivors/{survivor_id}"): Expect(
        LEAD, 404, lambda w: {"version": w.survivor.version, "pronouns": "they/them"}
    ),
    ("get", "/api/v1/survivors/{survivor_id}/cases"): Expect(ON_CASE, 404),
    # Releases are the lead agency's (its case managers and supervisors).
    ("get", "/api/v1/survivors/{survivor_id}/releases"): Expect(LEAD, 404),
    ("post", "/api/v1/survivors/{survivor_id}/releases"): Expect(
        {"casey": 201, "sam": 201, "drew": 403}, 404, lambda w: _release_body(w)
    ),
    ("post", "/api/v1/survivors/{survivor_id}/releases/{release_id}/revoke"): Expect(LEAD, 404),
    # Signed forms: uploaded and downloaded by the agency that recorded the release.
    ("post", "/api/v1/survivors/{survivor_id}/releases/{release_id}/signed-form"): Expect(
        {"casey": 201, "sam": 201, "drew": 403}, 404, upload=_signed_form_upload
    ),
    ("get", "/api/v1/survivors/{survivor_id}/releases/{release_id}/signed-form"): Expect(LEAD, 404),
    # Casey's agency already leads an open case for this survivor: a rule, not a refusal.
    ("post", "/api/v1/cases"): Expect(
        {"casey": 422, "sam": 422, "drew": 403},
        404,
        lambda w: {"survivor_id": str(w.survivor.pk), "report_received_on": None},
    ),
    ("get", "/api/v1/cases/{case_id}"): Expect(ON_CASE, 404),
    ("patch", "/api/v1/cases/{case_id}"): Expect(
        LEAD,
        404,
        lambda w: {"version": w.case.version, "report_received_on": str(timezone.localdate())},
    ),
    ("post", "/api/v1/cases/{case_id}/status"): Expect(
        LEAD, 404, lambda w: {"version": w.case.version, "status": "inactive"}
    ),
    ("get", "/api/v1/cases/{case_id}/timeline"): Expect(ON_CASE, 404),
    ("get", "/api/v1/cases/{case_id}/notes"): Expect(ON_CASE, 404),
    ("post", "/api/v1/cases/{case_id}/notes"): Expect(
        {"casey": 201, "sam": 201, "drew": 201},
        404,
        lambda w: {"category": "health", "body": "Saw the nurse about her asthma."},
    ),
    ("post", "/api/v1/cases/{case_id}/care-team"): Expect(
        {"casey": 201, "sam": 201, "drew": 403},
        404,
        lambda w: {"agency_id": w.agencies["other"].pk, "role": "investigator"},
    ),
    ("delete", "/api/v1/cases/{case_id}/care-team/{member_id}"): Expect(LEAD, 404),
    # Exports: the lead agency's case managers and supervisors ask; a supervisor of that agency
    # who did not ask decides; only whoever asked (Casey) downloads.
    ("post", "/api/v1/exports"): Expect(
        {"casey": 201, "sam": 201, "drew": 403},
        404,
        lambda w: {"survivor_id": str(w.survivor.pk), "purpose": PURPOSE},
    ),
    ("get", "/api/v1/exports"): Expect({}, 200),
    ("get", "/api/v1/exports/pending"): Expect({"sam": 200}, 403),
    ("get", "/api/v1/exports/{export_id}"): Expect({"casey": 200, "sam": 200}, 404),
    ("post", "/api/v1/exports/{export_id}/approve"): Expect({"sam": 200, "casey": 403}, 404),
    ("post", "/api/v1/exports/{export_id}/refuse"): Expect(
        {"sam": 200, "casey": 403}, 404, lambda w: {"reason": "No release covers this purpose."}
    ),
    ("get", "/api/v1/exports/{export_id}/download"): Expect({"casey": 200, "sam": 403}, 404),
    # Screening. Instruments: people who screen; importing: network admins only.
    ("get", "/api/v1/screening/instruments"): Expect(SCREENERS, 403),
    ("get", "/api/v1/screening/instruments/{instrument_id}"): Expect(SCREENERS, 403),
    ("post", "/api/v1/screening/instruments"): Expect({}, 403, _community_questionnaire),
    ("get", "/api/v1/screening/safety-lines"): Expect({}, 200),
    # Only the trained may start one (Casey; Jordan is trained but cannot see Ana).
    ("post", "/api/v1/screening/screenings"): Expect(
        {"casey": 201, "jordan": 404}, 403, _screening_start
    ),
    ("get", "/api/v1/screening/screenings/{screening_id}"): Expect(SCREENING_READ, 404),
    ("get", "/api/v1/screening/screenings/{screening_id}/questionnaire-response"): Expect(
        SCREENING_READ, 404
    ),
    ("put", "/api/v1/screening/screenings/{screening_id}/answers"): Expect(
        SCREENING_WRITE, 404, lambda w: {**_screening_version(w), "answers": {}}
    ),
    ("post", "/api/v1/screening/screenings/{screening_id}/questionnaire-response"): Expect(
        SCREENING_WRITE,
        404,
        _questionnaire_response,
        query=lambda w: f"version={_screening_version(w)['version']}",
    ),
    ("put", "/api/v1/screening/screenings/{screening_id}/safety"): Expect(
        SCREENING_WRITE, 404, lambda w: {**_screening_version(w), "age_years": 15}
    ),
    ("post", "/api/v1/screening/screenings/{screening_id}/calls"): Expect(
        {"casey": 201, "sam": 403},
        404,
        lambda w: {
            "line": "florida_abuse_hotline",
            "kind": "called",
            "taken_at": timezone.now().isoformat(),
        },
    ),
    ("post", "/api/v1/screening/screenings/{screening_id}/complete"): Expect(
        SCREENING_WRITE, 404, _answered_version
    ),
    ("get", "/api/v1/screening/report"): Expect({"sam": 200}, 403),
    # Aggregate measures, never a name: a supervisor (their agency's cases), an analyst (the
    # community's); nobody else.
    ("get", "/api/v1/measures/needs"): Expect({"sam": 200, "avery": 200}, 403),
    ("get", "/api/v1/measures/mdt"): Expect({"sam": 200, "avery": 200}, 403),
    ("get", "/api/v1/measures/referrals"): Expect({"sam": 200, "avery": 200}, 403),
    ("get", "/api/v1/measures/gaps"): Expect({"sam": 200, "avery": 200}, 403),
    # The community's need domains: any token reads them; network admins change them.
    ("get", "/api/v1/needs/domains"): Expect({}, 200),
    ("post", "/api/v1/needs/domains"): Expect(
        {}, 403, lambda w: {"name": "Documents and ID", "category": "needs"}
    ),
    ("patch", "/api/v1/needs/domains/{code}"): Expect({}, 403, lambda w: {"active": False}),
    ("get", "/api/v1/cases/{case_id}/assessment"): Expect(ON_CASE, 404),
    ("put", "/api/v1/cases/{case_id}/assessment/domains/{code}"): Expect(
        LEAD, 404, lambda w: {"version": None, "status": "no_need", "method": "record_review"}
    ),
    ("get", "/api/v1/cases/{case_id}/assessment/domains/{code}/history"): Expect(LEAD_READS, 404),
    ("post", "/api/v1/cases/{case_id}/assessment/sessions"): Expect(LEAD_ADDS, 404, _session_body),
    ("get", "/api/v1/cases/{case_id}/assessment/sessions/{session_id}"): Expect(LEAD_READS, 404),
    ("patch", "/api/v1/cases/{case_id}/assessment/sessions/{session_id}"): Expect(
        LEAD_READS, 404, lambda w: {"version": 1, "summary": "Covered housing first."}
    ),
    ("get", "/api/v1/cases/{case_id}/plan"): Expect(ON_CASE, 404),
    ("post", "/api/v1/cases/{case_id}/plan/goals"): Expect(
        LEAD_ADDS, 404, lambda w: _plan_change(w, words="Learn to drive")
    ),
    ("patch", "/api/v1/cases/{case_id}/plan/goals/{goal_id}"): Expect(
        LEAD_READS, 404, lambda w: _plan_change(w, status="achieved")
    ),
    ("post", "/api/v1/cases/{case_id}/plan/tasks"): Expect(
        LEAD_ADDS,
        404,
        lambda w: _plan_change(w, title="Get a bus pass", owner_agency_id=w.agencies["lead"].pk),
    ),
    ("patch", "/api/v1/cases/{case_id}/plan/tasks/{task_id}"): Expect(
        LEAD_READS, 404, lambda w: _plan_change(w, status="in_progress")
    ),
    ("post", "/api/v1/cases/{case_id}/plan/tasks/{task_id}/status"): Expect(
        LEAD_READS, 404, lambda w: {"status": "in_progress"}
    ),
    ("post", "/api/v1/cases/{case_id}/plan/services"): Expect(
        LEAD_ADDS, 404, lambda w: _plan_change(w, description="Weekly tutoring")
    ),
    ("patch", "/api/v1/cases/{case_id}/plan/services/{service_id}"): Expect(
        LEAD_READS, 404, lambda w: _plan_change(w, status="referred")
    ),
    ("post", "/api/v1/cases/{case_id}/plan/reviews"): Expect(
        LEAD_ADDS,
        404,
        lambda w: {
            "version": current_plan_version(w),
            "reviewed_on": str(timezone.localdate()),
            "agreement": "agreed",
        },
    ),
    ("put", "/api/v1/cases/{case_id}/plan/settings"): Expect(
        LEAD, 404, lambda w: {"version": current_plan_version(w), "review_every_days": 45}
    ),
    ("get", "/api/v1/cases/{case_id}/plan/versions"): Expect(LEAD_READS, 404),
    ("get", "/api/v1/cases/{case_id}/plan/versions/{number}"): Expect(LEAD_READS, 404),
    ("get", "/api/v1/cases/{case_id}/plan/compare"): Expect(LEAD_READS, 404, query=_compare_query),
    # Appointments: anyone working on the case, in the kinds of data they may see.
    ("get", "/api/v1/cases/{case_id}/appointments"): Expect(ON_CASE, 404),
    ("post", "/api/v1/cases/{case_id}/appointments"): Expect(
        LEAD_ADDS,
        404,
        lambda w: {
            "kind": "appointment",
            "starts_at": (timezone.now() + timedelta(days=2)).isoformat(),
            "what": "Dentist check-up",
            "category": "health",
        },
    ),
    ("patch", "/api/v1/cases/{case_id}/appointments/{appointment_id}"): Expect(
        LEAD_READS, 404, lambda w: {"version": 1, "status": "kept"}
    ),
    ("get", "/api/v1/dashboard/plan-tasks"): Expect({}, 200),
    # The community protocol (tests/protocols): the lead agency and Harbor are members, so
    # their staff read it and its MOUs; Quinn's and Morgan's agency is in none (404). Only a
    # member's network admin (no persona here) changes it; the conflict log is for members'
    # supervisors, coordinators and admins (Sam, whose agency raised the conflict).
    **_protocol_expectations(),
    # MDT staffings (tests/mdt): Sam, the lead's supervisor, convened one of the case; the
    # case's named team sees it; only the convening agency keeps its record (403 for the
    # others who see it); nobody else knows it exists (404). Morgan coordinates for an
    # agency outside the lead's community: the case is not his to convene.
    ("get", "/api/v1/mdt/clocks"): Expect({"sam": 200, "morgan": 200}, 403),
    ("post", "/api/v1/mdt/cases/{case_id}/meetings"): Expect(
        {"sam": 201, "morgan": 404},
        403,
        lambda w: {
            "starts_at": (timezone.now() + timedelta(days=2)).isoformat(),
            "place_kind": "in_person",
            "place": "Room 2",
            "invitees": [{"agency_id": w.agencies["lead"].pk, "role": "lead_case_manager"}],
        },
    ),
    ("get", "/api/v1/mdt/meetings"): Expect({}, 200),
    ("get", "/api/v1/mdt/meetings/{meeting_id}"): Expect(ON_CASE, 404),
    ("post", "/api/v1/mdt/meetings/{meeting_id}/attendance"): Expect(
        {"sam": 200, "casey": 403, "drew": 403}, 404, lambda w: {"version": 1, "present": []}
    ),
    ("post", "/api/v1/mdt/meetings/{meeting_id}/decisions"): Expect(
        {"sam": 201, "casey": 403, "drew": 403},
        404,
        lambda w: {"text": "Weekly counselling.", "category": "care_plan"},
    ),
    # Attendance was not taken: Sam's close is refused with a reason (422), after the check.
    ("post", "/api/v1/mdt/meetings/{meeting_id}/hold"): Expect(
        {"sam": 422, "casey": 403, "drew": 403},
        404,
        lambda w: {"version": 1, "survivor_voice": "mentor", "no_next_meeting_reason": "Moved."},
    ),
    ("post", "/api/v1/mdt/meetings/{meeting_id}/cancel"): Expect(
        {"sam": 200, "casey": 403, "drew": 403}, 404, lambda w: {"version": 1}
    ),
    ("get", "/api/v1/mdt/action-items"): Expect({}, 200),
    # An action item of the lead agency: its people on the case mark it done.
    ("post", "/api/v1/mdt/action-items/{item_id}/done"): Expect(
        {"sam": 200, "casey": 200, "drew": 403}, 404
    ),
    **_directory_expectations(),
    # Matching (tests/referrals/test_match_api.py), for the case: those who may refer for
    # it; Drew sees the case but does not refer (403); the rest do not see it (404).
    # Placements also need a role that refers (403 before the case is looked up).
    ("post", "/api/v1/matches/services"): Expect(
        {"casey": 200, "sam": 200, "drew": 403}, 404, lambda w: {"case_id": str(w.case.pk)}
    ),
    ("post", "/api/v1/matches/placements"): Expect(
        {"casey": 200, "sam": 200, "cole": 404, "quinn": 404},
        403,
        lambda w: {"case_id": str(w.case.pk), "away_from_zip": "33101"},
    ),
}


def _referral_id(world: World) -> str:
    """Casey's referral of Ana to Harbor (the partner agency: Drew takes its intake)."""
    from tests.referrals.helpers import referral_world, sent

    service, need = referral_world(world)
    return str(sent(world, service, need).pk)


def _referral_body(world: World) -> dict[str, Any]:
    from tests.referrals.helpers import referral_world

    service, need = referral_world(world)
    return {"case_id": str(world.case.pk), "service_id": str(service.pk), "need_id": str(need.pk)}


# Referrals (tests/referrals/test_referral_api.py): sent by the roles that refer, for a case
# they lead (403 for other roles, then 404 for a case they do not see); the intake queue for
# the roles that take intake; a referral for its two sides (Casey and Sam send, Drew takes
# Harbor's intake) and no one else (404). Drew accepts (the version after sending is 2); the
# other side's move is 403; an outcome before the loop closes is refused (422).
REFERS = {"casey": 201, "sam": 201, "cole": 404, "quinn": 404}
EXPECTED |= {
    ("post", "/api/v1/referrals"): Expect(REFERS, 403, _referral_body),
    ("post", "/api/v1/referrals/inquiries"): Expect(
        REFERS, 403, lambda w: {**_referral_body(w), "age": 15, "gender_words": "girl"}
    ),
    ("get", "/api/v1/referrals/sent"): Expect(
        {"casey": 200, "sam": 200, "cole": 200, "quinn": 200}, 403
    ),
    ("get", "/api/v1/referrals/intake"): Expect(
        {"casey": 200, "sam": 200, "drew": 200, "cole": 200, "quinn": 200}, 403
    ),
    ("get", "/api/v1/referrals/{referral_id}"): Expect(ON_CASE, 404),
    ("get", "/api/v1/referrals/{referral_id}/fhir"): Expect(ON_CASE, 404),
    ("post", "/api/v1/referrals/{referral_id}/move"): Expect(
        {"drew": 200, "casey": 403, "sam": 403}, 404, lambda w: {"to": "accepted", "version": 2}
    ),
    ("post", "/api/v1/referrals/{referral_id}/outcome"): Expect(
        {"drew": 422, "casey": 422, "sam": 422},
        404,
        lambda w: {"outcome": "got_help", "version": 2},
    ),
}


def test_every_api_route_has_an_expectation() -> None:
    served = {(method, path) for path, method, _op in served_operations()}
    assert served == set(EXPECTED), (
        f"missing: {sorted(served - set(EXPECTED))}; stale: {sorted(set(EXPECTED) - served)}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONAS, ANON])
@pytest.mark.parametrize("route", sorted(EXPECTED), ids=lambda r: f"{r[0]} {r[1]}")
def test_persona_token_is_allowed_or_refused(
    world: World, route: tuple[str, str], persona: str
) -> None:
    method, template = route
    expect = EXPECTED[route]
    template = _directory_path(world, template)
    path = template.format(
        survivor_id=world.survivor.pk,
        case_id=world.case.pk,
        member_id=_member(world),
        release_id=_a_release(world, signed=template.endswith("/signed-form"))
        if "{release_id}" in template
        else "",
        export_id=export_id_for(world, template) if "{export_id}" in template else "",
        screening_id=_screening_id(world) if "{screening_id}" in template else "",
        instrument_id=_instrument_id(world) if "{instrument_id}" in template else "",
        **plan_path_ids(world, template),
        **protocol_path_ids(world, template),
        **mdt_path_ids(world, template),
        referral_id=_referral_id(world) if "{referral_id}" in template else "",
    )
    if expect.query is not None:
        path = f"{path}?{expect.query(world)}"
    headers = {}
    if persona != ANON:
        _token, plain = create_token(actor=world.actor(persona), name="walk")
        headers["Authorization"] = f"Bearer {plain}"
    kwargs: dict[str, Any] = {"headers": headers}
    if expect.body is not None:
        kwargs |= {"data": json.dumps(expect.body(world)), "content_type": "application/json"}
    if expect.upload is not None:
        kwargs["data"] = expect.upload(world)
    response = getattr(Client(), method)(path, **kwargs)
    wanted = 401 if persona == ANON else expect.status.get(persona, expect.default)
    assert response.status_code == wanted, (
        f"{persona} {method.upper()} {path}: {response.content!r}"
    )
    if response.status_code in (401, 403, 404):
        assert world.survivor.legal_family_name not in response.content.decode()
