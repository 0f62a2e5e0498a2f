"""Measures of the multidisciplinary team: staffings in time, action items done on time, who
comes to the meetings, meetings without a role the protocol requires, and the MOU's coverage.

What counts (docs/measures.md explains each figure for supervisors and analysts):

- A case **needs a staffing** when its MDT clock (mdt.models.StaffingClock) has an intake
  date and a due date. The period selects cases by their **intake date**.
- **Staffed in time**: first staffed on or before the due date (staffed on the due date is in
  time); **staffed late**: after it; **not staffed, overdue**: no staffing yet and the due
  date is before today (whether or not the case is still open: the staffing was missed);
  **not staffed, not yet due**: no staffing yet, due today or later.
  **Share in time**: in time, of in time + late + overdue (the cases whose staffing was due
  by today or has been held).
- **Days from intake to first staffing**: for the cases staffed, first_staffed_on minus
  intake_on in days; median and nearest-rank 90th percentile (figures.median and
  figures.percentile_90, as the needs measures).
- **No intake date (cannot compute)**: cases without an intake date on their clock (or
  without a clock), selected by the day the case was opened.
- **Action items** (mdt.ActionItem, their cases.CaseTask) whose due date is in the period,
  not cancelled: **done on time** (done on or before the due date, the day it was marked
  done in the reader's agency's time zone), **done late** (after it, or with no record of
  when), **open, overdue** (open, due before today), **open, not yet due**. **Share on
  time**: on time, of on time + late + overdue.
- **Meetings held** in the period (status held, by the moment held, or its start when that
  was not recorded); **without a required role**: those whose missing_roles is not empty.
  **Attendance by agency**: for those meetings, per agency, how many meetings its staff were
  invited to, how many they attended (attended recorded as yes), and the share of the
  meetings it was invited to that it attended. Survivors and families are not counted here.
  Every member agency of the protocol(s) in scope has a row, even with nothing to count.
- **MOU coverage (now)**: member agencies of the protocol(s) in scope (the community: every
  protocol; a supervisor: their agency's) that signed an MOU of their protocol in force
  today (protocols.Mou.status_on), of all the members. These count agencies, not survivors,
  so they are never hidden.

The cases in scope are those of needs.scope_of: a supervisor's agency's (exact counts), or
the whole community's (small counts hidden, figures.parts_of for figures that make up a
whole). Every function costs the same number of queries however many cases there are.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access.actor import Actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import Case, TaskStatus
from continuum.mdt.models import ActionItem, Meeting, MeetingStatus, Participant, ParticipantKind
from continuum.outcomes import figures
from continuum.outcomes.figures import Figure
from continuum.outcomes.needs import Scope, safe_cell, scope_label, scope_of
from continuum.outcomes.periods import ALL_TIME, Period
from continuum.protocols.models import Mou, MouSignature, MouStatus, ProtocolMember


@dataclass(frozen=True)
class StaffingMeasures:
    needing: Figure
    in_time: Figure
    late: Figure
    overdue: Figure
    not_yet_due: Figure
    in_time_share: Figure
    median_days: Figure
    p90_days: Figure
    cannot_compute: Figure


@dataclass(frozen=True)
class ActionMeasures:
    due: Figure
    on_time: Figure
    late: Figure
    overdue: Figure
    not_yet_due: Figure
    on_time_share: Figure


@dataclass(frozen=True)
class AgencyAttendance:
    name: str
    invited: Figure
    attended: Figure
    attended_share: Figure


@dataclass(frozen=True)
class MeetingMeasures:
    held: Figure
    without_required_role: Figure
    agencies: list[AgencyAttendance]


@dataclass(frozen=True)
class ProtocolCoverage:
    name: str
    mou_in_force: bool
    members: Figure
    signed: Figure
    signed_share: Figure


@dataclass(frozen=True)
class MouMeasures:
    members: Figure
    signed: Figure
    signed_share: Figure
    protocols: list[ProtocolCoverage]


@dataclass(frozen=True)
class MdtMeasures:
    scope: Scope
    period: Period
    today: date
    staffing: StaffingMeasures
    actions: ActionMeasures
    meetings: MeetingMeasures
    mous: MouMeasures

    @property
    def suppressed(self) -> bool:
        """Small counts are hidden (community-wide figures)."""
        return self.scope.community


def mdt_measures(actor: Actor, period: Period = ALL_TIME) -> MdtMeasures:
    """The MDT measures this actor may see (needs.scope_of: Forbidden for roles without
    measures), for `period`. Not audited here: the page, the CSV and the API each record
    what they showed (record_viewed)."""
    return measure_mdt(scope_of(actor), period, zone=actor.agency.time_zone)


def measure_mdt(
    scope: Scope, period: Period, *, zone: str, now: datetime | None = None
) -> MdtMeasures:
    """Every figure for the cases in `scope` (8 queries, whatever their number)."""
    now = now or timezone.now()
    today = timezone.localdate(now, ZoneInfo(zone))
    suppress = scope.community
    return MdtMeasures(
        scope=scope,
        period=period,
        today=today,
        staffing=_staffing(scope, period, today, suppress),
        actions=_actions(scope, period, today, zone, suppress),
        meetings=_meetings(scope, period, zone, suppress),
        mous=_mous(scope, today),
    )


def _days_in(period: Period, field: str) -> Q:
    """Rows whose date `field` is in the period (every row for all time)."""
    found = Q()
    if period.start is not None:
        found &= Q(**{f"{field}__gte": period.start})
    if period.end is not None:
        found &= Q(**{f"{field}__lte": period.end})
    return found


def _staffing(scope: Scope, period: Period, today: date, suppress: bool) -> StaffingMeasures:
    known = Q(staffing_clock__intake_on__isnull=False, staffing_clock__due_on__isnull=False)
    rows = (
        Case.objects.filter(scope.cases())
        .filter(
            (known & _days_in(period, "staffing_clock__intake_on"))
            | (~known & _days_in(period, "opened_on"))
        )
        .order_by()
        .values_list(
            "staffing_clock__intake_on",
            "staffing_clock__due_on",
            "staffing_clock__first_staffed_on",
        )
    )
    counts = {"in_time": 0, "late": 0, "overdue": 0, "not_yet_due": 0}
    cannot = 0
    days: list[float] = []
    for intake_on, due_on, staffed_on in rows:
        if intake_on is None or due_on is None:
            cannot += 1
        elif staffed_on is not None:
            counts["in_time" if staffed_on <= due_on else "late"] += 1
            days.append(float((staffed_on - intake_on).days))
        else:
            counts["overdue" if due_on < today else "not_yet_due"] += 1
    needing = sum(counts.values())
    parts = figures.parts_of(counts, needing, suppress=suppress)
    decided = figures.sum_of(parts["in_time"], parts["late"], parts["overdue"])
    return StaffingMeasures(
        needing=figures.count(needing, suppress=suppress),
        in_time=parts["in_time"],
        late=parts["late"],
        overdue=parts["overdue"],
        not_yet_due=parts["not_yet_due"],
        in_time_share=figures.share(parts["in_time"], decided, suppress=suppress),
        median_days=figures.statistic(figures.median(days), len(days), suppress=suppress),
        p90_days=figures.statistic(figures.percentile_90(days), len(days), suppress=suppress),
        cannot_compute=figures.count(cannot, suppress=suppress),
    )


def _actions(
    scope: Scope, period: Period, today: date, zone: str, suppress: bool
) -> ActionMeasures:
    rows = (
        ActionItem.objects.filter(scope.cases("task__case"), task__due_on__isnull=False)
        .filter(_days_in(period, "task__due_on"))
        .exclude(task__status=TaskStatus.CANCELLED)
        .order_by()
        .values_list("task__due_on", "task__status", "task__done_at")
    )
    tz = ZoneInfo(zone)
    counts = {"on_time": 0, "late": 0, "overdue": 0, "not_yet_due": 0}
    for due_on, status, done_at in rows:
        assert due_on is not None
        if status == TaskStatus.DONE:
            # Done with no record of when cannot be shown to be on time.
            on_time = done_at is not None and timezone.localdate(done_at, tz) <= due_on
            counts["on_time" if on_time else "late"] += 1
        else:
            counts["overdue" if due_on < today else "not_yet_due"] += 1
    due = sum(counts.values())
    parts = figures.parts_of(counts, due, suppress=suppress)
    decided = figures.sum_of(parts["on_time"], parts["late"], parts["overdue"])
    return ActionMeasures(
        due=figures.count(due, suppress=suppress),
        on_time=parts["on_time"],
        late=parts["late"],
        overdue=parts["overdue"],
        not_yet_due=parts["not_yet_due"],
        on_time_share=figures.share(parts["on_time"], decided, suppress=suppress),
    )


def _meetings(scope: Scope, period: Period, zone: str, suppress: bool) -> MeetingMeasures:
    since, until = period.bounds(zone)
    meetings = Meeting.objects.filter(scope.cases("case"), status=MeetingStatus.HELD).alias(
        held_moment=Coalesce("held_at", "starts_at")
    )
    if since is not None:
        meetings = meetings.filter(held_moment__gte=since)
    if until is not None:
        meetings = meetings.filter(held_moment__lt=until)
    missing = list(meetings.order_by().values_list("missing_roles", flat=True))
    without_role = sum(1 for roles in missing if roles)
    # Per agency, the meetings it was invited to, attended, and attended when invited: once
    # a meeting however many of its staff were there.
    by_agency: dict[int, dict[str, set[object]]] = defaultdict(
        lambda: {"invited": set(), "attended": set(), "invited_attended": set()}
    )
    names: dict[int, str] = {}
    for agency_id, name, meeting_id, invited, attended in (
        Participant.objects.filter(
            meeting__in=meetings.values("pk"), kind=ParticipantKind.MEMBER, agency__isnull=False
        )
        .order_by()
        .values_list("agency_id", "agency__name", "meeting_id", "invited", "attended")
    ):
        assert agency_id is not None
        names[agency_id] = name
        seen = by_agency[agency_id]
        if invited:
            seen["invited"].add(meeting_id)
        if attended:
            seen["attended"].add(meeting_id)
        if invited and attended:
            seen["invited_attended"].add(meeting_id)
    names.update(dict(_members(scope).values_list("agency_id", "agency__name")))
    agencies = []
    for agency_id, name in sorted(names.items(), key=lambda item: (item[1], item[0])):
        row = by_agency.get(agency_id, {})
        invited_n = len(row.get("invited", ()))
        invited_figure = figures.count(invited_n, suppress=suppress)
        came = figures.part_of(len(row.get("invited_attended", ())), invited_n, suppress=suppress)
        agencies.append(
            AgencyAttendance(
                name=name,
                invited=invited_figure,
                attended=figures.count(len(row.get("attended", ())), suppress=suppress),
                attended_share=figures.share(came, invited_figure, suppress=suppress),
            )
        )
    return MeetingMeasures(
        held=figures.count(len(missing), suppress=suppress),
        without_required_role=figures.part_of(without_role, len(missing), suppress=suppress),
        agencies=agencies,
    )


def _members(scope: Scope) -> QuerySet[ProtocolMember]:
    """The member agencies of the protocols in scope: every protocol for the community; for
    a supervisor, the one their agency is a member of (none if it is in none)."""
    members = ProtocolMember.objects.order_by()
    if scope.community:
        return members
    if scope.agency_id is None:
        return members.none()
    return members.filter(protocol__members__agency_id=scope.agency_id)


def _mous(scope: Scope, today: date) -> MouMeasures:
    """Members that signed an MOU of their protocol in force today, of all members. Agencies,
    not survivors: exact counts."""
    members = list(_members(scope).values_list("protocol_id", "protocol__name", "agency_id"))
    protocol_ids = {protocol_id for protocol_id, _name, _agency in members}
    in_force = [
        mou
        for mou in Mou.objects.filter(protocol_id__in=protocol_ids, status=MouStatus.IN_FORCE)
        if mou.status_on(today) == MouStatus.IN_FORCE
    ]
    signed_by = set(
        MouSignature.objects.filter(mou__in=in_force).values_list("mou__protocol_id", "agency_id")
    )
    with_mou = {mou.protocol_id for mou in in_force}
    by_protocol: dict[int, tuple[str, list[int]]] = {}
    for protocol_id, name, agency_id in members:
        by_protocol.setdefault(protocol_id, (name, []))[1].append(agency_id)
    rows = []
    for protocol_id, (name, agencies) in sorted(by_protocol.items(), key=lambda p: p[1][0]):
        signed = sum(1 for agency_id in agencies if (protocol_id, agency_id) in signed_by)
        rows.append(_coverage(name, protocol_id in with_mou, len(agencies), signed))
    total = _coverage("", False, len(members), sum(int(r.signed.value or 0) for r in rows))
    return MouMeasures(
        members=total.members,
        signed=total.signed,
        signed_share=total.signed_share,
        protocols=rows,
    )


def _coverage(name: str, mou_in_force: bool, members: int, signed: int) -> ProtocolCoverage:
    members_figure = figures.count(members, suppress=False)
    signed_figure = figures.count(signed, suppress=False)
    return ProtocolCoverage(
        name=name,
        mou_in_force=mou_in_force,
        members=members_figure,
        signed=signed_figure,
        signed_share=figures.share(signed_figure, members_figure, suppress=False),
    )


# --- showing them ---------------------------------------------------------------------------


def record_viewed(actor: Actor, measures: MdtMeasures, *, shown_as: str) -> None:
    """Audit a look at the measures: which, whose cases, which period, how (page, csv,
    api). Never a name: there is none in them."""
    record(
        actor,
        AuditAction.MEASURES_VIEWED,
        detail={
            "measures": "mdt",
            "scope": measures.scope.key,
            "period": measures.period.key,
            "as": shown_as,
        },
    )


def staffing_figures(staffing: StaffingMeasures) -> list[tuple[str, Figure]]:
    return [
        (_("Cases needing a staffing"), staffing.needing),
        (_("Staffed in time"), staffing.in_time),
        (_("Staffed late"), staffing.late),
        (_("Not staffed, overdue"), staffing.overdue),
        (_("Not staffed, not yet due"), staffing.not_yet_due),
        (_("Share staffed in time"), staffing.in_time_share),
        (_("Median days from intake to first staffing"), staffing.median_days),
        (_("90th percentile days from intake to first staffing"), staffing.p90_days),
        (_("Cases with no intake date (cannot compute)"), staffing.cannot_compute),
    ]


def action_figures(actions: ActionMeasures) -> list[tuple[str, Figure]]:
    return [
        (_("Action items due"), actions.due),
        (_("Done on time"), actions.on_time),
        (_("Done late"), actions.late),
        (_("Open, overdue"), actions.overdue),
        (_("Open, not yet due"), actions.not_yet_due),
        (_("Share done on time"), actions.on_time_share),
    ]


def meeting_figures(meetings: MeetingMeasures) -> list[tuple[str, Figure]]:
    return [
        (_("Meetings held"), meetings.held),
        (_("Held without a role the protocol requires"), meetings.without_required_role),
    ]


def attendance_figures(agency: AgencyAttendance) -> list[tuple[str, Figure]]:
    return [
        (_("Meetings invited to"), agency.invited),
        (_("Meetings attended"), agency.attended),
        (_("Share of invitations attended"), agency.attended_share),
    ]


def mou_figures(coverage: MouMeasures | ProtocolCoverage) -> list[tuple[str, Figure]]:
    return [
        (_("Member agencies (now)"), coverage.members),
        (_("Members that signed the MOU in force (now)"), coverage.signed),
        (_("Share of members that signed (now)"), coverage.signed_share),
    ]


def mdt_csv(measures: MdtMeasures) -> str:
    """The figures as CSV, one figure a row (section, agency or protocol, figure, value),
    exactly as the page shows them. Every cell is guarded against spreadsheet formulas:
    agency and protocol names are the community's own words."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*cells: object) -> None:
        writer.writerow([safe_cell(str(c)) for c in cells])

    row(_("Section"), _("Agency or protocol"), _("Figure"), _("Value"))
    row(_("About"), "", _("Whose cases"), scope_label(measures.scope))
    row(_("About"), "", _("Period"), measures.period.label)
    row(_("About"), "", _("Figures marked (now) are as of"), measures.today.isoformat())
    if measures.suppressed:
        row(_("About"), "", _("Small counts"), _("Counts from 1 to 10 are shown as <11"))
    for label, figure in staffing_figures(measures.staffing):
        row(_("Staffings"), "", label, figure.shown)
    for label, figure in action_figures(measures.actions):
        row(_("Action items"), "", label, figure.shown)
    for label, figure in meeting_figures(measures.meetings):
        row(_("Meetings"), "", label, figure.shown)
    for agency in measures.meetings.agencies:
        for label, figure in attendance_figures(agency):
            row(_("Attendance"), agency.name, label, figure.shown)
    for label, figure in mou_figures(measures.mous):
        row(_("MOU"), _("All protocols in scope"), label, figure.shown)
    for protocol in measures.mous.protocols:
        row(
            _("MOU"),
            protocol.name,
            _("An MOU in force (now)"),
            _("yes") if protocol.mou_in_force else _("no"),
        )
        for label, figure in mou_figures(protocol):
            row(_("MOU"), protocol.name, label, figure.shown)
    return out.getvalue()
