"""MDT pages: the community's staffing clocks, convening a staffing, the meeting (agenda,
attendance, decisions and actions, closing), and its calendar invitation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.accounts.models import Agency, Membership, Role, User
from continuum.cases.models import CareTeamRole, Case
from continuum.core.models import EditConflict
from continuum.core.web import actor_required, posted
from continuum.mdt import actions, queries
from continuum.mdt.calendar import invitation
from continuum.mdt.forms import AttendanceForm, ConveneForm, DecisionForm, HoldForm
from continuum.mdt.models import Meeting, MeetingStatus, ParticipantKind
from continuum.protocols.queries import unsigned_member_ids, with_mou_flag

# The team role a staff member fills when invited by name, from their role in their agency.
ROLE_ON_TEAM = {
    Role.CASE_MANAGER: CareTeamRole.CASE_MANAGER,
    Role.CLINICIAN: CareTeamRole.CLINICIAN,
    Role.SURVIVOR_MENTOR: CareTeamRole.SURVIVOR_MENTOR,
    Role.MDT_COORDINATOR: CareTeamRole.MDT_COORDINATOR,
    Role.SUPERVISOR: CareTeamRole.SUPERVISOR,
}


def _render(
    request: HttpRequest,
    actor: Actor,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """Times are shown in the reader's agency's time zone, the one they are typed in
    (ConveneForm): 14:00 typed in Pensacola reads 14:00 there, not the server's hour."""
    with timezone.override(actor.agency.time_zone):
        return render(request, template, context, status=status)


@actor_required
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Cases of the community waiting for their first staffing, soonest due first."""
    rows = queries.staffing_clocks(actor)
    return _render(
        request,
        actor,
        "mdt/dashboard.html",
        {
            "rows": [r for r in rows if r.clock.due_on is not None],
            "cannot_compute": [r for r in rows if r.clock.due_on is None],
            "meetings": queries.upcoming_meetings(actor),
            "nav": "mdt",
        },
    )


def _role_choices(case: Case) -> tuple[list[tuple[str, str]], list[str]]:
    """Agency-and-role pairs to invite: what each member fills on an MDT (from the
    protocol), and the case's own team; those on the team come checked."""
    community = queries.community_agencies(case.lead_agency_id)
    unsigned = unsigned_member_ids()
    pairs: dict[str, str] = {}
    for agency, roles in community:
        for role in roles:
            pairs[f"{agency.pk}:{role}"] = _agency_role_label(agency, role, unsigned)
    team = []
    for member in case.care_team.filter(removed_at__isnull=True, user__isnull=True).select_related(
        "agency"
    ):
        key = f"{member.agency_id}:{member.role}"
        pairs.setdefault(key, _agency_role_label(member.agency, member.role, unsigned))
        team.append(key)
    return sorted(pairs.items(), key=lambda item: item[1]), team


def _agency_role_label(agency: Agency, role: str, unsigned: set[int]) -> str:
    return f"{with_mou_flag(agency.name, agency.pk, unsigned)} — {CareTeamRole(role).label}"


def _team_roles(case: Case) -> dict[tuple[int, int], str]:
    """(user, agency) -> the role each named person holds on the case's care team."""
    named = case.care_team.filter(removed_at__isnull=True, user__isnull=False)
    return {(m.user_id, m.agency_id): m.role for m in named if m.user_id is not None}


def _role_of(membership: Membership, team: dict[tuple[int, int], str]) -> str:
    """A person invited by name fills their role on the case's team (Casey is the lead case
    manager there), else the one their role in their agency maps to."""
    return team.get((membership.user_id, membership.agency_id), ROLE_ON_TEAM[Role(membership.role)])


def _people_choices(case: Case) -> tuple[list[tuple[str, str]], list[str]]:
    agencies = [a.pk for a, _roles in queries.community_agencies(case.lead_agency_id)]
    memberships = Membership.objects.filter(
        agency_id__in=agencies, is_active=True, role__in=list(ROLE_ON_TEAM)
    ).select_related("user", "agency")
    team = _team_roles(case)
    choices, checked = [], []
    for m in memberships:
        role = CareTeamRole(_role_of(m, team)).label
        choices.append((str(m.pk), f"{m.user} — {role}, {m.agency.name}"))
        if (m.user_id, m.agency_id) in team:
            checked.append(str(m.pk))
    return sorted(choices, key=lambda c: c[1]), checked


def _invitees(form: ConveneForm, case: Case) -> list[actions.Invitee]:
    invitees = []
    agencies = {a.pk: a for a in Agency.objects.all()}
    for value in form.cleaned_data["invite_roles"]:
        agency_id, role = value.split(":", 1)
        invitees.append(actions.Invitee(agency=agencies[int(agency_id)], role=role))
    chosen = Membership.objects.filter(pk__in=form.cleaned_data["invite_people"]).select_related(
        "user", "agency"
    )
    team = _team_roles(case)
    for m in chosen:
        invitees.append(actions.Invitee(agency=m.agency, role=_role_of(m, team), user=m.user))
    return invitees


@require_http_methods(["GET", "POST"])
@actor_required
def convene(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """Schedule a staffing for a case of the community, inviting by role and by name."""
    case = queries.convenable_case(actor, case_id)
    role_choices, team = _role_choices(case)
    people, named = _people_choices(case)
    own = f"{actor.agency_id}:{CareTeamRole.MDT_COORDINATOR}"
    if any(value == own for value, _label in role_choices):
        team.append(own)  # the convener comes to its own staffing
    form = ConveneForm(
        posted(request),
        zone=actor.agency.time_zone,
        role_choices=role_choices,
        people_choices=people,
        initial={"invite_roles": team, "invite_people": named},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and form.cleaned_data["starts_at"] is not None:
            data = form.cleaned_data
            place = actions.MeetingPlace(
                starts_at=data["starts_at"],
                minutes_long=data["minutes_long"],
                place_kind=data["place_kind"],
                place=data["place"],
                call_link=data["call_link"],
            )
            try:
                meeting = actions.convene_mdt(
                    actor=actor, case=case, place=place, invitees=_invitees(form, case)
                )
            except actions.MdtRuleBroken as problem:
                form.add_error(None, str(problem))
            else:
                messages.success(request, _("Staffing scheduled. Download the invitation below."))
                return redirect("mdt:meeting", meeting.pk)
    return _render(
        request,
        actor,
        "mdt/convene.html",
        {"case": case, "form": form, "clock": queries.clock_row(case), "nav": "mdt"},
        status=status,
    )


def _attendance_form(meeting: Meeting, data: Any = None) -> AttendanceForm:
    participants = queries.participants_of(meeting)
    invited = [
        (str(p.pk), _participant_label(p))
        for p in participants
        if p.kind == ParticipantKind.MEMBER and p.invited
    ]
    taken = {(p.agency_id, p.role) for p in participants if p.kind == ParticipantKind.MEMBER}
    others = [
        (value, label)
        for value, label in _role_choices(meeting.case)[0]
        if (int(value.split(":")[0]), value.split(":")[1]) not in taken
    ]
    initial = {
        "present": [str(p.pk) for p in participants if p.attended and p.invited],
        "survivor_present": any(p.kind == ParticipantKind.SURVIVOR for p in participants),
        "family_present": any(p.kind == ParticipantKind.FAMILY for p in participants),
        "version": meeting.version,
    }
    return AttendanceForm(data, invited=invited, others=others, initial=initial)


def _participant_label(p: Any) -> str:
    if p.agency is None:
        return str(p.get_kind_display())
    role = CareTeamRole(p.role).label if p.role else ""
    return f"{p.user} — {role}, {p.agency.name}" if p.user else f"{p.agency.name} — {role}"


def _owner_choices(case: Case) -> list[tuple[str, str]]:
    """The agencies on the case (anyone there) and the people named on its care team:
    "<agency>" or "<agency>:<user>"."""
    agencies = {case.lead_agency_id: case.lead_agency}
    people: list[tuple[str, str]] = []
    team = case.care_team.filter(removed_at__isnull=True).select_related("agency", "user")
    for member in team:
        agencies.setdefault(member.agency_id, member.agency)
        if member.user is not None:
            value = f"{member.agency_id}:{member.user_id}"
            people.append((value, f"{member.user} — {member.agency.name}"))
    unsigned = unsigned_member_ids()
    named = sorted(
        ((str(pk), with_mou_flag(a.name, pk, unsigned)) for pk, a in agencies.items()),
        key=lambda c: c[1],
    )
    return named + sorted(set(people), key=lambda c: c[1])


def _owner(value: str) -> tuple[Agency, User | None]:
    """An owner choice (already one of _owner_choices) as its agency and person."""
    agency_id, _sep, user_id = value.partition(":")
    agency = Agency.objects.get(pk=int(agency_id))
    return agency, User.objects.get(pk=int(user_id)) if user_id else None


def _meeting_page(
    request: HttpRequest,
    actor: Actor,
    meeting: Meeting,
    *,
    attendance: AttendanceForm | None = None,
    decision: DecisionForm | None = None,
    hold: HoldForm | None = None,
    status: int = 200,
) -> HttpResponse:
    agenda = queries.agenda_for(actor, meeting)
    keeper = queries.keeps(actor, meeting)
    open_meeting = meeting.status == MeetingStatus.SCHEDULED
    context: dict[str, Any] = {
        "meeting": meeting,
        "agenda": agenda,
        "participants": queries.participants_of(meeting),
        "decisions": queries.decisions_of(meeting, agenda.readable),
        "minutes_shown": queries.minutes_readable(agenda.readable),
        "missing_role_labels": [CareTeamRole(r).label for r in meeting.missing_roles],
        "required_not_invited": queries.required_not_invited(meeting),
        "keeper": keeper,
        "nav": "mdt",
    }
    if keeper and open_meeting:
        context["attendance"] = attendance or _attendance_form(meeting)
        context["hold"] = hold or HoldForm(initial={"version": meeting.version})
    if keeper and meeting.status != MeetingStatus.CANCELLED:
        context["decision"] = decision or DecisionForm(owners=_owner_choices(meeting.case))
    return _render(request, actor, "mdt/meeting.html", context, status=status)


def _kept_meeting(actor: Actor, meeting_id: UUID) -> Meeting:
    """A meeting the actor keeps the record of: 404 if they may not see it, 403 if they see
    it but another agency convened it (before any form is read)."""
    found = queries.meeting_for(actor, meeting_id)
    if not queries.keeps(actor, found):
        raise policy.Forbidden(_("Only the agency that convened this staffing keeps its record."))
    return found


@actor_required
def meeting(request: HttpRequest, actor: Actor, meeting_id: UUID) -> HttpResponse:
    found = queries.meeting_for(actor, meeting_id)
    return _meeting_page(request, actor, found)


@require_POST
@actor_required
def attendance(request: HttpRequest, actor: Actor, meeting_id: UUID) -> HttpResponse:
    found = _kept_meeting(actor, meeting_id)
    form = _attendance_form(found, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        walk_ins = []
        agencies = {a.pk: a for a in Agency.objects.all()}
        for value in data["walk_ins"]:
            agency_id, role = value.split(":", 1)
            walk_ins.append(actions.Invitee(agency=agencies[int(agency_id)], role=role))
        try:
            actions.record_attendance(
                actor=actor,
                meeting=found,
                present={int(v) for v in data["present"]},
                walk_ins=walk_ins,
                survivor_present=data["survivor_present"],
                family_present=data["family_present"],
                expected_version=data["version"],
            )
        except (actions.MdtRuleBroken, EditConflict) as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Attendance saved."))
            return redirect(reverse("mdt:meeting", args=[found.pk]) + "#attendance")
    return _meeting_page(request, actor, found, attendance=form, status=422)


@require_POST
@actor_required
def decide(request: HttpRequest, actor: Actor, meeting_id: UUID) -> HttpResponse:
    found = _kept_meeting(actor, meeting_id)
    owners = _owner_choices(found.case)
    form = DecisionForm(request.POST, owners=owners)
    if form.is_valid():
        data = form.cleaned_data
        specs = []
        for title, owner, due in data["actions"]:
            agency, person = _owner(owner)
            specs.append(
                actions.ActionSpec(title=title, owner_agency=agency, owner_user=person, due_on=due)
            )
        try:
            actions.record_decision(
                actor=actor,
                meeting=found,
                text=data["text"],
                category=data["category"],
                actions=specs,
            )
        except actions.MdtRuleBroken as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Decision recorded."))
            return redirect(reverse("mdt:meeting", args=[found.pk]) + "#decisions")
    return _meeting_page(request, actor, found, decision=form, status=422)


@require_POST
@actor_required
def hold(request: HttpRequest, actor: Actor, meeting_id: UUID) -> HttpResponse:
    found = _kept_meeting(actor, meeting_id)
    form = HoldForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        closing = actions.Closing(
            minutes=data["minutes"],
            survivor_voice=data["survivor_voice"],
            survivor_voice_how=data["survivor_voice_how"],
            next_meeting_on=data["next_meeting_on"],
            no_next_meeting_reason=data["no_next_meeting_reason"],
        )
        try:
            actions.hold_meeting(
                actor=actor, meeting=found, closing=closing, expected_version=data["version"]
            )
        except (actions.MdtRuleBroken, EditConflict) as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Staffing closed as held."))
            return redirect("mdt:meeting", found.pk)
    return _meeting_page(request, actor, found, hold=form, status=422)


@require_POST
@actor_required
def cancel(request: HttpRequest, actor: Actor, meeting_id: UUID) -> HttpResponse:
    found = _kept_meeting(actor, meeting_id)
    try:
        version = int(request.POST.get("version", ""))
        actions.cancel_meeting(actor=actor, meeting=found, expected_version=version)
    except ValueError:
        messages.error(request, _("The page was out of date. Try again."))
    except (actions.MdtRuleBroken, EditConflict) as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Staffing cancelled."))
    return redirect("mdt:meeting", found.pk)


@actor_required
def ics(request: HttpRequest, actor: Actor, meeting_id: UUID) -> HttpResponse:
    """The calendar invitation: time, place or link, the case reference. Nothing about the
    survivor (calendars are synced to phones and shared with assistants)."""
    found = queries.meeting_for(actor, meeting_id)
    link = request.build_absolute_uri(reverse("mdt:meeting", args=[found.pk]))
    response = HttpResponse(invitation(found, link), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mdt-{found.case.reference}.ics"'
    return response
