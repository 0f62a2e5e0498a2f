"""The FHIR export of a referral (continuum/referrals/fhir.py): a Bundle of type collection
with a ServiceRequest and the Task that tracks it, valid against the fhir.resources models
(R4B, the nearest release to R4 the package ships) and against R4's code lists (checked here
by hand: the models check types and cardinality, not value sets); carrying the person only
as far as the reader may see them; audited as an export."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from continuum.audit.models import AuditAction, AuditEntry
from continuum.directory.models import Attribute, Service
from continuum.needs.models import Need
from continuum.referrals import actions, fhir, queries
from continuum.referrals.models import Referral, ReferralStatus
from continuum.survivors.actions import SurvivorDetails, revoke_release, update_survivor
from continuum.survivors.models import Release
from tests.personas import World, build_world, release_to_partner
from tests.referrals.helpers import referral_world, sent

pytestmark = pytest.mark.django_db

PHONE = "(352) 555-0166"
NOTE = "She would like a woman counsellor."

# R4 (4.0.1) code lists.
TASK_STATUS = {
    "draft",
    "requested",
    "received",
    "accepted",
    "rejected",
    "ready",
    "cancelled",
    "in-progress",
    "on-hold",
    "failed",
    "completed",
    "entered-in-error",
}
TASK_INTENT = {
    "unknown",
    "proposal",
    "plan",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
}
REQUEST_STATUS = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
REQUEST_INTENT = TASK_INTENT - {"unknown"} | {"directive"}
PRIORITY = {"routine", "urgent", "asap", "stat"}


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
            date_of_birth=world.survivor.date_of_birth,
            interpreter_needed=True,
            safe_phone=PHONE,
            safe_to_call=True,
            safe_to_text=False,
        ),
        expected_version=world.survivor.version,
    )
    service, need = referral_world(world)
    return world, service, need


def _export(world: World, username: str, referral: Referral) -> dict[str, Any]:
    found = queries.referral_for(world.actor(username), referral.pk)
    return fhir.export_referral(world.actor(username), found)


def _resources(bundle: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    request, task = (entry["resource"] for entry in bundle["entry"])
    return request, task


def _valid(bundle: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Valid as FHIR resources and by R4's code lists; the references resolve."""
    Bundle.model_validate(bundle)
    request, task = _resources(bundle)
    ServiceRequest.model_validate(request)
    Task.model_validate(task)
    assert bundle["type"] == "collection"
    assert task["status"] in TASK_STATUS
    assert task["intent"] in TASK_INTENT
    assert request["status"] in REQUEST_STATUS
    assert request["intent"] in REQUEST_INTENT
    assert {task["priority"], request["priority"]} <= PRIORITY
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == 2
    assert all(url.startswith("urn:uuid:") for url in urls)
    assert task["focus"]["reference"] == urls[0]
    assert task["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/CodeSystem/task-code",
        "code": "fulfill",
        "display": "Fulfill the focal request",
    }
    subject = request["subject"].get("reference")
    if subject is not None:
        contained = {f"#{r['id']}" for r in request.get("contained", [])}
        assert subject in contained
    else:
        assert "contained" not in request
    return request, task


def test_a_referral_exports_as_a_service_request_and_its_task(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need, note=NOTE, urgent=True)
    request, task = _valid(_export(world, "ivy", referral))
    assert (task["status"], task["intent"], task["priority"]) == ("requested", "order", "urgent")
    assert task["id"] == str(referral.pk)
    assert task["requester"] == {"type": "Organization", "display": "Lead Family Services"}
    assert task["owner"] == {"type": "Organization", "display": "Harbor Counseling"}
    assert request["requester"] == task["requester"]
    assert request["performer"] == [task["owner"]]
    assert (request["status"], request["intent"]) == ("active", "order")
    assert task["executionPeriod"]["start"].startswith(str(referral.requested_at.date()))  # type: ignore[union-attr]
    assert task["note"] == [{"text": f"Answer due by {referral.response_due_on}."}]
    # What is asked for: the service, coded with its Open Eligibility terms; why: the need.
    codes = set(
        Attribute.objects.filter(link_id=service.pk).values_list("taxonomy_term__code", flat=True)
    )
    assert request["code"]["text"] == service.name
    assert {c["code"] for c in request["code"]["coding"]} == codes
    assert all(c["system"] == "https://openeligibility.org" for c in request["code"]["coding"])
    # Why: the need, named only to a reader its own kind of data is released to (Harbor has
    # "needs", not "mental health": it used to be told it was a mental-health referral).
    assert "reasonCode" not in request
    assert "mental_health" not in json.dumps(request)
    release_to_partner(world, {"mental_health"})
    request, _task = _valid(_export(world, "ivy", referral))
    assert request["reasonCode"][0]["coding"][0]["code"] == "mental_health"


def test_the_patient_carries_only_what_identity_the_reader_may_see(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need, note=NOTE)
    request, task = _valid(_export(world, "ivy", referral))
    (patient,) = request["contained"]
    assert patient["name"] == [{"use": "usual", "text": "Ana"}]
    assert patient["birthDate"] == world.survivor.date_of_birth.isoformat()  # type: ignore[union-attr]
    assert patient["telecom"] == [{"system": "phone", "value": PHONE}]
    urls = {e["url"] for e in patient["extension"]}
    assert urls == {fhir.PRONOUNS, fhir.INTERPRETER_REQUIRED}
    assert task["for"] == {"type": "Patient", "display": "Ana"}
    notes = " ".join(n["text"] for n in request["note"])
    assert NOTE in notes
    assert "call yes; text no" in notes
    # The legal name is never exported: the name they go by is what identity carries.
    assert "Pérez" not in json.dumps(request, ensure_ascii=False)


def test_without_an_identity_release_the_subject_is_not_shared(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need, note=NOTE)
    revoke_release(actor=world.actor("casey"), release=Release.objects.get(survivor=world.survivor))
    release_to_partner(world, {"needs"})
    request, task = _valid(_export(world, "ivy", referral))
    assert "contained" not in request
    assert request["subject"] == {
        "type": "Patient",
        "display": "Not shared (no release of who they are)",
    }
    assert task["for"] == request["subject"]
    text = json.dumps([request, task], ensure_ascii=False)
    for private in ("Ana", "Pérez", PHONE, "she/her", world.case.reference):
        assert private not in text
    assert NOTE in text  # the needs category is released: the note travels


def test_contact_only_if_released_and_they_may_be_contacted(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need, provider_may_contact=False)
    request, _task = _valid(_export(world, "ivy", referral))
    (patient,) = request["contained"]
    assert "telecom" not in patient
    notes = [n["text"] for n in request["note"]]
    assert (
        "Do not contact the young person directly; contact the case manager at "
        "Lead Family Services."
    ) in notes
    assert PHONE not in json.dumps(request)
    allowed = sent(world, service, need)
    revoke_release(actor=world.actor("casey"), release=Release.objects.get(survivor=world.survivor))
    release_to_partner(world, {"identity"})
    request, _task = _valid(_export(world, "ivy", allowed))
    assert "telecom" not in request["contained"][0]
    assert PHONE not in json.dumps(request)
    # Without the needs released, not even which need it is for.
    assert "reasonCode" not in request
    assert "mental_health" not in json.dumps(request)


def test_an_inquiry_exports_no_person(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    inquiry = actions.send_capacity_inquiry(
        actor=world.actor("casey"),
        case=world.case,
        service=service,
        need=need,
        age=16,
        gender_words="girl",
        urgent=True,
    )
    for username in ("ivy", "casey"):
        request, task = _valid(_export(world, username, inquiry))
        assert request["intent"] == "proposal"
        assert "contained" not in request
        assert request["subject"]["display"] == "Not identified (a capacity inquiry)"
        assert task["description"] == inquiry.inquiry_text
        text = json.dumps([request, task], ensure_ascii=False)
        for private in ("Ana", "Pérez", PHONE, world.case.reference):
            assert private not in text


@pytest.mark.parametrize("status", list(ReferralStatus))
def test_every_state_exports_as_the_task_status(
    setup: tuple[World, Service, Need], status: ReferralStatus
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    Referral.objects.filter(pk=referral.pk).update(status=status)
    request, task = _valid(_export(world, "casey", referral))
    assert task["status"] == str(status)
    assert task["businessStatus"]["text"] == str(status.label)
    assert request["status"] == fhir.REQUEST_STATUS[status]


def test_reason_and_outcome_go_to_status_reason_and_output(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    ivy = world.actor("ivy")
    referral = actions.move_referral(actor=ivy, referral=referral, to=ReferralStatus.ACCEPTED)
    referral = actions.move_referral(
        actor=ivy, referral=referral, to=ReferralStatus.FAILED, reason="could_not_contact"
    )
    referral = actions.record_outcome(
        actor=world.actor("casey"),
        referral=referral,
        outcome="got_help",
        expected_version=referral.version,
    )
    request, task = _valid(_export(world, "ivy", referral))
    assert task["statusReason"]["coding"][0]["code"] == "could_not_contact"
    assert task["statusReason"]["text"] == "Could not reach them"
    assert task["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "got_help"
    assert task["executionPeriod"]["end"]
    assert request["status"] == "revoked"
    assert "note" not in task  # no answer is due any more


def test_exporting_is_audited_with_categories_not_content(
    setup: tuple[World, Service, Need],
) -> None:
    world, service, need = setup
    referral = sent(world, service, need, note=NOTE)
    before = AuditEntry.objects.filter(action=AuditAction.REFERRAL_VIEWED).count()
    _export(world, "drew", referral)
    entry = AuditEntry.objects.filter(action=AuditAction.REFERRAL_EXPORTED).get()
    assert entry.detail == {
        "categories": ["identity", "contact", "needs"],
        "format": "fhir-r4",
        "side": "receiver",
    }
    assert entry.survivor_id == world.survivor.pk
    assert NOTE not in json.dumps(entry.detail)
    # One entry for one export: not a read as well.
    assert AuditEntry.objects.filter(action=AuditAction.REFERRAL_VIEWED).count() == before


def test_the_ids_are_stable_between_exports(setup: tuple[World, Service, Need]) -> None:
    world, service, need = setup
    referral = sent(world, service, need)
    first, second = _export(world, "ivy", referral), _export(world, "casey", referral)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
