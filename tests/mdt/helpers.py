"""An MDT world: the test world's agencies in one community protocol, with a child
advocacy center whose coordinator (Mona) convenes, and a school invited with no release."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from continuum.accounts.models import Agency, AgencyType, Role
from continuum.mdt import actions
from continuum.mdt.models import Meeting
from continuum.protocols.actions import ProtocolDetails, create_protocol, set_member
from continuum.protocols.models import Protocol
from tests.personas import World, add_person


def details(**overrides: object) -> ProtocolDetails:
    values: dict[str, object] = {
        "name": "Test County CSE protocol",
        "mission": "Every child gets what they need, told once.",
        "time_zone": "America/New_York",
        "effective_from": date(2026, 1, 1),
        "effective_until": None,
        "screening_start_hours": 24,
        "mdt_staffing_days": 14,
        "mdt_business_days": False,
        "mdt_at_risk_days": 3,
        "plan_review_days": 30,
        "referral_response_business_days": 3,
        "required_mdt_roles": ["lead_case_manager", "mdt_coordinator"],
        "sharing_rules": {},
        "conflict_procedure": "Supervisors talk\nDirectors meet",
    }
    values.update(overrides)
    return ProtocolDetails(**values)  # type: ignore[arg-type]


def community(world: World) -> Protocol:
    """Lead, partner, a CAC (Mona, MDT coordinator) and a school (Skye, supervisor) in one
    protocol; Nia is the lead agency's network admin."""
    world.agencies["cac"] = Agency.objects.create(
        name="Test Advocacy Center", short_name="CAC", agency_type=AgencyType.ADVOCACY_CENTER
    )
    world.agencies["school"] = Agency.objects.create(
        name="Test School District", agency_type=AgencyType.SCHOOL_DISTRICT
    )
    add_person(world, "nia", "lead", Role.NETWORK_ADMIN)
    add_person(world, "mona", "cac", Role.MDT_COORDINATOR)
    add_person(world, "skye", "school", Role.SUPERVISOR)
    nia = world.actor("nia")
    protocol = create_protocol(actor=nia, details=details())
    roles = {
        "lead": ["lead_case_manager", "supervisor"],
        "partner": ["clinician"],
        "cac": ["mdt_coordinator"],
        "school": ["school_liaison"],
    }
    for key, mdt_roles in roles.items():
        set_member(
            actor=nia,
            protocol=protocol,
            agency=world.agencies[key],
            responsibilities="",
            mdt_roles=mdt_roles,
            services="",
        )
    return protocol


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo("America/New_York"))


def convene(world: World, *, starts_at: datetime | None = None) -> Meeting:
    """Mona schedules a staffing (an hour ago by default, so it can be held), inviting the
    lead, the partner and the school by role."""
    invitees = [
        actions.Invitee(agency=world.agencies["lead"], role="lead_case_manager"),
        actions.Invitee(agency=world.agencies["partner"], role="clinician"),
        actions.Invitee(agency=world.agencies["school"], role="school_liaison"),
    ]
    return actions.convene_mdt(
        actor=world.actor("mona"),
        case=world.case,
        place=actions.MeetingPlace(
            starts_at=starts_at or timezone.now() - timedelta(hours=1),
            minutes_long=60,
            place_kind="in_person",
            place="Conference room B",
            call_link="",
        ),
        invitees=invitees,
    )


def staffing_by_sam(world: World) -> Meeting:
    """A staffing Sam (the lead agency's supervisor) convened an hour ago, inviting his
    agency and Harbor; made once per world. No protocol: the lead is its own community."""
    if "meeting" not in world.extra:
        world.extra["meeting"] = actions.convene_mdt(
            actor=world.actor("sam"),
            case=world.case,
            place=actions.MeetingPlace(
                starts_at=timezone.now() - timedelta(hours=1),
                minutes_long=60,
                place_kind="in_person",
                place="Room 1",
                call_link="",
            ),
            invitees=[
                actions.Invitee(agency=world.agencies["lead"], role="lead_case_manager"),
                actions.Invitee(agency=world.agencies["partner"], role="clinician"),
            ],
        )
    meeting = world.extra["meeting"]
    assert isinstance(meeting, Meeting)
    return meeting


def action_item_task_id(world: World) -> int:
    """An action item of Sam's staffing, owned by the lead agency."""
    if "action_task" not in world.extra:
        decision = actions.record_decision(
            actor=world.actor("sam"),
            meeting=staffing_by_sam(world),
            text="Plan the school meeting.",
            category="care_plan",
            actions=[
                actions.ActionSpec(
                    title="Call the school",
                    owner_agency=world.agencies["lead"],
                    due_on=timezone.localdate() + timedelta(days=3),
                )
            ],
        )
        world.extra["action_task"] = decision.action_items.get().task_id
    task_id = world.extra["action_task"]
    assert isinstance(task_id, int)
    return task_id


def mdt_path_ids(world: World, template: str) -> dict[str, object]:
    ids: dict[str, object] = {}
    if "{meeting_id}" in template:
        ids["meeting_id"] = staffing_by_sam(world).pk
    if "{item_id}" in template:
        ids["item_id"] = action_item_task_id(world)
    return ids
