"""Marks a database as holding the synthetic demo community."""

from __future__ import annotations

from django.db import models


class DemoInstallation(models.Model):
    """Present only in a database loaded by `continuum demo`. Demo-only conveniences (printing
    a persona's current sign-in code) refuse to run without it, so they can never work on a
    real installation."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    loaded_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"demo community v{self.version}"
