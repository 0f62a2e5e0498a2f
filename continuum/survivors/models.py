"""The person: identity, the names they go by, and how it is safe to reach them.

Names, other names, the date of birth, the safe-contact details, and what they want the
people helping them to know and what matters most to them, are sealed at rest
(continuum.core.encrypted). Names and the date of birth are found by blind-index tokens
(SurvivorNameToken and date_of_birth_token), never by their text; the rest is not searched.
Every read and write goes through `access` and `audit`.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from continuum.access.part2 import PART2_CATEGORY
from continuum.accounts.models import Agency, User
from continuum.core.encrypted import (
    EncryptedBinaryField,
    EncryptedDateField,
    EncryptedTextField,
)
from continuum.core.models import Versioned


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    HAITIAN_CREOLE = "ht", _("Haitian Creole")
    PORTUGUESE = "pt", _("Portuguese")
    FRENCH = "fr", _("French")
    VIETNAMESE = "vi", _("Vietnamese")
    CHINESE = "zh", _("Chinese")
    ARABIC = "ar", _("Arabic")
    RUSSIAN = "ru", _("Russian")
    ASL = "ase", _("American Sign Language")
    OTHER = "other", _("Another language")


class Survivor(Versioned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    legal_given_name = EncryptedTextField(_("legal first name"), plain_max_length=100, blank=True)
    legal_family_name = EncryptedTextField(_("legal last name"), plain_max_length=100, blank=True)
    preferred_name = EncryptedTextField(_("name they use"), plain_max_length=100, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), blank=True)
    # The blind index of the date of birth, for exact search and duplicate checks.
    date_of_birth_token = models.CharField(max_length=32, blank=True, db_index=True)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    # The estimate was true on this day; the age shown grows from it.
    age_estimated_on = models.DateField(null=True, blank=True)
    primary_language = models.CharField(
        _("primary language"), max_length=10, choices=Language.choices, default=Language.ENGLISH
    )
    other_language = models.CharField(_("language, if another"), max_length=60, blank=True)
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)
    # Safe contact: None means "not asked yet", which is different from "no".
    safe_phone = EncryptedTextField(_("safe phone number"), plain_max_length=30, blank=True)
    safe_to_call = models.BooleanField(_("safe to call"), null=True, blank=True)
    safe_to_text = models.BooleanField(_("safe to text"), null=True, blank=True)
    safe_to_leave_message = models.BooleanField(_("safe to leave a message"), null=True, blank=True)
    safe_times = EncryptedTextField(_("safe times to reach them"), plain_max_length=200, blank=True)
    code_word = EncryptedTextField(_("code word"), plain_max_length=60, blank=True)
    # In their words: what they want the people helping them to know, and what matters most
    # to them now. Sealed: "please don't close the door" says what happened to them. Null on
    # rows that existed before (a migration cannot seal without the row id): read as "".
    preferences = EncryptedTextField(
        _("what they want the people helping them to know"),
        plain_max_length=1000,
        null=True,
        blank=True,
        default=None,
    )
    priorities = EncryptedTextField(
        _("what matters most to them right now"),
        plain_max_length=1000,
        null=True,
        blank=True,
        default=None,
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # Until a case is opened, the agency the record was handed to (by the screener who made
    # it) sees it too, so that it can open the case without anyone retelling the story.
    handed_to_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Sealed names cannot be sorted by the database; lists sort by recency.
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Lead with the name the person uses (trauma-informed), then the legal name."""
        if "identity" in getattr(self, "withheld", ()):
            return str(_("Name not shared with your agency"))
        return self.preferred_name or self.legal_name or str(_("Name not recorded"))

    @property
    def legal_name(self) -> str:
        return " ".join(p for p in (self.legal_given_name, self.legal_family_name) if p)

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth:
            born = self.date_of_birth
            return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        if self.estimated_age is not None and self.age_estimated_on:
            return self.estimated_age + (day - self.age_estimated_on).days // 365
        return None


class AliasKind(models.TextChoices):
    NICKNAME = "nickname", _("Nickname")
    STREET_NAME = "street_name", _("Name used while exploited")
    PREVIOUS_NAME = "previous_name", _("Previous legal name")
    OTHER = "other", _("Other")


class SurvivorAlias(models.Model):
    # A UUID, known before the row is saved: the sealed name is bound to its row id.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="aliases")
    name = EncryptedTextField(_("name"), plain_max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=AliasKind.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return str(self.name)


class SurvivorNameToken(models.Model):
    """One blind-index token per word of any of the survivor's names and other names."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="name_tokens")
    token = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survivor", "token"], name="name_token_once")
        ]

    def __str__(self) -> str:
        return self.token


class GuardianRelationship(models.TextChoices):
    PARENT = "parent", _("Non-offending parent")
    GUARDIAN = "guardian", _("Legal guardian")
    CUSTODIAN = "custodian", _("Legal custodian (child-welfare agency)")


class ReleaseEndEvent(models.TextChoices):
    NONE = "", _("No event: the end date only")
    CASE_CLOSED = "case_closed", _("When the case closes")


class SuspectedExploiter(models.Model):
    """Someone the team believes exploited, or may exploit, this survivor. Such a person never
    signs a release for them (record_release refuses the name), and the list warns everyone
    who may see it. Names are sealed like the survivor's own."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survivor = models.ForeignKey(
        Survivor, on_delete=models.CASCADE, related_name="suspected_exploiters"
    )
    name = EncryptedTextField(_("their name"), plain_max_length=120)
    relationship = models.CharField(_("who they are to them"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return "suspected exploiter"


class Release(models.Model):
    """A release of information: what one agency may disclose to another, for what purpose,
    from when until when, as the survivor (and for a minor, a guardian) signed it.

    Checked at every read: revoking or expiry takes effect on the next request, for every
    session, with no job to run.
    """

    # A UUID, known before the row is saved: the sealed guardian name is bound to it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="releases")
    disclosing_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(_("what may be shared"), default=list)
    purpose = models.CharField(_("purpose"), max_length=300)
    starts_on = models.DateField(_("from"))
    expires_on = models.DateField(_("until"), null=True, blank=True)
    ends_on_event = models.CharField(
        _("or until"), max_length=20, choices=ReleaseEndEvent.choices, blank=True
    )
    survivor_signed_on = models.DateField(_("survivor signed on"))
    guardian_name = EncryptedTextField(_("guardian or custodian"), plain_max_length=120, blank=True)
    guardian_relationship = models.CharField(
        _("their relationship"), max_length=20, choices=GuardianRelationship.choices, blank=True
    )
    guardian_signed_on = models.DateField(_("guardian signed on"), null=True, blank=True)
    given_verbally = models.BooleanField(_("given verbally, to confirm in writing"), default=False)
    # The day the signed form was uploaded (SignedForm), for a release given verbally first.
    confirmed_in_writing_on = models.DateField(null=True, blank=True)
    # The elements a 42 CFR Part 2 consent needs beyond an ordinary release (2.31), kept only
    # on releases that cover substance use (None on the others). Sealed: naming a treatment
    # program, or what is shared from it, says that the person is in treatment.
    part2_discloser_name = EncryptedTextField(
        _("program or person permitted to disclose"),
        plain_max_length=200,
        null=True,
        blank=True,
        default=None,
    )
    part2_information = EncryptedTextField(
        _("how much and what kind of information"),
        plain_max_length=500,
        null=True,
        blank=True,
        default=None,
    )
    part2_revocation_explained = models.BooleanField(
        _("told they may take it back at any time"), default=False
    )
    part2_no_conditioning_explained = models.BooleanField(
        _("told treatment does not depend on signing"), default=False
    )
    part2_redisclosure_explained = models.BooleanField(
        _("told about re-disclosure by the recipient"), default=False
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["survivor", "recipient_agency"])]

    def __str__(self) -> str:
        return f"release to {self.recipient_agency_id}"

    @property
    def is_part2(self) -> bool:
        """A consent under 42 CFR Part 2: the release covers substance use treatment."""
        return PART2_CATEGORY in self.categories


class SignedFormType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


SIGNED_FORM_EXTENSIONS = {
    SignedFormType.PDF: "pdf",
    SignedFormType.JPEG: "jpg",
    SignedFormType.PNG: "png",
}


class SignedForm(models.Model):
    """The signed release, scanned or photographed: what confirms in writing a release given
    verbally. Only the cleaned file is kept (metadata stripped, see survivors.documents),
    sealed like the survivor's name, so key rotation and the retention purge cover it. The
    uploaded file's name is never kept: it may carry the survivor's name.
    """

    release = models.OneToOneField(
        Release, on_delete=models.CASCADE, primary_key=True, related_name="signed_form"
    )
    content = EncryptedBinaryField()
    media_type = models.CharField(max_length=40, choices=SignedFormType.choices)
    size = models.PositiveIntegerField()
    # Of the stored (cleaned) bytes: shows that the file handed out is the one kept.
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return "signed release form"

    @property
    def download_name(self) -> str:
        """A name that says what the file is and nothing about whose it is."""
        extension = SIGNED_FORM_EXTENSIONS[SignedFormType(self.media_type)]
        return f"signed-release-{self.release.survivor_signed_on:%Y-%m-%d}.{extension}"


class LegalBasisKind(models.TextChoices):
    MANDATORY_REPORT = "mandatory_report", _("Mandatory child-abuse report")
    COURT_ORDER = "court_order", _("Court order")
    OTHER_LAW = "other_law", _("Another legal requirement")


class LegalBasis(models.Model):
    """Sharing the law requires without a release: a mandatory child-abuse report, a court
    order. Limited to the categories it covers, checked at every read like a release; the
    survivor is told about it when that is safe (`survivor_informed_on`), or the reason it
    is not safe yet is written down.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="legal_bases")
    disclosing_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what the law requires"), max_length=20, choices=LegalBasisKind)
    # The hotline intake number or the court case number: never survivor data.
    reference = models.CharField(_("reference"), max_length=120)
    categories = models.JSONField(_("what it covers"), default=list)
    starts_on = models.DateField(_("from"))
    expires_on = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    survivor_informed_on = models.DateField(_("survivor told on"), null=True, blank=True)
    inform_not_safe_reason = models.TextField(_("not safe to tell them yet because"), blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["survivor", "recipient_agency"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_agency_id}"
