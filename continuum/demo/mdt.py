"""The demo's community protocol and MDT staffings (issue #6), all synthetic.

- The Palmetto County protocol, kept by the coalition's network admin (Renée, Taylor): its
  members and the roles they fill at a staffing, the deadlines the system enforces, this
  year's holidays, training each role must hold, what each kind of member may receive with
  a release, and the conflict procedure. An MOU in force, signed by every member but the
  sheriff's office (so the flag shows wherever it is chosen); one disagreement resolved and
  one open.
- Staffings: Palmetto cases whose 14 days passed long ago were staffed (most in time, a few
  late); Casey's longest-open case had a staffing three weeks ago with two decisions whose
  action items are on the counsellor's and Casey's My work, and its next staffing is next
  week; one of the cases due this week is scheduled by Morgan. Cases inside their 14 days,
  and those just past them, are on Morgan's clock, at risk or overdue.

Loaded before the survivors, so every Palmetto case's clock is computed under the protocol,
and the staffings after them. Each part only when none exists: a rerun adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from continuum.access.actor import Actor
from continuum.accounts.models import Agency
from continuum.cases.models import CareTeamRole, Case, CaseEvent, CaseStatus, CaseTask, EventKind
from continuum.mdt import actions as mdt
from continuum.mdt.models import Decision, Meeting, Participant, StaffingClock
from continuum.protocols import actions as protocols
from continuum.protocols.models import Protocol

ActorFor = Callable[[str, str], Actor]  # (username, agency key) -> Actor

PROTOCOL_NAME = "Palmetto County Protocol on the Commercial Sexual Exploitation of Children"

# Agency key: (MDT roles, responsibilities, services).
MEMBERS: dict[str, tuple[list[str], str, str]] = {
    "coalition": ([], "Keeps the protocol and the MOU; convenes the annual review.", ""),
    "cbc": (
        ["lead_case_manager", "supervisor"],
        "Leads care for every child screened with concern; keeps the plan with the survivor.",
        "Case management, placement",
    ),
    "cac": (
        ["mdt_coordinator"],
        "Convenes every staffing within 14 days of the report's intake; keeps the minutes.",
        "Forensic interviews, family advocacy",
    ),
    "dcf": (["service_provider"], "Runs the hotline screening; records the intake date.", ""),
    "pi": (["investigator"], "Investigates the report; joins the first staffing.", ""),
    "gal": (["guardian_ad_litem"], "Speaks for the child's best interests in court.", ""),
    "djj": (["service_provider"], "Screens youth at intake; refers with concern.", ""),
    "school": (["school_liaison"], "Keeps the child in school; a quiet space when needed.", ""),
    "sheriff": (["service_provider"], "Investigates the exploiters; never questions alone.", ""),
    "safehouse": (["service_provider"], "Specialised placement; attends staffings.", "Safe house"),
    "counseling": (["clinician"], "Trauma-focused therapy within a week of referral.", ""),
    "clinic": (["clinician"], "Medical and dental care; sexual-health care.", ""),
    "legal": (["legal_advocate"], "Legal help: vacatur, immigration, victim compensation.", ""),
    "mentors": (["survivor_mentor"], "A mentor from the first assessment on.", "Mentoring"),
}
HOLIDAYS = (
    (date(2026, 1, 1), "New Year's Day"),
    (date(2026, 1, 19), "Martin Luther King Jr. Day"),
    (date(2026, 5, 25), "Memorial Day"),
    (date(2026, 7, 3), "Independence Day (observed)"),
    (date(2026, 9, 7), "Labor Day"),
    (date(2026, 11, 11), "Veterans Day"),
    (date(2026, 11, 26), "Thanksgiving Day"),
    (date(2026, 11, 27), "Day after Thanksgiving"),
    (date(2026, 12, 25), "Christmas Day"),
    (date(2027, 1, 1), "New Year's Day"),
    (date(2027, 1, 18), "Martin Luther King Jr. Day"),
    (date(2027, 5, 31), "Memorial Day"),
)
TRAINING = (
    ("screener", "Human trafficking screening (approved course)", 4, 24, True),
    ("case_manager", "Trauma-informed care for CSE survivors", 8, 12, True),
    ("survivor_mentor", "Survivor-mentor core training", 16, 12, True),
    ("mdt_coordinator", "Running a victim-centred MDT staffing", 6, 24, False),
)
# What each kind of member may receive with a release (the demo's releases stay within it;
# schools and law enforcement never receive health or substance-use information).
SHARING = {
    "service_provider": [
        "identity",
        "contact",
        "needs",
        "care_plan",
        "health",
        "mental_health",
        "substance_use",
        "placement",
    ],
    "health": ["identity", "contact", "needs", "care_plan", "health", "mental_health"],
    "school_district": ["identity", "education"],
    "law_enforcement": ["identity", "legal"],
    "mentor_org": ["identity", "contact", "care_plan", "legal"],
}
PROCEDURE = (
    "The two staff involved talk it through within 2 business days.\n"
    "Their supervisors meet within 5 business days.\n"
    "The agencies' directors meet, with the coalition chair, within 10 business days.\n"
    "The coalition's steering committee decides; its decision is recorded here."
)


def load_demo_protocol(actor_for: ActorFor, agencies: dict[str, Agency]) -> bool:
    """The protocol, its MOU and conflicts; False when a protocol already exists."""
    if Protocol.objects.exists():
        return False
    with transaction.atomic():
        renee = actor_for("renee", "coalition")
        today = timezone.localdate()
        protocol = protocols.create_protocol(
            actor=renee,
            details=protocols.ProtocolDetails(
                name=PROTOCOL_NAME,
                mission=(
                    "Every child and young adult exploited in Palmetto County is found, kept "
                    "safe and helped by one team that listens to them and tells their story "
                    "once."
                ),
                time_zone="America/New_York",
                effective_from=date(today.year, 1, 1),
                effective_until=None,
                screening_start_hours=24,
                mdt_staffing_days=14,
                mdt_business_days=False,
                mdt_at_risk_days=3,
                plan_review_days=30,
                referral_response_business_days=3,
                required_mdt_roles=["lead_case_manager", "mdt_coordinator", "investigator"],
                sharing_rules=SHARING,
                conflict_procedure=PROCEDURE,
            ),
        )
        for key, (roles, duties, services) in MEMBERS.items():
            protocols.set_member(
                actor=renee,
                protocol=protocol,
                agency=agencies[key],
                responsibilities=duties,
                mdt_roles=roles,
                services=services,
            )
        for day, name in HOLIDAYS:
            protocols.add_holiday(actor=renee, protocol=protocol, day=day, name=name)
        for role, course, hours, months, before in TRAINING:
            protocols.add_training_requirement(
                actor=renee,
                protocol=protocol,
                role=role,
                course=course,
                hours=hours,
                renew_every_months=months,
                before_contact=before,
            )
        _load_mou(renee, protocol, agencies, today)
        _load_conflicts(actor_for, protocol, agencies, today)
    return True


def _load_mou(actor: Actor, protocol: Protocol, agencies: dict[str, Agency], today: date) -> None:
    mou = protocols.draft_mou(
        actor=actor,
        protocol=protocol,
        title="Palmetto County CSE MOU, 2026-2028",
        body="The member agencies agree to carry out the Palmetto County protocol.",
        expires_on=date(today.year + 2, 1, 31),
        remind_days_before=90,
    )
    protocols.send_mou_for_signature(actor=actor, mou=mou)
    signers = [key for key in MEMBERS if key != "sheriff"]
    for n, key in enumerate(signers):
        protocols.record_signature(
            actor=actor,
            mou=mou,
            agency=agencies[key],
            signer_name=f"Director of {agencies[key].label}",
            signer_title="Executive Director",
            signed_on=today - timedelta(days=60 - n),
        )
    protocols.put_mou_in_force(actor=actor, mou=mou, effective_from=today - timedelta(days=40))


def _load_conflicts(
    actor_for: ActorFor, protocol: Protocol, agencies: dict[str, Agency], today: date
) -> None:
    sam = actor_for("sam", "cbc")
    settled = protocols.raise_conflict(
        actor=sam,
        protocol=protocol,
        with_agencies=[agencies["safehouse"]],
        summary="Who tells the school when a placement moves a child to another school.",
        raised_on=today - timedelta(days=50),
    )
    protocols.record_conflict_step(
        actor=sam,
        conflict=settled,
        step=protocol.procedure_steps()[0],
        taken_on=today - timedelta(days=48),
        note="Agreed to write it into the placement checklist.",
    )
    protocols.resolve_conflict(
        actor=sam,
        conflict=settled,
        outcome="The lead case manager tells the school liaison the same day.",
        resolved_on=today - timedelta(days=45),
    )
    protocols.raise_conflict(
        actor=actor_for("morgan", "cac"),
        protocol=protocol,
        with_agencies=[agencies["sheriff"]],
        summary="Detectives ask for forensic interviews outside the CAC's hours.",
        raised_on=today - timedelta(days=6),
    )


# --- staffings ---------------------------------------------------------------------------


def staff_if_due_long_ago(
    actor_for: ActorFor, case: Case, agencies: dict[str, Agency], index: int
) -> bool:
    """A Palmetto case whose 14 days ended more than ten days ago had its first staffing
    (most within the days, every fifth a few days late). Called while the case is still
    open, before the demo moves it to inactive or closed."""
    clock = StaffingClock.objects.filter(case=case).first()
    today = timezone.localdate()
    if (
        clock is None
        or clock.intake_on is None
        or clock.due_on is None
        or clock.protocol_version is None  # another county's case: not this team's
        or clock.due_on >= today - timedelta(days=10)
    ):
        return False
    days = 17 if index % 5 == 0 else 10
    _held(actor_for("morgan", "cac"), case, clock.intake_on + timedelta(days=days), agencies)
    return True


def load_demo_staffings(actor_for: ActorFor, agencies: dict[str, Agency]) -> int:
    """The story staffing (with decisions and actions) and one scheduled for a case due this
    week; returns how many were loaded (0 when they exist)."""
    if Decision.objects.exists():
        return 0
    with transaction.atomic():
        morgan = actor_for("morgan", "cac")
        count = 0
        today = timezone.localdate()
        staffed = list(
            StaffingClock.objects.filter(
                case__lead_agency=agencies["cbc"],
                case__status=CaseStatus.OPEN,
                first_staffed_on__isnull=False,
            )
            .select_related("case")
            .order_by("intake_on", "case__reference")
        )
        story = _story_case(staffed)
        if story is not None:
            count += _story(morgan, story, agencies)
        due_soon = StaffingClock.objects.filter(
            case__lead_agency=agencies["cbc"],
            case__status=CaseStatus.OPEN,
            first_staffed_on__isnull=True,
            due_on__gte=today,
            due_on__lte=today + timedelta(days=7),
        ).select_related("case")
        first = due_soon.order_by("due_on").first()
        if first is not None:
            _convene(morgan, first.case, _moment(_weekday(today + timedelta(days=2)), 14), agencies)
            count += 1
    return count


def _weekday(day: date) -> date:
    """The day, or the Monday after when it falls on a weekend (staffings are on weekdays)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _story_case(old: list[StaffingClock]) -> Case | None:
    """Casey's longest-open case with a counsellor on the team (the demo's plan story)."""
    for clock in old:
        case = clock.case
        if case.care_team.filter(
            removed_at__isnull=True,
            role=CareTeamRole.CLINICIAN,
            agency__short_name="Mangrove Counseling",
        ).exists():
            return case
    return old[0].case if old else None


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), timezone.get_current_timezone())


def _invitees(agencies: dict[str, Agency]) -> list[mdt.Invitee]:
    return [
        mdt.Invitee(agency=agencies["cbc"], role="lead_case_manager"),
        mdt.Invitee(agency=agencies["pi"], role="investigator"),
        mdt.Invitee(agency=agencies["gal"], role="guardian_ad_litem"),
        mdt.Invitee(agency=agencies["counseling"], role="clinician"),
        mdt.Invitee(agency=agencies["mentors"], role="survivor_mentor"),
        mdt.Invitee(agency=agencies["school"], role="school_liaison"),
        mdt.Invitee(agency=agencies["cac"], role="mdt_coordinator"),
    ]


def _convene(actor: Actor, case: Case, starts_at: datetime, agencies: dict[str, Agency]) -> Meeting:
    return mdt.convene_mdt(
        actor=actor,
        case=case,
        place=mdt.MeetingPlace(
            starts_at=starts_at,
            minutes_long=60,
            place_kind="both",
            place="Sabal CAC, conference room B",
            call_link="https://meet.example.org/palmetto-mdt",
        ),
        invitees=_invitees(agencies),
    )


def _held(actor: Actor, case: Case, day: date, agencies: dict[str, Agency]) -> Meeting:
    """A staffing held on `day`: convened now, then dated back to when the story says it
    happened (the audit log keeps the true load time, as for the demo's other history)."""
    since = CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first()
    meeting = _convene(actor, case, timezone.now() - timedelta(minutes=30), agencies)
    _attend(actor, meeting, skip={"school_liaison"})
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=_moment(day))
    meeting.refresh_from_db()
    mdt.hold_meeting(
        actor=actor,
        meeting=meeting,
        closing=mdt.Closing(
            minutes="Went through the screening, safety and the first needs found.",
            survivor_voice="mentor",
            survivor_voice_how="Her mentor shared what she wants the team to know.",
            next_meeting_on=None,
            no_next_meeting_reason="Reviewed at the monthly case review from now on.",
        ),
        expected_version=meeting.version,
    )
    StaffingClock.objects.filter(case=case).update(first_staffed_on=day)
    CaseEvent.objects.filter(case=case, kind=EventKind.MDT, pk__gt=since or 0).update(
        at=_moment(day, 11)
    )
    return meeting


def _attend(actor: Actor, meeting: Meeting, *, skip: set[str]) -> None:
    present = set(
        Participant.objects.filter(meeting=meeting)
        .exclude(role__in=skip)
        .values_list("pk", flat=True)
    )
    meeting.refresh_from_db()
    mdt.record_attendance(
        actor=actor,
        meeting=meeting,
        present=present,
        walk_ins=[],
        survivor_present=False,
        family_present=False,
        expected_version=meeting.version,
    )


def _story(morgan: Actor, case: Case, agencies: dict[str, Agency]) -> int:
    """A review staffing about three weeks ago with two decisions and their actions (one
    done, one open), and the next staffing booked for next week."""
    today = timezone.localdate()
    clock = StaffingClock.objects.get(case=case)
    first = clock.first_staffed_on or today - timedelta(days=60)
    held_on = min(
        max(first + timedelta(days=7), today - timedelta(days=21)), today - timedelta(days=2)
    )
    since = CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first()
    meeting = _convene(morgan, case, timezone.now() - timedelta(minutes=30), agencies)
    _attend(morgan, meeting, skip=set())
    counselling_owner = (
        agencies["counseling"] if _shares(case, agencies["counseling"]) else agencies["cbc"]
    )
    mdt.record_decision(
        actor=morgan,
        meeting=meeting,
        text="Start weekly trauma-focused counselling, at a time that fits school.",
        category="care_plan",
        actions=[
            mdt.ActionSpec(
                title="Offer a first counselling appointment",
                owner_agency=counselling_owner,
                due_on=today + timedelta(days=1),
            )
        ],
    )
    mdt.record_decision(
        actor=morgan,
        meeting=meeting,
        text="Ask the school for a quiet room and a named adult she can go to.",
        category="care_plan",
        actions=[
            mdt.ActionSpec(
                title="Call the school liaison about a quiet room",
                owner_agency=agencies["cbc"],
                due_on=today + timedelta(days=4),
            )
        ],
    )
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=_moment(held_on))
    meeting.refresh_from_db()
    mdt.hold_meeting(
        actor=morgan,
        meeting=meeting,
        closing=mdt.Closing(
            minutes="Safety first: placement is stable. Needs found so far gone through.",
            survivor_voice="attended",
            survivor_voice_how="She joined for the first half and chose the counselling times.",
            next_meeting_on=_weekday(today + timedelta(days=6)),
            no_next_meeting_reason="",
        ),
        expected_version=meeting.version,
    )
    CaseEvent.objects.filter(case=case, kind=EventKind.MDT, pk__gt=since or 0).update(
        at=_moment(held_on, 11)
    )
    # The first action was done (a day ahead of its date); the second is still open.
    CaseTask.objects.filter(case=case, title="Offer a first counselling appointment").update(
        status="done", done_at=timezone.now() - timedelta(days=3)
    )
    _convene(morgan, case, _moment(_weekday(today + timedelta(days=6)), 15), agencies)
    return 2


def _shares(case: Case, agency: Agency) -> bool:
    from continuum.access.sharing import agency_may_see

    return "care_plan" in agency_may_see(agency.pk, case.survivor)
