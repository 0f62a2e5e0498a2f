"""Screening: the instruments a community adopted, each screening done with one, and the
immediate-safety facts and calls recorded on the way.

Instruments are data (a FHIR R4 Questionnaire, continuum.screening.instrument); a stored
version is never edited in place. Answers are sealed at rest. A screening's level of concern
leads to an in-depth assessment; it is never a verdict.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import Agency, User
from continuum.cases.models import Case
from continuum.core.encrypted import EncryptedTextField
from continuum.core.models import Versioned
from continuum.survivors.models import Survivor


class InstrumentStatus(models.TextChoices):
    ACTIVE = "active", _("In use: screeners can choose it")
    RETIRED = "retired", _("Retired: kept for the screenings that used it")


class Instrument(models.Model):
    """One version of a screening instrument, exactly as imported. Never edited: a change is
    a new version (url + version is unique), so every screening keeps the questions it asked."""

    url = models.CharField(_("canonical URL"), max_length=300)
    version = models.CharField(_("version"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    licence = models.TextField(_("licence"), blank=True)
    validated = models.BooleanField(_("validated"), default=False)
    # The Questionnaire as stored (to_questionnaire of the parsed import): the single source
    # of the questions and scoring rules.
    questionnaire = models.JSONField()
    status = models.CharField(
        max_length=10, choices=InstrumentStatus.choices, default=InstrumentStatus.ACTIVE
    )
    bundled = models.BooleanField(default=False)
    imported_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["url", "version"], name="instrument_url_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.version}"


class Setting(models.TextChoices):
    CHILD_WELFARE = "child_welfare", _("Child-welfare office or hotline")
    HOME = "home", _("Home or placement")
    SCHOOL = "school", _("School")
    SHELTER = "shelter", _("Shelter or safe house")
    HEALTH = "health", _("Clinic or hospital")
    JUVENILE_JUSTICE = "juvenile_justice", _("Juvenile intake or detention")
    LAW_ENFORCEMENT = "law_enforcement", _("With law enforcement")
    ADVOCACY_CENTER = "advocacy_center", _("Child advocacy center")
    COMMUNITY = "community", _("Community or outreach")
    REMOTE = "remote", _("By phone or video")
    OTHER = "other", _("Somewhere else")


class ScreeningStatus(models.TextChoices):
    # An indicator was noticed and the clock runs; nobody has started the questions yet.
    PLANNED = "planned", _("Waiting to start")
    IN_PROGRESS = "in_progress", _("Started, not finished")
    COMPLETED = "completed", _("Finished")


class ConcernLevel(models.TextChoices):
    """The bundled instruments' levels. An imported instrument may name its own; the
    screening stores the code and the label the instrument gave it."""

    NONE = "none", _("No concern found")
    POSSIBLE = "possible", _("Possible concern")
    CLEAR = "clear", _("Clear concern")


class ImmediateNeed(models.TextChoices):
    FOOD = "food", _("Food")
    CLOTHING = "clothing", _("Clothing or shoes")
    SHELTER = "shelter", _("A safe place to stay tonight")
    MEDICAL = "medical", _("Medical care")
    OTHER = "other", _("Something else")


class Screening(Versioned):
    """One screening of one person with one instrument version."""

    # A UUID, known before the row is saved: the sealed answers are bound to the row id.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # CASCADE: a screening is about the person; it goes when the retention purge destroys
    # them (continuum.retention), and nothing else ever deletes a survivor or a case.
    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="screenings")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    screener = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    screener_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # The monthly report names the screener's title as it was on the day.
    screener_title = models.CharField(max_length=120, blank=True)
    setting = models.CharField(_("where"), max_length=20, choices=Setting.choices)
    status = models.CharField(
        max_length=12, choices=ScreeningStatus.choices, default=ScreeningStatus.PLANNED
    )
    # The 24-hour clock runs from the first indicator, or — when the young person's
    # whereabouts were unknown — from the debriefing after they were found (65C-43.001).
    first_indicator_at = models.DateTimeField(_("first indicator noticed"))
    recovered_at = models.DateTimeField(_("debriefing after recovery"), null=True, blank=True)
    start_within_hours = models.PositiveSmallIntegerField(default=24)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # {"linkId": {"value": ...} | {"declined": true}}, as JSON, sealed.
    answers = EncryptedTextField(default="{}")
    score = models.PositiveIntegerField(null=True, blank=True)
    max_score = models.PositiveIntegerField(null=True, blank=True)
    level = models.CharField(max_length=40, blank=True)
    level_label = models.CharField(max_length=120, blank=True)
    # Whether the result raised concern (any level above the instrument's lowest).
    concern = models.BooleanField(null=True, blank=True)
    # Immediate safety: None means "not answered yet".
    in_immediate_danger = models.BooleanField(null=True, blank=True)
    age_years = models.PositiveSmallIntegerField(null=True, blank=True)
    age_is_estimate = models.BooleanField(default=False)
    in_state = models.BooleanField(null=True, blank=True)
    suspected_abuse = models.BooleanField(null=True, blank=True)
    immediate_needs = models.JSONField(default=list, blank=True)
    other_need = EncryptedTextField(plain_max_length=300, blank=True)
    # A report to the abuse hotline starts the MDT clock.
    report_made_at = models.DateTimeField(_("abuse report made"), null=True, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="screenings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-first_indicator_at", "pk"]
        indexes = [
            models.Index(fields=["screener_agency", "status"]),
            models.Index(fields=["completed_at"]),
        ]

    def __str__(self) -> str:
        return f"screening {self.pk}"  # never the person

    @property
    def clock_starts_at(self) -> datetime:
        return self.recovered_at or self.first_indicator_at

    @property
    def start_due_at(self) -> datetime:
        # Elapsed hours, not wall-clock: 24 hours across a daylight-saving change is still
        # 24 hours (continuum.screening.clock).
        return self.clock_starts_at.astimezone(UTC) + timedelta(hours=self.start_within_hours)


class SafetyLine(models.Model):
    """A number to call (or text): data, so each community sets its own."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone number"), max_length=40)
    text_number = models.CharField(_("text number"), max_length=40, blank=True)
    tty = models.CharField(_("TTY"), max_length=40, blank=True)
    when_to_use = models.CharField(_("when to use it"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Match(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not known")
    ANY = "any", _("Any")


class AgeGroup(models.TextChoices):
    CHILD = "child", _("Under 18")
    ADULT = "adult", _("18 or older")
    UNKNOWN = "unknown", _("Age not known")
    ANY = "any", _("Any")


class SafetyRule(models.Model):
    """One row of the immediate-safety decision table: when the facts match, call the line."""

    position = models.PositiveSmallIntegerField(default=0)
    danger = models.CharField(max_length=8, choices=Match.choices, default=Match.ANY)
    age_group = models.CharField(max_length=8, choices=AgeGroup.choices, default=AgeGroup.ANY)
    in_state = models.CharField(max_length=8, choices=Match.choices, default=Match.ANY)
    suspected_abuse = models.CharField(max_length=8, choices=Match.choices, default=Match.ANY)
    line = models.ForeignKey(SafetyLine, on_delete=models.PROTECT, related_name="rules")
    reason = models.CharField(_("why"), max_length=300)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.line}: {self.reason}"


class SafetyAction(models.Model):
    """A call or text made (or an immediate step taken) during a screening, and when."""

    class Kind(models.TextChoices):
        CALLED = "called", _("Called")
        TEXTED = "texted", _("Texted")
        REPORT_ACCEPTED = "report_accepted", _("Report accepted by the hotline")

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="actions")
    # The line as it was on the day (numbers change; the record must not).
    line_code = models.CharField(max_length=40)
    line_name = models.CharField(max_length=120)
    number = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    taken_at = models.DateTimeField()
    by_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.line_name}"
