"""The screening's forms: starting one, immediate safety, the instrument's questions (built
from the instrument, never written by hand), and a call made."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import TIME_ZONES, Agency
from continuum.core.forms import TextField, VersionField, YesNoUnknownField
from continuum.screening import clock
from continuum.screening.answers import PREFER_NOT, Answer
from continuum.screening.instrument import InstrumentDefinition, Item
from continuum.screening.models import ImmediateNeed, Instrument, SafetyAction, Setting

DECLINED = "__declined__"
SKIPPED = ""

_SELECT = forms.Select(attrs={"class": "usa-select"})
_DATE = forms.DateInput(attrs={"type": "date", "class": "usa-input"})
_TIME = forms.TimeInput(attrs={"type": "time", "class": "usa-input"}, format="%H:%M")


class LocalMoment:
    """A date, a time and a time zone typed by a person, read as one instant (clock rules:
    a skipped time is refused, a repeated one read as the earlier)."""

    @staticmethod
    def combine(form: forms.Form, day_field: str, time_field: str, zone: str) -> datetime | None:
        day: date | None = form.cleaned_data.get(day_field)
        at: time | None = form.cleaned_data.get(time_field)
        if day is None or at is None:
            return None
        if not 1900 <= day.year <= timezone.localdate().year + 1:
            form.add_error(day_field, _("Check the year."))
            return None
        try:
            return clock.aware_from_local(day, at, zone)
        except clock.NonexistentLocalTime as problem:
            form.add_error(time_field, str(problem))
            return None


class StartForm(forms.Form):
    instrument = forms.ModelChoiceField(
        label=_("Instrument"),
        queryset=Instrument.objects.none(),
        empty_label=None,
        widget=_SELECT,
        error_messages={"required": _("Choose the instrument to use.")},
    )
    setting = forms.ChoiceField(
        label=_("Where is the screening happening?"),
        choices=[("", _("- Select -")), *Setting.choices],
        widget=_SELECT,
        error_messages={"required": _("Choose where the screening happens.")},
    )
    indicator_on = forms.DateField(
        label=_("Day the first sign was noticed"),
        widget=_DATE,
        error_messages={"required": _("Enter the day the first sign was noticed.")},
    )
    indicator_at = forms.TimeField(
        label=_("Time (about)"),
        widget=_TIME,
        error_messages={"required": _("Enter about what time it was noticed.")},
    )
    zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONES, widget=_SELECT)
    whereabouts_unknown = forms.BooleanField(
        label=_(
            "Their whereabouts were unknown: the clock runs from the debriefing after they "
            "were found"
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    recovered_on = forms.DateField(label=_("Day of the debriefing"), required=False, widget=_DATE)
    recovered_at = forms.TimeField(label=_("Time"), required=False, widget=_TIME)
    start_now = forms.TypedChoiceField(
        label=_("When will you screen?"),
        choices=[
            ("yes", _("Now")),
            ("no", _("Later: keep it on my list (the clock keeps running)")),
        ],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )

    def __init__(self, *args: Any, instruments: list[Instrument], zone: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        field.queryset = Instrument.objects.filter(pk__in=[i.pk for i in instruments])  # type: ignore[attr-defined]
        field.label_from_instance = _instrument_label  # type: ignore[attr-defined]
        self.fields["zone"].initial = zone
        now = timezone.localtime(timezone.now(), ZoneInfo(zone))
        self.fields["indicator_on"].initial = now.date()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone = data.get("zone") or "America/New_York"
        data["first_indicator_at"] = LocalMoment.combine(self, "indicator_on", "indicator_at", zone)
        data["recovered_moment"] = None
        if data.get("whereabouts_unknown"):
            if not (data.get("recovered_on") and data.get("recovered_at")):
                self.add_error("recovered_on", _("Enter the day and time of the debriefing."))
            else:
                data["recovered_moment"] = LocalMoment.combine(
                    self, "recovered_on", "recovered_at", zone
                )
        return data


def _instrument_label(instrument: Instrument) -> str:
    label = f"{instrument.title} {instrument.version}"
    return label if instrument.validated else f"{label} ({_('not validated')})"


class SafetyForm(forms.Form):
    version = VersionField()
    in_immediate_danger = YesNoUnknownField(label=_("Is anyone in danger right now?"))
    age_years = forms.IntegerField(
        label=_("Their age"),
        help_text=_("If you do not know it, give your best estimate and tick the box below."),
        required=False,
        min_value=1,
        max_value=119,
        widget=forms.NumberInput(
            attrs={"class": "usa-input usa-input--xs", "inputmode": "numeric"}
        ),
    )
    age_is_estimate = forms.BooleanField(
        label=_("This age is an estimate"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    in_state = YesNoUnknownField(label=_("Is this happening in Florida?"))
    suspected_abuse = YesNoUnknownField(
        label=_("Do you suspect abuse, abandonment or neglect, including exploitation?")
    )
    immediate_needs = forms.MultipleChoiceField(
        label=_("What do they need right now?"),
        help_text=_("Each one is put on their case at once, so nobody asks again."),
        choices=ImmediateNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )
    other_need = TextField(label=_("Something else they need now"), max_length=300)


class CallForm(forms.Form):
    line = forms.CharField(widget=forms.HiddenInput())
    kind = forms.ChoiceField(
        label=_("What happened"), choices=SafetyAction.Kind.choices, widget=_SELECT
    )
    taken_on = forms.DateField(label=_("Day"), widget=_DATE)
    taken_at = forms.TimeField(label=_("Time"), widget=_TIME)

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        now = timezone.localtime(timezone.now(), ZoneInfo(zone))
        self.fields["taken_on"].initial = now.date()
        self.fields["taken_at"].initial = now.time().replace(second=0, microsecond=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["moment"] = LocalMoment.combine(self, "taken_on", "taken_at", self.zone)
        return data


class FinishForm(forms.Form):
    lead_agency = forms.ModelChoiceField(
        label=_("If the result raises concern, who leads the case?"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=None,
        widget=_SELECT,
    )

    def __init__(self, *args: Any, choices: list[Agency], default: Agency | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["lead_agency"]
        field.queryset = Agency.objects.filter(pk__in=[a.pk for a in choices])  # type: ignore[attr-defined]
        field.initial = default.pk if default else None


# --- the instrument's questions, as a form


def field_name(item: Item) -> str:
    return f"a-{item.link_id}"


def declined_name(item: Item) -> str:
    return f"d-{item.link_id}"


def _choices(item: Item) -> list[tuple[str, str]]:
    if item.type == "boolean":
        options = [("true", str(_("Yes"))), ("false", str(_("No")))]
    else:
        options = [(o.code, o.display or o.code) for o in item.options]
    return [*options, (DECLINED, str(_("Prefer not to say"))), (SKIPPED, str(_("Skip for now")))]


def _question_field(item: Item) -> forms.Field:
    if item.type in ("boolean", "choice"):
        return forms.ChoiceField(
            label=item.text,
            choices=_choices(item),
            required=False,
            widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        )
    # The same bounds as the stored answers (answers.py): a 32-bit whole number, a decimal of
    # at most 15 digits.
    if item.type == "integer":
        return forms.IntegerField(
            label=item.text,
            required=False,
            # A count or an age: never below zero on the page (the API takes what FHIR does).
            min_value=0,
            max_value=2**31 - 1,
            widget=forms.NumberInput(attrs={"class": "usa-input"}),
        )
    if item.type == "decimal":
        return forms.DecimalField(
            label=item.text,
            required=False,
            max_digits=15,
            widget=forms.NumberInput(attrs={"class": "usa-input"}),
        )
    if item.type == "date":
        return forms.DateField(label=item.text, required=False, widget=_DATE)
    widget = (
        forms.Textarea(attrs={"class": "usa-textarea", "rows": 3})
        if item.type == "text"
        else forms.TextInput(attrs={"class": "usa-input"})
    )
    return TextField(label=item.text, max_length=2000, widget=widget)


class AnswersForm(forms.Form):
    """The questions `shown` (every question, or one at a time), each skippable and each
    with "prefer not to say"."""

    version = VersionField()

    def __init__(
        self, *args: Any, definition: InstrumentDefinition, shown: list[Item], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.shown = shown
        for item in shown:
            self.fields[field_name(item)] = _question_field(item)
            if item.type not in ("boolean", "choice"):
                self.fields[declined_name(item)] = forms.BooleanField(
                    label=_("Prefer not to say"),
                    required=False,
                    widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
                )

    def answers(self) -> dict[str, Answer]:
        """The answers to the shown questions (a skipped one is absent)."""
        found: dict[str, Answer] = {}
        for item in self.shown:
            value = self.cleaned_data.get(field_name(item))
            if self.cleaned_data.get(declined_name(item)) or value == DECLINED:
                found[item.link_id] = PREFER_NOT
            elif value in (None, SKIPPED):
                continue
            elif item.type == "boolean":
                found[item.link_id] = Answer(value=value == "true")
            elif item.type == "decimal":
                found[item.link_id] = Answer(value=str(value))
            elif item.type == "date":
                found[item.link_id] = Answer(value=value.isoformat())
            else:
                found[item.link_id] = Answer(value=value)
        return found


def initial_answers(answers: dict[str, Answer], shown: list[Item]) -> dict[str, Any]:
    """The saved answers as the form's initial values (to come back and carry on)."""
    initial: dict[str, Any] = {}
    for item in shown:
        answer = answers.get(item.link_id)
        if answer is None:
            continue
        if answer.declined:
            if item.type in ("boolean", "choice"):
                initial[field_name(item)] = DECLINED
            else:
                initial[declined_name(item)] = True
        elif item.type == "boolean":
            initial[field_name(item)] = "true" if answer.value else "false"
        else:
            initial[field_name(item)] = answer.value
    return initial
