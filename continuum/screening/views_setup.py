"""Screening setup pages: the instruments (list, import, one instrument's preview and its
Questionnaire download), the safety numbers and decision table, and screening training."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.policy import Permission
from continuum.core.web import actor_required, posted
from continuum.screening import setup_actions as actions
from continuum.screening import setup_queries as queries
from continuum.screening.definitions import definition_of
from continuum.screening.forms_setup import (
    ImportForm,
    SafetyLineForm,
    StatusForm,
    TrainingForm,
    rule_formset,
)
from continuum.screening.instrument import (
    Condition,
    InstrumentDefinition,
    Item,
    QuestionnaireInvalid,
)
from continuum.screening.models import (
    Instrument,
    InstrumentStatus,
    SafetyLine,
    SafetyRule,
)
from continuum.screening.scoring import YES_CODES

NAV = "screening"

# --- instruments -------------------------------------------------------------------------


@require_GET
@actor_required
def instruments(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The instrument versions stored: managed by network admins, seen by everyone who
    screens (so they know what they use)."""
    rows = queries.instruments_for(actor)
    return render(
        request,
        "screening/instruments.html",
        {
            "instruments": rows,
            "can_manage": policy.can(actor, Permission.MANAGE_INSTRUMENTS),
            "can_manage_lines": policy.can(actor, Permission.MANAGE_SAFETY_LINES),
            "can_certify": policy.can(actor, Permission.CERTIFY_SCREENERS),
            "can_report": policy.can(actor, Permission.VIEW_SCREENING_REPORT),
            "nav": NAV,
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required
def import_instrument(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Import one version of an instrument (a FHIR Questionnaire): a file or pasted JSON."""
    policy.require(actor, Permission.MANAGE_INSTRUMENTS)
    form = ImportForm(posted(request), request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and "document" in form.cleaned_data:
            started = timezone.now()
            try:
                instrument = actions.import_instrument(
                    actor=actor, document=form.cleaned_data["document"]
                )
            except QuestionnaireInvalid as invalid:
                problems = invalid.problems
            except actions.InstrumentRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                if instrument.imported_at < started:
                    messages.info(
                        request,
                        _("This version was already stored, exactly the same: nothing changed."),
                    )
                else:
                    messages.success(request, _("Instrument imported. Screeners can use it now."))
                return redirect("screening:instrument", instrument_id=instrument.pk)
    return render(
        request,
        "screening/import.html",
        {"form": form, "problems": problems, "nav": NAV},
        status=status,
    )


# Skip logic in words.
_OPERATOR_WORDS = {
    "=": "is",
    "!=": "is not",
    ">": "is more than",
    "<": "is less than",
    ">=": "is at least",
    "<=": "is at most",
}
_DATE_OPERATOR_WORDS = {
    ">": "is after",
    "<": "is before",
    ">=": "is on or after",
    "<=": "is on or before",
}
_TYPE_LABELS = {
    "boolean": "Yes or no",
    "choice": "Choose one",
    "string": "Short text",
    "text": "Longer text",
    "integer": "Whole number",
    "decimal": "Number",
    "date": "Date",
    "display": "Information",
    "group": "Section",
}


def condition_in_words(defn: InstrumentDefinition, condition: Condition) -> str:
    """ "q3 is yes", "q5 is “Sometimes”", "q2 is answered" — naming questions by linkId,
    which the preview shows beside each question."""
    try:
        target = defn.question(condition.question)
    except KeyError:
        return condition.question
    if condition.operator == "exists":
        return _("%(q)s is answered") % {"q": target.link_id}
    answer: object = condition.answer
    if isinstance(answer, bool):
        value = _("yes") if answer else _("no")
    elif target.type == "choice":
        display = next((o.display for o in target.options if o.code == answer), str(answer))
        value = f"“{display}”"
    else:
        value = str(answer)
    words = _OPERATOR_WORDS.get(condition.operator, condition.operator)
    if target.type == "date":
        words = _DATE_OPERATOR_WORDS.get(condition.operator, words)
    return f"{target.link_id} {_(words)} {value}"


def shown_when(defn: InstrumentDefinition, item: Item) -> str:
    if not item.enable_when:
        return ""
    joiner = _(" or ") if item.enable_behavior == "any" else _(" and ")
    parts = [condition_in_words(defn, c) for c in item.enable_when]
    return _("Shown when %(conditions)s") % {"conditions": joiner.join(parts)}


@dataclass
class PreviewItem:
    item: Item
    type_label: str
    shown_when: str
    yes_weight: int | None
    children: list[PreviewItem] = field(default_factory=list)
    # Under "count-yes" scoring, what counts is a yes, not the weights.
    counts_yes: bool = False

    @property
    def options(self) -> list[tuple[str, str]]:
        """Each answer option with what it adds to the score, in words."""
        if self.counts_yes:
            return [
                (o.display, _("counts 1") if o.code in YES_CODES else _("counts 0"))
                for o in self.item.options
            ]
        return [
            (o.display, _("weighs %(weight)s") % {"weight": o.weight}) for o in self.item.options
        ]

    @property
    def is_question(self) -> bool:
        return self.item.type not in ("group", "display") and not self.item.calculated


def _preview(defn: InstrumentDefinition, item: Item) -> PreviewItem:
    return PreviewItem(
        item=item,
        type_label=_(_TYPE_LABELS.get(item.type, item.type)),
        shown_when=shown_when(defn, item),
        yes_weight=item.weight if item.type == "boolean" else None,
        children=[_preview(defn, child) for child in item.items],
        counts_yes=defn.scoring.method == "count-yes",
    )


@dataclass(frozen=True)
class KeyItemText:
    question: str
    text: str
    answer: str
    level_label: str


def _key_items(defn: InstrumentDefinition) -> list[KeyItemText]:
    labels = dict(defn.levels())
    rows = []
    for key in defn.scoring.key_items:
        try:
            question = defn.question(key.link_id)
        except KeyError:
            continue
        if isinstance(key.answer, bool):
            answer = _("yes") if key.answer else _("no")
        else:
            answer = next((o.display for o in question.options if o.code == key.answer), key.answer)
        rows.append(
            KeyItemText(key.link_id, question.text, answer, labels.get(key.level, key.level))
        )
    return rows


def _instrument_page(
    request: HttpRequest, actor: Actor, instrument: Instrument, *, status: int = 200
) -> HttpResponse:
    defn = definition_of(instrument)
    return render(
        request,
        "screening/instrument.html",
        {
            "instrument": instrument,
            "defn": defn,
            "sections": [_preview(defn, section) for section in defn.sections()],
            "question_count": len(defn.questions()),
            "max_score": defn.max_score(),
            "bands": defn.scoring.bands,
            "key_items": _key_items(defn),
            "method": defn.scoring.method,
            "can_manage": policy.can(actor, Permission.MANAGE_INSTRUMENTS),
            "nav": NAV,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def instrument(request: HttpRequest, actor: Actor, instrument_id: int) -> HttpResponse:
    """One instrument version, readable: its sections, questions, skip logic and scoring.
    A POST (network admins) retires it or puts it back in use."""
    found = queries.instrument_for(actor, instrument_id)
    if request.method == "GET":
        return _instrument_page(request, actor, found)
    policy.require(actor, Permission.MANAGE_INSTRUMENTS)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the instrument is in use or retired."))
        return _instrument_page(request, actor, found, status=422)
    try:
        changed = actions.set_instrument_status(
            actor=actor, instrument=found, status=form.cleaned_data["status"]
        )
    except actions.InstrumentRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if changed.status == InstrumentStatus.RETIRED:
            text = _("%(title)s %(version)s is retired: screeners can no longer choose it.")
        else:
            text = _("%(title)s %(version)s is in use: screeners can choose it.")
        messages.success(request, text % {"title": changed.title, "version": changed.version})
    if form.cleaned_data.get("back") == "list":
        return redirect("screening:instruments")
    return redirect("screening:instrument", instrument_id=found.pk)


def download_name(instrument: Instrument) -> str:
    """An ASCII file name from the instrument's name and version (never anything a browser or
    a shell could misread)."""
    name = str(instrument.questionnaire.get("name") or instrument.title)
    stem = re.sub(
        r"[^A-Za-z0-9._-]+", "-", f"{name}-{instrument.version}".encode("ascii", "ignore").decode()
    )
    stem = re.sub(r"-{2,}", "-", stem).strip("-.")[:100] or "questionnaire"
    return f"{stem}.json"


@require_GET
@actor_required
def export_instrument(request: HttpRequest, actor: Actor, instrument_id: int) -> HttpResponse:
    """The instrument as a FHIR R4 Questionnaire, as stored: importing it elsewhere gives the
    same instrument."""
    found = queries.instrument_for(actor, instrument_id)
    body = json.dumps(found.questionnaire, indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(
        body.encode("utf-8"), content_type="application/fhir+json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{download_name(found)}"'
    return response


# --- safety numbers ----------------------------------------------------------------------


@dataclass(frozen=True)
class LineView:
    line: SafetyLine
    phone_tel: str
    text_tel: str
    tty_tel: str
    form: SafetyLineForm | None


def _line_form(line: SafetyLine, data: Any = None) -> SafetyLineForm:
    return SafetyLineForm(
        data,
        prefix=f"line{line.pk}",
        initial={
            "name": line.name,
            "phone": line.phone,
            "text_number": line.text_number,
            "tty": line.tty,
            "when_to_use": line.when_to_use,
        },
    )


def _rule_initial(rules: list[SafetyRule]) -> list[dict[str, object]]:
    return [
        {
            "position": rule.position,
            "danger": rule.danger,
            "age_group": rule.age_group,
            "in_state": rule.in_state,
            "suspected_abuse": rule.suspected_abuse,
            "line": rule.line.code,
            "reason": rule.reason,
        }
        for rule in rules
    ]


def _safety_page(
    request: HttpRequest,
    actor: Actor,
    *,
    lines: list[SafetyLine],
    bound_line: SafetyLineForm | None = None,
    formset: Any = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = policy.can(actor, Permission.MANAGE_SAFETY_LINES)
    rules = queries.safety_rules()
    views = []
    for line in lines:
        form = None
        if can_manage:
            form = (
                bound_line
                if bound_line and bound_line.prefix == f"line{line.pk}"
                else _line_form(line)
            )
        views.append(
            LineView(
                line=line,
                phone_tel=actions.tel_digits(line.phone),
                text_tel=actions.tel_digits(line.text_number),
                tty_tel=actions.tel_digits(line.tty),
                form=form,
            )
        )
    if can_manage and formset is None:
        formset = rule_formset(lines=lines, initial=_rule_initial(rules))
    return render(
        request,
        "screening/safety_lines.html",
        {
            "lines": views,
            "rules": rules,
            "formset": formset,
            "problems": problems or [],
            "can_manage": can_manage,
            "nav": NAV,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def safety_lines(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The numbers to call and the table that says which, for everyone signed in to read;
    a network admin changes them (one line at a time, or the whole table)."""
    lines = queries.safety_lines()
    if request.method == "GET":
        return _safety_page(request, actor, lines=lines)
    policy.require(actor, Permission.MANAGE_SAFETY_LINES)
    if request.POST.get("save") == "rules":
        return _save_rules(request, actor, lines)
    return _save_line(request, actor, lines)


def _save_line(request: HttpRequest, actor: Actor, lines: list[SafetyLine]) -> HttpResponse:
    line = next((line for line in lines if str(line.pk) == request.POST.get("line")), None)
    if line is None:
        raise policy.NotFound()
    form = _line_form(line, request.POST)
    if form.is_valid():
        try:
            actions.update_safety_line(actor=actor, line=line, **form.cleaned_data)
        except actions.SafetySetupRefused as refusal:
            for problem in refusal.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("screening:safety_lines")
    return _safety_page(request, actor, lines=lines, bound_line=form, status=422)


def _save_rules(request: HttpRequest, actor: Actor, lines: list[SafetyLine]) -> HttpResponse:
    formset = rule_formset(request.POST, lines=lines)
    problems: list[str] = []
    if formset.is_valid():
        try:
            actions.replace_safety_rules(actor=actor, rows=formset.rows())
        except actions.SafetySetupRefused as refusal:
            problems = refusal.problems
        else:
            messages.success(request, _("The decision table is saved. Screeners see it now."))
            return redirect("screening:safety_lines")
    return _safety_page(request, actor, lines=lines, formset=formset, problems=problems, status=422)


# --- screening training ------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingRow:
    screener: queries.ScreenerTraining
    form: TrainingForm
    is_self: bool


def _training_page(
    request: HttpRequest,
    actor: Actor,
    *,
    bound: TrainingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = []
    for screener in queries.screeners_of(actor):
        prefix = f"m{screener.membership.pk}"
        form = (
            bound if bound is not None and bound.prefix == prefix else TrainingForm(prefix=prefix)
        )
        rows.append(
            TrainingRow(
                screener=screener,
                form=form,
                is_self=screener.membership.user_id == actor.user.pk,
            )
        )
    return render(
        request,
        "screening/training.html",
        {"rows": rows, "training_days": settings.CONTINUUM_SCREENING_TRAINING_DAYS, "nav": NAV},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def training(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Who at the actor's agency may screen: their screening training, recorded and ended
    here by a supervisor or agency admin."""
    policy.require(actor, Permission.CERTIFY_SCREENERS)
    if request.method == "GET":
        return _training_page(request, actor)
    membership = queries.screener_membership_for(actor, request.POST.get("membership", ""))
    name = membership.user.get_full_name() or membership.user.username
    if request.POST.get("end"):
        try:
            actions.end_screener_certification(actor=actor, membership=membership)
        except actions.TrainingRefused as refusal:
            messages.error(request, str(refusal))
            return _training_page(request, actor, status=422)
        messages.success(
            request,
            _("%(name)s's screening training is ended: they can no longer screen.")
            % {"name": name},
        )
        return redirect("screening:training")
    form = TrainingForm(request.POST, prefix=f"m{membership.pk}")
    if form.is_valid():
        try:
            certified = actions.certify_screener(
                actor=actor,
                membership=membership,
                certified_on=form.cleaned_data["certified_on"],
                until=form.cleaned_data["until"],
            )
        except actions.TrainingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if not queries.screening_training_of(certified).current:
                messages.warning(
                    request,
                    _(
                        "%(name)s's screening training is recorded, but it ended before today: "
                        "they cannot screen until they train again."
                    )
                    % {"name": name},
                )
                return redirect("screening:training")
            messages.success(
                request, _("%(name)s's screening training is recorded.") % {"name": name}
            )
            return redirect("screening:training")
    return _training_page(request, actor, bound=form, status=422)
