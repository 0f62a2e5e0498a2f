"""The demo's needs assessments and care plans: the community's own extra area (documents and
ID), and three of Casey's cases at three moments of the work —

- a plan made over two sessions with her, with tasks for the counsellor and the mentor, gone
  through with her last week; Drew's agency added what its own assessment found;
- an assessment under way today, its second session still open;
- a plan due to be gone through with her again (overdue), a change made without her, and a
  need that has waited weeks with nothing planned.

Everything is synthetic. Made through the actions, acting for the demo's staff, then dated
back to when the story says it happened (the audit log keeps the true load times). Each story
are loaded together, all or nothing, and only into a community that has no assessment or
plan yet, so a rerun or an interrupted load never leaves half a story.

Each story's case is chosen from the lead's open cases with the people it needs on the care
team, the longest open first (or the newest, for work that started recently), and its days
are never earlier than the day the case opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from continuum.access.actor import Actor, Channel
from continuum.accounts.models import Agency, Membership, User
from continuum.cases.models import CareTeamRole, Case, CaseEvent, CaseStatus, EventKind
from continuum.demo.models import DemoSurvivor
from continuum.needs.actions import (
    DomainDetails,
    NeedChange,
    SessionDetails,
    add_domain,
    assess_need,
    save_session_summary,
    start_session,
)
from continuum.needs.models import AssessmentSession, Need, NeedDomain, NeedEntry
from continuum.plans.actions import (
    AppointmentIn,
    GoalIn,
    ServiceIn,
    SurvivorVoice,
    TaskIn,
    add_goal,
    add_service,
    add_task,
    change_task,
    move_task,
    record_appointment,
    record_review,
)
from continuum.plans.models import CarePlan, PlanTask, PlanVersion

COMMUNITY_DOMAIN = DomainDetails(
    name="Documents and ID",
    category="needs",
    why_we_ask=(
        "So you can prove who you are when you need to: an ID card, a birth certificate, a "
        "Social Security card."
    ),
)


@dataclass(frozen=True)
class Look:
    """One look at one area: by the lead ("lead") or a partner's person (a username)."""

    code: str
    status: str
    urgency: str = ""
    words: str = ""
    observations: str = ""
    description: str = ""
    deferred: bool = False
    by: str = "lead"
    method: str = "interview"


@dataclass(frozen=True)
class Sitting:
    days_ago: int
    place: str
    participants: tuple[str, ...]
    looks: tuple[Look, ...]
    summary: str = ""
    finished: bool = True


@dataclass(frozen=True)
class TaskStory:
    title: str
    agency: str  # agency key
    person: str | None = None
    due_in_days: int | None = None
    status: str = "to_do"


@dataclass(frozen=True)
class GoalStory:
    words: str
    needs: tuple[str, ...] = ()
    category: str = "care_plan"
    tasks: tuple[TaskStory, ...] = ()
    services: tuple[tuple[str, str | None, str], ...] = ()  # (what, provider key, status)


@dataclass(frozen=True)
class Visit:
    kind: str
    what: str
    in_days: int
    at: time
    place: str = ""
    with_agency: str | None = None
    companion: str | None = None
    category: str = "care_plan"


@dataclass(frozen=True)
class Story:
    # The case: one of the lead's open cases with these people on its care team, the
    # longest open (or, `newest`, the most recently opened) not taken by an earlier story.
    lead: str
    needs_people: tuple[str, ...]
    newest: bool = False
    sittings: tuple[Sitting, ...] = ()
    partner_looks: tuple[Look, ...] = ()
    goals: tuple[GoalStory, ...] = ()
    plan_days_ago: int = 0
    said_at_start: str = ""
    reviewed_days_ago: int | None = None
    agreement: str = "agreed"
    said_at_review: str = ""
    change_without_them: TaskStory | None = None
    visits: tuple[Visit, ...] = field(default_factory=tuple)


STORIES: tuple[Story, ...] = (
    Story(
        lead="casey",
        needs_people=("drew", "riley"),
        sittings=(
            Sitting(
                days_ago=16,
                place="office",
                participants=("survivor", "mentor"),
                looks=(
                    Look(
                        "shelter",
                        "identified",
                        "immediate",
                        words="I can't go back to my mom's boyfriend's place.",
                        description="A safe place to live",
                    ),
                    Look("food", "no_need", words="My aunt cooks for me."),
                    Look(
                        "transportation",
                        "identified",
                        "short_term",
                        words="The bus takes an hour to school.",
                        description="A bus pass",
                    ),
                    Look("family", "not_discussed", deferred=True, method=""),
                ),
                summary=(
                    "First meeting, with Riley. Talked about where she sleeps and getting to "
                    "school. She asked to leave family for another day."
                ),
            ),
            Sitting(
                days_ago=9,
                place="school",
                participants=("survivor",),
                looks=(
                    Look(
                        "education",
                        "identified",
                        "short_term",
                        words="I want to finish 10th grade. I'm behind in math.",
                        description="Credit recovery and a math tutor",
                    ),
                    Look(
                        "shelter",
                        "being_addressed",
                        "immediate",
                        words="Staying with my aunt for now. It's OK there.",
                        description="A safe place to live",
                    ),
                    Look(
                        "documents_and_id",
                        "identified",
                        "short_term",
                        words="I don't have my birth certificate.",
                        description="Birth certificate and a state ID",
                    ),
                ),
                summary="At school: classes and her ID. She wants a woman counsellor.",
            ),
        ),
        partner_looks=(
            Look(
                "mental_health",
                "being_addressed",
                "short_term",
                words="I have bad dreams most nights.",
                observations="Started weekly sessions; engaged and on time.",
                by="drew",
                method="other_agency",
            ),
        ),
        goals=(
            GoalStory(
                "Finish 10th grade this year",
                needs=("education", "transportation"),
                tasks=(
                    TaskStory("Get her a monthly bus pass", "cbc", "casey", 3, "done"),
                    TaskStory("Find a math tutor after school", "cbc", "casey", 10),
                ),
                services=(("Credit recovery classes", "school", "referred"),),
            ),
            GoalStory(
                "Have a woman counsellor to talk to",
                needs=("mental_health",),
                category="mental_health",
                tasks=(
                    TaskStory(
                        "Weekly counselling sessions", "counseling", "drew", 7, "in_progress"
                    ),
                ),
            ),
            GoalStory(
                "Stay somewhere safe, with my aunt",
                needs=("shelter",),
                tasks=(TaskStory("Kinship placement paperwork with her aunt", "cbc", "casey", 4),),
                services=(("Kinship care support payments", "dcf", "planned"),),
            ),
            GoalStory(
                "Get my birth certificate and an ID",
                needs=("documents_and_id",),
                tasks=(TaskStory("Go with her to the records office", "mentors", "riley", 5),),
            ),
        ),
        plan_days_ago=9,
        said_at_start="Asked for a woman counsellor, and for Riley to come to appointments.",
        reviewed_days_ago=6,
        agreement="agreed_with_changes",
        said_at_review="Happy with it. Wants the tutoring on Tuesdays, not Mondays.",
        visits=(
            Visit(
                "court_date",
                "Hearing at the courthouse",
                in_days=12,
                at=time(9, 30),
                place="Palmetto County Courthouse, courtroom 3B",
                with_agency="legal",
                companion="riley",
            ),
            Visit(
                "appointment",
                "Counselling session",
                in_days=2,
                at=time(16, 0),
                place="Mangrove Counseling, 2nd floor",
                with_agency="counseling",
                category="mental_health",
            ),
            Visit(
                "appointment",
                "Records office: birth certificate",
                in_days=5,
                at=time(10, 0),
                place="County records office",
                companion="riley",
            ),
        ),
    ),
    Story(
        lead="casey",
        needs_people=("drew", "riley"),
        newest=True,
        sittings=(
            Sitting(
                days_ago=6,
                place="where_they_live",
                participants=("survivor", "guardian"),
                looks=(
                    Look(
                        "clothing",
                        "identified",
                        "immediate",
                        words="I only have the clothes I came in.",
                        description="Winter clothes and shoes",
                    ),
                    Look("food", "no_need", words="The foster home has plenty."),
                ),
                summary="At her placement, with her foster mother. Clothes first.",
            ),
            Sitting(
                days_ago=0,
                place="office",
                participants=("survivor",),
                looks=(Look("language", "no_need", words="English is fine."),),
                finished=False,
            ),
        ),
    ),
    Story(
        lead="casey",
        needs_people=("riley",),
        sittings=(
            Sitting(
                days_ago=50,
                place="office",
                participants=("survivor", "mentor"),
                looks=(
                    Look(
                        "employment",
                        "identified",
                        "long_term",
                        words="I want a job so I can help my little brother.",
                        description="Job training",
                    ),
                    Look(
                        "benefits",
                        "identified",
                        "short_term",
                        words="Nobody told me about food stamps.",
                        description="Help applying for SNAP",
                    ),
                    Look(
                        "medical",
                        "identified",
                        "short_term",
                        words="My tooth has hurt for weeks.",
                        description="A dentist",
                    ),
                ),
                summary="Talked about work and money. Tooth pain: needs a dentist soon.",
            ),
        ),
        goals=(
            GoalStory(
                "Get a job so I can help my brother",
                needs=("employment",),
                tasks=(TaskStory("Sign her up for the summer jobs program", "cbc", "casey", -20),),
            ),
            GoalStory(
                "Get help with food money",
                needs=("benefits",),
                tasks=(TaskStory("Apply for SNAP with her", "cbc", "casey", -30, "done"),),
            ),
        ),
        plan_days_ago=48,
        said_at_start="Wants to start working before the summer.",
        reviewed_days_ago=40,
        agreement="agreed",
        said_at_review="Agreed. Worried about missing school for the job.",
        change_without_them=TaskStory("Ask the school about a work permit", "cbc", "casey", 14),
    ),
)


def _actor_for(users: dict[str, User], membership: Membership) -> Actor:
    return Actor(user=users[membership.user.username], membership=membership, via=Channel.CLI)


def demo_member(
    users: dict[str, User], agencies: dict[str, Agency], username: str, key: str
) -> Actor:
    """A demo person acting for one of their agencies (Renée keeps the coalition's work)."""
    return _member(users, agencies, username, key)


def _member(users: dict[str, User], agencies: dict[str, Agency], username: str, key: str) -> Actor:
    membership = Membership.objects.select_related("agency", "user").get(
        user=users[username], agency=agencies[key]
    )
    return _actor_for(users, membership)


def _case_for(lead: Actor, story: Story, taken: set[object]) -> Case | None:
    led = Case.objects.filter(
        lead_agency_id=lead.agency_id,
        status=CaseStatus.OPEN,
        care_team__user=lead.user,
        care_team__role=CareTeamRole.LEAD_CASE_MANAGER,
        care_team__removed_at__isnull=True,
        survivor__in=DemoSurvivor.objects.values("survivor"),
    ).select_related("survivor", "lead_agency")
    order = ["-opened_on", "-pk"] if story.newest else ["opened_on", "pk"]
    for case in led.order_by(*order):
        team = set(
            case.care_team.filter(removed_at__isnull=True).values_list("user__username", flat=True)
        )
        if case.pk not in taken and set(story.needs_people) <= team:
            return case
    return None


@transaction.atomic
def load_demo_needs_and_plans(
    actor_for: Callable[[str], Actor], users: dict[str, User], agencies: dict[str, Agency]
) -> int:
    """The community's extra area and the stories; return how many stories were loaded."""
    if not NeedDomain.objects.filter(code="documents_and_id").exists():
        renee = _member(users, agencies, "renee", "coalition")
        add_domain(actor=renee, details=COMMUNITY_DOMAIN)
    if AssessmentSession.objects.exists() or CarePlan.objects.exists():
        return 0
    taken: set[object] = set()
    for story in STORIES:
        lead = actor_for(story.lead)
        case = _case_for(lead, story, taken)
        if case is None:
            continue
        taken.add(case.pk)
        _load_story(story, case, lead, actor_for, users, agencies)
    return len(taken)


def _at(days_ago: int, hour: int = 15) -> datetime:
    day = timezone.localdate() - timedelta(days=max(days_ago, 0))
    moment = datetime.combine(day, time(hour, 0), timezone.get_current_timezone())
    return min(moment, timezone.now() - timedelta(minutes=5))


def _within(case: Case, story: Story) -> Story:
    """The story with no day before the case opened (a day-old case's story is short)."""
    age = (timezone.localdate() - case.opened_on).days
    return replace(
        story,
        sittings=tuple(replace(s, days_ago=min(s.days_ago, age)) for s in story.sittings),
        plan_days_ago=min(story.plan_days_ago, age),
        reviewed_days_ago=None
        if story.reviewed_days_ago is None
        else min(story.reviewed_days_ago, age),
    )


def _load_story(
    story: Story,
    case: Case,
    lead: Actor,
    actor_for: Callable[[str], Actor],
    users: dict[str, User],
    agencies: dict[str, Agency],
) -> None:
    story = _within(case, story)
    for sitting in story.sittings:
        _load_sitting(sitting, case, lead)
    for look in story.partner_looks:
        _look(
            look,
            case,
            actor_for(look.by),
            None,
            story.sittings[-1].days_ago if story.sittings else 0,
        )
    if story.goals:
        _load_plan(story, case, lead, users, agencies)
    for visit in story.visits:
        record_appointment(
            actor=lead,
            case=case,
            details=AppointmentIn(
                kind=visit.kind,
                starts_at=datetime.combine(
                    timezone.localdate() + timedelta(days=visit.in_days),
                    visit.at,
                    timezone.get_current_timezone(),
                ),
                what=visit.what,
                place=visit.place,
                category=visit.category,
                with_agency_id=agencies[visit.with_agency].pk if visit.with_agency else None,
                accompanied_by_id=users[visit.companion].pk if visit.companion else None,
            ),
        )


def _load_sitting(sitting: Sitting, case: Case, lead: Actor) -> None:
    before = _last_event_pk(case)
    held = start_session(
        actor=lead,
        case=case,
        details=SessionDetails(
            held_at=_at(sitting.days_ago, 10),
            place=sitting.place,
            participants=sitting.participants,
            safety_check="safe_now",
        ),
    )
    for look in sitting.looks:
        _look(look, case, lead, held, sitting.days_ago)
    if sitting.finished:
        held.refresh_from_db()
        save_session_summary(
            actor=lead,
            session=held,
            summary=sitting.summary,
            expected_version=held.version,
            finish=True,
        )
        AssessmentSession.objects.filter(pk=held.pk).update(
            created_at=_at(sitting.days_ago, 10), finished_at=_at(sitting.days_ago, 11)
        )
    else:
        AssessmentSession.objects.filter(pk=held.pk).update(created_at=_at(sitting.days_ago, 10))
    # The timeline tells it on the day it happened, not when the demo was loaded.
    events = CaseEvent.objects.filter(case=case, pk__gt=before, kind=EventKind.ASSESSMENT)
    events.filter(summary__contains="finished").update(at=_at(sitting.days_ago, 11))
    events.exclude(summary__contains="finished").update(at=_at(sitting.days_ago, 10))


def _last_event_pk(case: Case) -> int:
    return (
        CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first()
        or 0
    )


def _look(
    look: Look, case: Case, actor: Actor, held: AssessmentSession | None, days_ago: int
) -> None:
    domain = NeedDomain.objects.get(code=look.code)
    need = Need.objects.filter(case=case, domain=domain).first()
    saved = assess_need(
        actor=actor,
        case=case,
        domain=domain,
        change=NeedChange(
            status=look.status,
            urgency=look.urgency,
            description=look.description,
            survivor_words=look.words,
            observations=look.observations,
            method=look.method if look.status != "not_discussed" else "",
            assessed_on=timezone.localdate() - timedelta(days=days_ago),
            deferred=look.deferred,
        ),
        expected_version=need.version if need else None,
        session=held if actor.agency_id == case.lead_agency_id else None,
    )
    when = _at(days_ago, 10)
    NeedEntry.objects.filter(need=saved, version=saved.version).update(recorded_at=when)
    Need.objects.filter(pk=saved.pk).update(updated_at=when)
    if need is None:
        Need.objects.filter(pk=saved.pk).update(identified_at=when)


def _voice(said: str = "", part: str = "with_survivor") -> SurvivorVoice:
    return SurvivorVoice(part=part, said=said)


def _plan_version(case: Case) -> int:
    plan = CarePlan.objects.filter(case=case).first()
    return plan.version if plan else 0


def _load_plan(
    story: Story, case: Case, lead: Actor, users: dict[str, User], agencies: dict[str, Agency]
) -> None:
    needs = {n.domain.code: n for n in Need.objects.filter(case=case).select_related("domain")}
    said = story.said_at_start
    for goal_story in story.goals:
        goal = add_goal(
            actor=lead,
            case=case,
            goal=GoalIn(
                words=goal_story.words,
                category=goal_story.category,
                need_ids=tuple(needs[c].pk for c in goal_story.needs if c in needs),
            ),
            voice=_voice(said),
            expected_version=_plan_version(case),
        )
        said = ""
        for task_story in goal_story.tasks:
            task = add_task(
                actor=lead,
                case=case,
                task=TaskIn(
                    title=task_story.title,
                    owner_agency_id=agencies[task_story.agency].pk,
                    owner_user_id=users[task_story.person].pk if task_story.person else None,
                    goal_id=goal.pk,
                    due_on=timezone.localdate() + timedelta(days=task_story.due_in_days)
                    if task_story.due_in_days is not None
                    else None,
                ),
                voice=_voice(),
                expected_version=_plan_version(case),
            )
            if task_story.status != "to_do":
                move_task(actor=lead, task=task, status=task_story.status)
        for what, provider, status in goal_story.services:
            add_service(
                actor=lead,
                case=case,
                service=ServiceIn(
                    description=what,
                    goal_id=goal.pk,
                    provider_id=agencies[provider].pk if provider else None,
                    status=status,
                ),
                voice=_voice(),
                expected_version=_plan_version(case),
            )
    if story.reviewed_days_ago is not None:
        record_review(
            actor=lead,
            case=case,
            reviewed_on=timezone.localdate() - timedelta(days=story.reviewed_days_ago),
            agreement=story.agreement,
            survivor_said=story.said_at_review,
            expected_version=_plan_version(case),
        )
    if story.change_without_them is not None:
        extra = story.change_without_them
        task = add_task(
            actor=lead,
            case=case,
            task=TaskIn(
                title=extra.title,
                owner_agency_id=agencies[extra.agency].pk,
                owner_user_id=users[extra.person].pk if extra.person else None,
                due_on=timezone.localdate() + timedelta(days=extra.due_in_days or 14),
            ),
            voice=_voice(part="to_review"),
            expected_version=_plan_version(case),
        )
        # The supervisor moved the date: a second person in the versions.
        sam = _member(users, agencies, "sam", "cbc")
        change_task(
            actor=sam,
            task=PlanTask.objects.select_related("plan__case").get(pk=task.pk),
            change=TaskIn(
                title=extra.title,
                owner_agency_id=agencies[extra.agency].pk,
                owner_user_id=users[extra.person].pk if extra.person else None,
                due_on=timezone.localdate() + timedelta(days=(extra.due_in_days or 14) + 7),
            ),
            voice=_voice(part="to_review"),
            expected_version=_plan_version(case),
        )
    _date_plan(case, story)


def _date_plan(case: Case, story: Story) -> None:
    """Spread the plan's versions from the day it was made to the review (and after)."""
    plan = CarePlan.objects.get(case=case)
    CarePlan.objects.filter(pk=plan.pk).update(created_at=_at(story.plan_days_ago, 11))
    versions = list(PlanVersion.objects.filter(plan=plan).order_by("number"))
    review_day = story.reviewed_days_ago
    for version in versions:
        if version.kind == "review" and review_day is not None:
            version.made_at = _at(review_day, 12)
        elif (
            review_day is not None
            and version.made_at
            and any(v.kind == "review" and v.number < version.number for v in versions)
        ):
            version.made_at = _at(max(review_day - 2, 0), 14)
        else:
            version.made_at = _at(story.plan_days_ago, 11)
    PlanVersion.objects.bulk_update(versions, ["made_at"])
    for version in versions:  # the timeline's line for each version, on its day
        CaseEvent.objects.filter(
            case=case,
            kind=EventKind.PLAN,
            summary__startswith=f"Care plan version {version.number}:",
        ).update(at=version.made_at)
