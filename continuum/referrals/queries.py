"""Every read of a referral, scoped to the reader's side of it.

- The **sending** agency reads its referrals through the case: whoever may see the case and
  whose role may see the kind of data the need is (a mentor does not learn that a
  mental-health referral exists; the timeline does not name it either).
- The **receiving** agency reads its intake queue and each referral's *body*, which carries
  only what the survivor released to it, category by category, read at the moment of
  reading (a revoked release empties the body at once). A capacity inquiry carries nothing
  about the person at all, not even the case reference.
Each body read is audited with the categories it showed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import ROLE_CATEGORIES, DataCategory
from continuum.access.policy import Permission
from continuum.access.sharing import case_categories, categories_for, released_to
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import CareTeamMember
from continuum.cases.queries import cases_for
from continuum.needs.models import Need, NeedDomain
from continuum.referrals import sensitivity, states
from continuum.referrals.actions import INTAKE_ROLES, SENDER_ROLES, side_of
from continuum.referrals.models import Referral, ReferralEvent, ReferralStatus


def _base() -> QuerySet[Referral]:
    return Referral.objects.select_related("to_agency", "from_agency", "case", "service")


def _kinds_the_role_sees(actor: Actor) -> Q:
    """Referrals for needs of a kind of data the actor's role may see (or for no need), to
    services whose own terms say nothing the role may not see: a referral with no need to a
    detox programme is substance-use data all the same (sensitivity.py)."""
    categories = [str(c) for c in ROLE_CATEGORIES.get(actor.role, frozenset())]
    domains = NeedDomain.objects.filter(category__in=categories).values("code")
    of_need = Q(domain_code="") | Q(domain_code__in=domains)
    unseen = sensitivity.SENSITIVE_CATEGORIES - set(categories)
    return of_need & ~sensitivity.service_meets_q(unseen) if unseen else of_need


def referrals_of_case(actor: Actor, case_id: UUID | str) -> QuerySet[Referral]:
    """The referrals a case sent, for people of the sending agency who may see the case."""
    visible = cases_for(actor).filter(pk=case_id)
    return _base().filter(
        _kinds_the_role_sees(actor), case__in=visible, from_agency_id=actor.agency_id
    )


def sent_by(actor: Actor) -> QuerySet[Referral]:
    """Every referral the actor's agency sent, on cases the actor may see."""
    return _base().filter(
        _kinds_the_role_sees(actor), case__in=cases_for(actor), from_agency_id=actor.agency_id
    )


def intake_queue(actor: Actor) -> QuerySet[Referral]:
    """Referrals sent to the actor's agency (its intake queue), for its intake roles, of the
    kinds their role may see: as on the sending side, a survivor-mentor taking intake does
    not learn that a mental-health referral for someone exists (nor opens it by id)."""
    if actor.role not in INTAKE_ROLES:
        return Referral.objects.none()
    return (
        _base()
        .filter(_kinds_the_role_sees(actor), to_agency_id=actor.agency_id)
        .exclude(status__in=[ReferralStatus.DRAFT, ReferralStatus.ENTERED_IN_ERROR])
    )


def waiting_in_queue(actor: Actor) -> QuerySet[Referral]:
    return intake_queue(actor).filter(status__in=states.WITH_RECEIVER)


def overdue_q(today: datetime.date) -> Q:
    """Sent and still unanswered after the answer was due."""
    return Q(status=ReferralStatus.REQUESTED, response_due_on__lt=today)


def referral_for(actor: Actor, referral_id: UUID | str) -> Referral:
    """One referral the actor is on either side of; 404 otherwise (and for a draft the
    receiver was never sent)."""
    found = (
        _base()
        .filter(pk=referral_id)
        .filter(Q(pk__in=sent_by(actor).values("pk")) | Q(pk__in=intake_queue(actor).values("pk")))
    ).first()
    if found is None:
        raise policy.NotFound()
    return found


# --- what a referral carries ----------------------------------------------------------------


@dataclass
class Body:
    """What the reader may see of the person a referral is for."""

    kind: str
    inquiry_text: str = ""
    case_reference: str | None = None
    identity: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    need: dict[str, Any] | None = None
    do_not_reach_out: bool = False
    shown: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)


# The categories a referral can carry, in the order a provider reads them.
CARRIED = (DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.NEEDS)


# While a referral is in these states the receiver is working on it (or deciding whether
# to): its body is theirs to read, as far as a release goes.
OPEN_FOR_RECEIVER = frozenset(
    {
        ReferralStatus.REQUESTED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.ON_HOLD,
    }
)


def _receiver_still_works_on(referrals: list[Referral]) -> set[UUID]:
    """The referrals (ids) whose receiving agency still has a reason to read who they are
    for: the referral is open for it, or the agency is on the case's care team now (one
    query for the rest)."""
    working = {r.pk for r in referrals if r.status in OPEN_FOR_RECEIVER}
    rest = [r for r in referrals if r.pk not in working]
    if rest:
        teams = set(
            CareTeamMember.objects.filter(
                removed_at__isnull=True, case_id__in={r.case_id for r in rest}
            ).values_list("case_id", "agency_id")
        )
        working |= {r.pk for r in rest if (r.case_id, r.to_agency_id) in teams}
    return working


def categories_for_reader(actor: Actor, referral: Referral) -> frozenset[str]:
    if referral.is_inquiry:
        return frozenset()
    if actor.agency_id == referral.from_agency_id:
        return case_categories(actor, referral.case)
    # A release still standing does not keep the body open to a provider that turned the
    # referral down, saw it cancelled or entered in error, or has left the care team since:
    # it keeps the non-identifying minimum (state, dates, reason), as for an inquiry.
    if not _receiver_still_works_on([referral]):
        return frozenset()
    role = frozenset(str(c) for c in ROLE_CATEGORIES.get(actor.role, frozenset()))
    return role & released_to(actor, referral.case.survivor)


def body_of(actor: Actor, referral: Referral) -> Body:
    """The referral's contents for this reader, audited. See the module docstring."""
    body = build_body(actor, referral)
    _audit_read(actor, referral, body.shown)
    return body


def build_body(actor: Actor, referral: Referral) -> Body:
    """body_of without its audit entry, for a caller that writes its own (the FHIR export
    records REFERRAL_EXPORTED with the categories it carried)."""
    body = Body(kind=referral.kind)
    if referral.is_inquiry:
        body.inquiry_text = referral.inquiry_text
        return body
    allowed = categories_for_reader(actor, referral)
    survivor = referral.case.survivor
    # The case reference ties the referral to a person's record: it is identity, not
    # something any released category (a need, a phone number) should carry.
    if DataCategory.IDENTITY in allowed:
        body.case_reference = referral.case.reference
    if DataCategory.IDENTITY in allowed:
        body.identity = _identity(survivor)
    body.do_not_reach_out = not referral.provider_may_contact
    if DataCategory.CONTACT in allowed and referral.provider_may_contact:
        body.contact = _contact(survivor)
    if DataCategory.NEEDS in allowed:
        body.need = _need(referral, allowed)
    carried = {
        DataCategory.IDENTITY: body.identity,
        DataCategory.CONTACT: body.contact,
        DataCategory.NEEDS: body.need,
    }
    body.shown = [str(c) for c in CARRIED if carried[c] is not None]
    body.withheld = [str(c) for c in CARRIED if str(c) not in body.shown]
    return body


def _identity(survivor: Any) -> dict[str, Any]:
    return {
        "name": survivor.display_name,
        "pronouns": survivor.pronouns,
        "age": survivor.age_on(timezone.localdate()),
        "date_of_birth": survivor.date_of_birth.isoformat() if survivor.date_of_birth else None,
        "language": survivor.get_primary_language_display() if survivor.primary_language else "",
        "interpreter_needed": survivor.interpreter_needed,
    }


def _contact(survivor: Any) -> dict[str, Any]:
    return {
        "safe_phone": survivor.safe_phone,
        "safe_to_call": survivor.safe_to_call,
        "safe_to_text": survivor.safe_to_text,
        "safe_to_leave_message": survivor.safe_to_leave_message,
        "safe_times": survivor.safe_times,
    }


def _need(referral: Referral, allowed: frozenset[str]) -> dict[str, Any]:
    need = referral.need
    # What the assessment says about the need belongs to its domain's kind of data, its very
    # name included (a mental-health need is mental-health data, and the needs pages hide a
    # domain whose kind is not released, not only its words); the referral's note is
    # written for the provider and travels with the needs category.
    category: str | None
    if need is not None:
        category, name = need.domain.category, need.domain.name
    else:  # the need was deleted since: what was kept of it (or a referral for no need)
        category = (
            NeedDomain.objects.filter(code=referral.domain_code)
            .values_list("category", flat=True)
            .first()
        )
        name = referral.domain_code
    described = bool(referral.domain_code or need) and category in allowed
    return {
        "domain": name if described else "",
        "urgency": need.get_urgency_display() if need and need.urgency and described else "",
        "description": need.description if need and described else "",
        "note": referral.note,
    }


def _audit_read(actor: Actor, referral: Referral, shown: list[str]) -> None:
    record(
        actor,
        AuditAction.REFERRAL_VIEWED,
        survivor_id=None if referral.is_inquiry else referral.case.survivor_id,
        case_id=referral.case_id,
        obj=referral,
        detail={"categories": shown, "side": str(side_of(actor, referral) or "")},
    )


def may_refer(actor: Actor) -> bool:
    return policy.can(actor, Permission.REFER)


# --- for the pages and the API (continuum/referrals/views.py, api.py) -----------------------


def need_to_refer(actor: Actor, need_id: UUID | str) -> Need:
    """A need of a case the actor may see, in a domain whose kind of data they may see; 404
    otherwise. Whether they may refer from it is the action's check."""
    need = (
        Need.objects.select_related("domain", "case")
        .filter(pk=need_id, case__in=cases_for(actor))
        .first()
    )
    if need is None or need.domain.category not in case_categories(actor, need.case):
        raise policy.NotFound()
    return need


def events_of(referral: Referral) -> list[ReferralEvent]:
    """The referral's history, oldest first (the caller has it through referral_for)."""
    return list(referral.events.select_related("by_user", "by_agency"))


def is_overdue(referral: Referral, today: datetime.date) -> bool:
    """overdue_q for one referral in hand."""
    return (
        referral.status == ReferralStatus.REQUESTED
        and referral.response_due_on is not None
        and referral.response_due_on < today
    )


def identity_released(actor: Actor, referrals: list[Referral]) -> set[UUID]:
    """The referrals (ids) whose person the actor may know by case reference: identity is
    among what the actor may see of them now (3 queries for any number). Never an inquiry."""
    people = [r.case.survivor for r in referrals if not r.is_inquiry]
    if not people:
        return set()
    seen = categories_for(actor, people)
    # The receiver, as for the body: only while it still works on the referral.
    received = [r for r in referrals if r.to_agency_id == actor.agency_id]
    working = _receiver_still_works_on(received) if received else set()
    return {
        r.pk
        for r in referrals
        if not r.is_inquiry
        and DataCategory.IDENTITY in seen.get(r.case.survivor_id, ())
        and (r.to_agency_id != actor.agency_id or r.pk in working)
    }


def queue_in_order(actor: Actor, today: datetime.date) -> list[Referral]:
    """The intake queue's open referrals and inquiries: waiting for an answer first, the
    overdue ones first, then by the day the answer is due; then those being worked on."""
    rows = list(waiting_in_queue(actor).select_related("case__survivor"))

    def order(r: Referral) -> tuple[int, int, datetime.date, datetime.datetime]:
        return (
            0 if r.status == ReferralStatus.REQUESTED else 1,
            0 if is_overdue(r, today) else 1,
            r.response_due_on or datetime.date.max,
            r.requested_at or r.created_at,
        )

    return sorted(rows, key=order)


@dataclass
class ReferralWork:
    """The two boxes on My work: referrals waiting for the actor's agency to answer, and
    referrals the agency sent that were not answered in time."""

    waiting: int = 0
    waiting_overdue: int = 0
    late: list[Referral] = field(default_factory=list)
    more_late: bool = False

    @property
    def empty(self) -> bool:
        return not (self.waiting or self.late)


LATE_SHOWN = 10


def referral_work(actor: Actor) -> ReferralWork:
    """At most two queries, whatever the number of referrals."""
    today = timezone.localdate()
    work = ReferralWork()
    if actor.role in INTAKE_ROLES:
        counts = (
            intake_queue(actor)
            .filter(status=ReferralStatus.REQUESTED)
            .aggregate(waiting=Count("pk"), overdue=Count("pk", filter=overdue_q(today)))
        )
        work.waiting, work.waiting_overdue = counts["waiting"], counts["overdue"]
    if actor.role in SENDER_ROLES:
        late = list(
            sent_by(actor).filter(overdue_q(today)).order_by("response_due_on")[: LATE_SHOWN + 1]
        )
        work.late, work.more_late = late[:LATE_SHOWN], len(late) > LATE_SHOWN
    return work
