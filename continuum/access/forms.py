from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from continuum.access.models import REASON_MAX


class EmergencyAccessForm(forms.Form):
    case_reference = forms.CharField(
        label=_("Case reference"),
        max_length=12,
        help_text=_("As the caller or the paperwork gives it, for example C-2026-0001."),
    )
    reason = forms.CharField(
        label=_("Why you need this record now"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your supervisor reads this. Write the emergency, not the survivor's story."),
    )


class EmergencyReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What you checked and what you found, for example: “Spoke with them: the "
            "placement call was an emergency.” Not the survivor's story."
        ),
    )
