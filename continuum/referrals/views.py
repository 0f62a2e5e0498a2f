"""Referral pages: a new referral (or a capacity inquiry) from a need and a service, the
referral's own page for either side, the receiving agency's intake queue, and the sending
agency's list. Ids travel in the URL and the forms, never anything about the person."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency
from continuum.cases.models import Case
from continuum.cases.queries import case_for, record_case_read
from continuum.core.models import EditConflict
from continuum.core.web import actor_required
from continuum.directory.models import Service
from continuum.directory.queries import service_for
from continuum.needs.models import Need
from continuum.referrals import actions, fhir, queries, states
from continuum.referrals.forms import InquiryForm, MoveForm, OutcomeForm, ReferralForm
from continuum.referrals.models import Referral, ReferralStatus

# What each category a referral can carry means to the provider, in plain words.
CARRY_WORDS = {
    DataCategory.IDENTITY: gettext_lazy("who they are"),
    DataCategory.CONTACT: gettext_lazy("how to reach them safely"),
    DataCategory.NEEDS: gettext_lazy("the need, and your note"),
}
SENT_SHOWN = 200


def carry_lists(released: frozenset[str]) -> tuple[list[str], list[str]]:
    """(what a referral carries, what it does not), in CARRY_WORDS."""
    carried = [str(CARRY_WORDS[c]) for c in queries.CARRIED if c in released]
    left = [str(CARRY_WORDS[c]) for c in queries.CARRIED if c not in released]
    return carried, left


# --- starting: a referral or an inquiry -----------------------------------------------------


def _uuid(value: Any) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise BadRequest("Not an id.") from None


@dataclass
class Start:
    """What the new-referral and inquiry pages are about, and why nothing could go (if so)."""

    case: Case
    need: Need
    service: Service
    to_agency: Agency | None
    problem: str
    released: frozenset[str]

    @property
    def may_name(self) -> bool:
        """A release in force lets the referral say who the young person is."""
        return not self.problem and DataCategory.IDENTITY in self.released

    @property
    def ids(self) -> dict[str, str]:
        return {"service": str(self.service.pk), "need": str(self.need.pk)}


def _start(actor: Actor, data: QueryDict) -> Start:
    """The need (and so the case) and the service named by id: 403 for a role that never
    refers, 400 without both ids, 404 for what the actor may not see, 403 when the actor may
    see the case but not refer from it."""
    policy.require(actor, policy.Permission.REFER)
    if not data.get("service") or not data.get("need"):
        raise BadRequest("A referral starts from a need and a service.")
    service_id, need_id = _uuid(data["service"]), _uuid(data["need"])
    need = queries.need_to_refer(actor, need_id)
    case = case_for(actor, need.case_id, audit_read=False)
    policy.require_case_write(actor, case, policy.Permission.REFER)
    service = service_for(actor, service_id)
    try:
        agency = actions.where_it_goes(actor=actor, case=case, service=service)
    except actions.ReferralRuleBroken as problem:
        return Start(case, need, service, None, str(problem), frozenset())
    return Start(case, need, service, agency, "", actions.agency_released(case, agency))


def _start_context(start: Start) -> dict[str, Any]:
    carried, left = carry_lists(start.released)
    return {"start": start, "carried": carried, "not_carried": left, "nav": "referrals"}


@require_http_methods(["GET", "POST"])
@actor_required
def new(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A referral of the survivor to a service, for one need: what it will carry, "do not
    reach out", urgency and a note; sent at once or saved as a draft. Reached by POST from
    the matching page (service and need ids only) or by GET with the same ids."""
    data = request.POST if request.method == "POST" else request.GET
    start = _start(actor, data)
    submitted = request.method == "POST" and "action" in request.POST
    form = ReferralForm(request.POST if submitted else None)
    status = 200
    if submitted:
        status = 422
        if not start.may_name:
            form.add_error(None, start.problem or _("No release in force names who they are."))
        elif form.is_valid():
            send = request.POST["action"] == "send"
            try:
                referral = actions.draft_referral(
                    actor=actor,
                    case=start.case,
                    details=actions.ReferralDetails(
                        service=start.service,
                        need=start.need,
                        note=form.cleaned_data["note"],
                        provider_may_contact=not form.cleaned_data["do_not_reach_out"],
                        urgent=form.cleaned_data["urgent"],
                    ),
                    send=send,
                )
            except actions.ReferralRuleBroken as problem:
                form.add_error(None, str(problem))
            else:
                messages.success(
                    request,
                    _("Referral sent to the intake queue of %(agency)s.")
                    % {"agency": referral.to_agency.name}
                    if send
                    else _("Referral saved as a draft. Send it from here when you are ready."),
                )
                return redirect("referrals:referral", referral.pk)
    return render(
        request, "referrals/new.html", {**_start_context(start), "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
@actor_required
def new_inquiry(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A capacity inquiry: "can you take a 16-year-old girl who needs shelter today?",
    written by Continuum from the age, the words for them and the need, shown exactly before
    it is sent. Needs no release: it names no one."""
    data = request.POST if request.method == "POST" else request.GET
    start = _start(actor, data)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    survivor = start.case.survivor
    form = InquiryForm(
        request.POST if action else None,
        initial={"age": survivor.age_on(timezone.localdate()), "gender_words": "young person"},
    )
    preview = ""
    status = 200
    if not action:
        # The form comes filled in with their age: a read of who they are.
        record_case_read(actor, start.case, "capacity_inquiry", categories=["identity"])
    if action:
        status = 422
        if start.problem:
            form.add_error(None, start.problem)
        elif form.is_valid():
            facts = form.cleaned_data
            if action == "send":
                try:
                    referral = actions.send_capacity_inquiry(
                        actor=actor,
                        case=start.case,
                        service=start.service,
                        need=start.need,
                        age=facts["age"],
                        gender_words=facts["gender_words"],
                        urgent=facts["urgent"],
                    )
                except actions.ReferralRuleBroken as problem:
                    form.add_error(None, str(problem))
                else:
                    messages.success(
                        request,
                        _("Capacity inquiry sent to the intake queue of %(agency)s.")
                        % {"agency": referral.to_agency.name},
                    )
                    return redirect("referrals:referral", referral.pk)
            else:
                status = 200
                preview = actions.inquiry_text(
                    age=facts["age"],
                    gender_words=facts["gender_words"],
                    need=start.need,
                    service=start.service,
                    urgent=facts["urgent"],
                )
    return render(
        request,
        "referrals/inquiry.html",
        {**_start_context(start), "form": form, "preview": preview},
        status=status,
    )


# --- one referral ---------------------------------------------------------------------------

MOVE_WORDS = {
    ReferralStatus.REQUESTED: gettext_lazy("Send it"),
    ReferralStatus.ACCEPTED: gettext_lazy("Accept"),
    ReferralStatus.REJECTED: gettext_lazy("Do not accept"),
    ReferralStatus.IN_PROGRESS: gettext_lazy("Services started"),
    ReferralStatus.ON_HOLD: gettext_lazy("Put on hold"),
    ReferralStatus.COMPLETED: gettext_lazy("Completed"),
    ReferralStatus.FAILED: gettext_lazy("Could not be completed"),
    ReferralStatus.CANCELLED: gettext_lazy("Cancel the referral"),
    ReferralStatus.ENTERED_IN_ERROR: gettext_lazy("Sent by mistake: mark as entered in error"),
}
INQUIRY_MOVE_WORDS = {
    ReferralStatus.ACCEPTED: gettext_lazy("Yes, we can take them"),
    ReferralStatus.REJECTED: gettext_lazy("No, we cannot"),
    ReferralStatus.CANCELLED: gettext_lazy("Withdraw the inquiry"),
}


def move_words(referral: Referral, to: ReferralStatus) -> str:
    if to == ReferralStatus.IN_PROGRESS and referral.status == ReferralStatus.ON_HOLD:
        return _("Resume services")
    if referral.is_inquiry and to in INQUIRY_MOVE_WORDS:
        return str(INQUIRY_MOVE_WORDS[to])
    return str(MOVE_WORDS[to])


@dataclass
class Move:
    to: ReferralStatus
    words: str
    form: MoveForm


def _moves(actor: Actor, referral: Referral, kept: dict[ReferralStatus, MoveForm]) -> list[Move]:
    side = actions.side_of(actor, referral)
    if side is None:
        return []
    found = []
    for to in states.next_states(referral.is_inquiry, ReferralStatus(referral.status), side):
        form = kept.get(to) or MoveForm(to=to, initial={"version": referral.version})
        found.append(Move(to, move_words(referral, to), form))
    return found


def _may_record_outcome(actor: Actor, referral: Referral) -> bool:
    return (
        not referral.is_inquiry
        and referral.status in states.CLOSED
        and referral.status != ReferralStatus.ENTERED_IN_ERROR
        and actions.side_of(actor, referral) is not None
    )


def _referral_page(
    request: HttpRequest,
    actor: Actor,
    referral: Referral,
    *,
    kept: dict[ReferralStatus, MoveForm] | None = None,
    outcome: OutcomeForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    sender_agency = actor.agency_id == referral.from_agency_id
    body = queries.body_of(actor, referral)
    # Contact kept back because they asked not to be reached is said by the warning above
    # it, not as something the release does not cover.
    withheld = [
        str(CARRY_WORDS[DataCategory(c)])
        for c in body.withheld
        if not (c == DataCategory.CONTACT and body.do_not_reach_out)
    ]
    context: dict[str, Any] = {
        "referral": referral,
        "body": body,
        "withheld_words": withheld,
        "events": queries.events_of(referral),
        "overdue": queries.is_overdue(referral, today),
        "sender_agency": sender_agency,
        "moves": _moves(actor, referral, kept or {}),
        "problem": problem,
        "nav": "referrals",
    }
    if _may_record_outcome(actor, referral):
        context["outcome_form"] = outcome or OutcomeForm(
            initial={"version": referral.version, "outcome": referral.outcome or None}
        )
    if sender_agency and not referral.is_inquiry:
        # What the receiving agency may read of it now (the release decides, at every read).
        released = actions.agency_released(referral.case, referral.to_agency)
        if not referral.provider_may_contact:
            released = released - {DataCategory.CONTACT}
        context["carried"], context["not_carried"] = carry_lists(released)
    return render(request, "referrals/referral.html", context, status=status)


@actor_required
def referral(request: HttpRequest, actor: Actor, referral_id: UUID) -> HttpResponse:
    """The referral for either side: what it carries for this reader (audited), where it
    stands, its history, and the moves this reader's side may make now."""
    return _referral_page(request, actor, queries.referral_for(actor, referral_id))


def _posted_move(request: HttpRequest) -> ReferralStatus:
    try:
        return ReferralStatus(request.POST.get("to", ""))
    except ValueError:
        raise BadRequest("Not a referral state.") from None


@require_POST
@actor_required
def move(request: HttpRequest, actor: Actor, referral_id: UUID) -> HttpResponse:
    found = queries.referral_for(actor, referral_id)
    to = _posted_move(request)
    form = MoveForm(request.POST, to=to)
    if not form.is_valid():
        return _referral_page(request, actor, found, kept={to: form}, status=422)
    data = form.cleaned_data
    try:
        moved = actions.move_referral(
            actor=actor,
            referral=found,
            to=to,
            reason=data.get("reason", ""),
            outcome=data.get("outcome", ""),
            expected_version=data["version"],
        )
    except EditConflict as conflict:
        # What they chose stays chosen, against the version they can now see.
        fresh = queries.referral_for(actor, referral_id)
        again = MoveForm(
            to=to,
            initial={
                "version": fresh.version,
                "reason": data.get("reason", ""),
                "outcome": data.get("outcome", ""),
            },
        )
        return _referral_page(
            request, actor, fresh, kept={to: again}, problem=str(conflict), status=409
        )
    except actions.ReferralRuleBroken as refusal:
        form.add_error(None, str(refusal))
        return _referral_page(
            request, actor, found, kept={to: form}, problem=str(refusal), status=422
        )
    messages.success(
        request,
        _("The referral is now: %(status)s.")
        % {"status": str(ReferralStatus(moved.status).label).lower()},
    )
    return redirect("referrals:referral", found.pk)


@require_POST
@actor_required
def outcome(request: HttpRequest, actor: Actor, referral_id: UUID) -> HttpResponse:
    found = queries.referral_for(actor, referral_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _referral_page(request, actor, found, outcome=form, status=422)
    try:
        actions.record_outcome(
            actor=actor,
            referral=found,
            outcome=form.cleaned_data["outcome"],
            expected_version=form.cleaned_data["version"],
        )
    except EditConflict as conflict:
        fresh = queries.referral_for(actor, referral_id)
        again = OutcomeForm(
            initial={"version": fresh.version, "outcome": form.cleaned_data["outcome"]}
        )
        return _referral_page(
            request, actor, fresh, outcome=again, problem=str(conflict), status=409
        )
    except actions.ReferralRuleBroken as refusal:
        form.add_error(None, str(refusal))
        return _referral_page(request, actor, found, outcome=form, status=422)
    messages.success(request, _("Outcome recorded."))
    return redirect("referrals:referral", found.pk)


@actor_required
def fhir_bundle(request: HttpRequest, actor: Actor, referral_id: UUID) -> HttpResponse:
    """The referral as a FHIR R4 Bundle (ServiceRequest + Task), carrying what this reader
    may see of the person; exporting is audited."""
    found = queries.referral_for(actor, referral_id)
    bundle = fhir.export_referral(actor, found)
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2),
        content_type="application/fhir+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="referral-{found.pk}.fhir.json"'
    return response


# --- lists ----------------------------------------------------------------------------------


@dataclass
class Row:
    referral: Referral
    overdue: bool
    # The case reference, when the reader may know who it is for (else None).
    case_reference: str | None


@actor_required
def intake(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The agency's intake queue: referrals and inquiries waiting for an answer (overdue
    first, then by the day the answer is due), then those being worked on. By case
    reference only where who they are is released to the agency; never a name."""
    if actor.role not in actions.INTAKE_ROLES:
        raise policy.Forbidden(_("Referrals are taken in by the agency's intake staff."))
    today = timezone.localdate()
    found = queries.queue_in_order(actor, today)
    known = queries.identity_released(actor, found)
    rows = [
        Row(r, queries.is_overdue(r, today), r.case.reference if r.pk in known else None)
        for r in found
    ]
    return render(
        request,
        "referrals/intake.html",
        {
            "waiting": [r for r in rows if r.referral.status == ReferralStatus.REQUESTED],
            "open": [r for r in rows if r.referral.status != ReferralStatus.REQUESTED],
            "may_send": actor.role in actions.SENDER_ROLES,
            "nav": "referrals",
        },
    )


@actor_required
def sent(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Referrals and inquiries the agency sent, on cases the reader may see: open ones first
    (the overdue ones first of all), then closed ones, newest first."""
    if actor.role not in actions.SENDER_ROLES:
        raise policy.Forbidden(_("Referrals are sent by case managers and supervisors."))
    today = timezone.localdate()
    found = list(queries.sent_by(actor).order_by("-created_at")[:SENT_SHOWN])
    rows = [Row(r, queries.is_overdue(r, today), r.case.reference) for r in found]
    open_rows = sorted(
        (r for r in rows if r.referral.status not in states.CLOSED), key=lambda r: not r.overdue
    )
    return render(
        request,
        "referrals/sent.html",
        {
            "open": open_rows,
            "closed": [r for r in rows if r.referral.status in states.CLOSED],
            "limited": len(found) == SENT_SHOWN,
            "may_take_in": actor.role in actions.INTAKE_ROLES,
            "nav": "referrals",
        },
    )
