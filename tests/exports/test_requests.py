"""Asking for an export: who may, with a written purpose, and nothing is made yet."""

from __future__ import annotations

import pytest
from django.urls import reverse

from continuum.access.actions import open_emergency_access
from continuum.access.policy import Forbidden
from continuum.accounts.models import Role
from continuum.audit.models import AuditEntry
from continuum.exports.actions import ExportRefused, request_export
from continuum.exports.models import Export, ExportStatus
from continuum.survivors.queries import survivor_for
from tests.exports.helpers import PURPOSE, caseys_request
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db


def _request_url(world: World) -> str:
    return reverse("exports:request", args=[world.survivor.pk])


def test_casey_asks_and_nothing_is_made_until_approval(world: World) -> None:
    client = world.client_for("casey")
    page = client.get(reverse("survivors:detail", args=[world.survivor.pk])).content.decode()
    assert _request_url(world) in page
    assert "Export this record" in page

    form = client.get(_request_url(world))
    assert form.status_code == 200
    assert "Nobody decides on their own request" in form.content.decode()
    response = client.post(_request_url(world), {"purpose": PURPOSE})
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:detail", args=[export.pk])
    assert export.status == ExportStatus.REQUESTED
    assert export.requested_by == world.users["casey"]
    assert export.membership == world.memberships["casey"]
    assert export.agency == world.agencies["lead"]
    assert export.case == world.case
    assert export.purpose == PURPOSE
    assert export.archive is None
    assert export.passphrase is None
    assert export.expires_at is None

    entry = AuditEntry.objects.filter(action="export.requested").get()
    assert entry.survivor_id == world.survivor.pk
    assert entry.case_id == world.case.pk
    assert entry.object_id == str(export.pk)
    assert entry.detail == {}  # the purpose stays on the export, never in the log
    assert entry.username == "casey"

    detail = client.get(response["Location"]).content.decode()
    assert "Waiting for a supervisor" in detail
    assert 'data-testid="passphrase"' not in detail
    mine = client.get(reverse("exports:mine")).content.decode()
    assert world.case.reference in mine
    assert str(export.pk) in mine


def test_a_supervisor_may_ask_too(world: World) -> None:
    response = world.client_for("sam").post(_request_url(world), {"purpose": PURPOSE})
    assert response.status_code == 302
    assert Export.objects.get().requested_by == world.users["sam"]


@pytest.mark.parametrize(
    ("purpose", "message"),
    [
        ("", "This field is required."),
        ("   copy    ", "at least 10 characters"),
        ("x" * 501, "at most 500 characters"),
    ],
)
def test_bad_purpose_is_refused_and_keeps_what_was_typed(
    world: World, purpose: str, message: str
) -> None:
    response = world.client_for("casey").post(_request_url(world), {"purpose": purpose})
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    if purpose.strip():
        assert purpose.strip()[:50] in body
    assert not Export.objects.exists()
    assert not AuditEntry.objects.filter(action="export.requested").exists()


def test_a_partner_on_the_care_team_may_not_ask(world: World) -> None:
    client = world.client_for("drew")
    page = client.get(reverse("survivors:detail", args=[world.survivor.pk])).content.decode()
    assert _request_url(world) not in page
    assert client.get(_request_url(world)).status_code == 403
    assert client.post(_request_url(world), {"purpose": PURPOSE}).status_code == 403
    assert not Export.objects.exists()


@pytest.mark.parametrize("persona", ["quinn", "morgan", "cole", "jordan", "avery"])
def test_people_who_do_not_see_the_record_get_not_found(world: World, persona: str) -> None:
    client = world.client_for(persona)
    assert client.get(_request_url(world)).status_code == 404
    response = client.post(_request_url(world), {"purpose": PURPOSE})
    assert response.status_code == 404
    assert "Pérez" not in response.content.decode()
    assert not Export.objects.exists()


def test_an_mdt_coordinator_of_the_lead_agency_may_not_ask(world: World) -> None:
    user, membership = make_user("mika", world.agencies["lead"], Role.MDT_COORDINATOR)
    world.users["mika"], world.memberships["mika"] = user, membership
    client = world.client_for("mika")
    page = client.get(reverse("survivors:detail", args=[world.survivor.pk])).content.decode()
    assert _request_url(world) not in page
    assert client.get(_request_url(world)).status_code == 403


def test_break_glass_never_allows_an_export(world: World) -> None:
    """Quinn (another agency) reads the record in an emergency: she still cannot export it."""
    open_emergency_access(
        actor=world.actor("quinn"),
        case_reference=world.case.reference,
        reason="Police found her at a bus station at 2am; need the safety plan now.",
    )
    quinn = world.actor("quinn")
    survivor = survivor_for(quinn, world.survivor.pk, audit_read=False)
    with pytest.raises(Forbidden, match="Emergency access"):
        request_export(actor=quinn, survivor=survivor, purpose=PURPOSE)
    client = world.client_for("quinn")
    assert client.get(_request_url(world)).status_code == 403
    assert not Export.objects.exists()


def test_the_agency_that_led_a_closed_case_may_still_ask(world: World) -> None:
    """A copy of the record for the survivor is often asked for after care has ended."""
    from continuum.cases.actions import change_case_status
    from continuum.cases.models import CaseStatus, ClosureReason

    world.case.refresh_from_db()
    change_case_status(
        actor=world.actor("casey"),
        case=world.case,
        status=CaseStatus.CLOSED,
        closure_reason=ClosureReason.GOALS_MET,
        expected_version=world.case.version,
    )
    export = caseys_request(world, "A copy of her record for her, now that care has ended.")
    assert export.case == world.case


def test_the_action_checks_the_purpose_too(world: World) -> None:
    casey = world.actor("casey")
    survivor = survivor_for(casey, world.survivor.pk, audit_read=False)
    with pytest.raises(ExportRefused, match="at least 10"):
        request_export(actor=casey, survivor=survivor, purpose="\u202e\u202e  short  ")
