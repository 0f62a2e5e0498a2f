"""Break-glass: emergency access to a record outside one's access, with a written reason.

Quinn (a case manager at another agency) cannot see Ana's record; in an emergency she opens
it with a reason, reads it for a limited time (never changes it), every read is marked in the
audit log, and her agency's supervisor sees it on My work until signing it off.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuum.access.actions import (
    EmergencyAccessRefused,
    open_emergency_access,
    review_emergency_access,
)
from continuum.access.models import EmergencyAccess
from continuum.accounts.models import Role
from continuum.audit.models import AuditAction, AuditEntry
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db

REASON = "Police found her at a bus station at 2am; need the safety plan now."


def _open_as_quinn(world: World, reason: str = REASON, reference: str | None = None):  # type: ignore[no-untyped-def]
    client = world.client_for("quinn")
    return client, client.post(
        reverse("access:emergency"),
        {"case_reference": reference or world.case.reference, "reason": reason},
    )


def _other_supervisor(world: World) -> None:
    """Oli: the supervisor of Quinn's agency, who reviews her emergency access."""
    user, membership = make_user("oli", world.agencies["other"], Role.SUPERVISOR)
    world.users["oli"], world.memberships["oli"] = user, membership


def test_quinn_opens_a_record_she_could_not_see(world: World) -> None:
    detail = reverse("survivors:detail", args=[world.survivor.pk])
    client = world.client_for("quinn")
    assert client.get(detail).status_code == 404

    response = client.post(
        reverse("access:emergency"),
        {"case_reference": world.case.reference.lower(), "reason": REASON},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == detail
    body = response.content.decode()
    assert "Emergency access until" in body
    assert "every look is logged and your supervisor has been told" in body
    # The role's categories: a case manager sees everything a case manager may.
    assert "Pérez" in body
    assert 'data-testid="withheld"' not in body

    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.agency, grant.role) == (
        world.users["quinn"],
        world.agencies["other"],
        Role.CASE_MANAGER,
    )
    assert grant.survivor == world.survivor
    assert grant.case == world.case
    assert timedelta(minutes=59) < grant.expires_at - grant.opened_at <= timedelta(minutes=60)

    opened = AuditEntry.objects.get(action=AuditAction.EMERGENCY_ACCESS_OPENED)
    assert opened.survivor_id == world.survivor.pk
    assert opened.case_id == world.case.pk
    assert opened.detail == {"minutes": 60}
    assert "bus station" not in str(opened.detail)
    reads = AuditEntry.objects.filter(
        action=AuditAction.SURVIVOR_VIEWED, user_id=world.users["quinn"].pk
    )
    assert reads.count() == 1
    assert all(entry.detail.get("emergency") is True for entry in reads)
    case_reads = AuditEntry.objects.filter(
        action=AuditAction.CASE_VIEWED, user_id=world.users["quinn"].pk
    )
    assert all(entry.detail.get("emergency") is True for entry in case_reads)
    # The lead agency's own reads are not marked.
    world.client_for("casey").get(detail)
    caseys = AuditEntry.objects.filter(
        action=AuditAction.SURVIVOR_VIEWED, user_id=world.users["casey"].pk
    ).latest("sequence")
    assert "emergency" not in caseys.detail


def test_access_ends_when_the_grant_expires(world: World) -> None:
    client, response = _open_as_quinn(world)
    detail = reverse("survivors:detail", args=[world.survivor.pk])
    assert client.get(detail).status_code == 200
    EmergencyAccess.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(detail)
    assert response.status_code == 404
    assert "Pérez" not in response.content.decode()


def test_a_grant_never_allows_a_write(world: World) -> None:
    client, _response = _open_as_quinn(world)
    assert client.get(reverse("survivors:edit", args=[world.survivor.pk])).status_code == 403
    assert client.get(reverse("cases:edit", args=[world.case.pk])).status_code == 403
    assert client.get(reverse("cases:status", args=[world.case.pk])).status_code == 403
    assert client.get(reverse("survivors:access_log", args=[world.survivor.pk])).status_code in (
        403,
        404,
    )
    assert client.get(reverse("survivors:sharing", args=[world.survivor.pk])).status_code == 403


def test_a_grant_is_for_its_holder_only(world: World) -> None:
    _open_as_quinn(world)
    detail = reverse("survivors:detail", args=[world.survivor.pk])
    assert world.client_for("morgan").get(detail).status_code == 404


@pytest.mark.parametrize(
    ("reason", "reference", "message"),
    [
        ("Need it", None, "at least 20 characters"),
        (REASON, "C-0000-0000", "There is no case with that reference."),
        (REASON, "   ", "Case reference"),
    ],
)
def test_refusals_say_why_and_create_nothing(
    world: World, reason: str, reference: str | None, message: str
) -> None:
    _client, response = _open_as_quinn(world, reason=reason, reference=reference)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.EMERGENCY_ACCESS_OPENED).exists()


def test_an_unknown_reference_is_audited(world: World) -> None:
    with pytest.raises(EmergencyAccessRefused, match="no case with that reference"):
        open_emergency_access(
            actor=world.actor("quinn"), case_reference="C-9999-9999", reason=REASON
        )
    denied = AuditEntry.objects.filter(action=AuditAction.ACCESS_DENIED).latest("sequence")
    assert denied.detail == {"emergency": True}
    assert denied.user_id == world.users["quinn"].pk


def test_the_analyst_is_refused(world: World) -> None:
    client = world.client_for("avery")
    assert client.get(reverse("access:emergency")).status_code == 403
    response = client.post(
        reverse("access:emergency"), {"case_reference": world.case.reference, "reason": REASON}
    )
    assert response.status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_no_grant_for_a_record_one_can_see_already(world: World) -> None:
    with pytest.raises(EmergencyAccessRefused, match="already see"):
        open_emergency_access(
            actor=world.actor("casey"), case_reference=world.case.reference, reason=REASON
        )
    assert not EmergencyAccess.objects.exists()


def test_the_supervisor_reviews_it_from_my_work(world: World) -> None:
    _other_supervisor(world)
    _open_as_quinn(world)
    grant = EmergencyAccess.objects.get()
    oli = world.client_for("oli")
    page = oli.get(reverse("cases:my_work")).content.decode()
    assert "Emergency access to review" in page
    assert world.case.reference in page
    assert "bus station" in page
    review = reverse("access:review_emergency", args=[grant.pk])
    assert review in page

    assert oli.get(review).status_code == 200
    response = oli.post(review, {"note": "Spoke with Quinn: justified."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == world.users["oli"]
    assert grant.reviewed_at is not None
    assert grant.review_note == "Spoke with Quinn: justified."
    assert AuditEntry.objects.filter(action=AuditAction.EMERGENCY_ACCESS_REVIEWED).count() == 1
    page = oli.get(reverse("cases:my_work")).content.decode()
    assert "Emergency access to review" not in page
    # Signed off once.
    with pytest.raises(EmergencyAccessRefused):
        review_emergency_access(actor=world.actor("oli"), grant=grant, note="again")


def test_only_a_supervisor_of_the_holders_agency_may_review(world: World) -> None:
    _open_as_quinn(world)
    grant = EmergencyAccess.objects.get()
    review = reverse("access:review_emergency", args=[grant.pk])
    # Sam supervises another agency (the lead): for him the grant does not exist.
    assert world.client_for("sam").get(review).status_code == 404
    assert world.client_for("sam").post(review, {"note": "x"}).status_code == 404
    assert (
        "Emergency access to review"
        not in world.client_for("sam").get(reverse("cases:my_work")).content.decode()
    )
    assert world.client_for("morgan").get(review).status_code == 404
    grant.refresh_from_db()
    assert grant.reviewed_at is None


def test_the_search_page_points_to_it(world: World) -> None:
    page = world.client_for("quinn").get(reverse("survivors:search")).content.decode()
    assert reverse("access:emergency") in page


def test_the_retention_purge_destroys_grants_with_the_person(world: World) -> None:
    from continuum.retention import actions as retention
    from continuum.retention.models import RecordType, RetentionRule
    from tests.retention.test_purge import CLOSED_DAYS, with_case

    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 1)
    case = survivor.cases.get()
    open_emergency_access(actor=world.actor("quinn"), case_reference=case.reference, reason=REASON)
    assert EmergencyAccess.objects.filter(survivor=survivor).count() == 1
    rule = RetentionRule.objects.get(record_type=RecordType.CLOSED_CASE)
    assert retention.destroy_survivor(survivor_id=survivor.pk, rule=rule, run_id="t") is not None
    assert not EmergencyAccess.objects.filter(survivor_id=survivor.pk).exists()


def test_a_grant_never_allows_managing_releases(world: World) -> None:
    """Cole works for the lead agency but is not on the case: under break-glass he reads the
    record, but cannot record or revoke a release, nor touch the signed form."""
    from continuum.access import policy
    from continuum.survivors.queries import survivor_for

    grant_case = world.case
    open_emergency_access(
        actor=world.actor("cole"),
        case_reference=grant_case.reference,
        reason="Police called at midnight asking whether we know her; need the safety plan.",
    )
    survivor = survivor_for(world.actor("cole"), world.survivor.pk, audit_read=False)
    with pytest.raises(policy.Forbidden):
        policy.require_release_management(world.actor("cole"), survivor)
    client = world.client_for("cole")
    assert client.get(f"/survivors/{world.survivor.pk}/releases/new/").status_code == 403
    assert client.get(f"/survivors/{world.survivor.pk}/sharing/").status_code == 403
