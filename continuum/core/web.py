"""Helpers for thin views: who is acting, and what a refusal looks like."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.accounts.sessions import is_verified

type ActorView[**P] = Callable[Concatenate[HttpRequest, Actor, P], HttpResponse]


def actor_required[**P](
    view: ActorView[P],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """The view runs only for a person signed in with both factors and acting for an agency.

    It receives the Actor as its second argument. A Forbidden from the policy becomes a 403
    page that says why; a NotFound becomes the ordinary 404.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        actor: Actor | None = getattr(request, "actor", None)
        if actor is None:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
            if not is_verified(request.user):
                return redirect("accounts:verify")
            return render(request, "accounts/no_membership.html", status=403)
        if actor.user.must_change_password and _url_name(request) != "accounts:password":
            return redirect("accounts:password")
        try:
            return view(request, actor, *args, **kwargs)
        except policy.Forbidden as refusal:
            return forbidden(request, str(refusal))

    return wrapper


def _url_name(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.view_name if match else ""


def forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "403.html", {"reason": reason}, status=403)


def form_errors_as_text(form: Any) -> str:
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)


def posted(request: HttpRequest) -> Any:
    """The POST data to bind a form to, or None on GET. Not `request.POST or None`: an empty
    POST is still a submission, and must be validated (and refused), not shown as a new form."""
    return request.POST if request.method == "POST" else None


def allowed(check: Callable[..., None], *args: Any, **kwargs: Any) -> bool:
    """Whether a policy check passes: for pages that show a button only when it would work."""
    try:
        check(*args, **kwargs)
    except policy.Forbidden:
        return False
    return True
