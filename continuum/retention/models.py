"""The retention schedule: how long each kind of survivor record is kept before it is destroyed.

One rule per record type. The defaults (migration 0002) are a starting point only: each agency
network must set the periods its state's records-retention law and its contracts require
(docs/retention.md). Destruction itself lives in actions.py; the audit log keeps that it
happened, never what was destroyed.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import User

# Under a month is almost certainly a typing mistake (days for months); over a century is
# "never", which the schedule should say by not destroying, not by a huge number.
MIN_DAYS = 30
MAX_DAYS = 36500


class RecordType(models.TextChoices):
    # Counted from the newest closed_on of the survivor's cases, and only while every one of
    # them is closed: a survivor with any open or inactive case is never due.
    CLOSED_CASE = "closed_case", _("Survivor whose cases are all closed")
    # Counted from the record's created_at: someone screened or recorded, never opened as a case.
    NO_CASE_RECORD = "no_case_record", _("Survivor record never opened as a case")


class RetentionRule(models.Model):
    record_type = models.CharField(
        _("record type"), max_length=30, choices=RecordType.choices, unique=True
    )
    days = models.PositiveIntegerField(
        _("keep for (days)"),
        validators=[MinValueValidator(MIN_DAYS), MaxValueValidator(MAX_DAYS)],
    )
    description = models.CharField(_("what it covers"), max_length=300)
    updated_at = models.DateTimeField(auto_now=True)
    # None when changed from the command line without --by, or by the migration's defaults.
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["record_type"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days__gte=MIN_DAYS, days__lte=MAX_DAYS),
                name="retention_days_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}: {self.days} days"
