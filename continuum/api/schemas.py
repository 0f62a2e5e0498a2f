"""What the API accepts and returns.

Input is checked here, at the edge, before any action runs: text is NFC-normalised and
stripped (continuum.core.text.clean_text), lengths are the model fields' own max_length,
choices are taken by value, and unknown fields are refused so that a misspelt field name is
an error rather than a silent no-op. Output never carries search_key or anything not asked
for.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.db import models
from django.utils import timezone
from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from continuum.cases.models import (
    CareTeamMember,
    CareTeamRole,
    Case,
    CaseStatus,
    ClosureReason,
    EventKind,
)
from continuum.cases.queries import mdt_due_on
from continuum.core.text import clean_text
from continuum.survivors.models import AliasKind, Language, Release, Survivor, SurvivorAlias

EARLIEST_DATE = date(1900, 1, 1)
MAX_ESTIMATED_AGE = 30
MAX_ALIASES = 20


# --- building blocks ------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    # null means "nothing recorded", which the models store as "".
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    return value  # not a string: left for pydantic to refuse


def _max_length(model: type[models.Model], field: str) -> int:
    model_field = model._meta.get_field(field)
    max_length = getattr(model_field, "plain_max_length", None) or getattr(
        model_field, "max_length", None
    )
    assert max_length is not None, f"{model.__name__}.{field} has no max_length"
    return max_length


def limit(model: type[models.Model], field: str, **constraints: Any) -> StringConstraints:
    """No longer than the model field allows (checked after cleaning)."""
    return StringConstraints(max_length=_max_length(model, field), **constraints)


Clean = BeforeValidator(_clean)


def _date_only(value: Any) -> Any:
    # pydantic would take a number as seconds since 1970; a date must be written as one.
    if value is None or isinstance(value, (str, date)):
        return value
    raise ValueError("Enter a date as YYYY-MM-DD.")


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > timezone.localdate():
        raise ValueError("The date cannot be in the future.")
    return value


def _not_before_1900(value: date | None) -> date | None:
    if value is not None and value < EARLIEST_DATE:
        raise ValueError("The date cannot be before 1900.")
    return value


PastOrTodayDate = Annotated[
    date,
    BeforeValidator(_date_only),
    AfterValidator(_not_in_future),
    AfterValidator(_not_before_1900),
]
# A date that may be in the future (a task's due date), still written as YYYY-MM-DD.
Day = Annotated[date, BeforeValidator(_date_only)]
Version = Annotated[StrictInt, Field(ge=1, description="The version you last read.")]
Id = Annotated[StrictInt, Field(ge=1)]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# --- survivors ------------------------------------------------------------------------------


AliasName = Annotated[str, limit(SurvivorAlias, "name", min_length=1), Clean]
LegalGivenName = Annotated[str, limit(Survivor, "legal_given_name"), Clean]
LegalFamilyName = Annotated[str, limit(Survivor, "legal_family_name"), Clean]
PreferredName = Annotated[str, limit(Survivor, "preferred_name"), Clean]
Pronouns = Annotated[str, limit(Survivor, "pronouns"), Clean]
OtherLanguage = Annotated[str, limit(Survivor, "other_language"), Clean]
SafePhone = Annotated[str, limit(Survivor, "safe_phone", pattern=r"^[0-9+().\- ]*$"), Clean]
SafeTimes = Annotated[str, limit(Survivor, "safe_times"), Clean]
CodeWord = Annotated[str, limit(Survivor, "code_word"), Clean]
Preferences = Annotated[str, limit(Survivor, "preferences"), Clean]
Priorities = Annotated[str, limit(Survivor, "priorities"), Clean]
EstimatedAge = Annotated[StrictInt, Field(ge=0, le=MAX_ESTIMATED_AGE)]


class AliasIn(InputSchema):
    name: AliasName
    kind: AliasKind = AliasKind.OTHER


class SurvivorFields(InputSchema):
    """Identity and safe-contact details; every field may be left out."""

    legal_given_name: LegalGivenName = ""
    legal_family_name: LegalFamilyName = ""
    preferred_name: PreferredName = ""
    pronouns: Pronouns = ""
    date_of_birth: PastOrTodayDate | None = None
    estimated_age: EstimatedAge | None = None
    primary_language: Language = Language.ENGLISH
    other_language: OtherLanguage = ""
    interpreter_needed: StrictBool = False
    safe_phone: SafePhone = ""
    safe_to_call: StrictBool | None = None
    safe_to_text: StrictBool | None = None
    safe_to_leave_message: StrictBool | None = None
    safe_times: SafeTimes = ""
    code_word: CodeWord = ""
    # In their words: what they want the people helping them to know (identity).
    preferences: Preferences = ""
    # In their words: what matters most to them now (care plan; not for a screener).
    priorities: Priorities = ""
    aliases: Annotated[list[AliasIn], Field(max_length=MAX_ALIASES)] = []

    @model_validator(mode="after")
    def _aliases_unique(self) -> SurvivorFields:
        names = [alias.name for alias in self.aliases]
        if len(names) != len(set(names)):
            raise ValueError("Each other name may be listed once.")
        return self


class SurvivorCreate(SurvivorFields):
    @model_validator(mode="after")
    def _something_to_find_them_by(self) -> SurvivorCreate:
        if not (
            self.preferred_name
            or self.legal_given_name
            or self.legal_family_name
            or self.aliases
            or self.date_of_birth
            or self.estimated_age is not None
        ):
            raise ValueError(
                "Give at least a name, another name they go by, a date of birth or an "
                "estimated age."
            )
        return self


class SurvivorPatch(SurvivorFields):
    """Only the fields sent are changed; `version` is the one you last read."""

    version: Version


class AliasOut(Schema):
    name: str
    kind: AliasKind


class SurvivorSearch(InputSchema):
    # A search term is a name or part of one: no longer than a name field.
    q: Annotated[str, limit(Survivor, "preferred_name"), Clean] = ""
    born_on: PastOrTodayDate | None = None


class SurvivorOut(Schema):
    id: UUID
    display_name: str
    legal_given_name: str
    legal_family_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: date | None
    estimated_age: int | None
    age_estimated_on: date | None
    age: int | None
    primary_language: Language | None
    other_language: str
    interpreter_needed: bool
    safe_phone: str
    safe_to_call: bool | None
    safe_to_text: bool | None
    safe_to_leave_message: bool | None
    safe_times: str
    code_word: str
    preferences: str
    priorities: str
    aliases: list[AliasOut]
    # Categories of this record your agency may not see now: their fields are empty.
    withheld: list[str]
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_primary_language(obj: Survivor) -> str | None:
        return obj.primary_language or None  # empty when identity is withheld

    @staticmethod
    def resolve_preferences(obj: Survivor) -> str:
        return obj.preferences or ""  # None: not recorded, or withheld

    @staticmethod
    def resolve_priorities(obj: Survivor) -> str:
        return obj.priorities or ""

    @staticmethod
    def resolve_withheld(obj: Survivor) -> list[str]:
        return sorted(getattr(obj, "withheld", ()))

    @staticmethod
    def resolve_aliases(obj: Survivor) -> list[SurvivorAlias]:
        return list(obj.aliases.all())

    @staticmethod
    def resolve_age(obj: Survivor) -> int | None:
        return obj.age_on(timezone.localdate())


class SurvivorCreatedOut(SurvivorOut):
    # Ids of people you can already see who may be this person (same date of birth and a
    # name, or two names, in common).
    possible_duplicates: list[UUID]
    # Another agency may have recorded this person too. Never who or where.
    possible_match_elsewhere: bool


class CaseRef(Schema):
    id: UUID
    reference: str
    status: CaseStatus
    lead_agency_id: int
    lead_agency_name: str

    @staticmethod
    def resolve_lead_agency_name(obj: Case) -> str:
        return obj.lead_agency.name


class SurvivorMatch(Schema):
    """One search result: enough to tell people apart, not the whole record (opening the
    record is a separate, audited read)."""

    id: UUID
    display_name: str
    legal_name: str
    date_of_birth: date | None
    age: int | None
    cases: list[CaseRef]

    @staticmethod
    def resolve_age(obj: Survivor) -> int | None:
        return obj.age_on(timezone.localdate())

    @staticmethod
    def resolve_cases(obj: Survivor) -> list[Case]:
        return list(getattr(obj, "visible_cases", []))


# --- cases ----------------------------------------------------------------------------------


class CaseOpen(InputSchema):
    survivor_id: UUID
    report_received_on: PastOrTodayDate | None = None


class CasePatch(InputSchema):
    version: Version
    # Required, but may be null ("not known"): leaving it out is not a change.
    report_received_on: PastOrTodayDate | None


class CaseStatusChange(InputSchema):
    version: Version
    status: CaseStatus
    closure_reason: ClosureReason | None = None

    @model_validator(mode="after")
    def _reason_only_when_closing(self) -> CaseStatusChange:
        if self.closure_reason is not None and self.status != CaseStatus.CLOSED:
            raise ValueError("A closure reason is given only when closing a case.")
        return self


class CareTeamAdd(InputSchema):
    agency_id: Id
    user_id: Id | None = None
    role: CareTeamRole


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str


class PersonOut(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class CareTeamMemberOut(Schema):
    id: int
    agency: AgencyOut | None = Field(
        description="Null when the reader may not know of it: a provider whose being on the "
        "team reveals health, mental-health or substance-use care they may not see."
    )
    user: PersonOut | None
    role: CareTeamRole
    added_at: datetime
    removed_at: datetime | None

    @staticmethod
    def resolve_agency(member: Any) -> Any:
        return None if getattr(member, "agency_hidden", False) else member.agency

    @staticmethod
    def resolve_user(member: Any) -> Any:
        return None if getattr(member, "agency_hidden", False) else member.user


class CaseOut(Schema):
    id: UUID
    reference: str
    survivor_id: UUID
    survivor_display_name: str
    lead_agency: AgencyOut
    status: CaseStatus
    opened_on: date
    report_received_on: date | None
    mdt_due_on: date | None
    closed_on: date | None
    closure_reason: ClosureReason | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_survivor_display_name(obj: Case) -> str:
        survivor = obj.survivor
        # Fail closed: a survivor object that did not pass through access.sharing.mask.
        if not hasattr(survivor, "withheld"):
            return "Name not shared with your agency"
        return survivor.display_name

    @staticmethod
    def resolve_mdt_due_on(obj: Case) -> date | None:
        return mdt_due_on(obj)

    @staticmethod
    def resolve_closure_reason(obj: Case) -> str | None:
        return obj.closure_reason or None


class CaseDetailOut(CaseOut):
    care_team: list[CareTeamMemberOut]
    past_care_team: list[CareTeamMemberOut]

    @staticmethod
    def resolve_care_team(obj: Case) -> list[CareTeamMember]:
        return list(getattr(obj, "active_team", []))

    @staticmethod
    def resolve_past_care_team(obj: Case) -> list[CareTeamMember]:
        return list(getattr(obj, "past_team", []))


class CasePage(Schema):
    items: list[CaseOut]
    count: int
    limit: int
    offset: int


class EventOut(Schema):
    id: int
    kind: EventKind
    at: datetime
    by_user: PersonOut | None = Field(
        description="Who did it; null when the timeline withholds it (a provider answering "
        "a health, mental-health or substance-use referral)."
    )
    by_agency: AgencyOut | None
    summary: str

    @staticmethod
    def resolve_by_user(event: Any) -> Any:
        return None if event.author_withheld else event.by_user

    @staticmethod
    def resolve_by_agency(event: Any) -> Any:
        return None if event.author_withheld else event.by_agency


class WorkItemOut(Schema):
    case_id: UUID
    case_reference: str
    label: str
    due_on: date | None
    overdue: bool


class DashboardOut(Schema):
    cases: list[CaseOut]
    items_due: list[WorkItemOut]


# --- me -------------------------------------------------------------------------------------


class MeOut(Schema):
    user: PersonOut
    username: str
    agency: AgencyOut
    role: str
    role_label: str


class ErrorOut(Schema):
    detail: Any = Field(description="A message, or for invalid input a list of errors.")


# Typed responses shared by the routers.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}


# --- releases of information ----------------------------------------------------------------

CategoryName = Literal[
    "identity",
    "contact",
    "screening",
    "needs",
    "care_plan",
    "health",
    "mental_health",
    "substance_use",
    "legal",
    "education",
    "placement",
    "notes",
]


class ReleaseIn(InputSchema):
    recipient_agency_id: int
    categories: Annotated[list[CategoryName], Field(min_length=1, max_length=12)]
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=300), Clean]
    starts_on: date
    expires_on: date | None = None
    ends_on_event: Literal["", "case_closed"] = ""
    survivor_signed_on: PastOrTodayDate
    guardian_name: Annotated[str, StringConstraints(max_length=120), Clean] = ""
    guardian_relationship: Literal["", "parent", "guardian", "custodian"] = ""
    guardian_signed_on: PastOrTodayDate | None = None
    given_verbally: bool = False
    # 42 CFR Part 2 (2.31): required when `categories` includes "substance_use", ignored
    # otherwise. The three `*_explained` confirm what the survivor was told.
    part2_discloser_name: Annotated[str, limit(Release, "part2_discloser_name"), Clean] = Field(
        default="",
        description="Substance use: the program or person permitted to disclose.",
    )
    part2_information: Annotated[str, limit(Release, "part2_information"), Clean] = Field(
        default="",
        description="Substance use: how much and what kind of information may be disclosed.",
    )
    part2_revocation_explained: StrictBool = Field(
        default=False,
        description="Substance use: told they may revoke at any time, except to the extent "
        "it was already acted on.",
    )
    part2_no_conditioning_explained: StrictBool = Field(
        default=False,
        description="Substance use: told treatment, payment or benefits do not depend on signing.",
    )
    part2_redisclosure_explained: StrictBool = Field(
        default=False,
        description="Substance use: told the recipient may redisclose it, and it may then "
        "no longer be protected by 42 CFR Part 2.",
    )


class SignedFormOut(Schema):
    """The signed form kept for a release. The name it was uploaded under is never kept."""

    filename: str = Field(description="The name it is downloaded under.")
    media_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(description="Bytes, after metadata was removed.")
    sha256: str = Field(description="Of the file as kept (metadata removed).")
    uploaded_at: datetime
    uploaded_by: PersonOut


class ReleaseOut(Schema):
    id: UUID
    recipient_agency_id: int
    recipient_agency_name: str
    categories: list[str]
    purpose: str
    starts_on: date
    expires_on: date | None
    ends_on_event: str
    survivor_signed_on: date
    status: Literal["in_force", "not_started", "expired", "ended", "revoked"]
    given_verbally: bool
    confirmed_in_writing_on: date | None
    signed_form: SignedFormOut | None
    # A consent under 42 CFR Part 2 (it covers substance use); the fields below are empty
    # otherwise, and `redisclosure_notice` is the 42 CFR 2.32 notice that goes with it.
    part2: bool
    part2_discloser_name: str
    part2_information: str
    part2_revocation_explained: bool
    part2_no_conditioning_explained: bool
    part2_redisclosure_explained: bool
    redisclosure_notice: str | None
    recorded_at: datetime
    revoked_at: datetime | None
