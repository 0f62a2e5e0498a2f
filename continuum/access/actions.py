"""Break-glass: opening emergency access to a record outside one's access, and reviewing it.

Every other write lives with its own package; these two are the access policy's own.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.models import REASON_MAX, REASON_MIN, EmergencyAccess
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import Case


class EmergencyAccessRefused(Exception):
    """Emergency access was not opened; the message says why (and never whether a case
    reference exists beyond "no case with that reference")."""


def _clean_reason(reason: str) -> str:
    text = reason.strip()
    # Counted without runs of spaces: padding does not make a reason.
    if len(" ".join(text.split())) < REASON_MIN:
        raise EmergencyAccessRefused(
            _("Write why you need this record now, in at least %(n)d characters.")
            % {"n": REASON_MIN}
        )
    if len(text) > REASON_MAX:
        raise EmergencyAccessRefused(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}
        )
    return text


def open_emergency_access(*, actor: Actor, case_reference: str, reason: str) -> EmergencyAccess:
    """Open break-glass access to the survivor of the case with this reference.

    Caller: anyone whose role works with survivors (case roles and screeners), in an
    emergency. The case is looked up by its reference across the whole network (that is the
    point). The grant lasts CONTINUUM_BREAK_GLASS_MINUTES, lets the actor read (never
    change) the record, and waits on the agency's supervisors' My work until one signs it
    off. The reason is staff text and stays on the grant, not in the audit detail.
    An unknown reference is refused and the attempt is audited.
    """
    policy.require(actor, policy.Permission.OPEN_EMERGENCY_ACCESS)
    text = _clean_reason(reason)
    reference = case_reference.strip()
    case = (
        Case.objects.filter(reference__iexact=reference).only("pk", "survivor_id").first()
        if reference
        else None
    )
    if case is None:
        # Audited on its own (not rolled back with a refused grant): someone looking for a
        # record that may not exist is what a supervisor wants to see.
        record(actor, AuditAction.ACCESS_DENIED, detail={"emergency": True})
        raise EmergencyAccessRefused(_("There is no case with that reference."))
    return _grant(actor, case, text)


@transaction.atomic
def _grant(actor: Actor, case: Case, reason: str) -> EmergencyAccess:
    if policy.sees_without_grant(actor, case.survivor):
        raise EmergencyAccessRefused(
            _("You can already see this record: no emergency access is needed.")
        )
    minutes = settings.CONTINUUM_BREAK_GLASS_MINUTES
    now = timezone.now()
    grant = EmergencyAccess.objects.create(
        user=actor.user,
        agency_id=actor.agency_id,
        role=actor.role,
        survivor_id=case.survivor_id,
        case=case,
        reason=reason,
        opened_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    record(
        actor,
        AuditAction.EMERGENCY_ACCESS_OPENED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=grant,
        detail={"minutes": minutes},
    )
    return grant


@transaction.atomic
def review_emergency_access(*, actor: Actor, grant: EmergencyAccess, note: str) -> EmergencyAccess:
    """Sign off a break-glass grant. Caller: a supervisor of the agency its holder acted for.
    A grant is reviewed once; it stays in force until it expires."""
    policy.require_emergency_review(actor, grant)
    if grant.reviewed_at is not None:
        raise EmergencyAccessRefused(_("This emergency access has been reviewed already."))
    text = note.strip()
    if len(text) > REASON_MAX:
        raise EmergencyAccessRefused(_("Keep the note under %(n)d characters.") % {"n": REASON_MAX})
    grant.reviewed_by = actor.user
    grant.reviewed_at = timezone.now()
    grant.review_note = text
    grant.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    record(
        actor,
        AuditAction.EMERGENCY_ACCESS_REVIEWED,
        survivor_id=grant.survivor_id,
        case_id=grant.case_id,
        obj=grant,
    )
    return grant
