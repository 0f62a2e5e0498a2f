"""Screening pages: the list (screens due), starting one, immediate safety, the questions
(as a form or one at a time), the result with what to do now, and the monthly report."""

from __future__ import annotations

import json
from collections.abc import Callable
from uuid import UUID

from django import forms
from django.contrib import messages
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.accounts.models import Agency
from continuum.cases.actions import CaseRuleBroken
from continuum.core.models import EditConflict
from continuum.core.web import actor_required, form_errors_as_text, posted
from continuum.protocols.queries import timelines_for
from continuum.screening import actions, queries
from continuum.screening.definitions import answers_of, definition_of
from continuum.screening.forms import (
    AnswersForm,
    CallForm,
    FinishForm,
    SafetyForm,
    StartForm,
    initial_answers,
)
from continuum.screening.instrument import InstrumentDefinition, Item
from continuum.screening.models import ImmediateNeed, Screening, ScreeningStatus
from continuum.screening.scoring import enabled_link_ids, score
from continuum.survivors.queries import survivor_for


@actor_required
def screenings(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Screens due and overdue, and the actor's unfinished ones."""
    policy.require(actor, policy.Permission.SCREEN)
    return render(
        request,
        "screening/list.html",
        {
            "due": queries.screens_due(actor),
            "unfinished": queries.my_unfinished(actor),
            "recent": queries.my_recent_results(actor),
            "start_hours": timelines_for(actor.agency_id).screening_start_hours,
            "trained": policy.trained_to_screen(actor),
            "certification": actor.membership,
            "can_report": policy.can(actor, policy.Permission.VIEW_SCREENING_REPORT),
            "nav": "screening",
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required
def start(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Start (or plan) a screening of a person already found or just recorded."""
    policy.require_screening(actor)
    survivor_id = request.GET.get("survivor", "")
    if not survivor_id:
        return render(request, "screening/start_find.html", {"nav": "screening"})
    try:
        UUID(survivor_id)
    except ValueError as bad:
        raise Http404 from bad
    survivor = survivor_for(actor, survivor_id, audit_read=request.method == "GET")
    instruments = queries.active_instruments()
    form = StartForm(posted(request), instruments=instruments, zone=actor.agency.time_zone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            screening = actions.start_screening(
                actor=actor,
                survivor=survivor,
                instrument=data["instrument"],
                setting=data["setting"],
                first_indicator_at=data["first_indicator_at"],
                recovered_at=data["recovered_moment"],
                start_now=data["start_now"],
            )
        except actions.ScreeningRefused as problem:
            form.add_error(None, str(problem))
        else:
            if not data["start_now"]:
                messages.success(request, _("Saved. It is on your list of screens due."))
                return redirect("screening:list")
            return redirect("screening:safety", screening_id=screening.pk)
    return render(
        request,
        "screening/start.html",
        {
            "form": form,
            "survivor": survivor,
            "instruments": instruments,
            "start_hours": timelines_for(actor.agency_id).screening_start_hours,
            "nav": "screening",
        },
    )


def _own_screening(actor: Actor, screening_id: UUID, *, audit_read: bool) -> Screening:
    screening = queries.screening_for(actor, screening_id, audit_read=audit_read)
    if not policy.is_screener_of(actor, screening):
        raise policy.NotFound()  # others read the result page, never the form
    return screening


@require_http_methods(["GET", "POST"])
@actor_required
def safety(request: HttpRequest, actor: Actor, screening_id: UUID) -> HttpResponse:
    """Immediate safety first: danger, age, place, immediate needs; and the calls to make."""
    screening = _own_screening(actor, screening_id, audit_read=request.method == "GET")
    if screening.status == ScreeningStatus.COMPLETED:
        return redirect("screening:result", screening_id=screening.pk)
    policy.require_screening_write(actor, screening)
    form = SafetyForm(posted(request), initial=_safety_initial(screening))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        facts = actions.SafetyAnswers(
            in_immediate_danger=data["in_immediate_danger"],
            age_years=data["age_years"],
            age_is_estimate=data["age_is_estimate"],
            in_state=data["in_state"],
            suspected_abuse=data["suspected_abuse"],
            immediate_needs=tuple(data["immediate_needs"]),
            other_need=data["other_need"],
        )
        try:
            actions.record_safety_facts(
                actor=actor, screening=screening, facts=facts, expected_version=data["version"]
            )
        except EditConflict as conflict:
            form = _with_current_version(
                form, lambda data: SafetyForm(data), screening, str(conflict)
            )
        except actions.ScreeningRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(
                request, _("Saved. Make any calls below, then go on to the questions.")
            )
            return redirect(reverse("screening:safety", args=[screening.pk]) + "#calls")
    return render(request, "screening/safety.html", _safety_context(actor, screening, form))


def _safety_initial(screening: Screening) -> dict[str, object]:
    age, estimate = screening.age_years, screening.age_is_estimate
    person = screening.survivor
    if age is None and "identity" not in getattr(person, "withheld", {"identity"}):
        # Already known from their record (masked when the screener may not see it): the
        # question is not asked twice.
        age = person.age_on(timezone.localdate())
        estimate = age is not None and person.date_of_birth is None
    return {
        "version": screening.version,
        "in_immediate_danger": screening.in_immediate_danger,
        "age_years": age,
        "age_is_estimate": estimate,
        "in_state": screening.in_state,
        "suspected_abuse": screening.suspected_abuse,
        "immediate_needs": screening.immediate_needs,
        "other_need": screening.other_need,
    }


def _with_current_version[F: forms.Form](
    form: F, rebuild: Callable[[QueryDict], F], screening: Screening, message: str
) -> F:
    """Keep what was typed, take the newest version, and say why nothing was saved."""
    screening.refresh_from_db()
    data = QueryDict(mutable=True)
    data.update(form.data)
    data["version"] = str(screening.version)
    rebound = rebuild(data)
    rebound.is_valid()
    rebound.add_error(None, message)
    return rebound


def _safety_context(actor: Actor, screening: Screening, form: SafetyForm) -> dict[str, object]:
    zone = actor.agency.time_zone
    return {
        "screening": screening,
        "form": form,
        "calls": queries.calls_for(screening),
        "call_form": CallForm(zone=zone),
        "other_lines": queries.safety_lines(),
        "needs_labels": _needs_labels(screening),
        "nav": "screening",
    }


def _needs_labels(screening: Screening) -> list[str]:
    return [
        f"{ImmediateNeed(code).label}: {screening.other_need}"
        if code == ImmediateNeed.OTHER and screening.other_need
        else str(ImmediateNeed(code).label)
        for code in screening.immediate_needs
    ]


@require_POST
@actor_required
def record_call(request: HttpRequest, actor: Actor, screening_id: UUID) -> HttpResponse:
    """A call, text or accepted report, from the safety or the result page."""
    screening = _own_screening(actor, screening_id, audit_read=False)
    form = CallForm(request.POST, zone=actor.agency.time_zone)
    back = request.POST.get("back") == "result"
    target = "screening:result" if back else "screening:safety"
    line = queries.safety_line(request.POST.get("line", ""))
    if line is None or not form.is_valid() or form.cleaned_data["moment"] is None:
        why = form_errors_as_text(form) if line is not None else _("choose a number")
        messages.error(
            request,
            _("The call was not recorded: %(why)s") % {"why": why or _("check the day and time.")},
        )
        return redirect(reverse(target, args=[screening.pk]) + "#calls")
    try:
        actions.record_safety_action(
            actor=actor,
            screening=screening,
            line=line,
            kind=form.cleaned_data["kind"],
            taken_at=form.cleaned_data["moment"],
        )
    except actions.ScreeningRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Recorded: %(line)s.") % {"line": line.name})
    return redirect(reverse(target, args=[screening.pk]) + "#calls")


def _shown_questions(
    definition: InstrumentDefinition, answers: dict, one: int | None
) -> tuple[list[Item], int | None, int]:
    """Every question (form mode), or the one-at-a-time question number `one` among those
    the skip logic enables now."""
    questions = definition.questions()
    if one is None:
        return questions, None, len(questions)
    enabled = [q for q in questions if q.link_id in enabled_link_ids(definition, answers)]
    if not enabled:
        return [], None, 0
    index = max(0, min(one, len(enabled) - 1))
    return [enabled[index]], index, len(enabled)


def _step(request: HttpRequest) -> int | None:
    raw = request.GET.get("one")
    if raw is None:
        return None
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


@require_http_methods(["GET", "POST"])
@actor_required
def screen(request: HttpRequest, actor: Actor, screening_id: UUID) -> HttpResponse:
    """The questions. Save and come back, one question at a time, or finish."""
    screening = _own_screening(actor, screening_id, audit_read=request.method == "GET")
    if screening.status == ScreeningStatus.COMPLETED:
        return redirect("screening:result", screening_id=screening.pk)
    policy.require_screening_write(actor, screening)
    definition = definition_of(screening.instrument)
    saved = answers_of(screening, definition)
    one = _step(request)
    shown, index, total = _shown_questions(definition, saved, one)
    initial = {"version": screening.version, **initial_answers(saved, shown)}
    form = AnswersForm(posted(request), definition=definition, shown=shown, initial=initial)
    choices = actions.lead_agency_choices(actor)
    finish_form = FinishForm(
        posted(request), choices=choices, default=_default_lead(actor, choices)
    )
    if request.method == "POST" and form.is_valid():
        merged = {k: v for k, v in saved.items() if k not in {q.link_id for q in shown}}
        merged.update(form.answers())
        try:
            actions.save_answers(
                actor=actor,
                screening=screening,
                answers=merged,
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            form = _with_current_version(
                form,
                lambda data: AnswersForm(data, definition=definition, shown=shown),
                screening,
                str(conflict),
            )
        else:
            return _after_save(request, actor, screening, finish_form, index, total)
    return render(
        request,
        "screening/screen.html",
        {
            "screening": screening,
            "definition": definition,
            "form": form,
            "finish_form": finish_form,
            "sections": _sections(definition, form, shown),
            "one": index,
            "total": total,
            "answered": len(saved),
            "nav": "screening",
        },
    )


def _default_lead(actor: Actor, choices: list[Agency]) -> Agency | None:
    try:
        return actions.default_lead_agency(actor)
    except actions.ScreeningRefused:
        return choices[0] if choices else None


def _after_save(
    request: HttpRequest,
    actor: Actor,
    screening: Screening,
    finish_form: FinishForm,
    index: int | None,
    total: int,
) -> HttpResponse:
    step = request.POST.get("action", "save")
    url = reverse("screening:screen", args=[screening.pk])
    if step == "next" and index is not None:
        return redirect(
            f"{url}?one={index + 1}" if index + 1 < total else f"{url}?one={index}#finish"
        )
    if step == "back" and index is not None:
        return redirect(f"{url}?one={max(0, index - 1)}")
    if step != "finish":
        messages.success(request, _("Saved. You can come back and carry on at any time."))
        return redirect(f"{url}?one={index}" if index is not None else url)
    lead = finish_form.cleaned_data.get("lead_agency") if finish_form.is_valid() else None
    try:
        actions.complete_screening(
            actor=actor, screening=screening, expected_version=screening.version, lead_agency=lead
        )
    except (actions.ScreeningRefused, EditConflict, CaseRuleBroken) as problem:
        messages.error(request, str(problem))
        return redirect(url)
    return redirect("screening:result", screening_id=screening.pk)


def _sections(
    definition: InstrumentDefinition, form: AnswersForm, shown: list[Item]
) -> list[dict[str, object]]:
    """The shown questions grouped under their section, with its "why we ask"."""
    shown_ids = {q.link_id for q in shown}
    groups = []
    for section in definition.sections():
        members = [q for q in _questions_in(section) if q.link_id in shown_ids]
        if members:
            groups.append(
                {
                    "section": section,
                    "questions": [
                        {
                            "item": q,
                            "field": form[f"a-{q.link_id}"],
                            "declined": _declined(form, q),
                            "condition": _condition_text(definition, q),
                        }
                        for q in members
                    ],
                }
            )
    return groups


def _questions_in(item: Item) -> list[Item]:
    if item.type == "group":
        return [q for child in item.items for q in _questions_in(child)]
    if item.type == "display" or item.calculated:
        return []
    return [item]


def _declined(form: AnswersForm, item: Item) -> BoundField | None:
    name = f"d-{item.link_id}"
    return form[name] if name in form.fields else None


def _condition_text(definition: InstrumentDefinition, item: Item) -> str:
    """Skip logic in words, for the form mode (one at a time applies it for you)."""
    parts = []
    for cond in item.enable_when:
        try:
            asked = definition.question(cond.question)
        except KeyError:
            continue
        answer = cond.answer
        if asked.type == "choice":
            answer = next((o.display for o in asked.options if o.code == cond.answer), answer)
        elif isinstance(answer, bool):
            answer = _("yes") if answer else _("no")
        if cond.operator == "exists":
            parts.append(_("“%(q)s” is answered") % {"q": asked.text})
        elif cond.operator == "!=":
            parts.append(_("“%(q)s” is not %(a)s") % {"q": asked.text, "a": answer})
        else:
            parts.append(_("“%(q)s” is %(a)s") % {"q": asked.text, "a": answer})
    joiner = _(" or ") if item.enable_behavior == "any" else _(" and ")
    return joiner.join(parts)


@actor_required
def result(request: HttpRequest, actor: Actor, screening_id: UUID) -> HttpResponse:
    """The result: the level of concern (never a verdict), what to do now, and the case."""
    screening = queries.screening_for(actor, screening_id, audit_read=True)
    definition = definition_of(screening.instrument)
    own = policy.is_screener_of(actor, screening)
    finished = screening.status == ScreeningStatus.COMPLETED
    hits: list[Item] = []
    outcome = None
    if finished:
        outcome = score(definition, answers_of(screening, definition))
        hits = [definition.question(link) for link in outcome.key_items_hit]
    case = screening.case
    return render(
        request,
        "screening/result.html",
        {
            "screening": screening,
            "definition": definition,
            "finished": finished,
            "own": own,
            "key_hits": hits,
            "outcome": outcome,
            "calls": queries.calls_for(screening) if own else [],
            "call_form": CallForm(zone=actor.agency.time_zone),
            "needs_labels": _needs_labels(screening),
            "case": case,
            "sees_case": case is not None
            and policy.scope_cases(actor, type(case).objects.filter(pk=case.pk)).exists(),
            "assessment": case.tasks.filter(kind="in_depth_assessment").first() if case else None,
            "nav": "screening",
        },
    )


@actor_required
def response_json(request: HttpRequest, actor: Actor, screening_id: UUID) -> HttpResponse:
    """The answers as a FHIR QuestionnaireResponse (no names in it), for partners' systems."""
    screening, document = queries.exported_response(actor, screening_id)
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="questionnaire-response-{queries.short_reference(screening)}.json"'
    )
    return response


@actor_required
def report(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The monthly screening figures (65C-43.002), on screen or as CSV."""
    policy.require(actor, policy.Permission.VIEW_SCREENING_REPORT)
    raw = request.GET.get("month", "")
    month = queries.parse_month(raw) if raw else queries.this_month(actor)
    problem = ""
    if month is None:
        problem = _(queries.MONTH_HINT)
        month = queries.this_month(actor)
    monthly = queries.monthly_report(actor, month)
    if request.GET.get("format") == "csv" and not problem:
        response = HttpResponse(queries.report_csv(actor, monthly), content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="screenings-{monthly.month.isoformat()[:7]}.csv"'
        )
        return response
    return render(
        request,
        "screening/report.html",
        {
            "report": monthly,
            "problem": problem,
            "month_value": monthly.month.isoformat()[:7],
            "nav": "screening",
        },
    )
