"""Agencies, the people who work in them, and the role each person holds in each agency."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyType(models.TextChoices):
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    LEAD_AGENCY = "cbc_lead", _("Community-based care lead agency")
    ADVOCACY_CENTER = "cac", _("Child advocacy center")
    PROTECTIVE_INVESTIGATIONS = "protective_investigations", _("Protective investigations")
    GUARDIAN_AD_LITEM = "guardian_ad_litem", _("Guardian ad litem")
    JUVENILE_JUSTICE = "juvenile_justice", _("Juvenile justice")
    SCHOOL_DISTRICT = "school_district", _("School district")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    HEALTH = "health", _("Health")
    LEGAL_AID = "legal_aid", _("Legal aid")
    MENTOR_ORGANIZATION = "mentor_org", _("Survivor-mentor organization")
    COALITION = "coalition", _("Coalition")


class Role(models.TextChoices):
    SCREENER = "screener", _("Screener")
    CASE_MANAGER = "case_manager", _("Case manager")
    CLINICIAN = "clinician", _("Clinician")
    SURVIVOR_MENTOR = "survivor_mentor", _("Survivor-mentor")
    MDT_COORDINATOR = "mdt_coordinator", _("MDT coordinator")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_ADMIN = "agency_admin", _("Agency admin")
    NETWORK_ADMIN = "network_admin", _("Network admin")
    TRAINER = "trainer", _("Trainer")
    ANALYST = "analyst", _("Analyst")


TIME_ZONES = [
    ("America/New_York", _("Eastern time")),
    ("America/Chicago", _("Central time")),
    ("America/Denver", _("Mountain time")),
    ("America/Phoenix", _("Arizona time")),
    ("America/Los_Angeles", _("Pacific time")),
    ("America/Anchorage", _("Alaska time")),
    ("Pacific/Honolulu", _("Hawaii time")),
    ("America/Puerto_Rico", _("Atlantic time")),
]


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    agency_type = models.CharField(_("type"), max_length=40, choices=AgencyType.choices)
    county = models.CharField(_("county"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Florida spans two time zones: deadlines are shown, and times typed, in the agency's.
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=TIME_ZONES, default="America/New_York"
    )
    # The community protocol's default lead for a case opened from a screening with concern
    # (until the protocols issue makes the protocol itself configuration).
    leads_screened_cases = models.BooleanField(
        _("leads cases opened from screenings"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships, not from here."""

    # Raised by "sign out everywhere": every session made before it stops being valid,
    # because Django checks the session's auth hash against get_session_auth_hash().
    session_generation = models.PositiveIntegerField(default=0)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    # Set for a password someone else chose (a new account, a reset): the person must choose
    # their own before doing anything else.
    must_change_password = models.BooleanField(default=False)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_session_auth_hash(self) -> str:
        base = super().get_session_auth_hash()
        return hmac.new(
            settings.SECRET_KEY.encode(),
            f"{base}:{self.session_generation}".encode(),
            hashlib.sha256,
        ).hexdigest()


class Membership(models.Model):
    """One role a user holds in one agency. A user acts for one membership at a time."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    # Until the training issue keeps training records, this is the record that the person
    # completed approved screening training (65C-43.001), who certified it, and until when.
    screening_certified_on = models.DateField(_("trained to screen on"), null=True, blank=True)
    screening_certified_until = models.DateField(_("training current until"), null=True, blank=True)
    screening_certified_by = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role_in_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.agency.label}"
