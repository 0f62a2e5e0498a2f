"""The community protocol's forms: its settings, members, holidays, training, MOUs and the
conflict log. Each free-text field says what belongs in it; none is for survivor details."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.access.categories import CATEGORY_CHOICES
from continuum.accounts.models import TIME_ZONES, Agency, AgencyType, Role
from continuum.cases.models import CareTeamRole
from continuum.core.forms import (
    CHECKBOX,
    CHECKBOXES,
    DATE,
    SELECT,
    PastDateField,
    TextField,
    VersionField,
    textarea,
)
from continuum.protocols.actions import ProtocolDetails
from continuum.protocols.models import TIMELINES, Protocol
from continuum.protocols.queries import MAX_ID, agency_label_with_mou

NUMBER = forms.NumberInput(attrs={"class": "usa-input usa-input--small"})


def _number(label: Any, low: int, high: int, hint: Any = "", **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        widget=NUMBER,
        help_text=hint,
        error_messages={
            "required": _("Enter a number."),
            "invalid": _("Enter a whole number."),
            "min_value": _("This must be at least %(limit_value)s."),
            "max_value": _("This can be at most %(limit_value)s."),
        },
        **kwargs,
    )


def _named(label: Any, max_length: int, required: Any) -> TextField:
    """A short text that must be given; `required` says what to enter."""
    return TextField(
        label=label,
        max_length=max_length,
        required=True,
        error_messages={"required": required},
    )


def _prose(label: Any, max_length: int, rows: int, hint: Any, required: Any = None) -> TextField:
    """A few lines of text with a hint of what belongs in them; `required`, when given, says
    what to write when it is left empty."""
    if required is None:
        return TextField(label=label, max_length=max_length, widget=textarea(rows), help_text=hint)
    return TextField(
        label=label,
        max_length=max_length,
        required=True,
        widget=textarea(rows),
        help_text=hint,
        error_messages={"required": required},
    )


def _day(label: Any, required: Any, **kwargs: Any) -> forms.DateField:
    """A date that must be given; `required` says which."""
    return forms.DateField(
        label=label, widget=DATE, error_messages={"required": required}, **kwargs
    )


def _day_past(label: Any, required: Any, **kwargs: Any) -> PastDateField:
    """A day not in the future that must be given; `required` says which."""
    return PastDateField(
        label=label, required=True, error_messages={"required": required}, **kwargs
    )


def _ticks(label: Any, choices: Any) -> forms.MultipleChoiceField:
    """Any number of `choices`, as checkboxes."""
    return forms.MultipleChoiceField(
        label=label, choices=choices, widget=CHECKBOXES, required=False
    )


def _share_field(agency_type: str) -> str:
    return f"share_{agency_type}"


class ProtocolForm(forms.Form):
    """The protocol's settings: what it is for, when it applies, the timelines the system
    enforces, the roles a staffing needs, what each kind of member may receive with a
    release, and how members resolve a disagreement."""

    name = _named(_("Name of the protocol"), 200, _("Give the protocol a name."))
    mission = _prose(
        _("Mission"),
        4000,
        4,
        _(
            "Why the community works together, in a few sentences: who it serves and what "
            "every member commits to."
        ),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONES, widget=SELECT)
    effective_from = _day(_("In effect from"), _("Enter the day the protocol takes effect."))
    effective_until = forms.DateField(
        label=_("In effect until"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty while it has no end date."),
    )
    screening_start_hours = _number(_("Start a screening within (hours of the first sign)"), 1, 720)
    mdt_staffing_days = _number(
        _("Hold the MDT staffing within (days of the abuse report's intake)"),
        1,
        365,
        _("The guidelines say 14 days. Changing it moves the due date of every open case."),
    )
    mdt_business_days = forms.BooleanField(
        label=_("Count those days as business days (skip weekends and the holidays below)"),
        required=False,
        widget=CHECKBOX,
    )
    mdt_at_risk_days = _number(
        _("Warn this many days before the staffing is due"),
        0,
        364,
        _("Fewer days than the staffing deadline."),
    )
    plan_review_days = _number(_("Review each care plan every (days)"), 1, 365)
    referral_response_business_days = _number(_("Answer a referral within (business days)"), 1, 60)
    required_mdt_roles = _ticks(
        _("Roles every MDT staffing needs in the room"), CareTeamRole.choices
    )
    conflict_procedure = _prose(
        _("How members resolve a disagreement"),
        4000,
        5,
        _(
            "One step a line, in order: for example “Supervisors of both agencies talk "
            "within 5 business days”, then “Directors meet”, then “The taskforce chair "
            "decides”."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in AgencyType.choices:
            self.fields[_share_field(value)] = _ticks(label, CATEGORY_CHOICES)

    def share_fields(self) -> list[forms.BoundField]:
        return [self[_share_field(value)] for value in AgencyType.values]

    def details(self) -> ProtocolDetails:
        data = self.cleaned_data
        sharing = {
            value: list(data[_share_field(value)])
            for value in AgencyType.values
            if data.get(_share_field(value))
        }
        return ProtocolDetails(
            name=data["name"],
            mission=data["mission"],
            time_zone=data["time_zone"],
            effective_from=data["effective_from"],
            effective_until=data["effective_until"],
            screening_start_hours=data["screening_start_hours"],
            mdt_staffing_days=data["mdt_staffing_days"],
            mdt_business_days=data["mdt_business_days"],
            mdt_at_risk_days=data["mdt_at_risk_days"],
            plan_review_days=data["plan_review_days"],
            referral_response_business_days=data["referral_response_business_days"],
            required_mdt_roles=list(data["required_mdt_roles"]),
            sharing_rules=sharing,
            conflict_procedure=data["conflict_procedure"],
        )

    @staticmethod
    def initial_from(protocol: Protocol) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(protocol, name)
            for name in (
                "name",
                "mission",
                "time_zone",
                "effective_from",
                "effective_until",
                *TIMELINES,
                "required_mdt_roles",
                "conflict_procedure",
            )
        }
        for agency_type, categories in protocol.sharing_rules.items():
            initial[_share_field(agency_type)] = categories
        initial["version"] = protocol.version
        return initial

    @staticmethod
    def defaults() -> dict[str, Any]:
        from continuum.protocols.models import DEFAULT_TIMELINES

        return {**DEFAULT_TIMELINES, "effective_from": timezone.localdate()}


class ProtocolEditForm(ProtocolForm):
    version = VersionField()


class _LabelledWithMou:
    """Agencies named with whether they signed the MOU in force (`signed_ids`)."""

    signed_ids: set[int] | None = None

    def label_from_instance(self, obj: Agency) -> str:
        return agency_label_with_mou(obj, self.signed_ids)


class AgencyChoiceField(_LabelledWithMou, forms.ModelChoiceField):
    """An agency, named with whether it signed the MOU in force."""


class AgenciesChoiceField(_LabelledWithMou, forms.ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        # An id past what a row can have is not in the list: refused as any other choice
        # not offered (the database would fail on it: a 500).
        for pk in value or ():
            if str(pk).isdecimal() and int(pk) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super().clean(value)


class _AgenciesOffered(forms.Form):
    """A form whose `agency_field` offers `agencies`, each named with whether it signed the
    MOU in force (`signed_ids`)."""

    agency_field = "agency"

    def __init__(
        self,
        *args: Any,
        agencies: QuerySet[Agency] | None = None,
        signed_ids: set[int] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        field = self.fields[self.agency_field]
        if agencies is not None:
            field.queryset = agencies  # type: ignore[attr-defined]
        field.signed_ids = signed_ids  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    responsibilities = _prose(
        _("Responsibilities"),
        2000,
        3,
        _(
            "What this agency does for the community: for example “screens every child "
            "referred by the hotline within 24 hours”."
        ),
    )
    mdt_roles = _ticks(_("Roles it fills at an MDT staffing"), CareTeamRole.choices)
    services = _prose(
        _("Services it provides"),
        2000,
        3,
        _("The kinds of service, for example “trauma therapy, safe beds for girls”."),
    )


class AddMemberForm(MemberForm):
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        widget=SELECT,
        help_text=_("Agencies in another community's protocol are not listed."),
        error_messages={
            "required": _("Choose the agency to add."),
            "invalid_choice": _("Choose an agency from the list."),
        },
    )
    field_order = ["agency", "responsibilities", "mdt_roles", "services"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class HolidayForm(forms.Form):
    day = _day(_("Date"), _("Enter the date."))
    name = _named(_("Name"), 100, _("Give the holiday a name."))


class TrainingForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Who must hold it"),
        choices=Role.choices,
        widget=SELECT,
        error_messages={"required": _("Choose the role.")},
    )
    course = _named(_("Course"), 200, _("Name the course."))
    hours = _number(_("Hours"), 0, 500, initial=0)
    renew_every_months = _number(
        _("Renew every (months)"), 1, 120, _("Leave empty when it never expires."), required=False
    )
    before_contact = forms.BooleanField(
        label=_("Needed before working with survivors"), required=False, widget=CHECKBOX
    )


class MouForm(forms.Form):
    title = _named(_("Title"), 200, _("Give the MOU a title."))
    body = _prose(
        _("Text of the agreement"),
        20000,
        8,
        _(
            "What the members agree to, as it will be signed. It formalises the protocol "
            "as it stands now; it is not a release of anyone's information."
        ),
    )
    expires_on = _day(_("Expires on"), _("Enter the day the MOU expires."))
    remind_days_before = _number(
        _("Remind to renew this many days before it expires"), 0, 365, initial=60
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=3 * 365)


class SignatureForm(_AgenciesOffered):
    agency = AgencyChoiceField(
        label=_("Member agency that signed"),
        queryset=Agency.objects.none(),
        widget=SELECT,
        error_messages={
            "required": _("Choose the agency that signed."),
            "invalid_choice": _("Choose a member agency from the list."),
        },
    )
    signer_name = _named(_("Signed by"), 200, _("Enter who signed, as on the signed copy."))
    signer_title = _named(_("Their title"), 200, _("Enter the signer's title."))
    signed_on = _day_past(_("Signed on"), _("Enter the day it was signed."))


class InForceForm(forms.Form):
    effective_from = _day(
        _("In force from"), _("Enter the day it takes effect."), initial=timezone.localdate
    )


class ConflictForm(_AgenciesOffered):
    agency_field = "with_agencies"
    with_agencies = AgenciesChoiceField(
        label=_("Which member agencies is the disagreement with?"),
        queryset=Agency.objects.none(),
        widget=CHECKBOXES,
        error_messages={
            "required": _("Choose at least one member agency."),
            "invalid_choice": _("Choose member agencies from the list."),
        },
    )
    summary = _prose(
        _("What the disagreement is about"),
        2000,
        4,
        _(
            "About how the agencies work together, for example “referrals answered after "
            "the agreed 3 days”. Never write a survivor's name or details: this log is read "
            "by every member's supervisors."
        ),
        required=_("Say in a few words what the disagreement is about."),
    )
    raised_on = _day_past(
        _("Raised on"), _("Enter the day it was raised."), initial=timezone.localdate
    )


class StepForm(forms.Form):
    step = forms.ChoiceField(
        label=_("Step of the procedure taken"),
        choices=[],
        widget=SELECT,
        error_messages={
            "required": _("Choose the step taken."),
            "invalid_choice": _("Choose one of the steps of the procedure."),
        },
    )
    taken_on = _day_past(
        _("Taken on"), _("Enter the day the step was taken."), initial=timezone.localdate
    )
    note = _prose(
        _("What happened"),
        2000,
        3,
        _(
            "What came of the step, for example “agreed to call back within one day”. "
            "Never a survivor's name or details."
        ),
    )

    def __init__(self, *args: Any, steps: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", _("Choose a step")), *((s, s) for s in steps or [])]  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    outcome = _prose(
        _("Outcome"),
        2000,
        3,
        _(
            "What the members agreed, for example “referrals are answered within 3 days; "
            "the supervisors check monthly”. Never a survivor's name or details."
        ),
        required=_("Say what the members agreed."),
    )
    resolved_on = _day_past(
        _("Resolved on"), _("Enter the day it was resolved."), initial=timezone.localdate
    )
