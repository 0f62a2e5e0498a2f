"""THE access policy: who may see and do what. Every page, API call and command asks here.

The rules (README, "Who sees what"):

- Staff of the case's lead agency: supervisors and MDT coordinators see every case their
  agency leads; case managers, clinicians and survivor-mentors see the cases they are named on.
- Other agencies on the care team: their supervisors and MDT coordinators see the case while
  the agency is on the team; their case managers, clinicians and mentors see it while they
  are named on it. (The privacy issue narrows this further to what a release covers.)
- A person who created a survivor record sees it until a case is opened for it.
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
    own_record_without_case = Q(created_by=actor.user, created_by_agency_id=actor.agency_id) & ~Q(
        Exists(Case.objects.filter(survivor=OuterRef("pk")))
    )
    if actor.role in CREATOR_ROLES:
        return survivors.filter(Q(visible_case) | own_record_without_case)
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


def require_survivor_write(actor: Actor, survivor: Survivor) -> None:
    """Details are changed by whoever may change one of the survivor's cases, or by the
    record's creator while no case exists yet."""
    require(actor, Permission.EDIT_SURVIVOR)
    cases = list(survivor.cases.all())
    if not cases:
        if survivor.created_by_id == actor.user.pk and (
            survivor.created_by_agency_id == actor.agency_id
        ):
            return
        raise Forbidden()
    for case in cases:
        try:
            require_case_write(actor, case, Permission.EDIT_CASE)
        except Forbidden:
            continue
        return
    raise Forbidden(_("Only the lead agency's team can change these details."))


def require_access_log(actor: Actor, survivor: Survivor) -> None:
    """A survivor's access log is for the supervisor of an agency leading one of their cases."""
    require(actor, Permission.VIEW_ACCESS_LOG)
    if not survivor.cases.filter(lead_agency_id=actor.agency_id).exists():
        raise Forbidden(_("Only the lead agency's supervisor can see who opened this record."))
