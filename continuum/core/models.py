"""Base pieces for the models of every package."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class EditConflict(Exception):
    """Someone else saved this record after the editor loaded it."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this record while you were editing it. "
                "Your changes have not been saved. Check the latest version below, then "
                "make your changes again."
            )
        )


class Versioned(models.Model):
    """A record edited by several people: every save must name the version it started from."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


def save_if_unchanged(record: Versioned, *, expected_version: int, fields: dict[str, Any]) -> None:
    """Write `fields` only if nobody saved the record since `expected_version` was read.

    A single conditional UPDATE, so two editors racing cannot both win: the loser gets
    EditConflict and keeps what they typed (the form shows it again).
    """
    from continuum.core.encrypted import EncryptedField

    if getattr(record, "withheld", None):
        raise RuntimeError("a record masked for display cannot be saved")
    model = type(record)
    stored = {}
    for name, value in fields.items():
        field = model._meta.get_field(name)
        # A single UPDATE bypasses save(): sealed fields are sealed here, for this row.
        stored[name] = (
            field.seal_for(record.pk, value) if isinstance(field, EncryptedField) else value
        )
    updated = model._default_manager.filter(pk=record.pk, version=expected_version).update(
        version=expected_version + 1, **stored
    )
    if updated != 1:
        raise EditConflict()
    for name, value in fields.items():
        setattr(record, name, value)
    record.version = expected_version + 1
