"""The needs assessment's forms: a session with the survivor, one domain, the session's
summary, and the community's domains. Each free-text field says what belongs in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.core.forms import (
    CHECKBOX,
    CHECKBOXES,
    DATE,
    RADIOS,
    SELECT,
    TIME,
    LoadedVersionField,
    PastDateField,
    TextField,
    textarea,
)
from continuum.needs.actions import NeedChange, SessionDetails
from continuum.needs.models import (
    DOMAIN_CATEGORY_CHOICES,
    AssessmentMethod,
    AssessmentPlace,
    NeedStatus,
    Participant,
    SafetyCheck,
    Urgency,
)
from continuum.screening.forms import LocalMoment


class SessionForm(forms.Form):
    held_on = forms.DateField(
        label=_("Day"),
        widget=DATE,
        error_messages={"required": _("Enter the day of the session.")},
    )
    held_at = forms.TimeField(
        label=_("Time it started"),
        widget=TIME,
        error_messages={"required": _("Enter about what time it started.")},
    )
    place = forms.ChoiceField(
        label=_("Where are you meeting?"),
        choices=AssessmentPlace.choices,
        widget=RADIOS,
        help_text=_("A kind of place only. Never write down where they are staying."),
        error_messages={"required": _("Choose where you are meeting.")},
    )
    participants = forms.MultipleChoiceField(
        label=_("Who is taking part, besides you?"),
        choices=Participant.choices,
        widget=CHECKBOXES,
        required=False,
        help_text=_("Tick everyone in the room or on the call."),
    )
    interpreter_language = TextField(
        label=_("The interpreter's language"),
        max_length=60,
        help_text=_("Needed when an interpreter takes part."),
    )
    safety_check = forms.ChoiceField(
        label=_("Immediate safety: are they safe right now?"),
        choices=SafetyCheck.choices,
        widget=RADIOS,
        help_text=_(
            "Ask first, before anything else. If they are in danger now, call 911 and "
            "stop the assessment."
        ),
        error_messages={"required": _("Say how immediate safety was checked.")},
    )
    safety_steps = TextField(
        label=_("What was done to make them safe"),
        max_length=1000,
        widget=textarea(3),
        help_text=_(
            "Only when they are not safe: who was called and what was done (“a safe bed for "
            "tonight was found”). Never where they are staying: anyone who reads the "
            "assessment reads this."
        ),
    )

    # As the page asks them: safety first (the error list follows this order too).
    field_order = [
        "safety_check",
        "safety_steps",
        "held_on",
        "held_at",
        "place",
        "participants",
        "interpreter_language",
    ]

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        now = timezone.localtime(timezone.now(), ZoneInfo(zone))
        self.fields["held_on"].initial = now.date()
        self.fields["held_at"].initial = now.time().replace(second=0, microsecond=0)
        self.fields["interpreter_language"].conditional = True  # type: ignore[attr-defined]
        self.fields["safety_steps"].conditional = True  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["moment"] = LocalMoment.combine(self, "held_on", "held_at", self.zone)
        return data

    def details(self) -> SessionDetails:
        data = self.cleaned_data
        moment: datetime = data["moment"]
        return SessionDetails(
            held_at=moment,
            place=data["place"],
            participants=tuple(data["participants"]),
            safety_check=data["safety_check"],
            interpreter_language=data["interpreter_language"],
            safety_steps=data["safety_steps"],
        )


class NeedForm(forms.Form):
    """One domain: what was found, in the survivor's words and the worker's."""

    status = forms.ChoiceField(
        label=_("What did you find?"),
        choices=NeedStatus.choices,
        widget=RADIOS,
        error_messages={"required": _("Choose what you found.")},
    )
    deferred = forms.BooleanField(
        label=_("Come back to this later"),
        required=False,
        widget=CHECKBOX,
        help_text=_(
            "They do not have to talk about this today. Choose “Not yet discussed” above and "
            "tick this, so the next session comes back to it."
        ),
    )
    urgency = forms.ChoiceField(
        label=_("How soon is help needed?"),
        choices=Urgency.choices,
        widget=RADIOS,
        required=False,
        help_text=_("Needed when there is a need."),
    )
    description = TextField(
        label=_("What is needed"),
        max_length=300,
        help_text=_("A few words the whole team can act on: “a winter coat”, “a bus pass”."),
    )
    survivor_words = TextField(
        label=_("In their own words"),
        max_length=2000,
        widget=textarea(4),
        help_text=_(
            "What they said about this, as they said it. Only what they are happy for the "
            "team to read."
        ),
    )
    observations = TextField(
        label=_("Your observations"),
        max_length=2000,
        widget=textarea(3),
        help_text=_(
            "What you noticed or learned from records, in plain words. Describe, do not judge."
        ),
    )
    method = forms.ChoiceField(
        label=_("How was it assessed?"),
        choices=[c for c in AssessmentMethod.choices if c[0] != AssessmentMethod.SCREENING],
        widget=RADIOS,
        required=False,
        help_text=_("Needed once you record what you found."),
    )
    assessed_on = PastDateField(label=_("Assessed on"))
    version = LoadedVersionField()

    def __init__(self, *args: Any, in_session: bool, leads: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["urgency"].conditional = True  # type: ignore[attr-defined]
        self.fields["method"].conditional = True  # type: ignore[attr-defined]
        methods = [c for c in AssessmentMethod.choices if c[0] != AssessmentMethod.SCREENING]
        if not in_session:
            # Talking with the survivor happens in a session, which starts with safety.
            methods = [c for c in methods if c[0] != AssessmentMethod.INTERVIEW]
        if leads:
            methods = [c for c in methods if c[0] != AssessmentMethod.OTHER_AGENCY]
        self.fields["method"].choices = methods  # type: ignore[attr-defined]
        if len(methods) == 1 and not self.initial.get("method"):
            self.initial["method"] = methods[0][0]
        if not self.is_bound and "assessed_on" not in self.initial:
            self.initial["assessed_on"] = timezone.localdate()

    def change(self) -> NeedChange:
        data = self.cleaned_data
        return NeedChange(
            status=data["status"],
            urgency=data["urgency"],
            description=data["description"],
            survivor_words=data["survivor_words"],
            observations=data["observations"],
            method=data["method"],
            assessed_on=data["assessed_on"],
            deferred=data["deferred"],
        )

    @staticmethod
    def initial_from(change: NeedChange, version: int) -> dict[str, Any]:
        return {
            "status": change.status,
            "urgency": change.urgency,
            "description": change.description,
            "survivor_words": change.survivor_words,
            "observations": change.observations,
            "method": change.method if change.method != AssessmentMethod.SCREENING else "",
            "assessed_on": timezone.localdate(),
            "deferred": change.deferred,
            "version": version,
        }


class SummaryForm(forms.Form):
    summary = TextField(
        label=_("What you covered together"),
        max_length=4000,
        widget=textarea(5),
        help_text=_(
            "The session in a few lines: what you talked about, what they asked for, what "
            "comes next. The areas you recorded are listed already."
        ),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput())


class DomainForm(forms.Form):
    name = TextField(label=_("Name"), max_length=120, required=True)
    category = forms.ChoiceField(
        label=_("What kind of data it holds"),
        choices=DOMAIN_CATEGORY_CHOICES,
        widget=SELECT,
        help_text=_(
            "Decides who may read what is written about it: a partner agency sees it only "
            "when the survivor's release names this kind of data. It cannot change once "
            "cases hold needs in it."
        ),
    )
    why_we_ask = TextField(
        label=_("Why we ask"),
        max_length=400,
        widget=textarea(2),
        help_text=_("One or two sentences a case manager can read aloud to the survivor."),
    )
    sensitive = forms.BooleanField(
        label=_("A sensitive subject: offer “come back to this later” first"),
        required=False,
        widget=CHECKBOX,
    )
    is_active = forms.BooleanField(
        label=_("In use: asked in new assessments"),
        required=False,
        initial=True,
        widget=CHECKBOX,
    )
    position = forms.IntegerField(
        label=_("Position in the list"),
        min_value=0,
        max_value=999,
        required=False,
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--small"}),
    )
