"""/needs/domains and /cases/{id}/assessment: the domains, a case's assessment, each domain's
state and history, the sessions; every refusal, bad input, and the 409 with both versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.actions import change_case_status
from continuum.needs.defaults import DEFAULT_DOMAINS
from continuum.needs.models import AssessmentSession, Need, NeedDomain, NeedEntry
from tests.api.world_api import api_as, with_mentor, with_network_admin
from tests.needs.helpers import assess, session
from tests.personas import World, release_to_partner

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()


def _path(world: World, rest: str = "") -> str:
    return f"/cases/{world.case.pk}/assessment{rest}"


def _row(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(d for d in body["domains"] if d["code"] == code)


def _written() -> tuple[int, int, int, int, list[int]]:
    return (
        Need.objects.count(),
        NeedEntry.objects.count(),
        AssessmentSession.objects.count(),
        NeedDomain.objects.count(),
        sorted(Need.objects.values_list("version", flat=True)),
    )


# --- the community's domains ----------------------------------------------------------------


def test_any_token_lists_the_domains(world: World) -> None:
    for username in ("casey", "avery", "jordan"):
        response = api_as(world, username).get("/needs/domains")
        assert response.status_code == 200
        domains = response.json()
        assert len(domains) == len(DEFAULT_DOMAINS)
        shelter = domains[0]
        assert shelter == {
            "code": "shelter",
            "name": "Shelter and housing",
            "category": "needs",
            "why_we_ask": "So you have a safe place to stay tonight and later on.",
            "sensitive": False,
            "active": True,
            "position": shelter["position"],
        }
        by_code = {d["code"]: d for d in domains}
        assert by_code["mental_health"]["category"] == "mental_health"
        assert by_code["substance_use"]["sensitive"] is True


def test_a_network_admin_adds_renames_and_retires_a_domain(world: World) -> None:
    admin = api_as(world, with_network_admin(world))
    added = admin.post(
        "/needs/domains",
        {
            "name": "  Documents and ID ",
            "category": "needs",
            "why_we_ask": "So you can prove who you are.",
        },
    )
    assert added.status_code == 201, added.json()
    assert added.json()["code"] == "documents_and_id"
    assert added.json()["name"] == "Documents and ID"
    assert added.json()["active"] is True
    changed = admin.patch(
        "/needs/domains/documents_and_id", {"name": "Documents and identity", "active": False}
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["name"] == "Documents and identity"
    assert changed.json()["why_we_ask"] == "So you can prove who you are."  # not sent: kept
    assert changed.json()["active"] is False
    retired = api_as(world, "casey").get("/needs/domains", {"active": "false"}).json()
    assert [d["code"] for d in retired] == ["documents_and_id"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert AuditAction.NEED_DOMAIN_CHANGED in actions


def test_only_a_network_admin_manages_domains(world: World) -> None:
    before = _written()
    for username in ("casey", "sam", "avery"):
        client = api_as(world, username)
        response = client.post("/needs/domains", {"name": "Pets", "category": "needs"})
        assert response.status_code == 403
        assert response.json() == {"detail": "Your role does not allow this."}
        assert client.patch("/needs/domains/shelter", {"active": False}).status_code == 403
    assert _written() == before
    assert NeedDomain.objects.get(code="shelter").is_active


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"name": "Shelter and housing", "category": "needs"},
            "There is an area with this name already.",
        ),
        ({"name": "shelter", "category": "needs"}, "There is an area with this name already."),
    ],
)
def test_a_duplicate_domain_is_refused(world: World, body: dict, message: str) -> None:
    response = api_as(world, with_network_admin(world)).post("/needs/domains", body)
    assert response.status_code == 422
    assert response.json() == {"detail": message}


def test_a_domain_with_needs_keeps_its_kind_of_data(world: World) -> None:
    assess(world, "shelter")
    response = api_as(world, with_network_admin(world)).patch(
        "/needs/domains/shelter", {"category": "health"}
    )
    assert response.status_code == 422
    assert "cannot change" in response.json()["detail"]
    assert NeedDomain.objects.get(code="shelter").category == "needs"


def test_an_unknown_domain_is_404(world: World) -> None:
    admin = api_as(world, with_network_admin(world))
    assert admin.patch("/needs/domains/unicorns", {"active": False}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 121, "category": "needs"}, "name"),
        ({"name": "", "category": "needs"}, "name"),
        ({"name": "   ", "category": "needs"}, "name"),
        ({"name": "Pets", "category": "identity"}, "category"),
        ({"name": "Pets", "category": "notes"}, "category"),
        ({"name": "Pets"}, "category"),
        ({"name": "Pets", "category": "needs", "why_we_ask": "w" * 401}, "why_we_ask"),
        ({"name": "Pets", "category": "needs", "position": 1000}, "position"),
        ({"name": "Pets", "category": "needs", "position": "3"}, "position"),
        ({"name": "Pets", "category": "needs", "sensitive": "yes"}, "sensitive"),
        ({"name": "Pets", "category": "needs", "colour": "red"}, "colour"),
    ],
)
def test_bad_domains_are_422(world: World, body: dict, field: str) -> None:
    before = _written()
    response = api_as(world, with_network_admin(world)).post("/needs/domains", body)
    assert response.status_code == 422, response.json()
    assert field in [e["loc"][-1] for e in response.json()["detail"]]
    assert _written() == before


def test_a_null_name_on_a_domain_is_refused(world: World) -> None:
    response = api_as(world, with_network_admin(world)).patch(
        "/needs/domains/shelter", {"name": None}
    )
    assert response.status_code == 422
    assert NeedDomain.objects.get(code="shelter").name == "Shelter and housing"


# --- the assessment -------------------------------------------------------------------------


def test_the_assessment_shows_every_domain_with_its_state(world: World) -> None:
    held = session(world)
    assess(world, "shelter", words="A room with a lock on the door", held=held)
    client = api_as(world, "casey")
    entries = AuditEntry.objects.count()
    response = client.get(_path(world))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["case_id"] == str(world.case.pk)
    assert body["started"] is True
    assert body["open_session_id"] == str(held.pk)
    assert body["withheld"] == []
    assert len(body["domains"]) == len(DEFAULT_DOMAINS)
    shelter = _row(body, "shelter")
    need = Need.objects.get(domain__code="shelter")
    assert shelter | {"identified_at": None, "updated_at": None} == {
        "code": "shelter",
        "name": "Shelter and housing",
        "category": "needs",
        "why_we_ask": "So you have a safe place to stay tonight and later on.",
        "sensitive": False,
        "active": True,
        "need_id": str(need.pk),
        "status": "identified",
        "urgency": "short_term",
        "description": "",
        "survivor_words": "A room with a lock on the door",
        "observations": "",
        "method": "interview",
        "assessed_on": TODAY.isoformat(),
        "deferred": False,
        "source": "assessment",
        "version": 1,
        "identified_at": None,
        "met_at": None,
        "updated_at": None,
        "updated_by": {"id": world.users["casey"].pk, "name": "Casey Tester"},
        "updated_by_agency": {
            "id": world.agencies["lead"].pk,
            "name": "Lead Family Services",
            "short_name": "Lead",
        },
        "unmet_without_help": False,
        "redisclosure_notice": None,
    }
    food = _row(body, "food")
    assert food["version"] == 0
    assert food["status"] == "not_discussed"
    assert food["need_id"] is None
    assert food["source"] is None
    [listed] = body["sessions"]
    assert listed["id"] == str(held.pk)
    assert listed["number"] == 1
    assert listed["open"] is True
    assert listed["safety_check"] == "safe_now"
    read = AuditEntry.objects.order_by("sequence")[entries:]
    assert [e.action for e in read] == [AuditAction.CASE_VIEWED]
    assert read[0].detail["part"] == "assessment"


def test_a_domain_is_assessed_then_changed_and_its_history_kept(world: World) -> None:
    client = api_as(world, "casey")
    first = client.put(
        _path(world, "/domains/food"),
        {
            "version": None,
            "status": "identified",
            "urgency": "immediate",
            "description": "  Groceries this week ",
            "method": "record_review",
            "assessed_on": TODAY.isoformat(),
        },
    )
    assert first.status_code == 200, first.json()
    assert first.json()["version"] == 1
    assert first.json()["description"] == "Groceries this week"
    assert first.json()["source"] == "assessment"
    second = client.put(
        _path(world, "/domains/food"),
        {"version": 1, "status": "met", "method": "record_review", "urgency": "immediate"},
    )
    assert second.status_code == 200, second.json()
    assert second.json()["version"] == 2
    assert second.json()["status"] == "met"
    assert second.json()["urgency"] is None  # no need, so no urgency
    assert second.json()["met_at"] is not None
    history = client.get(_path(world, "/domains/food/history"))
    assert history.status_code == 200
    body = history.json()
    assert body["domain"]["code"] == "food"
    assert [(e["version"], e["status"], e["previous_status"]) for e in body["entries"]] == [
        (1, "identified", None),
        (2, "met", "identified"),
    ]
    assert body["entries"][0]["description"] == "Groceries this week"  # never overwritten
    assert body["entries"][0]["recorded_by"]["name"] == "Casey Tester"
    last = AuditEntry.objects.order_by("-sequence").first()
    assert last is not None
    assert last.action == AuditAction.CASE_VIEWED
    assert last.detail["part"] == "need_history"


def test_a_stale_version_is_409_with_both_versions_and_nothing_saved(world: World) -> None:
    casey, sam = api_as(world, "casey"), api_as(world, "sam")
    base = {"status": "identified", "urgency": "short_term", "method": "record_review"}
    assert (
        casey.put(
            _path(world, "/domains/shelter"), base | {"version": None, "observations": "First"}
        ).status_code
        == 200
    )
    assert (
        sam.put(
            _path(world, "/domains/shelter"), base | {"version": 1, "observations": "Sam's"}
        ).status_code
        == 200
    )
    before = _written()
    response = casey.put(
        _path(world, "/domains/shelter"),
        base | {"version": 1, "observations": "Casey's", "urgency": "immediate"},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith("Someone else saved this area while you were working")
    assert body["current"]["version"] == 2
    assert body["current"]["observations"] == "Sam's"
    assert body["yours"]["version"] == 1
    assert body["yours"]["observations"] == "Casey's"
    assert body["yours"]["urgency"] == "immediate"
    assert body["base"]["version"] == 1
    assert body["base"]["observations"] == "First"
    assert _written() == before
    # Showing the current state is a read of it.
    last = AuditEntry.objects.order_by("-sequence").first()
    assert last is not None
    assert last.detail["part"] == "need_conflict"
    # Nothing lost: with the current version, Casey's change goes in.
    again = casey.put(
        _path(world, "/domains/shelter"),
        base | {"version": 2, "observations": "Casey's", "urgency": "immediate"},
    )
    assert again.status_code == 200
    assert again.json()["version"] == 3


def test_a_domain_assessed_meanwhile_is_409_with_no_base(world: World) -> None:
    assess(world, "shelter", by="sam", words="Sam wrote this")
    response = api_as(world, "casey").put(
        _path(world, "/domains/shelter"),
        {"version": 0, "status": "no_need", "method": "record_review"},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["base"] is None
    assert body["current"]["survivor_words"] == "Sam wrote this"
    assert body["yours"]["status"] == "no_need"
    assert body["yours"]["version"] == 0


def test_a_version_for_a_domain_not_on_the_case_is_422(world: World) -> None:
    response = api_as(world, "casey").put(
        _path(world, "/domains/shelter"),
        {"version": 3, "status": "no_need", "method": "record_review"},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "Nothing has been recorded about this area yet."}


def test_talking_with_them_is_recorded_in_a_session(world: World) -> None:
    client = api_as(world, "casey")
    body = {"version": None, "status": "no_need", "method": "interview"}
    refused = client.put(_path(world, "/domains/shelter"), body)
    assert refused.status_code == 422
    assert "Start or continue a session first" in refused.json()["detail"]
    held = session(world)
    done = client.put(_path(world, "/domains/shelter"), body | {"session_id": str(held.pk)})
    assert done.status_code == 200, done.json()
    history = client.get(_path(world, "/domains/shelter/history")).json()
    assert history["entries"][0]["session_id"] == str(held.pk)
    assert history["entries"][0]["session_number"] == 1
    unknown = client.put(
        _path(world, "/domains/shelter"),
        body | {"version": 1, "session_id": "00000000-0000-0000-0000-000000000000"},
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "identified", "method": "record_review"}, "Say how urgent the need is."),
        ({"status": "no_need"}, "Say how it was assessed."),
        ({"status": "not_discussed"}, "Choose what you found, or “come back to this later”"),
        ({"status": "no_need", "method": "record_review", "deferred": True}, "“Come back to"),
        (
            {"status": "no_need", "method": "record_review", "assessed_on": "1999-12-31"},
            "Check the year of the date it was assessed.",
        ),
    ],
)
def test_rules_of_the_assessment_are_422_sentences(
    world: World, change: dict, message: str
) -> None:
    before = _written()
    response = api_as(world, "casey").put(
        _path(world, "/domains/shelter"), {"version": None} | change
    )
    assert response.status_code == 422, response.json()
    assert response.json()["detail"].startswith(message)
    assert _written() == before


def test_a_transition_that_is_not_allowed_is_422(world: World) -> None:
    assess(world, "shelter", status="no_need")
    response = api_as(world, "casey").put(
        _path(world, "/domains/shelter"),
        {"version": 1, "status": "met", "method": "record_review"},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "A need that is “No need” cannot become “Met”."}


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("status", "Identified"),
        ("status", "solved"),
        ("status", None),
        ("urgency", "soon"),
        ("method", "guessing"),
        ("version", "1"),
        ("version", -1),
        ("version", 1.5),
        ("deferred", "yes"),
        ("deferred", 1),
        ("assessed_on", TOMORROW),
        ("assessed_on", "last week"),
        ("assessed_on", 1700000000),
        ("survivor_words", "é" * 2001),
        ("observations", "o" * 2001),
        ("description", "d" * 301),
        ("description", 12),
        ("session_id", "session-one"),
        ("colour", "red"),
    ],
)
def test_bad_input_on_a_domain_is_422(world: World, field: str, bad: Any) -> None:
    before = _written()
    response = api_as(world, "casey").put(
        _path(world, "/domains/shelter"),
        {"version": None, "status": "no_need", "method": "record_review", field: bad},
    )
    assert response.status_code == 422, response.json()
    assert field in [e["loc"][-1] for e in response.json()["detail"]]
    assert _written() == before


def test_the_version_must_be_sent(world: World) -> None:
    response = api_as(world, "casey").put(
        _path(world, "/domains/shelter"), {"status": "no_need", "method": "record_review"}
    )
    assert response.status_code == 422
    assert [(e["loc"][-1], e["type"]) for e in response.json()["detail"]] == [
        ("version", "missing")
    ]


@pytest.mark.parametrize("raw", ["", "{}", "[]", "null", "{oops", '"text"'])
def test_empty_and_malformed_bodies_are_refused(world: World, raw: str) -> None:
    response = api_as(world, "casey").put(_path(world, "/domains/shelter"), raw=raw)
    assert response.status_code in (400, 422)
    assert "detail" in response.json()
    assert not Need.objects.exists()


def test_text_is_cleaned_before_it_is_counted(world: World) -> None:
    words = "  Je veux\x07 un\u202e lit  " + " " * 50
    response = api_as(world, "casey").put(
        _path(world, "/domains/shelter"),
        {"version": None, "status": "no_need", "method": "record_review", "observations": words},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["observations"] == "Je veux un lit"


# --- who may assess -------------------------------------------------------------------------


def test_a_mentor_may_not_assess(world: World) -> None:
    response = api_as(world, with_mentor(world)).put(
        _path(world, "/domains/shelter"),
        {"version": None, "status": "no_need", "method": "record_review"},
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this."}


def test_a_partner_assesses_only_the_released_kinds_of_data(world: World) -> None:
    drew = api_as(world, "drew")
    body = {
        "version": None,
        "status": "identified",
        "urgency": "short_term",
        "method": "other_agency",
    }
    refused = drew.put(_path(world, "/domains/mental_health"), body)
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Your agency may not see this kind of data for this person."
    }
    release_to_partner(world, {"mental_health"})
    done = drew.put(_path(world, "/domains/mental_health"), body)
    assert done.status_code == 200, done.json()
    assert done.json()["source"] == "other_agency"
    assert drew.put(_path(world, "/domains/shelter"), body).status_code == 403


def test_people_off_the_case_get_404(world: World) -> None:
    assess(world, "shelter")
    for username in ("cole", "quinn", "morgan", "jordan", "avery"):
        client = api_as(world, username)
        assert client.get(_path(world)).status_code == 404
        assert client.get(_path(world, "/domains/shelter/history")).status_code == 404
        response = client.put(
            _path(world, "/domains/shelter"),
            {"version": 1, "status": "no_need", "method": "record_review"},
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found"}


def test_a_closed_case_is_not_assessed(world: World) -> None:
    change_case_status(
        actor=world.actor("casey"),
        case=world.case,
        status="closed",
        expected_version=world.case.version,
        closure_reason="goals_met",
    )
    response = api_as(world, "casey").put(
        _path(world, "/domains/shelter"),
        {"version": None, "status": "no_need", "method": "record_review"},
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "This case is closed. Reopen it to assess needs."}


def test_a_malformed_case_id_is_422(world: World) -> None:
    assert api_as(world, "casey").get("/cases/not-a-uuid/assessment").status_code == 422


# --- sessions ---------------------------------------------------------------------------------


def _held_at(minutes: int = 5) -> str:
    return (timezone.now() - timedelta(minutes=minutes)).isoformat()


def test_a_session_starts_with_safety_and_is_finished(world: World) -> None:
    client = api_as(world, "casey")
    started = client.post(
        _path(world, "/sessions"),
        {
            "held_at": _held_at(),
            "place": "school",
            "participants": ["survivor", "interpreter", "survivor"],
            "interpreter_language": " Haitian Creole ",
            "safety_check": "safe_now",
        },
    )
    assert started.status_code == 201, started.json()
    body = started.json()
    assert body["number"] == 1
    assert body["participants"] == ["survivor", "interpreter"]
    assert body["interpreter_language"] == "Haitian Creole"
    assert body["open"] is True
    assert body["entries"] == []
    assert body["version"] == 1
    session_path = _path(world, f"/sessions/{body['id']}")
    assess(world, "shelter", held=AssessmentSession.objects.get(pk=body["id"]))
    read = client.get(session_path)
    assert read.status_code == 200
    assert [(e["code"], e["status"]) for e in read.json()["entries"]] == [("shelter", "identified")]
    assert AuditEntry.objects.order_by("-sequence").first().detail["part"] == "assessment_session"  # type: ignore[union-attr]
    written = client.patch(session_path, {"version": 1, "summary": "We covered housing first."})
    assert written.status_code == 200, written.json()
    assert written.json()["summary"] == "We covered housing first."
    assert written.json()["version"] == 2
    finished = client.patch(session_path, {"version": 2, "finish": True})
    assert finished.status_code == 200
    assert finished.json()["open"] is False
    assert finished.json()["summary"] == "We covered housing first."  # not sent: kept
    again = client.patch(session_path, {"version": 3, "summary": "More"})
    assert again.status_code == 422
    assert again.json() == {"detail": "This session is finished; start a new one."}


def test_a_stale_session_version_is_409_with_both_versions(world: World) -> None:
    held = session(world)
    path = _path(world, f"/sessions/{held.pk}")
    assert api_as(world, "sam").patch(path, {"version": 1, "summary": "Sam's"}).status_code == 200
    response = api_as(world, "casey").patch(path, {"version": 1, "summary": "Casey's"})
    assert response.status_code == 409
    body = response.json()
    assert body["your_version"] == 1
    assert body["current_version"] == 2
    assert body["current"]["summary"] == "Sam's"
    assert body["yours"] == {"summary": "Casey's", "finish": False}
    held.refresh_from_db()
    assert held.summary == "Sam's"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"safety_check": "not_this_time"}, "Immediate safety comes first"),
        ({"safety_check": "not_safe"}, "Say what was done to make them safe."),
        ({"safety_check": "at_screening"}, "No screening of theirs in the last"),
        ({"participants": ["interpreter"]}, "Say which language the interpreter spoke."),
        (
            {"held_at": (timezone.now() + timedelta(hours=2)).isoformat()},
            "A session is recorded when it happens",
        ),
        ({"held_at": "1999-05-01T10:00:00Z"}, "Check the year of the session."),
    ],
)
def test_rules_of_a_session_are_422_sentences(world: World, change: dict, message: str) -> None:
    body = {"held_at": _held_at(), "place": "office", "participants": ["survivor"]}
    body |= {"safety_check": "safe_now"} | change
    response = api_as(world, "casey").post(_path(world, "/sessions"), body)
    assert response.status_code == 422, response.json()
    assert response.json()["detail"].startswith(message)
    assert not AssessmentSession.objects.exists()


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("held_at", "2026-11-28T14:30:00"),  # no offset
        ("held_at", 1700000000),
        ("held_at", "yesterday"),
        ("place", "her flat on 5th street"),
        ("participants", ["survivor", "neighbour"]),
        ("participants", "survivor"),
        ("safety_check", "fine"),
        ("safety_steps", "s" * 1001),
        ("interpreter_language", "l" * 61),
        ("colour", "red"),
    ],
)
def test_bad_input_on_a_session_is_422(world: World, field: str, bad: Any) -> None:
    body = {"held_at": _held_at(), "place": "office", "safety_check": "safe_now", field: bad}
    response = api_as(world, "casey").post(_path(world, "/sessions"), body)
    assert response.status_code == 422, response.json()
    assert any(field in e["loc"] for e in response.json()["detail"])
    assert not AssessmentSession.objects.exists()


@pytest.mark.parametrize(
    ("field", "bad"), [("version", 0), ("summary", "x" * 4001), ("finish", "yes")]
)
def test_bad_input_on_a_session_change_is_422(world: World, field: str, bad: Any) -> None:
    held = session(world)
    response = api_as(world, "casey").patch(
        _path(world, f"/sessions/{held.pk}"), {"version": 1, field: bad}
    )
    assert response.status_code == 422
    assert field in [e["loc"][-1] for e in response.json()["detail"]]


def test_sessions_are_the_lead_teams(world: World) -> None:
    release_to_partner(world, {"needs", "mental_health"})
    body = {"held_at": _held_at(), "place": "office", "safety_check": "safe_now"}
    drew = api_as(world, "drew")
    refused = drew.post(_path(world, "/sessions"), body)
    assert refused.status_code == 403
    held = session(world)
    # Drew reads it (needs are released to his agency) but may not write it.
    assert drew.get(_path(world, f"/sessions/{held.pk}")).status_code == 200
    response = drew.patch(_path(world, f"/sessions/{held.pk}"), {"version": 1, "summary": "x"})
    assert response.status_code == 403
    assert (
        api_as(world, with_mentor(world)).post(_path(world, "/sessions"), body).status_code == 403
    )


def test_a_session_shows_only_the_domains_the_reader_may_see(world: World) -> None:
    """A partner released needs data, not mental health: the session's mental-health entry
    is not in the answer, nor its words."""
    held = session(world)
    assess(world, "shelter", held=held, words="Somewhere quiet to sleep")
    assess(world, "mental_health", held=held, words="Talk to someone about the nightmares")
    release_to_partner(world, {"needs"})
    body = api_as(world, "drew").get(_path(world, f"/sessions/{held.pk}"))
    assert body.status_code == 200
    assert [e["code"] for e in body.json()["entries"]] == ["shelter"]
    assert "nightmares" not in body.content.decode()
    assert "mental" not in body.content.decode()
    lead = api_as(world, "casey").get(_path(world, f"/sessions/{held.pk}")).json()
    assert [e["code"] for e in lead["entries"]] == ["shelter", "mental_health"]


def test_sessions_need_the_needs_category(world: World) -> None:
    held = session(world)
    release_to_partner(world, {"mental_health"})
    assert api_as(world, "drew").get(_path(world, f"/sessions/{held.pk}")).status_code == 404
    assert api_as(world, "drew").get(_path(world)).json()["sessions"] == []


# --- privacy: what each reader's answer carries ----------------------------------------------


def _record_needs(world: World) -> None:
    held = session(world)
    assess(world, "shelter", held=held, words="A room of my own with a lock")
    assess(world, "mental_health", held=held, words="Someone to talk to about the nightmares")
    assess(world, "medical", held=held, words="My inhaler ran out")
    assess(world, "substance_use", held=held, words="Four outpatient sessions so far")
    assess(world, "court_advocacy", held=held, words="Someone with me at the hearing")


def test_a_mentor_sees_no_needs_and_nothing_clinical(world: World) -> None:
    _record_needs(world)
    mentor = api_as(world, with_mentor(world))
    response = mentor.get(_path(world))
    assert response.status_code == 200
    text = response.content.decode()
    for words in ("room of my own", "nightmares", "inhaler", "outpatient"):
        assert words not in text
    body = response.json()
    # Nothing of the needs category nor anything clinical (see the finding below about the
    # legal-category domains, which a mentor's role reads).
    assert {d["category"] for d in body["domains"]} <= {"legal"}
    assert body["sessions"] == []
    assert set(body["withheld"]) == {
        "needs",
        "health",
        "mental_health",
        "substance_use",
        "education",
    }
    for code in ("shelter", "mental_health", "medical"):
        assert mentor.get(_path(world, f"/domains/{code}/history")).status_code == 404


def test_a_released_clinician_sees_the_released_kinds_of_needs_only(world: World) -> None:
    _record_needs(world)
    release_to_partner(world, {"mental_health"})
    drew = api_as(world, "drew")
    response = drew.get(_path(world))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Someone to talk to about the nightmares" in text
    for words in ("room of my own", "inhaler", "outpatient", "hearing"):
        assert words not in text
    body = response.json()
    assert [d["code"] for d in body["domains"]] == ["mental_health"]
    assert body["sessions"] == []  # sessions are needs data
    assert body["started"] is None  # not "false": whether it started is withheld too
    assert "needs" in body["withheld"]
    assert "health" in body["withheld"]
    history = drew.get(_path(world, "/domains/mental_health/history"))
    assert history.status_code == 200
    assert (
        history.json()["entries"][0]["survivor_words"] == "Someone to talk to about the nightmares"
    )
    for code in ("shelter", "medical", "substance_use"):
        assert drew.get(_path(world, f"/domains/{code}/history")).status_code == 404


def test_substance_use_shown_to_another_agency_carries_the_part2_notice(world: World) -> None:
    _record_needs(world)
    release_to_partner(world, {"substance_use"})
    drew = api_as(world, "drew")
    [row] = drew.get(_path(world)).json()["domains"]
    assert row["code"] == "substance_use"
    assert row["redisclosure_notice"].startswith("This record which has been disclosed to you")
    [entry] = drew.get(_path(world, "/domains/substance_use/history")).json()["entries"]
    assert entry["redisclosure_notice"] is not None
    lead = api_as(world, "casey").get(_path(world)).json()
    assert _row(lead, "substance_use")["redisclosure_notice"] is None


def test_nobody_without_a_release_sees_a_word(world: World) -> None:
    _record_needs(world)
    response = api_as(world, "drew").get(_path(world))
    assert response.status_code == 200
    body = response.json()
    assert body["domains"] == []
    assert body["sessions"] == []
    assert "needs" in body["withheld"]
    assert "nightmares" not in response.content.decode()


# --- what the queries give (findings of the API work, fixed) --------------------------------


def test_session_of_keeps_entries_of_domains_the_reader_may_not_see(world: World) -> None:
    from continuum.needs.queries import session_of

    held = session(world)
    assess(world, "mental_health", held=held, words="nightmares")
    release_to_partner(world, {"needs"})
    found = session_of(world.actor("drew"), world.case, held.pk)
    assert [e.need.domain.code for e in found.entries.all()] == []


def test_a_mentor_sees_only_the_legal_areas_of_the_assessment(world: World) -> None:
    """Decided: a survivor-mentor goes to court with the survivor, so the legal areas (court
    accompaniment, legal support) are theirs to read; nothing else of the assessment is."""
    _record_needs(world)
    body = api_as(world, with_mentor(world)).get(_path(world)).json()
    assert {d["category"] for d in body["domains"]} == {"legal"}


def test_the_assessment_carries_the_cases_figures_over_what_the_reader_may_see(
    world: World,
) -> None:
    """The per-case measures of the assessment page, in the API: counted only over the
    domains (and the plan) the reader may see, so a figure never tells of a withheld need."""
    assess(world, "shelter", words="A room of my own")
    assess(world, "mental_health", words="Someone to talk to")
    assess(world, "food", words="")
    assess(world, "food", status="met")
    long_ago = timezone.now() - timedelta(days=30)
    Need.objects.filter(case=world.case).update(identified_at=long_ago)

    lead = api_as(world, "casey").get(_path(world)).json()["measures"]
    assert lead["identified"] == 3
    assert lead["open"] == 2
    assert lead["met"] == 1
    assert lead["median_days_to_met"] is not None
    assert lead["unmet_without_help"] == 2
    assert lead["unmet_without_help_domains"] == ["Shelter and housing", "Mental health services"]
    assert lead["unmet_days"] == 14
    assert lead["review_due_on"] is None  # no plan yet
    assert lead["review_on_time"] is None

    release_to_partner(world, {"mental_health"})
    drew = api_as(world, "drew").get(_path(world)).json()["measures"]
    assert (drew["identified"], drew["open"], drew["met"]) == (1, 1, 0)
    assert drew["unmet_without_help_domains"] == ["Mental health services"]
    assert "Shelter" not in str(drew)


def test_no_figures_for_a_reader_who_may_see_no_domain(world: World) -> None:
    assess(world, "shelter", words="A room of my own")
    body = api_as(world, "drew").get(_path(world)).json()
    assert body["domains"] == []
    assert body["measures"] is None
