"""The demo's referrals: Casey's unmet needs sent to the network, at every stage of the loop.

- a request for a mentor a month ago: accepted, started, completed, "got help" (the need is
  met);
- a mental-health need with Mangrove: accepted and started;
- a documents need with legal aid: sent eight working days ago and not answered (overdue on
  both sides' My work);
- a need for work, sent yesterday to the mentors' job-readiness program, waiting in their
  intake queue;
- a shelter need where no release names Heron Hammock: two capacity inquiries, one answered
  "we have room", one "no room" (their young parents' home is full).

Made through the actions, as the demo's staff, then dated back. A story needs a case of
Casey's with an unmet need of its kind and (for a referral) a release naming the receiver;
a story with no such case is skipped. Loaded only into a community with no referral yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.access.sharing import agency_may_see
from continuum.accounts.models import Agency
from continuum.cases.models import CareTeamRole, CaseEvent, CaseStatus, EventKind
from continuum.demo.directory import demo_id
from continuum.directory.models import Service
from continuum.needs.models import UNMET_STATUSES, Need, NeedEntry
from continuum.referrals import actions
from continuum.referrals.models import Referral, ReferralEvent
from continuum.referrals.models import ReferralStatus as S

ActorFor = Callable[[str, str], Actor]


@dataclass(frozen=True)
class Step:
    to: S
    days_ago: int
    reason: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class Story:
    domain: str
    service: str  # the demo listing's key
    receiver: tuple[str, str]  # (username, agency key)
    sent_days_ago: int
    steps: tuple[Step, ...] = ()
    inquiry: bool = False
    note: str = ""


STORIES: tuple[Story, ...] = (
    Story(
        "other",
        "mentors-match",
        ("shanice", "mentors"),
        31,
        (
            Step(S.ACCEPTED, 30),
            Step(S.IN_PROGRESS, 27),
            Step(S.COMPLETED, 3, outcome="got_help"),
        ),
        note="Asked for a mentor who has been through it; prefers to meet at the library.",
    ),
    Story(
        "mental_health",
        "mangrove-tfcbt",
        ("drew", "counseling"),
        12,
        (Step(S.ACCEPTED, 11), Step(S.IN_PROGRESS, 7)),
        note="Prefers sessions at school, after 2 pm.",
    ),
    Story(
        "documents_and_id",
        "legal-immigration",
        ("esther", "legal"),
        12,
        note="Needs papers to stay; her birth certificate is with a relative in another state.",
    ),
    Story(
        "employment",
        "mentors-jobs",
        ("shanice", "mentors"),
        1,
        note="Wants a first job after school; her mentor could help her prepare.",
    ),
    Story(
        "shelter",
        "hh-safe-home-girls",
        ("yolanda", "safehouse"),
        2,
        (Step(S.ACCEPTED, 2),),
        inquiry=True,
    ),
    Story(
        "shelter",
        "hh-safe-home-parents",
        ("yolanda", "safehouse"),
        4,
        (Step(S.REJECTED, 3, reason="no_capacity"),),
        inquiry=True,
    ),
)


def load_demo_referrals(actor_for: ActorFor, agencies: dict[str, Agency]) -> int:
    """Load the stories (all or nothing); return how many were loaded (0 if any exist)."""
    if Referral.objects.exists():
        return 0
    with transaction.atomic():
        casey = actor_for("casey", "cbc")
        return sum(_story(casey, story, actor_for, agencies) for story in STORIES)


def _need_for(casey: Actor, story: Story, to_agency: Agency) -> Need | None:
    needs = (
        Need.objects.filter(
            status__in=UNMET_STATUSES,
            domain__code=story.domain,
            case__status=CaseStatus.OPEN,
            case__lead_agency_id=casey.agency_id,
            case__care_team__user=casey.user,
            case__care_team__role=CareTeamRole.LEAD_CASE_MANAGER,
            case__care_team__removed_at__isnull=True,
        )
        .select_related("case__survivor")
        .order_by("case__opened_on", "pk")
    )
    for need in needs:
        released = agency_may_see(to_agency.pk, need.case.survivor)
        if story.inquiry or DataCategory.IDENTITY in released:
            return need
    return None


def _story(casey: Actor, story: Story, actor_for: ActorFor, agencies: dict[str, Agency]) -> int:
    receiver = actor_for(*story.receiver)
    service = Service.objects.get(pk=demo_id(f"service/{story.service}"))
    need = _need_for(casey, story, agencies[story.receiver[1]])
    if need is None:
        return 0
    story = _within(story, (timezone.localdate() - need.case.opened_on).days)
    started = timezone.now()
    if story.inquiry:
        survivor = need.case.survivor
        referral = actions.send_capacity_inquiry(
            actor=casey,
            case=need.case,
            service=service,
            need=need,
            age=survivor.age_on(timezone.localdate()),
            gender_words="young person",
            urgent=True,
        )
    else:
        referral = actions.draft_referral(
            actor=casey,
            case=need.case,
            details=actions.ReferralDetails(service=service, need=need, note=story.note),
            send=True,
        )
    _date_back(referral, started, story.sent_days_ago, "requested_at")
    for step in story.steps:
        moved_at = timezone.now()
        actions.move_referral(
            actor=receiver, referral=referral, to=step.to, reason=step.reason, outcome=step.outcome
        )
        _date_back(referral, moved_at, step.days_ago, _stamp(step.to))
    _redo_due_date(referral)
    return 1


def _within(story: Story, case_age_days: int) -> Story:
    """The story with no day before the case opened (a week-old case's story is short)."""
    return replace(
        story,
        sent_days_ago=min(story.sent_days_ago, case_age_days),
        steps=tuple(replace(s, days_ago=min(s.days_ago, case_age_days)) for s in story.steps),
    )


def _stamp(status: S) -> str:
    return {
        S.ACCEPTED: "accepted_at",
        S.IN_PROGRESS: "started_at",
        S.COMPLETED: "closed_at",
        S.REJECTED: "closed_at",
    }.get(status, "")


def _moment(days_ago: int) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return datetime.combine(day, time(10, 30), timezone.get_current_timezone())


def _date_back(referral: Referral, since: datetime, days_ago: int, field: str) -> None:
    """Move what the last action wrote (history, timeline, the referral's own stamp) to the
    day the story says it happened."""
    at = _moment(days_ago)
    ReferralEvent.objects.filter(referral=referral, at__gte=since).update(at=at)
    CaseEvent.objects.filter(case=referral.case, kind=EventKind.REFERRAL, at__gte=since).update(
        at=at
    )
    CaseEvent.objects.filter(case=referral.case, kind=EventKind.ASSESSMENT, at__gte=since).update(
        at=at
    )
    if referral.need_id:
        Need.objects.filter(pk=referral.need_id, met_at__gte=since).update(met_at=at, updated_at=at)
        NeedEntry.objects.filter(need_id=referral.need_id, recorded_at__gte=since).update(
            recorded_at=at
        )
    updates: dict[str, object] = {field: at} if field else {}
    if field == "accepted_at" or referral.status == S.REJECTED:
        updates["answered_at"] = at
    if referral.outcome_at is not None and referral.outcome_at >= since:
        updates["outcome_at"] = at
    if updates:
        Referral.objects.filter(pk=referral.pk).update(**updates)
        referral.refresh_from_db()


def _redo_due_date(referral: Referral) -> None:
    """The answer was due counted from the day it was (in the story) sent."""
    assert referral.requested_at is not None
    due = actions.response_due_on(referral, referral.requested_at)
    Referral.objects.filter(pk=referral.pk).update(response_due_on=due)
