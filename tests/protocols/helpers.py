"""A community protocol for tests: Nora, a network admin at the lead agency, starts it with
the lead agency and the partner (Harbor Counseling) as members; the "other" agency stays
outside it, as does everyone who works there."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from continuum.access.actor import Actor
from continuum.accounts.models import Agency, Role
from continuum.cases.models import CaseEvent
from continuum.mdt.models import StaffingClock
from continuum.protocols import actions
from continuum.protocols.actions import ProtocolChange, ProtocolDetails
from continuum.protocols.models import Conflict, ConflictStep, Mou, MouSignature, Protocol
from tests.personas import World, add_person

STEPS = "Supervisors talk within 5 business days\nDirectors meet\nThe taskforce chair decides"


def details(**overrides: Any) -> ProtocolDetails:
    base = ProtocolDetails(
        name="Alachua County CSE Protocol",
        mission="Every child who was exploited gets a team within two weeks.",
        time_zone="America/New_York",
        effective_from=date(2026, 1, 1),
        effective_until=None,
        screening_start_hours=24,
        mdt_staffing_days=14,
        mdt_business_days=False,
        mdt_at_risk_days=3,
        plan_review_days=30,
        referral_response_business_days=3,
        required_mdt_roles=["lead_case_manager", "investigator"],
        sharing_rules={"service_provider": ["identity", "mental_health"]},
        conflict_procedure=STEPS,
    )
    return replace(base, **overrides)


def as_details(protocol: Protocol, **overrides: Any) -> ProtocolDetails:
    fields = {name: getattr(protocol, name) for name in ProtocolDetails.__dataclass_fields__}
    return ProtocolDetails(**{**fields, **overrides})


def admin(world: World, username: str = "nora", agency: str = "lead") -> Actor:
    """A network admin at `agency` (made once)."""
    if username not in world.users:
        add_person(world, username, agency, Role.NETWORK_ADMIN)
    return world.actor(username)


def community(world: World) -> Protocol:
    """Nora's protocol with the lead agency and the partner as members (made once)."""
    if "protocol" in world.extra:
        found = world.extra["protocol"]
        assert isinstance(found, Protocol)
        found.refresh_from_db()
        return found
    protocol = actions.create_protocol(actor=admin(world), details=details())
    add_member(
        world,
        protocol,
        world.agencies["partner"],
        responsibilities="Trauma therapy within a week of referral.",
        mdt_roles=["clinician"],
        services="Counselling",
    )
    protocol.refresh_from_db()
    world.extra["protocol"] = protocol
    return protocol


def add_member(world: World, protocol: Protocol, agency: Agency, **fields: Any) -> None:
    """Nora makes `agency` a member; what it does is empty unless `fields` say."""
    actions.set_member(
        actor=admin(world),
        protocol=protocol,
        agency=agency,
        **{"responsibilities": "", "mdt_roles": [], "services": "", **fields},
    )


def change_settings(
    world: World,
    protocol: Protocol,
    *,
    actor: Actor | None = None,
    expected_version: int | None = None,
    **overrides: Any,
) -> ProtocolChange:
    """`actor` (Nora when not given) changes the protocol's settings that `overrides` name,
    on top of `expected_version` (the version `protocol` was loaded at when not given)."""
    return actions.change_protocol(
        actor=actor or admin(world),
        protocol=protocol,
        details=as_details(protocol, **overrides),
        expected_version=protocol.version if expected_version is None else expected_version,
    )


def assert_staffing_due_after(world: World, days: int) -> None:
    """The case's MDT staffing is due `days` after intake, and its history says it moved."""
    assert world.case.report_received_on is not None
    due = world.case.report_received_on + timedelta(days=days)
    assert StaffingClock.objects.get(case=world.case).due_on == due
    assert CaseEvent.objects.filter(
        case=world.case, summary__startswith="MDT staffing due date moved"
    ).exists()


def mou(world: World, *, send: bool = False, sign: bool = False, in_force: bool = False) -> Mou:
    nora = admin(world)
    protocol = community(world)
    drafted = actions.draft_mou(
        actor=nora,
        protocol=protocol,
        title="Taskforce MOU 2026",
        body="The members agree to the protocol.",
        expires_on=timezone.localdate() + timedelta(days=365),
        remind_days_before=60,
    )
    if send or sign or in_force:
        actions.send_mou_for_signature(actor=nora, mou=drafted)
    if sign or in_force:
        sign_mou(world, drafted, signer_name="Dana Director", signer_title="Executive director")
    if in_force:
        actions.put_mou_in_force(actor=nora, mou=drafted, effective_from=timezone.localdate())
    drafted.refresh_from_db()
    return drafted


def sign_mou(
    world: World,
    drafted: Mou,
    agency: str = "lead",
    *,
    signer_name: str = "Dana",
    signer_title: str = "Director",
    signed_on: date | None = None,
) -> MouSignature:
    """Nora records that `agency` signed (today unless `signed_on` says)."""
    return actions.record_signature(
        actor=admin(world),
        mou=drafted,
        agency=world.agencies[agency],
        signer_name=signer_name,
        signer_title=signer_title,
        signed_on=signed_on or timezone.localdate(),
    )


def conflict(
    world: World,
    *,
    actor: Actor | None = None,
    with_agency: str = "partner",
    summary: str = "Referrals answered after the agreed three days.",
) -> Conflict:
    """`actor` (Nora when not given) raises a disagreement with `with_agency`, today."""
    return actions.raise_conflict(
        actor=actor or admin(world),
        protocol=community(world),
        with_agencies=[world.agencies[with_agency]],
        summary=summary,
        raised_on=timezone.localdate(),
    )


def take_step(actor: Actor, raised: Conflict, step: str, note: str = "") -> ConflictStep:
    """`actor` records taking `step` of the procedure today."""
    return actions.record_conflict_step(
        actor=actor, conflict=raised, step=step, taken_on=timezone.localdate(), note=note
    )


def protocol_path_ids(world: World, template: str) -> dict[str, object]:
    """The ids a /protocols route's path names (made only for those routes)."""
    names = ("protocol_id", "agency_id", "holiday_id", "requirement_id", "mou_id", "conflict_id")
    ids: dict[str, object] = dict.fromkeys(names, "")
    if "/protocols" not in template:
        return ids
    nora = admin(world)
    protocol = community(world)
    ids["protocol_id"] = protocol.pk
    ids["agency_id"] = world.agencies["partner"].pk
    if "{holiday_id}" in template:
        ids["holiday_id"] = actions.add_holiday(
            actor=nora, protocol=protocol, day=date(2026, 12, 25), name="Christmas Day"
        ).pk
    if "{requirement_id}" in template:
        ids["requirement_id"] = actions.add_training_requirement(
            actor=nora,
            protocol=protocol,
            role="case_manager",
            course="CSE 101",
            hours=6,
            renew_every_months=None,
            before_contact=True,
        ).pk
    if "{mou_id}" in template:
        ids["mou_id"] = mou(world, send=True).pk
    if "{conflict_id}" in template:
        ids["conflict_id"] = conflict(world).pk
    return ids
