"""Every write to a case: opening, changing, closing and reopening, the care team, notes."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency, Membership, Role, User
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import (
    CareTeamMember,
    CareTeamRole,
    Case,
    CaseNote,
    CaseStatus,
    CaseTask,
    ClosureReason,
    EventKind,
    TaskStatus,
)
from continuum.cases.timeline import add_event
from continuum.core.models import save_if_unchanged
from continuum.core.text import clean_text, in_sentence
from continuum.mdt.clocks import refresh_clock, refresh_reopened_clock
from continuum.survivors.models import Survivor

# Letters and digits that cannot be misread for each other on the phone (no 0/O, 1/I/L).
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class CaseRuleBroken(Exception):
    """The change would break a rule of the case's life cycle; the message says which."""


def _check_report_date(survivor: Survivor, report_received_on: date | None) -> None:
    born = survivor.date_of_birth
    if report_received_on and born and report_received_on < born:
        raise CaseRuleBroken(
            _("The abuse report intake date is before their date of birth. Check both dates.")
        )


@transaction.atomic
def open_case(
    *,
    actor: Actor,
    survivor: Survivor,
    report_received_on: date | None,
    opened_on: date | None = None,
) -> Case:
    """Open an episode of care for a survivor, led by the actor's agency.

    Caller: a case manager or supervisor. A case manager who opens a case is named its lead
    case manager, so it appears in their work at once. A survivor has at most one open case
    per lead agency; a closed one is reopened instead.
    """
    # Lock the person's row: two people opening a case at once queue here, and the second
    # sees the first one's case (the unique constraint is the last line of defence).
    Survivor.objects.select_for_update().filter(pk=survivor.pk).first()
    policy.require_case_opening(actor, survivor)
    _check_report_date(survivor, report_received_on)
    if (
        survivor.cases.filter(lead_agency_id=actor.agency_id)
        .exclude(status=CaseStatus.CLOSED)
        .exists()
    ):
        raise CaseRuleBroken(_("Your agency already has a case open for this person."))
    return _create_case(actor, survivor, actor.agency, report_received_on, opened_on)


def _create_case(
    actor: Actor,
    survivor: Survivor,
    lead_agency: Agency,
    report_received_on: date | None,
    opened_on: date | None = None,
) -> Case:
    case = Case.objects.create(
        reference=_unused_reference(),
        survivor=survivor,
        lead_agency=lead_agency,
        opened_on=opened_on or timezone.localdate(),
        report_received_on=report_received_on,
    )
    _audit(actor, AuditAction.CASE_OPENED, case, obj=case)
    add_event(
        actor,
        case,
        EventKind.CASE_OPENED,
        # Opened from another agency's screening: the case is the lead's, not the opener's.
        summary=(
            _("Case opened by %(agency)s")
            if lead_agency.pk == actor.agency_id
            else _("Case opened for %(agency)s")
        )
        % {"agency": lead_agency.name},
    )
    if actor.role == Role.CASE_MANAGER and lead_agency.pk == actor.agency_id:
        _add_member(
            actor, case, agency=actor.agency, user=actor.user, role=CareTeamRole.LEAD_CASE_MANAGER
        )
    refresh_clock(case=case)
    return case


@transaction.atomic
def open_case_from_screening(
    *, actor: Actor, survivor: Survivor, lead_agency: Agency, report_received_on: date | None
) -> Case:
    """Open the case a screening with concern calls for, led by the agency the community
    protocol names (or the screener's own, when it may lead). Caller: the screening's
    actions only (continuum.screening.actions.complete_screening), which has checked that
    the actor screened this person and that the result raised concern; a survivor whose
    care another agency leads already is linked to that case instead, never given a second.
    """
    Survivor.objects.select_for_update().filter(pk=survivor.pk).first()
    if survivor.cases.exclude(status=CaseStatus.CLOSED).exists():
        raise CaseRuleBroken(_("This person has an open case already."))
    _check_report_date(survivor, report_received_on)
    return _create_case(actor, survivor, lead_agency, report_received_on)


@transaction.atomic
def add_task(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    title: str,
    due_on: date | None,
    owner: Agency,
    category: str = DataCategory.CARE_PLAN,
) -> CaseTask:
    """Put something on the case's to-do list, in a data category (who may see it). Caller:
    the system acting for whoever's work creates it (a screening with concern adds the
    in-depth assessment)."""
    return CaseTask.objects.create(
        case=case,
        kind=kind,
        title=title,
        due_on=due_on,
        owner_agency=owner,
        category=category,
        created_by=actor.user,
    )


@transaction.atomic
def complete_task(*, actor: Actor, task: CaseTask) -> CaseTask:
    """Mark a to-do done. Caller: the owning agency's team on the case (the case's lead, or
    a care-team member of the owner agency)."""
    case = task.case
    policy.require_task_completion(actor, case, task.owner_agency_id)
    if task.category not in sharing.categories_for(actor, [case.survivor]).get(
        case.survivor_id, frozenset()
    ):
        raise policy.Forbidden(_("Your role does not work on this kind of task."))
    if case.status == CaseStatus.CLOSED:
        raise CaseRuleBroken(_("The case is closed: reopen it to change its to-do list."))
    if task.status != TaskStatus.OPEN:
        raise CaseRuleBroken(_("This task is already closed."))
    updated = CaseTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, done_at=timezone.now(), done_by=actor.user
    )
    if updated != 1:
        raise CaseRuleBroken(_("Someone else closed this task while you were looking at it."))
    task.refresh_from_db()
    _audit(actor, AuditAction.TASK_DONE, case, obj=task, detail={"kind": task.kind})
    add_event(actor, case, EventKind.TASK_DONE, summary=_("Done: %(task)s") % {"task": task.title})
    return task


def _unused_reference() -> str:
    for _attempt in range(10):
        body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(8))
        reference = f"C-{body[:4]}-{body[4:]}"
        if not Case.objects.filter(reference=reference).exists():
            return reference
    raise IntegrityError("could not find an unused case reference")


@transaction.atomic
def update_case(
    *, actor: Actor, case: Case, report_received_on: date | None, expected_version: int
) -> Case:
    """Change the case's details (today: the abuse report's intake date, which moves the MDT
    clock). Caller: the lead agency's supervisor or a case manager on the team."""
    policy.require_case_write(actor, case, policy.Permission.EDIT_CASE)
    if report_received_on == case.report_received_on:
        return case
    _check_report_date(case.survivor, report_received_on)
    before = case.report_received_on
    save_if_unchanged(
        case,
        expected_version=expected_version,
        fields={"report_received_on": report_received_on, "updated_at": timezone.now()},
    )
    _audit(
        actor, AuditAction.CASE_UPDATED, case, obj=case, detail={"fields": ["report_received_on"]}
    )
    add_event(
        actor,
        case,
        EventKind.CASE_UPDATED,
        summary=_("Abuse report intake date changed from %(before)s to %(after)s")
        % {"before": before or _("not recorded"), "after": report_received_on or _("not recorded")},
    )
    refresh_clock(case=case)
    return case


@transaction.atomic
def change_case_status(
    *,
    actor: Actor,
    case: Case,
    status: CaseStatus,
    expected_version: int,
    closure_reason: ClosureReason | None = None,
) -> Case:
    """Mark a case open, inactive-but-reachable, or closed (with a reason). Closed cases can
    be reopened: survivors leave services and come back, and care stays open-ended.

    Caller: the lead agency's supervisor or a case manager on the team.
    """
    policy.require_case_write(actor, case, policy.Permission.EDIT_CASE)
    if status == case.status:
        raise CaseRuleBroken(
            _("The case is already %(status)s.") % {"status": in_sentence(CaseStatus(status).label)}
        )
    if status == CaseStatus.CLOSED and not closure_reason:
        raise CaseRuleBroken(_("Say why the case is closing."))
    if status != CaseStatus.CLOSED:
        closure_reason = None  # a reason belongs to closing only
    if status != CaseStatus.CLOSED and case.status == CaseStatus.CLOSED:
        _refuse_second_active_case(case)
    fields: dict[str, object] = {"status": status, "updated_at": timezone.now()}
    if status == CaseStatus.CLOSED:
        fields |= {"closed_on": timezone.localdate(), "closure_reason": closure_reason}
    else:
        fields |= {"closed_on": None, "closure_reason": ""}
    before = CaseStatus(case.status)
    save_if_unchanged(case, expected_version=expected_version, fields=fields)
    _audit(
        actor,
        AuditAction.CASE_STATUS_CHANGED,
        case,
        obj=case,
        detail={"from": before.value, "to": str(status)},
    )
    summary = _("Status changed from %(before)s to %(after)s") % {
        "before": before.label,
        "after": CaseStatus(status).label,
    }
    if closure_reason:
        summary += " — " + str(ClosureReason(closure_reason).label)
    add_event(actor, case, EventKind.STATUS_CHANGED, summary=summary)
    if before == CaseStatus.CLOSED:
        refresh_reopened_clock(actor=actor, case=case)
    return case


def _refuse_second_active_case(case: Case) -> None:
    """Reopening must not make two agencies lead care at once (the same rule as opening)."""
    active = Case.objects.filter(survivor_id=case.survivor_id).exclude(pk=case.pk)
    active = active.exclude(status=CaseStatus.CLOSED)
    if active.filter(lead_agency_id=case.lead_agency_id).exists():
        raise CaseRuleBroken(_("Your agency already has another case open for this person."))
    if active.exists():
        raise CaseRuleBroken(
            _("Another agency leads this person's care now: ask it to add yours to its team.")
        )


@transaction.atomic
def add_care_team_member(
    *,
    actor: Actor,
    case: Case,
    agency: Agency,
    role: CareTeamRole,
    user: User | None = None,
) -> CareTeamMember:
    """Put an agency, or a named person in it, on the case's care team.

    Caller: the lead agency's supervisor, MDT coordinator, or a case manager on the team.
    A named person must hold an active membership in that agency. The privacy issue adds the
    release check for agencies other than the lead.
    """
    policy.require_case_write(actor, case, policy.Permission.MANAGE_CARE_TEAM)
    _lock(case)
    if not agency.is_active:
        raise CaseRuleBroken(_("That agency is no longer active."))
    if (
        user is not None
        and not Membership.objects.filter(user=user, agency=agency, is_active=True).exists()
    ):
        raise CaseRuleBroken(_("That person does not work for that agency."))
    if role == CareTeamRole.LEAD_CASE_MANAGER and (
        user is None or agency.pk != case.lead_agency_id
    ):
        raise CaseRuleBroken(
            _("The lead case manager is a named person in the lead agency, %(agency)s.")
            % {"agency": case.lead_agency.name}
        )
    active = case.care_team.filter(removed_at__isnull=True, agency=agency, role=role)
    if active.filter(user=user).exists():
        raise CaseRuleBroken(_("They are already on the care team in that role."))
    return _add_member(actor, case, agency=agency, user=user, role=role)


def join_care_team(
    *,
    actor: Actor,
    case: Case,
    agency: Agency,
    role: CareTeamRole,
    user: User | None = None,
    quiet_categories: frozenset[str] = frozenset(),
) -> CareTeamMember:
    """Put an agency on the team as part of another action that has checked its own right
    to (convening an MDT staffing puts the convener on it). Joining does not open the
    survivor's data: that still takes a release. Idempotent. `quiet_categories`: the
    protected kinds of data its joining would reveal (a provider accepting a substance-use
    or mental-health referral: its name says what the referral was for); the timeline line
    does not say who joined, and the team lists name it only to those who may see them."""
    active = case.care_team.filter(removed_at__isnull=True, agency=agency, role=role, user=user)
    existing = active.first()
    return existing or _add_member(
        actor, case, agency=agency, user=user, role=role, quiet_categories=quiet_categories
    )


def _add_member(
    actor: Actor,
    case: Case,
    *,
    agency: Agency,
    user: User | None,
    role: CareTeamRole,
    quiet_categories: frozenset[str] = frozenset(),
) -> CareTeamMember:
    member = CareTeamMember.objects.create(
        case=case,
        agency=agency,
        user=user,
        role=role,
        added_by=actor.user,
        quiet_categories=",".join(sorted(quiet_categories)),
    )
    named_on_timeline = not quiet_categories
    _audit(
        actor,
        AuditAction.CARE_TEAM_ADDED,
        case,
        obj=member,
        detail={"agency_id": agency.pk, "user_id": user.pk if user else None, "role": str(role)},
    )
    add_event(
        actor,
        case,
        EventKind.TEAM_MEMBER_ADDED,
        summary=_("%(who)s joined the care team as %(role)s")
        % {
            "who": _member_label(member) if named_on_timeline else _("An agency"),
            "role": in_sentence(CareTeamRole(role).label),
        },
        author_withheld=not named_on_timeline,
    )
    return member


@transaction.atomic
def remove_care_team_member(*, actor: Actor, member: CareTeamMember) -> CareTeamMember:
    """Take someone off the care team; they stop seeing the case on their next request.

    Caller: as for add_care_team_member. The lead agency itself cannot be removed this way
    (transfer the case instead), so a case always has someone responsible for it.
    """
    case = member.case
    policy.require_case_write(actor, case, policy.Permission.MANAGE_CARE_TEAM)
    _lock(case)
    if member.removed_at is not None:
        raise CaseRuleBroken(_("They have already left the care team."))
    if (
        member.role == CareTeamRole.LEAD_CASE_MANAGER
        and not case.care_team.filter(removed_at__isnull=True, role=CareTeamRole.LEAD_CASE_MANAGER)
        .exclude(pk=member.pk)
        .exists()
        and case.status != CaseStatus.CLOSED
    ):
        raise CaseRuleBroken(
            _(
                "Name another lead case manager before removing this one, so the case is never "
                "left without one."
            )
        )
    updated = CareTeamMember.objects.filter(pk=member.pk, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_by=actor.user
    )
    if updated != 1:
        raise CaseRuleBroken(_("They have already left the care team."))
    member.refresh_from_db()
    _audit(
        actor,
        AuditAction.CARE_TEAM_REMOVED,
        case,
        obj=member,
        detail={"agency_id": member.agency_id, "user_id": member.user_id, "role": member.role},
    )
    add_event(
        actor,
        case,
        EventKind.TEAM_MEMBER_REMOVED,
        summary=_("%(who)s left the care team (%(role)s)")
        % {
            "who": _("An agency") if member.quiet_categories else _member_label(member),
            "role": in_sentence(member.get_role_display()),
        },
        author_withheld=bool(member.quiet_categories),
    )
    return member


NOTE_MAX_LENGTH = 4000


@transaction.atomic
def write_note(*, actor: Actor, case: Case, category: str, body: str) -> CaseNote:
    """Add a note to a case, in one data category. Caller: anyone working on the case whose
    role may see that category (policy.require_note_writing). Notes are not edited: a
    correction is a new note. The audit entry names the category, never the text."""
    policy.require_note_writing(actor, case, category)
    text = clean_text(body)
    if not text:
        raise CaseRuleBroken(_("Write the note before saving it."))
    if len(text) > NOTE_MAX_LENGTH:
        raise CaseRuleBroken(
            _("A note can be at most %(limit)s characters; this one has %(count)s.")
            % {"limit": NOTE_MAX_LENGTH, "count": len(text)}
        )
    note = CaseNote.objects.create(
        case=case,
        category=category,
        body=text,
        written_by=actor.user,
        written_by_agency=actor.agency,
    )
    _audit(actor, AuditAction.NOTE_WRITTEN, case, obj=note, detail={"category": category})
    return note


def _audit(
    actor: Actor, action: AuditAction, case: Case, *, obj: object, detail: dict | None = None
) -> None:
    """One audit entry about this case, in the caller's transaction."""
    record(actor, action, survivor_id=case.survivor_id, case_id=case.pk, obj=obj, detail=detail)


def _lock(case: Case) -> None:
    """Serialise changes to one case's care team (PostgreSQL row lock; SQLite's write
    transactions are serial already), so two requests cannot both add the same member or
    both remove the last lead case manager."""
    Case.objects.select_for_update().filter(pk=case.pk).first()


def _member_label(member: CareTeamMember) -> str:
    if member.user is not None:
        return f"{member.user}, {member.agency.name}"
    return member.agency.name
