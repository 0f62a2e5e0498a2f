"""The community protocol as the configuration the system runs on.

A protocol is edited in place by the network admin; every saved change also writes a
ProtocolVersion, a frozen snapshot of everything the clocks and checks read. A case's MDT
clock names the version it was computed under (continuum.mdt.models.StaffingClock), so a
later change never rewrites how an old deadline was decided without saying so.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import TIME_ZONES, Agency, User
from continuum.core.models import Versioned

# Defaults from the guidelines and Florida rule (../shared/DOMAIN.md); each is editable.
DEFAULT_TIMELINES: dict[str, Any] = {
    "screening_start_hours": 24,
    "mdt_staffing_days": 14,
    "mdt_business_days": False,
    "mdt_at_risk_days": 3,
    "plan_review_days": 30,
    "referral_response_business_days": 3,
}
# The settings that are timelines, in the order the protocol shows them.
TIMELINES = tuple(DEFAULT_TIMELINES)


class Protocol(Versioned):
    """One community's protocol: its mission, members, timelines and rules."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    mission = models.TextField(_("mission"), max_length=4000, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=TIME_ZONES, default="America/New_York"
    )
    effective_from = models.DateField(_("in effect from"))
    effective_until = models.DateField(_("in effect until"), null=True, blank=True)
    screening_start_hours = models.PositiveSmallIntegerField(
        _("start a screening within (hours)"), default=24
    )
    mdt_staffing_days = models.PositiveSmallIntegerField(
        _("MDT staffing within (days of the report's intake)"), default=14
    )
    mdt_business_days = models.BooleanField(_("count MDT days as business days"), default=False)
    mdt_at_risk_days = models.PositiveSmallIntegerField(
        _("warn this many days before the staffing is due"), default=3
    )
    plan_review_days = models.PositiveSmallIntegerField(
        _("review the care plan every (days)"), default=30
    )
    referral_response_business_days = models.PositiveSmallIntegerField(
        _("answer a referral within (business days)"), default=3
    )
    # CareTeamRole values a staffing must have in the room (continuum.cases.models).
    required_mdt_roles = models.JSONField(_("roles every staffing needs"), default=list)
    # {agency type: [data categories]}: what a member of that type may receive *with a
    # release*. A ceiling, never a permission: the survivor's release is still required.
    sharing_rules = models.JSONField(_("what each kind of member may receive"), default=dict)
    conflict_procedure = models.TextField(
        _("how members resolve a disagreement (one step a line)"), max_length=4000, blank=True
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def procedure_steps(self) -> list[str]:
        return [line.strip() for line in self.conflict_procedure.splitlines() if line.strip()]


class ProtocolMember(models.Model):
    """A member agency: what it does for the community. An agency is in one protocol."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="members")
    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="protocol_member")
    responsibilities = models.TextField(_("responsibilities"), max_length=2000, blank=True)
    # CareTeamRole values this member fills at a staffing.
    mdt_roles = models.JSONField(_("roles it fills on an MDT"), default=list)
    services = models.TextField(_("services it provides"), max_length=2000, blank=True)
    joined_on = models.DateField(_("member since"), default=timezone.localdate)

    class Meta:
        ordering = ["agency__name"]

    def __str__(self) -> str:
        return f"{self.agency} in {self.protocol}"


class Holiday(models.Model):
    """A day the protocol's business-day deadlines do not count."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="holidays")
    day = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "day"], name="holiday_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.name}"


class TrainingRequirement(models.Model):
    """Training a role must hold in this community (the training issue checks it)."""

    protocol = models.ForeignKey(
        Protocol, on_delete=models.CASCADE, related_name="training_requirements"
    )
    role = models.CharField(_("role"), max_length=30)  # accounts.Role
    course = models.CharField(_("course"), max_length=200)
    hours = models.PositiveSmallIntegerField(_("hours"), default=0)
    renew_every_months = models.PositiveSmallIntegerField(
        _("renew every (months)"), null=True, blank=True
    )
    before_contact = models.BooleanField(_("needed before working with survivors"), default=False)

    class Meta:
        ordering = ["role", "course"]

    def __str__(self) -> str:
        return f"{self.role}: {self.course}"


class ProtocolVersion(models.Model):
    """A protocol as it stood after one saved change: never edited afterwards."""

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()  # every setting, member, holiday and requirement
    change_summary = models.CharField(_("what changed"), max_length=300)
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["protocol", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "number"], name="protocol_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.protocol} v{self.number}"


class MouStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OUT_FOR_SIGNATURE = "out_for_signature", _("Out for signature")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")


class Mou(models.Model):
    """The memorandum of understanding that formalises a protocol version."""

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="mous")
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, related_name="mous"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text of the agreement"), max_length=20000, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MouStatus.choices, default=MouStatus.DRAFT
    )
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"))
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind this many days before it expires"), default=60
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-expires_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def status_on(self, today: Any) -> str:
        """The status as of `today`: an MOU past its expiry date is expired, whatever was
        stored (no job has to run for that to be true)."""
        if self.status == MouStatus.IN_FORCE and self.expires_on < today:
            return MouStatus.EXPIRED
        return self.status


class MouSignature(models.Model):
    """One member agency's signature: who signed, with what title, on which day."""

    mou = models.ForeignKey(Mou, on_delete=models.CASCADE, related_name="signatures")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="mou_signatures")
    signer_name = models.CharField(_("signed by"), max_length=200)
    signer_title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["mou", "agency"], name="mou_signed_once_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.agency} signed {self.mou}"


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Conflict(models.Model):
    """A disagreement between members, worked through the protocol's procedure. Written
    about the working relationship, never about a survivor."""

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="conflicts")
    raised_by = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    with_agencies = models.ManyToManyField(Agency, related_name="+")
    summary = models.TextField(_("what the disagreement is about"), max_length=2000)
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    status = models.CharField(
        max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["status", "-raised_on", "-pk"]

    def __str__(self) -> str:
        return f"Conflict {self.pk}"


class ConflictStep(models.Model):
    """A step of the resolution procedure taken, with what came of it."""

    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step of the procedure"), max_length=300)
    taken_on = models.DateField(_("taken on"))
    note = models.TextField(_("what happened"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["taken_on", "pk"]

    def __str__(self) -> str:
        return self.step
