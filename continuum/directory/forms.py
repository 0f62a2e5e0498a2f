"""The directory's forms: an agency's organization, its services, their terms and capacity,
and its locations. Each free-text field says what belongs in it; none is for a survivor's
details (the directory describes services, never people)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from continuum.core.forms import (
    CHECKBOX,
    CHECKBOXES,
    SELECT,
    LoadedVersionField,
    TextField,
    textarea,
)
from continuum.directory.actions import (
    CAPACITY_UNITS,
    MAX_AGE,
    MAX_CAPACITY,
    AddressDetails,
    LocationDetails,
    OrganizationDetails,
    ServiceDetails,
)
from continuum.directory.models import Location, Organization, Service, ServiceStatus
from continuum.directory.queries import COMMON_LANGUAGES, first_address, linked_service_ids

NUMBER = forms.NumberInput(attrs={"class": "usa-input usa-input--small"})
# ISO 639-1 or 639-3, with an optional region or script ("pt-br", "zh-hant").
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def _whole(label: Any, low: int, high: int, hint: Any = "", **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        widget=NUMBER,
        help_text=hint,
        error_messages={
            "required": _("Enter a number."),
            "invalid": _("Enter a whole number, like 3."),
            "min_value": _("This cannot be less than %(limit_value)s."),
            "max_value": _("This can be at most %(limit_value)s: check the number."),
        },
        **kwargs,
    )


def _degrees(label: Any, limit: int, hint: Any, out_of_range: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        min_value=-limit,
        max_value=limit,
        required=False,
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--medium", "step": "any"}),
        help_text=hint,
        error_messages={
            "invalid": _("Enter a number, like 29.6516."),
            "min_value": out_of_range,
            "max_value": out_of_range,
        },
    )


class RecordVersionField(forms.IntegerField):
    """The version of the record the form was loaded from, bounded so that a forged value is
    refused (422) rather than reaching the database (a 500)."""

    def __init__(self) -> None:
        super().__init__(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput())


def _named(label: Any, max_length: int, required: Any) -> TextField:
    return TextField(
        label=label, max_length=max_length, required=True, error_messages={"required": required}
    )


def _prose(label: Any, hint: Any, *, rows: int = 3, required: Any = None) -> TextField:
    if required is None:
        return TextField(label=label, max_length=4000, widget=textarea(rows), help_text=hint)
    return TextField(
        label=label,
        max_length=4000,
        required=True,
        widget=textarea(rows),
        help_text=hint,
        error_messages={"required": required},
    )


# --- the organization -------------------------------------------------------------------------


class OrganizationForm(forms.Form):
    name = _named(_("Name"), 200, _("Give your organization's name."))
    description = _prose(
        _("What the organization does"),
        _(
            "One or two sentences that staff of other agencies read first, for example "
            "“Shelter and counselling for young people aged 12 to 21 in Alachua County”."
        ),
        required=_("Say in a sentence what the organization does."),
    )
    email = forms.EmailField(
        label=_("Public email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"class": "usa-input"}),
        help_text=_(
            "The address other agencies write to. It is also shown as who checked each "
            "listing, so use a shared address (intake@…), not a person's."
        ),
        error_messages={"invalid": _("Enter an email address, like intake@example.org.")},
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "usa-input"}),
        error_messages={"invalid": _("Enter a web address, like https://example.org.")},
    )

    def details(self) -> OrganizationDetails:
        data = self.cleaned_data
        return OrganizationDetails(
            name=data["name"],
            description=data["description"],
            email=data["email"] or "",
            website=data["website"] or "",
        )

    @staticmethod
    def initial_from(organization: Organization) -> dict[str, Any]:
        return {
            "name": organization.name,
            "description": organization.description,
            "email": organization.email,
            "website": organization.website,
            "version": organization.version,
        }


class OrganizationEditForm(OrganizationForm):
    version = RecordVersionField()


# --- services ---------------------------------------------------------------------------------


def _language_codes(text: str) -> list[str]:
    return [code.strip().lower() for code in re.split(r"[,;\s]+", text) if code.strip()]


class ServiceForm(forms.Form):
    name = _named(_("Name of the service"), 200, _("Give the service a name."))
    description = _prose(
        _("What the service does"),
        _(
            "What someone gets from it, in plain words: for example “Emergency beds for "
            "girls aged 12 to 17, with a case manager on site day and night”."
        ),
        rows=4,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ServiceStatus.choices,
        initial=ServiceStatus.ACTIVE,
        widget=SELECT,
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
    minimum_age = _whole(
        _("Youngest age served"),
        0,
        MAX_AGE,
        _("Leave empty when there is no lower age limit."),
        required=False,
    )
    maximum_age = _whole(
        _("Oldest age served"),
        0,
        MAX_AGE,
        _("Leave empty when there is no upper age limit."),
        required=False,
    )
    eligibility_description = _prose(
        _("Who it is for"),
        _(
            "Who can use it and what they need to qualify, for example “girls and young "
            "women who have experienced trafficking; no referral needed”."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages staff speak with the people they serve"),
        choices=[(code, f"{name} ({code})") for code, name in COMMON_LANGUAGES.items()],
        widget=CHECKBOXES,
        required=False,
        help_text=_("Tick every language spoken without an interpreter."),
    )
    other_languages = TextField(
        label=_("Other languages"),
        max_length=200,
        help_text=_(
            "Their ISO 639 codes, separated by commas, for example “tl, ko” for Tagalog and Korean."
        ),
    )
    application_process = _prose(
        _("How to apply"),
        _("The steps to get the service, for example “call the intake line, any hour”."),
    )
    fees_description = _prose(
        _("Fees"),
        _("What it costs, or “free”. Say if a fee can be waived."),
        rows=2,
    )

    def clean_other_languages(self) -> str:
        text: str = self.cleaned_data["other_languages"]
        wrong = [code for code in _language_codes(text) if not LANGUAGE_CODE.match(code)]
        if wrong:
            raise forms.ValidationError(
                _(
                    "“%(codes)s” is not a language code. Use two or three letters, like "
                    "“tl” for Tagalog."
                )
                % {"codes": ", ".join(wrong)}
            )
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error(
                "maximum_age",
                _("The oldest age served cannot be less than the youngest age served."),
            )
        return data

    def details(self) -> ServiceDetails:
        data = self.cleaned_data
        return ServiceDetails(
            name=data["name"],
            description=data["description"],
            status=data["status"],
            minimum_age=data["minimum_age"],
            maximum_age=data["maximum_age"],
            eligibility_description=data["eligibility_description"],
            application_process=data["application_process"],
            fees_description=data["fees_description"],
            languages=tuple(
                dict.fromkeys([*data["languages"], *_language_codes(data["other_languages"])])
            ),
        )

    @staticmethod
    def initial_from(service: Service) -> dict[str, Any]:
        codes = [lang.code for lang in service.languages.all() if lang.code]
        return {
            "name": service.name,
            "description": service.description,
            "status": service.status,
            "minimum_age": _whole_or_none(service.minimum_age),
            "maximum_age": _whole_or_none(service.maximum_age),
            "eligibility_description": service.eligibility_description,
            "languages": [c for c in codes if c in COMMON_LANGUAGES],
            "other_languages": ", ".join(c for c in codes if c not in COMMON_LANGUAGES),
            "application_process": service.application_process,
            "fees_description": service.fees_description,
            "version": service.version,
        }


def _whole_or_none(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value.is_integer() else value


class ServiceEditForm(ServiceForm):
    version = RecordVersionField()


class TermSearchForm(forms.Form):
    q = TextField(
        label=_("Find a term"),
        max_length=100,
        help_text=_("Part of its name, for example “shelter” or “counseling”."),
    )


class TermForm(forms.Form):
    """Add or remove one taxonomy term, on top of the service's version as shown."""

    term = forms.UUIDField(
        widget=forms.HiddenInput(), error_messages={"invalid": _("Choose a term from the list.")}
    )
    change = forms.ChoiceField(choices=[("add", _("Add")), ("remove", _("Remove"))])
    version = RecordVersionField()


class StillTrueForm(forms.Form):
    version = RecordVersionField()


# --- capacity ---------------------------------------------------------------------------------

UNIT_LABELS = {"beds": _("beds"), "places": _("places"), "appointments": _("appointments")}
UNIT_CHOICES = [(unit, UNIT_LABELS[unit]) for unit in CAPACITY_UNITS]


class CapacityForm(forms.Form):
    """How many are free now: the most frequent edit, kept to three numbers."""

    available = _whole(_("Available now"), 0, MAX_CAPACITY, _("0 when full."))
    maximum = _whole(
        _("Maximum"),
        0,
        MAX_CAPACITY,
        _("When everything is free. Leave empty if it changes."),
        required=False,
    )
    unit = forms.ChoiceField(
        label=_("Counted in"),
        choices=UNIT_CHOICES,
        widget=SELECT,
        error_messages={"invalid_choice": _("Choose beds, places or appointments.")},
    )
    # 0: this service has no figure in this unit yet.
    version = LoadedVersionField()

    def __init__(self, *args: Any, fixed_unit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_unit:
            self.fields["unit"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        available, maximum = data.get("available"), data.get("maximum")
        if available is not None and maximum is not None and maximum < available:
            self.add_error(
                "maximum",
                _(
                    "The maximum cannot be less than what is available now. If more are "
                    "free than usual, raise the maximum too."
                ),
            )
        return data


# --- locations --------------------------------------------------------------------------------


class LocationForm(forms.Form):
    name = _named(
        _("Name of the location"),
        200,
        _("Give the location a name staff will recognise."),
    )
    confidential = forms.BooleanField(
        label=_("Confidential location: keep where it is private"),
        required=False,
        initial=True,
        widget=CHECKBOX,
        help_text=_(
            "For a safe house or shelter. Only your agency sees its name, address and phone "
            "numbers; other agencies see that the service has a confidential location, and "
            "it is never published. Untick only for an office anyone may visit."
        ),
    )
    description = _prose(
        _("About this location"),
        _("What someone should know before coming, for example “entrance at the back”."),
        rows=2,
    )
    address_1 = TextField(label=_("Street address"), max_length=200)
    address_2 = TextField(label=_("Address line 2"), max_length=200)
    city = TextField(label=_("City"), max_length=100)
    state_province = TextField(label=_("State"), max_length=50)
    postal_code = TextField(label=_("ZIP code"), max_length=20)
    country = TextField(
        label=_("Country"),
        max_length=2,
        initial="US",
        help_text=_("Two letters, like US."),
    )
    latitude = _degrees(
        _("Latitude"),
        90,
        _("For distance in matching, like 29.6516."),
        _("A latitude is between -90 and 90."),
    )
    longitude = _degrees(
        _("Longitude"),
        180,
        _("Like -82.3248 (west is negative)."),
        _("A longitude is between -180 and 180."),
    )
    services = forms.MultipleChoiceField(
        label=_("Services given here"),
        choices=[],
        widget=CHECKBOXES,
        required=False,
        help_text=_("Tick each of your agency's services offered at this location."),
        error_messages={"invalid_choice": _("Choose your agency's services from the list.")},
    )

    ADDRESS_FIELDS = ("address_1", "address_2", "city", "state_province", "postal_code")

    def __init__(self, *args: Any, services: list[Service] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = [(str(s.pk), s.name) for s in services or []]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in self.ADDRESS_FIELDS if data.get(name)]
        if given:
            for name in ("address_1", "city", "state_province", "postal_code"):
                if name in data and not data[name]:
                    self.add_error(name, _("Enter this too, or leave the whole address empty."))
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            self.add_error("longitude", _("Give both the latitude and the longitude, or neither."))
        return data

    def details(self) -> LocationDetails:
        data = self.cleaned_data
        address = None
        if any(data[name] for name in self.ADDRESS_FIELDS):
            address = AddressDetails(
                address_1=data["address_1"],
                address_2=data["address_2"],
                city=data["city"],
                state_province=data["state_province"],
                postal_code=data["postal_code"],
                country=(data["country"] or "US").upper(),
            )
        return LocationDetails(
            name=data["name"],
            description=data["description"],
            confidential=data["confidential"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            address=address,
            service_ids=tuple(UUID(value) for value in data["services"]),
        )

    @staticmethod
    def initial_from(location: Location) -> dict[str, Any]:
        address = first_address(location)
        initial: dict[str, Any] = {
            "name": location.name,
            "confidential": location.confidential,
            "description": location.description,
            "latitude": location.latitude,
            "longitude": location.longitude,
            "services": [str(pk) for pk in linked_service_ids(location)],
            "version": location.version,
        }
        if address is not None:
            for name in (*LocationForm.ADDRESS_FIELDS, "country"):
                initial[name] = getattr(address, name)
        return initial


class LocationEditForm(LocationForm):
    version = RecordVersionField()
