"""MDT forms: convene a staffing (when, where, who), attendance, a decision with its
actions, and closing the meeting."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.cases.models import NOTE_CHOICES
from continuum.core.forms import (
    CHECKBOX,
    CHECKBOXES,
    DATE,
    RADIOS,
    SELECT,
    TIME,
    TextField,
    VersionField,
    textarea,
)
from continuum.mdt.models import PlaceKind, SurvivorVoice
from continuum.screening.forms import LocalMoment

ACTION_ROWS = 3  # action items typed with one decision (more: record another decision)


class ConveneForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), widget=DATE, error_messages={"required": _("Enter the day.")}
    )
    at = forms.TimeField(
        label=_("Time"), widget=TIME, error_messages={"required": _("Enter the time.")}
    )
    minutes_long = forms.IntegerField(
        label=_("Length in minutes"),
        min_value=15,
        max_value=480,
        initial=60,
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--small"}),
        error_messages={"required": _("Enter how long it lasts, in minutes.")},
    )
    place_kind = forms.ChoiceField(
        label=_("How people meet"),
        choices=PlaceKind.choices,
        widget=RADIOS,
        error_messages={"required": _("Choose how people will meet.")},
    )
    place = TextField(
        label=_("Room"),
        max_length=200,
        help_text=_(
            "A room of a member agency (“Sabal CAC, conference room B”). Never where the "
            "survivor lives or stays."
        ),
    )
    call_link = TextField(
        label=_("Call link"),
        max_length=500,
        help_text=_("The https:// link of the video call. It goes in the invitation."),
    )
    invite_roles = forms.MultipleChoiceField(
        label=_("Invite agencies, by their role on the team"),
        required=False,
        widget=CHECKBOXES,
    )
    invite_people = forms.MultipleChoiceField(
        label=_("Invite people by name"),
        required=False,
        widget=CHECKBOXES,
    )

    def __init__(
        self,
        *args: Any,
        zone: str,
        role_choices: list[tuple[str, str]],
        people_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["invite_roles"].choices = role_choices  # type: ignore[attr-defined]
        self.fields["invite_people"].choices = people_choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["starts_at"] = LocalMoment.combine(self, "day", "at", self.zone)
        if not data.get("invite_roles") and not data.get("invite_people") and not self.errors:
            self.add_error("invite_roles", _("Invite at least one agency or person."))
        return data


class AttendanceForm(forms.Form):
    present = forms.MultipleChoiceField(label=_("Who came"), required=False, widget=CHECKBOXES)
    walk_ins = forms.MultipleChoiceField(
        label=_("Also came, without an invitation"), required=False, widget=CHECKBOXES
    )
    survivor_present = forms.BooleanField(
        label=_("The survivor took part"), required=False, widget=CHECKBOX
    )
    family_present = forms.BooleanField(
        label=_("A family member or caregiver took part"), required=False, widget=CHECKBOX
    )
    version = VersionField()

    def __init__(
        self,
        *args: Any,
        invited: list[tuple[str, str]],
        others: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = invited  # type: ignore[attr-defined]
        self.fields["walk_ins"].choices = others  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    text = TextField(
        label=_("What the team decided"),
        max_length=2000,
        required=True,
        widget=textarea(4),
        help_text=_(
            "The decision, not the discussion. Only what the people who will read it need."
        ),
        error_messages={"required": _("Write what was decided.")},
    )
    category = forms.ChoiceField(
        label=_("Who may read it"),
        choices=[("", _("- Select -")), *NOTE_CHOICES],
        widget=SELECT,
        help_text=_(
            "Agencies read a decision only if the survivor released this kind of information to "
            "them."
        ),
        error_messages={"required": _("Choose who may read this decision.")},
    )

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(ACTION_ROWS):
            self.fields[f"action_{row}_title"] = TextField(
                label=_("What to do"),
                max_length=200,
                help_text=_(
                    "In the system's words (“Arrange a dental appointment”), not the survivor's "
                    "details."
                )
                if row == 0
                else "",
            )
            self.fields[f"action_{row}_owner"] = forms.ChoiceField(
                label=_("Who does it"),
                choices=[("", _("- Select -")), *owners],
                required=False,
                widget=SELECT,
            )
            self.fields[f"action_{row}_due"] = forms.DateField(
                label=_("By"), required=False, widget=DATE
            )

    def action_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"action_{row}_title"], self[f"action_{row}_owner"], self[f"action_{row}_due"])
            for row in range(ACTION_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        actions = []
        for row in range(ACTION_ROWS):
            title = data.get(f"action_{row}_title") or ""
            owner = data.get(f"action_{row}_owner") or ""
            due: date | None = data.get(f"action_{row}_due")
            if not (title or owner or due):
                continue
            if not title:
                self.add_error(f"action_{row}_title", _("Say what the action is."))
            if not owner:
                self.add_error(f"action_{row}_owner", _("Choose who does it."))
            if due is None:
                self.add_error(f"action_{row}_due", _("Give the day it is due."))
            elif due < timezone.localdate():
                self.add_error(f"action_{row}_due", _("The due date cannot be in the past."))
            actions.append((title, owner, due))
        data["actions"] = actions
        return data


class HoldForm(forms.Form):
    survivor_voice = forms.ChoiceField(
        label=_("How was the survivor's voice heard?"),
        choices=SurvivorVoice.choices,
        widget=RADIOS,
        error_messages={"required": _("Say how the survivor's voice was heard.")},
    )
    survivor_voice_how = TextField(
        label=_("How, in a few words"),
        max_length=1000,
        widget=textarea(2),
        help_text=_(
            "For example: “Her mentor read out what she wants from school.” Not what she said "
            "about what happened to her."
        ),
    )
    minutes = TextField(
        label=_("Minutes"),
        max_length=20000,
        widget=textarea(6),
        help_text=_(
            "What was discussed, briefly. Decisions go in their own section. Members of agencies "
            "without a release do not read the minutes."
        ),
    )
    next_meeting_on = forms.DateField(
        label=_("Next meeting"),
        required=False,
        widget=DATE,
        help_text=_("The team decides how often it meets for this case."),
    )
    no_next_meeting_reason = TextField(
        label=_("Or: why the team is not meeting again"),
        max_length=500,
        help_text=_("For example: “Case moving to another county; their team takes it up.”"),
    )
    version = VersionField()
