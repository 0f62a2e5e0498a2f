"""The forms of the matching pages: what the case manager asks for, checked at the edge.

Both forms post (the criteria carry facts about a young person: age, gender, language,
where they are), so nothing of them reaches a URL. A ZIP code we do not know is an error
on its field, with what was typed kept; it is never silently dropped, because a search
without a place is a different search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from continuum.core.forms import TextField
from continuum.directory.need_terms import NEED_DOMAIN_TERMS
from continuum.directory.queries import COMMON_LANGUAGES
from continuum.needs.models import NeedDomain
from continuum.referrals import placements
from continuum.referrals.matching import (
    DOCUMENT_LABELS,
    GENDERS,
    MAX_AGE,
    MAX_RADIUS,
    MIN_AGE,
    MIN_RADIUS,
    PREFERRED_SITUATIONS,
    Gender,
    MatchCriteria,
    Place,
    place_for_zip,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# A label: a plain string or a lazily translated one.
type Text = str | StrPromise

CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"})


def _checkbox(label: Text, help_text: Text = "", *, initial: bool = False) -> forms.BooleanField:
    return forms.BooleanField(
        label=label,
        help_text=help_text,
        required=False,
        initial=initial,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )


def _number(label: Text, low: float, high: float, **kwargs: Any) -> forms.IntegerField:
    field = forms.IntegerField(
        label=label,
        min_value=int(low),
        max_value=int(high),
        required=False,
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--small"}),
        **kwargs,
    )
    # Django's own ("Ensure this value is greater than…") is not plain language.
    field.error_messages["min_value"] = _("Enter %(limit_value)s or more.")
    field.error_messages["max_value"] = _("Enter %(limit_value)s or less.")
    field.error_messages["invalid"] = _("Enter a whole number.")
    return field


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


def _zip_field(label: Text, help_text: Text) -> TextField:
    return TextField(
        label=label,
        help_text=help_text,
        max_length=10,
        widget=forms.TextInput(
            attrs={"class": "usa-input usa-input--small", "inputmode": "numeric"}
        ),
    )


def checked_place(value: str) -> Place | None:
    """The place for a typed ZIP (None when empty), or a ValidationError saying why not."""
    if not value:
        return None
    place = place_for_zip(value)
    if place is None:
        raise forms.ValidationError(
            _(
                "We do not know the ZIP code “%(zip)s”. Check it (five digits, like 33101), "
                "or leave it empty to search without distance."
            )
            % {"zip": value}
        )
    return place


class _YoungPersonFields(forms.Form):
    """What both forms ask about the young person, none of it stored."""

    age = _number(_("Age"), MIN_AGE, MAX_AGE, help_text=_("Services for their age only."))
    gender = forms.ChoiceField(
        label=_("Gender, as they describe it"),
        required=False,
        choices=[("", _("Not given")), *((k, _(v)) for k, v in GENDERS.items())],
        help_text=_(
            "Only to find services open to them. Not saved. Services listed for one gender "
            "are still shown, with a note, when this is not given."
        ),
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    transgender = _checkbox(
        _("They are transgender"),
        _("Services for transgender young people fit them too."),
    )
    language = forms.ChoiceField(
        label=_("Language they are most at ease in"),
        required=False,
        choices=[("", _("Not given")), *COMMON_LANGUAGES.items()],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    language_required = _checkbox(_("Only services whose staff speak it"))
    preferences = forms.MultipleChoiceField(
        label=_("What they would prefer"),
        help_text=_("Services listed this way come first; others are still shown."),
        required=False,
        choices=[(code, _(_sentence(words))) for code, words in PREFERRED_SITUATIONS.items()],
        widget=CHECKBOXES,
    )

    def clean_gender(self) -> Gender | None:
        return cast(Gender, self.cleaned_data["gender"]) or None


class MatchForm(_YoungPersonFields):
    """Services for a need (or typed words), near a place."""

    domain = forms.ChoiceField(
        label=_("What they need"),
        required=False,
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    words = TextField(
        label=_("Words to search for"),
        max_length=200,
        help_text=_("In the service's name or description, like “tutoring” or “dental”."),
    )
    zip_code = _zip_field(
        _("ZIP code to measure distance from"),
        _("Where they are, or will be. Services farther away are left out."),
    )
    radius = _number(_("Within (miles)"), MIN_RADIUS, MAX_RADIUS, initial=25)
    room_today = _checkbox(
        _("Only services with room today"),
        _("Services that are full are left out. Those that have not said how much room they "
          "have are still shown, with a note to call."),
    )  # fmt: skip
    lacks_documents = forms.MultipleChoiceField(
        label=_("Documents they do not have"),
        help_text=_("Services that ask for them are still shown, with a note."),
        required=False,
        choices=[(k, _(_sentence(v))) for k, v in DOCUMENT_LABELS.items()],
        widget=CHECKBOXES,
    )

    field_order = [
        "domain",
        "words",
        "zip_code",
        "radius",
        "age",
        "gender",
        "transgender",
        "language",
        "language_required",
        "room_today",
        "preferences",
        "lacks_documents",
    ]

    def __init__(self, *args: Any, need_domain: NeedDomain | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.need_domain = need_domain
        if need_domain is not None:
            # The need decides what is looked for; the page says which.
            del self.fields["domain"]
        else:
            domain_field = cast(forms.ChoiceField, self.fields["domain"])
            domain_field.choices = [("", _("Any")), *domain_choices()]

    def clean_zip_code(self) -> Place | None:
        return checked_place(self.cleaned_data["zip_code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        asked = self.need_domain or data.get("domain") or data.get("words")
        if not asked and not self.errors and not data.get("zip_code"):
            raise forms.ValidationError(
                _("Choose what they need, type some words, or give a ZIP code.")
            )
        return data

    def criteria(self) -> MatchCriteria:
        data = self.cleaned_data
        return MatchCriteria(
            domain=self.need_domain.code if self.need_domain else data.get("domain") or None,
            text=data["words"],
            age=data["age"],
            gender=data["gender"],
            transgender=data["transgender"],
            language=data["language"],
            language_required=data["language_required"],
            place=data["zip_code"],
            radius_miles=float(data["radius"] or 25),
            room_today=data["room_today"],
            preferred_situations=tuple(data["preferences"]),
            lacks_documents=tuple(data["lacks_documents"]),
        )


def domain_choices() -> list[tuple[str, str]]:
    """The need domains in use that the directory can answer (those mapped to terms)."""
    return [
        (d.code, d.name)
        for d in NeedDomain.objects.filter(is_active=True)
        if NEED_DOMAIN_TERMS.get(d.code)
    ]


class PlacementForm(_YoungPersonFields):
    """A certified safe house or safe foster home, far from the exploiter's known area."""

    certifications = forms.MultipleChoiceField(
        label=_("Kind of placement"),
        help_text=_("Leave both unticked for either."),
        required=False,
        choices=[(k, _(v)) for k, v in placements.CERTIFICATIONS.items()],
        widget=CHECKBOXES,
    )
    needs = forms.MultipleChoiceField(
        label=_("What they need from the placement"),
        help_text=_("Only placements listed as able to do this are shown."),
        required=False,
        choices=[(k, _(v.asked)) for k, v in placements.PLACEMENT_NEEDS.items()],
        widget=CHECKBOXES,
    )
    beds = _number(_("Beds needed"), 1, placements.MAX_BEDS, initial=1)
    bed_today = _checkbox(
        _("Only placements with a bed free now"),
        _("Placements that are full are left out; those that have not said are shown."),
        initial=True,
    )
    away_zip = _zip_field(
        _("ZIP code of the area to keep them away from"),
        _("Where the person who exploited them is known to be. Not saved."),
    )
    min_miles = _number(
        _("At least this far from it (miles)"),
        0,
        placements.MAX_MILES,
        initial=int(placements.DEFAULT_MIN_MILES),
        help_text=_(
            "Counted in steps of 25 miles, rounded up, so the search cannot be used to find "
            "where a home is. Farther placements come first."
        ),
    )

    field_order = [
        "certifications",
        "needs",
        "beds",
        "bed_today",
        "away_zip",
        "min_miles",
        "age",
        "gender",
        "transgender",
        "language",
        "language_required",
        "preferences",
    ]

    def clean_away_zip(self) -> Place | None:
        return checked_place(self.cleaned_data["away_zip"])

    def criteria(self) -> placements.PlacementCriteria:
        data = self.cleaned_data
        min_miles = data["min_miles"]
        return placements.PlacementCriteria(
            age=data["age"],
            gender=data["gender"],
            transgender=data["transgender"],
            certifications=tuple(data["certifications"]),
            needs=tuple(data["needs"]),
            beds=data["beds"] or 1,
            bed_today=data["bed_today"],
            away_from=data["away_zip"],
            min_miles=placements.DEFAULT_MIN_MILES if min_miles is None else float(min_miles),
            language=data["language"],
            language_required=data["language_required"],
            preferred_situations=tuple(data["preferences"]),
        )
