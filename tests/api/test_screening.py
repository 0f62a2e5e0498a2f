"""/screening: instruments, safety numbers, a screening from start to case, who may read and
write it, the FHIR QuestionnaireResponse both ways, and the monthly report.

The world is tests/personas.py's: Lead Family Services leads Ana's case (Casey, Sam); Harbor
Counseling is on its care team (Drew); Jordan screens at the lead agency. The bundled
instrument ("Continuum indicator screen") is installed into the test database after migrate.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction
from continuum.cases.models import Case, CaseTask, TaskKind
from continuum.needs.models import Need, NeedSource
from continuum.screening.models import Instrument, Screening, ScreeningStatus
from continuum.survivors.actions import SurvivorDetails, create_survivor
from continuum.survivors.models import Survivor
from tests.personas import World, add_person, release_to_partner

from .conftest import AuditCounter

pytestmark = pytest.mark.django_db

BUNDLED_TITLE = "Continuum indicator screen"
COMMUNITY = Path(__file__).parents[1] / "screening" / "fixtures" / "community-screen.json"
# ASCII names, so that `name in response.content` means what it says (JSON escapes "é").
GIVEN, FAMILY = "Marisol", "Quintana"
NAMES = (GIVEN, FAMILY, "Ana", "Pérez", "P\\u00e9rez")


class Api:
    """Django's test client speaking JSON with one persona's token."""

    def __init__(self, world: World, username: str) -> None:
        _token, plain = create_token(actor=world.actor(username), name="screening tests")
        self.client = Client(headers={"Authorization": f"Bearer {plain}"})

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1/screening{path}", params or {})

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api/v1/screening{path}", json.dumps(body), content_type="application/json"
        )

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(
            f"/api/v1/screening{path}", json.dumps(body), content_type="application/json"
        )


def no_names(response: Any, *names: str) -> None:
    """No survivor's name anywhere in the body, as sent and as JSON decoded."""
    for name in (*NAMES, *names):
        assert name.encode() not in response.content, name
    if response.content[:1] in (b"{", b"["):
        text = json.dumps(response.json(), ensure_ascii=False)
        for name in (*NAMES, *names):
            assert name not in text, name


def train(world: World, *usernames: str) -> None:
    today = timezone.localdate()
    for username in usernames:
        membership = world.memberships[username]
        membership.screening_certified_on = today - timedelta(days=30)
        membership.screening_certified_until = today + timedelta(days=300)
        membership.screening_certified_by = world.users["sam"]
        membership.save()


def bundled() -> Instrument:
    return Instrument.objects.get(title=BUNDLED_TITLE)


def aware(hours_ago: float = 2) -> str:
    return (timezone.now() - timedelta(hours=hours_ago)).isoformat()


def start_body(survivor: Survivor, **overrides: Any) -> dict[str, Any]:
    return {
        "survivor_id": str(survivor.pk),
        "instrument_id": bundled().pk,
        "setting": "school",
        "first_indicator_at": aware(),
        **overrides,
    }


@pytest.fixture
def trained(world: World) -> World:
    """Jordan and Casey are trained; the lead agency leads cases from screenings."""
    train(world, "jordan", "casey")
    world.agencies["lead"].leads_screened_cases = True
    world.agencies["lead"].save()
    return world


@pytest.fixture
def newcomer(trained: World) -> Survivor:
    """Someone Jordan has just recorded: no case yet."""
    return create_survivor(
        actor=trained.actor("jordan"),
        details=SurvivorDetails(preferred_name=GIVEN, legal_family_name=FAMILY, estimated_age=15),
    )


@pytest.fixture
def as_jordan(trained: World) -> Api:
    return Api(trained, "jordan")


@pytest.fixture
def ana_screening(trained: World) -> dict[str, Any]:
    """Casey (lead case manager, trained) screening Ana, whose case her agency leads."""
    response = Api(trained, "casey").post("/screenings", start_body(trained.survivor))
    assert response.status_code == 201, response.content
    return response.json()


# --- the whole path ---------------------------------------------------------------------------


def test_screening_from_start_to_case(trained, newcomer, as_jordan):
    audit = AuditCounter()
    # The instruments in use, and the bundled one's questions.
    listed = as_jordan.get("/instruments", {"status": "active"})
    assert listed.status_code == 200
    [instrument] = [i for i in listed.json() if i["title"] == BUNDLED_TITLE]
    assert instrument["status"] == "active"
    assert instrument["validated"] is False
    assert set(instrument) == {
        "id", "url", "version", "title", "publisher", "licence", "validated", "status"
    }  # fmt: skip
    questionnaire = as_jordan.get(f"/instruments/{instrument['id']}").json()
    assert questionnaire["resourceType"] == "Questionnaire"
    assert questionnaire == bundled().questionnaire

    # Start.
    started = as_jordan.post(
        "/screenings", start_body(newcomer, first_indicator_at=aware(3), setting="shelter")
    )
    assert started.status_code == 201, started.content
    no_names(started)
    body = started.json()
    sid = body["id"]
    assert body["status"] == "in_progress"
    assert body["reference"] == f"S-{sid[:8].upper()}"
    assert body["instrument"] == {
        "id": instrument["id"], "title": BUNDLED_TITLE, "version": "1.0.0", "validated": False
    }  # fmt: skip
    assert body["survivor_id"] == str(newcomer.pk)
    assert body["answers"] == {}
    assert body["case"] is None
    assert body["level"] is None
    due = timezone.datetime.fromisoformat(body["start_due_at"])
    first = timezone.datetime.fromisoformat(body["first_indicator_at"])
    assert due - first == timedelta(hours=24)
    version = body["version"]

    # A partial save: one answered, one declined, everything else skipped.
    saved = as_jordan.put(
        f"/screenings/{sid}/answers",
        {
            "version": version,
            "answers": {"stay-left": {"value": "yes"}, "others-bring": {"declined": True}},
        },
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == version + 1
    shown = as_jordan.get(f"/screenings/{sid}")
    assert shown.status_code == 200
    no_names(shown)
    assert shown.json()["status"] == "in_progress"
    assert shown.json()["answers"] == {
        "stay-left": {"value": "yes"},
        "others-bring": {"declined": True},
    }
    version = shown.json()["version"]

    # Immediate safety: a 15-year-old in Florida; the Florida Abuse Hotline is to be called.
    safety = as_jordan.put(
        f"/screenings/{sid}/safety",
        {
            "version": version,
            "in_immediate_danger": False,
            "age_years": 15,
            "age_is_estimate": True,
            "in_state": True,
            "immediate_needs": ["shelter"],
        },
    )
    assert safety.status_code == 200, safety.content
    facts = safety.json()["safety"]
    assert facts["age_years"] == 15
    assert facts["in_state"] is True
    assert facts["suspected_abuse"] is None
    assert facts["immediate_needs"] == ["shelter"]
    calls = safety.json()["calls_to_make"]
    assert "florida_abuse_hotline" in [c["code"] for c in calls]
    hotline = next(c for c in calls if c["code"] == "florida_abuse_hotline")
    assert hotline["phone"]
    assert hotline["reasons"]
    assert hotline["recorded"] == []
    version = safety.json()["version"]

    # The hotline accepted the report.
    call = as_jordan.post(
        f"/screenings/{sid}/calls",
        {"line": "florida_abuse_hotline", "kind": "report_accepted", "taken_at": aware(1)},
    )
    assert call.status_code == 201, call.content
    assert call.json()["line_code"] == "florida_abuse_hotline"
    assert call.json()["kind"] == "report_accepted"

    # The rest of the answers: the key item raises clear concern.
    as_jordan.put(
        f"/screenings/{sid}/answers",
        {
            "version": version,
            "answers": {
                "stay-left": {"value": "yes"},
                "others-bring": {"declined": True},
                "exchange-sex": {"value": "yes"},
            },
        },
    )
    current = as_jordan.get(f"/screenings/{sid}").json()
    assert current["report_made_at"] is not None
    hotline = next(c for c in current["calls_to_make"] if c["code"] == "florida_abuse_hotline")
    [recorded] = hotline["recorded"]
    assert recorded["kind"] == "report_accepted"

    # Finish: concern opens a case led by the lead agency, with the need and the assessment.
    done = as_jordan.post(f"/screenings/{sid}/complete", {"version": current["version"]})
    assert done.status_code == 200, done.content
    no_names(done)
    result = done.json()
    assert result["status"] == "completed"
    assert result["concern"] is True
    assert result["level"] == "clear"
    assert result["level_label"] == "Clear concern"
    assert result["score"] is not None
    assert result["max_score"] is not None
    case = Case.objects.get(survivor=newcomer)
    assert result["case"] == {
        "id": str(case.pk),
        "reference": case.reference,
        "lead_agency": {
            "id": trained.agencies["lead"].pk,
            "name": "Lead Family Services",
            "short_name": "Lead",
        },
    }
    assert CaseTask.objects.filter(case=case, kind=TaskKind.IN_DEPTH_ASSESSMENT).exists()
    need = Need.objects.get(case=case)
    assert need.domain.code == "shelter"
    assert need.source == NeedSource.SCREENING
    assert case.report_received_on is not None  # the accepted report is the intake

    # The answers as a QuestionnaireResponse: the instrument and the answers, no person.
    response = as_jordan.get(f"/screenings/{sid}/questionnaire-response")
    assert response.status_code == 200
    no_names(response)
    document = response.json()
    assert document["resourceType"] == "QuestionnaireResponse"
    assert document["status"] == "completed"
    assert document["questionnaire"] == f"{instrument['url']}|{instrument['version']}"
    assert "subject" not in document
    assert "author" not in document

    actions = audit.actions()
    for expected in (
        AuditAction.SCREENING_STARTED,
        AuditAction.SCREENING_SAVED,
        AuditAction.SCREENING_VIEWED,
        AuditAction.SAFETY_ACTION_RECORDED,
        AuditAction.SCREENING_COMPLETED,
        AuditAction.SCREENING_EXPORTED,
    ):
        assert expected in actions


def test_a_result_without_concern_opens_nothing(trained, newcomer, as_jordan):
    body = as_jordan.post("/screenings", start_body(newcomer)).json()
    saved = as_jordan.put(
        f"/screenings/{body['id']}/answers",
        {"version": body["version"], "answers": {"stay-left": {"value": "no"}}},
    ).json()
    done = as_jordan.post(f"/screenings/{body['id']}/complete", {"version": saved["version"]})
    assert done.status_code == 200
    assert done.json()["concern"] is False
    assert done.json()["level"] == "none"
    assert done.json()["case"] is None
    assert not Case.objects.filter(survivor=newcomer).exists()


def test_planned_screening_waits_to_start(trained, newcomer, as_jordan):
    body = as_jordan.post("/screenings", start_body(newcomer, start_now=False)).json()
    assert body["status"] == "planned"
    assert body["started_at"] is None


def test_concern_links_to_the_open_case(trained, ana_screening):
    casey = Api(trained, "casey")
    sid = ana_screening["id"]
    saved = casey.put(
        f"/screenings/{sid}/answers",
        {"version": ana_screening["version"], "answers": {"exchange-sex": {"value": "yes"}}},
    ).json()
    done = casey.post(f"/screenings/{sid}/complete", {"version": saved["version"]})
    assert done.status_code == 200, done.content
    assert done.json()["case"]["id"] == str(trained.case.pk)
    assert Case.objects.filter(survivor=trained.survivor).count() == 1


# --- who may screen, read and write -------------------------------------------------------------


def test_untrained_screener_is_403(world):
    # Casey may screen by role and sees Ana, but has no current training.
    response = Api(world, "casey").post("/screenings", start_body(world.survivor))
    assert response.status_code == 403
    assert "screening training" in response.json()["detail"]
    assert not Screening.objects.exists()


@pytest.mark.parametrize("username", ["drew", "avery", "morgan"])
def test_roles_that_do_not_screen_are_403(world, username):
    response = Api(world, username).post("/screenings", start_body(world.survivor))
    assert response.status_code == 403


def test_screening_someone_you_cannot_see_is_404(trained):
    # Jordan (trained) is not on Ana's case.
    response = Api(trained, "jordan").post("/screenings", start_body(trained.survivor))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_start_with_a_retired_or_unknown_instrument_is_422(trained, newcomer, as_jordan):
    unknown = as_jordan.post("/screenings", start_body(newcomer, instrument_id=10**12))
    assert unknown.status_code == 422
    assert unknown.json() == {"detail": "There is no instrument in use with that id."}
    Instrument.objects.filter(pk=bundled().pk).update(status="retired")
    retired = as_jordan.post("/screenings", start_body(newcomer))
    assert retired.status_code == 422


def test_first_indicator_in_the_future_is_422(trained, newcomer, as_jordan):
    later = (timezone.now() + timedelta(hours=3)).isoformat()
    response = as_jordan.post("/screenings", start_body(newcomer, first_indicator_at=later))
    assert response.status_code == 422
    assert response.json() == {"detail": "The first sign cannot be in the future."}


@pytest.mark.parametrize(
    "moment", ["2026-01-05T10:00:00", "2026-01-05", 1767607200, "yesterday", None]
)
def test_a_time_without_offset_is_422_naming_the_field(trained, newcomer, as_jordan, moment):
    response = as_jordan.post("/screenings", start_body(newcomer, first_indicator_at=moment))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == "first_indicator_at"
    assert not Screening.objects.exists()


def test_unknown_fields_and_settings_are_422(trained, newcomer, as_jordan):
    assert as_jordan.post("/screenings", start_body(newcomer, setting="moon")).status_code == 422
    assert as_jordan.post("/screenings", start_body(newcomer, startnow=True)).status_code == 422


def test_partner_reads_only_with_the_screening_category(trained, ana_screening):
    sid = ana_screening["id"]
    drew = Api(trained, "drew")
    # On the care team, but no release of screening results: as if it did not exist.
    for path in (f"/screenings/{sid}", f"/screenings/{sid}/questionnaire-response"):
        hidden = drew.get(path)
        assert hidden.status_code == 404
        assert hidden.json() == {"detail": "Not found"}
    release_to_partner(trained, {"screening"})
    shown = drew.get(f"/screenings/{sid}")
    assert shown.status_code == 200
    no_names(shown)
    assert shown.json()["calls_to_make"] is None  # for the person screening only
    assert drew.get(f"/screenings/{sid}/questionnaire-response").status_code == 200
    # Reading is not writing.
    refused = drew.put(
        f"/screenings/{sid}/answers", {"version": ana_screening["version"], "answers": {}}
    )
    assert refused.status_code == 403


def test_others_cannot_write_someone_elses_screening(trained, ana_screening):
    sid = ana_screening["id"]
    version = ana_screening["version"]
    writes = [
        ("put", f"/screenings/{sid}/answers", {"version": version, "answers": {}}),
        ("put", f"/screenings/{sid}/safety", {"version": version}),
        (
            "post",
            f"/screenings/{sid}/calls",
            {"line": "florida_abuse_hotline", "kind": "called", "taken_at": aware(1)},
        ),
        ("post", f"/screenings/{sid}/complete", {"version": version}),
    ]
    sam = Api(trained, "sam")  # reads it (lead supervisor), but is not screening
    cole = Api(trained, "cole")  # lead agency, not on the case: may not know it exists
    for method, path, body in writes:
        assert getattr(sam, method)(path, body).status_code == 403, path
        hidden = getattr(cole, method)(path, body)
        assert hidden.status_code == 404, path
        assert hidden.json() == {"detail": "Not found"}
    assert sam.get(f"/screenings/{sid}").status_code == 200
    assert cole.get(f"/screenings/{sid}").status_code == 404
    screening = Screening.objects.get(pk=sid)
    assert screening.version == version
    assert not screening.actions.exists()


def test_hidden_screening_attempt_is_audited(trained, ana_screening):
    quinn = Api(trained, "quinn")
    audit = AuditCounter()
    assert quinn.get(f"/screenings/{ana_screening['id']}").status_code == 404
    assert audit.actions() == [AuditAction.ACCESS_DENIED]


def test_reading_a_screening_is_audited(trained, ana_screening):
    sam = Api(trained, "sam")
    audit = AuditCounter()
    assert sam.get(f"/screenings/{ana_screening['id']}").status_code == 200
    assert audit.actions() == [AuditAction.SCREENING_VIEWED]


@pytest.mark.parametrize(
    "path",
    [
        "/screenings/not-a-uuid",
        "/screenings/not-a-uuid/questionnaire-response",
        "/instruments/abc",
        "/instruments/0",
        f"/instruments/{2**70}",
    ],
)
def test_malformed_ids_are_422(trained, as_jordan, path):
    assert as_jordan.get(path).status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/screenings/00000000-0000-0000-0000-000000000000",
        "/screenings/00000000-0000-0000-0000-000000000000/questionnaire-response",
        f"/instruments/{2**62}",
    ],
)
def test_unknown_ids_are_404(trained, as_jordan, path):
    response = as_jordan.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_writes_to_unknown_screening_are_404(trained, as_jordan):
    missing = "00000000-0000-0000-0000-000000000000"
    response = as_jordan.put(f"/screenings/{missing}/answers", {"version": 1, "answers": {}})
    assert response.status_code == 404


# --- answers ----------------------------------------------------------------------------------


def test_stale_version_is_409(trained, ana_screening):
    casey = Api(trained, "casey")
    sid, version = ana_screening["id"], ana_screening["version"]
    first = casey.put(
        f"/screenings/{sid}/answers",
        {"version": version, "answers": {"stay-left": {"value": "no"}}},
    )
    assert first.status_code == 200
    stale = casey.put(
        f"/screenings/{sid}/answers",
        {"version": version, "answers": {"stay-left": {"value": "yes"}}},
    )
    assert stale.status_code == 409
    assert "version" in stale.json()["detail"]
    assert casey.get(f"/screenings/{sid}").json()["answers"] == {"stay-left": {"value": "no"}}
    assert casey.put(f"/screenings/{sid}/safety", {"version": version}).status_code == 409
    assert casey.post(f"/screenings/{sid}/complete", {"version": version}).status_code == 409


def test_invalid_answers_are_422_with_problems(trained, ana_screening):
    casey = Api(trained, "casey")
    sid = ana_screening["id"]
    response = casey.put(
        f"/screenings/{sid}/answers",
        {
            "version": ana_screening["version"],
            "answers": {
                "no-such-question": {"value": "yes"},
                "stay-left": {"value": "maybe"},
                "others-bring": {"value": "yes", "declined": True},
                "total": {"value": 3},
                "stay-hotel": "yes",
            },
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Some answers cannot be used. Nothing was saved."
    assert set(body["problems"]) == {
        "no-such-question",
        "stay-left",
        "others-bring",
        "total",
        "stay-hotel",
    }
    assert "not among the options" in body["problems"]["stay-left"]
    assert Screening.objects.get(pk=sid).version == ana_screening["version"]


def test_answers_must_be_an_object(trained, ana_screening):
    response = Api(trained, "casey").put(
        f"/screenings/{ana_screening['id']}/answers",
        {"version": ana_screening["version"], "answers": ["yes"]},
    )
    assert response.status_code == 422


def test_nothing_answered_cannot_be_finished(trained, ana_screening):
    casey = Api(trained, "casey")
    sid = ana_screening["id"]
    refused = casey.post(f"/screenings/{sid}/complete", {"version": ana_screening["version"]})
    assert refused.status_code == 422
    assert "No question has an answer" in refused.json()["detail"]
    assert Screening.objects.get(pk=sid).status == "in_progress"


def test_finished_screening_cannot_be_changed(trained, ana_screening):
    casey = Api(trained, "casey")
    sid = ana_screening["id"]
    saved = casey.put(
        f"/screenings/{sid}/answers",
        {"version": ana_screening["version"], "answers": {"stay-left": {"value": "no"}}},
    )
    assert saved.status_code == 200, saved.content
    done = casey.post(f"/screenings/{sid}/complete", {"version": saved.json()["version"]})
    assert done.status_code == 200
    version = done.json()["version"]
    again = casey.put(f"/screenings/{sid}/answers", {"version": version, "answers": {}})
    assert again.status_code == 403
    assert "finished" in again.json()["detail"]
    # A call made after the result may still be recorded.
    call = casey.post(
        f"/screenings/{sid}/calls",
        {"line": "florida_abuse_hotline", "kind": "called", "taken_at": aware(0)},
    )
    assert call.status_code == 201


def test_questionnaire_response_round_trip(trained, ana_screening, newcomer, as_jordan):
    casey = Api(trained, "casey")
    sid = ana_screening["id"]
    answers = {"stay-left": {"value": "yes"}, "others-bring": {"declined": True}}
    saved = casey.put(
        f"/screenings/{sid}/answers", {"version": ana_screening["version"], "answers": answers}
    ).json()
    document = casey.get(f"/screenings/{sid}/questionnaire-response").json()
    assert document["status"] == "in-progress"

    # Jordan's screening of someone else, answered with that document.
    other = as_jordan.post("/screenings", start_body(newcomer)).json()
    response = as_jordan.post(
        f"/screenings/{other['id']}/questionnaire-response?version={other['version']}", document
    )
    assert response.status_code == 200, response.content
    assert response.json()["answers"] == answers
    assert response.json()["version"] == other["version"] + 1
    assert saved["answers"] == answers

    # Stale version: 409; a version missing: 422.
    stale = as_jordan.post(
        f"/screenings/{other['id']}/questionnaire-response?version={other['version']}", document
    )
    assert stale.status_code == 409
    missing = as_jordan.post(f"/screenings/{other['id']}/questionnaire-response", document)
    assert missing.status_code == 422


def test_invalid_questionnaire_response_is_422_with_problems(trained, ana_screening):
    casey = Api(trained, "casey")
    sid, version = ana_screening["id"], ana_screening["version"]
    wrong_kind = casey.post(
        f"/screenings/{sid}/questionnaire-response?version={version}",
        {"resourceType": "Patient"},
    )
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["problems"] == {"": "the document is not a QuestionnaireResponse"}
    instrument = bundled()
    document = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{instrument.url}|{instrument.version}",
        "status": "in-progress",
        "item": [{"linkId": "stay-left", "answer": [{"valueBoolean": True}]}],
    }
    bad_value = casey.post(f"/screenings/{sid}/questionnaire-response?version={version}", document)
    assert bad_value.status_code == 422
    assert "stay-left" in bad_value.json()["problems"]


def test_deeply_nested_questionnaire_response_is_422_not_500(trained, ana_screening):
    instrument = bundled()
    item: dict[str, Any] = {"linkId": "stay-left"}
    for depth in range(700):
        item = {"linkId": f"g{depth}", "item": [item]}
    response = Api(trained, "casey").post(
        f"/screenings/{ana_screening['id']}/questionnaire-response"
        f"?version={ana_screening['version']}",
        {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": f"{instrument.url}|{instrument.version}",
            "status": "in-progress",
            "item": [item],
        },
    )
    assert response.status_code == 422
    assert "nested more than" in " ".join(response.json()["problems"].values())


# --- immediate safety and calls ---------------------------------------------------------------


def test_safety_refusals_are_422(trained, ana_screening):
    casey = Api(trained, "casey")
    sid, version = ana_screening["id"], ana_screening["version"]
    other = casey.put(
        f"/screenings/{sid}/safety", {"version": version, "immediate_needs": ["other"]}
    )
    assert other.status_code == 422
    assert "Something else" in other.json()["detail"]
    age = casey.put(f"/screenings/{sid}/safety", {"version": version, "age_years": 400})
    assert age.status_code == 422
    typed = casey.put(f"/screenings/{sid}/safety", {"version": version, "in_state": "yes"})
    assert typed.status_code == 422
    need = casey.put(f"/screenings/{sid}/safety", {"version": version, "immediate_needs": ["car"]})
    assert need.status_code == 422
    saved = casey.put(
        f"/screenings/{sid}/safety",
        {"version": version, "immediate_needs": ["other"], "other_need": "  a phone charger "},
    )
    assert saved.status_code == 200
    assert saved.json()["safety"]["other_need"] == "a phone charger"


def test_adult_out_of_state_is_told_the_national_hotline(trained, ana_screening):
    casey = Api(trained, "casey")
    sid = ana_screening["id"]
    body = casey.put(
        f"/screenings/{sid}/safety",
        {"version": ana_screening["version"], "age_years": 19, "in_state": False},
    ).json()
    codes = [c["code"] for c in body["calls_to_make"]]
    assert "florida_abuse_hotline" not in codes
    assert codes  # someone to call, always


def test_call_refusals_are_422(trained, ana_screening):
    casey = Api(trained, "casey")
    sid = ana_screening["id"]
    unknown = casey.post(
        f"/screenings/{sid}/calls", {"line": "ghostbusters", "kind": "called", "taken_at": aware(1)}
    )
    assert unknown.status_code == 422
    assert unknown.json() == {"detail": "There is no safety line with that code."}
    naive = casey.post(
        f"/screenings/{sid}/calls",
        {"line": "florida_abuse_hotline", "kind": "called", "taken_at": "2026-01-05T10:00:00"},
    )
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["loc"][-1] == "taken_at"
    future = casey.post(
        f"/screenings/{sid}/calls",
        {
            "line": "florida_abuse_hotline",
            "kind": "called",
            "taken_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        },
    )
    assert future.status_code == 422
    assert future.json() == {"detail": "A call cannot be recorded in the future."}
    kind = casey.post(
        f"/screenings/{sid}/calls",
        {"line": "florida_abuse_hotline", "kind": "emailed", "taken_at": aware(1)},
    )
    assert kind.status_code == 422


def test_safety_lines_are_for_everyone(world):
    response = Api(world, "avery").get("/safety-lines")
    assert response.status_code == 200
    lines = {line["code"]: line for line in response.json()}
    assert "florida_abuse_hotline" in lines
    assert set(lines["florida_abuse_hotline"]) == {
        "code", "name", "phone", "text_number", "tty", "when_to_use"
    }  # fmt: skip


# --- finishing --------------------------------------------------------------------------------


def test_lead_agency_that_cannot_lead_is_422(trained, newcomer, as_jordan):
    body = as_jordan.post("/screenings", start_body(newcomer)).json()
    saved = as_jordan.put(
        f"/screenings/{body['id']}/answers",
        {"version": body["version"], "answers": {"exchange-sex": {"value": "yes"}}},
    ).json()
    other = trained.agencies["other"].pk
    refused = as_jordan.post(
        f"/screenings/{body['id']}/complete",
        {"version": saved["version"], "lead_agency_id": other},
    )
    assert refused.status_code == 422
    assert refused.json() == {"detail": "That agency cannot lead this case. Choose another."}
    unknown = as_jordan.post(
        f"/screenings/{body['id']}/complete",
        {"version": saved["version"], "lead_agency_id": 10**12},
    )
    assert unknown.status_code == 422
    assert Screening.objects.get(pk=body["id"]).status == ScreeningStatus.IN_PROGRESS
    assert not Case.objects.filter(survivor=newcomer).exists()


# --- instruments ------------------------------------------------------------------------------


@pytest.fixture
def as_admin(world: World) -> Api:
    add_person(world, "nadia", "lead", Role.NETWORK_ADMIN)
    return Api(world, "nadia")


def community() -> dict[str, Any]:
    return json.loads(COMMUNITY.read_text(encoding="utf-8"))


def test_import_instrument(as_admin):
    audit = AuditCounter()
    created = as_admin.post("/instruments", community())
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["title"] == "Youth safety screen"
    assert body["version"] == "2.1"
    assert body["validated"] is True
    assert body["status"] == "active"
    assert audit.actions() == [AuditAction.INSTRUMENT_IMPORTED]
    # The same version, the same content: nothing changes.
    again = as_admin.post("/instruments", community())
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    # The same version, changed: refused (a stored version is never edited).
    changed = community()
    changed["title"] = "Youth safety screen, revised"
    conflict = as_admin.post("/instruments", changed)
    assert conflict.status_code == 409
    assert "new version" in conflict.json()["detail"]
    assert Instrument.objects.filter(url=body["url"]).count() == 1
    # Its Questionnaire, as stored.
    stored = as_admin.get(f"/instruments/{body['id']}")
    assert stored.status_code == 200
    assert stored.json()["url"] == body["url"]


def test_import_invalid_questionnaire_lists_problems(as_admin):
    broken = copy.deepcopy(community())
    del broken["url"]
    broken["item"] = "not a list"
    response = as_admin.post("/instruments", broken)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "This is not an instrument Continuum can use. Nothing was stored."
    assert isinstance(body["problems"], list)
    assert len(body["problems"]) >= 2
    assert any("url" in problem for problem in body["problems"])
    assert not Instrument.objects.filter(title="Youth safety screen").exists()


def test_import_needs_a_json_object(as_admin):
    assert as_admin.post("/instruments", ["Questionnaire"]).status_code == 422


@pytest.mark.parametrize("username", ["sam", "casey", "jordan", "drew", "avery"])
def test_import_by_others_is_403(world, username):
    response = Api(world, username).post("/instruments", community())
    assert response.status_code == 403
    assert not Instrument.objects.filter(title="Youth safety screen").exists()


@pytest.mark.parametrize(("username", "status"), [("jordan", 200), ("drew", 403), ("avery", 403)])
def test_who_sees_the_instruments(world, username, status):
    api = Api(world, username)
    assert api.get("/instruments").status_code == status
    assert api.get(f"/instruments/{bundled().pk}").status_code == status


def test_instrument_list_filters_by_status(as_admin):
    imported = as_admin.post("/instruments", community()).json()
    Instrument.objects.filter(pk=imported["id"]).update(status="retired")
    every = [i["id"] for i in as_admin.get("/instruments").json()]
    active = [i["id"] for i in as_admin.get("/instruments", {"status": "active"}).json()]
    retired = [i["id"] for i in as_admin.get("/instruments", {"status": "retired"}).json()]
    assert every == [*active, *retired]
    assert retired == [imported["id"]]
    assert as_admin.get("/instruments", {"status": "gone"}).status_code == 422


# --- the monthly report -----------------------------------------------------------------------


def _finish(api: Api, survivor: Survivor, answers: dict[str, Any]) -> dict[str, Any]:
    body = api.post("/screenings", start_body(survivor)).json()
    saved = api.put(
        f"/screenings/{body['id']}/answers", {"version": body["version"], "answers": answers}
    ).json()
    done = api.post(f"/screenings/{body['id']}/complete", {"version": saved["version"]})
    assert done.status_code == 200, done.content
    return done.json()


def test_monthly_report(trained, newcomer, as_jordan):
    clear = _finish(as_jordan, newcomer, {"exchange-sex": {"value": "yes"}})
    other = create_survivor(
        actor=trained.actor("jordan"), details=SurvivorDetails(preferred_name="Kai")
    )
    none = _finish(as_jordan, other, {"stay-left": {"value": "no"}})
    _unfinished = as_jordan.post("/screenings", start_body(other)).json()
    sam = Api(trained, "sam")
    audit = AuditCounter()
    zone = ZoneInfo(trained.agencies["lead"].time_zone)
    month = timezone.localtime(timezone.now(), zone).strftime("%Y-%m")
    response = sam.get("/report", {"month": month})
    assert response.status_code == 200, response.content
    no_names(response, "Kai")
    body = response.json()
    assert body["month"] == month
    assert body["youth_screened"] == 2
    # Lowest concern first, each named with its instrument (another may call it "Low").
    assert [(r["level_label"], r["count"]) for r in body["by_result"]] == [
        ("No concern found (Continuum indicator screen 1.0.0)", 1),
        ("Clear concern (Continuum indicator screen 1.0.0)", 1),
    ]
    assert {row["reference"] for row in body["rows"]} == {clear["reference"], none["reference"]}
    row = next(r for r in body["rows"] if r["reference"] == clear["reference"])
    assert row["screener"] == "Jordan Tester"
    assert row["agency"] == "Lead Family Services"
    assert row["case_reference"] == clear["case"]["reference"]
    assert audit.actions() == [AuditAction.SCREENING_REPORT_EXPORTED]
    # This month by default; another month is empty.
    assert sam.get("/report").json()["month"] == month
    empty = sam.get("/report", {"month": "2001-01"}).json()
    assert empty == {"month": "2001-01", "youth_screened": 0, "by_result": [], "rows": []}


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "2026-1", "november", "1899-12"])
def test_report_with_a_bad_month_is_422(world, month):
    response = Api(world, "sam").get("/report", {"month": month})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "month"


@pytest.mark.parametrize("username", ["casey", "jordan", "drew", "avery"])
def test_report_is_for_supervisors_and_network_admins(world, username):
    assert Api(world, username).get("/report").status_code == 403
