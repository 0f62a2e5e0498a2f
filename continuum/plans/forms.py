"""The care plan's forms. Every change to the plan asks how the survivor took part in it;
every free-text field says what belongs there."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuum.accounts.models import Agency
from continuum.core.forms import (
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
from continuum.plans.actions import (
    MAX_REVIEW_DAYS,
    MIN_REVIEW_DAYS,
    AppointmentIn,
    GoalIn,
    ServiceIn,
    SurvivorVoice,
    TaskIn,
)
from continuum.plans.models import (
    PLAN_CATEGORY_CHOICES,
    Agreement,
    AppointmentKind,
    AppointmentStatus,
    GoalStatus,
    ServiceStatus,
    SurvivorPart,
    TaskStatus,
)
from continuum.protocols.fields import MemberAgencyField
from continuum.protocols.queries import unsigned_member_ids, with_mou_flag
from continuum.screening.forms import LocalMoment

NO_GOAL = ""


class VoiceForm(forms.Form):
    """How the survivor took part in this change: recorded every time the plan changes."""

    survivor_part = forms.ChoiceField(
        label=_("Was the survivor part of this change?"),
        choices=SurvivorPart.choices,
        widget=RADIOS,
        error_messages={"required": _("Say how the survivor took part in this change.")},
    )
    survivor_said = TextField(
        label=_("What they said or asked for"),
        max_length=1000,
        widget=textarea(2),
        help_text=_(
            "In their words, if they said something about this: “asked for a woman mentor”."
        ),
    )
    version = LoadedVersionField()

    @property
    def visible_plan_fields(self) -> list[forms.BoundField]:
        """The change's own fields, before the survivor's part (shown in its own fieldset)."""
        voice = {"survivor_part", "survivor_said", "version"}
        return [self[name] for name in self.fields if name not in voice]

    def voice(self) -> SurvivorVoice:
        return SurvivorVoice(
            part=self.cleaned_data["survivor_part"], said=self.cleaned_data["survivor_said"]
        )


def _goal_choices(goals: list[Any]) -> list[tuple[str, str]]:
    return [(NO_GOAL, str(_("No goal: something the plan needs as a whole")))] + [
        (str(g.pk), str(g.words)[:80]) for g in goals
    ]


def _uuid_or_none(value: str) -> UUID | None:
    return UUID(value) if value else None


class GoalForm(VoiceForm):
    words = TextField(
        label=_("The goal, in their words"),
        max_length=500,
        required=True,
        widget=textarea(2),
        help_text=_("What they want, as they said it: “I want to finish 10th grade”."),
        error_messages={"required": _("Write the goal, in the survivor's words.")},
    )
    needs = forms.MultipleChoiceField(
        label=_("The needs it meets"),
        required=False,
        widget=CHECKBOXES,
        help_text=_("From their needs assessment."),
    )
    category = forms.ChoiceField(
        label=_("Who may read this goal"),
        choices=PLAN_CATEGORY_CHOICES,
        widget=SELECT,
        help_text=_(
            "The care plan is shared with the team as their releases allow. Choose a stricter "
            "kind for a goal about their health, mental health or substance use treatment."
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=GoalStatus.choices, widget=RADIOS, initial=GoalStatus.ACTIVE
    )
    field_order = ["words", "needs", "category", "status", "survivor_part", "survivor_said"]

    def __init__(self, *args: Any, needs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needs"].choices = [  # type: ignore[attr-defined]
            (str(n.pk), f"{n.domain.name} ({n.get_status_display().lower()})") for n in needs
        ]

    def goal(self) -> GoalIn:
        data = self.cleaned_data
        return GoalIn(
            words=data["words"],
            category=data["category"],
            need_ids=tuple(UUID(v) for v in data["needs"]),
            status=data["status"],
        )


def owner_choices(owners: list[tuple[Agency, Any]]) -> list[tuple[str, str]]:
    """(agency, person or None) pairs as choices: "a:<agency>" or "u:<agency>:<user>"."""
    choices = []
    unsigned = unsigned_member_ids()
    for agency, user in owners:
        label = with_mou_flag(agency.name, agency.pk, unsigned)
        if user is None:
            choices.append(
                (f"a:{agency.pk}", str(_("%(agency)s (anyone there)") % {"agency": label}))
            )
        else:
            name = user.get_full_name() or user.username
            choices.append((f"u:{agency.pk}:{user.pk}", f"{name}, {label}"))
    return choices


def parse_owner(value: str) -> tuple[int, int | None]:
    parts = value.split(":")
    if parts[0] == "a" and len(parts) == 2:
        return int(parts[1]), None
    return int(parts[1]), int(parts[2])


class TaskForm(VoiceForm):
    title = TextField(
        label=_("What is to be done"),
        max_length=300,
        required=True,
        help_text=_("A step someone can act on: “Apply for a state ID card”."),
        error_messages={"required": _("Say what is to be done.")},
    )
    goal = forms.ChoiceField(label=_("For the goal"), required=False, widget=SELECT)
    owner = forms.ChoiceField(
        label=_("Who does it"),
        widget=SELECT,
        help_text=_("An agency on the care team, or a person in it. It goes on their My work."),
        error_messages={"required": _("Choose who does it.")},
    )
    due_on = forms.DateField(label=_("By"), required=False, widget=DATE)

    def clean_due_on(self) -> date | None:
        due: date | None = self.cleaned_data.get("due_on")
        if due and not 2000 <= due.year <= 2100:  # the action's rule, said at the field
            raise forms.ValidationError(_("Check the year of the date it is due."))
        return due

    status = forms.ChoiceField(
        label=_("Status"), choices=TaskStatus.choices, widget=RADIOS, initial=TaskStatus.TO_DO
    )
    field_order = ["title", "goal", "owner", "due_on", "status", "survivor_part", "survivor_said"]

    def __init__(
        self, *args: Any, goals: list[Any], owners: list[tuple[Agency, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = _goal_choices(goals)  # type: ignore[attr-defined]
        self.fields["owner"].choices = [("", _("- Select -")), *owner_choices(owners)]  # type: ignore[attr-defined]

    def task(self) -> TaskIn:
        data = self.cleaned_data
        agency_id, user_id = parse_owner(data["owner"])
        return TaskIn(
            title=data["title"],
            owner_agency_id=agency_id,
            owner_user_id=user_id,
            goal_id=_uuid_or_none(data["goal"]),
            due_on=data["due_on"],
            status=data["status"],
        )


class ServiceForm(VoiceForm):
    description = TextField(
        label=_("What service"),
        max_length=300,
        required=True,
        help_text=_("The kind of help: “weekly trauma-focused therapy”, “a safe-house bed”."),
        error_messages={"required": _("Say what service is planned.")},
    )
    goal = forms.ChoiceField(label=_("For the goal"), required=False, widget=SELECT)
    provider = MemberAgencyField(
        label=_("Provider"),
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Not chosen yet"),
        widget=SELECT,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ServiceStatus.choices,
        widget=RADIOS,
        initial=ServiceStatus.PLANNED,
    )
    field_order = ["description", "goal", "provider", "status", "survivor_part", "survivor_said"]

    def __init__(self, *args: Any, goals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = _goal_choices(goals)  # type: ignore[attr-defined]

    def service(self) -> ServiceIn:
        data = self.cleaned_data
        provider = data["provider"]
        return ServiceIn(
            description=data["description"],
            goal_id=_uuid_or_none(data["goal"]),
            provider_id=provider.pk if provider else None,
            status=data["status"],
        )


class ReviewForm(forms.Form):
    reviewed_on = PastDateField(
        label=_("Gone through with them on"),
        required=True,
        error_messages={"required": _("Enter the day you went through the plan with them.")},
    )
    agreement = forms.ChoiceField(
        label=_("What did they think of the plan?"),
        choices=Agreement.choices,
        widget=RADIOS,
        error_messages={"required": _("Say whether they agreed with the plan.")},
    )
    survivor_said = TextField(
        label=_("What they said or asked for"),
        max_length=1000,
        widget=textarea(3),
        help_text=_("In their words: what they want changed, added, or kept."),
    )
    version = LoadedVersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewed_on"].initial = timezone.localdate()


class IntervalForm(forms.Form):
    review_every_days = forms.IntegerField(
        label=_("Go through the plan with them every (days)"),
        min_value=MIN_REVIEW_DAYS,
        max_value=MAX_REVIEW_DAYS,
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--small"}),
    )
    version = LoadedVersionField()


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TaskStatus.choices)
    next = forms.CharField(required=False, max_length=300)


class AppointmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind"),
        choices=AppointmentKind.choices,
        widget=RADIOS,
        error_messages={"required": _("Choose what kind of appointment it is.")},
    )
    what = TextField(
        label=_("What it is"),
        max_length=200,
        required=True,
        help_text=_("In a few words: “Dentist check-up”, “Hearing at the courthouse”."),
        error_messages={"required": _("Say what the appointment is.")},
    )
    day = forms.DateField(
        label=_("Day"), widget=DATE, error_messages={"required": _("Enter the day.")}
    )
    at = forms.TimeField(
        label=_("Time"), widget=TIME, error_messages={"required": _("Enter the time.")}
    )
    place = TextField(
        label=_("Where"),
        max_length=200,
        help_text=_("The service's place (“Health clinic, 2nd floor”). Never their home address."),
    )
    with_agency = MemberAgencyField(
        label=_("With"),
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Not with an agency of the network"),
        widget=SELECT,
    )
    accompanied_by = forms.ChoiceField(label=_("Who goes with them"), required=False, widget=SELECT)
    # No default: "Dentist check-up" left as the care plan's kind would show it to a mentor.
    category = forms.ChoiceField(
        label=_("Who may see it"),
        choices=PLAN_CATEGORY_CHOICES,
        widget=SELECT,
        help_text=_(
            "Everyone who reads the care plan (a survivor-mentor too) sees “Care plan and "
            "appointments”. Choose health, mental health or substance use for those "
            "appointments. A court date is always legal data."
        ),
        error_messages={"required": _("Choose who may see it.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=AppointmentStatus.choices,
        widget=RADIOS,
        initial=AppointmentStatus.PLANNED,
    )
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput())

    def __init__(
        self,
        *args: Any,
        zone: str,
        companions: list[Any],
        kinds: Collection[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """kinds: the kinds of data the writer may give it (those they read on the case);
        offering one they may not would end in a refusal that loses what they typed."""
        super().__init__(*args, **kwargs)
        self.zone = zone
        offered = [(v, label) for v, label in PLAN_CATEGORY_CHOICES if kinds is None or v in kinds]
        self.fields["category"].choices = [("", _("Choose…")), *offered]  # type: ignore[attr-defined]
        self.fields["accompanied_by"].choices = [  # type: ignore[attr-defined]
            ("", _("No one yet")),
            *((str(u.pk), u.get_full_name() or u.username) for u in companions),
        ]
        if not self.is_bound and "day" not in self.initial:
            self.initial["day"] = timezone.localtime(timezone.now(), ZoneInfo(zone)).date()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day: date | None = data.get("day")
        if day and not 2000 <= day.year <= timezone.localdate().year + 5:
            self.add_error("day", _("Check the year."))
            return data
        data["moment"] = LocalMoment.combine(self, "day", "at", self.zone)
        moment = data.get("moment")
        if (
            moment
            and data.get("status") == AppointmentStatus.PLANNED
            and moment < timezone.now() - timedelta(hours=1)
        ):
            self.add_error(
                "status",
                _("This time has passed: say whether it went ahead, or change the day."),
            )
        return data

    def appointment(self) -> AppointmentIn:
        data = self.cleaned_data
        moment: datetime = data["moment"]
        companion = data["accompanied_by"]
        return AppointmentIn(
            kind=data["kind"],
            starts_at=moment,
            what=data["what"],
            place=data["place"],
            category=data["category"],
            with_agency_id=data["with_agency"].pk if data["with_agency"] else None,
            accompanied_by_id=int(companion) if companion else None,
            status=data["status"],
        )
