"""Multidisciplinary team staffings: the clock, meetings, who came, what was decided, and
the action items that follow.

A decision's text may carry the survivor's details, so it is sealed and has a data
category, as notes do; an action item is a case to-do (cases.CaseTask) so it shows on its
owner's My work with every other task, and is done the same way.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency, User
from continuum.cases.models import NOTE_CHOICES, CareTeamRole, Case, CaseTask
from continuum.core.encrypted import EncryptedTextField
from continuum.core.models import Versioned
from continuum.protocols.models import ProtocolVersion


class StaffingClock(models.Model):
    """A case's MDT clock as last computed: from which intake date, under which protocol
    version, due when. Kept in a row (not only computed) so the coordinator's list sorts
    and pages in the database, and so the record shows which rules decided the deadline."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="staffing_clock")
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    intake_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    at_risk_from = models.DateField(null=True, blank=True)
    first_staffed_on = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["first_staffed_on", "due_on"])]

    def __str__(self) -> str:
        return f"MDT clock of {self.case_id}"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class PlaceKind(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    CALL = "call", _("Phone or video call")
    BOTH = "both", _("In person, with a call for those who cannot come")


class SurvivorVoice(models.TextChoices):
    ATTENDED = "attended", _("They took part in the meeting")
    MENTOR = "mentor", _("Their mentor or advocate shared their views")
    WRITTEN = "written", _("Their views were read out")
    ASKED_BEFORE = "asked_before", _("A team member asked them before and reported back")
    NOT_HEARD = "not_heard", _("Their views were not heard at this meeting")


class Meeting(Versioned):
    """One staffing of one case. The place is a room or a call, never an address of the
    survivor; the .ics invitation carries the case reference and nothing else about them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mdt_meetings")
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    minutes_long = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    place_kind = models.CharField(_("how people meet"), max_length=10, choices=PlaceKind.choices)
    place = models.CharField(_("room"), max_length=200, blank=True)
    call_link = models.URLField(_("call link"), max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    convened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    convened_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    minutes = EncryptedTextField(_("minutes"), plain_max_length=20000, blank=True)
    survivor_voice = models.CharField(
        _("how the survivor's voice was heard"),
        max_length=20,
        choices=SurvivorVoice.choices,
        blank=True,
    )
    survivor_voice_how = EncryptedTextField(_("how, in a few words"), plain_max_length=1000)
    next_meeting_on = models.DateField(_("next meeting"), null=True, blank=True)
    # Free text, read as case notes (it can say why: "moving to her aunt's in…").
    no_next_meeting_reason = EncryptedTextField(
        _("why no next meeting is set"), plain_max_length=500, blank=True
    )
    missing_roles = models.JSONField(default=list)  # required roles nobody filled, when held
    held_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["case", "starts_at"])]

    def __str__(self) -> str:
        return f"MDT staffing {self.starts_at:%Y-%m-%d}"


class ParticipantKind(models.TextChoices):
    MEMBER = "member", _("Team member")
    SURVIVOR = "survivor", _("The survivor")
    FAMILY = "family", _("Family member or caregiver")


class Participant(models.Model):
    """Someone invited to, or present at, a meeting: staff of a member agency in a role, or
    the survivor or family (recorded by kind, never by name)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(max_length=10, choices=ParticipantKind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=30, choices=CareTeamRole.choices, blank=True)
    invited = models.BooleanField(default=True)
    attended = models.BooleanField(null=True)  # unknown until attendance is taken

    class Meta:
        ordering = ["kind", "agency__name", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.meeting}"


class Decision(models.Model):
    """What the team decided. The text is sealed and read as its data category."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    category = models.CharField(
        _("kind of data"),
        max_length=20,
        choices=NOTE_CHOICES,
        default=DataCategory.CARE_PLAN,
    )
    text = EncryptedTextField(_("decision"), plain_max_length=2000)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return "MDT decision"  # never the text


class ActionItem(models.Model):
    """An action a decision asks of an agency (and a person in it), by a day. Its task is
    the case to-do that shows on the owner's My work."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="action_items")
    task = models.OneToOneField(CaseTask, on_delete=models.CASCADE, related_name="mdt_action")
    owner_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["task__due_on", "pk"]

    def __str__(self) -> str:
        return str(self.task)
