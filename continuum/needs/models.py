"""The needs assessment: the domains of need, each domain's state on a case, its history,
and the sessions in which the survivor and the case manager worked through it.

The sixteen domains of the guidelines are the default set (migration 0003); a community may
add its own ("documents and ID", "safety planning"). Each domain belongs to a data category
(access.categories): most are "needs", but medical care is health data, substance use
treatment is 42 CFR Part 2 data, and so on, so that a partner agency sees a domain only when
a release covers its category.

A case holds at most one Need per domain: the domain's state now. Every change to it is an
append-only NeedEntry (who, when, in which session, what it said), so the history is kept
and the survivor's words are never overwritten. A need remembers where it was first found (a
screening, the assessment, another agency), so nobody asks the survivor again.
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

# The categories a domain may belong to: "needs", or one of the categories that protect a
# kind of data more strictly. Identity, contact, screening and notes are never a domain's.
DOMAIN_CATEGORIES = (
    DataCategory.NEEDS,
    DataCategory.HEALTH,
    DataCategory.MENTAL_HEALTH,
    DataCategory.SUBSTANCE_USE,
    DataCategory.LEGAL,
    DataCategory.EDUCATION,
    DataCategory.PLACEMENT,
)
DOMAIN_CATEGORY_CHOICES = [(c.value, c.label) for c in DOMAIN_CATEGORIES]


class NeedDomain(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    category = models.CharField(
        _("kind of data"),
        max_length=20,
        choices=DOMAIN_CATEGORY_CHOICES,
        default="needs",
        help_text=_(
            "Who may see what is written about this domain: a partner agency sees it only "
            "when a release covers this kind of data."
        ),
    )
    # Shown beside the domain's questions: why we ask, in words the survivor can hear.
    why_we_ask = models.CharField(_("why we ask"), max_length=400, blank=True)
    # Questions some survivors find hard: the form offers "come back to this later" first.
    sensitive = models.BooleanField(_("a sensitive subject"), default=False)

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


# The statuses a need may move to from each status (staying put is always allowed: a domain
# revisited with nothing new keeps its status and gains an entry). Once discussed, a domain is
# never "not yet discussed" again; a need cannot be met before it was found.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    NeedStatus.NOT_DISCUSSED: frozenset(
        {NeedStatus.NO_NEED, NeedStatus.IDENTIFIED, NeedStatus.BEING_ADDRESSED, NeedStatus.DECLINED}
    ),
    NeedStatus.NO_NEED: frozenset({NeedStatus.IDENTIFIED, NeedStatus.DECLINED}),
    NeedStatus.IDENTIFIED: frozenset(
        {NeedStatus.NO_NEED, NeedStatus.BEING_ADDRESSED, NeedStatus.MET, NeedStatus.DECLINED}
    ),
    NeedStatus.BEING_ADDRESSED: frozenset(
        {NeedStatus.IDENTIFIED, NeedStatus.MET, NeedStatus.DECLINED}
    ),
    NeedStatus.MET: frozenset({NeedStatus.IDENTIFIED, NeedStatus.BEING_ADDRESSED}),
    NeedStatus.DECLINED: frozenset(
        {NeedStatus.NO_NEED, NeedStatus.IDENTIFIED, NeedStatus.BEING_ADDRESSED}
    ),
}
# A need still waiting for help.
UNMET_STATUSES = frozenset({NeedStatus.IDENTIFIED, NeedStatus.BEING_ADDRESSED})
# Statuses that say there is a need, and so how urgent it is.
NEED_STATUSES = frozenset({NeedStatus.IDENTIFIED, NeedStatus.BEING_ADDRESSED})


class NeedSource(models.TextChoices):
    SCREENING = "screening", _("Found at screening")
    ASSESSMENT = "assessment", _("Needs assessment")
    OTHER_AGENCY = "other_agency", _("Another agency's assessment")
    REFERRAL = "referral", _("A referral closed with help given")


class AssessmentMethod(models.TextChoices):
    INTERVIEW = "interview", _("Talking with the survivor")
    RECORD_REVIEW = "record_review", _("Reading the records")
    OTHER_AGENCY = "other_agency", _("Another agency's assessment")
    SCREENING = "screening", _("At screening")


class Need(Versioned):
    """One domain's state on a case now. Its history is its entries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs")
    domain = models.ForeignKey(NeedDomain, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=NeedStatus.choices, default=NeedStatus.IDENTIFIED
    )
    urgency = models.CharField(
        max_length=12, choices=Urgency.choices, default=Urgency.IMMEDIATE, blank=True
    )
    # Everything a person says or observes about a survivor is sealed.
    description = EncryptedTextField(_("what is needed"), plain_max_length=300, blank=True)
    # Nullable only so the columns could be added to a table that had rows (a sealed default
    # cannot be written for rows whose id the database does not know yet); every row since
    # migration 0005 holds a sealed value, blank or not.
    survivor_words = EncryptedTextField(
        _("in the survivor's own words"), plain_max_length=2000, blank=True, null=True, default=None
    )
    observations = EncryptedTextField(
        _("your observations"), plain_max_length=2000, blank=True, null=True, default=None
    )
    method = models.CharField(
        _("how it was assessed"), max_length=20, choices=AssessmentMethod.choices, blank=True
    )
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    # "Come back to this later": the survivor (or the worker) chose not to talk about it yet.
    deferred = models.BooleanField(_("come back to this later"), default=False)
    source = models.CharField(max_length=20, choices=NeedSource.choices)
    # Set when the need came from a screening (screening.Screening; a string reference, as
    # screening depends on needs' domains and not the other way round).
    source_screening = models.ForeignKey(
        "screening.Screening", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # When the need was first found, and when it was last met (for "time to met").
    identified_at = models.DateTimeField(default=timezone.now)
    identified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    identified_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    met_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True)
    updated_by_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["domain__position", "identified_at"]
        indexes = [models.Index(fields=["case", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["case", "domain"], name="need_one_per_domain")
        ]

    def __str__(self) -> str:
        return f"{self.domain} need"  # never the words


class AssessmentPlace(models.TextChoices):
    # Kinds of place only: where a survivor is, is the most dangerous fact in the record.
    OFFICE = "office", _("At our office")
    WHERE_THEY_LIVE = "where_they_live", _("Where they live now")
    SCHOOL = "school", _("At school")
    CLINIC = "clinic", _("At a clinic or hospital")
    COURT = "court", _("At court")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video call")
    ELSEWHERE = "elsewhere", _("Somewhere else")


class Participant(models.TextChoices):
    SURVIVOR = "survivor", _("The survivor")
    MENTOR = "mentor", _("Their survivor-mentor")
    GUARDIAN = "guardian", _("A parent or guardian")
    INTERPRETER = "interpreter", _("An interpreter")
    OTHER_STAFF = "other_staff", _("Staff of another agency")


class SafetyCheck(models.TextChoices):
    SAFE_NOW = "safe_now", _("Asked: they are safe right now")
    NOT_SAFE = "not_safe", _("Asked: they are not safe, and safety steps were taken")
    AT_SCREENING = "at_screening", _("Checked at their screening")
    NOT_THIS_TIME = "not_this_time", _("Not checked in this session")


# The checks that count as "immediate safety first" for the session that starts the
# assessment (the screening's counts only while it is recent: continuum.needs.actions).
SAFETY_RECORDED = frozenset({SafetyCheck.SAFE_NOW, SafetyCheck.NOT_SAFE})


class AssessmentSession(Versioned):
    """One sitting of the needs assessment with the survivor. The first one starts the
    assessment and must begin with immediate safety."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessment_sessions")
    number = models.PositiveSmallIntegerField()
    held_at = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=20, choices=AssessmentPlace.choices)
    participants = models.JSONField(_("who took part"), default=list)
    interpreter_language = models.CharField(_("interpreter's language"), max_length=60, blank=True)
    safety_check = models.CharField(
        _("immediate safety"), max_length=20, choices=SafetyCheck.choices
    )
    safety_steps = EncryptedTextField(_("safety steps taken"), plain_max_length=1000, blank=True)
    summary = EncryptedTextField(_("what you covered"), plain_max_length=4000, blank=True)
    conducted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    conducted_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="session_number_once")
        ]

    def __str__(self) -> str:
        return f"assessment session {self.number}"

    @property
    def is_open(self) -> bool:
        return self.finished_at is None


class NeedEntry(models.Model):
    """One recorded look at a domain: what it said then. Never changed; the newest is the
    need's state, and the entries together are its history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="entries")
    # The need's version this entry made (1 for the first); a conflict compares against it.
    version = models.PositiveIntegerField()
    session = models.ForeignKey(
        AssessmentSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
    )
    status = models.CharField(max_length=20, choices=NeedStatus.choices)
    previous_status = models.CharField(max_length=20, choices=NeedStatus.choices, blank=True)
    urgency = models.CharField(max_length=12, choices=Urgency.choices, blank=True)
    description = EncryptedTextField(plain_max_length=300, blank=True)
    survivor_words = EncryptedTextField(plain_max_length=2000, blank=True)
    observations = EncryptedTextField(plain_max_length=2000, blank=True)
    method = models.CharField(max_length=20, choices=AssessmentMethod.choices, blank=True)
    assessed_on = models.DateField(null=True, blank=True)
    deferred = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=NeedSource.choices)
    source_screening = models.ForeignKey(
        "screening.Screening", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["need", "version"]
        constraints = [
            models.UniqueConstraint(fields=["need", "version"], name="need_entry_version_once")
        ]

    def __str__(self) -> str:
        return f"entry {self.version} of {self.need_id}"
