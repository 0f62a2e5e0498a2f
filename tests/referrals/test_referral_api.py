"""/api/v1/referrals: creating referrals and inquiries, the two lists, one referral's body
per reader (only released categories; revoking shows less on the same GET), moves and
outcomes with their refusals (403 the other side, 404 neither, 409 stale, 422 not allowed),
the FHIR export, and query counts that do not grow with the number of referrals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.audit.models import AuditAction, AuditEntry
from continuum.directory.models import Service
from continuum.needs.models import Need
from continuum.referrals.models import Referral
from continuum.survivors.actions import SurvivorDetails, revoke_release, update_survivor
from continuum.survivors.models import Release
from tests.api.world_api import api_as
from tests.personas import World, build_world
from tests.referrals.helpers import referral_world, sent

pytestmark = pytest.mark.django_db

PHONE = "(352) 555-0177"
NOTE = "Afternoons suit her best."


@pytest.fixture
def setup() -> tuple[World, Service, Need]:
    world = build_world()
    update_survivor(
        actor=world.actor("casey"),
        survivor=world.survivor,
        details=SurvivorDetails(
            preferred_name="Ana",
            legal_given_name="Ana María",
            legal_family_name="Pérez",
            pronouns="she/her",
            safe_phone=PHONE,
            safe_to_call=True,
        ),
        expected_version=world.survivor.version,
    )
    service, need = referral_world(world)
    return world, service, need


def _body(world: World, service: Service, need: Need, **more: Any) -> dict[str, Any]:
    return {
        "case_id": str(world.case.pk),
        "service_id": str(service.pk),
        "need_id": str(need.pk),
        **more,
    }


def _text(response: Any) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


# --- creating -------------------------------------------------------------------------------


def test_a_referral_is_sent_through_the_api(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    response = api_as(world, "casey").post(
        "/referrals", _body(world, service, need, note=NOTE, urgent=True, do_not_reach_out=True)
    )
    assert response.status_code == 201, response.json()
    out = response.json()
    assert (out["status"], out["kind"], out["your_side"]) == ("requested", "referral", "sender")
    assert out["next_moves"] == ["cancelled", "entered-in-error"]
    assert (out["urgent"], out["do_not_reach_out"], out["version"]) == (True, True, 2)
    assert out["case_reference"] == world.case.reference
    assert out["need_domain"] == "mental_health"
    assert out["response_due_on"] is not None
    assert out["overdue"] is False
    assert Referral.objects.get().note == NOTE


def test_a_draft_through_the_api(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    response = api_as(world, "sam").post("/referrals", _body(world, service, need, send=False))
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert response.json()["next_moves"] == ["requested", "cancelled", "entered-in-error"]
    # A draft is not in the receiver's queue, and does not exist for it.
    assert api_as(world, "ivy").get("/referrals/intake").json() == []
    assert api_as(world, "ivy").get(f"/referrals/{response.json()['id']}").status_code == 404


def test_without_a_release_a_referral_is_refused_and_an_inquiry_goes() -> None:
    world = build_world()
    service, need = referral_world(world, release=set())
    client = api_as(world, "casey")
    response = client.post("/referrals", _body(world, service, need))
    assert response.status_code == 422
    assert "capacity inquiry" in response.json()["detail"]
    inquiry = client.post(
        "/referrals/inquiries", _body(world, service, need, age=16, gender_words="girl")
    )
    assert inquiry.status_code == 201
    assert inquiry.json()["inquiry_text"] == (
        "A 16-year-old girl needs mental health services soon. Could you take them?"
    )
    queue = api_as(world, "ivy").get("/referrals/intake").json()
    assert [(r["kind"], r["case_id"], r["case_reference"]) for r in queue] == [
        ("capacity_inquiry", None, None)
    ]
    detail = api_as(world, "ivy").get(f"/referrals/{queue[0]['id']}").json()
    assert detail["body"]["identity"] is None
    assert detail["body"]["case_reference"] is None
    assert world.case.reference not in json.dumps(detail)


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"service_id": "00000000-0000-0000-0000-000000000000"}, 404, "Not found"),
        ({"case_id": "00000000-0000-0000-0000-000000000000"}, 404, "Not found"),
        ({"need_id": "00000000-0000-0000-0000-000000000000"}, 404, "Not found"),
        ({"case_id": "not-a-uuid"}, 422, "UUID"),
        ({"nickname": "Ana"}, 422, "Extra inputs"),
        ({"note": "x" * 2001}, 422, "2000"),
        ({"urgent": "yes"}, 422, "boolean"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    setup: tuple[World, Service, Need], change: dict[str, Any], status: int, words: str
) -> None:
    world, service, need = setup
    response = api_as(world, "casey").post("/referrals", {**_body(world, service, need), **change})
    assert response.status_code == status
    assert words in _text(response)
    assert not Referral.objects.exists()


def test_an_inactive_service_or_a_closed_case_is_a_rule_not_a_crash(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    Service.objects.filter(pk=service.pk).update(status="inactive")
    response = api_as(world, "casey").post("/referrals", _body(world, service, need))
    assert response.status_code == 422
    assert "not taking referrals" in response.json()["detail"]


@pytest.mark.parametrize(
    ("username", "status"), [("drew", 403), ("jordan", 403), ("cole", 404), ("quinn", 404)]
)
def test_who_may_refer_through_the_api(
    setup: tuple[World, Service, Need], username: str, status: int
) -> None:
    world, service, need = setup
    for path, extra in (("/referrals", {}), ("/referrals/inquiries", {"age": 15})):
        response = api_as(world, username).post(path, _body(world, service, need, **extra))
        assert response.status_code == status, path
        assert "Pérez" not in _text(response)
    assert not Referral.objects.exists()


# --- the body each reader gets --------------------------------------------------------------


def test_the_body_carries_only_released_categories_and_revoking_shows_less(
    setup: tuple[World, Service, Need],
) -> None:
    """The response-body check the issue asks for: the same GET, before and after the
    survivor revokes her release to Harbor."""
    world, service, need = setup
    referral = sent(world, service, need, note=NOTE)
    ivy = api_as(world, "ivy")
    before = ivy.get(f"/referrals/{referral.pk}")
    assert before.status_code == 200
    body = before.json()["body"]
    assert body["shown"] == ["identity", "contact", "needs"]
    assert body["identity"]["name"] == "Ana"
    assert body["contact"]["safe_phone"] == PHONE
    assert body["need"]["note"] == NOTE
    assert body["need"]["description"] == ""  # a mental-health need's words: not released
    assert before.json()["case_reference"] == world.case.reference
    revoke_release(actor=world.actor("casey"), release=Release.objects.get(survivor=world.survivor))
    after = ivy.get(f"/referrals/{referral.pk}")
    assert after.status_code == 200
    out = after.json()
    assert out["body"]["shown"] == []
    assert out["body"]["withheld"] == ["identity", "contact", "needs"]
    assert (out["body"]["identity"], out["body"]["contact"], out["body"]["need"]) == (
        None,
        None,
        None,
    )
    assert (out["case_id"], out["case_reference"], out["need_domain"]) == (None, None, None)
    text = _text(after)
    for private in ("Ana", "Pérez", PHONE, NOTE, world.case.reference, "she/her"):
        assert private not in text


def test_only_what_is_released_now_by_category(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need, note=NOTE)
    from tests.personas import release_to_partner

    revoke_release(actor=world.actor("casey"), release=Release.objects.get(survivor=world.survivor))
    release_to_partner(world, {"needs"})
    out = api_as(world, "drew").get(f"/referrals/{referral.pk}").json()
    assert out["body"]["shown"] == ["needs"]
    assert out["body"]["need"]["note"] == NOTE
    text = json.dumps(out, ensure_ascii=False)
    for private in ("Ana", "Pérez", PHONE):
        assert private not in text
    # Who they are is not released: the top-level case reference is withheld too.
    assert out["case_reference"] is None


def test_do_not_reach_out_through_the_api(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need, provider_may_contact=False)
    out = api_as(world, "ivy").get(f"/referrals/{referral.pk}").json()
    assert out["do_not_reach_out"] is True
    assert out["body"]["do_not_reach_out"] is True
    assert out["body"]["contact"] is None
    assert PHONE not in json.dumps(out)


def test_a_read_is_audited_with_categories_only(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need, note=NOTE)
    api_as(world, "ivy").get(f"/referrals/{referral.pk}")
    entry = AuditEntry.objects.filter(action=AuditAction.REFERRAL_VIEWED).last()
    assert entry is not None
    assert entry.via == "api"
    assert entry.detail == {"categories": ["identity", "contact", "needs"], "side": "receiver"}


@pytest.mark.parametrize("username", ["quinn", "morgan", "cole", "gus", "jordan", "avery"])
def test_a_referral_is_not_found_for_neither_side(
    setup: tuple[World, Service, Need], username: str
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    client = api_as(world, username)
    for path in ("", "/fhir"):
        response = client.get(f"/referrals/{referral.pk}{path}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found"}
    move = client.post(f"/referrals/{referral.pk}/move", {"to": "accepted", "version": 2})
    assert move.status_code == 404


# --- moves and outcomes ---------------------------------------------------------------------


def test_the_loop_closes_through_the_api(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    ivy = api_as(world, "ivy")
    version = 2
    for to in ("accepted", "in-progress"):
        response = ivy.post(f"/referrals/{referral.pk}/move", {"to": to, "version": version})
        assert response.status_code == 200, response.json()
        version = response.json()["version"]
    done = ivy.post(
        f"/referrals/{referral.pk}/move",
        {"to": "completed", "outcome": "got_help", "version": version},
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["outcome"]) == ("completed", "got_help")
    assert done.json()["next_moves"] == []
    assert Need.objects.get(pk=need.pk).status == "met"
    detail = api_as(world, "casey").get(f"/referrals/{referral.pk}").json()
    assert [e["status"] for e in detail["events"]] == [
        "draft",
        "requested",
        "accepted",
        "in-progress",
        "completed",
    ]
    assert detail["events"][-1]["outcome"] == "got_help"
    assert detail["events"][-1]["by_agency"] == "Harbor Counseling"


def test_a_stale_version_is_a_409_and_nothing_changes(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    assert (
        api_as(world, "pat")
        .post(
            f"/referrals/{referral.pk}/move",
            {"to": "rejected", "reason": "no_capacity", "version": 2},
        )
        .status_code
        == 200
    )
    late = api_as(world, "ivy").post(
        f"/referrals/{referral.pk}/move", {"to": "accepted", "version": 2}
    )
    assert late.status_code == 409
    assert "Nothing was saved" in late.json()["detail"]
    assert Referral.objects.get(pk=referral.pk).status == "rejected"


def test_a_move_the_state_does_not_allow_is_422_with_a_clear_message(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    response = api_as(world, "ivy").post(
        f"/referrals/{referral.pk}/move", {"to": "completed", "version": 2}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "A referral that is “Sent, waiting for an answer” cannot become “Completed”."
    )


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"to": "rejected"}, "Say why"),
        ({"to": "rejected", "reason": "no_longer_needed"}, "Say why"),
        ({"to": "accepted", "reason": "declined"}, "reason is given only"),
        ({"to": "accepted", "outcome": "got_help"}, "closed"),
        ({"to": "approved"}, "Input should be"),
        ({"to": "accepted", "version": 0}, "greater than or equal to 1"),
    ],
)
def test_moves_with_bad_reasons_or_values_are_422(
    setup: tuple[World, Service, Need], payload: dict[str, Any], words: str
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    response = api_as(world, "ivy").post(
        f"/referrals/{referral.pk}/move", {"version": 2, **payload}
    )
    assert response.status_code == 422
    assert words in _text(response)
    assert Referral.objects.get(pk=referral.pk).status == "requested"


def test_the_other_sides_move_is_403(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    response = api_as(world, "casey").post(
        f"/referrals/{referral.pk}/move", {"to": "accepted", "version": 2}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the agency this referral was sent to can do that."
    response = api_as(world, "ivy").post(
        f"/referrals/{referral.pk}/move", {"to": "cancelled", "reason": "declined", "version": 2}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the agency that sent this referral can do that."


def test_the_outcome_route(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    ivy = api_as(world, "ivy")
    early = ivy.post(f"/referrals/{referral.pk}/outcome", {"outcome": "got_help", "version": 2})
    assert early.status_code == 422
    version = 2
    for to, reason in (("accepted", None), ("failed", "could_not_contact")):
        version = ivy.post(
            f"/referrals/{referral.pk}/move", {"to": to, "reason": reason, "version": version}
        ).json()["version"]
    casey = api_as(world, "casey")
    ok = casey.post(
        f"/referrals/{referral.pk}/outcome", {"outcome": "got_help", "version": version}
    )
    assert ok.status_code == 200
    assert ok.json()["outcome"] == "got_help"
    stale = casey.post(
        f"/referrals/{referral.pk}/outcome", {"outcome": "did_not_get_help", "version": version}
    )
    assert stale.status_code == 409


# --- lists ----------------------------------------------------------------------------------


def _overdue(referral: Referral) -> None:
    Referral.objects.filter(pk=referral.pk).update(
        response_due_on=timezone.localdate() - timedelta(days=3)
    )


def test_the_lists_for_each_side(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    later = sent(world, service, need)
    late = sent(world, service, need)
    _overdue(late)
    queue = api_as(world, "ivy").get("/referrals/intake").json()
    assert [r["id"] for r in queue] == [str(late.pk), str(later.pk)]
    assert [r["overdue"] for r in queue] == [True, False]
    assert all(r["case_reference"] == world.case.reference for r in queue)
    assert all(r["need_domain"] is None for r in queue)  # the sender's detail, not the queue's
    mine = api_as(world, "casey").get("/referrals/sent").json()
    assert {r["id"]: r["overdue"] for r in mine} == {str(late.pk): True, str(later.pk): False}
    for private in ("Ana", "Pérez", PHONE):
        assert private not in json.dumps(queue, ensure_ascii=False)
        assert private not in json.dumps(mine, ensure_ascii=False)
    assert api_as(world, "gus").get("/referrals/intake").status_code == 403
    assert api_as(world, "drew").get("/referrals/sent").status_code == 403


@pytest.mark.parametrize(("username", "path"), [("ivy", "/intake"), ("casey", "/sent")])
def test_lists_cost_the_same_for_3_and_12_referrals(
    setup: tuple[World, Service, Need], username: str, path: str
) -> None:
    world, service, need = setup
    client = api_as(world, username)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/referrals{path}")
        assert response.status_code == 200
        return len(captured)

    for _n in range(3):
        sent(world, service, need)
    count()  # the token's first use is recorded once; not what is measured
    small = count()
    for n in range(9):
        made = sent(world, service, need)
        if n % 2:
            _overdue(made)
    assert count() == small
    assert len(client.get(f"/referrals{path}").json()) == 12


def test_the_fhir_route(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    response = api_as(world, "ivy").get(f"/referrals/{referral.pk}/fhir")
    assert response.status_code == 200
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle"
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["ServiceRequest", "Task"]
    assert AuditEntry.objects.filter(action=AuditAction.REFERRAL_EXPORTED).count() == 1
