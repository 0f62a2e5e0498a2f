from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "class": "usa-input"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "class": "usa-input"}
        ),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "usa-input",
                "autocapitalize": "none",
                "spellcheck": "false",
                # The code is the only thing to do on its page.
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class SwitchAgencyForm(forms.Form):
    membership = forms.IntegerField(min_value=1)


class StepUpForm(forms.Form):
    """Asks again for a code from the authenticator app before something a stolen session
    must not be able to do on its own (make a token, replace recovery codes)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        help_text=_("We ask again because this gives lasting access."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "usa-input"}
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_code(self) -> str:
        from continuum.accounts.actions import verify_authenticator_code

        code = "".join(self.cleaned_data["code"].split())
        if not verify_authenticator_code(user=self.user, code=code):
            raise forms.ValidationError(
                _("That code did not work. Type the code your app shows now.")
            )
        return code


class TokenForm(StepUpForm):
    EXPIRY_CHOICES = [("30", _("30 days")), ("90", _("90 days")), ("365", _("1 year"))]

    name = forms.CharField(
        label=_("What is this token for?"),
        max_length=100,
        help_text=_('For example: "monthly DCF report script".'),
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial="90",
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
