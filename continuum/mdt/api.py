"""/mdt: the community's staffing clocks, meetings, attendance, decisions and action items.

The same actions and queries as the pages, the same masking: a meeting is visible to the
convening, lead, care-team and invited agencies; the survivor's data in its agenda, and a
decision's text, only as far as the reader's agency's releases allow (withheld parts are
marked, never serialised). Registered in continuum/api/api.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool, StrictInt

from continuum.access import policy
from continuum.accounts.models import Agency, User
from continuum.api.errors import InvalidInput
from continuum.api.schemas import READ_ERRORS, WRITE_ERRORS, Clean, Day, InputSchema, Version
from continuum.api.tokens import request_actor
from continuum.cases.models import CareTeamRole, CaseTask, TaskKind, TaskStatus
from continuum.mdt import actions, queries
from continuum.mdt.models import (
    Meeting,
    MeetingStatus,
    Participant,
    PlaceKind,
    SurvivorVoice,
)

router = Router(tags=["mdt"])

Text = Annotated[str, Field(max_length=2000), Clean]
LongText = Annotated[str, Field(max_length=20000), Clean]


class ClockOut(Schema):
    case_id: UUID
    case_reference: str
    lead_agency: str
    intake_on: date | None
    due_on: date | None
    at_risk_from: date | None
    state: str = Field(description="on_track, at_risk, overdue, not_yet_started or cannot_compute")
    days_left: int | None
    next_meeting: datetime | None
    protocol_version: int | None


@router.get("/clocks", response={200: list[ClockOut], **READ_ERRORS}, summary="Staffing clocks")
def clocks(request: HttpRequest) -> list[dict[str, Any]]:
    """Open cases of your community waiting for their first staffing, soonest due first;
    those without an intake date last (`cannot_compute`). By reference only. MDT
    coordinators and supervisors."""
    actor = request_actor(request)
    return [
        {
            "case_id": row.clock.case_id,
            "case_reference": row.clock.case.reference,
            "lead_agency": row.clock.case.lead_agency.name,
            "intake_on": row.clock.intake_on,
            "due_on": row.clock.due_on,
            "at_risk_from": row.clock.at_risk_from,
            "state": str(row.state.state),
            "days_left": row.state.days_left,
            "next_meeting": row.next_meeting,
            "protocol_version": row.clock.protocol_version.number
            if row.clock.protocol_version
            else None,
        }
        for row in queries.staffing_clocks(actor)
    ]


class InviteeIn(InputSchema):
    agency_id: StrictInt
    role: CareTeamRole
    user_id: StrictInt | None = None


class ConveneIn(InputSchema):
    starts_at: datetime = Field(description="With its time zone offset.")
    minutes_long: Annotated[StrictInt, Field(ge=15, le=480)] = 60
    place_kind: PlaceKind
    place: Annotated[str, Field(max_length=200), Clean] = ""
    call_link: Annotated[str, Field(max_length=500)] = ""
    invitees: list[InviteeIn] = Field(min_length=1, max_length=50)


class ParticipantOut(Schema):
    id: int
    kind: str
    agency: str | None
    person: str | None
    role: str
    invited: bool
    attended: bool | None

    @staticmethod
    def resolve_agency(obj: Participant) -> str | None:
        return obj.agency.name if obj.agency else None

    @staticmethod
    def resolve_person(obj: Participant) -> str | None:
        return str(obj.user) if obj.user else None


class MeetingFields(Schema):
    id: UUID
    case_id: UUID
    case_reference: str
    status: MeetingStatus
    starts_at: datetime
    minutes_long: int
    place_kind: str
    place: str
    call_link: str
    convened_by_agency: str
    version: int
    next_meeting_on: date | None
    missing_roles: list[str]


class MeetingOut(MeetingFields):
    @staticmethod
    def resolve_case_reference(obj: Meeting) -> str:
        return obj.case.reference

    @staticmethod
    def resolve_convened_by_agency(obj: Meeting) -> str:
        return obj.convened_by_agency.name


class ActionItemOut(Schema):
    task_id: int
    title: str | None
    owner_agency: str
    owner_person: str | None
    due_on: date | None
    status: str
    done_on: date | None
    on_time: bool | None


class DecisionOut(Schema):
    id: UUID
    category: str | None = Field(
        description="null when withheld: that a record of some kinds exists (substance use "
        "treatment, 42 CFR Part 2) is itself protected"
    )
    withheld: bool
    text: str | None
    action_items: list[ActionItemOut]


class AgendaSectionOut(Schema):
    title: str
    category: str
    shown: bool
    items: list[str]


class MeetingDetailOut(MeetingFields):
    no_next_meeting_reason: str | None = Field(description="null unless you read case notes")
    survivor_name: str | None = Field(description="null: identity not released to your agency")
    participants: list[ParticipantOut]
    agenda: list[AgendaSectionOut]
    follow_through: list[ActionItemOut]
    decisions: list[DecisionOut]
    minutes: str | None
    survivor_voice: str
    survivor_voice_how: str | None


def _item(task: CaseTask, owner: User | None, withheld: bool) -> dict[str, Any]:
    done_on = timezone.localdate(task.done_at) if task.done_at else None
    on_time = None
    if task.status == TaskStatus.DONE and done_on and task.due_on:
        on_time = done_on <= task.due_on
    elif task.status == TaskStatus.OPEN and task.due_on and task.due_on < timezone.localdate():
        on_time = False
    return {
        "task_id": task.pk,
        "title": None if withheld else task.title,
        "owner_agency": task.owner_agency.name,
        "owner_person": str(owner) if owner else None,
        "due_on": task.due_on,
        "status": task.status,
        "done_on": done_on,
        "on_time": on_time,
    }


_MEETING_FIELDS = (
    "id",
    "status",
    "starts_at",
    "minutes_long",
    "place_kind",
    "place",
    "call_link",
    "version",
    "next_meeting_on",
    "missing_roles",
)


def _detail(actor: Any, meeting: Meeting) -> dict[str, Any]:
    agenda = queries.agenda_for(actor, meeting)
    notes = queries.minutes_readable(agenda.readable)
    decisions = queries.decisions_of(meeting, agenda.readable)
    return {
        **{name: getattr(meeting, name) for name in _MEETING_FIELDS},
        "case_id": meeting.case_id,
        "case_reference": meeting.case.reference,
        "convened_by_agency": meeting.convened_by_agency.name,
        "survivor_name": agenda.survivor_name,
        "participants": queries.participants_of(meeting),
        "agenda": [vars(s) for s in agenda.sections],
        "follow_through": [
            _item(f.item.task, f.item.owner_user, f.item.withheld)  # type: ignore[attr-defined]
            for f in agenda.follow_through
        ],
        "decisions": [
            {
                "id": d.pk,
                "category": None if d.withheld else d.category,  # type: ignore[attr-defined]
                "withheld": d.withheld,  # type: ignore[attr-defined]
                "text": None if d.withheld else d.text,  # type: ignore[attr-defined]
                "action_items": [
                    _item(a.task, a.owner_user, d.withheld)  # type: ignore[attr-defined]
                    for a in d.action_items.all()
                ],
            }
            for d in decisions
        ],
        "minutes": meeting.minutes if notes else None,
        "no_next_meeting_reason": meeting.no_next_meeting_reason if notes else None,
        "survivor_voice": meeting.survivor_voice,
        "survivor_voice_how": meeting.survivor_voice_how if notes else None,
    }


def _agency(agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise InvalidInput(f"No agency has id {agency_id}.")
    return agency


def _user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidInput(f"No person has id {user_id}.")
    return user


@router.post(
    "/cases/{case_id}/meetings",
    response={201: MeetingDetailOut, **WRITE_ERRORS},
    summary="Convene a staffing",
)
def convene(request: HttpRequest, case_id: UUID, payload: ConveneIn) -> Status[dict[str, Any]]:
    """Schedule a staffing of a case of your community, inviting agencies by role and people
    by name. Your agency joins the care team as MDT coordinator. Coordinators and
    supervisors of a member agency."""
    actor = request_actor(request)
    case = queries.convenable_case(actor, case_id)
    if payload.starts_at.tzinfo is None:
        raise InvalidInput("starts_at needs its time zone offset.")
    meeting = actions.convene_mdt(
        actor=actor,
        case=case,
        place=actions.MeetingPlace(
            starts_at=payload.starts_at,
            minutes_long=payload.minutes_long,
            place_kind=str(payload.place_kind),
            place=payload.place,
            call_link=payload.call_link,
        ),
        invitees=[
            actions.Invitee(agency=_agency(i.agency_id), role=str(i.role), user=_user(i.user_id))
            for i in payload.invitees
        ],
    )
    return Status(201, _detail(actor, queries.meeting_for(actor, meeting.pk)))


@router.get("/meetings", response={200: list[MeetingOut], **READ_ERRORS}, summary="Meetings")
def list_meetings(request: HttpRequest, upcoming: bool = False) -> list[Meeting]:
    """Staffings you may see (your agency convened, leads, is on the team of, or is invited
    to), newest first; `upcoming=true`: scheduled ones, soonest first."""
    actor = request_actor(request)
    if upcoming:
        return queries.upcoming_meetings(actor)
    return list(queries.meetings_for(actor).order_by("-starts_at")[:200])


@router.get(
    "/meetings/{meeting_id}", response={200: MeetingDetailOut, **READ_ERRORS}, summary="A meeting"
)
def get_meeting(request: HttpRequest, meeting_id: UUID) -> dict[str, Any]:
    """The meeting with its agenda built from the case, the follow-through of earlier
    actions, and its decisions: each part shown (`shown`, `withheld`) only as far as your
    agency's releases allow. Audited with the kinds of data shown."""
    actor = request_actor(request)
    return _detail(actor, queries.meeting_for(actor, meeting_id))


class AttendanceIn(InputSchema):
    version: Version
    present: list[StrictInt] = Field(default_factory=list, description="Participant ids who came")
    walk_ins: list[InviteeIn] = Field(default_factory=list, max_length=50)
    survivor_present: StrictBool = False
    family_present: StrictBool = False


@router.post(
    "/meetings/{meeting_id}/attendance",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="Record attendance",
)
def attendance(request: HttpRequest, meeting_id: UUID, payload: AttendanceIn) -> dict[str, Any]:
    """Who came (invited participants by id, and others by agency and role), and whether the
    survivor and family took part. The convening agency."""
    actor = request_actor(request)
    meeting = queries.meeting_for(actor, meeting_id)
    actions.record_attendance(
        actor=actor,
        meeting=meeting,
        present=set(payload.present),
        walk_ins=[
            actions.Invitee(agency=_agency(i.agency_id), role=str(i.role), user=_user(i.user_id))
            for i in payload.walk_ins
        ],
        survivor_present=payload.survivor_present,
        family_present=payload.family_present,
        expected_version=payload.version,
    )
    return _detail(actor, queries.meeting_for(actor, meeting_id))


class ActionIn(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=200), Clean]
    owner_agency_id: StrictInt
    owner_user_id: StrictInt | None = None
    due_on: Day


class DecisionIn(InputSchema):
    text: Annotated[str, Field(min_length=1, max_length=2000), Clean]
    category: str = Field(description="The kind of data: who may read it (care_plan, notes…)")
    actions: list[ActionIn] = Field(default_factory=list, max_length=20)


@router.post(
    "/meetings/{meeting_id}/decisions",
    response={201: DecisionOut, **WRITE_ERRORS},
    summary="Record a decision",
)
def decide(request: HttpRequest, meeting_id: UUID, payload: DecisionIn) -> Status[dict[str, Any]]:
    """A decision with the action items it asks of agencies on the care team; each becomes a
    to-do on the owner's My work (and `GET /dashboard`). The convening agency."""
    actor = request_actor(request)
    meeting = queries.meeting_for(actor, meeting_id)
    decision = actions.record_decision(
        actor=actor,
        meeting=meeting,
        text=payload.text,
        category=payload.category,
        actions=[
            actions.ActionSpec(
                title=a.title,
                owner_agency=_agency(a.owner_agency_id),
                owner_user=_user(a.owner_user_id),
                due_on=a.due_on,
            )
            for a in payload.actions
        ],
    )
    items = [
        _item(a.task, a.owner_user, False)
        for a in decision.action_items.select_related("task__owner_agency", "owner_user")
    ]
    return Status(
        201,
        {
            "id": decision.pk,
            "category": decision.category,
            "withheld": False,
            "text": decision.text,
            "action_items": items,
        },
    )


class HoldIn(InputSchema):
    version: Version
    survivor_voice: SurvivorVoice
    survivor_voice_how: Text = ""
    minutes: LongText = ""
    next_meeting_on: Day | None = None
    no_next_meeting_reason: Annotated[str, Field(max_length=500), Clean] = ""


@router.post(
    "/meetings/{meeting_id}/hold",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="Close a meeting as held",
)
def hold(request: HttpRequest, meeting_id: UUID, payload: HoldIn) -> dict[str, Any]:
    """Minutes, how the survivor's voice was heard, and the next meeting's date or why there
    is none (422 without either). The first staffing held stops the case's clock. A meeting
    missing a required role is recorded and flagged (`missing_roles`)."""
    actor = request_actor(request)
    meeting = queries.meeting_for(actor, meeting_id)
    actions.hold_meeting(
        actor=actor,
        meeting=meeting,
        closing=actions.Closing(
            minutes=payload.minutes,
            survivor_voice=str(payload.survivor_voice),
            survivor_voice_how=payload.survivor_voice_how,
            next_meeting_on=payload.next_meeting_on,
            no_next_meeting_reason=payload.no_next_meeting_reason,
        ),
        expected_version=payload.version,
    )
    return _detail(actor, queries.meeting_for(actor, meeting_id))


class CancelIn(InputSchema):
    version: Version


@router.post(
    "/meetings/{meeting_id}/cancel",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Cancel a meeting",
)
def cancel(request: HttpRequest, meeting_id: UUID, payload: CancelIn) -> Meeting:
    actor = request_actor(request)
    meeting = queries.meeting_for(actor, meeting_id)
    return actions.cancel_meeting(actor=actor, meeting=meeting, expected_version=payload.version)


@router.get(
    "/action-items",
    response={200: list[ActionItemOut], **READ_ERRORS},
    summary="Your agency's open MDT action items",
)
def my_action_items(request: HttpRequest) -> list[dict[str, Any]]:
    """Open action items owned by your agency on cases you may see, of the kinds of data you
    may read of the person now, as on My work (complete one with
    `POST /mdt/action-items/{item_id}/done` (item_id: its task_id))."""
    actor = request_actor(request)
    tasks = queries.my_open_action_items(actor)
    return [_item(t, t.mdt_action.owner_user, False) for t in tasks]


@router.post(
    "/action-items/{item_id}/done",
    response={200: ActionItemOut, **WRITE_ERRORS},
    summary="Mark an action item done",
)
def complete_action_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    """`item_id` is the action item's `task_id`. The owning agency's people on the case
    mark it done; the next meeting's
    follow-through shows whether it was on time."""
    actor = request_actor(request)
    from continuum.cases.actions import complete_task
    from continuum.cases.queries import case_for, task_of

    found = CaseTask.objects.filter(pk=item_id, kind=TaskKind.MDT_ACTION).first()
    if found is None:
        raise policy.NotFound()
    case = case_for(actor, found.case_id, audit_read=False)
    task = complete_task(actor=actor, task=task_of(case, item_id))
    return _item(task, getattr(getattr(task, "mdt_action", None), "owner_user", None), False)
