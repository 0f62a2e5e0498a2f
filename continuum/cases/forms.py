from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import Agency, User
from continuum.cases.actions import NOTE_MAX_LENGTH
from continuum.cases.models import NOTE_CHOICES, CareTeamRole, CaseStatus, ClosureReason
from continuum.core.forms import PastDateField, VersionField
from continuum.protocols.fields import MemberAgencyField


class OpenCaseForm(forms.Form):
    report_received_on = PastDateField(
        label=_("Abuse report intake date"),
        help_text=_(
            "The day the abuse report was received, if there is one. The MDT clock "
            "starts here. You can add it later."
        ),
    )


class CaseDetailsForm(forms.Form):
    report_received_on = PastDateField(label=_("Abuse report intake date"))
    version = VersionField()


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=CaseStatus.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    closure_reason = forms.ChoiceField(
        label=_("Reason for closing"),
        help_text=_("Needed when you close the case."),
        required=False,
        choices=[("", _("— choose —")), *ClosureReason.choices],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closure_reason"].conditional = True  # type: ignore[attr-defined]
        self.fields["status"].error_messages["required"] = _("Choose the new status.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == CaseStatus.CLOSED and not data.get("closure_reason"):
            self.add_error("closure_reason", _("Say why the case is closing."))
        if data.get("status") != CaseStatus.CLOSED:
            data["closure_reason"] = None
        return data


class CareTeamMemberForm(forms.Form):
    agency = MemberAgencyField(
        label=_("Agency"),
        queryset=Agency.objects.filter(is_active=True),
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    user = forms.ModelChoiceField(
        label=_("Person (optional)"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("Leave empty to add the whole agency."),
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    role = forms.ChoiceField(
        label=_("Role on this case"),
        # Nothing chosen for them: a default here once made whole agencies "lead case manager".
        choices=[("", _("— choose —")), *CareTeamRole.choices],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_id = self.data.get("agency") if self.is_bound else None
        if agency_id and str(agency_id).isdecimal() and len(str(agency_id)) < 12:
            self.fields["user"].queryset = people_in(int(agency_id))  # type: ignore[attr-defined]


def people_in(agency_id: int) -> Any:
    return (
        User.objects.filter(
            memberships__agency_id=agency_id,
            memberships__is_active=True,
            memberships__agency__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


class NoteForm(forms.Form):
    """A case note. The kinds offered are those the writer's role may write on this case."""

    category = forms.ChoiceField(
        label=_("Kind of note"),
        help_text=_(
            "This decides who can read it: other agencies see a kind only while a "
            "release of information covers it."
        ),
        choices=NOTE_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    body = forms.CharField(
        label=_("Note"),
        help_text=_(
            "What happened and what comes next, in plain words. Write what you saw and "
            "heard; name the survivor's choices as theirs."
        ),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 6}),
    )

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, label) for value, label in NOTE_CHOICES if value in categories]
