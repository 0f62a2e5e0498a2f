"""Break-glass pages: opening emergency access, and a supervisor's review of it."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from continuum.access import actions, policy, queries
from continuum.access.actor import Actor
from continuum.access.forms import EmergencyAccessForm, EmergencyReviewForm
from continuum.core.web import actor_required, posted


@require_http_methods(["GET", "POST"])
@actor_required
def open_emergency(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Open a record outside one's access, in an emergency, with a written reason."""
    policy.require(actor, policy.Permission.OPEN_EMERGENCY_ACCESS)
    form = EmergencyAccessForm(posted(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                grant = actions.open_emergency_access(
                    actor=actor,
                    case_reference=form.cleaned_data["case_reference"],
                    reason=form.cleaned_data["reason"],
                )
            except actions.EmergencyAccessRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                until = timezone.localtime(grant.expires_at).strftime("%H:%M")
                messages.warning(
                    request,
                    _(
                        "Emergency access until %(until)s — every look is logged and your "
                        "supervisor has been told."
                    )
                    % {"until": until},
                )
                return redirect("survivors:detail", survivor_id=grant.survivor_id)
    return render(
        request,
        "access/emergency.html",
        {"form": form, "minutes": _minutes(), "nav": "survivors"},
        status=status,
    )


def _minutes() -> int:
    return int(settings.CONTINUUM_BREAK_GLASS_MINUTES)


@require_http_methods(["GET", "POST"])
@actor_required
def review(request: HttpRequest, actor: Actor, grant_id: UUID) -> HttpResponse:
    """A supervisor reads an emergency access and signs it off with a note."""
    grant = queries.grant_to_review(actor, grant_id)
    form = EmergencyReviewForm(posted(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.review_emergency_access(
                    actor=actor, grant=grant, note=form.cleaned_data["note"]
                )
            except actions.EmergencyAccessRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, _("Emergency access signed off."))
                return redirect("cases:my_work")
    return render(
        request,
        "access/review.html",
        {"grant": grant, "form": form, "now": timezone.now(), "nav": "work"},
        status=status,
    )
