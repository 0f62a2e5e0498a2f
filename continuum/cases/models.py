"""The episode of care: one survivor, one lead agency, a care team, and what happened."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency, User
from continuum.core.encrypted import EncryptedTextField
from continuum.core.models import Versioned
from continuum.survivors.models import Survivor


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INACTIVE = "inactive", _("Inactive but reachable")
    CLOSED = "closed", _("Closed")


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    SURVIVOR_CHOSE = "survivor_chose", _("Survivor chose to stop services")
    MOVED = "moved", _("Moved out of the area")
    TRANSFERRED = "transferred", _("Transferred to another agency")
    AGED_OUT = "aged_out", _("Aged out of services")
    NO_CONTACT = "no_contact", _("Could not be reached for 90 days or more")
    OTHER = "other", _("Other")


class Case(Versioned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A short reference people can say on the phone; it carries nothing about the person.
    reference = models.CharField(_("case reference"), max_length=12, unique=True)
    survivor = models.ForeignKey(Survivor, on_delete=models.PROTECT, related_name="cases")
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="led_cases")
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    opened_on = models.DateField(_("opened on"))
    report_received_on = models.DateField(
        _("abuse report intake date"),
        null=True,
        blank=True,
        help_text=_("The day the abuse report was received. The MDT clock starts here."),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "reference"]
        indexes = [models.Index(fields=["lead_agency", "status"])]
        constraints = [
            # One episode of care at a time per survivor and lead agency.
            models.UniqueConstraint(
                fields=["survivor", "lead_agency"],
                condition=~models.Q(status="closed"),
                name="case_one_active_per_survivor_and_lead",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class CareTeamRole(models.TextChoices):
    LEAD_CASE_MANAGER = "lead_case_manager", _("Lead case manager")
    CASE_MANAGER = "case_manager", _("Case manager")
    CLINICIAN = "clinician", _("Clinician")
    SURVIVOR_MENTOR = "survivor_mentor", _("Survivor-mentor")
    MDT_COORDINATOR = "mdt_coordinator", _("MDT coordinator")
    INVESTIGATOR = "investigator", _("Protective investigator")
    GUARDIAN_AD_LITEM = "guardian_ad_litem", _("Guardian ad litem")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    LEGAL_ADVOCATE = "legal_advocate", _("Legal advocate")
    SCHOOL_LIAISON = "school_liaison", _("School liaison")
    SUPERVISOR = "supervisor", _("Supervisor")


class CareTeamMember(models.Model):
    """An agency, and optionally a named person in it, working on this case in a role.

    Leaving the team sets removed_at; the row stays, so the history of who could see the
    case is kept.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="care_team")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="care_team_roles"
    )
    role = models.CharField(_("role on this case"), max_length=30, choices=CareTeamRole.choices)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The protected kinds of data its being on the team would reveal (a provider that
    # accepted a substance-use referral: "substance_use"), comma-separated; "" for none.
    # Its agency is named only to its own staff and to readers who may see all of them
    # (cases.queries.name_quiet_members).
    quiet_categories = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["added_at", "pk"]
        indexes = [
            models.Index(fields=["user", "removed_at"]),
            models.Index(fields=["agency", "removed_at"]),
        ]

    def __str__(self) -> str:
        who = self.user or self.agency
        return f"{who} ({self.get_role_display()})"


class EventKind(models.TextChoices):
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_UPDATED = "case_updated", _("Case details changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    TEAM_MEMBER_ADDED = "team_member_added", _("Joined the care team")
    TEAM_MEMBER_REMOVED = "team_member_removed", _("Left the care team")
    SURVIVOR_UPDATED = "survivor_updated", _("Personal details changed")
    TASK_DONE = "task_done", _("Task done")
    ASSESSMENT = "assessment", _("Needs assessment")
    PLAN = "plan", _("Care plan")
    APPOINTMENT = "appointment", _("Appointment")
    MDT = "mdt", _("MDT staffing")
    REFERRAL = "referral", _("Referral")


class CaseEvent(models.Model):
    """One line of the case timeline. `data` holds labels, never the survivor's details."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    at = models.DateTimeField()
    by_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=300)
    # Who did it is not shown on the timeline: a provider answering a health, mental-health
    # or substance-use referral would say what it was for. The referral's own history
    # (access-checked) and the audit log keep who it was.
    author_withheld = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return self.summary


# The kinds of note a case can hold: each is a data category (continuum.access.categories),
# which decides who may read it. Identity, contact, screening and needs have their own forms.
NOTE_CATEGORIES = (
    DataCategory.NOTES,
    DataCategory.CARE_PLAN,
    DataCategory.HEALTH,
    DataCategory.MENTAL_HEALTH,
    DataCategory.SUBSTANCE_USE,
    DataCategory.LEGAL,
    DataCategory.EDUCATION,
    DataCategory.PLACEMENT,
)
NOTE_LABELS = {
    DataCategory.NOTES: _("Case note"),
    DataCategory.CARE_PLAN: _("Plan and appointments"),
    DataCategory.HEALTH: _("Health"),
    DataCategory.MENTAL_HEALTH: _("Mental health"),
    DataCategory.SUBSTANCE_USE: _("Substance use treatment (42 CFR Part 2)"),
    DataCategory.LEGAL: _("Legal and court"),
    DataCategory.EDUCATION: _("Education (FERPA)"),
    DataCategory.PLACEMENT: _("Placement"),
}
NOTE_CHOICES = [(c.value, NOTE_LABELS[c]) for c in NOTE_CATEGORIES]


class CaseNote(models.Model):
    """What a team member wrote about the work on a case, in one data category.

    The category decides who reads it (role ceiling, and for other agencies a release); the
    text is sealed at rest. Notes are never edited or deleted by hand: a correction is a new
    note, so the record shows what each reader was told and when.
    """

    # A UUID, known before the row is saved: the sealed text is bound to its row id.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    category = models.CharField(_("kind of note"), max_length=20, choices=NOTE_CHOICES)
    body = EncryptedTextField(_("note"), plain_max_length=4000)
    written_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    written_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["case", "written_at"])]

    def __str__(self) -> str:
        return f"{self.category} note"  # never the text


class TaskKind(models.TextChoices):
    IN_DEPTH_ASSESSMENT = "in_depth_assessment", _("In-depth assessment")
    MDT_ACTION = "mdt_action", _("MDT action item")
    OTHER = "other", _("Other")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("No longer needed")


class CaseTask(models.Model):
    """Something the case's team must do, by a day: the case's to-do list. The title says
    what in the system's words, never the survivor's details."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    title = models.CharField(_("what to do"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # The data category the task belongs to: only those who may see that category for the
    # person see the task (an in-depth assessment to do says a screening raised concern).
    category = models.CharField(
        max_length=20, choices=[(c.value, c.label) for c in DataCategory], default="care_plan"
    )
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["status", "due_on", "pk"]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return self.title
