"""Personal access tokens for the API: hashed at rest, revocable, scoped to one agency."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import Membership


class ApiToken(models.Model):
    # The token acts as this membership: one person, one agency, one role.
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("what it is for"), max_length=100)
    # The first characters, shown in lists so a person can tell tokens apart.
    prefix = models.CharField(max_length=12, db_index=True)
    # SHA-256 of the whole token; the token itself is shown once and never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
