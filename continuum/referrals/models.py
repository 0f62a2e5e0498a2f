"""Closed-loop referrals (issue #7, best practice 9).

A referral goes from the agency leading a survivor's care to another agency's intake queue
(never to a person), for one need, to one directory service. Its states are the FHIR SDOH
referral Task's; who may move it where is in continuum/referrals/states.py. The outcome
("got help" or not) is kept apart from the state, as the standard does: a referral can be
completed and still not have helped, and a failed one can be followed by help found
elsewhere.

A *capacity inquiry* is the same life cycle with nothing about the person in it: the
sending agency asks "can you take a 16-year-old who needs shelter tonight?" before any
release names the provider. It is never tied to the survivor on the receiving side.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from continuum.core.encrypted import EncryptedTextField
from continuum.core.models import Versioned


class ReferralKind(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    CAPACITY_INQUIRY = "capacity_inquiry", _("Capacity inquiry")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REQUESTED = "requested", _("Sent, waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not accepted")
    IN_PROGRESS = "in-progress", _("Services started")
    ON_HOLD = "on-hold", _("On hold")
    FAILED = "failed", _("Could not be completed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    ENTERED_IN_ERROR = "entered-in-error", _("Entered in error")


class ReferralReason(models.TextChoices):
    """Why a referral was not accepted, could not be completed, or was cancelled."""

    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    NO_CAPACITY = "no_capacity", _("No room or no openings")
    COULD_NOT_CONTACT = "could_not_contact", _("Could not reach them")
    DECLINED = "declined", _("The young person decided not to go ahead")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")


class ReferralOutcome(models.TextChoices):
    GOT_HELP = "got_help", _("Got help")
    DID_NOT_GET_HELP = "did_not_get_help", _("Did not get help")


class Referral(Versioned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ReferralKind.choices)
    case = models.ForeignKey("cases.Case", models.CASCADE, related_name="referrals")
    need = models.ForeignKey(
        "needs.Need", models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    # The need's domain when sent, kept for the measures even if the need changes later.
    domain_code = models.CharField(_("need"), max_length=40, blank=True)
    service = models.ForeignKey(
        "directory.Service", models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    # The listing's name when sent: the directory may rename or drop it later.
    service_name = models.CharField(_("service"), max_length=300)
    from_agency = models.ForeignKey(
        "accounts.Agency", models.PROTECT, related_name="referrals_sent"
    )
    to_agency = models.ForeignKey(
        "accounts.Agency", models.PROTECT, related_name="referrals_received"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    reason = models.CharField(
        _("reason"), max_length=30, choices=ReferralReason.choices, blank=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ReferralOutcome.choices, blank=True
    )
    # "Do not reach out": the survivor asked that the provider not contact them directly;
    # the provider goes through the case manager, and no contact details are carried.
    provider_may_contact = models.BooleanField(_("the provider may contact them"), default=True)
    # What the provider should know about the need: read as the *needs* category, so it
    # travels only when the survivor released their needs to the provider.
    note = EncryptedTextField(_("what the provider should know"), plain_max_length=2000, blank=True)
    # For a capacity inquiry: the whole message, written by Continuum from age, gender and
    # need so that it cannot name anyone ("A 16-year-old girl needs shelter tonight").
    inquiry_text = models.CharField(_("inquiry"), max_length=300, blank=True)
    urgent = models.BooleanField(_("needed today"), default=False)
    response_due_on = models.DateField(_("answer due"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["to_agency", "status"]),
            models.Index(fields=["from_agency", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.service_name}"

    @property
    def is_inquiry(self) -> bool:
        return self.kind == ReferralKind.CAPACITY_INQUIRY


class ReferralEvent(models.Model):
    """One change of a referral's state (the Task's history), by whom and when."""

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    reason = models.CharField(max_length=30, choices=ReferralReason.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=ReferralOutcome.choices, blank=True)
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    by_agency = models.ForeignKey("accounts.Agency", models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d %H:%M}"
