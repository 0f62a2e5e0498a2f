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
- Everyone else gets "not found" (404): a record you may not see does not exist for you.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from continuum.access.actor import Actor
from continuum.accounts.models import Role
from continuum.cases.models import CareTeamMember, Case
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


# Roles that see every case their agency leads or is on the care team of.
AGENCY_WIDE_ROLES = frozenset({Role.SUPERVISOR, Role.MDT_COORDINATOR})
# Roles that see the cases they are named on.
ASSIGNED_ROLES = frozenset({Role.CASE_MANAGER, Role.CLINICIAN, Role.SURVIVOR_MENTOR})
CASE_ROLES = AGENCY_WIDE_ROLES | ASSIGNED_ROLES
CREATOR_ROLES = frozenset({Role.SCREENER, Role.CASE_MANAGER, Role.SUPERVISOR})
CASE_OPENER_ROLES = frozenset({Role.CASE_MANAGER, Role.SUPERVISOR})
TEAM_MANAGER_ROLES = frozenset({Role.CASE_MANAGER, Role.SUPERVISOR, Role.MDT_COORDINATOR})


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


def visible_cases_q(actor: Actor) -> Q:
    """The filter that keeps only cases this actor may see."""
    if actor.role in AGENCY_WIDE_ROLES:
        return Q(lead_agency_id=actor.agency_id) | Q(_agency_on_team(actor))
    if actor.role in ASSIGNED_ROLES:
        return Q(_named_on_team(actor))
    return Q(pk__in=[])


def scope_cases(actor: Actor, cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.filter(visible_cases_q(actor))


def scope_survivors(actor: Actor, survivors: QuerySet[Survivor]) -> QuerySet[Survivor]:
    visible_case = Exists(Case.objects.filter(visible_cases_q(actor), survivor=OuterRef("pk")))
    no_case_yet = ~Q(Exists(Case.objects.filter(survivor=OuterRef("pk"))))
    handed_here = Q(handed_to_agency_id=actor.agency_id) & no_case_yet
    if actor.role == Role.SUPERVISOR:
        recorded_here = Q(created_by_agency_id=actor.agency_id) & no_case_yet
        return survivors.filter(Q(visible_case) | recorded_here | handed_here)
    if actor.role == Role.CASE_MANAGER:
        recorded_by_me = (
            Q(created_by=actor.user, created_by_agency_id=actor.agency_id) & no_case_yet
        )
        return survivors.filter(Q(visible_case) | recorded_by_me | handed_here)
    if actor.role in CREATOR_ROLES:
        recorded_by_me = (
            Q(created_by=actor.user, created_by_agency_id=actor.agency_id) & no_case_yet
        )
        return survivors.filter(Q(visible_case) | recorded_by_me)
    return survivors.filter(visible_case)


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
    leads_now = survivor.cases.exclude(status="closed").filter(lead_agency_id=actor.agency_id)
    if not leads_now.exists():
        raise Forbidden(_("Only the agency leading this person's care records releases."))


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


def require_access_log(actor: Actor, survivor: Survivor) -> None:
    """A survivor's access log is for the supervisor of the agency leading care now (or that
    led it last, when every case is closed)."""
    require(actor, Permission.VIEW_ACCESS_LOG)
    current = {c.lead_agency_id for c in survivor.cases.exclude(status="closed")}
    latest = survivor.cases.order_by("-opened_on", "-created_at").first()
    leading = current or ({latest.lead_agency_id} if latest else set())
    if actor.agency_id not in leading:
        raise Forbidden(_("Only the lead agency's supervisor can see who opened this record."))
