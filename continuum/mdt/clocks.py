"""Each case's MDT staffing clock: computed from the abuse report's intake date under the
protocol its lead agency belongs to, stored with the version that decided it, and
recomputed when the intake date, the protocol or the first staffing changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access.actor import Actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import Case, CaseEvent, CaseStatus, EventKind
from continuum.mdt.models import StaffingClock
from continuum.protocols.clock import DeadlineRule, at_risk_from, due_on, today_in
from continuum.protocols.models import Protocol, ProtocolVersion

DEFAULT_AT_RISK_DAYS = 3


def rule_of(snapshot: dict[str, Any] | None) -> DeadlineRule:
    """The staffing rule a protocol version sets; without a protocol, the deployment's
    default (CONTINUUM_MDT_STAFFING_DAYS calendar days)."""
    if snapshot is None:
        days = settings.MDT_STAFFING_DAYS
        return DeadlineRule(days=days, at_risk_days=min(DEFAULT_AT_RISK_DAYS, days - 1))
    return DeadlineRule(
        days=snapshot["mdt_staffing_days"],
        business_days=snapshot["mdt_business_days"],
        at_risk_days=snapshot["mdt_at_risk_days"],
        holidays=frozenset(date.fromisoformat(h["day"]) for h in snapshot["holidays"]),
    )


def time_zone_of(version: ProtocolVersion | None, case: Case) -> str:
    if version is not None:
        return str(version.snapshot["time_zone"])
    return case.lead_agency.time_zone


def current_version_for(agency_id: int) -> ProtocolVersion | None:
    """The latest version of the protocol the agency is a member of, if any."""
    return (
        ProtocolVersion.objects.filter(protocol__members__agency_id=agency_id)
        .order_by("-number")
        .first()
    )


def community_today(version: ProtocolVersion | None, case: Case) -> date:
    return today_in(time_zone_of(version, case), timezone.now())


def _dates(
    intake_on: date | None, version: ProtocolVersion | None
) -> tuple[date | None, date | None]:
    if intake_on is None:
        return None, None
    rule = rule_of(version.snapshot if version else None)
    return due_on(intake_on, rule), at_risk_from(intake_on, rule)


def refresh_clock(*, case: Case, first_staffed_on: date | None = None) -> StaffingClock:
    """Compute the case's clock now (inside the caller's transaction): when a case opens,
    when its intake date changes, and when its first staffing is held."""
    version = current_version_for(case.lead_agency_id)
    due, risk = _dates(case.report_received_on, version)
    clock, _created = StaffingClock.objects.update_or_create(
        case=case,
        defaults={
            "protocol_version": version,
            "intake_on": case.report_received_on,
            "due_on": due,
            "at_risk_from": risk,
            "computed_at": timezone.now(),
        },
    )
    if first_staffed_on is not None and clock.first_staffed_on is None:
        clock.first_staffed_on = first_staffed_on
        clock.save(update_fields=["first_staffed_on"])
    return clock


def refresh_reopened_clock(*, actor: Actor, case: Case) -> None:
    """A closed case reopened: a protocol change while it was closed left its clock alone
    (recompute_for_protocol skips closed cases), so a clock still running is computed again
    under the protocol its lead agency is in now, and says so when its due date moved."""
    clock = StaffingClock.objects.filter(case=case).select_related("case__lead_agency").first()
    if clock is not None and clock.first_staffed_on is not None:
        return  # staffed: the deadline was met (or missed) under the rules of its day
    before = clock.due_on if clock is not None else None
    fresh = refresh_clock(case=case)
    if clock is not None and fresh.due_on != before:
        event = _moved_event(actor, clock, fresh.due_on, fresh.protocol_version, timezone.now())
        event.save()


def _open_clocks_under(protocol: Protocol) -> list[StaffingClock]:
    """Clocks still running (no staffing yet, case open) of cases led by a member, or
    computed under this protocol before their lead left it."""
    members = protocol.members.values("agency_id")
    return list(
        StaffingClock.objects.filter(
            Q(case__lead_agency_id__in=members) | Q(protocol_version__protocol=protocol),
            first_staffed_on__isnull=True,
        )
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case__lead_agency")
    )


def recompute_for_protocol(*, actor: Actor, protocol: Protocol, version: ProtocolVersion) -> int:
    """After a protocol change: every open clock is recomputed under the newest rules. A
    case whose due date moved says so on its timeline. Returns how many moved."""
    member_ids = set(protocol.members.values_list("agency_id", flat=True))
    changed: list[StaffingClock] = []
    events: list[CaseEvent] = []
    now = timezone.now()
    for clock in _open_clocks_under(protocol):
        under = version if clock.case.lead_agency_id in member_ids else None
        due, risk = _dates(clock.intake_on, under)
        if due != clock.due_on:
            events.append(_moved_event(actor, clock, due, under, now))
        clock.protocol_version = under
        clock.due_on, clock.at_risk_from, clock.computed_at = due, risk, now
        changed.append(clock)
    StaffingClock.objects.bulk_update(
        changed, ["protocol_version", "due_on", "at_risk_from", "computed_at"]
    )
    CaseEvent.objects.bulk_create(events)
    record(
        actor,
        AuditAction.MDT_CLOCKS_RECOMPUTED,
        obj=protocol,
        detail={"version": version.number, "recomputed": len(changed), "moved": len(events)},
    )
    return len(events)


def _moved_event(
    actor: Actor,
    clock: StaffingClock,
    due: date | None,
    under: ProtocolVersion | None,
    now: Any,
) -> CaseEvent:
    rules = (
        _("protocol version %(number)s") % {"number": under.number}
        if under
        else _("the default rules (its lead agency is in no protocol)")
    )
    summary = _("MDT staffing due date moved from %(before)s to %(after)s under %(rules)s") % {
        "before": f"{clock.due_on.day} {clock.due_on:%b %Y}" if clock.due_on else _("not set"),
        "after": f"{due.day} {due:%b %Y}" if due else _("not set"),
        "rules": rules,
    }
    return CaseEvent(
        case=clock.case,
        kind=EventKind.MDT,
        at=now,
        by_user=actor.user,
        by_agency=actor.agency,
        summary=summary[:300],
    )
