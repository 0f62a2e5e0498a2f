"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.accounts.models import Agency, Role, User
from continuum.audit.log import record
from continuum.audit.models import AuditAction, AuditEntry
from continuum.survivors.models import Survivor

ACCESS_LOG_LIMIT = 500
_ROLE_LABELS = dict(Role.choices)
_CHANNEL_LABELS = {
    "web": _("Web page"),
    "api": _("API"),
    "cli": _("Command line"),
    "worker": _("Background task"),
}


def access_log_for(actor: Actor, survivor: Survivor) -> list[AuditEntry]:
    """The newest entries about one survivor, with agency names attached (2 queries).

    Looking at the log is itself logged.
    """
    policy.require_access_log(actor, survivor)
    entries: list[AuditEntry] = list(_about(survivor).order_by("-sequence")[:ACCESS_LOG_LIMIT])
    agencies = Agency.objects.in_bulk({e.agency_id for e in entries if e.agency_id})
    people = User.objects.in_bulk({e.user_id for e in entries if e.user_id})
    for entry in entries:
        entry.agency = agencies.get(entry.agency_id or 0)  # type: ignore[attr-defined]
        entry.person = people.get(entry.user_id or 0)  # type: ignore[attr-defined]
        entry.role_label = _ROLE_LABELS.get(entry.role, entry.role)  # type: ignore[attr-defined]
        entry.via_label = _CHANNEL_LABELS.get(entry.via, entry.via)  # type: ignore[attr-defined]
    record(actor, AuditAction.ACCESS_LOG_VIEWED, survivor_id=survivor.pk)
    return entries


def _about(survivor: Survivor) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(survivor_id=survivor.pk)
