"""The domains of need and the needs found on a case.

The sixteen domains of the guidelines are the default set (migration 0002); a community may
add its own. A need remembers where it was found (a screening, an assessment, another
agency), so nobody asks the survivor again. The needs-assessment issue builds the full
assessment on these rows.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import Agency, User
from continuum.cases.models import Case
from continuum.core.encrypted import EncryptedTextField


class NeedDomain(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    SHORT_TERM = "short_term", _("Short-term")
    LONG_TERM = "long_term", _("Long-term")


class NeedStatus(models.TextChoices):
    NOT_DISCUSSED = "not_discussed", _("Not yet discussed")
    NO_NEED = "no_need", _("No need")
    IDENTIFIED = "identified", _("Need identified")
    BEING_ADDRESSED = "being_addressed", _("Being addressed")
    MET = "met", _("Met")
    DECLINED = "declined", _("Survivor declined")


class NeedSource(models.TextChoices):
    SCREENING = "screening", _("Found at screening")
    ASSESSMENT = "assessment", _("Needs assessment")
    OTHER_AGENCY = "other_agency", _("Another agency's assessment")


class Need(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs")
    domain = models.ForeignKey(NeedDomain, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=NeedStatus.choices, default=NeedStatus.IDENTIFIED
    )
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.IMMEDIATE)
    # What the need is, in words: sealed, as everything a person says about themselves.
    description = EncryptedTextField(_("what is needed"), plain_max_length=300, blank=True)
    source = models.CharField(max_length=20, choices=NeedSource.choices)
    # Set when the need came from a screening (screening.Screening; a string reference, as
    # screening depends on needs' domains and not the other way round).
    source_screening = models.ForeignKey(
        "screening.Screening", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    identified_at = models.DateTimeField(default=timezone.now)
    identified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    identified_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["domain__position", "identified_at"]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"{self.domain} need"  # never the words
