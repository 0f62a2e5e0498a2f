"""The community protocol's pages: what the protocol says (for every member's staff), and for
the network admin its settings, members, holidays, training, MOUs; the conflict log for the
members' supervisors, coordinators and admins.

Every page works on the protocol the actor's agency is a member of: an agency in no
protocol finds none of its parts (404); a member without the right role is told why (403).
Bad input is a 422 with what was typed kept; a save on top of someone else's is a 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.accounts.models import Agency, Role
from continuum.core.models import EditConflict
from continuum.core.web import actor_required, allowed, posted
from continuum.protocols import actions, queries
from continuum.protocols.forms import (
    AddMemberForm,
    ConflictForm,
    HolidayForm,
    InForceForm,
    MemberForm,
    MouForm,
    ProtocolEditForm,
    ProtocolForm,
    ResolveForm,
    SignatureForm,
    StepForm,
    TrainingForm,
)
from continuum.protocols.models import (
    Conflict,
    ConflictStatus,
    Mou,
    MouStatus,
    Protocol,
    ProtocolMember,
    TrainingRequirement,
)

NAV = "protocol"


def _may_manage(actor: Actor, protocol: Protocol | None) -> bool:
    return allowed(actions.require_protocol_admin, actor, protocol)


def _may_log(actor: Actor) -> bool:
    return allowed(queries.require_conflict_reader, actor)


def _admin_protocol(actor: Actor) -> Protocol:
    """The actor's protocol (404 when in none), for a network admin of a member (403)."""
    protocol = queries.protocol_of(actor)
    actions.require_protocol_admin(actor, protocol)
    return protocol


def _status(request: HttpRequest) -> int:
    """A page shown again after a POST is showing what was refused (422)."""
    return 422 if request.method == "POST" else 200


def _handle[T](
    request: HttpRequest,
    form: forms.Form,
    do: Callable[[dict[str, Any]], T],
    success_message: str | Callable[[T], str],
    redirect_to: str | Callable[[T], HttpResponse],
) -> HttpResponse | None:
    """A posted form: valid input goes to `do`; when that keeps the protocol's rules, say so
    and send the browser on. None when the form is to be shown again, with its errors (a rule
    broken is one) and what was typed."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        done = do(form.cleaned_data)
    except actions.ProtocolRuleBroken as problem:
        form.add_error(None, str(problem))
        return None
    said = success_message(done) if callable(success_message) else success_message
    messages.success(request, said)
    return redirect_to(done) if callable(redirect_to) else redirect(redirect_to)


# --- the protocol ---------------------------------------------------------------------------


@actor_required
def protocol(request: HttpRequest, actor: Actor) -> HttpResponse:
    """What the community's protocol says; a network admin whose agency is in none is asked
    to start one."""
    found = queries.protocol_for_agency(actor)
    if found is None:
        start_form = (
            ProtocolForm(initial=ProtocolForm.defaults())
            if policy.can(actor, policy.Permission.MANAGE_PROTOCOL)
            else None
        )
        return render(
            request,
            "protocols/none.html",
            {"form": start_form, "nav": NAV},
        )
    return render(request, "protocols/protocol.html", _protocol_context(actor, found))


def _protocol_context(actor: Actor, found: Protocol) -> dict[str, Any]:
    today = queries.community_today()
    current = queries.mou_in_force(found, today)
    return {
        "protocol": found,
        "members": queries.members_of(found, today),
        "holidays": list(found.holidays.all()),
        "training": _with_role_labels(found),
        "required_roles": queries.role_labels(found.required_mdt_roles),
        "sharing": queries.sharing_rows(found),
        "steps": found.procedure_steps(),
        "versions": list(queries.versions_of(found)[:50]),
        "mou": current,
        "renewal_due": current is not None and queries.renewal_due(current, today),
        "open_conflicts": queries.open_conflicts_count(found),
        "can_manage": _may_manage(actor, found),
        "can_log": _may_log(actor),
        "nav": NAV,
    }


@require_http_methods(["GET", "POST"])
@actor_required
def start(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Start the community's protocol (a network admin whose agency is in none)."""
    actions.require_protocol_admin(actor)
    if queries.protocol_for_agency(actor) is not None:
        return redirect("protocols:protocol")
    form = ProtocolForm(posted(request), initial=ProtocolForm.defaults())
    done = _handle(
        request,
        form,
        lambda _data: actions.create_protocol(actor=actor, details=form.details()),
        _("The protocol is started. Add the members next."),
        "protocols:protocol",
    )
    return done or render(
        request, "protocols/none.html", {"form": form, "nav": NAV}, status=_status(request)
    )


@require_http_methods(["GET", "POST"])
@actor_required
def edit(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The protocol's settings, saved only on top of the version the editor loaded."""
    found = _admin_protocol(actor)
    form = ProtocolEditForm(posted(request), initial=ProtocolForm.initial_from(found))
    status = _status(request)
    try:
        done = _handle(
            request,
            form,
            lambda data: actions.change_protocol(
                actor=actor,
                protocol=found,
                details=form.details(),
                expected_version=data["version"],
            ),
            _saved_message,
            "protocols:protocol",
        )
    except EditConflict:
        found.refresh_from_db()
        form, done, status = _rebound(form, found.version), None, 409
    return done or render(
        request,
        "protocols/edit.html",
        {"protocol": found, "form": form, "nav": NAV},
        status=status,
    )


def _rebound(form: ProtocolEditForm, version: int) -> ProtocolEditForm:
    """What was typed, with the version saved now: sending it again saves it on top."""
    data = QueryDict(mutable=True)
    data.update(form.data)
    data["version"] = str(version)
    rebound = ProtocolEditForm(data)
    rebound.is_valid()
    rebound.add_error(
        None,
        _(
            "Someone else changed the protocol while you were editing it. Nothing was saved. "
            "What you typed is kept below; check the protocol page for their change, then "
            "save again to put yours on top."
        ),
    )
    return rebound


def _saved_message(change: actions.ProtocolChange) -> str:
    saved = _("Saved as version %(number)s.") % {"number": change.version.number}
    if not change.clocks_moved:
        return saved
    moved = ngettext(
        "%(count)d open MDT deadline was recomputed.",
        "%(count)d open MDT deadlines were recomputed.",
        change.clocks_moved,
    ) % {"count": change.clocks_moved}
    return f"{saved} {moved}"


# --- members --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required
def add_member(request: HttpRequest, actor: Actor) -> HttpResponse:
    found = _admin_protocol(actor)
    form = AddMemberForm(posted(request), agencies=queries.agencies_to_add())
    done = _handle(
        request,
        form,
        lambda data: _set_member(actor, found, data["agency"], data),
        lambda added: _("Added: %(agency)s.") % {"agency": added.agency},
        "protocols:protocol",
    )
    return done or render(
        request,
        "protocols/member.html",
        {"protocol": found, "form": form, "member": None, "nav": NAV},
        status=_status(request),
    )


def _set_member(
    actor: Actor, found: Protocol, agency: Agency, data: dict[str, Any]
) -> ProtocolMember:
    return actions.set_member(
        actor=actor,
        protocol=found,
        agency=agency,
        responsibilities=data["responsibilities"],
        mdt_roles=list(data["mdt_roles"]),
        services=data["services"],
    )


@require_http_methods(["GET", "POST"])
@actor_required
def member(request: HttpRequest, actor: Actor, agency_id: int) -> HttpResponse:
    found = _admin_protocol(actor)
    current = queries.member_of(found, agency_id)
    form = MemberForm(
        posted(request),
        initial={
            "responsibilities": current.responsibilities,
            "mdt_roles": current.mdt_roles,
            "services": current.services,
        },
    )
    done = _handle(
        request,
        form,
        lambda data: _set_member(actor, found, current.agency, data),
        _("Saved: %(agency)s.") % {"agency": current.agency},
        "protocols:protocol",
    )
    return done or render(
        request,
        "protocols/member.html",
        {
            "protocol": found,
            "form": form,
            "member": current,
            "may_remove": current.agency_id != actor.agency_id,
            "nav": NAV,
        },
        status=_status(request),
    )


@require_POST
@actor_required
def remove_member(request: HttpRequest, actor: Actor, agency_id: int) -> HttpResponse:
    found = _admin_protocol(actor)
    current = queries.member_of(found, agency_id)
    try:
        actions.remove_member(actor=actor, protocol=found, agency=current.agency)
    except actions.ProtocolRuleBroken as problem:
        messages.error(request, str(problem))
        return redirect("protocols:member", agency_id=agency_id)
    messages.success(request, _("Removed: %(agency)s.") % {"agency": current.agency})
    return redirect("protocols:protocol")


# --- holidays and training ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required
def holidays(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The days business-day deadlines skip; adding or removing one recomputes clocks."""
    found = _admin_protocol(actor)
    form = HolidayForm(posted(request))
    done = _handle(
        request,
        form,
        lambda data: actions.add_holiday(
            actor=actor, protocol=found, day=data["day"], name=data["name"]
        ),
        _("Holiday added."),
        "protocols:holidays",
    )
    return done or render(
        request,
        "protocols/holidays.html",
        {"protocol": found, "holidays": list(found.holidays.all()), "form": form, "nav": NAV},
        status=_status(request),
    )


@require_POST
@actor_required
def remove_holiday(request: HttpRequest, actor: Actor, holiday_id: int) -> HttpResponse:
    found = _admin_protocol(actor)
    actions.remove_holiday(actor=actor, protocol=found, holiday_id=holiday_id)
    messages.success(request, _("Holiday removed."))
    return redirect("protocols:holidays")


@require_http_methods(["GET", "POST"])
@actor_required
def training(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The training each role must hold in this community."""
    found = _admin_protocol(actor)
    form = TrainingForm(posted(request))
    done = _handle(
        request,
        form,
        lambda data: actions.add_training_requirement(actor=actor, protocol=found, **data),
        _("Training requirement added."),
        "protocols:training",
    )
    return done or render(
        request,
        "protocols/training.html",
        {
            "protocol": found,
            "requirements": _with_role_labels(found),
            "form": form,
            "nav": NAV,
        },
        status=_status(request),
    )


def _with_role_labels(found: Protocol) -> list[tuple[TrainingRequirement, str]]:
    roles = dict(Role.choices)
    return [(t, str(roles.get(t.role, t.role))) for t in found.training_requirements.all()]


@require_POST
@actor_required
def remove_training(request: HttpRequest, actor: Actor, requirement_id: int) -> HttpResponse:
    found = _admin_protocol(actor)
    actions.remove_training_requirement(actor=actor, protocol=found, requirement_id=requirement_id)
    messages.success(request, _("Training requirement removed."))
    return redirect("protocols:training")


# --- MOUs -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required
def mous(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The protocol's MOUs with their status and signatures; the network admin drafts one."""
    found = queries.protocol_of(actor)
    may_manage = _may_manage(actor, found)
    form = MouForm(posted(request)) if may_manage else None
    if request.method == "POST":
        actions.require_protocol_admin(actor, found)
        assert form is not None
        done = _handle(
            request,
            form,
            lambda data: actions.draft_mou(actor=actor, protocol=found, **data),
            _("Draft saved. Send it for signature when ready."),
            lambda drafted: redirect("protocols:mou", mou_id=drafted.pk),
        )
        if done is not None:
            return done
    today = queries.community_today()
    rows = [
        {"mou": m, "status": MouStatus(m.status_on(today)), "renewal_due": queries.renewal_due(m)}
        for m in queries.mous_of(found)
    ]
    return render(
        request,
        "protocols/mous.html",
        {
            "protocol": found,
            "rows": rows,
            "unsigned": _unsigned_members(found),
            "mou": queries.mou_in_force(found, today),
            "form": form,
            "can_manage": may_manage,
            "nav": NAV,
        },
        status=_status(request),
    )


def _unsigned_members(found: Protocol) -> list[str]:
    unsigned = queries.unsigned_agency_ids(found)
    return [row.agency.name for row in queries.members_of(found) if row.agency.pk in unsigned]


def _mou_page(
    request: HttpRequest,
    actor: Actor,
    found: Protocol,
    mou: Mou,
    *,
    status: int = 200,
    signature_form: SignatureForm | None = None,
    in_force_form: InForceForm | None = None,
) -> HttpResponse:
    today = queries.community_today()
    shown = MouStatus(mou.status_on(today))
    may_manage = _may_manage(actor, found)
    signed = {s.agency_id for s in mou.signatures.all()}
    members = queries.members_of(found, today)
    may_sign = may_manage and shown in (MouStatus.OUT_FOR_SIGNATURE, MouStatus.IN_FORCE)
    if may_sign and signature_form is None:
        signature_form = SignatureForm(
            agencies=queries.member_agencies(found).exclude(pk__in=signed),
            signed_ids=queries.signed_agency_ids(found, today),
            initial={"signed_on": today},
        )
    if may_manage and shown == MouStatus.OUT_FOR_SIGNATURE and in_force_form is None:
        in_force_form = InForceForm()
    return render(
        request,
        "protocols/mou.html",
        {
            "protocol": found,
            "mou": mou,
            "status": shown,
            "statuses": MouStatus,
            "renewal_due": queries.renewal_due(mou, today),
            "not_signed": [row.agency.name for row in members if row.agency.pk not in signed],
            "can_manage": may_manage,
            "signature_form": signature_form if may_sign else None,
            "in_force_form": in_force_form if shown == MouStatus.OUT_FOR_SIGNATURE else None,
            "nav": NAV,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def mou(request: HttpRequest, actor: Actor, mou_id: int) -> HttpResponse:
    """One MOU: its text, status, who signed and who has not; POST records a signature."""
    found = queries.protocol_of(actor)
    shown = queries.mou_for(found, mou_id)
    if request.method != "POST":
        return _mou_page(request, actor, found, shown)
    actions.require_protocol_admin(actor, found)
    signed = {s.agency_id for s in shown.signatures.all()}
    form = SignatureForm(
        request.POST,
        agencies=queries.member_agencies(found).exclude(pk__in=signed),
        signed_ids=queries.signed_agency_ids(found),
    )
    done = _handle(
        request,
        form,
        lambda data: actions.record_signature(actor=actor, mou=shown, **data),
        lambda signature: _("Signature recorded: %(agency)s.") % {"agency": signature.agency},
        lambda _signature: redirect("protocols:mou", mou_id=shown.pk),
    )
    return done or _mou_page(request, actor, found, shown, status=422, signature_form=form)


@require_POST
@actor_required
def send_mou(request: HttpRequest, actor: Actor, mou_id: int) -> HttpResponse:
    found = queries.protocol_of(actor)
    shown = queries.mou_for(found, mou_id)
    try:
        actions.send_mou_for_signature(actor=actor, mou=shown)
    except actions.ProtocolRuleBroken as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Sent for signature. Record each signature as it comes."))
    return redirect("protocols:mou", mou_id=shown.pk)


@require_POST
@actor_required
def mou_in_force(request: HttpRequest, actor: Actor, mou_id: int) -> HttpResponse:
    found = queries.protocol_of(actor)
    shown = queries.mou_for(found, mou_id)
    actions.require_protocol_admin(actor, found)
    form = InForceForm(request.POST)
    done = _handle(
        request,
        form,
        lambda data: actions.put_mou_in_force(actor=actor, mou=shown, **data),
        _("The MOU is in force."),
        lambda _mou: redirect("protocols:mou", mou_id=shown.pk),
    )
    if done is not None:
        return done
    shown = queries.mou_for(found, mou_id)
    return _mou_page(request, actor, found, shown, status=422, in_force_form=form)


# --- conflicts ------------------------------------------------------------------------------


def _conflict_form(actor: Actor, found: Protocol, data: Any = None) -> ConflictForm:
    return ConflictForm(
        data,
        agencies=queries.member_agencies(found).exclude(pk=actor.agency_id),
        signed_ids=queries.signed_agency_ids(found),
    )


@require_http_methods(["GET", "POST"])
@actor_required
def conflicts(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The log of disagreements between members; raise one here."""
    found = queries.protocol_of(actor)
    queries.require_conflict_reader(actor)
    form = _conflict_form(actor, found, posted(request))
    done = _handle(
        request,
        form,
        lambda data: actions.raise_conflict(
            actor=actor,
            protocol=found,
            with_agencies=list(data["with_agencies"]),
            summary=data["summary"],
            raised_on=data["raised_on"],
        ),
        _("Recorded. Take the procedure's first step."),
        lambda raised: redirect("protocols:conflict", conflict_id=raised.pk),
    )
    return done or render(
        request,
        "protocols/conflicts.html",
        {
            "protocol": found,
            "conflicts": list(queries.conflicts_of(found)),
            "steps": found.procedure_steps(),
            "form": form,
            "nav": NAV,
        },
        status=_status(request),
    )


def _conflict_page(
    request: HttpRequest,
    actor: Actor,
    found: Protocol,
    conflict: Conflict,
    *,
    status: int = 200,
    step_form: StepForm | None = None,
    resolve_form: ResolveForm | None = None,
) -> HttpResponse:
    is_open = conflict.status == ConflictStatus.OPEN
    may_write = is_open and allowed(actions.require_party, actor, conflict)
    return render(
        request,
        "protocols/conflict.html",
        {
            "protocol": found,
            "conflict": conflict,
            "with_agencies": list(conflict.with_agencies.all()),
            "taken": list(conflict.steps.all()),
            "steps": found.procedure_steps(),
            "step_form": (step_form or StepForm(steps=found.procedure_steps()))
            if may_write
            else None,
            "resolve_form": (resolve_form or ResolveForm()) if may_write else None,
            "nav": NAV,
        },
        status=status,
    )


def _conflict_of(actor: Actor, conflict_id: int) -> tuple[Protocol, Conflict]:
    found = queries.protocol_of(actor)
    queries.require_conflict_reader(actor)
    return found, queries.conflict_for(found, conflict_id)


@require_http_methods(["GET", "POST"])
@actor_required
def conflict(request: HttpRequest, actor: Actor, conflict_id: int) -> HttpResponse:
    """One disagreement: the steps taken so far; POST records the next step."""
    found, shown = _conflict_of(actor, conflict_id)
    if request.method != "POST":
        return _conflict_page(request, actor, found, shown)
    actions.require_party(actor, shown)
    form = StepForm(request.POST, steps=found.procedure_steps())
    done = _handle(
        request,
        form,
        lambda data: actions.record_conflict_step(actor=actor, conflict=shown, **data),
        _("Step recorded."),
        lambda _step: redirect("protocols:conflict", conflict_id=shown.pk),
    )
    return done or _conflict_page(request, actor, found, shown, status=422, step_form=form)


@require_POST
@actor_required
def resolve_conflict(request: HttpRequest, actor: Actor, conflict_id: int) -> HttpResponse:
    found, shown = _conflict_of(actor, conflict_id)
    actions.require_party(actor, shown)
    form = ResolveForm(request.POST)
    done = _handle(
        request,
        form,
        lambda data: actions.resolve_conflict(actor=actor, conflict=shown, **data),
        _("Marked resolved."),
        lambda _conflict: redirect("protocols:conflict", conflict_id=shown.pk),
    )
    return done or _conflict_page(request, actor, found, shown, status=422, resolve_form=form)
