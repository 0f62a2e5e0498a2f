"""The protocol's pages: who reads and who changes, the optimistic edit (409 keeping what was
typed), 422 with a clear message and the input kept, MOUs and the conflict log, and never a
survivor's name on any of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from continuum.protocols import actions
from continuum.protocols.models import Conflict, ConflictStatus, Mou, MouStatus, Protocol
from tests.personas import World
from tests.protocols.helpers import (
    admin,
    assert_staffing_due_after,
    change_settings,
    community,
    conflict,
    mou,
)

pytestmark = pytest.mark.django_db

SURVIVOR_WORDS = ("Pérez", "Ana María")


def _no_survivor(body: str) -> None:
    for words in SURVIVOR_WORDS:
        assert words not in body


def _settings_post(protocol: Protocol, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": protocol.name,
        "mission": protocol.mission,
        "time_zone": protocol.time_zone,
        "effective_from": protocol.effective_from.isoformat(),
        "effective_until": "",
        "screening_start_hours": protocol.screening_start_hours,
        "mdt_staffing_days": protocol.mdt_staffing_days,
        "mdt_at_risk_days": protocol.mdt_at_risk_days,
        "plan_review_days": protocol.plan_review_days,
        "referral_response_business_days": protocol.referral_response_business_days,
        "required_mdt_roles": protocol.required_mdt_roles,
        "conflict_procedure": protocol.conflict_procedure,
        "share_service_provider": protocol.sharing_rules.get("service_provider", []),
        "version": protocol.version,
    }
    if protocol.mdt_business_days:
        data["mdt_business_days"] = "on"
    data.update(overrides)
    return data


def _nora(world: World) -> Client:
    admin(world)
    return world.client_for("nora")


# --- reading ---------------------------------------------------------------------------------


def test_a_member_reads_the_protocol(world: World) -> None:
    community(world)
    mou(world, in_force=True)
    page = world.client_for("casey").get(reverse("protocols:protocol"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Alachua County CSE Protocol" in body
    assert "within 24 hours of the first sign" in body
    assert "within 14 calendar days of the abuse report\u2019s intake" in body
    assert "every 30 days" in body
    assert "within 3 business days" in body
    assert "Protective investigator" in body  # a required role
    assert "Trauma therapy within a week of referral." in body
    assert "Has not signed" in body  # Harbor has not signed the MOU in force
    assert "a release signed by the survivor is still required; the MOU is not a release" in body
    assert "Directors meet" in body
    assert "Protocol started" in body  # version history
    assert reverse("protocols:edit") not in body  # no edit links for a case manager
    _no_survivor(body)


def test_the_network_admin_sees_edit_links(world: World) -> None:
    community(world)
    body = _nora(world).get(reverse("protocols:protocol")).content.decode()
    assert reverse("protocols:edit") in body
    assert reverse("protocols:add_member") in body


def test_an_agency_in_no_protocol_is_told_so(world: World) -> None:
    community(world)
    page = world.client_for("quinn").get(reverse("protocols:protocol"))
    assert page.status_code == 200
    assert "not a member of a community protocol" in page.content.decode()
    assert "Alachua" not in page.content.decode()
    assert world.client_for("quinn").get(reverse("protocols:mous")).status_code == 404


def test_a_network_admin_in_no_protocol_starts_one(world: World) -> None:
    admin(world, "otto", "other")
    client = world.client_for("otto")
    page = client.get(reverse("protocols:protocol"))
    assert "Start your community" in page.content.decode()
    response = client.post(
        reverse("protocols:start"),
        {
            "name": "Other County Protocol",
            "time_zone": "America/Chicago",
            "effective_from": "2026-01-01",
            "screening_start_hours": 24,
            "mdt_staffing_days": 14,
            "mdt_at_risk_days": 3,
            "plan_review_days": 30,
            "referral_response_business_days": 3,
        },
    )
    assert response.status_code == 302
    started = Protocol.objects.get(name="Other County Protocol")
    assert started.members.get().agency == world.agencies["other"]


def test_starting_with_bad_input_is_a_422_keeping_what_was_typed(world: World) -> None:
    admin(world, "otto", "other")
    response = world.client_for("otto").post(
        reverse("protocols:start"),
        {"name": "Other County Protocol", "mdt_staffing_days": "fourteen"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Enter a whole number." in body
    assert 'value="Other County Protocol"' in body
    assert not Protocol.objects.exists()


# --- changing the settings ------------------------------------------------------------------


def test_a_case_manager_cannot_open_the_settings(world: World) -> None:
    community(world)
    assert world.client_for("casey").get(reverse("protocols:edit")).status_code == 403
    assert world.client_for("casey").post(reverse("protocols:edit"), {}).status_code == 403


def test_a_network_admin_of_a_non_member_agency_gets_404(world: World) -> None:
    community(world)
    admin(world, "otto", "other")
    client = world.client_for("otto")
    assert client.get(reverse("protocols:edit")).status_code == 404
    assert client.get(reverse("protocols:mous")).status_code == 404


def test_saving_the_settings_recomputes_deadlines_and_says_how_many(world: World) -> None:
    protocol = community(world)
    client = _nora(world)
    response = client.post(
        reverse("protocols:edit"), _settings_post(protocol, mdt_staffing_days=10), follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 open MDT deadline was recomputed." in body
    protocol.refresh_from_db()
    assert protocol.mdt_staffing_days == 10
    assert_staffing_due_after(world, 10)
    _no_survivor(body)


def test_a_conflicting_save_is_a_409_that_keeps_what_was_typed(world: World) -> None:
    protocol = community(world)
    loaded = protocol.version
    change_settings(world, protocol, plan_review_days=45, expected_version=loaded)
    stale = _settings_post(protocol, plan_review_days=60, mission="Typed by me.", version=loaded)
    response = _nora(world).post(reverse("protocols:edit"), stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed the protocol while you were editing it" in body
    assert "Typed by me." in body
    assert 'name="plan_review_days" value="60"' in body
    protocol.refresh_from_db()
    assert protocol.plan_review_days == 45
    # Sending it again saves it on top: the form now carries the current version.
    assert f'name="version" value="{protocol.version}"' in body


def test_a_rule_broken_is_a_422_with_the_reason(world: World) -> None:
    protocol = community(world)
    response = _nora(world).post(
        reverse("protocols:edit"), _settings_post(protocol, mdt_at_risk_days=20)
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "The warning must come before the staffing is due" in body
    assert 'name="mdt_at_risk_days" value="20"' in body


def test_an_empty_post_is_a_422_not_a_500(world: World) -> None:
    community(world)
    client = _nora(world)
    for name in ("edit", "add_member", "holidays", "training", "mous"):
        assert client.post(reverse(f"protocols:{name}"), {}).status_code == 422, name


# --- members, holidays, training ------------------------------------------------------------


def test_members_are_added_changed_and_removed(world: World) -> None:
    protocol = community(world)
    client = _nora(world)
    response = client.post(
        reverse("protocols:add_member"),
        {
            "agency": world.agencies["other"].pk,
            "responsibilities": "Investigates.",
            "mdt_roles": ["investigator"],
        },
    )
    assert response.status_code == 302
    member = protocol.members.get(agency=world.agencies["other"])
    assert member.mdt_roles == ["investigator"]
    url = reverse("protocols:member", args=[world.agencies["other"].pk])
    client.post(url, {"responsibilities": "Investigates within a day.", "services": ""})
    member.refresh_from_db()
    assert member.responsibilities == "Investigates within a day."
    client.post(reverse("protocols:remove_member", args=[world.agencies["other"].pk]))
    assert not protocol.members.filter(agency=world.agencies["other"]).exists()
    summaries = list(protocol.versions.values_list("change_summary", flat=True))
    assert "Member added: Other County Kids" in summaries
    assert "Member removed: Other County Kids" in summaries


def test_an_agency_in_another_protocol_is_not_offered(world: World) -> None:
    community(world)
    otto = admin(world, "otto", "other")
    from tests.protocols.helpers import details

    actions.create_protocol(actor=otto, details=details(name="Other County Protocol"))
    client = _nora(world)
    page = client.get(reverse("protocols:add_member")).content.decode()
    assert "Other County Kids" not in page
    response = client.post(reverse("protocols:add_member"), {"agency": world.agencies["other"].pk})
    assert response.status_code == 422
    assert "Choose an agency from the list." in response.content.decode()


def test_holidays_and_training(world: World) -> None:
    protocol = community(world)
    client = _nora(world)
    bad = client.post(reverse("protocols:holidays"), {"day": "2026-13-40", "name": "Typo Day"})
    assert bad.status_code == 422
    assert 'value="Typo Day"' in bad.content.decode()
    assert (
        client.post(
            reverse("protocols:holidays"), {"day": "2026-12-25", "name": "Christmas"}
        ).status_code
        == 302
    )
    twice = client.post(reverse("protocols:holidays"), {"day": "2026-12-25", "name": "Again"})
    assert twice.status_code == 422
    assert "already a holiday" in twice.content.decode()
    holiday = protocol.holidays.get()
    client.post(reverse("protocols:remove_holiday", args=[holiday.pk]))
    assert not protocol.holidays.exists()
    added = client.post(
        reverse("protocols:training"),
        {"role": "case_manager", "course": "CSE 101", "hours": 6, "before_contact": "on"},
    )
    assert added.status_code == 302
    requirement = protocol.training_requirements.get()
    assert requirement.before_contact
    assert "CSE 101" in client.get(reverse("protocols:protocol")).content.decode()
    client.post(reverse("protocols:remove_training", args=[requirement.pk]))
    assert not protocol.training_requirements.exists()


# --- MOUs -----------------------------------------------------------------------------------


def test_the_mou_pages(world: World) -> None:
    community(world)
    client = _nora(world)
    expires = (timezone.localdate() + timedelta(days=365)).isoformat()
    response = client.post(
        reverse("protocols:mous"),
        {"title": "MOU 2026", "expires_on": expires, "remind_days_before": 60},
    )
    assert response.status_code == 302
    drafted = Mou.objects.get()
    page = reverse("protocols:mou", args=[drafted.pk])
    # Putting a draft in force is refused, with the reason.
    client.post(reverse("protocols:send_mou", args=[drafted.pk]))
    drafted.refresh_from_db()
    assert drafted.status == MouStatus.OUT_FOR_SIGNATURE
    refused = client.post(
        reverse("protocols:mou_in_force", args=[drafted.pk]),
        {"effective_from": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 422
    assert "No member has signed this MOU yet." in refused.content.decode()
    missing = client.post(page, {"agency": world.agencies["lead"].pk, "signer_name": "Dana"})
    assert missing.status_code == 422
    assert "Enter the signer" in missing.content.decode()
    assert 'value="Dana"' in missing.content.decode()
    signed = client.post(
        page,
        {
            "agency": world.agencies["lead"].pk,
            "signer_name": "Dana Director",
            "signer_title": "Executive director",
            "signed_on": timezone.localdate().isoformat(),
        },
    )
    assert signed.status_code == 302
    client.post(
        reverse("protocols:mou_in_force", args=[drafted.pk]),
        {"effective_from": timezone.localdate().isoformat()},
    )
    drafted.refresh_from_db()
    assert drafted.status == MouStatus.IN_FORCE
    body = client.get(page).content.decode()
    assert "Dana Director" in body
    assert "Harbor Counseling" in body  # listed among those who have not signed
    # The signature form names the member that has not signed the MOU in force.
    assert "Harbor Counseling — has not signed the MOU in force" in body
    listing = world.client_for("casey").get(reverse("protocols:mous")).content.decode()
    assert "These members have not signed the MOU in force:" in listing
    assert "In force" in listing


def test_a_non_member_cannot_sign_on_the_page(world: World) -> None:
    drafted = mou(world, send=True)
    response = _nora(world).post(
        reverse("protocols:mou", args=[drafted.pk]),
        {
            "agency": world.agencies["other"].pk,
            "signer_name": "Olive",
            "signer_title": "Director",
            "signed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 422
    assert "Choose a member agency from the list." in response.content.decode()
    assert not drafted.signatures.exists()


def test_the_renewal_reminder_shows_near_expiry(world: World) -> None:
    current = mou(world, in_force=True)
    Mou.objects.filter(pk=current.pk).update(expires_on=timezone.localdate() + timedelta(days=20))
    body = (
        world.client_for("casey").get(reverse("protocols:mou", args=[current.pk])).content.decode()
    )
    assert "time to draft its renewal" in body
    Mou.objects.filter(pk=current.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    body = (
        world.client_for("casey").get(reverse("protocols:mou", args=[current.pk])).content.decode()
    )
    assert "Expired" in body
    assert "time to draft its renewal" not in body


# --- conflicts ------------------------------------------------------------------------------


def test_the_conflict_pages(world: World) -> None:
    community(world)
    sam = world.client_for("sam")
    page = sam.get(reverse("protocols:conflicts")).content.decode()
    assert "never write a survivor" in page.lower()
    bad = sam.post(reverse("protocols:conflicts"), {"summary": "Late referrals."})
    assert bad.status_code == 422
    assert "Choose at least one member agency." in bad.content.decode()
    assert "Late referrals." in bad.content.decode()
    raised = sam.post(
        reverse("protocols:conflicts"),
        {
            "with_agencies": [world.agencies["partner"].pk],
            "summary": "Referrals answered after three days.",
            "raised_on": timezone.localdate().isoformat(),
        },
    )
    assert raised.status_code == 302
    found = Conflict.objects.get()
    url = reverse("protocols:conflict", args=[found.pk])
    wrong = sam.post(
        url, {"step": "Shout", "taken_on": timezone.localdate().isoformat(), "note": "Kept note"}
    )
    assert wrong.status_code == 422
    assert "Choose one of the steps of the procedure." in wrong.content.decode()
    assert "Kept note" in wrong.content.decode()
    ok = sam.post(url, {"step": "Directors meet", "taken_on": timezone.localdate().isoformat()})
    assert ok.status_code == 302
    resolved = sam.post(
        reverse("protocols:resolve_conflict", args=[found.pk]),
        {"outcome": "Agreed on three days.", "resolved_on": timezone.localdate().isoformat()},
    )
    assert resolved.status_code == 302
    found.refresh_from_db()
    assert found.status == ConflictStatus.RESOLVED
    body = sam.get(url).content.decode()
    assert "Agreed on three days." in body
    assert "Directors meet" in body
    _no_survivor(body)


def test_a_case_manager_cannot_read_the_conflict_log(world: World) -> None:
    raised = conflict(world)
    client = world.client_for("casey")
    assert client.get(reverse("protocols:conflicts")).status_code == 403
    assert client.get(reverse("protocols:conflict", args=[raised.pk])).status_code == 403
