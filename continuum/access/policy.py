"""THE access policy: who may see and do what. Every page, API call and command asks here.

The rules (README, "Who sees what"):

- Staff of the case's lead agency: supervisors and MDT coordinators see every case their
  agency leads; case managers, clinicians and survivor-mentors see the cases they are named on.
- Other agencies on the care team: their supervisors and MDT coordinators see the case while
  the agency is on the team; their case managers, clinicians and mentors see it while they
  are named on it. (The privacy issue narrows this further to what a release covers.)
- A survivor record with no case yet is seen by the person who created it, by the
  supervisors of the agency they created it for, and by the supervisors and case managers of
  the agency it was handed over to (so that someone can open the case).
- Screeners, analysts, trainers and admins see no survivor records beyond the above.
- Break-glass: someone who works with survivors may, in an emergency and with a written
  reason, read one record outside the above for a limited time (an EmergencyAccess grant);
  reads under it are marked in the audit log and a supervisor reviews it. It never allows a
  write.
- Case notes are written by the case's team (the lead agency's, or an agency on the care
  team), in a category the writer's role may see, while the case is not closed.
- Screening: screeners, case managers and supervisors with current screening training
  screen people they see through their work (never under break-glass); only the person
  screening fills the screening in. A result is "screening" data: the screener reads their
  own, others need the screening category for the person (continuum.screening.queries).
- A case's to-do is marked done by the owning agency's people on the case, when their
  categories for the person include the task's (an in-depth assessment is screening data).
- Needs: assessed by the people working on the case (the lead agency's or a care-team
  agency's) whose role assesses needs, in the domains whose data category they may see;
  assessment sessions and the care plan are written by the lead agency's team; a plan task
  is moved along by its owner; appointments are recorded by anyone working on the case.
- Everyone else gets "not found" (404): a record you may not see does not exist for you.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models import Case as DbCase
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.access.actor import Actor
from continuum.access.categories import ROLE_CATEGORIES
from continuum.access.models import EmergencyAccess
from continuum.accounts.models import Role
from continuum.cases.models import CareTeamMember, Case
from continuum.screening.models import Screening
from continuum.survivors.models import Survivor

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Permission(StrEnum):
    CREATE_SURVIVOR = "create_survivor"
    SEARCH_SURVIVORS = "search_survivors"
    VIEW_SURVIVOR = "view_survivor"
    EDIT_SURVIVOR = "edit_survivor"
    OPEN_CASE = "open_case"
    VIEW_CASE = "view_case"
    EDIT_CASE = "edit_case"
    MANAGE_CARE_TEAM = "manage_care_team"
    VIEW_ACCESS_LOG = "view_access_log"
    MANAGE_RELEASES = "manage_releases"
    OPEN_EMERGENCY_ACCESS = "open_emergency_access"
    REVIEW_EMERGENCY_ACCESS = "review_emergency_access"
    SCREEN = "screen"
    MANAGE_INSTRUMENTS = "manage_instruments"
    MANAGE_SAFETY_LINES = "manage_safety_lines"
    CERTIFY_SCREENERS = "certify_screeners"
    VIEW_SCREENING_REPORT = "view_screening_report"
    ASSESS_NEEDS = "assess_needs"
    RUN_ASSESSMENT_SESSION = "run_assessment_session"
    EDIT_PLAN = "edit_plan"
    UPDATE_PLAN_TASK = "update_plan_task"
    RECORD_APPOINTMENT = "record_appointment"
    MANAGE_NEED_DOMAINS = "manage_need_domains"
    VIEW_MEASURES = "view_measures"
    MANAGE_PROTOCOL = "manage_protocol"
    RAISE_CONFLICT = "raise_conflict"
    VIEW_PROTOCOL = "view_protocol"
    CONVENE_MDT = "convene_mdt"
    REFER = "refer"
    VIEW_DIRECTORY = "view_directory"
    MANAGE_LISTING = "manage_listing"
    IMPORT_EXPORT_DIRECTORY = "import_export_directory"


# Roles that see every case their agency leads or is on the care team of.
AGENCY_WIDE_ROLES = frozenset({Role.SUPERVISOR, Role.MDT_COORDINATOR})
# Roles that see the cases they are named on.
ASSIGNED_ROLES = frozenset({Role.CASE_MANAGER, Role.CLINICIAN, Role.SURVIVOR_MENTOR})
CASE_ROLES = AGENCY_WIDE_ROLES | ASSIGNED_ROLES
CREATOR_ROLES = frozenset({Role.SCREENER, Role.CASE_MANAGER, Role.SUPERVISOR})
CASE_OPENER_ROLES = frozenset({Role.CASE_MANAGER, Role.SUPERVISOR})
TEAM_MANAGER_ROLES = frozenset({Role.CASE_MANAGER, Role.SUPERVISOR, Role.MDT_COORDINATOR})
# Roles that may screen (with a current screening-training record).
SCREENER_ROLES = frozenset({Role.SCREENER, Role.CASE_MANAGER, Role.SUPERVISOR})
# Roles that work with survivors and may open a record in an emergency (break-glass).
EMERGENCY_ROLES = CASE_ROLES | {Role.SCREENER}


class NotFound(Http404):
    """The record does not exist for this actor (it may exist for someone else)."""


class Forbidden(Exception):
    """The actor may see the record but not do this to it."""

    def __init__(self, message: StrOrPromise | None = None) -> None:
        super().__init__(str(message or _("Your role does not allow this.")))


def _active_team() -> QuerySet[CareTeamMember]:
    return CareTeamMember.objects.filter(removed_at__isnull=True)


def _named_on_team(actor: Actor, case_ref: str = "pk") -> Exists:
    return Exists(
        _active_team().filter(case=OuterRef(case_ref), user=actor.user, agency_id=actor.agency_id)
    )


def _agency_on_team(actor: Actor, case_ref: str = "pk") -> Exists:
    return Exists(_active_team().filter(case=OuterRef(case_ref), agency_id=actor.agency_id))


def active_emergency_grants(actor: Actor) -> QuerySet[EmergencyAccess]:
    """Break-glass grants that let this actor read a record now: theirs, for this agency and
    role, not yet expired (expiry is checked on every request, not by a job)."""
    if actor.role not in EMERGENCY_ROLES:
        return EmergencyAccess.objects.none()
    return EmergencyAccess.objects.filter(
        user=actor.user, agency_id=actor.agency_id, role=actor.role, expires_at__gt=timezone.now()
    )


def _under_grant(actor: Actor, survivor_ref: str) -> Q:
    if actor.role not in EMERGENCY_ROLES:
        return Q(pk__in=[])
    return Q(Exists(active_emergency_grants(actor).filter(survivor=OuterRef(survivor_ref))))


def _ordinary_cases_q(actor: Actor) -> Q:
    """Cases this actor sees through their work, without break-glass."""
    if actor.role in AGENCY_WIDE_ROLES:
        return Q(lead_agency_id=actor.agency_id) | Q(_agency_on_team(actor))
    if actor.role in ASSIGNED_ROLES:
        return Q(_named_on_team(actor))
    return Q(pk__in=[])


def visible_cases_q(actor: Actor) -> Q:
    """The filter that keeps only cases this actor may see (an active break-glass grant
    shows every case of its survivor)."""
    return _ordinary_cases_q(actor) | _under_grant(actor, "survivor_id")


def scope_cases(actor: Actor, cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.filter(visible_cases_q(actor))


def _ordinary_survivors_q(actor: Actor) -> Q:
    """Survivors this actor sees through their work, without break-glass."""
    visible_case = Q(Exists(Case.objects.filter(_ordinary_cases_q(actor), survivor=OuterRef("pk"))))
    no_case_yet = ~Q(Exists(Case.objects.filter(survivor=OuterRef("pk"))))
    handed_here = Q(handed_to_agency_id=actor.agency_id) & no_case_yet
    if actor.role == Role.SUPERVISOR:
        recorded_here = Q(created_by_agency_id=actor.agency_id) & no_case_yet
        return visible_case | recorded_here | handed_here
    if actor.role == Role.CASE_MANAGER:
        recorded_by_me = (
            Q(created_by=actor.user, created_by_agency_id=actor.agency_id) & no_case_yet
        )
        return visible_case | recorded_by_me | handed_here
    if actor.role in CREATOR_ROLES:
        recorded_by_me = (
            Q(created_by=actor.user, created_by_agency_id=actor.agency_id) & no_case_yet
        )
        return visible_case | recorded_by_me
    return visible_case


def scope_survivors(actor: Actor, survivors: QuerySet[Survivor]) -> QuerySet[Survivor]:
    return survivors.filter(_ordinary_survivors_q(actor) | _under_grant(actor, "pk"))


def sees_without_grant(actor: Actor, survivor: Survivor) -> bool:
    """Whether the actor sees this person through their work (no break-glass needed)."""
    return Survivor.objects.filter(_ordinary_survivors_q(actor), pk=survivor.pk).exists()


def mark_emergency_survivors(actor: Actor, survivors: QuerySet[Survivor]) -> QuerySet[Survivor]:
    """Annotate `emergency_only`: True where the actor sees the person only through a
    break-glass grant (such reads are marked in the audit log). No extra query."""
    return survivors.annotate(
        emergency_only=DbCase(
            When(_ordinary_survivors_q(actor), then=Value(False)),
            default=Value(True),
            output_field=BooleanField(),
        )
    )


def mark_emergency_cases(actor: Actor, cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate `emergency_only` on cases, as mark_emergency_survivors does on survivors."""
    return cases.annotate(
        emergency_only=DbCase(
            When(_ordinary_cases_q(actor), then=Value(False)),
            default=Value(True),
            output_field=BooleanField(),
        )
    )


def can(actor: Actor, permission: Permission) -> bool:
    """May this actor do this kind of thing at all (before looking at a record)?"""
    return actor.role in _ROLE_PERMISSIONS.get(permission, frozenset())


_ROLE_PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.CREATE_SURVIVOR: CREATOR_ROLES,
    Permission.SEARCH_SURVIVORS: CREATOR_ROLES | CASE_ROLES,
    Permission.VIEW_SURVIVOR: CREATOR_ROLES | CASE_ROLES,
    Permission.EDIT_SURVIVOR: CREATOR_ROLES,
    Permission.OPEN_CASE: CASE_OPENER_ROLES,
    Permission.VIEW_CASE: CASE_ROLES,
    Permission.EDIT_CASE: CASE_OPENER_ROLES,
    Permission.MANAGE_CARE_TEAM: TEAM_MANAGER_ROLES,
    Permission.VIEW_ACCESS_LOG: frozenset({Role.SUPERVISOR}),
    Permission.MANAGE_RELEASES: CASE_OPENER_ROLES,
    Permission.OPEN_EMERGENCY_ACCESS: EMERGENCY_ROLES,
    Permission.REVIEW_EMERGENCY_ACCESS: frozenset({Role.SUPERVISOR}),
    # Screening also needs a current screening-training record (require_screening).
    Permission.SCREEN: SCREENER_ROLES,
    Permission.MANAGE_INSTRUMENTS: frozenset({Role.NETWORK_ADMIN}),
    Permission.MANAGE_SAFETY_LINES: frozenset({Role.NETWORK_ADMIN}),
    Permission.CERTIFY_SCREENERS: frozenset({Role.SUPERVISOR, Role.AGENCY_ADMIN}),
    # A supervisor reports on their agency's screenings; a network admin on the community's.
    Permission.VIEW_SCREENING_REPORT: frozenset({Role.SUPERVISOR, Role.NETWORK_ADMIN}),
    # Needs: the lead agency's case managers and supervisors run the assessment with the
    # survivor; a care-team agency's case managers, clinicians and supervisors add what their
    # own assessment found, in the domains their categories cover (no re-interviewing).
    Permission.ASSESS_NEEDS: frozenset({Role.CASE_MANAGER, Role.SUPERVISOR, Role.CLINICIAN}),
    Permission.RUN_ASSESSMENT_SESSION: CASE_OPENER_ROLES,
    # The plan is written with the survivor by the lead agency's team; whoever owns a task
    # (any agency on the team, a mentor included) moves it along.
    Permission.EDIT_PLAN: CASE_OPENER_ROLES,
    Permission.UPDATE_PLAN_TASK: CASE_ROLES,
    Permission.RECORD_APPOINTMENT: frozenset(
        {Role.CASE_MANAGER, Role.SUPERVISOR, Role.CLINICIAN, Role.SURVIVOR_MENTOR}
    ),
    Permission.MANAGE_NEED_DOMAINS: frozenset({Role.NETWORK_ADMIN}),
    # Aggregate figures, never a name: a supervisor for their agency's cases, an analyst or
    # a network admin for the community's.
    Permission.VIEW_MEASURES: frozenset({Role.SUPERVISOR, Role.ANALYST, Role.NETWORK_ADMIN}),
    # The community protocol: a network admin of a member agency keeps it; every member's
    # staff may read what it says (it is the community's agreement, not survivor data).
    Permission.MANAGE_PROTOCOL: frozenset({Role.NETWORK_ADMIN}),
    Permission.VIEW_PROTOCOL: frozenset(Role),
    Permission.RAISE_CONFLICT: frozenset(
        {Role.SUPERVISOR, Role.MDT_COORDINATOR, Role.AGENCY_ADMIN, Role.NETWORK_ADMIN}
    ),
    # MDT staffings are convened by a member agency's coordinator or supervisor, for any
    # case led by a member of the same protocol (continuum.mdt.queries).
    Permission.CONVENE_MDT: frozenset({Role.MDT_COORDINATOR, Role.SUPERVISOR}),
    # The directory lists services, not people: every role browses it. An agency admin keeps
    # their own agency's listing and capacity (continuum.directory.actions).
    Permission.VIEW_DIRECTORY: frozenset(Role),
    Permission.MANAGE_LISTING: frozenset({Role.AGENCY_ADMIN}),
    # Loading or exporting the whole directory as HSDS files is the network's, not one agency's.
    Permission.IMPORT_EXPORT_DIRECTORY: frozenset({Role.NETWORK_ADMIN}),
    # Referrals leave from the lead agency's team (continuum.referrals.actions), and are
    # taken in by the receiving agency's intake roles.
    Permission.REFER: CASE_OPENER_ROLES,
}


def require(actor: Actor, permission: Permission) -> None:
    if not can(actor, permission):
        raise Forbidden()


def _leads(actor: Actor, case: Case) -> bool:
    return case.lead_agency_id == actor.agency_id


def _named_on(actor: Actor, case: Case) -> bool:
    return _active_team().filter(case=case, user=actor.user, agency_id=actor.agency_id).exists()


def require_case_write(actor: Actor, case: Case, permission: Permission) -> None:
    """Only the lead agency changes a case: its supervisor, or a case manager named on it
    (MDT coordinators may also manage the care team)."""
    require(actor, permission)
    if not _leads(actor, case):
        raise Forbidden(_("Only the lead agency can change this case."))
    if actor.role in ASSIGNED_ROLES and not _named_on(actor, case):
        raise Forbidden(_("You are not on this case's care team."))


def require_task_completion(actor: Actor, case: Case, owner_agency_id: int) -> None:
    """A to-do is marked done by the owning agency's people who work on the case: its
    supervisors and coordinators, or someone named on the case. Break-glass never writes."""
    require(actor, Permission.VIEW_CASE)
    if getattr(case, "emergency_only", False):
        raise Forbidden(_("Emergency access lets you read this record, not change it."))
    if actor.agency_id != owner_agency_id:
        raise Forbidden(_("Only the agency this task belongs to can mark it done."))
    if actor.role in ASSIGNED_ROLES and not _named_on(actor, case):
        raise Forbidden(_("You are not on this case's care team."))


def _refuse_emergency_and_closed(case: Case, closed_message: StrOrPromise) -> None:
    if getattr(case, "emergency_only", False):
        raise Forbidden(_("Emergency access lets you read this record, not change it."))
    if case.status == "closed":
        raise Forbidden(closed_message)


def works_on(actor: Actor, case: Case) -> bool:
    """Whether the actor works on this case now: for their agency (the lead, or one on the
    care team), as a supervisor or coordinator, or named on the team themselves."""
    on_team = _active_team().filter(case=case, agency_id=actor.agency_id).exists()
    if not (_leads(actor, case) or on_team):
        return False
    return actor.role in AGENCY_WIDE_ROLES or _named_on(actor, case)


def require_need_assessment(actor: Actor, case: Case) -> None:
    """A need is assessed by someone working on the case (policy.works_on) whose role
    assesses needs, while the case is not closed. Whether they may see the domain's data
    category for the person is checked by the action (continuum.needs.actions)."""
    require(actor, Permission.ASSESS_NEEDS)
    _refuse_emergency_and_closed(case, _("This case is closed. Reopen it to assess needs."))
    if not works_on(actor, case):
        raise Forbidden(_("Only the people working on this case can assess its needs."))


def require_lead_team_write(actor: Actor, case: Case, permission: Permission) -> None:
    """Assessment sessions and the care plan are the lead agency's, written with the
    survivor: its supervisor, or a case manager named on the case; never under break-glass
    or on a closed case."""
    require(actor, permission)
    _refuse_emergency_and_closed(case, _("This case is closed. Reopen it to change it."))
    require_case_write(actor, case, permission)


def require_plan_task_update(
    actor: Actor, case: Case, *, owner_agency_id: int, owner_user_id: int | None
) -> None:
    """A plan task is moved along by whoever owns it: the person named, or — when no one
    is — the owning agency's people on the case; the lead agency's plan writers may too."""
    require(actor, Permission.UPDATE_PLAN_TASK)
    _refuse_emergency_and_closed(case, _("This case is closed. Reopen it to change its plan."))
    refusal = _task_refusal(actor, case, owner_agency_id, owner_user_id, works_on(actor, case))
    if refusal:
        raise Forbidden(refusal)


def movable_tasks(actor: Actor, case: Case, tasks: list[Any]) -> set[Any]:
    """The ids of the tasks (PlanTask rows of this case) the actor may move along: the rule
    of require_plan_task_update, asking who works on the case once for them all."""
    if not can(actor, Permission.UPDATE_PLAN_TASK) or not tasks:
        return set()
    if getattr(case, "emergency_only", False) or case.status == "closed":
        return set()
    works = works_on(actor, case)
    return {
        t.pk
        for t in tasks
        if not _task_refusal(actor, case, t.owner_agency_id, t.owner_user_id, works)
    }


def _task_refusal(
    actor: Actor, case: Case, owner_agency_id: int, owner_user_id: int | None, works: bool
) -> str:
    if _leads(actor, case) and actor.role in CASE_OPENER_ROLES and works:
        return ""
    if owner_user_id is not None:
        if owner_user_id == actor.user.pk and actor.agency_id == owner_agency_id:
            return ""
        if actor.agency_id == owner_agency_id and actor.role in AGENCY_WIDE_ROLES:
            return ""
        return str(_("This task belongs to someone else."))
    if actor.agency_id != owner_agency_id or not works:
        return str(_("Only the agency this task belongs to can change it."))
    return ""


def require_appointment_write(actor: Actor, case: Case) -> None:
    """Appointments and court dates are recorded by the people working on the case (a
    survivor-mentor included); the action checks the appointment's data category."""
    require(actor, Permission.RECORD_APPOINTMENT)
    _refuse_emergency_and_closed(case, _("This case is closed. Reopen it to add appointments."))
    if not works_on(actor, case):
        raise Forbidden(_("Only the people working on this case can record its appointments."))


def trained_to_screen(actor: Actor) -> bool:
    """A current screening-training record on the actor's membership (65C-43.001: only
    trained people screen). The training issue replaces the flag with training records."""
    member = actor.membership
    today = timezone.localdate()
    started = member.screening_certified_on
    until = member.screening_certified_until
    return started is not None and started <= today and (until is None or today <= until)


def require_screening(actor: Actor) -> None:
    require(actor, Permission.SCREEN)
    if not trained_to_screen(actor):
        raise Forbidden(
            _(
                "Only people with current screening training can screen (Florida rule "
                "65C-43.001). Ask your supervisor to record your training."
            )
        )


def is_screener_of(actor: Actor, screening: Screening) -> bool:
    return (
        screening.screener_id == actor.user.pk and screening.screener_agency_id == actor.agency_id
    )


def require_screening_write(
    actor: Actor, screening: Screening, *, finished_ok: bool = False
) -> None:
    """A screening is filled in by the person screening, for the agency they screened for,
    while it is not finished (calls made after the result may still be recorded)."""
    require_screening(actor)
    if not is_screener_of(actor, screening):
        raise Forbidden(_("Only the person who is screening can change this screening."))
    if screening.status == "completed" and not finished_ok:
        raise Forbidden(_("This screening is finished; its answers cannot be changed."))


def scope_screenings(actor: Actor, screenings: QuerySet[Screening]) -> QuerySet[Screening]:
    """Screenings this actor may know of: their own, and those of people they may see. Whether
    they may read the result is a category question (continuum.screening.queries.readable)."""
    own = Q(screener=actor.user, screener_agency_id=actor.agency_id)
    people = scope_survivors(actor, Survivor.objects.all()).values("pk")
    return screenings.filter(own | Q(survivor_id__in=people))


def require_case_opening(actor: Actor, survivor: Survivor) -> None:
    """A new episode of care may be opened by an agency that can see the survivor, unless
    another agency leads care now: then that agency adds yours to its care team, or (the
    continuity issue) transfers the case. Otherwise a care-team member could make itself a
    lead and keep the record after being taken off the team."""
    require(actor, Permission.OPEN_CASE)
    led_elsewhere = survivor.cases.exclude(status="closed").exclude(lead_agency_id=actor.agency_id)
    if led_elsewhere.exists():
        raise Forbidden(
            _(
                "Another agency leads this person's care now. Ask them to add your agency "
                "to the care team."
            )
        )


def require_hand_over(actor: Actor, survivor: Survivor) -> None:
    """Whoever keeps a record that has no case yet (its creator, or their supervisor) may
    hand it to the agency that will open the case."""
    require(actor, Permission.CREATE_SURVIVOR)
    if survivor.cases.exists():
        raise Forbidden(_("This person has a case already: the case's team decides who helps."))
    same_agency = survivor.created_by_agency_id == actor.agency_id
    if not same_agency or (
        survivor.created_by_id != actor.user.pk and actor.role != Role.SUPERVISOR
    ):
        raise Forbidden(
            _("Only whoever recorded this person, or their supervisor, can hand it over.")
        )


def require_release_management(actor: Actor, survivor: Survivor) -> None:
    """Releases are recorded and revoked by the agency leading care now (its case managers
    and supervisors): it is the one disclosing."""
    require(actor, Permission.MANAGE_RELEASES)
    if getattr(survivor, "emergency_only", False):
        raise Forbidden(_("Emergency access lets you read this record, not change it."))
    leads_now = survivor.cases.exclude(status="closed").filter(lead_agency_id=actor.agency_id)
    if not leads_now.exists():
        raise Forbidden(_("Only the agency leading this person's care records releases."))
    # A case manager manages releases on the cases they are named on, as they change them.
    if (
        actor.role in ASSIGNED_ROLES
        and not (
            _active_team().filter(case__in=leads_now, user=actor.user, agency_id=actor.agency_id)
        ).exists()
    ):
        raise Forbidden(_("You are not on this person's care team."))


def require_survivor_write(actor: Actor, survivor: Survivor) -> None:
    """Details are changed by the team of the agency leading care now (or, when every case is
    closed, the team of any case), or while no case exists by whoever created the record and
    their agency's supervisors."""
    require(actor, Permission.EDIT_SURVIVOR)
    all_cases = list(survivor.cases.all())
    if not all_cases:
        same_agency = survivor.created_by_agency_id == actor.agency_id
        if same_agency and (
            survivor.created_by_id == actor.user.pk or actor.role == Role.SUPERVISOR
        ):
            return
        raise Forbidden()
    current = [case for case in all_cases if case.status != "closed"]
    for case in current or all_cases:
        try:
            require_case_write(actor, case, Permission.EDIT_CASE)
        except Forbidden:
            continue
        return
    raise Forbidden(_("Only the lead agency's team can change these details."))


def require_note_writing(actor: Actor, case: Case, category: str) -> None:
    """A note is written by someone working on the case — its lead agency's team, or an
    agency on its care team — in a category their role may see, while the case is not
    closed. Break-glass never allows a write."""
    if category not in ROLE_CATEGORIES.get(actor.role, frozenset()):
        raise Forbidden(_("Your role cannot write this kind of note."))
    if getattr(case, "emergency_only", False):
        raise Forbidden(_("Emergency access lets you read this record, not change it."))
    if case.status == "closed":
        raise Forbidden(_("This case is closed. Reopen it to add a note."))
    on_team = _active_team().filter(case=case, agency_id=actor.agency_id).exists()
    if not (_leads(actor, case) or on_team):
        raise Forbidden(_("Only the case's care team can write notes on it."))


def require_access_log(actor: Actor, survivor: Survivor) -> None:
    """A survivor's access log is for the supervisor of the agency leading care now (or that
    led it last, when every case is closed)."""
    require(actor, Permission.VIEW_ACCESS_LOG)
    current = {c.lead_agency_id for c in survivor.cases.exclude(status="closed")}
    latest = survivor.cases.order_by("-opened_on", "-created_at").first()
    leading = current or ({latest.lead_agency_id} if latest else set())
    if actor.agency_id not in leading:
        raise Forbidden(_("Only the lead agency's supervisor can see who opened this record."))


def require_emergency_review(actor: Actor, grant: EmergencyAccess) -> None:
    """A break-glass grant is reviewed by a supervisor of the agency its holder acted for;
    for anyone else it does not exist."""
    if actor.role != Role.SUPERVISOR or grant.agency_id != actor.agency_id:
        raise NotFound()
