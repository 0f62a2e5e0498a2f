"""Every read of screenings. A screening's result is "screening" data: the person who
screened sees it, and so do those who may see the person and hold the screening category
for them (the lead agency's team, and care-team agencies a release covers)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Role
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.screening import clock
from continuum.screening.definitions import answers_of, definition_of
from continuum.screening.models import (
    Instrument,
    InstrumentStatus,
    SafetyAction,
    SafetyLine,
    Screening,
    ScreeningStatus,
)
from continuum.screening.response import questionnaire_response
from continuum.screening.safety import LineToCall, SafetyFacts, lines_to_call, rules_from_db
from continuum.screening.scoring import score
from continuum.survivors.models import Survivor


def screenings_for(actor: Actor) -> QuerySet[Screening]:
    return policy.scope_screenings(
        actor, Screening.objects.select_related("instrument", "screener", "screener_agency", "case")
    )


def readable(actor: Actor, screenings: list[Screening]) -> list[Screening]:
    """Keep those whose result the actor may read: their own, or with the screening category
    for the person (one batch of queries for the whole list)."""
    others = [s.survivor for s in screenings if not policy.is_screener_of(actor, s)]
    allowed = sharing.categories_for(actor, others)
    return [
        s
        for s in screenings
        if policy.is_screener_of(actor, s)
        or DataCategory.SCREENING in allowed.get(s.survivor_id, frozenset())
    ]


def screening_for(actor: Actor, screening_id: UUID | str, *, audit_read: bool) -> Screening:
    """One screening the actor may read, or NotFound (a refused look at one that exists is
    audited). audit_read: True when shown; False when looked up for an action."""
    found = screenings_for(actor).select_related("survivor").filter(pk=screening_id).first()
    if found is None or not readable(actor, [found]):
        existing = Screening.objects.filter(pk=screening_id).values_list("survivor_id", flat=True)
        if existing.first() is not None:
            record(actor, AuditAction.ACCESS_DENIED, survivor_id=existing.first())
        raise policy.NotFound()
    sharing.mask(actor, [found.survivor])
    if audit_read:
        record(
            actor,
            AuditAction.SCREENING_VIEWED,
            survivor_id=found.survivor_id,
            case_id=found.case_id,
            obj=found,
        )
    return found


def exported_response(actor: Actor, screening_id: UUID | str) -> tuple[Screening, dict]:
    """The screening's answers as a FHIR QuestionnaireResponse (with the total once
    finished), naming the instrument version and nothing about the young person; the export
    is audited. For the page's download and the API alike."""
    screening = screening_for(actor, screening_id, audit_read=False)
    definition = definition_of(screening.instrument)
    answers = answers_of(screening, definition)
    finished = screening.status == ScreeningStatus.COMPLETED
    document = questionnaire_response(
        definition,
        answers,
        status="completed" if finished else "in-progress",
        authored=screening.completed_at or screening.started_at or screening.created_at,
        response_id=str(screening.pk),
        result=score(definition, answers) if finished else None,
    )
    record(
        actor,
        AuditAction.SCREENING_EXPORTED,
        survivor_id=screening.survivor_id,
        case_id=screening.case_id,
        obj=screening,
    )
    return screening, document


def screenings_of(actor: Actor, survivor: Survivor) -> list[Screening]:
    """The person's screenings whose results the actor may read, newest first."""
    return readable(actor, list(screenings_for(actor).filter(survivor=survivor)))


def active_instruments() -> list[Instrument]:
    return list(Instrument.objects.filter(status=InstrumentStatus.ACTIVE))


def instrument_for_screening(instrument_id: int | str | None) -> Instrument | None:
    if instrument_id in (None, ""):
        return None
    try:
        return Instrument.objects.filter(
            status=InstrumentStatus.ACTIVE, pk=int(instrument_id)
        ).first()
    except (TypeError, ValueError):
        return None


def safety_lines() -> list[SafetyLine]:
    return list(SafetyLine.objects.all())


def safety_line(code: str) -> SafetyLine | None:
    return SafetyLine.objects.filter(code=code).first()


def facts_of(screening: Screening) -> SafetyFacts:
    """The decision's inputs. Sexual exploitation of a child is abuse under Florida law
    (F.S. 39.01), so once a result raises concern, abuse is suspected unless the screener
    said otherwise."""
    abuse = screening.suspected_abuse
    if abuse is None and screening.concern:
        abuse = True
    return SafetyFacts(
        immediate_danger=screening.in_immediate_danger,
        age=screening.age_years,
        in_state=screening.in_state,
        suspected_abuse=abuse,
    )


@dataclass(frozen=True)
class CallToMake:
    line: SafetyLine
    reasons: tuple[str, ...]
    done: list[SafetyAction]


def calls_for(screening: Screening) -> list[CallToMake]:
    """The lines to call now, each with what was already recorded against it (3 queries)."""
    decided: list[LineToCall] = lines_to_call(facts_of(screening), rules_from_db())
    lines = {line.code: line for line in safety_lines()}
    taken = list(screening.actions.all())
    return [
        CallToMake(lines[d.line], d.reasons, [a for a in taken if a.line_code == d.line])
        for d in decided
        if d.line in lines
    ]


@dataclass(frozen=True)
class DueScreen:
    screening: Screening
    due_at: datetime
    state: clock.ClockState
    due_label: str


def screens_due(actor: Actor) -> list[DueScreen]:
    """Screenings waiting to start, soonest deadline first: the actor's own, and for a
    supervisor every one of their agency's. Started ones are not listed (the clock stopped).
    Each names the person as far as the actor may see them (masked otherwise)."""
    waiting = Screening.objects.filter(status=ScreeningStatus.PLANNED).select_related(
        "screener", "screener_agency", "survivor"
    )
    if actor.role == Role.SUPERVISOR:
        waiting = waiting.filter(screener_agency_id=actor.agency_id)
    else:
        waiting = waiting.filter(screener=actor.user, screener_agency_id=actor.agency_id)
    now = timezone.now()
    zone = actor.agency.time_zone
    waiting_list = list(waiting)
    # Who each one is for, as far as the actor may know it (3 queries for the whole list).
    sharing.mask(actor, [s.survivor for s in waiting_list])
    _audit_list(actor, "screens_due", len(waiting_list))
    rows = [
        DueScreen(
            s,
            s.start_due_at,
            clock.clock_state(
                due_at=s.start_due_at, started_at=None, now=now, hours=s.start_within_hours
            ),
            clock.local_label(s.start_due_at, zone),
        )
        for s in waiting_list
    ]
    return sorted(rows, key=lambda row: row.due_at)


def my_unfinished(actor: Actor) -> list[Screening]:
    """The actor's started, unfinished screenings, each with the person (masked)."""
    unfinished = list(
        Screening.objects.filter(
            screener=actor.user,
            screener_agency_id=actor.agency_id,
            status=ScreeningStatus.IN_PROGRESS,
        )
        .select_related("instrument", "survivor")
        .order_by("-started_at")
    )
    sharing.mask(actor, [s.survivor for s in unfinished])
    _audit_list(actor, "unfinished_screenings", len(unfinished))
    return unfinished


# --- the monthly report (65C-43.002: youth screened, by result; per child the screening date
# and the screener's name and title)


def my_recent_results(actor: Actor, days: int = 30) -> list[Screening]:
    """The actor's own finished screenings of the last `days` days, newest first: a screener
    may no longer see the person once a case opens elsewhere, but keeps their own result."""
    since = timezone.now() - timedelta(days=days)
    recent = list(
        Screening.objects.filter(
            screener=actor.user,
            screener_agency_id=actor.agency_id,
            status=ScreeningStatus.COMPLETED,
            completed_at__gte=since,
        )
        .select_related("instrument", "case", "survivor")
        .order_by("-completed_at")
    )
    sharing.mask(actor, [s.survivor for s in recent])
    _audit_list(actor, "recent_screenings", len(recent))
    return recent


def _audit_list(actor: Actor, part: str, count: int) -> None:
    """A list that names people is a read of each: audited as a list (counts only), like the
    dashboard's cases and the records waiting for a case."""
    if count:
        record(actor, AuditAction.SURVIVORS_LISTED, detail={part: count})


@dataclass(frozen=True)
class ReportRow:
    reference: str  # the screening's short reference: not the child's name
    child: str  # the same for every screening of one young person in the report
    screened_on: date
    started_on_time: str  # "yes" or "no": started within the clock (65C-43.001)
    level_label: str
    screener: str
    screener_title: str
    agency: str
    case_reference: str


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    rows: list[ReportRow]
    by_result: list[tuple[str, int]]

    @property
    def youth_screened(self) -> int:
        """Young people, not screenings: someone screened twice in a month counts once."""
        return len({row.child for row in self.rows})


_MONTH = re.compile(r"(\d{4})-(\d{2})")
MONTH_HINT = "Enter the month as YYYY-MM, for example 2026-11."


def parse_month(raw: str) -> date | None:
    """The first day of a month typed as YYYY-MM, or None. Years 1900 to 9998: the report
    needs the month after it too, and there is none after December 9999."""
    found = _MONTH.fullmatch(raw.strip())
    if found is None:
        return None
    year, month = int(found[1]), int(found[2])
    if not (1900 <= year <= 9998 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def this_month(actor: Actor) -> date:
    """The first day of the current month where the actor's agency is."""
    return timezone.localdate(timezone=ZoneInfo(actor.agency.time_zone)).replace(day=1)


def _month_bounds(month: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    start = datetime.combine(month.replace(day=1), time.min, tz)
    following = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start, datetime.combine(following, time.min, tz)


def monthly_report(actor: Actor, month: date) -> MonthlyReport:
    """Screenings finished in `month` (in the actor's agency's time zone): a supervisor's
    agency's, or the whole community's for a network admin. No names of the young people:
    each row carries the screening's reference, and the case's where there is one."""
    policy.require(actor, policy.Permission.VIEW_SCREENING_REPORT)
    start, end = _month_bounds(month, actor.agency.time_zone)
    finished = Screening.objects.filter(
        status=ScreeningStatus.COMPLETED, completed_at__gte=start, completed_at__lt=end
    ).select_related("screener", "screener_agency", "case", "instrument")
    if actor.role != Role.NETWORK_ADMIN:
        finished = finished.filter(screener_agency_id=actor.agency_id)
    zone = ZoneInfo(actor.agency.time_zone)
    # A child number for this report only (1, 2, ...): it tells screenings of one young
    # person apart from another's without saying who, and means nothing outside it.
    children: dict[object, str] = {}
    ordered = list(finished.order_by("completed_at", "pk"))
    for s in ordered:
        children.setdefault(s.survivor_id, str(len(children) + 1))
    rows = [
        ReportRow(
            reference=short_reference(s),
            child=children[s.survivor_id],
            screened_on=timezone.localtime(s.completed_at, zone).date(),
            started_on_time="yes"
            if s.started_at is not None and s.started_at <= s.start_due_at
            else "no",
            level_label=s.level_label,
            screener=s.screener.get_full_name() or s.screener.username,
            screener_title=s.screener_title,
            agency=s.screener_agency.name,
            case_reference=s.case.reference if s.case else "",
        )
        for s in ordered
    ]
    return MonthlyReport(month.replace(day=1), rows, _by_result(ordered))


def _by_result(screenings: list[Screening]) -> list[tuple[str, int]]:
    """Counts per instrument and level, lowest concern first within each instrument: two
    instruments may name their levels differently ("Low" is one's "no concern")."""
    counts: dict[tuple[str, int, str], int] = {}
    ranks: dict[int, dict[str, int]] = {}
    for s in screenings:
        if s.instrument_id not in ranks:
            levels = definition_of(s.instrument).levels()
            ranks[s.instrument_id] = {code: n for n, (code, _label) in enumerate(levels)}
        name = f"{s.instrument.title} {s.instrument.version}"
        key = (name, ranks[s.instrument_id].get(s.level, 99), s.level_label)
        counts[key] = counts.get(key, 0) + 1
    return [(f"{label} ({name})", n) for (name, _rank, label), n in sorted(counts.items())]


def short_reference(screening: Screening) -> str:
    return f"S-{str(screening.pk)[:8].upper()}"


def report_csv(actor: Actor, report: MonthlyReport) -> str:
    """The report as CSV; the export is audited (counts only in the entry)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Child (this report)"),
            _("Screening"),
            _("Screening date"),
            _("Started in time"),
            _("Result"),
            _("Screener"),
            _("Screener's title"),
            _("Agency"),
            _("Case"),
        ]
    )
    for row in report.rows:
        writer.writerow(
            [
                row.child,
                row.reference,
                row.screened_on.isoformat(),
                row.started_on_time,
                # Every text cell: a level label comes from an imported instrument.
                _safe_cell(row.level_label),
                _safe_cell(row.screener),
                _safe_cell(row.screener_title),
                _safe_cell(row.agency),
                row.case_reference,
            ]
        )
    record(
        actor,
        AuditAction.SCREENING_REPORT_EXPORTED,
        detail={"month": report.month.isoformat()[:7], "rows": len(report.rows)},
    )
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
