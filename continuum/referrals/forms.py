"""Referral forms: a new referral, a capacity inquiry, a move of the referral's state, and
its outcome. Ids travel in the form (never anything about the person)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from continuum.core.forms import CHECKBOX, RADIOS, SELECT, TextField, VersionField, textarea
from continuum.referrals import states
from continuum.referrals.actions import GENDER_WORDS
from continuum.referrals.models import ReferralOutcome, ReferralReason, ReferralStatus

NOTE_LIMIT = 2000  # Referral.note's plain_max_length

# The words a capacity inquiry may use for the young person, as they describe themselves.
GENDER_CHOICES = [
    ("young person", _("young person (say nothing about gender)")),
    *[(w, w) for w in sorted(GENDER_WORDS - {"young person"})],
]


class ReferralForm(forms.Form):
    """What the case manager adds to a referral; the service and need come with the page."""

    do_not_reach_out = forms.BooleanField(
        label=_("The young person does not want the provider to contact them directly"),
        required=False,
        widget=CHECKBOX,
        help_text=_(
            "The provider is told to go through you, and no contact details are sent, "
            "whatever the release allows."
        ),
    )
    urgent = forms.BooleanField(label=_("Needed today"), required=False, widget=CHECKBOX)
    note = TextField(
        label=_("What the provider should know"),
        max_length=NOTE_LIMIT,
        widget=textarea(4),
        help_text=_(
            "What helps them take this young person in well, not their story. It is read "
            "as part of their needs: the provider sees it only while a release covers needs."
        ),
    )


class InquiryForm(forms.Form):
    """The three facts a capacity inquiry is written from (nothing else travels)."""

    age = forms.IntegerField(
        label=_("Age"),
        min_value=0,
        max_value=30,
        required=False,
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--small"}),
        help_text=_("Leave empty to leave the age out."),
    )
    gender_words = forms.ChoiceField(
        label=_("How the message speaks of them"),
        choices=GENDER_CHOICES,
        initial="young person",
        widget=SELECT,
        help_text=_("As they describe themselves; “young person” says nothing about gender."),
    )
    urgent = forms.BooleanField(label=_("Needed today"), required=False, widget=CHECKBOX)


REASON_LABELS = {
    ReferralStatus.REJECTED: _("Why not"),
    ReferralStatus.FAILED: _("Why it could not be completed"),
    ReferralStatus.CANCELLED: _("Why cancel it"),
}


class MoveForm(forms.Form):
    """One move of the referral (a button on its page; the state it moves to is posted as
    `to`, outside the form), with the reason the standard asks for and, when completing,
    whether the young person got help."""

    reason = forms.ChoiceField(
        label=_("Why"),
        required=False,
        choices=[("", _("- Select -")), *ReferralReason.choices],
        widget=SELECT,
    )
    outcome = forms.ChoiceField(
        label=_("Did the young person get help?"),
        required=False,
        choices=[("", _("Not known yet")), *ReferralOutcome.choices],
        widget=RADIOS,
    )
    version = VersionField()

    def __init__(self, *args: Any, to: ReferralStatus, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"move-{to}")
        super().__init__(*args, **kwargs)
        self.to = to
        reasons = states.REASONS.get(to)
        if reasons:
            self.fields["reason"].choices = [  # type: ignore[attr-defined]
                ("", _("- Select -")),
                *[(r.value, r.label) for r in ReferralReason if r in reasons],
            ]
            self.fields["reason"].required = True
            self.fields["reason"].label = REASON_LABELS.get(to, _("Why"))
            self.fields["reason"].error_messages["required"] = _("Say why.")
        else:
            del self.fields["reason"]
        if to != ReferralStatus.COMPLETED:
            del self.fields["outcome"]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Did the young person get help?"),
        choices=ReferralOutcome.choices,
        widget=RADIOS,
        error_messages={"required": _("Choose “got help” or “did not get help”.")},
    )
    version = VersionField()
