"""A community protocol for tests: Nora, a network admin at the lead agency, starts it with
the lead agency and the partner (Harbor Counseling) as members; the "other" agency stays
outside it, as does everyone who works there."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from continuum.access.actor import Actor
from continuum.accounts.models import Role
from continuum.protocols import actions
from continuum.protocols.actions import ProtocolDetails
from continuum.protocols.models import Conflict, Mou, Protocol
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
    nora = admin(world)
    protocol = actions.create_protocol(actor=nora, details=details())
    actions.set_member(
        actor=nora,
        protocol=protocol,
        agency=world.agencies["partner"],
        responsibilities="Trauma therapy within a week of referral.",
        mdt_roles=["clinician"],
        services="Counselling",
    )
    protocol.refresh_from_db()
    world.extra["protocol"] = protocol
    return protocol


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
        actions.record_signature(
            actor=nora,
            mou=drafted,
            agency=world.agencies["lead"],
            signer_name="Dana Director",
            signer_title="Executive director",
            signed_on=timezone.localdate(),
        )
    if in_force:
        actions.put_mou_in_force(actor=nora, mou=drafted, effective_from=timezone.localdate())
    drafted.refresh_from_db()
    return drafted


def conflict(world: World) -> Conflict:
    return actions.raise_conflict(
        actor=admin(world),
        protocol=community(world),
        with_agencies=[world.agencies["partner"]],
        summary="Referrals answered after the agreed three days.",
        raised_on=timezone.localdate(),
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
