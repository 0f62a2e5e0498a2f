"""Data categories: every piece of survivor data belongs to one, and each role may see some.

What a person sees of a survivor is the role's categories, and — for an agency other than
the one leading care — only those a release of information (or a legal basis) covers now.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import Role


class DataCategory(StrEnum):
    IDENTITY = "identity"
    CONTACT = "contact"
    SCREENING = "screening"
    NEEDS = "needs"
    CARE_PLAN = "care_plan"
    HEALTH = "health"
    MENTAL_HEALTH = "mental_health"
    SUBSTANCE_USE = "substance_use"
    LEGAL = "legal"
    EDUCATION = "education"
    PLACEMENT = "placement"
    NOTES = "notes"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    DataCategory.IDENTITY: _("Identity (names, date of birth, language)"),
    DataCategory.CONTACT: _("Contact and location (safe phone, safe times, code word)"),
    DataCategory.SCREENING: _("Screening"),
    DataCategory.NEEDS: _("Needs assessment"),
    DataCategory.CARE_PLAN: _("Care plan and appointments"),
    DataCategory.HEALTH: _("Health"),
    DataCategory.MENTAL_HEALTH: _("Mental health"),
    DataCategory.SUBSTANCE_USE: _("Substance use treatment (42 CFR Part 2)"),
    DataCategory.LEGAL: _("Legal and court"),
    DataCategory.EDUCATION: _("Education (FERPA)"),
    DataCategory.PLACEMENT: _("Placement"),
    DataCategory.NOTES: _("Notes"),
}
CATEGORY_CHOICES = [(c.value, CATEGORY_LABELS[c]) for c in DataCategory]

ALL = frozenset(DataCategory)
_C = DataCategory
# The most each role may ever see (minimum necessary). A mentor sees the plan and court
# dates, never clinical notes; an analyst sees no survivor data at all.
ROLE_CATEGORIES: dict[Role, frozenset[DataCategory]] = {
    Role.CASE_MANAGER: ALL,
    Role.SUPERVISOR: ALL,
    Role.MDT_COORDINATOR: ALL,
    Role.CLINICIAN: frozenset(ALL - {_C.EDUCATION, _C.LEGAL, _C.PLACEMENT}),
    Role.SURVIVOR_MENTOR: frozenset({_C.IDENTITY, _C.CONTACT, _C.CARE_PLAN, _C.LEGAL}),
    Role.SCREENER: frozenset({_C.IDENTITY, _C.CONTACT, _C.SCREENING}),
    Role.AGENCY_ADMIN: frozenset(),
    Role.NETWORK_ADMIN: frozenset(),
    Role.TRAINER: frozenset(),
    Role.ANALYST: frozenset(),
}

# Which category each survivor field belongs to.
SURVIVOR_FIELDS: dict[str, DataCategory] = {
    "legal_given_name": _C.IDENTITY,
    "legal_family_name": _C.IDENTITY,
    "preferred_name": _C.IDENTITY,
    "pronouns": _C.IDENTITY,
    "date_of_birth": _C.IDENTITY,
    "estimated_age": _C.IDENTITY,
    "age_estimated_on": _C.IDENTITY,
    "primary_language": _C.IDENTITY,
    "other_language": _C.IDENTITY,
    "interpreter_needed": _C.IDENTITY,
    # How to work with them is for everyone who works with them, as widely as their name.
    "preferences": _C.IDENTITY,
    "safe_phone": _C.CONTACT,
    "safe_to_call": _C.CONTACT,
    "safe_to_text": _C.CONTACT,
    "safe_to_leave_message": _C.CONTACT,
    "safe_times": _C.CONTACT,
    "code_word": _C.CONTACT,
    # What matters most to them now is where their plan starts: seen with the care plan (by
    # a survivor-mentor, say), not by a screener.
    "priorities": _C.CARE_PLAN,
}


def parse_categories(values: object) -> frozenset[DataCategory]:
    if not isinstance(values, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(DataCategory(v) for v in values if v in DataCategory._value2member_map_)
