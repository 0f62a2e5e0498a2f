"""Findings of the protocol review, each with the test that failed before its fix."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from continuum.accounts.models import Agency, AgencyType
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.actions import change_case_status
from continuum.cases.models import CaseEvent, CaseStatus, ClosureReason
from continuum.mdt.models import StaffingClock
from continuum.protocols import actions
from continuum.protocols.models import Mou, MouStatus, Protocol
from tests.personas import World, release_to_partner
from tests.protocols.helpers import admin, change_settings, community, details, mou
from tests.protocols.test_protocol_api import Api

pytestmark = pytest.mark.django_db

TOO_LARGE = 10**25


def test_starting_a_protocol_puts_the_first_members_open_cases_on_its_clock(
    world: World,
) -> None:
    # Before: create_protocol wrote the version but recomputed nothing, so the lead agency's
    # open case kept the default 14 days until some later change happened to recompute.
    actions.create_protocol(
        actor=admin(world), details=details(mdt_staffing_days=10, mdt_at_risk_days=2)
    )
    clock = StaffingClock.objects.get(case=world.case)
    assert clock.protocol_version is not None
    assert clock.due_on == world.case.report_received_on + timedelta(days=10)


def test_an_mou_put_in_force_from_year_one_is_refused_not_a_500(world: World) -> None:
    signed = mou(world, sign=True)
    page = world.client_for("nora").post(
        reverse("protocols:mou_in_force", kwargs={"mou_id": signed.pk}),
        {"effective_from": "0001-01-01"},
    )
    assert page.status_code == 422
    assert "before 1900" in page.content.decode()
    protocol = community(world)
    response = Api(world, "nora").send(
        "post", f"/{protocol.pk}/mous/{signed.pk}/in-force", {"effective_from": "0001-01-01"}
    )
    assert response.status_code == 422
    signed.refresh_from_db()
    assert signed.status == MouStatus.OUT_FOR_SIGNATURE


def test_a_new_mou_cannot_take_effect_before_the_one_it_replaces(world: World) -> None:
    current = mou(world, in_force=True)
    assert current.effective_from == timezone.localdate()
    renewal = mou(world, sign=True)
    with pytest.raises(actions.ProtocolRuleBroken, match="choose a later day"):
        actions.put_mou_in_force(
            actor=admin(world),
            mou=renewal,
            effective_from=timezone.localdate() - timedelta(days=30),
        )
    current.refresh_from_db()
    assert current.status == MouStatus.IN_FORCE  # not ended before it began


def test_the_mou_a_new_one_replaces_has_its_end_audited(world: World) -> None:
    current = mou(world, in_force=True)
    renewal = mou(world, sign=True)
    actions.put_mou_in_force(
        actor=admin(world), mou=renewal, effective_from=timezone.localdate() + timedelta(days=5)
    )
    current.refresh_from_db()
    assert current.status == MouStatus.EXPIRED
    ended = AuditEntry.objects.filter(
        action=AuditAction.MOU_CHANGED, object_id=str(current.pk), detail__status="expired"
    )
    assert ended.count() == 1
    assert ended.get().detail["expires_on"] == current.expires_on.isoformat()


def test_putting_an_mou_in_force_locks_the_protocol_first(world: World) -> None:
    # Two admins putting two MOUs in force at once must queue on the protocol's row, or each
    # misses the other's and both stay in force (SQLite cannot show the race; the lock is
    # what PostgreSQL needs).
    signed = mou(world, sign=True)
    locked: list[type] = []
    original = QuerySet.select_for_update

    def spy(self: QuerySet, *args: object, **kwargs: object) -> QuerySet:
        locked.append(self.model)
        return original(self, *args, **kwargs)

    with mock.patch.object(QuerySet, "select_for_update", spy):
        actions.put_mou_in_force(actor=admin(world), mou=signed, effective_from=date.today())
    assert locked[:2] == [Protocol, Mou]


def test_a_member_id_too_large_is_not_found(world: World) -> None:
    protocol = community(world)
    nora = world.client_for("nora")  # made with the protocol
    page = nora.get(reverse("protocols:member", kwargs={"agency_id": TOO_LARGE}))
    assert page.status_code == 404
    removed = nora.post(reverse("protocols:remove_member", kwargs={"agency_id": TOO_LARGE}))
    assert removed.status_code == 404
    response = Api(world, "nora").send("delete", f"/{protocol.pk}/members/{TOO_LARGE}")
    assert response.status_code == 404


def test_a_conflict_with_an_agency_id_too_large_is_422(world: World) -> None:
    community(world)
    page = world.client_for("sam").post(
        reverse("protocols:conflicts"),
        {
            "with_agencies": [str(TOO_LARGE)],
            "summary": "Referrals answered late.",
            "raised_on": timezone.localdate().isoformat(),
        },
    )
    assert page.status_code == 422
    assert "Referrals answered late." in page.content.decode()  # what was typed is kept


def test_sharing_rules_do_not_limit_a_release_to_an_agency_outside_the_protocol(
    world: World,
) -> None:
    # The rules are what the members agreed about members. A survivor moving to another
    # community's provider signs a release for their mental health history: the discloser's
    # protocol, which that provider never agreed to, must not refuse it.
    protocol = community(world)
    change_settings(world, protocol, sharing_rules={"service_provider": ["identity"]})
    elsewhere = Agency.objects.create(
        name="Bayside Therapy (next county)",
        short_name="Bayside",
        agency_type=AgencyType.SERVICE_PROVIDER,
    )
    release = release_to_partner(world, {"identity", "mental_health"}, recipient_agency=elsewhere)
    assert release.pk
    # A member of the same type is still held to what the members agreed.
    from continuum.survivors.actions import ReleaseRefused

    with pytest.raises(ReleaseRefused, match="receive only"):
        release_to_partner(world, {"identity", "mental_health"})


def test_a_reopened_case_runs_on_the_protocol_as_it_is_now(world: World) -> None:
    protocol = community(world)
    casey, sam = world.actor("casey"), world.actor("sam")
    case = world.case
    change_case_status(
        actor=sam,
        case=case,
        status=CaseStatus.CLOSED,
        closure_reason=ClosureReason.GOALS_MET,
        expected_version=case.version,
    )
    # While it is closed the protocol shortens the deadline: closed clocks are left alone.
    change_settings(world, protocol, mdt_staffing_days=10, mdt_at_risk_days=2)
    assert StaffingClock.objects.get(case=case).due_on == (
        case.report_received_on + timedelta(days=14)
    )
    case.refresh_from_db()
    change_case_status(
        actor=casey, case=case, status=CaseStatus.OPEN, expected_version=case.version
    )
    clock = StaffingClock.objects.get(case=case)
    protocol.refresh_from_db()
    assert clock.due_on == case.report_received_on + timedelta(days=10)
    assert clock.protocol_version is not None
    assert clock.protocol_version.number == protocol.version
    assert CaseEvent.objects.filter(
        case=case, summary__startswith="MDT staffing due date moved"
    ).exists()


def test_a_protocol_name_taken_at_the_same_instant_is_a_rule_not_a_500(world: World) -> None:
    """Both checks pass for two admins at once; the unique constraint catches the second,
    and it is told as the check would have told it (forced here by hiding the check)."""
    from continuum.accounts.models import Role
    from tests.personas import add_person

    community(world)  # named details().name, started by Nora at the lead agency
    add_person(world, "otto", "other", Role.NETWORK_ADMIN)
    with (
        mock.patch.object(QuerySet, "exists", return_value=False),
        pytest.raises(actions.ProtocolRuleBroken, match="already has this name"),
    ):
        actions.create_protocol(actor=world.actor("otto"), details=details())
    assert Protocol.objects.count() == 1


def test_adding_a_holiday_locks_the_protocol_first(world: World) -> None:
    protocol = community(world)
    with mock.patch.object(QuerySet, "select_for_update", autospec=True) as locking:
        locking.side_effect = lambda qs, *a, **k: qs
        actions.add_holiday(
            actor=admin(world), protocol=protocol, day=date(2026, 12, 25), name="Christmas"
        )
    assert locking.call_args_list[0].args[0].model is Protocol
