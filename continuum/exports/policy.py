"""Who may ask for, decide on and download an export of a survivor's record.

These rules sit on top of `continuum.access.policy` (which decides who sees a record at all)
and are asked by every export action, query, page and API route:

- **Asking**: a case manager or supervisor of the agency leading the person's care (the lead of
  an open or inactive case; when every case is closed, the lead of the newest; before any case,
  the agency that recorded the person or was handed the record), who sees the record through
  their work. An export is a disclosure, and these are the people who decide the lead agency's
  disclosures (releases). Break-glass never allows an export. The file holds what the requester
  may see (access.sharing), so an export never shows more than its requester's pages do.
- **Deciding** (approve or refuse): a supervisor of the agency the request was made for, who is
  not the person who asked. Agency admins and network admins see no survivor records and do not
  judge disclosures of them.
- **Seeing an export** (its state, never its content): the person who asked, acting for the
  same agency and role, and the supervisors of that agency. For anyone else it does not exist.
- **Downloading**: only the person who asked, acting as they were when they asked, while the
  export is approved and not past its time (checked at each request).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from continuum.access.actor import Actor
from continuum.access.policy import Forbidden, NotFound
from continuum.accounts.models import Role
from continuum.cases.models import CaseStatus
from continuum.exports.models import Export
from continuum.survivors.models import Survivor

REQUESTER_ROLES = frozenset({Role.CASE_MANAGER, Role.SUPERVISOR})
APPROVER_ROLES = frozenset({Role.SUPERVISOR})


def can_request_exports(actor: Actor) -> bool:
    """May this actor's role ask for exports at all (before looking at a record)?"""
    return actor.role in REQUESTER_ROLES


def can_approve_exports(actor: Actor) -> bool:
    return actor.role in APPROVER_ROLES


def leads_care(actor: Actor, survivor: Survivor) -> bool:
    """The actor's agency leads this person's care (as access.sharing counts it): the lead of
    a case that is not closed; when every case is closed, the lead of the newest one; before
    any case, the agency that recorded the person or was handed the record."""
    cases = list(
        survivor.cases.order_by("-opened_on", "-created_at").values_list("lead_agency_id", "status")
    )
    if not cases:
        return actor.agency_id in (survivor.created_by_agency_id, survivor.handed_to_agency_id)
    current = [lead for lead, status in cases if status != CaseStatus.CLOSED]
    return actor.agency_id in (current or [cases[0][0]])


def require_export_request(actor: Actor, survivor: Survivor) -> None:
    """`survivor` must come from survivors.queries.survivor_for(actor, ...): the actor sees
    it. Raises Forbidden when they may see it but not export it."""
    if not can_request_exports(actor):
        raise Forbidden(_("Your role cannot export records."))
    if getattr(survivor, "emergency_only", False):
        raise Forbidden(_("Emergency access lets you read this record, not export it."))
    if not leads_care(actor, survivor):
        raise Forbidden(_("Only the agency leading this person's care exports their record."))


def may_request_export(actor: Actor, survivor: Survivor) -> bool:
    try:
        require_export_request(actor, survivor)
    except Forbidden:
        return False
    return True


def is_requester(actor: Actor, export: Export) -> bool:
    """The person who asked, acting as they were when they asked."""
    return export.requested_by_id == actor.user.pk and export.membership_id == actor.membership.pk


def is_deciding_agency_supervisor(actor: Actor, export: Export) -> bool:
    return can_approve_exports(actor) and export.agency_id == actor.agency_id


def require_export_view(actor: Actor, export: Export) -> None:
    """The export exists for its requester and their agency's supervisors only."""
    if not (is_requester(actor, export) or is_deciding_agency_supervisor(actor, export)):
        raise NotFound()


def require_export_decision(actor: Actor, export: Export) -> None:
    """Approve or refuse: a supervisor of the export's agency who did not ask for it."""
    require_export_view(actor, export)
    if export.requested_by_id == actor.user.pk:
        raise Forbidden(
            _("You asked for this export: another supervisor at your agency must decide on it.")
        )
    if not is_deciding_agency_supervisor(actor, export):
        raise Forbidden(_("Only a supervisor at your agency decides on exports."))


def require_export_download(actor: Actor, export: Export) -> None:
    """Only the requester downloads (whether the file is ready is the action's check). Raises
    NotFound for those the export does not exist for, Forbidden for its agency's supervisors."""
    require_export_view(actor, export)
    if not is_requester(actor, export):
        raise Forbidden(_("Only the person who asked for this export can download it."))
