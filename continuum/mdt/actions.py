"""Every write to MDT staffings: convene, take attendance, record decisions and their
action items, hold (close) the meeting, cancel it.

The guide: every suspected or verified case gets a staffing within the protocol's days of
the abuse report's intake; meetings produce decisions that become owned tasks, followed
through at the next meeting; the meeting frequency is decided per case, so closing a
meeting needs its next date or a reason there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency, Membership, User
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.actions import CaseRuleBroken, add_task, join_care_team
from continuum.cases.models import CareTeamRole, Case, CaseStatus, EventKind, TaskKind
from continuum.cases.timeline import add_event
from continuum.core.models import save_if_unchanged
from continuum.core.text import clean_text
from continuum.mdt.clocks import current_version_for, refresh_clock, time_zone_of
from continuum.mdt.models import (
    ActionItem,
    Decision,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantKind,
    PlaceKind,
    SurvivorVoice,
)
from continuum.mdt.queries import community_agency_ids
from continuum.protocols.clock import today_in

DECISION_CATEGORIES = frozenset(
    str(c)
    for c in (
        DataCategory.NOTES,
        DataCategory.CARE_PLAN,
        DataCategory.HEALTH,
        DataCategory.MENTAL_HEALTH,
        DataCategory.SUBSTANCE_USE,
        DataCategory.LEGAL,
        DataCategory.EDUCATION,
        DataCategory.PLACEMENT,
    )
)


def _day(day: date) -> str:
    """A day as the timeline writes days: "7 Dec 2026"."""
    return f"{day.day} {day:%b %Y}"


class MdtRuleBroken(CaseRuleBroken):
    """The change would break a rule of MDT staffings; the message says which (422)."""


@dataclass(frozen=True)
class Invitee:
    agency: Agency
    role: str  # CareTeamRole
    user: User | None = None


@dataclass(frozen=True)
class MeetingPlace:
    starts_at: datetime
    minutes_long: int
    place_kind: str
    place: str
    call_link: str


@dataclass(frozen=True)
class ActionSpec:
    title: str
    owner_agency: Agency
    due_on: date
    owner_user: User | None = None


def _require_convener(actor: Actor, case: Case) -> None:
    policy.require(actor, policy.Permission.CONVENE_MDT)
    if case.lead_agency_id not in community_agency_ids(actor):
        raise policy.NotFound()
    if case.status != CaseStatus.OPEN:
        raise MdtRuleBroken(_("The case is not open: reopen it before convening its team."))


def _require_meeting_keeper(actor: Actor, meeting: Meeting) -> None:
    """The convening agency's coordinator or supervisor keeps the meeting's record."""
    policy.require(actor, policy.Permission.CONVENE_MDT)
    if meeting.convened_by_agency_id != actor.agency_id:
        raise policy.Forbidden(_("Only the agency that convened this staffing keeps its record."))


def _check_place(place: MeetingPlace) -> None:
    if place.place_kind not in PlaceKind.values:
        raise MdtRuleBroken(_("Choose how people will meet."))
    if place.place_kind in (PlaceKind.IN_PERSON, PlaceKind.BOTH) and not place.place.strip():
        raise MdtRuleBroken(_("Say which room the team meets in."))
    if place.place_kind in (PlaceKind.CALL, PlaceKind.BOTH) and not place.call_link.strip():
        raise MdtRuleBroken(_("Give the link or number for the call."))
    if place.call_link and not place.call_link.startswith("https://"):
        raise MdtRuleBroken(_("A call link starts with https://."))
    if not 15 <= place.minutes_long <= 480:
        raise MdtRuleBroken(_("A staffing lasts between 15 minutes and 8 hours."))


def _check_invitees(case: Case, invitees: list[Invitee]) -> None:
    """Members of the lead agency's protocol, and any agency on the case's care team."""
    members = Agency.objects.filter(
        protocol_member__protocol__members__agency_id=case.lead_agency_id
    ).values_list("pk", flat=True)
    team = case.care_team.filter(removed_at__isnull=True).values_list("agency_id", flat=True)
    allowed = set(members) | set(team) | {case.lead_agency_id}
    for invitee in invitees:
        if invitee.agency.pk not in allowed:
            raise MdtRuleBroken(
                _(
                    "%(agency)s is neither a member of this community's protocol nor on "
                    "the care team."
                )
                % {"agency": invitee.agency.name}
            )
        if invitee.role not in CareTeamRole.values:
            raise MdtRuleBroken(_("Choose each invitee's role on the team."))
        if (
            invitee.user is not None
            and not Membership.objects.filter(
                user=invitee.user, agency=invitee.agency, is_active=True
            ).exists()
        ):
            raise MdtRuleBroken(_("An invited person does not work for the agency chosen."))


@transaction.atomic
def convene_mdt(
    *, actor: Actor, case: Case, place: MeetingPlace, invitees: list[Invitee]
) -> Meeting:
    """Schedule a staffing of the case and invite the team by role and by person. The
    convening agency joins the care team as MDT coordinator (it still sees the survivor's
    data only through a release). Caller: a coordinator or supervisor of a member agency of
    the protocol the case's lead agency belongs to."""
    _require_convener(actor, case)
    _check_place(place)
    _check_invitees(case, invitees)
    if not invitees:
        raise MdtRuleBroken(_("Invite at least one agency."))
    if place.starts_at < timezone.now() - timedelta(days=1):
        raise MdtRuleBroken(
            _("A staffing is scheduled ahead. To record one already held, schedule it for today.")
        )
    meeting = Meeting.objects.create(
        case=case,
        protocol_version=current_version_for(case.lead_agency_id),
        starts_at=place.starts_at,
        minutes_long=place.minutes_long,
        place_kind=place.place_kind,
        place=clean_text(place.place),
        call_link=place.call_link.strip(),
        convened_by=actor.user,
        convened_by_agency=actor.agency,
    )
    seen: set[tuple[int, str, int | None]] = set()
    for invitee in invitees:
        key = (invitee.agency.pk, invitee.role, invitee.user.pk if invitee.user else None)
        if key in seen:
            continue
        seen.add(key)
        Participant.objects.create(
            meeting=meeting,
            kind=ParticipantKind.MEMBER,
            agency=invitee.agency,
            user=invitee.user,
            role=invitee.role,
            invited=True,
        )
    if actor.agency_id != case.lead_agency_id:
        join_care_team(
            actor=actor, case=case, agency=actor.agency, role=CareTeamRole.MDT_COORDINATOR
        )
    _audit(actor, AuditAction.MDT_MEETING_SCHEDULED, meeting, {"invited": len(seen)})
    add_event(
        actor,
        case,
        EventKind.MDT,
        summary=_("MDT staffing scheduled for %(when)s by %(agency)s")
        % {
            "when": _day(timezone.localtime(meeting.starts_at))
            + timezone.localtime(meeting.starts_at).strftime(", %H:%M"),
            "agency": actor.agency.name,
        },
    )
    return meeting


def _audit(actor: Actor, action: AuditAction, meeting: Meeting, detail: dict[str, Any]) -> None:
    record(
        actor,
        action,
        survivor_id=meeting.case.survivor_id,
        case_id=meeting.case_id,
        obj=meeting,
        detail=detail,
    )


def _open_meeting(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MdtRuleBroken(_("This staffing is already closed."))


@transaction.atomic
def record_attendance(
    *,
    actor: Actor,
    meeting: Meeting,
    present: set[int],
    walk_ins: list[Invitee],
    survivor_present: bool,
    family_present: bool,
    expected_version: int,
) -> Meeting:
    """Who came, for which agency: the invitees present, others who came, and whether the
    survivor and family took part. Can be corrected until the meeting is closed."""
    _require_meeting_keeper(actor, meeting)
    _open_meeting(meeting)
    _check_invitees(meeting.case, walk_ins)
    save_if_unchanged(meeting, expected_version=expected_version, fields={})
    members = meeting.participants.filter(kind=ParticipantKind.MEMBER)
    unknown = present - set(members.values_list("pk", flat=True))
    if unknown:
        raise MdtRuleBroken(_("Someone marked present is not invited to this staffing."))
    members.filter(pk__in=present).update(attended=True)
    members.exclude(pk__in=present).filter(invited=True).update(attended=False)
    for walk_in in walk_ins:
        Participant.objects.create(
            meeting=meeting,
            kind=ParticipantKind.MEMBER,
            agency=walk_in.agency,
            user=walk_in.user,
            role=walk_in.role,
            invited=False,
            attended=True,
        )
    for kind, came in (
        (ParticipantKind.SURVIVOR, survivor_present),
        (ParticipantKind.FAMILY, family_present),
    ):
        meeting.participants.filter(kind=kind).delete()
        if came:
            Participant.objects.create(meeting=meeting, kind=kind, invited=False, attended=True)
    _audit(
        actor,
        AuditAction.MDT_MEETING_CHANGED,
        meeting,
        {"attendance": len(present) + len(walk_ins)},
    )
    return meeting


def _check_actions(case: Case, category: str, actions: list[ActionSpec]) -> None:
    for spec in actions:
        if not spec.title.strip():
            raise MdtRuleBroken(_("Say what each action is."))
        if spec.due_on < timezone.localdate():
            raise MdtRuleBroken(_("An action's due date cannot be in the past."))
        on_team = (
            case.lead_agency_id == spec.owner_agency.pk
            or case.care_team.filter(agency=spec.owner_agency, removed_at__isnull=True).exists()
        )
        if not on_team:
            raise MdtRuleBroken(
                _("%(agency)s is not on the care team. Give the action to an agency on it.")
                % {"agency": spec.owner_agency.name}
            )
        if category not in sharing.agency_may_see(spec.owner_agency.pk, case.survivor):
            raise MdtRuleBroken(
                _(
                    "%(agency)s may not read this kind of information about this person (no "
                    "release), so it cannot own this action."
                )
                % {"agency": spec.owner_agency.name}
            )
        if (
            spec.owner_user is not None
            and not Membership.objects.filter(
                user=spec.owner_user, agency=spec.owner_agency, is_active=True
            ).exists()
        ):
            raise MdtRuleBroken(_("The person named does not work for the agency chosen."))


@transaction.atomic
def record_decision(
    *,
    actor: Actor,
    meeting: Meeting,
    text: str,
    category: str,
    actions: list[ActionSpec],
) -> Decision:
    """What the team decided, in a kind of data (who may read it), with the actions it asks
    of agencies on the care team. Each action is a to-do on the case: it shows on the
    owner's My work and at the next meeting's follow-through."""
    _require_meeting_keeper(actor, meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise MdtRuleBroken(_("This staffing was cancelled."))
    if category not in DECISION_CATEGORIES:
        raise MdtRuleBroken(_("Choose who may read this decision."))
    if not clean_text(text):
        raise MdtRuleBroken(_("Write what was decided."))
    case = meeting.case
    _check_actions(case, category, actions)
    decision = Decision.objects.create(
        meeting=meeting, category=category, text=clean_text(text), recorded_by=actor.user
    )
    for spec in actions:
        task = add_task(
            actor=actor,
            case=case,
            kind=TaskKind.MDT_ACTION,
            title=clean_text(spec.title)[:200],
            due_on=spec.due_on,
            owner=spec.owner_agency,
            category=category,
        )
        ActionItem.objects.create(decision=decision, task=task, owner_user=spec.owner_user)
    _audit(
        actor,
        AuditAction.MDT_DECISION_RECORDED,
        meeting,
        {"category": category, "actions": len(actions)},
    )
    return decision


def missing_roles(meeting: Meeting) -> list[str]:
    """Required roles (from the protocol version of the meeting) nobody present filled."""
    version = meeting.protocol_version
    required = list(version.snapshot.get("required_mdt_roles", [])) if version else []
    filled = set(
        meeting.participants.filter(kind=ParticipantKind.MEMBER, attended=True).values_list(
            "role", flat=True
        )
    )
    return [role for role in required if role not in filled]


@dataclass(frozen=True)
class Closing:
    minutes: str
    survivor_voice: str
    survivor_voice_how: str
    next_meeting_on: date | None
    no_next_meeting_reason: str


@transaction.atomic
def hold_meeting(
    *, actor: Actor, meeting: Meeting, closing: Closing, expected_version: int
) -> Meeting:
    """Close the staffing as held: minutes, how the survivor's voice was heard, and the
    next meeting's date (or why there is none). A staffing missing a required role is still
    recorded, and flagged. The first one held stops the case's MDT clock."""
    _require_meeting_keeper(actor, meeting)
    _open_meeting(meeting)
    if meeting.starts_at > timezone.now():
        raise MdtRuleBroken(_("This staffing has not started yet."))
    if not meeting.participants.filter(attended=True).exists():
        raise MdtRuleBroken(_("Take attendance before closing the staffing."))
    if closing.survivor_voice not in SurvivorVoice.values:
        raise MdtRuleBroken(_("Say how the survivor's voice was heard."))
    # The day it was held where the community is, as the clock counts its days (a late
    # meeting out West is already tomorrow on the server's clock).
    zone = time_zone_of(current_version_for(meeting.case.lead_agency_id), meeting.case)
    held_on = today_in(zone, meeting.starts_at)
    if closing.next_meeting_on is None and not closing.no_next_meeting_reason.strip():
        raise MdtRuleBroken(
            _("Give the date of the next meeting, or say why the team is not meeting again.")
        )
    if closing.next_meeting_on is not None and closing.next_meeting_on <= held_on:
        raise MdtRuleBroken(_("The next meeting must come after this one."))
    gaps = missing_roles(meeting)
    save_if_unchanged(
        meeting,
        expected_version=expected_version,
        fields={
            "status": MeetingStatus.HELD,
            "held_at": timezone.now(),
            "minutes": clean_text(closing.minutes),
            "survivor_voice": closing.survivor_voice,
            "survivor_voice_how": clean_text(closing.survivor_voice_how),
            "next_meeting_on": closing.next_meeting_on,
            "no_next_meeting_reason": ""
            if closing.next_meeting_on
            else clean_text(closing.no_next_meeting_reason),
            "missing_roles": gaps,
        },
    )
    refresh_clock(case=meeting.case, first_staffed_on=held_on)
    _audit(
        actor, AuditAction.MDT_MEETING_CHANGED, meeting, {"status": "held", "missing_roles": gaps}
    )
    summary = _("MDT staffing held on %(day)s") % {"day": _day(held_on)}
    if gaps:
        summary += " " + _("without a required role (%(roles)s)") % {
            "roles": ", ".join(str(CareTeamRole(r).label) for r in gaps)
        }
    add_event(actor, meeting.case, EventKind.MDT, summary=summary)
    return meeting


@transaction.atomic
def cancel_meeting(*, actor: Actor, meeting: Meeting, expected_version: int) -> Meeting:
    _require_meeting_keeper(actor, meeting)
    _open_meeting(meeting)
    save_if_unchanged(
        meeting, expected_version=expected_version, fields={"status": MeetingStatus.CANCELLED}
    )
    _audit(actor, AuditAction.MDT_MEETING_CHANGED, meeting, {"status": "cancelled"})
    add_event(actor, meeting.case, EventKind.MDT, summary=_("MDT staffing cancelled"))
    return meeting
