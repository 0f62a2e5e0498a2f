"""Break-glass: emergency access to a record outside one's access, with a written reason.

A grant lets one person, acting for one agency in one role, read one survivor's record (and
its cases) until it expires. Opening it alerts the agency's supervisors at once (My work);
it waits there until a supervisor signs it off. Reads under it are marked in the audit log.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import Role

REASON_MIN = 20
REASON_MAX = 1000


def default_expiry() -> datetime:
    return timezone.now() + timedelta(minutes=settings.CONTINUUM_BREAK_GLASS_MINUTES)


class EmergencyAccess(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="emergency_grants"
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="emergency_grants"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    # CASCADE: the retention purge destroys grants with the person and their cases.
    survivor = models.ForeignKey(
        "survivors.Survivor", on_delete=models.CASCADE, related_name="emergency_grants"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="emergency_grants"
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), default=default_expiry)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emergency_reviews",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True, max_length=REASON_MAX)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["user", "agency", "expires_at"])]
        verbose_name_plural = "emergency access grants"

    def __str__(self) -> str:
        return f"emergency access #{self.pk}"

    @property
    def active(self) -> bool:
        return self.expires_at > timezone.now()
