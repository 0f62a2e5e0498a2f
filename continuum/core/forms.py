"""Form pieces shared by every package: clean text, safe dates, yes / no / not asked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.core.text import clean_text


class TextField(forms.CharField):
    """A CharField that normalises Unicode and drops control characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        widget = kwargs.pop("widget", None) or forms.TextInput(attrs={"class": "usa-input"})
        super().__init__(*args, widget=widget, **kwargs)
        # Django's own ("Ensure this value has at most…") is not plain language.
        self.error_messages["max_length"] = _(
            "This can be at most %(limit_value)d characters; it has %(show_value)d."
        )

    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value) or "")


class PastDateField(forms.DateField):
    """A date that cannot be in the future (or before 1900)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date", "class": "usa-input"}))
        super().__init__(*args, **kwargs)

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is None:
            return
        if value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        if value.year < 1900:
            raise forms.ValidationError(_("Check the year: it is before 1900."))


YES_NO_UNKNOWN = [("", _("Not asked yet")), ("yes", _("Yes")), ("no", _("No"))]


class YesNoUnknownField(forms.TypedChoiceField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            *args,
            choices=YES_NO_UNKNOWN,
            coerce=lambda value: {"yes": True, "no": False}.get(value),
            empty_value=None,
            required=False,
            widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return value or ""


def tri_state(value: bool | None) -> str:
    if value is None:
        return ""
    return "yes" if value else "no"


class VersionField(forms.IntegerField):
    """The version of the record the form was loaded from (optimistic concurrency)."""

    def __init__(self) -> None:
        super().__init__(min_value=1, widget=forms.HiddenInput())


class LoadedVersionField(forms.IntegerField):
    """The version the editor loaded of something that may not exist yet (0: a domain not yet
    on the case, a case with no plan yet), bounded so a forged value is a 422, not a 500."""

    def __init__(self) -> None:
        super().__init__(min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput())


# USWDS widgets, shared by the forms of every package (Django copies a widget into each field
# that uses it, so one instance serves them all).
SELECT = forms.Select(attrs={"class": "usa-select"})
RADIOS = forms.RadioSelect(attrs={"class": "usa-radio__input"})
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"})
CHECKBOX = forms.CheckboxInput(attrs={"class": "usa-checkbox__input"})
DATE = forms.DateInput(attrs={"type": "date", "class": "usa-input"})
TIME = forms.TimeInput(attrs={"type": "time", "class": "usa-input"}, format="%H:%M")


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "usa-textarea", "rows": rows})
