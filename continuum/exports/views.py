"""Export pages: ask for an export, your exports, the supervisors' approval queue, one export
(its state; for the requester the passphrase and the download), and the decisions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.access.policy import Forbidden
from continuum.core.web import actor_required, posted
from continuum.exports import actions, policy, queries
from continuum.exports.forms import ExportRequestForm, RefusalForm
from continuum.exports.models import Export
from continuum.survivors.queries import survivor_for


@require_http_methods(["GET", "POST"])
@actor_required
def request_export(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    """Ask for an export of one survivor's record, with its purpose."""
    # The page names the person: shown, so audited; a POST is audited by its action.
    survivor = survivor_for(actor, survivor_id, audit_read=request.method == "GET")
    policy.require_export_request(actor, survivor)
    form = ExportRequestForm(posted(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                export = actions.request_export(
                    actor=actor, survivor=survivor, purpose=form.cleaned_data["purpose"]
                )
            except actions.ExportRefused as refusal:
                form.add_error("purpose", str(refusal))
            else:
                messages.success(
                    request,
                    _(
                        "Export asked for. Nothing is made until a supervisor at your agency "
                        "approves it."
                    ),
                )
                return redirect("exports:detail", export_id=export.pk)
    return render(
        request,
        "exports/request.html",
        {
            "form": form,
            "survivor": survivor,
            "withheld_labels": [DataCategory(c).label for c in sorted(survivor.withheld)],  # type: ignore[attr-defined]
            "hours": settings.CONTINUUM_EXPORT_HOURS,
            "nav": "survivors",
        },
        status=status,
    )


@actor_required
def mine(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The exports I asked for, acting as I am now, and where each stands."""
    return render(
        request,
        "exports/mine.html",
        {
            "exports": queries.exports_of(actor),
            "can_request": policy.can_request_exports(actor),
            "can_approve": policy.can_approve_exports(actor),
            "nav": "work",
        },
    )


@actor_required
def queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    """For supervisors: the exports waiting for a decision (no survivor data on the page)."""
    return render(
        request,
        "exports/queue.html",
        {"exports": queries.exports_to_approve(actor), "nav": "work"},
    )


def _detail(
    request: HttpRequest,
    actor: Actor,
    export: Export,
    *,
    refusal_form: RefusalForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    try:
        policy.require_export_decision(actor, export)
        can_decide = export.status == "requested"
    except Forbidden:
        can_decide = False
    context: dict[str, Any] = {
        "export": export,
        "is_requester": policy.is_requester(actor, export),
        "can_decide": can_decide,
        "passphrase": queries.passphrase_for(actor, export),
        "refusal_form": refusal_form or RefusalForm(),
        "problem": problem,
        "hours": settings.CONTINUUM_EXPORT_HOURS,
        "nav": "work",
    }
    return render(request, "exports/detail.html", context, status=status)


@actor_required
def detail(request: HttpRequest, actor: Actor, export_id: UUID) -> HttpResponse:
    """One export: its state; the passphrase and download for the requester; the decision
    for a supervisor of the agency who did not ask for it."""
    return _detail(request, actor, queries.export_for(actor, export_id))


@require_POST
@actor_required
def approve(request: HttpRequest, actor: Actor, export_id: UUID) -> HttpResponse:
    export = queries.export_for(actor, export_id)
    try:
        actions.approve_export(actor=actor, export=export)
    except actions.ExportAlreadyDecided as conflict:
        return _detail(request, actor, _fresh(actor, export), problem=str(conflict), status=409)
    except actions.ExportRefused as refusal:
        return _detail(request, actor, export, problem=str(refusal), status=422)
    messages.success(
        request, _("Export approved. The person who asked can download it from its page.")
    )
    return redirect("exports:queue")


@require_POST
@actor_required
def refuse(request: HttpRequest, actor: Actor, export_id: UUID) -> HttpResponse:
    export = queries.export_for(actor, export_id)
    policy.require_export_decision(actor, export)
    form = RefusalForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, export, refusal_form=form, status=422)
    try:
        actions.refuse_export(actor=actor, export=export, reason=form.cleaned_data["reason"])
    except actions.ExportAlreadyDecided as conflict:
        return _detail(request, actor, _fresh(actor, export), problem=str(conflict), status=409)
    except actions.ExportRefused as refusal:
        form.add_error("reason", str(refusal))
        return _detail(request, actor, export, refusal_form=form, status=422)
    messages.success(request, _("Export refused. Nothing was made."))
    return redirect("exports:queue")


def _fresh(actor: Actor, export: Export) -> Export:
    return queries.export_for(actor, export.pk)


@require_POST
@actor_required
def download(request: HttpRequest, actor: Actor, export_id: UUID) -> HttpResponse:
    """The encrypted ZIP, as an attachment, for the person who asked (a POST: a link scanner
    or a prefetch must not fetch it)."""
    export = queries.export_for(actor, export_id)
    try:
        file = actions.download_export(actor=actor, export=export)
    except actions.ExportUnavailable as gone:
        return _detail(request, actor, _fresh(actor, export), problem=str(gone), status=410)
    response = HttpResponse(file.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Content-Length"] = str(len(file.content))
    return response
