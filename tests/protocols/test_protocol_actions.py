"""The protocol's actions: who may change it, the version every change writes, optimistic
edits, MDT deadlines moved by a change, MOUs and the conflict log."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from continuum.access import policy
from continuum.accounts.models import Agency, AgencyType, Role
from continuum.cases.models import CaseEvent
from continuum.core.models import EditConflict
from continuum.mdt.models import StaffingClock
from continuum.protocols import actions, queries
from continuum.protocols.models import ConflictStatus, Mou, MouStatus, ProtocolVersion
from tests.personas import World, add_person
from tests.protocols.helpers import (
    add_member,
    admin,
    change_settings,
    community,
    conflict,
    details,
    mou,
    sign_mou,
    take_step,
)

pytestmark = pytest.mark.django_db


# --- who may change it ------------------------------------------------------------------


def test_a_case_manager_cannot_change_the_protocol(world: World) -> None:
    protocol = community(world)
    with pytest.raises(policy.Forbidden):
        change_settings(world, protocol, mdt_staffing_days=10, actor=world.actor("casey"))


def test_a_network_admin_of_a_non_member_agency_cannot_change_it(world: World) -> None:
    protocol = community(world)
    outsider = admin(world, "otto", "other")
    with pytest.raises(policy.Forbidden):
        change_settings(world, protocol, mdt_staffing_days=10, actor=outsider)
    assert queries.protocol_for_agency(outsider) is None
    with pytest.raises(policy.NotFound):
        queries.protocol_for(outsider, protocol.pk)


def test_an_agency_in_another_protocol_cannot_be_added(world: World) -> None:
    protocol = community(world)
    otto = admin(world, "otto", "other")
    actions.create_protocol(actor=otto, details=details(name="Other County Protocol"))
    with pytest.raises(actions.ProtocolRuleBroken, match="another community"):
        add_member(world, protocol, world.agencies["other"])
    assert not protocol.members.filter(agency=world.agencies["other"]).exists()


def test_an_agency_already_in_a_protocol_cannot_start_another(world: World) -> None:
    community(world)
    with pytest.raises(actions.ProtocolRuleBroken, match="already a member"):
        actions.create_protocol(actor=admin(world), details=details(name="Second"))


def test_the_network_admin_cannot_remove_their_own_agency(world: World) -> None:
    protocol = community(world)
    with pytest.raises(actions.ProtocolRuleBroken):
        actions.remove_member(actor=admin(world), protocol=protocol, agency=world.agencies["lead"])


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mdt_at_risk_days": 14}, "warning must come before"),
        ({"effective_until": date(2025, 1, 1)}, "cannot end before it starts"),
        ({"required_mdt_roles": ["wizard"]}, "required role"),
        ({"sharing_rules": {"service_provider": ["diary"]}}, "sharing rule"),
        ({"sharing_rules": {"spaceship": ["identity"]}}, "sharing rule"),
    ],
)
def test_a_change_that_breaks_a_rule_is_refused(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    protocol = community(world)
    before = protocol.versions.count()
    with pytest.raises(actions.ProtocolRuleBroken, match=message):
        change_settings(world, protocol, **overrides)
    assert protocol.versions.count() == before


# --- versions ------------------------------------------------------------------------------


def test_every_change_writes_a_version_with_its_snapshot(world: World) -> None:
    protocol = community(world)
    nora = admin(world)
    assert list(protocol.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    first = protocol.versions.get(number=1)
    assert first.change_summary == "Protocol started"
    assert [m["agency"] for m in first.snapshot["members"]] == ["Lead Family Services"]

    change_settings(world, protocol, plan_review_days=45, actor=nora)
    actions.add_holiday(actor=nora, protocol=protocol, day=date(2026, 7, 3), name="Fourth")
    actions.add_training_requirement(
        actor=nora,
        protocol=protocol,
        role=Role.CASE_MANAGER,
        course="CSE 101",
        hours=6,
        renew_every_months=24,
        before_contact=True,
    )
    latest = protocol.versions.order_by("-number").first()
    assert latest is not None
    protocol.refresh_from_db()
    assert latest.number == protocol.version == 5
    assert latest.changed_by == world.users["nora"]
    assert latest.snapshot["plan_review_days"] == 45
    assert latest.snapshot["holidays"] == [{"day": "2026-07-03", "name": "Fourth"}]
    assert latest.snapshot["training_requirements"][0]["course"] == "CSE 101"
    assert latest.snapshot["training_requirements"][0]["before_contact"] is True
    partner = next(m for m in latest.snapshot["members"] if m["agency"] == "Harbor Counseling")
    assert partner["responsibilities"] == "Trauma therapy within a week of referral."
    changed = protocol.versions.get(number=3)
    assert "review the care plan every (days)" in changed.change_summary
    # Versions are kept for good: the earlier one still says what it said.
    assert protocol.versions.get(number=2).snapshot["plan_review_days"] == 30


def test_a_stale_version_is_an_edit_conflict_and_saves_nothing(world: World) -> None:
    protocol = community(world)
    loaded = protocol.version
    change_settings(world, protocol, plan_review_days=45, expected_version=loaded)
    stale = community(world)
    with pytest.raises(EditConflict):
        change_settings(world, stale, plan_review_days=60, expected_version=loaded)
    stale.refresh_from_db()
    assert stale.plan_review_days == 45
    assert not ProtocolVersion.objects.filter(protocol=stale, number=loaded + 2).exists()


# --- deadlines -----------------------------------------------------------------------------


def test_changing_the_staffing_days_moves_an_open_cases_due_date(world: World) -> None:
    protocol = community(world)
    intake = world.case.report_received_on
    assert intake is not None
    clock = StaffingClock.objects.get(case=world.case)
    assert clock.due_on == intake + timedelta(days=14)
    change = change_settings(world, protocol, mdt_staffing_days=10)
    assert change.clocks_moved == 1
    clock.refresh_from_db()
    assert clock.due_on == intake + timedelta(days=10)
    assert clock.protocol_version == change.version
    event = CaseEvent.objects.filter(case=world.case, summary__startswith="MDT staffing due date")
    assert event.count() == 1
    moved_to = intake + timedelta(days=10)
    assert f"to {moved_to.day} {moved_to:%b %Y}" in event.get().summary
    assert f"protocol version {change.version.number}" in event.get().summary


def test_a_change_that_moves_no_deadline_says_so(world: World) -> None:
    protocol = community(world)
    change = change_settings(world, protocol, mission="New words.")
    assert change.clocks_moved == 0
    assert not CaseEvent.objects.filter(case=world.case, summary__contains="due date").exists()


def test_a_holiday_moves_a_business_day_due_date(world: World) -> None:
    protocol = community(world)
    nora = admin(world)
    # Intake on a Monday: 5 business days is the next Monday.
    monday = date(2026, 3, 2)
    world.case.report_received_on = monday
    world.case.save(update_fields=["report_received_on"])
    from continuum.mdt.clocks import refresh_clock

    refresh_clock(case=world.case)
    change_settings(world, protocol, mdt_staffing_days=5, mdt_business_days=True, actor=nora)
    clock = StaffingClock.objects.get(case=world.case)
    assert clock.due_on == date(2026, 3, 9)
    actions.add_holiday(actor=nora, protocol=protocol, day=date(2026, 3, 4), name="Closure")
    clock.refresh_from_db()
    assert clock.due_on == date(2026, 3, 10)
    holiday = protocol.holidays.get()
    actions.remove_holiday(actor=nora, protocol=protocol, holiday_id=holiday.pk)
    clock.refresh_from_db()
    assert clock.due_on == date(2026, 3, 9)


def test_removing_the_lead_agency_puts_its_cases_back_on_the_default(world: World) -> None:
    """Nora's agency is the lead; a network admin at the partner removes it."""
    protocol = community(world)
    helper = admin(world, "petra", "partner")
    change_settings(world, protocol, mdt_staffing_days=10)
    actions.remove_member(actor=helper, protocol=protocol, agency=world.agencies["lead"])
    clock = StaffingClock.objects.get(case=world.case)
    assert clock.protocol_version is None
    assert world.case.report_received_on is not None
    assert clock.due_on == world.case.report_received_on + timedelta(days=14)


# --- MOUs ----------------------------------------------------------------------------------


def test_the_mou_lifecycle(world: World) -> None:
    protocol = community(world)
    nora = admin(world)
    drafted = mou(world)
    assert drafted.status == MouStatus.DRAFT
    assert drafted.protocol_version.number == protocol.version
    with pytest.raises(actions.ProtocolRuleBroken, match="out for signature"):
        sign_mou(world, drafted)
    actions.send_mou_for_signature(actor=nora, mou=drafted)
    with pytest.raises(actions.ProtocolRuleBroken, match="No member has signed"):
        actions.put_mou_in_force(actor=nora, mou=drafted, effective_from=timezone.localdate())
    sign_mou(world, drafted)
    with pytest.raises(actions.ProtocolRuleBroken, match="already signed"):
        sign_mou(world, drafted)
    assert queries.mou_in_force(protocol) is None
    actions.put_mou_in_force(actor=nora, mou=drafted, effective_from=timezone.localdate())
    assert queries.mou_in_force(protocol) == drafted
    lead, partner = world.agencies["lead"].pk, world.agencies["partner"].pk
    assert queries.mou_status_by_agency(protocol) == {lead: True, partner: False}
    assert queries.unsigned_agency_ids(protocol) == {partner}
    signed = queries.signed_agency_ids(protocol)
    assert queries.agency_label_with_mou(world.agencies["partner"], signed) == (
        "Harbor Counseling — has not signed the MOU in force"
    )
    assert queries.agency_label_with_mou(world.agencies["lead"], signed) == "Lead Family Services"
    # Signatures still come in while it is in force.
    sign_mou(world, drafted, "partner", signer_name="Pat", signer_title="Clinical director")
    assert queries.unsigned_agency_ids(protocol) == set()


def test_a_non_member_cannot_sign(world: World) -> None:
    drafted = mou(world, send=True)
    with pytest.raises(actions.ProtocolRuleBroken, match="Only a member agency signs"):
        sign_mou(world, drafted, "other", signer_name="Olive")
    assert not drafted.signatures.exists()


def test_a_signature_cannot_be_dated_in_the_future(world: World) -> None:
    drafted = mou(world, send=True)
    with pytest.raises(actions.ProtocolRuleBroken, match="future"):
        sign_mou(world, drafted, signed_on=timezone.localdate() + timedelta(days=1))


def test_an_mou_past_its_expiry_is_expired_without_a_job(world: World) -> None:
    current = mou(world, in_force=True)
    today = timezone.localdate()
    assert current.status_on(today) == MouStatus.IN_FORCE
    Mou.objects.filter(pk=current.pk).update(expires_on=today - timedelta(days=1))
    current.refresh_from_db()
    assert current.status_on(today) == MouStatus.EXPIRED
    assert queries.mou_in_force(community(world)) is None
    # No MOU in force: nothing to say about anyone's signature.
    assert queries.signed_agency_ids(community(world)) is None
    with pytest.raises(actions.ProtocolRuleBroken):
        sign_mou(world, current, "partner", signer_name="Pat", signed_on=today)


def test_a_new_mou_in_force_ends_the_previous_one(world: World) -> None:
    first = mou(world, in_force=True)
    second = mou(world, sign=True)
    starts = timezone.localdate()
    actions.put_mou_in_force(actor=admin(world), mou=second, effective_from=starts)
    first.refresh_from_db()
    assert first.status == MouStatus.EXPIRED
    assert first.expires_on == starts - timedelta(days=1)
    assert queries.mou_in_force(community(world)) == second


def test_renewal_is_due_within_the_reminder_window(world: World) -> None:
    current = mou(world, in_force=True)
    today = timezone.localdate()
    assert not queries.renewal_due(current, today)
    Mou.objects.filter(pk=current.pk).update(expires_on=today + timedelta(days=30))
    current.refresh_from_db()
    assert queries.renewal_due(current, today)


def test_a_case_manager_cannot_draft_an_mou(world: World) -> None:
    protocol = community(world)
    with pytest.raises(policy.Forbidden):
        actions.draft_mou(
            actor=world.actor("casey"),
            protocol=protocol,
            title="Mine",
            body="",
            expires_on=timezone.localdate() + timedelta(days=30),
            remind_days_before=10,
        )


# --- conflicts -----------------------------------------------------------------------------


def test_the_conflict_lifecycle(world: World) -> None:
    raised = conflict(world)
    assert raised.status == ConflictStatus.OPEN
    sam = world.actor("sam")  # a supervisor of the lead agency, which raised it
    with pytest.raises(actions.ProtocolRuleBroken, match="steps of the protocol"):
        take_step(sam, raised, "Shout")
    take_step(
        sam, raised, "Supervisors talk within 5 business days", "Agreed to call back within a day."
    )
    actions.resolve_conflict(
        actor=sam,
        conflict=raised,
        outcome="Three days, checked monthly.",
        resolved_on=timezone.localdate(),
    )
    raised.refresh_from_db()
    assert raised.status == ConflictStatus.RESOLVED
    assert [s.step for s in raised.steps.all()] == ["Supervisors talk within 5 business days"]
    with pytest.raises(actions.ProtocolRuleBroken, match="resolved"):
        take_step(sam, raised, "Directors meet")


def test_a_conflict_is_only_with_member_agencies(world: World) -> None:
    with pytest.raises(actions.ProtocolRuleBroken, match="other member agencies"):
        conflict(world, actor=world.actor("sam"), with_agency="other", summary="About referrals.")


def test_a_case_manager_cannot_raise_a_conflict(world: World) -> None:
    with pytest.raises(policy.Forbidden):
        conflict(world, actor=world.actor("casey"), summary="About referrals.")


def test_an_agency_outside_the_dispute_cannot_record_its_steps(world: World) -> None:
    protocol = community(world)
    third = Agency.objects.create(
        name="Third Street Shelter", short_name="Third", agency_type=AgencyType.SERVICE_PROVIDER
    )
    add_member(world, protocol, third)
    world.agencies["third"] = third
    add_person(world, "tess", "third", Role.SUPERVISOR)
    raised = conflict(world)
    with pytest.raises(policy.Forbidden):
        take_step(world.actor("tess"), raised, "Directors meet")
