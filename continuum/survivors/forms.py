from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from continuum.access.categories import CATEGORY_CHOICES
from continuum.accounts.models import Agency
from continuum.core.forms import PastDateField, TextField, VersionField, YesNoUnknownField
from continuum.protocols.fields import MemberAgencyField
from continuum.survivors.actions import ReleaseTerms, SurvivorDetails
from continuum.survivors.documents import MAX_MEGABYTES
from continuum.survivors.models import (
    AliasKind,
    GuardianRelationship,
    Language,
    LegalBasisKind,
    Release,
    ReleaseEndEvent,
    Survivor,
)

_PHONE = re.compile(r"^[0-9+() .\-]{7,30}$")
MAX_ALIASES = 20


def _max(name: str) -> int:
    field = Survivor._meta.get_field(name)
    # Sealed fields limit what is typed (plain_max_length), not the longer ciphertext.
    return int(getattr(field, "plain_max_length", None) or getattr(field, "max_length", 0) or 0)


def _release_max(name: str) -> int:
    field = Release._meta.get_field(name)
    return int(getattr(field, "plain_max_length", None) or getattr(field, "max_length", 0) or 0)


class SurvivorForm(forms.Form):
    """Identity and safe contact. Every field but one name may be left for later."""

    preferred_name = TextField(
        label=_("Name they use"),
        max_length=_max("preferred_name"),
        help_text=_("What they want to be called. Shown first everywhere."),
    )
    pronouns = TextField(
        label=_("Pronouns"),
        max_length=_max("pronouns"),
        help_text=_("For example: she/her, he/him, they/them."),
    )
    legal_given_name = TextField(label=_("Legal first name"), max_length=_max("legal_given_name"))
    legal_family_name = TextField(label=_("Legal last name"), max_length=_max("legal_family_name"))
    aliases = forms.CharField(
        label=_("Other names they have used"),
        required=False,
        max_length=2000,
        help_text=_("One per line. Include names others have used for them, if known."),
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 3}),
    )
    date_of_birth = PastDateField(label=_("Date of birth"))
    estimated_age = forms.IntegerField(
        label=_("Estimated age, if the date of birth is not known"),
        required=False,
        min_value=0,
        max_value=30,
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--small"}),
    )
    primary_language = forms.ChoiceField(
        label=_("Primary language"),
        choices=Language.choices,
        initial=Language.ENGLISH,
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    other_language = TextField(label=_("Language, if another"), max_length=_max("other_language"))
    interpreter_needed = forms.BooleanField(
        label=_("Needs an interpreter"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    safe_phone = TextField(
        label=_("Safe phone number"),
        max_length=_max("safe_phone"),
        help_text=_("Only a number they said is safe to use."),
    )
    safe_to_call = YesNoUnknownField(label=_("Safe to call?"))
    safe_to_text = YesNoUnknownField(label=_("Safe to text?"))
    safe_to_leave_message = YesNoUnknownField(label=_("Safe to leave a message?"))
    safe_times = TextField(
        label=_("Safe times to reach them"),
        max_length=_max("safe_times"),
        help_text=_("For example: weekdays after 4 pm."),
    )
    code_word = TextField(
        label=_("Code word"),
        max_length=_max("code_word"),
        help_text=_("A word they will use, or you will use, to show it is safe to talk."),
    )

    preferences = TextField(
        label=_("What they want the people helping them to know"),
        max_length=_max("preferences"),
        help_text=_(
            "In their words, what helps and what to avoid: “Please leave the door "
            "open.” “I would rather talk with a woman.” Only what they want "
            "staff to know. Everyone working with them sees it."
        ),
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 3}),
    )
    priorities = TextField(
        label=_("What matters most to them right now"),
        max_length=_max("priorities"),
        help_text=_(
            "In their words, what they want help with first: “Getting back to "
            "school.” “Seeing my little brother.” Seen by those who see "
            "their care plan."
        ),
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 3}),
    )

    def __init__(self, *args: Any, hidden: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What the person filling it in may not see is not offered (survivors.actions.
        # unseen_fields): a screener does not see, so does not record, their priorities.
        for name in hidden:
            self.fields.pop(name, None)

    def clean_aliases(self) -> list[str]:
        names: list[str] = []
        for line in self.cleaned_data["aliases"].splitlines():
            name = TextField().clean(line)
            if not name:
                continue
            if len(name) > 100:
                raise forms.ValidationError(_("Each name can be at most 100 characters."))
            if name not in names:
                names.append(name)
        if len(names) > MAX_ALIASES:
            raise forms.ValidationError(_("List at most %(n)s other names.") % {"n": MAX_ALIASES})
        return names

    def clean_safe_phone(self) -> str:
        phone: str = self.cleaned_data["safe_phone"]
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError(_("Use digits, spaces, +, ( ) and - only."))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = ("preferred_name", "legal_given_name", "legal_family_name")
        # A name refused for its length has its own message; do not add "give a name" too.
        if not any(data.get(f) for f in names) and not any(f in self.errors for f in names):
            raise forms.ValidationError(
                _("Give at least one name: the name they use, or a legal name.")
            )
        if data.get("date_of_birth") and data.get("estimated_age") is not None:
            self.add_error(
                "estimated_age",
                _("Give a date of birth or an estimated age, not both."),
            )
        if data.get("primary_language") == Language.OTHER and not data.get("other_language"):
            self.add_error("other_language", _("Say which language."))
        return data

    def clean_date_of_birth(self) -> date | None:
        born: date | None = self.cleaned_data["date_of_birth"]
        if born and born < timezone.localdate() - timedelta(days=100 * 366):
            raise forms.ValidationError(_("Check the year: that would make them over 100."))
        return born

    def details(self) -> SurvivorDetails:
        data = self.cleaned_data
        return SurvivorDetails(
            legal_given_name=data["legal_given_name"],
            legal_family_name=data["legal_family_name"],
            preferred_name=data["preferred_name"],
            pronouns=data["pronouns"],
            date_of_birth=data["date_of_birth"],
            estimated_age=None if data["date_of_birth"] else data["estimated_age"],
            primary_language=data["primary_language"],
            other_language=data["other_language"],
            interpreter_needed=data["interpreter_needed"],
            safe_phone=data["safe_phone"],
            safe_to_call=data["safe_to_call"],
            safe_to_text=data["safe_to_text"],
            safe_to_leave_message=data["safe_to_leave_message"],
            safe_times=data["safe_times"],
            code_word=data["code_word"],
            preferences=data.get("preferences", ""),
            priorities=data.get("priorities", ""),
            aliases=tuple((name, AliasKind.OTHER) for name in data["aliases"]),
        )

    @classmethod
    def initial_from(cls, survivor: Survivor) -> dict[str, Any]:
        values = SurvivorDetails.values_of(survivor)
        initial = {name: values[name] for name in cls.base_fields if name in values}
        initial["aliases"] = "\n".join(a.name for a in survivor.aliases.all())
        return initial


class NewSurvivorForm(SurvivorForm):
    not_a_duplicate = forms.BooleanField(
        label=_("None of these is the person: record someone new"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["report_received_on"].conditional = True  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        report_on = data.get("report_received_on")
        if report_on and not data.get("open_case"):
            self.add_error(
                "report_received_on",
                _('Tick "Open a case" to record the intake date with the case, or clear it.'),
            )
        born = data.get("date_of_birth")
        if report_on and born and report_on < born:
            self.add_error(
                "report_received_on", _("The intake date is before their date of birth.")
            )
        return data

    open_case = forms.BooleanField(
        label=_("Open a case for this person now, led by my agency"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    report_received_on = PastDateField(
        label=_("Abuse report intake date"),
        help_text=_(
            "The day the abuse report was received, if there is one. The MDT clock starts here."
        ),
    )


class EditSurvivorForm(SurvivorForm):
    version = VersionField()

    def differences_from(self, survivor: Survivor) -> list[tuple[str, str, str]]:
        """(label, what is saved now, what this form holds) for each field that differs:
        what an editor needs to see after someone else saved first."""
        saved = self.initial_from(survivor)
        rows = []
        for name, field in self.fields.items():
            if name == "version":
                continue
            typed = self.cleaned_data.get(name)
            if name == "aliases":
                typed = "\n".join(typed or [])
            if _shown(field, saved.get(name)) != _shown(field, typed):
                rows.append(
                    (str(field.label), _shown(field, saved.get(name)), _shown(field, typed))
                )
        return rows


class SearchForm(forms.Form):
    q = TextField(
        label=_("Name"),
        max_length=100,
        help_text=_(
            "Whole names they use or have used: first, last or other names. Accents and "
            "capitals don't matter; part of a name is not enough."
        ),
        widget=forms.TextInput(attrs={"class": "usa-input", "type": "search"}),
    )
    born_on = PastDateField(label=_("Date of birth"))


class HandOverForm(forms.Form):
    agency = MemberAgencyField(
        label=_("Agency that will open the case"),
        queryset=Agency.objects.filter(is_active=True),
        empty_label=_("— choose —"),
        widget=forms.Select(attrs={"class": "usa-select"}),
    )


def _shown(field: forms.Field, value: Any) -> str:
    """A value as a person reads it in a comparison."""
    if value is None or value == "":
        return str(_("(empty)"))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    choices = dict(getattr(field, "choices", []) or [])
    if value in choices:
        return str(choices[value])
    return str(value).replace("\n", ", ")


class ReleaseForm(forms.Form):
    recipient_agency = MemberAgencyField(
        label=_("Agency that may receive the information"),
        queryset=Agency.objects.filter(is_active=True),
        empty_label=_("— choose —"),
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    categories = forms.MultipleChoiceField(
        label=_("What may be shared"),
        choices=CATEGORY_CHOICES,
        help_text=_("Only what this agency needs for the purpose below."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )
    purpose = TextField(
        label=_("Purpose"),
        max_length=300,
        required=True,
        help_text=_("In the survivor's words if you can: what the sharing is for."),
    )
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date", "class": "usa-input"})
    )
    expires_on = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "usa-input"}),
    )
    ends_on_event = forms.ChoiceField(
        label=_("Or until"),
        required=False,
        choices=ReleaseEndEvent.choices,
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    survivor_signed_on = PastDateField(label=_("The survivor signed on"), required=True)
    guardian_name = TextField(
        label=_("Parent, guardian or custodian who also signed"),
        max_length=120,
        help_text=_(
            "Needed when the survivor is under 18. Never someone suspected of harming them."
        ),
    )
    guardian_relationship = forms.ChoiceField(
        label=_("Their relationship"),
        required=False,
        choices=[("", _("— choose —")), *GuardianRelationship.choices],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    guardian_signed_on = PastDateField(label=_("They signed on"))
    given_verbally = forms.BooleanField(
        label=_("Given verbally: to be confirmed in writing"),
        required=False,
        help_text=_('Upload the signed form later, from "Who can see what".'),
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    # 42 CFR Part 2 (2.31): needed when substance use treatment is among what may be shared.
    part2_discloser_name = TextField(
        label=_("Program or person permitted to share it"),
        max_length=_release_max("part2_discloser_name"),
        help_text=_("Usually your agency, or its treatment program, by its full name."),
    )
    part2_information = TextField(
        label=_("How much and what kind of substance use information"),
        max_length=_release_max("part2_information"),
        help_text=_(
            "Be specific. For example: dates of attendance and progress in outpatient treatment."
        ),
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 3}),
    )
    part2_revocation_explained = forms.BooleanField(
        label=_(
            "They were told they may take this consent back at any time, except for what was "
            "already shared because of it"
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    part2_no_conditioning_explained = forms.BooleanField(
        label=_("They were told their treatment, payment or benefits do not depend on signing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    part2_redisclosure_explained = forms.BooleanField(
        label=_(
            "They were told the recipient might share it again, and that it may then no "
            "longer be protected by federal law"
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )

    PART2_FIELDS = (
        "part2_discloser_name",
        "part2_information",
        "part2_revocation_explained",
        "part2_no_conditioning_explained",
        "part2_redisclosure_explained",
    )

    def __init__(self, *args: Any, lead_agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(is_active=True).exclude(pk=lead_agency_id)
        self.fields["recipient_agency"].queryset = agencies  # type: ignore[attr-defined]
        for name in (
            "guardian_name",
            "guardian_relationship",
            "guardian_signed_on",
            "part2_discloser_name",
            "part2_information",
        ):
            self.fields[name].conditional = True  # type: ignore[attr-defined]

    def part2_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PART2_FIELDS]

    def terms(self) -> ReleaseTerms:
        data = self.cleaned_data
        return ReleaseTerms(
            recipient_agency=data["recipient_agency"],
            categories=frozenset(data["categories"]),
            purpose=data["purpose"],
            starts_on=data["starts_on"],
            expires_on=data["expires_on"],
            ends_on_event=data["ends_on_event"] or "",
            survivor_signed_on=data["survivor_signed_on"],
            guardian_name=data["guardian_name"],
            guardian_relationship=data["guardian_relationship"] or "",
            guardian_signed_on=data["guardian_signed_on"],
            given_verbally=data["given_verbally"],
            part2_discloser_name=data["part2_discloser_name"],
            part2_information=data["part2_information"],
            part2_revocation_explained=data["part2_revocation_explained"],
            part2_no_conditioning_explained=data["part2_no_conditioning_explained"],
            part2_redisclosure_explained=data["part2_redisclosure_explained"],
        )


class SignedFormUploadForm(forms.Form):
    """The scan or photo of a signed release. What the file is, is decided by its content
    (survivors.documents), not by its name or the type the browser gives."""

    file = forms.FileField(
        label=_("Signed form"),
        help_text=format_lazy(
            _(
                "A PDF, JPEG or PNG, up to {mb} MB: a scan, or a clear photo of every page. "
                "Details hidden in the file (where a photo was taken, who made it) are removed "
                "before it is kept."
            ),
            mb=MAX_MEGABYTES,
        ),
        error_messages={
            "required": _("Choose the file of the signed form."),
            "empty": _("That file is empty. Choose the scan or photo of the signed form."),
        },
        widget=forms.ClearableFileInput(
            attrs={
                "class": "usa-file-input",
                "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
            }
        ),
    )


class LegalBasisForm(forms.Form):
    recipient_agency = MemberAgencyField(
        label=_("Agency the law requires you to share with"),
        queryset=Agency.objects.filter(is_active=True),
        empty_label=_("— choose —"),
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    kind = forms.ChoiceField(
        label=_("What the law requires"),
        choices=[("", _("— choose —")), *LegalBasisKind.choices],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    reference = TextField(
        label=_("Reference"),
        max_length=120,
        required=True,
        help_text=_(
            "The hotline intake number or the court case number. Not the survivor's details."
        ),
    )
    categories = forms.MultipleChoiceField(
        label=_("What it covers"),
        choices=CATEGORY_CHOICES,
        help_text=_("Only what the report or the order covers."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date", "class": "usa-input"})
    )
    expires_on = forms.DateField(
        label=_("Until"),
        required=False,
        help_text=_("Leave empty if it has no end date; you can end it at any time."),
        widget=forms.DateInput(attrs={"type": "date", "class": "usa-input"}),
    )

    def __init__(self, *args: Any, lead_agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(is_active=True).exclude(pk=lead_agency_id)
        self.fields["recipient_agency"].queryset = agencies  # type: ignore[attr-defined]


class InformedForm(forms.Form):
    """Either the day the survivor was told, or why it is not safe to tell them yet."""

    informed_on = PastDateField(label=_("Told them on"))
    not_safe_reason = TextField(label=_("Not safe yet because"), max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("informed_on") and not data.get("not_safe_reason"):
            raise forms.ValidationError(_("Give the day you told them, or why it is not safe yet."))
        return data


class SuspectedExploiterForm(forms.Form):
    name = TextField(label=_("Their name"), max_length=120, required=True)
    relationship = TextField(
        label=_("Who they are to them"),
        max_length=120,
        help_text=_("For example: mother's boyfriend, 'manager'. Optional."),
    )
