"""Exports of a survivor's record: asked for by one person, approved by a second, encrypted twice.

An export starts as a request with a written purpose. Nothing is made until a supervisor of the
same agency, never the person who asked, approves it; then the record as the requester may see
it is packed into an AES-256 encrypted ZIP with a fresh passphrase. The ZIP and the passphrase
are both sealed at rest (continuum.core.encrypted), so the file is encrypted twice in the
database. Only the requester downloads it, until `expires_at`; the next purge destroys the file
and the passphrase for good (`destroyed_at`), and the row stays as the record of the disclosure
until the person's own record is destroyed.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.core.encrypted import EncryptedBinaryField, EncryptedTextField

PURPOSE_MIN = 10
PURPOSE_MAX = 500
REASON_MIN = 10
REASON_MAX = 1000


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Export(models.Model):
    # A UUID, known before the row is saved: the sealed file and passphrase are bound to it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # CASCADE: the retention purge destroys exports with the person and their cases.
    survivor = models.ForeignKey(
        "survivors.Survivor", on_delete=models.CASCADE, related_name="exports"
    )
    # The case the requesting agency led when it asked: its reference names the record in
    # queues without showing anything about the person. None before any case is opened.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="exports"
    )
    # Who asked, as whom: the export holds what this membership (agency and role) may see.
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="exports_requested"
    )
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="exports"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="exports")
    purpose = models.TextField(_("purpose"), max_length=PURPOSE_MAX)
    requested_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exports_decided",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusing"), blank=True, max_length=REASON_MAX)
    # Set on approval: the file is served until then, and destroyed by the next purge after.
    expires_at = models.DateTimeField(_("download until"), null=True, blank=True)
    archive = EncryptedBinaryField(_("encrypted ZIP"), null=True, blank=True)
    passphrase = EncryptedTextField(
        _("passphrase"), plain_max_length=100, null=True, blank=True, default=None
    )
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    destroyed_at = models.DateTimeField(_("file destroyed at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["requested_by", "membership"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"export #{self.pk}"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def ready(self) -> bool:
        """Approved, not past its time, and its file still there: it may be downloaded."""
        return (
            self.status == ExportStatus.APPROVED and not self.expired and self.destroyed_at is None
        )

    @property
    def state(self) -> str:
        """requested, refused, ready, expired (not served, not yet destroyed) or destroyed."""
        if self.status != ExportStatus.APPROVED:
            return str(self.status)
        if self.destroyed_at is not None:
            return "destroyed"
        return "expired" if self.expired else "ready"

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


STATE_LABELS = {
    "requested": _("Waiting for a supervisor's approval"),
    "refused": _("Refused"),
    "ready": _("Ready to download"),
    "expired": _("Expired: no longer downloadable"),
    "destroyed": _("Expired: file destroyed"),
}
