from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from continuum.exports.models import PURPOSE_MAX, REASON_MAX


class ExportRequestForm(forms.Form):
    purpose = forms.CharField(
        label=_("Why this record is needed, and for whom"),
        max_length=PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "usa-textarea"}),
        help_text=_(
            "For example: “a copy of the record for the survivor”, “transfer to the "
            "out-of-county agency”, “records subpoena, case number …”. A supervisor reads "
            "this. Write the purpose, not the survivor's story."
        ),
    )


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you are refusing"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}),
        help_text=_(
            "What is wrong with the request and what would make it right, for example: "
            "“the purpose does not say who receives the copy”. The person who asked reads this."
        ),
    )
