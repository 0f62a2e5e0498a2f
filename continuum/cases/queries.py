"""Every read of cases. Each function starts from what `access` lets the actor see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Case as DbCase
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.access.categories import ROLE_CATEGORIES
from continuum.access.part2 import PART2_CATEGORY
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import (
    NOTE_CATEGORIES,
    CareTeamMember,
    CareTeamRole,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    CaseTask,
    TaskStatus,
)

if TYPE_CHECKING:
    from continuum.mdt.models import StaffingClock


def cases_for(actor: Actor) -> QuerySet[Case]:
    """The cases this actor may see at all; every page and endpoint starts here."""
    # The stored MDT clock comes with every case (one join): lists and pages show its due date.
    return policy.scope_cases(
        actor, Case.objects.select_related("survivor", "lead_agency", "staffing_clock")
    )


def case_for(actor: Actor, case_id: UUID | str, *, audit_read: bool) -> Case:
    """One case, or NotFound. A refused attempt on a case that exists is audited.

    audit_read: True when the case is shown to the actor; False when it is only looked up
    for an action, which writes its own entry.
    """
    case = policy.mark_emergency_cases(actor, cases_for(actor)).filter(pk=case_id).first()
    if case is None:
        existing = Case.objects.filter(pk=case_id).values_list("survivor_id", flat=True).first()
        if existing is not None:
            record(
                actor, AuditAction.ACCESS_DENIED, survivor_id=existing, case_id=UUID(str(case_id))
            )
        raise policy.NotFound()
    sharing.mask(actor, [case.survivor])
    if audit_read:
        record_case_read(actor, case, "case")
    return case


def record_case_read(actor: Actor, case: Case, part: str, **extra: object) -> None:
    detail: dict[str, object] = {"part": part, **extra}
    if getattr(case, "emergency_only", False):
        detail["emergency"] = True  # seen only through a break-glass grant
    record(
        actor,
        AuditAction.CASE_VIEWED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=case,
        detail=detail,
    )


def active_team() -> Prefetch:
    return Prefetch(
        "care_team",
        queryset=CareTeamMember.objects.filter(removed_at__isnull=True).select_related(
            "agency", "user"
        ),
        to_attr="active_team",
    )


TIMELINE_LIMIT = 200


def open_tasks() -> Prefetch:
    """Each case's open to-dos, soonest first, as `open_tasks`."""
    return Prefetch(
        "tasks",
        queryset=CaseTask.objects.filter(status=TaskStatus.OPEN)
        .select_related("owner_agency")
        .order_by("due_on", "pk"),
        to_attr="open_tasks",
    )


def recent_events() -> Prefetch:
    """The newest TIMELINE_LIMIT events of each case (a sliced prefetch: one window query)."""
    return Prefetch(
        "events",
        queryset=CaseEvent.objects.select_related("by_user", "by_agency").order_by("-at", "-pk")[
            :TIMELINE_LIMIT
        ],
        to_attr="timeline",
    )


def name_quiet_members(
    actor: Actor, members: Iterable[CareTeamMember], seen: frozenset[str]
) -> None:
    """Mark `agency_hidden` on the members this reader may not be told of: a provider whose
    being on the team reveals protected data (CareTeamMember.quiet_categories: it accepted a
    substance-use referral) is named only to its own staff and to readers who may see every
    one of those kinds of data (`seen`: what the reader may see of the survivor)."""
    for member in members:
        quiet = {category for category in member.quiet_categories.split(",") if category}
        member.agency_hidden = bool(quiet) and (  # type: ignore[attr-defined]
            member.agency_id != actor.agency_id and not quiet <= seen
        )


def case_with_team(actor: Actor, case_id: UUID | str, *, audit_read: bool) -> Case:
    """The case with its current and past care team (2 queries; 3 more when a member is
    named only to some readers)."""
    case = case_for(actor, case_id, audit_read=False)
    if audit_read:
        record_case_read(actor, case, "care_team")
    team = list(
        CareTeamMember.objects.filter(case=case)
        .select_related("agency", "user")
        .order_by("removed_at", "added_at")
    )
    seen: frozenset[str] = frozenset()
    if any(m.quiet_categories for m in team):
        seen = sharing.categories_for(actor, [case.survivor]).get(case.survivor_id, frozenset())
    name_quiet_members(actor, team, seen)
    case.active_team = [m for m in team if m.removed_at is None]  # type: ignore[attr-defined]
    case.past_team = [m for m in team if m.removed_at is not None]  # type: ignore[attr-defined]
    return case


def timeline_of(actor: Actor, case_id: UUID | str) -> tuple[Case, list[CaseEvent]]:
    """The case and its newest TIMELINE_LIMIT events. Audited."""
    case = case_for(actor, case_id, audit_read=False)
    events = list(
        CaseEvent.objects.filter(case=case)
        .select_related("by_user", "by_agency")
        .order_by("-at", "-pk")[:TIMELINE_LIMIT]
    )
    record_case_read(actor, case, "timeline")
    return case, events


NOTES_LIMIT = 200


def readable_note_categories(actor: Actor, case: Case) -> frozenset[str]:
    """The note categories this actor reads on this case, whoever wrote them: everything
    their role may see for the case's own lead agency (or under break-glass); for any other
    agency — even one that leads a later case — only what a release or legal basis in force
    gives it. An agency's own notes are added by readable_notes."""
    return frozenset(sharing.case_categories(actor, case) & set(NOTE_CATEGORIES))


def readable_notes(actor: Actor, case: Case) -> list[CaseNote]:
    """The newest NOTES_LIMIT notes on a case (found through case_for) this actor may read,
    each marked `redisclosed` when it came from another agency under 42 CFR Part 2 and must
    carry the re-disclosure notice. Not audited: callers audit what they show.

    An agency always reads the notes it wrote itself (within its role); other agencies'
    notes only in the categories it may see now.
    """
    readable = readable_note_categories(actor, case)
    own = ROLE_CATEGORIES.get(actor.role, frozenset())
    notes = list(
        CaseNote.objects.filter(case=case)
        .filter(
            Q(category__in=readable) | Q(written_by_agency_id=actor.agency_id, category__in=own)
        )
        .select_related("written_by", "written_by_agency")[:NOTES_LIMIT]
    )
    for note in notes:
        note.redisclosed = (  # type: ignore[attr-defined]
            note.category == PART2_CATEGORY and note.written_by_agency_id != actor.agency_id
        )
    return notes


def notes_of(actor: Actor, case_id: UUID | str) -> tuple[Case, list[CaseNote]]:
    """The case and the notes this actor may read (readable_notes: 2 queries after the
    case's own). Audited with the categories shown."""
    case = case_for(actor, case_id, audit_read=False)
    notes = readable_notes(actor, case)
    record_case_read(actor, case, "notes", categories=sorted({n.category for n in notes}))
    return case, notes


def writable_note_categories(actor: Actor, case: Case) -> list[str]:
    """The kinds of note this actor may write on this case (empty: no form). One policy
    check: the case-level rules are the same for every category."""
    role = ROLE_CATEGORIES.get(actor.role, frozenset())
    candidates = [category.value for category in NOTE_CATEGORIES if category in role]
    if not candidates:
        return []
    try:
        policy.require_note_writing(actor, case, candidates[0])
    except policy.Forbidden:
        return []
    return candidates


def visible_tasks(case: Case) -> list[CaseTask]:
    """The case's prefetched open to-dos whose category the reader may see for the person
    (sharing.mask put `allowed_categories` on the survivor; unmasked shows none)."""
    allowed: frozenset[str] = getattr(case.survivor, "allowed_categories", frozenset())
    return [task for task in getattr(case, "open_tasks", []) if task.category in allowed]


def task_of(case: Case, task_id: int) -> CaseTask:
    """A to-do of a case the caller has already found through case_for, or NotFound."""
    task = CaseTask.objects.filter(case=case, pk=task_id).select_related("owner_agency").first()
    if task is None:
        raise policy.NotFound()
    task.case = case  # the scoped, masked case, not a second copy
    return task


def staffing_clock_of(case: Case) -> StaffingClock | None:
    """The case's stored MDT clock (continuum.mdt.clocks keeps it), if it has one."""
    try:
        return case.staffing_clock
    except ObjectDoesNotExist:
        return None


def mdt_due_on(case: Case) -> date | None:
    """The day the first MDT staffing is due, under the protocol the clock was computed
    with; None without an intake date."""
    clock = staffing_clock_of(case)
    return clock.due_on if clock else None


@dataclass(frozen=True)
class WorkItem:
    case: Case
    label: str
    due_on: date | None
    url: str = ""  # where to do it, when not on the survivor page

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()


def my_cases(actor: Actor) -> QuerySet[Case]:
    """The open and inactive cases the actor works on: named on the team, or for supervisors
    and MDT coordinators, every case their agency leads or serves."""
    cases = cases_for(actor).exclude(status=CaseStatus.CLOSED)
    has_lead = Exists(
        CareTeamMember.objects.filter(
            case=OuterRef("pk"), removed_at__isnull=True, role=CareTeamRole.LEAD_CASE_MANAGER
        )
    )
    open_first = DbCase(When(status=CaseStatus.OPEN, then=Value(0)), default=Value(1))
    return (
        cases.annotate(has_lead_case_manager=has_lead, inactive=open_first)
        .prefetch_related(open_tasks())
        .order_by("inactive", "-opened_on", "reference")
    )


def mask_survivors_of(actor: Actor, cases: list[Case]) -> list[Case]:
    """Blank, on each listed case's survivor, what the actor's agency may not see."""
    sharing.mask(actor, [case.survivor for case in cases])
    return cases


def items_due(cases: list[Case], *, agency_id: int | None = None) -> list[WorkItem]:
    """What needs doing on these cases, soonest first (computed in memory: no extra query).

    Given the reader's `agency_id`: the case-level rows (intake date, MDT staffing, a lead
    case manager to name) only on the cases that agency leads, and only the to-dos it owns.
    The MDT staffing is listed from the intake date until the first staffing is held.
    """
    today = timezone.localdate()
    items: list[WorkItem] = []
    for case in cases:
        if case.status != CaseStatus.OPEN:
            continue
        clock = staffing_clock_of(case)
        # The staffing is the lead agency's to get held (the MDT dashboard lists it for the
        # coordinators): partners see no row they cannot act on.
        leads = agency_id is None or case.lead_agency_id == agency_id
        if leads and case.report_received_on is None:
            items.append(WorkItem(case, _("Record the abuse report intake date"), None))
        elif leads and clock and clock.due_on and clock.first_staffed_on is None:
            items.append(WorkItem(case, _("MDT staffing due"), clock.due_on))
        if leads and not getattr(case, "has_lead_case_manager", True):
            items.append(WorkItem(case, _("Name a lead case manager"), None))
        # My work lists what the reader's agency does; others' to-dos stay on the case.
        items.extend(
            WorkItem(case, task.title, task.due_on)
            for task in visible_tasks(case)
            if agency_id is None or task.owner_agency_id == agency_id
        )
    return sorted(items, key=lambda item: (item.due_on is None, item.due_on or today))


def audit_case_list(actor: Actor, count: int) -> None:
    record(actor, AuditAction.CASES_LISTED, detail={"count": count})
