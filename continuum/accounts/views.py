"""Signing in (password, then a code), setting up two-step verification, and the account page."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import django_otp
import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage

from continuum.access.actor import Actor
from continuum.accounts import actions
from continuum.accounts.forms import CodeForm, SignInForm, StepUpForm, SwitchAgencyForm, TokenForm
from continuum.accounts.models import User
from continuum.accounts.sessions import is_verified, memberships_of
from continuum.api import tokens
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.core.text import in_sentence
from continuum.core.web import actor_required

NEXT = "continuum_next"
ENROLLING = "continuum_enrolling_device"


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step one: username and password. Five failures lock the username (django-axes)."""
    if getattr(request, "actor", None) is not None:
        return redirect("cases:my_work")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            # Audited too: a lockout is what an admin looks for after a guessing attempt.
            _record_failed_sign_in(form.cleaned_data["username"], locked_out=True)
            return render(request, "accounts/locked_out.html", status=403)
        if user is None:
            _record_failed_sign_in(form.cleaned_data["username"], locked_out=False)
            form.add_error(
                None, _("That username and password do not match. Check them and try again.")
            )
        else:
            next_url = _safe_next(request, request.POST.get("next"))
            login(request, user)
            if next_url:
                request.session[NEXT] = next_url
            if django_otp.user_has_device(user):
                return redirect("accounts:verify")
            return redirect("accounts:enroll")
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "next": request.GET.get("next", request.POST.get("next", ""))},
    )


def _record_failed_sign_in(typed_username: str, *, locked_out: bool) -> None:
    """Name the account when the username exists; otherwise keep nothing of what was typed,
    because people type passwords into the username box, and the log is append-only."""
    account = User.objects.filter(username=typed_username).first()
    record(
        None,
        AuditAction.SIGN_IN_FAILED,
        user=account,
        detail={"known_username": account is not None, "locked_out": locked_out},
    )


def _needs_second_step(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if is_verified(request.user):
        return redirect("cases:my_work")
    return None


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator app, or a recovery code."""
    early = _needs_second_step(request)
    if early:
        return early
    user: User = request.user  # type: ignore[assignment]
    if not django_otp.user_has_device(user):
        return redirect("accounts:enroll")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["code"])
        if device is None:
            record(None, AuditAction.SIGN_IN_FAILED, user=user, detail={"step": "code"})
            form.add_error(
                "code",
                _(
                    "That code did not work. Codes change every 30 seconds: "
                    "type the one your app shows now."
                ),
            )
        else:
            _second_factor_passed(request, user, device)
            if isinstance(device, StaticDevice):
                record(None, AuditAction.RECOVERY_CODE_USED, user=user)
                messages.warning(
                    request,
                    _(
                        "You used a recovery code. You have %(count)s left; you can make new ones "
                        "on your account page."
                    )
                    % {"count": device.token_set.count()},
                )
            return _finish_sign_in(request, user)
    return render(request, "accounts/verify.html", {"form": form})


def _second_factor_passed(request: HttpRequest, user: User, device: Device) -> None:
    """The session becomes fully signed in: a new session id (the one that went with the
    password alone must not carry the higher privilege), the first agency, an audit entry."""
    django_otp.login(request, device)
    request.session.cycle_key()
    memberships = memberships_of(user)
    if memberships:
        actions.choose_membership(request, memberships[0])
        record(Actor(user=user, membership=memberships[0]), AuditAction.SIGNED_IN)
    else:
        record(None, AuditAction.SIGNED_IN, user=user)


def _finish_sign_in(request: HttpRequest, user: User) -> HttpResponse:
    next_url = request.session.pop(NEXT, None)
    return redirect(next_url or reverse("cases:my_work"))


@require_http_methods(["GET", "POST"])
def enroll(request: HttpRequest) -> HttpResponse:
    """First sign-in: set up the authenticator app (QR code or key), then recovery codes."""
    early = _needs_second_step(request)
    if early:
        return early
    user: User = request.user  # type: ignore[assignment]
    if django_otp.user_has_device(user):
        return redirect("accounts:verify")
    device = actions.pending_totp_device(user, request.session.get(ENROLLING))
    request.session[ENROLLING] = device.pk
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = actions.confirm_totp_device(user=user, device=device)
            _second_factor_passed(request, user, device)
            request.session["continuum_new_recovery_codes"] = codes
            return redirect("accounts:recovery_codes")
        form.add_error(
            "code",
            _(
                'That code did not work. Check the app shows "Continuum" '
                "and type the code it shows now."
            ),
        )
    return render(
        request,
        "accounts/enroll.html",
        {
            "form": form,
            "qr_data_uri": _qr_data_uri(device.config_url),
            "manual_key": base64.b32encode(device.bin_key).decode(),
        },
    )


def _qr_data_uri(text: str) -> str:
    # SVG, drawn by qrcode itself: a PNG would need Pillow, which is not a dependency (the
    # page failed with ModuleNotFoundError). White background so it scans in dark mode too.
    image = qrcode.make(text, image_factory=SvgPathFillImage, box_size=15, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@actor_required
def recovery_codes(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Shows newly made recovery codes once, then forgets them."""
    codes = request.session.pop("continuum_new_recovery_codes", None)
    if not codes:
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "nav": "account"})


@require_POST
@actor_required
def new_recovery_codes(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = StepUpForm(request.POST, user=actor.user)
    if not form.is_valid():
        messages.error(request, str(form.errors["code"][0]))
        return redirect("accounts:security")
    request.session["continuum_new_recovery_codes"] = actions.replace_recovery_codes(
        user=actor.user
    )
    return redirect("accounts:recovery_codes")


@require_POST
@actor_required
def switch_agency(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = SwitchAgencyForm(request.POST)
    membership = None
    if form.is_valid():
        membership = actions.switch_agency(
            request=request, actor=actor, membership_id=form.cleaned_data["membership"]
        )
    if membership is None:
        messages.error(request, _("You can't act for that agency."))
    else:
        messages.success(
            request,
            _("You are now acting for %(agency)s as %(role)s.")
            % {
                "agency": membership.agency.name,
                "role": in_sentence(membership.get_role_display()),
            },
        )
    # Back to the start: the page they were on may belong to the other agency's work.
    return redirect("cases:my_work")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out; also sent by "Exit this page" as it leaves (quick_exit=1). The session ends
    before the audit entry is written, so an entry always means the session is gone."""
    user = request.user if isinstance(request.user, User) else None
    logout(request)
    if user is not None:
        quick = request.POST.get("quick_exit") == "1"
        record(
            None,
            AuditAction.SIGNED_OUT,
            user=user,
            detail={"quick_exit": True} if quick else None,
        )
    messages.success(request, _("You are signed out."))
    return redirect("accounts:login")


@require_POST
@actor_required
def sign_out_everywhere(request: HttpRequest, actor: Actor) -> HttpResponse:
    actions.sign_out_everywhere(user=actor.user)
    logout(request)
    messages.success(request, _("You are signed out on every device."))
    return redirect("accounts:login")


@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in": any request resets the idle clock (IdleLogoutMiddleware)."""
    if getattr(request, "actor", None) is None:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


def timed_out(request: HttpRequest) -> HttpResponse:
    """Says the session ended, and makes sure it did: the page must never show over a live
    session (for example when another tab kept the server's clock running)."""
    if request.user.is_authenticated:
        # Reached by the page's own timer, every tab having been idle. Anything else (a link
        # from another site, a tab still in use) must not sign anyone out.
        idle = getattr(request, "idle_seconds", 0.0)
        if idle < settings.IDLE_TIMEOUT_SECONDS - settings.IDLE_WARNING_SECONDS:
            return redirect("cases:my_work")
        record(
            None,
            AuditAction.TIMED_OUT,
            user=request.user if isinstance(request.user, User) else None,
        )
        logout(request)
        request.actor = None  # type: ignore[attr-defined]
    return render(request, "accounts/timed_out.html")


@actor_required
def security(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Your account: agencies and roles, two-step verification, sessions, API tokens."""
    recovery_left = StaticToken.objects.filter(device__user=actor.user).count()
    authenticator = TOTPDevice.objects.filter(user=actor.user, confirmed=True).first()
    return render(
        request,
        "accounts/security.html",
        {"nav": "account", "recovery_left": recovery_left, "authenticator": authenticator},
    )


@require_http_methods(["GET", "POST"])
@actor_required
def api_tokens(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None, user=actor.user)
    new_token = None
    if request.method == "POST" and form.is_valid():
        expires = timezone.now() + timedelta(days=form.cleaned_data["expires_in_days"])
        try:
            _token, new_token = tokens.create_token(
                actor=actor, name=form.cleaned_data["name"], expires_at=expires
            )
        except tokens.TokenError as problem:
            # e.g. a name of control characters only: the form lets it through, the action
            # does not.
            form.add_error("name", str(problem))
        else:
            form = TokenForm(user=actor.user)
    return render(
        request,
        "accounts/tokens.html",
        {"nav": "account", "form": form, "new_token": new_token, "tokens": tokens.tokens_of(actor)},
    )


@require_POST
@actor_required
def revoke_api_token(request: HttpRequest, actor: Actor, token_id: int) -> HttpResponse:
    token = tokens.tokens_of(actor).filter(pk=token_id).first()
    if token is None:
        return render(request, "404.html", status=404)
    tokens.revoke_token(actor=actor, token=token)
    messages.success(request, _('The token "%(name)s" no longer works.') % {"name": token.name})
    return redirect("accounts:tokens")


@require_http_methods(["GET", "POST"])
@actor_required
def change_password(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Choose a new password. Required after a one-time password; ends other sessions."""
    form = PasswordChangeForm(actor.user, request.POST if request.method == "POST" else None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "usa-input"
    if request.method == "POST" and form.is_valid():
        actions.change_password(user=actor.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, actor.user)
        messages.success(request, _("Your password is changed. Other devices are signed out."))
        return redirect("cases:my_work")
    return render(
        request,
        "accounts/password.html",
        {"form": form, "nav": "account", "required": actor.user.must_change_password},
    )
