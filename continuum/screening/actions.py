"""Every write of a screening: starting it, answers, immediate safety, the calls made, and
finishing it — which, when the result raises concern, opens or links the case, records the
immediate needs on it and puts the in-depth assessment on its to-do list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases import actions as case_actions
from continuum.cases.models import Case, CaseStatus, TaskKind, TaskStatus
from continuum.core.models import save_if_unchanged
from continuum.core.text import clean_text
from continuum.needs.actions import record_needs_from_screening
from continuum.protocols.queries import timelines_for
from continuum.screening.answers import Answer, AnswersInvalid, answers_from_json, answers_to_json
from continuum.screening.definitions import answers_of, definition_of
from continuum.screening.models import (
    ImmediateNeed,
    Instrument,
    InstrumentStatus,
    SafetyAction,
    SafetyLine,
    Screening,
    ScreeningStatus,
    Setting,
)
from continuum.screening.scoring import score
from continuum.survivors.models import Survivor


class ScreeningRefused(Exception):
    """The screening cannot be changed this way; the message says why, in plain words."""


@transaction.atomic
def start_screening(
    *,
    actor: Actor,
    survivor: Survivor,
    instrument: Instrument,
    setting: str,
    first_indicator_at: datetime,
    recovered_at: datetime | None = None,
    start_now: bool = True,
) -> Screening:
    """Record that a person needs screening, from when the first indicator was noticed, and
    (start_now) begin it. Caller: a trained screener, case manager or supervisor who may see
    the person. The clock (start within the protocol's hours, default 24) runs from the first
    indicator, or from the debriefing after recovery when their whereabouts were unknown."""
    policy.require_screening(actor)
    if not policy.sees_without_grant(actor, survivor):
        raise policy.NotFound()  # break-glass reads a record; it never starts work on one
    _check_start(instrument, setting, first_indicator_at, recovered_at)
    now = timezone.now()
    screening = Screening.objects.create(
        survivor=survivor,
        instrument=instrument,
        screener=actor.user,
        screener_agency=actor.agency,
        screener_title=actor.user.job_title,
        setting=setting,
        first_indicator_at=first_indicator_at,
        recovered_at=recovered_at,
        # The community protocol decides (each screening keeps the value it began under).
        start_within_hours=timelines_for(actor.agency_id).screening_start_hours,
        status=ScreeningStatus.IN_PROGRESS if start_now else ScreeningStatus.PLANNED,
        started_at=now if start_now else None,
    )
    action = AuditAction.SCREENING_STARTED if start_now else AuditAction.SCREENING_PLANNED
    _audit(actor, action, screening, detail={"instrument": instrument.pk})
    return screening


def _check_start(
    instrument: Instrument, setting: str, first_at: datetime, recovered_at: datetime | None
) -> None:
    if instrument.status != InstrumentStatus.ACTIVE:
        raise ScreeningRefused(_("This instrument is retired. Choose one in use."))
    if setting not in Setting.values:
        raise ScreeningRefused(_("Choose where the screening happens."))
    now = timezone.now()
    # Checked first: comparing a datetime near year 1 or 9999 with now can overflow.
    for moment in (first_at, recovered_at):
        if moment is not None and not 1900 <= moment.year <= now.year + 1:
            raise ScreeningRefused(_("Check the year of the dates you entered."))
    # A few minutes' grace for clocks that differ between devices.
    if first_at > now + timedelta(minutes=5):
        raise ScreeningRefused(_("The first sign cannot be in the future."))
    if recovered_at is not None:
        if recovered_at > now + timedelta(minutes=5):
            raise ScreeningRefused(_("The debriefing cannot be in the future."))
        if recovered_at < first_at:
            raise ScreeningRefused(
                _("The debriefing after they were found is before the first sign. Check both.")
            )


def _begin(screening: Screening) -> dict[str, object]:
    """The fields that move a planned screening to started, as its first answer is saved."""
    if screening.status == ScreeningStatus.PLANNED:
        return {"status": ScreeningStatus.IN_PROGRESS, "started_at": timezone.now()}
    return {}


@transaction.atomic
def save_answers(
    *, actor: Actor, screening: Screening, answers: dict[str, Answer], expected_version: int
) -> Screening:
    """Save answers so far (a partial screen can be left and finished later). Caller: the
    person screening. Answers replace the saved set: a question left blank is skipped.
    Raises EditConflict when the screening changed since the form was loaded."""
    policy.require_screening_write(actor, screening)
    stored = answers_to_json(answers)
    try:
        # What is saved must read back: the same checks as every later read.
        answers_from_json(definition_of(screening.instrument), stored)
    except AnswersInvalid as invalid:
        raise ScreeningRefused(
            " ".join(f"{link}: {message}" for link, message in invalid.problems.items())
        ) from invalid
    fields = {
        "answers": json.dumps(stored, sort_keys=True),
        **(_begin(screening) if answers else {}),
    }
    save_if_unchanged(screening, expected_version=expected_version, fields=fields)
    _audit(actor, AuditAction.SCREENING_SAVED, screening, detail={"answered": len(answers)})
    return screening


@dataclass(frozen=True)
class SafetyAnswers:
    """What the responder knows about immediate safety; None is "not known"."""

    in_immediate_danger: bool | None
    age_years: int | None
    age_is_estimate: bool
    in_state: bool | None
    suspected_abuse: bool | None
    immediate_needs: tuple[str, ...] = ()
    other_need: str = ""


@transaction.atomic
def record_safety_facts(
    *, actor: Actor, screening: Screening, facts: SafetyAnswers, expected_version: int
) -> Screening:
    """Record the immediate-safety facts and immediate needs. Caller: the person screening,
    before or during the screen."""
    policy.require_screening_write(actor, screening)
    other = clean_text(facts.other_need)
    # Words typed under "something else" are that need, ticked or not: never dropped.
    wanted = set(facts.immediate_needs) | ({ImmediateNeed.OTHER.value} if other else set())
    needs = [code for code in ImmediateNeed.values if code in wanted]
    if ImmediateNeed.OTHER in needs and not other:
        raise ScreeningRefused(_("Say what else they need right now, or untick “Something else”."))
    if facts.age_years is not None and not 0 < facts.age_years < 120:
        raise ScreeningRefused(_("Enter an age between 1 and 119, or leave it blank if unknown."))
    fields = {
        "in_immediate_danger": facts.in_immediate_danger,
        "age_years": facts.age_years,
        "age_is_estimate": facts.age_is_estimate and facts.age_years is not None,
        "in_state": facts.in_state,
        "suspected_abuse": facts.suspected_abuse,
        "immediate_needs": needs,
        "other_need": other if ImmediateNeed.OTHER in needs else "",
        # An empty form starts nothing: an overdue screen must not leave the list unseen.
        **(_begin(screening) if _anything_known(facts, needs) else {}),
    }
    save_if_unchanged(screening, expected_version=expected_version, fields=fields)
    _audit(actor, AuditAction.SCREENING_SAVED, screening, detail={"part": "safety"})
    return screening


def _anything_known(facts: SafetyAnswers, needs: list[str]) -> bool:
    known = (facts.in_immediate_danger, facts.age_years, facts.in_state, facts.suspected_abuse)
    return bool(needs) or any(value is not None for value in known)


@transaction.atomic
def record_safety_action(
    *, actor: Actor, screening: Screening, line: SafetyLine, kind: str, taken_at: datetime
) -> SafetyAction:
    """Record a call or text made (or a hotline report accepted), with the number as it was.
    Caller: the person screening, during or after the screen. A report accepted by the abuse
    hotline is the abuse report's intake: it starts the case's MDT clock."""
    policy.require_screening_write(actor, screening, finished_ok=True)
    if kind not in SafetyAction.Kind.values:
        raise ScreeningRefused(_("Choose what was done."))
    if not 1900 <= taken_at.year <= timezone.now().year + 1:
        raise ScreeningRefused(_("Check the year of the call."))
    if taken_at > timezone.now() + timedelta(minutes=5):
        raise ScreeningRefused(_("A call cannot be recorded in the future."))
    if taken_at < screening.first_indicator_at - timedelta(days=1):
        raise ScreeningRefused(_("That is before the first sign was noticed. Check the time."))
    action = SafetyAction.objects.create(
        screening=screening,
        line_code=line.code,
        line_name=line.name,
        number=line.phone,
        kind=kind,
        taken_at=taken_at,
        by_user=actor.user,
    )
    if kind == SafetyAction.Kind.REPORT_ACCEPTED:
        _record_report(actor, screening, taken_at)
    _audit(actor, AuditAction.SAFETY_ACTION_RECORDED, screening, detail={"line": line.code})
    return action


def _record_report(actor: Actor, screening: Screening, taken_at: datetime) -> None:
    first = screening.report_made_at is None or taken_at < screening.report_made_at
    if first:
        Screening.objects.filter(pk=screening.pk).update(report_made_at=taken_at)
        screening.report_made_at = taken_at
    if screening.case_id is not None:
        _set_intake_date(screening.case, screening)


def _intake_day(screening: Screening) -> date:
    """The intake date in the screener's agency's time zone (a date, as the case keeps it)."""
    assert screening.report_made_at is not None
    zone = ZoneInfo(screening.screener_agency.time_zone)
    return timezone.localtime(screening.report_made_at, zone).date()


def _set_intake_date(case: Case | None, screening: Screening) -> None:
    """The case's intake date, if it has none yet (an earlier report counts, not a later)."""
    if case is None or screening.report_made_at is None:
        return
    day = _intake_day(screening)
    if case.report_received_on is None or day < case.report_received_on:
        Case.objects.filter(pk=case.pk).update(report_received_on=day, version=F("version") + 1)
        case.report_received_on = day


@transaction.atomic
def complete_screening(
    *,
    actor: Actor,
    screening: Screening,
    expected_version: int,
    lead_agency: Agency | None = None,
) -> Screening:
    """Finish the screening: score it with its instrument version, and when the result
    raises concern open or link the case (lead_agency: the protocol's or the screener's
    choice), carry the immediate needs and the abuse report's intake date onto it, and put
    the in-depth assessment on its to-do list. A result without concern opens nothing: the
    record is kept only as long as the retention schedule allows. Caller: the person
    screening."""
    policy.require_screening_write(actor, screening)
    # Lock the person first: two screenings finishing at once queue here, and the second
    # finds (and joins) the case the first opened.
    Survivor.objects.select_for_update().filter(pk=screening.survivor_id).first()
    definition = definition_of(screening.instrument)
    result = score(definition, answers_of(screening, definition))
    if result.answered == 0:
        # All skipped or declined: a score of 0 would read as "no concern", which nobody found.
        raise ScreeningRefused(
            _(
                "No question has an answer, so this screening cannot show a level of concern. "
                "If they chose not to answer, respect that: save it, and screen again when "
                "they are ready."
            )
        )
    lowest = definition.levels()[0][0]
    concern = result.level != lowest
    # Decide who leads before anything is saved: a refusal leaves the screening as it was.
    case = _open_case_of(screening.survivor, actor) if concern else None
    lead = None
    if concern and case is None:
        lead = lead_agency or default_lead_agency(actor)
        if lead.pk not in {a.pk for a in lead_agency_choices(actor)}:
            raise ScreeningRefused(_("That agency cannot lead this case. Choose another."))
    fields = {
        "status": ScreeningStatus.COMPLETED,
        "completed_at": timezone.now(),
        "score": result.score,
        "max_score": result.max_score,
        "level": result.level,
        "level_label": result.level_label,
        "concern": concern,
        **_begin(screening),
    }
    save_if_unchanged(screening, expected_version=expected_version, fields=fields)
    # The entry outlives the person (retention): it says a screening was finished, never
    # its result.
    _audit(actor, AuditAction.SCREENING_COMPLETED, screening)
    if concern:
        if case is None:
            assert lead is not None
            case = _open_or_join(actor, screening, lead)
        _into_case(actor, screening, case)
    return screening


def _open_or_join(actor: Actor, screening: Screening, lead: Agency) -> Case:
    """Open the case; if another screening's finish opened one meanwhile (the person lock
    makes this rare: a database without row locks), join that one instead."""
    try:
        with transaction.atomic():
            return case_actions.open_case_from_screening(
                actor=actor, survivor=screening.survivor, lead_agency=lead, report_received_on=None
            )
    except case_actions.CaseRuleBroken:
        joined = _open_case_of(screening.survivor, actor)
        if joined is None:
            raise
        return joined


def _into_case(actor: Actor, screening: Screening, case: Case) -> None:
    Screening.objects.filter(pk=screening.pk).update(case=case)
    screening.case = case
    _set_intake_date(case, screening)
    # No line on the case timeline: everyone on the case reads it, and that a screening
    # raised concern is screening data (the survivor page lists screenings to those allowed).
    record_needs_from_screening(
        actor=actor,
        case=case,
        screening=screening,
        needs=[
            (code, screening.other_need if code == ImmediateNeed.OTHER else "")
            for code in screening.immediate_needs
        ],
    )
    if case.tasks.filter(kind=TaskKind.IN_DEPTH_ASSESSMENT, status=TaskStatus.OPEN).exists():
        return  # one assessment to do at a time: a second screening adds to it, not another
    due = timezone.localdate() + timedelta(days=settings.CONTINUUM_ASSESSMENT_DUE_DAYS)
    case_actions.add_task(
        actor=actor,
        case=case,
        kind=TaskKind.IN_DEPTH_ASSESSMENT,
        title=str(TaskKind.IN_DEPTH_ASSESSMENT.label),
        due_on=due,
        owner=case.lead_agency,
        # Its existence says the screening raised concern: shown only where screening is.
        category=DataCategory.SCREENING,
    )


def _open_case_of(survivor: Survivor, actor: Actor) -> Case | None:
    """The person's open case to link to: the actor's agency's if it leads one, else the
    newest one led by anyone (one person, one team: never a second parallel case)."""
    current = list(
        Case.objects.select_for_update()
        .filter(survivor=survivor)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("lead_agency")
        .order_by("-opened_on", "-created_at")
    )
    own = [c for c in current if c.lead_agency_id == actor.agency_id]
    chosen = own or current
    return chosen[0] if chosen else None


def lead_agency_choices(actor: Actor) -> list[Agency]:
    """Who may lead a case opened from this actor's screening: the agencies the protocol
    names for it, and the actor's own agency when the actor may open cases there."""
    choices = list(Agency.objects.filter(is_active=True, leads_screened_cases=True))
    if policy.can(actor, policy.Permission.OPEN_CASE) and all(
        a.pk != actor.agency_id for a in choices
    ):
        choices.insert(0, actor.agency)
    return choices


def default_lead_agency(actor: Actor) -> Agency:
    """The actor's own agency when it may lead; otherwise the protocol's first choice."""
    choices = lead_agency_choices(actor)
    for agency in choices:
        if agency.pk == actor.agency_id:
            return agency
    if not choices:
        raise ScreeningRefused(
            _(
                "No agency is set to lead cases from screenings, and your role cannot open "
                "one. Ask your network admin to name the lead agency in the protocol."
            )
        )
    return choices[0]


def _audit(actor: Actor, action: AuditAction, screening: Screening, **extra: object) -> None:
    record(
        actor,
        action,
        survivor_id=screening.survivor_id,
        case_id=screening.case_id,
        obj=screening,
        **extra,  # type: ignore[arg-type]
    )
