"""Every write to a referral: draft, send, answer, start, complete, close the loop.

The sending side is the agency leading the survivor's care (its supervisors, and case
managers named on the case); the receiving side is the agency that keeps the directory
listing (its case managers, clinicians, mentors and supervisors: whoever takes intake).
Each move is checked against states.TRANSITIONS, written with an audit entry and a line on
the case timeline, under a row lock, so two people answering at once cannot both win.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.access.policy import Forbidden, Permission
from continuum.access.sharing import agency_may_see
from continuum.accounts.models import Agency, Role
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.actions import join_care_team
from continuum.cases.models import CareTeamRole, Case, CaseStatus, EventKind
from continuum.cases.timeline import add_event
from continuum.core.models import EditConflict
from continuum.directory.models import Service, ServiceStatus
from continuum.mdt.clocks import current_version_for
from continuum.needs.models import Need, NeedDomain
from continuum.protocols.clock import DeadlineRule, due_on, today_in
from continuum.referrals import sensitivity, states
from continuum.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralOutcome,
    ReferralReason,
    ReferralStatus,
)

# Who takes a referral in at the receiving agency.
INTAKE_ROLES = frozenset({Role.CASE_MANAGER, Role.CLINICIAN, Role.SUPERVISOR, Role.SURVIVOR_MENTOR})
# Who sends one: the lead agency's case managers (named on the case) and supervisors.
SENDER_ROLES = frozenset({Role.CASE_MANAGER, Role.SUPERVISOR})
TIMELINE_KIND = EventKind.REFERRAL


class ReferralRuleBroken(Exception):
    """A referral cannot do what was asked (a clear message for the person)."""


# --- who is acting --------------------------------------------------------------------------


def side_of(actor: Actor, referral: Referral) -> states.Side | None:
    """Which end of the referral this actor may act for, if any."""
    if actor.agency_id == referral.from_agency_id and actor.role in SENDER_ROLES:
        try:
            policy.require_case_write(actor, referral.case, Permission.REFER)
        except Forbidden:
            return None
        return states.Side.SENDER
    if actor.agency_id == referral.to_agency_id and actor.role in INTAKE_ROLES:
        return states.Side.RECEIVER
    return None


def _require_sender(actor: Actor, case: Case) -> None:
    policy.require_case_write(actor, case, Permission.REFER)
    if case.status == CaseStatus.CLOSED:
        raise ReferralRuleBroken(_("This case is closed: reopen it before referring."))


def receiving_agency(service: Service) -> Agency:
    """The agency whose intake queue a referral to this service goes to."""
    organization = service.organization
    agency = organization.agency if organization else None
    if agency is None or not agency.is_active:
        raise ReferralRuleBroken(
            _(
                "%(service)s is not kept by an agency in Continuum, so it has no intake "
                "queue here. Call them using the listing's phone number."
            )
            % {"service": service.name}
        )
    return agency


def _check_service(service: Service) -> None:
    if service.status != ServiceStatus.ACTIVE:
        raise ReferralRuleBroken(
            _("%(service)s is not taking referrals (its listing says %(status)s).")
            % {"service": service.name, "status": service.get_status_display().lower()}
        )


def where_it_goes(*, actor: Actor, case: Case, service: Service) -> Agency:
    """The checks drafting and inquiring make before anything is written, for pages that say
    up front why nothing can be sent from here: Forbidden or ReferralRuleBroken if it cannot
    go; else the agency whose intake queue it would go to. Writes nothing."""
    _require_sender(actor, case)
    _check_service(service)
    return receiving_agency(service)


# --- creating -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralDetails:
    service: Service
    need: Need | None = None
    note: str = ""
    provider_may_contact: bool = True
    urgent: bool = False


@transaction.atomic
def draft_referral(
    *, actor: Actor, case: Case, details: ReferralDetails, send: bool = False
) -> Referral:
    """Start a referral of the survivor to a service (and send it at once if `send`).

    Caller: the lead agency's supervisor or a case manager named on the case. The receiving
    agency must be named in a release in force for the survivor's identity: a referral that
    cannot say who it is for is a capacity inquiry (send_capacity_inquiry).
    """
    _require_sender(actor, case)
    service = details.service
    _check_service(service)
    to_agency = receiving_agency(service)
    _check_need(case, details.need)
    if DataCategory.IDENTITY not in agency_released(case, to_agency):
        raise ReferralRuleBroken(
            _(
                "No release in force lets you share who this young person is with "
                "%(agency)s. Record a release with them first, or ask about room without "
                "naming anyone (a capacity inquiry)."
            )
            % {"agency": to_agency.name}
        )
    referral = Referral.objects.create(
        kind=ReferralKind.REFERRAL,
        case=case,
        need=details.need,
        domain_code=_domain_code(details.need),
        service=service,
        service_name=service.name[:300],
        from_agency=actor.agency,
        to_agency=to_agency,
        provider_may_contact=details.provider_may_contact,
        note=details.note.strip(),
        urgent=details.urgent,
        created_by=actor.user,
    )
    _written(actor, referral, AuditAction.REFERRAL_CREATED)
    _event(actor, referral)
    if send:
        _move(actor, referral, ReferralStatus.REQUESTED)
    else:
        _timeline(actor, referral, _("drafted"))
    return referral


@transaction.atomic
def send_capacity_inquiry(
    *,
    actor: Actor,
    case: Case,
    service: Service,
    need: Need | None,
    age: int | None,
    gender_words: str = "",
    urgent: bool = False,
) -> Referral:
    """Ask a provider whether they could take someone, without saying who.

    Caller: as draft_referral. Needs no release: the message is written here from the age,
    the gender as the survivor describes it, the need and the urgency, so it cannot carry a
    name, a place or a story. It is sent at once.
    """
    _require_sender(actor, case)
    _check_service(service)
    to_agency = receiving_agency(service)
    _check_need(case, need)
    referral = Referral.objects.create(
        kind=ReferralKind.CAPACITY_INQUIRY,
        case=case,
        need=need,
        domain_code=_domain_code(need),
        service=service,
        service_name=service.name[:300],
        from_agency=actor.agency,
        to_agency=to_agency,
        inquiry_text=inquiry_text(
            age=age, gender_words=gender_words, need=need, service=service, urgent=urgent
        ),
        urgent=urgent,
        created_by=actor.user,
    )
    _written(actor, referral, AuditAction.REFERRAL_CREATED)
    _event(actor, referral)
    _move(actor, referral, ReferralStatus.REQUESTED)
    return referral


GENDER_WORDS = {"girl", "boy", "young person", "young woman", "young man", "nonbinary young person"}


def inquiry_text(
    *, age: int | None, gender_words: str, need: Need | None, service: Service, urgent: bool
) -> str:
    who = gender_words if gender_words in GENDER_WORDS else "young person"
    if age is not None:
        person = _("A %(age)s-year-old %(who)s") % {"age": age, "who": who}
    else:
        person = _("A %(who)s") % {"who": who}
    what = need.domain.name.lower() if need else service.name
    when = _("today") if urgent else _("soon")
    return _("%(person)s needs %(what)s %(when)s. Could you take them?") % {
        "person": person,
        "what": what,
        "when": when,
    }


def _check_need(case: Case, need: Need | None) -> None:
    if need is not None and need.case_id != case.pk:
        raise policy.NotFound()


def _domain_code(need: Need | None) -> str:
    if need is None:
        return ""
    return NeedDomain.objects.values_list("code", flat=True).get(pk=need.domain_id)


def agency_released(case: Case, agency: Agency) -> frozenset[str]:
    """What `agency` may see of this survivor now: a release or legal basis in force for it
    (everything, were it to lead the survivor's care itself)."""
    return agency_may_see(agency.pk, case.survivor)


# --- moving ---------------------------------------------------------------------------------


@transaction.atomic
def move_referral(
    *,
    actor: Actor,
    referral: Referral,
    to: ReferralStatus,
    reason: str = "",
    outcome: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Move a referral to `to`, if the actor's side may (states.TRANSITIONS).

    Rejecting, failing and cancelling need a reason from states.REASONS. Completing may
    carry the outcome at once. `expected_version`, when given, must be the version the
    person saw (EditConflict otherwise: someone else answered first).
    """
    locked = (
        Referral.objects.select_for_update().select_related("case", "to_agency").get(pk=referral.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise EditConflict(
            _(
                "Someone else changed this referral while you were looking at it. Nothing "
                "was saved; check where it stands now."
            )
        )
    _move(actor, locked, ReferralStatus(to), reason=reason, outcome=outcome)
    return locked


def _move(
    actor: Actor,
    referral: Referral,
    to: ReferralStatus,
    *,
    reason: str = "",
    outcome: str = "",
) -> None:
    current = ReferralStatus(referral.status)
    side = states.allowed(referral.is_inquiry, current, to)
    if side is None:
        raise ReferralRuleBroken(
            _("A referral that is “%(before)s” cannot become “%(after)s”.")
            % {"before": current.label, "after": to.label}
        )
    if side_of(actor, referral) != side:
        raise Forbidden(
            _("Only the agency that sent this referral can do that.")
            if side == states.Side.SENDER
            else _("Only the agency this referral was sent to can do that.")
        )
    if to == ReferralStatus.REQUESTED and not referral.is_inquiry:
        _check_still_sendable(referral)
    reason = _checked_reason(to, reason)
    outcome = _checked_outcome(to, outcome)
    if outcome and (referral.is_inquiry or to == ReferralStatus.ENTERED_IN_ERROR):
        raise ReferralRuleBroken(_no_outcome_message(referral))
    now = timezone.now()
    fields: dict[str, object] = {"status": to, "reason": reason}
    if to == ReferralStatus.REQUESTED:
        fields |= {"requested_at": now, "response_due_on": response_due_on(referral, now)}
    if current == ReferralStatus.REQUESTED and to in (
        ReferralStatus.ACCEPTED,
        ReferralStatus.REJECTED,
    ):
        fields["answered_at"] = now
    if to == ReferralStatus.ACCEPTED:
        fields["accepted_at"] = now
    if to == ReferralStatus.IN_PROGRESS and referral.started_at is None:
        fields["started_at"] = now
    if to in states.CLOSED:
        fields["closed_at"] = now
    if outcome:
        fields |= {"outcome": outcome, "outcome_at": now}
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.version += 1
    referral.save(update_fields=[*fields, "version"])
    _written(actor, referral, AuditAction.REFERRAL_MOVED, to=str(to), reason=reason)
    _event(actor, referral)
    _consequences(actor, referral, to)


def _check_still_sendable(referral: Referral) -> None:
    """Sending a draft checks again what drafting checked: since then the case may have
    closed, the listing stopped taking referrals, or the release been revoked."""
    if referral.case.status == CaseStatus.CLOSED:
        raise ReferralRuleBroken(_("This case is closed: reopen it before referring."))
    if referral.service is None:
        raise ReferralRuleBroken(
            _("%(service)s is no longer in the directory.") % {"service": referral.service_name}
        )
    _check_service(referral.service)
    if DataCategory.IDENTITY not in agency_released(referral.case, referral.to_agency):
        raise ReferralRuleBroken(
            _(
                "No release in force lets you share who this young person is with "
                "%(agency)s any more. Record a release with them first, or ask about room "
                "without naming anyone (a capacity inquiry)."
            )
            % {"agency": referral.to_agency.name}
        )


def _checked_reason(to: ReferralStatus, reason: str) -> str:
    allowed = states.REASONS.get(to)
    if allowed is None:
        if reason:
            # Dropping it silently would let a client believe it was recorded.
            raise ReferralRuleBroken(
                _("A reason is given only when a referral is not accepted, fails or is cancelled.")
            )
        return ""
    if reason not in {r.value for r in allowed}:
        choices = ", ".join(str(ReferralReason(r).label).lower() for r in sorted(allowed))
        raise ReferralRuleBroken(_("Say why (one of: %(choices)s).") % {"choices": choices})
    return reason


def _checked_outcome(to: ReferralStatus, outcome: str) -> str:
    if not outcome:
        return ""
    if outcome not in ReferralOutcome.values:
        raise ReferralRuleBroken(_("The outcome must be “got help” or “did not get help”."))
    if to not in states.CLOSED:
        raise ReferralRuleBroken(_("An outcome is recorded when the referral is closed."))
    return outcome


def _consequences(actor: Actor, referral: Referral, to: ReferralStatus) -> None:
    """What a move changes beyond the referral: the care team, the need, the timeline."""
    label = _status_words(referral, to)
    if to == ReferralStatus.ACCEPTED and not referral.is_inquiry:
        # Joining opens nothing by itself: reading the record still takes a release.
        join_care_team(
            actor=actor,
            case=referral.case,
            agency=referral.to_agency,
            role=CareTeamRole.SERVICE_PROVIDER,
            # Its line on the timeline, and the team lists, must not name a detox programme
            # or a therapist's practice to those who may not know of it (see _timeline).
            quiet_categories=sensitivity.referral_categories(
                referral.domain_code, referral.service_id
            ),
        )
    if referral.outcome == ReferralOutcome.GOT_HELP and referral.need_id:
        _need_met(actor, referral)
    _timeline(actor, referral, label)


@transaction.atomic
def record_outcome(
    *, actor: Actor, referral: Referral, outcome: str, expected_version: int | None = None
) -> Referral:
    """Say whether the young person got help, once the referral is closed. Either side may:
    the provider knows whether services were delivered, the case manager hears from the
    survivor. A later answer replaces an earlier one, and both stay in the history."""
    locked = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
    if expected_version is not None and locked.version != expected_version:
        raise EditConflict()
    if side_of(actor, locked) is None:
        raise Forbidden()
    if locked.is_inquiry or locked.status == ReferralStatus.ENTERED_IN_ERROR:
        raise ReferralRuleBroken(_no_outcome_message(locked))
    outcome = _checked_outcome(ReferralStatus(locked.status), outcome)
    if not outcome:
        raise ReferralRuleBroken(_("Choose “got help” or “did not get help”."))
    locked.outcome = outcome
    locked.outcome_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["outcome", "outcome_at", "version"])
    _written(actor, locked, AuditAction.REFERRAL_MOVED, outcome=outcome)
    _event(actor, locked)
    if outcome == ReferralOutcome.GOT_HELP and locked.need_id:
        _need_met(actor, locked)
    _timeline(actor, locked, str(ReferralOutcome(outcome).label).lower())
    return locked


def _no_outcome_message(referral: Referral) -> str:
    if referral.is_inquiry:
        return _("A capacity inquiry has no outcome: it was a question.")
    return _("A referral entered in error has no outcome: it should never have existed.")


def _need_met(actor: Actor, referral: Referral) -> None:
    from continuum.needs.actions import meet_need_by_referral

    assert referral.need_id is not None
    need = Need.objects.select_for_update().get(pk=referral.need_id)
    # Who closed it would name the provider of a health or treatment referral.
    meet_need_by_referral(
        actor=actor, need=need, author_withheld=not names_service_on_timeline(referral)
    )


# --- the answer deadline --------------------------------------------------------------------


def response_due_on(referral: Referral, now: datetime.datetime) -> datetime.date:
    """The day the receiver should answer by: the receiving agency's protocol's referral
    response time (3 business days by default), counted in its time zone, skipping its
    holidays."""
    version = current_version_for(referral.to_agency_id)
    snapshot = version.snapshot if version else {}
    days = int(snapshot.get("referral_response_business_days", 3))
    holidays = frozenset(
        datetime.date.fromisoformat(h["day"]) for h in snapshot.get("holidays", [])
    )
    zone = snapshot.get("time_zone") or referral.to_agency.time_zone
    rule = DeadlineRule(days=days, business_days=True, at_risk_days=0, holidays=holidays)
    return due_on(today_in(str(zone), now), rule)


# --- records of what happened ---------------------------------------------------------------


def _written(actor: Actor, referral: Referral, action: AuditAction, **detail: str) -> None:
    record(
        actor,
        action,
        survivor_id=None if referral.is_inquiry else referral.case.survivor_id,
        case_id=referral.case_id,
        obj=referral,
        detail={
            "kind": referral.kind,
            "status": referral.status,
            "to_agency_id": referral.to_agency_id,
            **detail,
        },
    )


def _event(actor: Actor, referral: Referral) -> None:
    ReferralEvent.objects.create(
        referral=referral,
        status=referral.status,
        reason=referral.reason,
        outcome=referral.outcome,
        by_user=actor.user,
        by_agency=actor.agency,
        at=timezone.now(),
    )


def _status_words(referral: Referral, to: ReferralStatus) -> str:
    words = {
        ReferralStatus.REQUESTED: _("sent"),
        ReferralStatus.ACCEPTED: _("accepted"),
        ReferralStatus.REJECTED: _("not accepted"),
        ReferralStatus.IN_PROGRESS: _("services started"),
        ReferralStatus.ON_HOLD: _("on hold"),
        ReferralStatus.FAILED: _("could not be completed"),
        ReferralStatus.COMPLETED: _("completed"),
        ReferralStatus.CANCELLED: _("cancelled"),
        ReferralStatus.ENTERED_IN_ERROR: _("entered in error"),
        ReferralStatus.DRAFT: _("drafted"),
    }[to]
    if referral.reason:
        words += f" ({str(ReferralReason(referral.reason).label).lower()})"
    if referral.outcome and to in states.CLOSED:
        words += f": {str(ReferralOutcome(referral.outcome).label).lower()}"
    return words


# Re-exported: the categories whose referrals the timeline never names (sensitivity.py).
SENSITIVE_CATEGORIES = sensitivity.SENSITIVE_CATEGORIES


def names_service_on_timeline(referral: Referral) -> bool:
    """Whether the case timeline may say where the referral went. Not for a referral about
    health, mental health or substance use, by its need's domain or by the service's own
    terms (a referral with no need to a detox programme is still about substance use)."""
    return not sensitivity.referral_categories(referral.domain_code, referral.service_id)


def _timeline(actor: Actor, referral: Referral, words: str) -> None:
    what = _("Capacity inquiry") if referral.is_inquiry else _("Referral")
    if names_service_on_timeline(referral):
        summary = _("%(what)s to %(service)s (%(agency)s): %(words)s") % {
            "what": what,
            "service": referral.service_name,
            "agency": referral.to_agency.name,
            "words": words,
        }
    else:
        # The timeline is read more widely than the needs (a mentor on the case, another
        # agency on the care team): saying "a health need" would tell them one exists. Who
        # may see the need reads the rest on the referral itself, which is access-checked.
        summary = _("%(what)s: %(words)s") % {"what": what, "words": words}
    # Nor who answered it: "— Ivy, Harbor Recovery House" would name the provider.
    answered = (
        not names_service_on_timeline(referral) and actor.agency_id != referral.from_agency_id
    )
    add_event(actor, referral.case, TIMELINE_KIND, summary=summary, author_withheld=answered)
