"""Needs-assessment pages: the case's assessment, a session with the survivor, one domain
(with its history and, after a clash, both versions side by side), and the community's
domains for network admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.access.part2 import notice_for_any
from continuum.cases.models import Case
from continuum.cases.queries import case_for, record_case_read
from continuum.core.models import EditConflict
from continuum.core.web import actor_required, allowed, posted
from continuum.drafts.web import draft_for, forget_draft
from continuum.needs import actions, queries
from continuum.needs.forms import DomainForm, NeedForm, SessionForm, SummaryForm
from continuum.needs.models import (
    AssessmentSession,
    NeedDomain,
    NeedStatus,
    Participant,
    SafetyCheck,
)
from continuum.outcomes.needs import case_needs_measures
from continuum.plans.queries import readable_categories


def _may_assess(actor: Actor, case: Case) -> bool:
    return allowed(policy.require_need_assessment, actor, case)


def _may_run_sessions(actor: Actor, case: Case) -> bool:
    return allowed(
        policy.require_lead_team_write, actor, case, policy.Permission.RUN_ASSESSMENT_SESSION
    )


@actor_required
def assessment(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """The case's needs: every domain the reader may see with its state, where each was
    found, the sessions held, and the needs waiting too long with nothing planned."""
    case = case_for(actor, case_id, audit_read=False)
    found = queries.assessment_of(actor, case)
    if found is None:
        record_case_read(actor, case, "assessment", categories=[])
    figures = (
        case_needs_measures(case, categories=readable_categories(actor, case)) if found else None
    )
    return render(
        request,
        "needs/assessment.html",
        {
            "case": case,
            "assessment": found,
            "notice": notice_for_any(
                (
                    (row.domain.category, row.need.updated_by_agency_id)
                    for row in (found.rows if found else [])
                    if row.need is not None
                ),
                actor.agency_id,
            ),
            "figures": figures,
            # Sessions are needs data: a mentor must not read "not started" when they were held.
            "sessions_withheld": found is not None
            and str(DataCategory.NEEDS.label) in found.withheld,
            "can_assess": found is not None and _may_assess(actor, case),
            "can_run_sessions": found is not None and _may_run_sessions(actor, case),
            "statuses": NeedStatus,
            "nav": "survivors",
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required
def start_session(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """Start a session with the survivor: immediate safety first."""
    case = case_for(actor, case_id, audit_read=request.method == "GET")
    policy.require_lead_team_write(actor, case, policy.Permission.RUN_ASSESSMENT_SESSION)
    form = SessionForm(posted(request), zone=actor.agency.time_zone)
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data.get("moment"):
            try:
                session = actions.start_session(actor=actor, case=case, details=form.details())
            except actions.NeedsRuleBroken as problem:
                form.add_error(None, str(problem))
            else:
                messages.success(request, _("Session %(n)s started.") % {"n": session.number})
                return redirect("needs:session", case_id=case.pk, session_id=session.pk)
        status = 422
    first = not case.assessment_sessions.exists()
    return render(
        request,
        "needs/start_session.html",
        {
            "case": case,
            "form": form,
            "first": first,
            "screening_safety_on": queries.safety_from_screening(case),
            "nav": "survivors",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def session(request: HttpRequest, actor: Actor, case_id: UUID, session_id: UUID) -> HttpResponse:
    """A session: the domains to go through with the survivor, what was recorded in it, and
    its summary (saved as you go, then finished)."""
    case = case_for(actor, case_id, audit_read=False)
    held = queries.session_of(actor, case, session_id)
    may_write = (
        _may_run_sessions(actor, case)
        and held.is_open
        and held.conducted_by_agency_id == actor.agency_id
    )
    draft = (
        draft_for(
            request,
            actor,
            key=f"needs.session:{held.pk}",
            survivor_id=case.survivor_id,
            form_class=SummaryForm,
        )
        if may_write
        else None
    )
    form = SummaryForm(
        posted(request),
        initial={
            "summary": held.summary,
            "version": held.version,
            **(draft.initial if draft else {}),
        },
    )
    status = 200
    if request.method == "POST":
        if not may_write:
            raise policy.Forbidden(_("This session cannot be changed."))
        if form.is_valid():
            finish = "finish" in request.POST
            try:
                actions.save_session_summary(
                    actor=actor,
                    session=held,
                    summary=form.cleaned_data["summary"],
                    expected_version=form.cleaned_data["version"],
                    finish=finish,
                )
            except EditConflict as conflict:
                form = _rebound(form, lambda d: SummaryForm(d), _version_now(held), str(conflict))
                status = 409
            except actions.NeedsRuleBroken as problem:
                form.add_error(None, str(problem))
                status = 422
            else:
                if draft is not None:
                    forget_draft(actor, draft.key)
                messages.success(request, _("Session finished.") if finish else _("Summary saved."))
                if finish:
                    return redirect("needs:assessment", case_id=case.pk)
                return redirect("needs:session", case_id=case.pk, session_id=held.pk)
        else:
            status = 422
    found = queries.assessment_of(actor, case, audit=False)
    record_case_read(actor, case, "assessment_session", number=held.number)
    return render(
        request,
        "needs/session.html",
        {
            "case": case,
            "held": held,
            "assessment": found,
            "form": form,
            "draft": draft,
            "may_write": may_write,
            "recorded": {entry.need.domain_id for entry in held.entries.all()},
            "participant_labels": [Participant(p).label for p in held.participants],
            "safety_label": SafetyCheck(held.safety_check).label,
            "nav": "survivors",
        },
        status=status,
    )


def _version_now(record: AssessmentSession) -> int:
    record.refresh_from_db(fields=["version"])
    return record.version


def _rebound[F: NeedForm | SummaryForm](
    form: F, rebuild: Callable[[QueryDict], F], version: int, message: str
) -> F:
    """What was typed, bound again with the version saved now, and the reason nothing was
    saved: sending it again saves it on top of the other person's change."""
    data = QueryDict(mutable=True)
    data.update(form.data)
    data["version"] = str(version)
    rebound = rebuild(data)
    rebound.is_valid()
    rebound.add_error(None, message)
    return rebound


def _session_from(request: HttpRequest, actor: Actor, case: Case) -> AssessmentSession | None:
    """The open session a domain is assessed in (?session=<id>), if any."""
    raw = request.GET.get("session") or request.POST.get("session") or ""
    try:
        session_id = UUID(raw)
    except ValueError:
        return None
    held = queries.session_of(actor, case, session_id)
    return held if held.is_open else None


@require_http_methods(["GET", "POST"])
@actor_required
def domain(request: HttpRequest, actor: Actor, case_id: UUID, code: str) -> HttpResponse:
    """One domain: record what was found (in a session, or from records or another
    agency's assessment), see everything recorded before, and — when someone else saved it
    meanwhile — both versions side by side to merge."""
    case = case_for(actor, case_id, audit_read=False)
    found_domain, need = queries.need_on(actor, case, code)
    held = _session_from(request, actor, case)
    leads = case.lead_agency_id == actor.agency_id
    may_write = _may_assess(actor, case)
    current = actions.NeedChange.of(need) if need else None
    draft = (
        draft_for(
            request,
            actor,
            key=f"needs.domain:{case.pk}:{found_domain.code}",
            survivor_id=case.survivor_id,
            form_class=NeedForm,
        )
        if may_write
        else None
    )
    saved = NeedForm.initial_from(current, need.version) if current and need else {"version": 0}
    typed = draft.initial if draft else {}

    def build(data: QueryDict | None = None) -> NeedForm:
        initial = {**saved, **typed}
        return NeedForm(data, in_session=held is not None, leads=leads, initial=initial)

    form = build(posted(request))
    conflict = None
    status = 200
    if request.method == "POST":
        if not may_write:
            raise policy.Forbidden(_("Your role cannot assess needs on this case."))
        if form.is_valid():
            try:
                actions.assess_need(
                    actor=actor,
                    case=case,
                    domain=found_domain,
                    change=form.change(),
                    expected_version=form.cleaned_data["version"] or None,
                    session=held,
                )
            except actions.NeedConflict as clash:
                conflict = clash
                form = _rebound(form, build, clash.need.version, str(clash))
                status = 409
            except actions.NeedsRuleBroken as problem:
                form.add_error(None, str(problem))
                status = 422
            else:
                if draft is not None:
                    forget_draft(actor, draft.key)
                messages.success(request, _("Saved: %(domain)s.") % {"domain": found_domain.name})
                if held is not None:
                    return redirect("needs:session", case_id=case.pk, session_id=held.pk)
                return redirect("needs:assessment", case_id=case.pk)
        else:
            status = 422
    _shown, entries = queries.history_of(actor, case, code)
    return render(
        request,
        "needs/domain.html",
        {
            "case": case,
            "domain": found_domain,
            "need": need,
            "entries": list(reversed(entries)),
            "notice": notice_for_any(
                ((found_domain.category, e.recorded_by_agency_id) for e in entries),
                actor.agency_id,
            ),
            "form": form if may_write else None,
            "draft": draft,
            "held": held,
            "can_run_sessions": _may_run_sessions(actor, case),
            "conflict": conflict,
            "differences": _differences(conflict) if conflict else [],
            "nav": "survivors",
        },
        status=status,
    )


_COMPARED = (
    ("status", _("What was found")),
    ("urgency", _("How soon")),
    ("description", _("What is needed")),
    ("survivor_words", _("In their own words")),
    ("observations", _("Observations")),
    ("method", _("How it was assessed")),
    ("deferred", _("Come back to this later")),
)


def _differences(conflict: actions.NeedConflict) -> list[tuple[str, str, str]]:
    """Each field the other person saved differently from what this editor sent."""
    from continuum.needs.models import AssessmentMethod, Urgency

    labels: dict[str, Any] = {
        "status": NeedStatus,
        "urgency": Urgency,
        "method": AssessmentMethod,
    }

    def shown(name: str, value: Any) -> str:
        if name in labels and value in labels[name].values:
            return str(labels[name](value).label)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return str(value) if value else "—"

    rows = []
    for name, label in _COMPARED:
        saved, typed = getattr(conflict.current, name), getattr(conflict.mine, name)
        if saved != typed:
            rows.append((str(label), shown(name, saved), shown(name, typed)))
    return rows


# --- the community's domains ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required
def domains(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The domains of the community's needs assessment; a network admin adds one here."""
    policy.require(actor, policy.Permission.MANAGE_NEED_DOMAINS)
    form = DomainForm(posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                added = actions.add_domain(actor=actor, details=_details(form))
            except actions.NeedsRuleBroken as problem:
                form.add_error(None, str(problem))
                status = 422
            else:
                messages.success(request, _("Added: %(name)s.") % {"name": added.name})
                return redirect("needs:domains")
        else:
            status = 422
    return render(
        request,
        "needs/domains.html",
        {"domains": queries.all_domains(), "form": form, "nav": "needs_setup"},
        status=status,
    )


def _details(form: DomainForm) -> actions.DomainDetails:
    data = form.cleaned_data
    return actions.DomainDetails(
        name=data["name"],
        category=data["category"],
        why_we_ask=data["why_we_ask"],
        sensitive=data["sensitive"],
        is_active=data["is_active"],
        position=data["position"],
    )


@require_http_methods(["GET", "POST"])
@actor_required
def edit_domain(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    policy.require(actor, policy.Permission.MANAGE_NEED_DOMAINS)
    found = NeedDomain.objects.filter(code=code).first()
    if found is None:
        raise policy.NotFound()
    form = DomainForm(
        posted(request),
        initial={
            "name": found.name,
            "category": found.category,
            "why_we_ask": found.why_we_ask,
            "sensitive": found.sensitive,
            "is_active": found.is_active,
            "position": found.position,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.change_domain(actor=actor, domain=found, details=_details(form))
            except actions.NeedsRuleBroken as problem:
                form.add_error(None, str(problem))
                status = 422
            else:
                messages.success(request, _("Saved: %(name)s.") % {"name": found.name})
                return redirect("needs:domains")
        else:
            status = 422
    return render(
        request,
        "needs/edit_domain.html",
        {"domain": found, "form": form, "nav": "needs_setup"},
        status=status,
    )
