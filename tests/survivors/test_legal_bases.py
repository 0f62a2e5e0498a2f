"""Legal bases other than a release (a mandatory child-abuse report, a court order): recorded
with their reference, limited to the categories they cover, checked at every read like a
release, and a task on My work to tell the survivor when that is safe.

Decision: a "not safe yet" reason keeps the task on My work (marked "not safe yet", after
the others), so that someone asks again; only recording the day they were told clears it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from continuum.access.policy import Forbidden
from continuum.audit.models import AuditAction, AuditEntry
from continuum.survivors.actions import (
    LegalBasisRefused,
    SurvivorDetails,
    end_legal_basis,
    mark_survivor_informed,
    record_legal_basis,
    update_survivor,
)
from continuum.survivors.models import LegalBasis
from tests.personas import World

pytestmark = pytest.mark.django_db

NAME, PHONE = "Pérez", "(352) 555-0199"
REFERENCE = "2026-DP-000123"


def _with_contact(world: World) -> None:
    s = world.survivor
    update_survivor(
        actor=world.actor("casey"),
        survivor=s,
        expected_version=s.version,
        details=SurvivorDetails(
            preferred_name="Ana",
            legal_given_name="Ana María",
            legal_family_name=NAME,
            safe_phone=PHONE,
            safe_to_call=True,
        ),
    )


def _basis(world: World, by: str = "casey", **overrides: Any) -> LegalBasis:
    terms: dict[str, Any] = {
        "recipient_agency": world.agencies["partner"],
        "kind": "court_order",
        "reference": REFERENCE,
        "categories": frozenset({"legal", "identity"}),
        "starts_on": timezone.localdate(),
        "expires_on": None,
    }
    terms.update(overrides)
    return record_legal_basis(actor=world.actor(by), survivor=world.survivor, **terms)


def _drew_sees(world: World) -> str:
    response = world.client_for("drew").get(f"/survivors/{world.survivor.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_court_order_shows_what_it_covers_and_no_more(world: World) -> None:
    _with_contact(world)
    assert NAME not in _drew_sees(world)
    _basis(world)
    html = _drew_sees(world)
    assert NAME in html
    assert PHONE not in html


def test_ending_it_hides_it_on_the_next_request(world: World) -> None:
    _with_contact(world)
    basis = _basis(world)
    client = world.client_for("drew")
    assert NAME in client.get(f"/survivors/{world.survivor.pk}/").content.decode()
    response = world.client_for("casey").post(
        f"/survivors/{world.survivor.pk}/legal-bases/{basis.pk}/end/"
    )
    assert response.status_code == 302
    assert LegalBasis.objects.get(pk=basis.pk).ended_at is not None
    assert NAME not in client.get(f"/survivors/{world.survivor.pk}/").content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.LEGAL_BASIS_ENDED, object_id=str(basis.pk)
    ).exists()


def test_an_expired_or_future_basis_shows_nothing(world: World) -> None:
    _with_contact(world)
    today = timezone.localdate()
    basis = _basis(world)
    LegalBasis.objects.filter(pk=basis.pk).update(
        starts_on=today - timedelta(days=30), expires_on=today - timedelta(days=1)
    )
    assert NAME not in _drew_sees(world)
    _basis(world, starts_on=today + timedelta(days=2))
    assert NAME not in _drew_sees(world)


@pytest.mark.parametrize(
    "overrides",
    [
        {"categories": frozenset()},
        {"categories": frozenset({"not_a_category"})},
        {"reference": "   "},
        {"kind": "rumour"},
        {"recipient": "lead"},
        {"expires_on": "before_start"},
    ],
    ids=[
        "no-categories",
        "unknown-category",
        "no-reference",
        "unknown-kind",
        "own-agency",
        "ends-first",
    ],
)
def test_bad_input_is_refused_and_nothing_saved(world: World, overrides: dict[str, Any]) -> None:
    overrides = dict(overrides)
    if overrides.pop("recipient", None):
        overrides["recipient_agency"] = world.agencies["lead"]
    if overrides.get("expires_on") == "before_start":
        overrides["expires_on"] = timezone.localdate() - timedelta(days=1)
    with pytest.raises(LegalBasisRefused):
        _basis(world, **overrides)
    assert not LegalBasis.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.LEGAL_BASIS_RECORDED).exists()


def test_the_form_refuses_bad_input_and_saves_nothing(world: World) -> None:
    url = f"/survivors/{world.survivor.pk}/legal-bases/new/"
    client = world.client_for("casey")
    today = timezone.localdate().isoformat()
    base = {
        "kind": "court_order",
        "reference": REFERENCE,
        "recipient_agency": world.agencies["partner"].pk,
        "categories": ["identity"],
        "starts_on": today,
    }
    for bad in (
        {**base, "categories": []},
        {**base, "reference": ""},
        {**base, "recipient_agency": world.agencies["lead"].pk},
    ):
        response = client.post(url, bad)
        assert response.status_code == 200
        assert "usa-error-message" in response.content.decode() or "usa-alert" in (
            response.content.decode()
        )
    assert not LegalBasis.objects.exists()
    response = client.post(url, base)
    assert response.status_code == 302
    basis = LegalBasis.objects.get()
    assert basis.categories == ["identity"]
    assert basis.disclosing_agency == world.agencies["lead"]


def test_recording_is_audited_without_the_reference(world: World) -> None:
    basis = _basis(world)
    entry = AuditEntry.objects.get(action=AuditAction.LEGAL_BASIS_RECORDED)
    assert entry.object_id == str(basis.pk)
    assert entry.survivor_id == world.survivor.pk
    assert entry.detail["categories"] == ["identity", "legal"]
    assert entry.detail["kind"] == "court_order"


@pytest.mark.parametrize("persona", ["drew", "quinn", "avery", "jordan", "morgan"])
def test_only_the_lead_agency_may_record(world: World, persona: str) -> None:
    """(Cole, at the lead agency but not on the case, cannot open the record at all: 404 in
    tests/test_authorization.py, as for releases.)"""
    with pytest.raises(Forbidden):
        _basis(world, by=persona)
    assert not LegalBasis.objects.exists()


def test_sharing_page_lists_it_and_who_sees_what_includes_it(world: World) -> None:
    _basis(world)
    html = world.client_for("casey").get(f"/survivors/{world.survivor.pk}/sharing/").content
    text = html.decode()
    assert "Shared without a release, because the law requires it" in text
    assert REFERENCE in text
    assert "Legal and court (court order)" in text
    assert "Record a legal basis" in text


def test_the_inform_task_is_on_my_work_until_they_are_told(world: World) -> None:
    basis = _basis(world)
    heading = "Tell them about a disclosure, when it is safe"
    casey, sam = world.client_for("casey"), world.client_for("sam")
    assert heading in casey.get("/cases/").content.decode()
    assert heading in sam.get("/cases/").content.decode()
    # Not for the partner, nor a case manager of the lead agency who is not on the case.
    assert heading not in world.client_for("drew").get("/cases/").content.decode()
    assert heading not in world.client_for("cole").get("/cases/").content.decode()

    # Nor through break-glass: a grant is for reading one record, not for tasks.
    from continuum.access.actions import open_emergency_access

    open_emergency_access(
        actor=world.actor("cole"),
        case_reference=world.case.reference,
        reason="Police called about a runaway at night.",
    )
    assert heading not in world.client_for("cole").get("/cases/").content.decode()

    url = f"/survivors/{world.survivor.pk}/legal-bases/{basis.pk}/informed/"
    # Not safe yet: stays on the list, marked.
    assert casey.post(url, {"not_safe_reason": "Placement is not settled"}).status_code == 302
    html = casey.get("/cases/").content.decode()
    assert heading in html
    assert "not safe yet" in html
    # Told them: off the list.
    assert casey.post(url, {"informed_on": timezone.localdate().isoformat()}).status_code == 302
    assert heading not in casey.get("/cases/").content.decode()
    basis.refresh_from_db()
    assert basis.survivor_informed_on == timezone.localdate()
    entries = AuditEntry.objects.filter(action=AuditAction.LEGAL_BASIS_INFORMED)
    assert [e.detail for e in entries] == [{"informed": False}, {"informed": True}]
    # The reason may name who is a danger: never in the audit log.
    assert not AuditEntry.objects.filter(detail__icontains="Placement").exists()


def test_informing_needs_a_day_or_a_reason(world: World) -> None:
    basis = _basis(world)
    with pytest.raises(LegalBasisRefused):
        mark_survivor_informed(actor=world.actor("casey"), basis=basis)
    with pytest.raises(LegalBasisRefused):
        mark_survivor_informed(
            actor=world.actor("casey"),
            basis=basis,
            informed_on=timezone.localdate() + timedelta(days=1),
        )
    with pytest.raises(Forbidden):
        mark_survivor_informed(
            actor=world.actor("drew"), basis=basis, informed_on=timezone.localdate()
        )
    basis.refresh_from_db()
    assert basis.survivor_informed_on is None


def test_ending_twice_is_refused(world: World) -> None:
    basis = _basis(world)
    end_legal_basis(actor=world.actor("casey"), basis=basis)
    with pytest.raises(LegalBasisRefused):
        end_legal_basis(actor=world.actor("sam"), basis=basis)
