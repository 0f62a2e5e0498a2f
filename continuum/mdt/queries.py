"""Every read of MDT staffings: the community's clocks, the meetings an actor may open, and
a meeting's agenda as the reader's agency may see it.

Who sees what:
- The staffing clocks list (coordinators and supervisors of a protocol's members) names
  cases by reference, lead agency and dates only: enough to convene a staffing, nothing
  about the survivor. Opening a case still goes through cases.queries.case_for.
- A meeting is visible to supervisors and coordinators of the convening agency, the lead
  agency, an agency on the care team, or an agency invited to it; to case managers,
  clinicians and mentors named on the case or invited by name. Its existence, time, people and
  decisions' presence are shown to all of them; the survivor's data in its agenda, and the
  text of each decision, only as the reader's agency's releases allow (sharing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import (
    CareTeamMember,
    CareTeamRole,
    Case,
    CaseStatus,
    CaseTask,
    TaskKind,
    TaskStatus,
)
from continuum.mdt.models import (
    ActionItem,
    Decision,
    Meeting,
    MeetingStatus,
    Participant,
    StaffingClock,
)
from continuum.protocols.clock import Clock, clock_from, today_in
from continuum.protocols.models import ProtocolMember


def community_agency_ids(actor: Actor) -> list[int]:
    """The agencies whose cases the actor's MDT work covers: its protocol's members, or only
    its own agency when it is in no protocol."""
    member = ProtocolMember.objects.filter(agency_id=actor.agency_id).first()
    if member is None:
        return [actor.agency_id]
    return list(
        ProtocolMember.objects.filter(protocol_id=member.protocol_id).values_list(
            "agency_id", flat=True
        )
    )


def may_convene(actor: Actor) -> bool:
    return policy.can(actor, policy.Permission.CONVENE_MDT)


def keeps(actor: Actor, meeting: Meeting) -> bool:
    """Whether the actor keeps this meeting's record (its convening agency's coordinator or
    supervisor)."""
    return may_convene(actor) and meeting.convened_by_agency_id == actor.agency_id


def community_agencies(lead_agency_id: int) -> list[tuple[Agency, list[str]]]:
    """The member agencies of the lead agency's protocol, each with the MDT roles it fills
    (the lead alone, with no listed roles, when it is in no protocol)."""
    member = ProtocolMember.objects.filter(agency_id=lead_agency_id).first()
    if member is None:
        return [(Agency.objects.get(pk=lead_agency_id), [])]
    members = ProtocolMember.objects.filter(
        protocol_id=member.protocol_id, agency__is_active=True
    ).select_related("agency")
    return [(m.agency, list(m.mdt_roles)) for m in members]


def clock_row(case: Case) -> ClockRow | None:
    """The case's MDT clock as it stands today, for the convene page."""
    clock = (
        StaffingClock.objects.filter(case=case)
        .select_related("protocol_version", "case__lead_agency")
        .first()
    )
    if clock is None:
        return None
    day = today_in(_zone(clock), timezone.now())
    state = clock_from(
        clock.intake_on, clock.due_on, clock.at_risk_from, day, clock.first_staffed_on
    )
    return ClockRow(clock, state)


def required_not_invited(meeting: Meeting) -> list[str]:
    """Roles the protocol requires at a staffing that no invitee fills (shown before the
    meeting, so the coordinator can still invite them)."""
    if meeting.status != MeetingStatus.SCHEDULED or meeting.protocol_version is None:
        return []
    required = meeting.protocol_version.snapshot.get("required_mdt_roles", [])
    invited = {p.role for p in meeting.participants.all()}
    return [str(CareTeamRole(r).label) for r in required if r not in invited]


def minutes_readable(readable: frozenset[str]) -> bool:
    """Minutes and how the survivor was heard are read as case notes."""
    return str(DataCategory.NOTES) in readable


@dataclass
class ClockRow:
    clock: StaffingClock
    state: Clock
    next_meeting: Any = None  # the soonest scheduled staffing's start, if any


def staffing_clocks(actor: Actor, *, today: date | None = None) -> list[ClockRow]:
    """Open cases of the community still waiting for their first staffing, soonest due
    first; those with no intake date after them ("cannot compute"). 2 queries."""
    policy.require(actor, policy.Permission.CONVENE_MDT)
    agencies = community_agency_ids(actor)
    next_meeting = (
        Meeting.objects.filter(case=OuterRef("case"), status=MeetingStatus.SCHEDULED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    clocks = list(
        StaffingClock.objects.filter(
            case__lead_agency_id__in=agencies,
            case__status=CaseStatus.OPEN,
            first_staffed_on__isnull=True,
        )
        .annotate(next_meeting=Subquery(next_meeting))
        .select_related("case__lead_agency", "protocol_version")
        .order_by("due_on", "case__reference")
    )
    record(actor, AuditAction.MDT_DASHBOARD_VIEWED, detail={"count": len(clocks)})
    rows = []
    for clock in clocks:
        day = today or today_in(_zone(clock), timezone.now())
        state = clock_from(clock.intake_on, clock.due_on, clock.at_risk_from, day)
        rows.append(ClockRow(clock, state, getattr(clock, "next_meeting", None)))
    # Computable first by due date, then those that cannot be computed yet.
    return sorted(rows, key=lambda r: (r.clock.due_on is None, r.clock.due_on or date.max))


def _zone(clock: StaffingClock) -> str:
    if clock.protocol_version is not None:
        return str(clock.protocol_version.snapshot["time_zone"])
    return clock.case.lead_agency.time_zone


def next_staffings_to_schedule(actor: Actor) -> list[Meeting]:
    """Held staffings of open cases of the community whose team agreed a next date, with no
    staffing scheduled since: the coordinator books them (2 queries)."""
    if not may_convene(actor):
        return []
    later = Meeting.objects.filter(
        case=OuterRef("case"), status=MeetingStatus.SCHEDULED, starts_at__gt=OuterRef("starts_at")
    )
    latest_held = (
        Meeting.objects.filter(case=OuterRef("case"), status=MeetingStatus.HELD)
        .order_by("-starts_at")
        .values("pk")[:1]
    )
    return list(
        Meeting.objects.filter(
            status=MeetingStatus.HELD,
            next_meeting_on__isnull=False,
            case__status=CaseStatus.OPEN,
            case__lead_agency_id__in=community_agency_ids(actor),
            pk=Subquery(latest_held),
        )
        .exclude(Exists(later))
        .select_related("case__lead_agency")
        .order_by("next_meeting_on")
    )


def convenable_case(actor: Actor, case_id: UUID | str) -> Case:
    """A case the actor may convene a staffing for: open, led by a member of their
    community. NotFound otherwise. The case is not masked: callers show its reference."""
    policy.require(actor, policy.Permission.CONVENE_MDT)
    case = (
        Case.objects.filter(
            pk=case_id,
            lead_agency_id__in=community_agency_ids(actor),
            status=CaseStatus.OPEN,
        )
        .select_related("lead_agency", "survivor", "staffing_clock")
        .first()
    )
    if case is None:
        raise policy.NotFound()
    return case


def _visible_meetings_q(actor: Actor) -> Q:
    """Supervisors and coordinators: meetings their agency convened, leads the case of, is
    on the care team of, or is invited to. Case managers, clinicians and mentors: meetings
    of cases they are named on, or they are invited to by name (as for cases themselves)."""
    if actor.role in policy.AGENCY_WIDE_ROLES:
        on_team = CareTeamMember.objects.filter(
            case=OuterRef("case"), agency_id=actor.agency_id, removed_at__isnull=True
        )
        invited = Participant.objects.filter(meeting=OuterRef("pk"), agency_id=actor.agency_id)
        return (
            Q(convened_by_agency_id=actor.agency_id)
            | Q(case__lead_agency_id=actor.agency_id)
            | Q(Exists(on_team))
            | Q(Exists(invited))
        )
    if actor.role in policy.ASSIGNED_ROLES:
        named = CareTeamMember.objects.filter(
            case=OuterRef("case"),
            agency_id=actor.agency_id,
            user=actor.user,
            removed_at__isnull=True,
        )
        invited = Participant.objects.filter(
            meeting=OuterRef("pk"), agency_id=actor.agency_id, user=actor.user
        )
        return Q(Exists(named)) | Q(Exists(invited))
    return Q(pk__in=[])


def meetings_for(actor: Actor) -> QuerySet[Meeting]:
    return Meeting.objects.filter(_visible_meetings_q(actor)).select_related(
        "case__lead_agency", "convened_by_agency", "convened_by"
    )


def meeting_for(actor: Actor, meeting_id: UUID | str) -> Meeting:
    meeting = meetings_for(actor).filter(pk=meeting_id).first()
    if meeting is None:
        raise policy.NotFound()
    return meeting


def upcoming_meetings(actor: Actor, *, limit: int = 50) -> list[Meeting]:
    return list(
        meetings_for(actor).filter(status=MeetingStatus.SCHEDULED).order_by("starts_at")[:limit]
    )


def meetings_by_case(actor: Actor, cases: list[Case]) -> dict[UUID, list[Meeting]]:
    """The staffings of these cases the actor may see, oldest first, by case (1 query)."""
    found: dict[UUID, list[Meeting]] = {}
    if not cases:
        return found
    for meeting in meetings_for(actor).filter(case__in=cases).order_by("starts_at"):
        found.setdefault(meeting.case_id, []).append(meeting)
    return found


# --- the agenda: built from the case, shown as the reader's agency may see it ------------


@dataclass
class AgendaSection:
    title: str
    category: str
    shown: bool  # False: the reader's agency has no release for this kind of data
    items: list[str] = field(default_factory=list)


@dataclass
class FollowThrough:
    item: ActionItem
    on_time: bool | None  # None while open and not yet due


@dataclass
class Agenda:
    meeting: Meeting
    readable: frozenset[str]
    survivor_name: str | None  # None: identity not shared with the reader's agency
    sections: list[AgendaSection]
    follow_through: list[FollowThrough]


def _name(case: Case, readable: frozenset[str]) -> str | None:
    if str(DataCategory.IDENTITY) not in readable:
        return None
    person = case.survivor
    return str(person.preferred_name or person.legal_given_name or "") or None


def reader_categories(actor: Actor, case: Case) -> frozenset[str]:
    """What the reader may see of the case's survivor at its meetings: what their role may
    see for the lead agency; for another agency, what its releases name, and only while it
    is on the case's care team. Being invited to a staffing, or having convened it and been
    taken off the team since, shows the meeting, never the survivor (DESIGN: care team *and*
    release). The convening agency reads back what it recorded only as far as this allows:
    writing a decision gives no right to read the survivor's record."""
    team = CareTeamMember.objects.filter(case=case, removed_at__isnull=True)
    if case.lead_agency_id != actor.agency_id and not team.filter(agency_id=actor.agency_id):
        return frozenset()
    # Case managers, clinicians and mentors read a case they are named on, as everywhere:
    # invited by name to its staffing, a colleague not on the case sees the meeting only.
    if actor.role in policy.ASSIGNED_ROLES and not team.filter(
        agency_id=actor.agency_id, user=actor.user
    ):
        return frozenset()
    return sharing.case_categories(actor, case)


def agenda_for(actor: Actor, meeting: Meeting) -> Agenda:
    """The meeting's agenda from the case as it stands: open needs, plan goals, overdue
    tasks, placement and legal dates, each section only if the reader's agency may see that
    kind of data for this episode (otherwise marked as not shared, never dropped). Audited
    with the categories shown."""
    from continuum.needs.models import DOMAIN_CATEGORIES, Need, NeedStatus
    from continuum.plans.models import Appointment, AppointmentStatus, Goal, GoalStatus

    case = meeting.case
    readable = reader_categories(actor, case)
    today = timezone.localdate()
    open_needs = list(
        Need.objects.filter(
            case=case, status__in=[NeedStatus.IDENTIFIED, NeedStatus.BEING_ADDRESSED]
        ).select_related("domain")
    )
    needs_shown = [n for n in open_needs if n.domain.category in readable]
    sections = [
        AgendaSection(
            _("Open needs"),
            str(DataCategory.NEEDS),
            # Shown when any area's kind of data is released (a mental-health release alone
            # shows that area's need, and the section must not then say "not shared").
            bool(readable & {str(c) for c in DOMAIN_CATEGORIES}),
            [f"{n.domain.name}: {n.get_status_display()}" for n in needs_shown],
        )
    ]
    goals = list(
        Goal.objects.filter(plan__case=case, status=GoalStatus.ACTIVE, category__in=readable)
    )
    sections.append(
        AgendaSection(
            _("Care plan goals"),
            str(DataCategory.CARE_PLAN),
            str(DataCategory.CARE_PLAN) in readable,
            [g.words for g in goals],
        )
    )
    overdue = CaseTask.objects.filter(
        case=case, status=TaskStatus.OPEN, due_on__lt=today, category__in=readable
    )
    sections.append(
        AgendaSection(
            _("Overdue tasks"),
            str(DataCategory.CARE_PLAN),
            str(DataCategory.CARE_PLAN) in readable,
            [f"{t.title} ({t.due_on:%d %b %Y})" for t in overdue if t.due_on],
        )
    )
    legal = Appointment.objects.filter(
        case=case,
        category=DataCategory.LEGAL,
        status=AppointmentStatus.PLANNED,
        starts_at__gte=timezone.now(),
    ).order_by("starts_at")
    sections.append(
        AgendaSection(
            _("Court and legal dates"),
            str(DataCategory.LEGAL),
            str(DataCategory.LEGAL) in readable,
            [f"{a.what} ({timezone.localtime(a.starts_at):%d %b %Y %H:%M})" for a in legal]
            if str(DataCategory.LEGAL) in readable
            else [],
        )
    )
    sections.append(
        AgendaSection(
            _("Placement"),
            str(DataCategory.PLACEMENT),
            str(DataCategory.PLACEMENT) in readable,
            [],
        )
    )
    record(
        actor,
        AuditAction.MDT_MEETING_VIEWED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=meeting,
        detail={"categories": sorted(readable)},
    )
    return Agenda(
        meeting=meeting,
        readable=readable,
        survivor_name=_name(case, readable),
        sections=sections,
        follow_through=follow_through(meeting, readable),
    )


def follow_through(meeting: Meeting, readable: frozenset[str]) -> list[FollowThrough]:
    """Action items from this case's earlier meetings, for the team to go through: done on
    time, done late, or still open. Titles of kinds the reader may not see are withheld."""
    items = list(
        ActionItem.objects.filter(
            decision__meeting__case=meeting.case,
            decision__meeting__starts_at__lt=meeting.starts_at,
        )
        .exclude(decision__meeting=meeting)
        .select_related("task__owner_agency", "owner_user", "decision__meeting")
        .order_by("task__due_on", "pk")
    )
    today = timezone.localdate()
    result = []
    for item in items:
        task = item.task
        item.withheld = task.category not in readable  # type: ignore[attr-defined]
        result.append(FollowThrough(item, _on_time(task, today)))
    return result


def _on_time(task: CaseTask, today: date) -> bool | None:
    if task.status == TaskStatus.DONE and task.done_at is not None:
        return task.due_on is None or timezone.localdate(task.done_at) <= task.due_on
    if task.status == TaskStatus.OPEN and task.due_on is not None and task.due_on < today:
        return False
    return None


def decisions_of(meeting: Meeting, readable: frozenset[str]) -> list[Decision]:
    """The meeting's decisions with their action items; the text of a decision of a kind
    the reader may not see is withheld (`withheld` set), its existence is not."""
    decisions = list(
        Decision.objects.filter(meeting=meeting).prefetch_related(
            "action_items__task__owner_agency", "action_items__owner_user"
        )
    )
    for decision in decisions:
        decision.withheld = decision.category not in readable  # type: ignore[attr-defined]
    return decisions


def participants_of(meeting: Meeting) -> list[Participant]:
    return list(meeting.participants.select_related("agency", "user"))


def my_open_action_items(actor: Actor) -> list[CaseTask]:
    """Open MDT action items owned by the actor's agency on cases they may see, soonest due
    first; only those whose kind of data they may read of the person (as My work: role
    ceiling and releases in force, decided now). 4 queries for any number."""
    from continuum.cases.queries import cases_for

    tasks = list(
        CaseTask.objects.filter(
            case__in=cases_for(actor),
            kind=TaskKind.MDT_ACTION,
            status=TaskStatus.OPEN,
            owner_agency_id=actor.agency_id,
        )
        .select_related("owner_agency", "mdt_action__owner_user", "case__survivor")
        .order_by("due_on", "pk")
    )
    people = {task.case.survivor_id: task.case.survivor for task in tasks}
    allowed = sharing.categories_for(actor, people.values())
    return [t for t in tasks if t.category in allowed.get(t.case.survivor_id, frozenset())]


def open_action_items(case: Case) -> QuerySet[CaseTask]:
    return CaseTask.objects.filter(case=case, kind=TaskKind.MDT_ACTION, status=TaskStatus.OPEN)
