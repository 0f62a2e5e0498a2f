"""Forms of screening setup: importing an instrument, the safety lines and the decision table,
and recording screening training. They parse and check input; the actions decide."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from continuum.core.forms import TextField
from continuum.screening.models import AgeGroup, Match, SafetyLine, SafetyRule
from continuum.screening.safety import RuleRow

MAX_IMPORT_BYTES = 1024 * 1024  # 1 MB: the longest instruments are a few hundred kB
_SELECT = forms.Select(attrs={"class": "usa-select"})
_DATE = forms.DateInput(attrs={"type": "date", "class": "usa-input"}, format="%Y-%m-%d")


class ImportForm(forms.Form):
    """A Questionnaire as a .json file or pasted JSON (one of the two)."""

    file = forms.FileField(
        label=_("A Questionnaire file (.json)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={
                "class": "usa-file-input",
                "accept": ".json,application/json,application/fhir+json",
            }
        ),
        help_text=_("At most 1 MB."),
    )
    text = forms.CharField(
        label=_("Or paste the Questionnaire's JSON"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 14, "spellcheck": "false"}),
        help_text=_("Paste the whole document, from the first { to the last }."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One of the two is needed: neither is "(optional)" (includes/field.html).
        for name in ("file", "text"):
            self.fields[name].conditional = True  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        pasted: str = data.get("text") or ""
        if upload and pasted.strip():
            raise forms.ValidationError(
                _("Give the file or the pasted JSON, not both: empty the box or remove the file.")
            )
        if upload:
            data["document"] = self._from_file(upload)
        elif pasted.strip():
            if len(pasted.encode("utf-8")) > MAX_IMPORT_BYTES:
                self.add_error(
                    "text",
                    _(
                        "This is more than 1 MB; Continuum takes instruments up to 1 MB, as a "
                        "file or pasted. Check that you copied the instrument and nothing else."
                    ),
                )
                # Not sent back: megabytes in a text box freeze the browser, and it is kept
                # wherever it was copied from.
                kept = QueryDict(mutable=True)
                kept.update(self.data)
                kept["text"] = ""
                self.data = kept
                return data
            data["document"] = self._parse(pasted, "text")
        else:
            raise forms.ValidationError(_("Choose a .json file, or paste the JSON."))
        return data

    def _from_file(self, upload: Any) -> object:
        if upload.size > MAX_IMPORT_BYTES:
            self.add_error("file", _("The file is larger than 1 MB."))
            return None
        raw = upload.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            self.add_error("file", _("The file is larger than 1 MB."))
            return None
        try:
            # utf-8-sig: editors on Windows put a byte-order mark at the start.
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error("file", _("The file is not text (UTF-8): is it a .json file?"))
            return None
        return self._parse(text, "file")

    def _parse(self, text: str, field: str) -> object:
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except json.JSONDecodeError as problem:
            self.add_error(
                field,
                _(
                    "This is not valid JSON (line %(line)d, column %(column)d: %(what)s). Check "
                    "that you copied the whole document."
                )
                % {"line": problem.lineno, "column": problem.colno, "what": problem.msg},
            )
        except (ValueError, RecursionError):
            # NaN / Infinity, a number too long to read, or nesting deeper than any instrument.
            self.add_error(field, _("This is not JSON that describes an instrument."))
        return None


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[("active", "active"), ("retired", "retired")])
    back = forms.ChoiceField(
        choices=[("list", "list"), ("instrument", "instrument")], required=False
    )


class SafetyLineForm(forms.Form):
    name = TextField(
        label=_("Name"),
        required=True,
        max_length=SafetyLine._meta.get_field("name").max_length,
    )
    phone = TextField(
        label=_("Phone number"),
        required=True,
        max_length=40,
        help_text=_("Digits, with dashes if you like: 1-800-962-2873."),
    )
    text_number = TextField(label=_("Text (SMS) number"), max_length=40)
    tty = TextField(label=_("TTY number"), max_length=40)
    when_to_use = TextField(
        label=_("When to use it"),
        required=True,
        max_length=SafetyLine._meta.get_field("when_to_use").max_length,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 2}),
        help_text=_(
            "In one sentence, when a screener calls this number, for example: “A child may "
            "be abused, neglected or exploited.” Screeners read it during a screening."
        ),
    )


_MATCH_CHOICES = [
    (Match.ANY, _("Any")),
    (Match.YES, _("Yes")),
    (Match.NO, _("No")),
    (Match.UNKNOWN, _("Not known")),
]
_AGE_CHOICES = [
    (AgeGroup.ANY, _("Any")),
    (AgeGroup.CHILD, _("Under 18")),
    (AgeGroup.ADULT, _("18 or older")),
    (AgeGroup.UNKNOWN, _("Not known")),
]


class RuleForm(forms.Form):
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=32767,
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--xs"}),
    )
    danger = forms.ChoiceField(
        label=_("In danger now"), choices=_MATCH_CHOICES, initial=Match.ANY, widget=_SELECT
    )
    age_group = forms.ChoiceField(
        label=_("Age"), choices=_AGE_CHOICES, initial=AgeGroup.ANY, widget=_SELECT
    )
    in_state = forms.ChoiceField(
        label=_("In the state"), choices=_MATCH_CHOICES, initial=Match.ANY, widget=_SELECT
    )
    suspected_abuse = forms.ChoiceField(
        label=_("Abuse suspected"), choices=_MATCH_CHOICES, initial=Match.ANY, widget=_SELECT
    )
    line = forms.ChoiceField(label=_("Call"), choices=(), widget=_SELECT)
    reason = TextField(
        label=_("Why (the screener reads this)"),
        required=True,
        max_length=SafetyRule._meta.get_field("reason").max_length,
    )

    def __init__(self, *args: Any, lines: list[SafetyLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        line_field = self.fields["line"]
        assert isinstance(line_field, forms.ChoiceField)
        line_field.choices = [("", _("- Select -")), *((line.code, line.name) for line in lines)]

    def row(self) -> RuleRow:
        data = self.cleaned_data
        return RuleRow(
            position=data["position"],
            danger=data["danger"],
            age_group=data["age_group"],
            in_state=data["in_state"],
            suspected_abuse=data["suspected_abuse"],
            line=data["line"],
            reason=data["reason"],
        )


class BaseRuleFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        positions: list[int] = []
        for form in self.kept_forms():
            position = form.cleaned_data["position"]
            if position in positions:
                raise forms.ValidationError(
                    _("Two rules have the order number %(n)d: give each rule its own.")
                    % {"n": position}
                )
            positions.append(position)
        if not positions:
            raise forms.ValidationError(
                _("Keep at least one rule: without any, a screener would be told to call no one.")
            )

    def kept_forms(self) -> list[RuleForm]:
        """The rules to keep: every existing row not marked to remove, and each new row that
        was filled in (the empty row at the end is no rule)."""
        existing = self.initial_form_count()
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < existing or form.has_changed()) and not self._should_delete_form(form)  # type: ignore[attr-defined]
        ]

    def rows(self) -> list[RuleRow]:
        return [form.row() for form in self.kept_forms()]


RuleFormSet = forms.formset_factory(
    RuleForm,
    formset=BaseRuleFormSet,
    extra=1,
    can_delete=True,
    max_num=100,
    validate_max=True,
    absolute_max=200,
)


def rule_formset(
    data: Any = None, *, lines: list[SafetyLine], initial: list[dict[str, object]] | None = None
) -> BaseRuleFormSet:
    """The decision table as a formset: one form per rule, and an empty one to add a rule."""
    formset = RuleFormSet(data, initial=initial, prefix="rules", form_kwargs={"lines": lines})
    assert isinstance(formset, BaseRuleFormSet)
    return formset


class TrainingForm(forms.Form):
    certified_on = forms.DateField(
        label=_("Training completed on"),
        widget=_DATE,
        error_messages={"required": _("Enter the day the training was completed.")},
    )
    until = forms.DateField(
        label=_("Current until"),
        required=False,
        widget=_DATE,
        help_text=_("Leave empty for the usual period (see above)."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        on: date | None = data.get("certified_on")
        until: date | None = data.get("until")
        if on and until and until <= on:
            self.add_error("until", _("“Current until” must be after the training date."))
        return data
