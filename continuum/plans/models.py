"""The care plan: goals in the survivor's words, the tasks and services that get there, who
owns each, every version of the plan, and the appointments the team keeps with the survivor.

A case has one plan, written with the survivor by the lead agency's team and worked from by
everyone on the care team. Every change makes a new PlanVersion holding a sealed snapshot of
the whole plan, so versions can be compared ("what changed, who, when") and a conflicting
edit can be merged against the version its editor started from (continuum.plans.merge).

Goals, tasks, services and appointments each belong to a data category: the care plan by
default, or a stricter one the case manager chooses (a goal about therapy is mental-health
data), so that each reader sees exactly what their role and the survivor's releases allow.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency, User
from continuum.cases.models import Case
from continuum.core.encrypted import EncryptedTextField
from continuum.core.models import Versioned
from continuum.needs.models import Need

PLAN_CATEGORIES = (
    DataCategory.CARE_PLAN,
    DataCategory.HEALTH,
    DataCategory.MENTAL_HEALTH,
    DataCategory.SUBSTANCE_USE,
    DataCategory.LEGAL,
    DataCategory.EDUCATION,
    DataCategory.PLACEMENT,
)
PLAN_CATEGORY_CHOICES = [(c.value, c.label) for c in PLAN_CATEGORIES]


class CarePlan(Versioned):
    """The case's plan. `version` moves with every change (optimistic concurrency); the
    PlanVersion of the same number holds what the plan was then."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan")
    review_every_days = models.PositiveSmallIntegerField(_("review it with the survivor every"))
    # The last time the survivor went through the plan with the team.
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"care plan of {self.case}"


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Working on it")
    ACHIEVED = "achieved", _("Achieved")
    SET_ASIDE = "set_aside", _("Set aside for now")


class Goal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    words = EncryptedTextField(_("the goal, in the survivor's words"), plain_max_length=500)
    category = models.CharField(
        _("kind of data"),
        max_length=20,
        choices=PLAN_CATEGORY_CHOICES,
        default=DataCategory.CARE_PLAN.value,
    )
    status = models.CharField(max_length=12, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    needs = models.ManyToManyField(Need, blank=True, related_name="goals")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return "goal"  # never the words


class TaskStatus(models.TextChoices):
    TO_DO = "to_do", _("To do")
    IN_PROGRESS = "in_progress", _("Started")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("No longer needed")


OPEN_TASK_STATUSES = frozenset({TaskStatus.TO_DO, TaskStatus.IN_PROGRESS})


class PlanTask(models.Model):
    """Something someone does for a goal: owned by an agency, and by a person in it when the
    team names one. It appears on the owner's My work."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="tasks")
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    title = EncryptedTextField(_("what to do"), plain_max_length=300)
    # The goal's category, or the plan's for a task of no goal (kept here for the queries).
    category = models.CharField(
        max_length=20, choices=PLAN_CATEGORY_CHOICES, default=DataCategory.CARE_PLAN.value
    )
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("by"), null=True, blank=True)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.TO_DO)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position", "created_at"]
        indexes = [
            models.Index(fields=["owner_agency", "status"]),
            models.Index(fields=["owner_user", "status"]),
        ]

    def __str__(self) -> str:
        return "plan task"  # never the title


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    REFERRED = "referred", _("Asked for")
    RECEIVING = "receiving", _("Getting it")
    ENDED = "ended", _("Finished")
    NOT_NEEDED = "not_needed", _("No longer needed")


OPEN_SERVICE_STATUSES = frozenset(
    {ServiceStatus.PLANNED, ServiceStatus.REFERRED, ServiceStatus.RECEIVING}
)


class PlannedService(models.Model):
    """A service the plan counts on (counselling, a safe house, a tutor). The referral issue
    turns these into referrals with a closed loop; until then the team keeps the status."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="services")
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="services"
    )
    description = EncryptedTextField(_("what service"), plain_max_length=300)
    category = models.CharField(
        max_length=20, choices=PLAN_CATEGORY_CHOICES, default=DataCategory.CARE_PLAN.value
    )
    provider = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return "planned service"


class VersionKind(models.TextChoices):
    CHANGE = "change", _("Plan changed")
    TASK_UPDATE = "task_update", _("Task moved along")
    REVIEW = "review", _("Reviewed with the survivor")
    SETTINGS = "settings", _("Review interval changed")


class SurvivorPart(models.TextChoices):
    """How the survivor took part in a change: recorded each time the plan changes."""

    WITH_SURVIVOR = "with_survivor", _("Made with the survivor")
    ASKED_BY_SURVIVOR = "asked_by_survivor", _("The survivor asked for it")
    TO_REVIEW = "to_review", _("Not with the survivor: to go through with them")


class Agreement(models.TextChoices):
    AGREED = "agreed", _("Agreed with the plan")
    AGREED_WITH_CHANGES = "agreed_with_changes", _("Agreed, with the changes they asked for")
    NOT_YET = "not_yet", _("Wants to think about it")
    DISAGREED = "disagreed", _("Did not agree")


class PlanVersion(models.Model):
    """The plan as it was after one change: who, when, what kind of change, how the survivor
    took part, and the sealed snapshot. Never changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=VersionKind.choices)
    # Labels only ("Goal added", "Task done"), never the plan's words: the timeline shows it.
    summary = models.CharField(max_length=300)
    snapshot = EncryptedTextField(default="{}")
    survivor_part = models.CharField(max_length=20, choices=SurvivorPart.choices, blank=True)
    agreement = models.CharField(max_length=20, choices=Agreement.choices, blank=True)
    survivor_said = EncryptedTextField(
        _("what the survivor said or asked for"), plain_max_length=1000, blank=True
    )
    reviewed_on = models.DateField(null=True, blank=True)
    made_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    made_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once")]

    def __str__(self) -> str:
        return f"plan version {self.number}"


class AppointmentKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment")
    COURT_DATE = "court_date", _("Court date")
    MEETING = "meeting", _("Meeting with the team")


class AppointmentStatus(models.TextChoices):
    PLANNED = "planned", _("Coming up")
    KEPT = "kept", _("Went ahead")
    MISSED = "missed", _("Did not happen")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(Versioned):
    """Something on the survivor's calendar the team helps with. A court date is legal data;
    other appointments are care-plan data unless the team chooses a stricter category."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(max_length=12, choices=AppointmentKind.choices)
    category = models.CharField(
        max_length=20, choices=PLAN_CATEGORY_CHOICES, default=DataCategory.CARE_PLAN.value
    )
    starts_at = models.DateTimeField(_("when"))
    what = EncryptedTextField(_("what it is"), plain_max_length=200)
    # A place of the service ("Health clinic, 2nd floor"), never where the survivor lives.
    place = EncryptedTextField(_("where"), plain_max_length=200, blank=True)
    with_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who goes with them (often their survivor-mentor).
    accompanied_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.PLANNED
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["case", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%Y-%m-%d}"  # never what it is
