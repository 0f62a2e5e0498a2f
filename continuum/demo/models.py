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


class DemoSurvivor(models.Model):
    """Which survivor record stands for demo survivor number n.

    `key` is uuid5 of a fixed namespace and n (continuum.demo.community.survivor_key), so a
    rerun of `continuum demo` finds the survivors it made and makes only the missing ones.
    The survivor itself is made by create_survivor with an ordinary random id; this row is
    written in the same transaction, so a survivor exists exactly when its row does.
    """

    key = models.UUIDField(primary_key=True)
    index = models.PositiveSmallIntegerField(unique=True)
    survivor = models.OneToOneField(
        "survivors.Survivor", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"demo survivor {self.index}"
