"""Load the synthetic Palmetto County network (continuum.demo.community) into the database.

Idempotent: agencies are found by name, staff by username, survivors by their demo key
(DemoSurvivor). Each staff member and each survivor is written in a transaction of its own,
so an interrupted load leaves whole people behind and a rerun adds only what is missing.

Survivors and cases are made only through the actions, acting for a named member of staff
through the command line, so the audit log and the case timelines read as they would after
real work.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib.resources import files

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.access.actor import Actor, Channel
from continuum.accounts.models import Agency, Membership, User
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.actions import (
    add_care_team_member,
    change_case_status,
    open_case,
    update_case,
    write_note,
)
from continuum.cases.models import (
    CareTeamRole,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    EventKind,
)
from continuum.demo import community
from continuum.demo.directory import load_demo_directory
from continuum.demo.mdt import load_demo_protocol, load_demo_staffings, staff_if_due_long_ago
from continuum.demo.models import DemoInstallation, DemoSurvivor
from continuum.demo.needs_plans import demo_member, load_demo_needs_and_plans
from continuum.demo.referrals import load_demo_referrals
from continuum.exports.demo import load_demo_exports
from continuum.needs.models import Need
from continuum.screening.actions import (
    SafetyAnswers,
    complete_screening,
    record_safety_action,
    record_safety_facts,
    save_answers,
    start_screening,
)
from continuum.screening.answers import answers_from_json
from continuum.screening.definitions import definition_of
from continuum.screening.models import Instrument, SafetyLine, Screening
from continuum.screening.setup_actions import certify_screener, import_instrument
from continuum.survivors.actions import (
    ReleaseTerms,
    attach_signed_form,
    create_survivor,
    hand_over,
    record_release,
)
from continuum.survivors.models import Survivor

TOTP_DEVICE_NAME = "Demo authenticator"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Public on purpose: anyone may derive a demo persona's keys. That is why demo_code refuses to
# run anywhere but a demo database, and only for devices whose key is this derived one.
_DEMO_SALT = b"continuum-demo-2026/palmetto-county"

Progress = Callable[[str], None]


def demo_totp_key(username: str) -> str:
    """The persona's authenticator secret: 20 bytes as 40 hex digits, the same every load."""
    return hmac.new(_DEMO_SALT + b"/totp", username.encode(), hashlib.sha1).hexdigest()


def demo_recovery_codes(username: str) -> list[str]:
    """Ten recovery codes in django-otp's own format (8 base32 letters and digits)."""
    codes = []
    for n in range(RECOVERY_CODE_COUNT):
        digest = hmac.new(
            _DEMO_SALT + b"/recovery", f"{username}:{n}".encode(), hashlib.sha256
        ).digest()
        codes.append(base64.b32encode(digest[:5]).decode().lower())
    return codes


@dataclass
class LoadResult:
    """How many of each thing this load created (0 everywhere on a complete rerun)."""

    agencies: int = 0
    users: int = 0
    memberships: int = 0
    devices: int = 0
    survivors: int = 0
    cases: int = 0
    trained: int = 0
    instruments: int = 0
    screenings: int = 0
    installed: bool = False
    elapsed: float = 0.0

    @property
    def created_anything(self) -> bool:
        return any(
            (
                self.agencies,
                self.users,
                self.memberships,
                self.devices,
                self.survivors,
                self.cases,
                self.trained,
                self.instruments,
                self.screenings,
                self.installed,
            )
        )


def foreign_data() -> list[str]:
    """What in this database was not made by the demo (a reason not to load it here)."""
    found = []
    demo_agencies = [spec.name for spec in community.AGENCIES]
    other_agencies = Agency.objects.exclude(name__in=demo_agencies).count()
    if other_agencies:
        found.append(f"{other_agencies} agencies that are not part of the demo")
    other_survivors = Survivor.objects.exclude(
        pk__in=DemoSurvivor.objects.values("survivor_id")
    ).count()
    if other_survivors:
        found.append(f"{other_survivors} survivor records the demo did not make")
    other_users = User.objects.exclude(username__in=community.STAFF_BY_USERNAME).count()
    if other_users:
        found.append(f"{other_users} user accounts that are not demo staff")
    return found


def load(*, progress: Progress | None = None) -> LoadResult:
    """Load everything that is missing; return what was created."""
    say = progress or (lambda _line: None)
    started = timezone.now()
    result = LoadResult()
    agencies = _load_agencies(result)
    say(f"Agencies: {len(agencies)}/{len(community.AGENCIES)}")
    staff = _load_staff(result, agencies, say)
    member = functools.partial(demo_member, staff, agencies)
    if load_demo_protocol(member, agencies):
        say("Community protocol: members, deadlines, holidays, MOU and conflicts")
    _load_survivors(result, agencies, staff, say)
    _load_emergency_access(agencies, staff)
    load_demo_exports(lambda username: _actor(staff, agencies, username))
    _load_screening(result, agencies, staff, say)
    stories = load_demo_needs_and_plans(
        lambda username: _actor(staff, agencies, username), staff, agencies
    )
    say(f"Needs assessments and care plans: {stories} stories")
    say(f"MDT staffings: {load_demo_staffings(member, agencies)}")
    directory = load_demo_directory(member("renee", "coalition"), agencies)
    say(f"Directory: {directory} services imported as HSDS 3.1")
    say(f"Referrals: {load_demo_referrals(member, agencies)}")
    _, result.installed = DemoInstallation.objects.get_or_create(pk=1)
    result.elapsed = (timezone.now() - started).total_seconds()
    return result


def _load_emergency_access(agencies: dict[str, Agency], users: dict[str, User]) -> None:
    """One break-glass use waiting for Sam's review: last night Taylor, on call for Palmetto
    Family Services, opened a young person's record led by the neighbouring county's agency."""
    from continuum.access.actions import open_emergency_access
    from continuum.access.models import EmergencyAccess

    if EmergencyAccess.objects.exists():
        return
    neighbour_case = Case.objects.filter(lead_agency=agencies["cbc2"]).order_by("opened_on").first()
    if neighbour_case is None:
        return
    taylor = _actor(users, agencies, "taylor")  # acting as a Palmetto Family case manager
    grant = open_emergency_access(
        actor=taylor,
        case_reference=neighbour_case.reference,
        reason=(
            "Called by the hospital at 2 a.m.: she was brought in, gave this case number and "
            "asked us to use her safe contact. Their on-call line did not answer."
        ),
    )
    yesterday = timezone.now() - timedelta(hours=20)
    EmergencyAccess.objects.filter(pk=grant.pk).update(
        opened_at=yesterday, expires_at=yesterday + timedelta(hours=1)
    )


def _load_agencies(result: LoadResult) -> dict[str, Agency]:
    agencies = {}
    for spec in community.AGENCIES:
        agency, created = Agency.objects.get_or_create(
            name=spec.name,
            defaults={
                "short_name": spec.short_name,
                "agency_type": spec.agency_type,
                "county": spec.county,
                "time_zone": spec.time_zone,
                "leads_screened_cases": spec.leads_screened_cases,
            },
        )
        result.agencies += created
        agencies[spec.key] = agency
    return agencies


def _load_staff(result: LoadResult, agencies: dict[str, Agency], say: Progress) -> dict[str, User]:
    # One Argon2 hash for the shared demo password: hashing it thirty times would make the
    # load (and its tests) slow, and every persona's password is published anyway.
    password_hash = make_password(community.DEMO_PASSWORD)
    users: dict[str, User] = {}
    total = len(community.STAFF)
    for n, spec in enumerate(community.STAFF, start=1):
        users[spec.username] = _load_person(result, spec, agencies, password_hash)
        if n % 10 == 0 or n == total:
            say(f"Staff: {n}/{total}")
    return users


@transaction.atomic
def _load_person(
    result: LoadResult,
    spec: community.StaffSpec,
    agencies: dict[str, Agency],
    password_hash: str,
) -> User:
    domain = community.AGENCY_BY_KEY[spec.memberships[0][0]].short_name.lower()
    user, created = User.objects.get_or_create(
        username=spec.username,
        defaults={
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "job_title": spec.job_title,
            "email": f"{spec.username}@{'-'.join(domain.split())}.example",
            "password": password_hash,
        },
    )
    result.users += created
    for agency_key, role in spec.memberships:
        _, made = Membership.objects.get_or_create(
            user=user, agency=agencies[agency_key], role=role
        )
        result.memberships += made
    # Enrol in two-step verification unless the person already has a device (a rerun, or a
    # persona who set up their own authenticator: theirs is kept).
    if not TOTPDevice.objects.filter(user=user).exists():
        TOTPDevice.objects.create(
            user=user,
            name=TOTP_DEVICE_NAME,
            key=demo_totp_key(user.username),
            confirmed=True,
        )
        record(None, AuditAction.MFA_ENROLLED, user=user, via=str(Channel.CLI))
        result.devices += 1
    if not StaticDevice.objects.filter(user=user).exists():
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code) for code in demo_recovery_codes(user.username)
        )
        result.devices += 1
    return user


def _actor(users: dict[str, User], agencies: dict[str, Agency], username: str) -> Actor:
    """The person acting for their first agency in the demo (the one they do case work in)."""
    spec = community.STAFF_BY_USERNAME[username]
    # Taylor is a network admin first but opens cases as a case manager of Palmetto Family.
    agency_key, role = next(
        ((key, role) for key, role in spec.memberships if key in ("cbc", "cbc2")),
        spec.memberships[0],
    )
    membership = Membership.objects.select_related("agency").get(
        user=users[username], agency=agencies[agency_key], role=role
    )
    return Actor(user=users[username], membership=membership, via=Channel.CLI)


def _load_survivors(
    result: LoadResult,
    agencies: dict[str, Agency],
    users: dict[str, User],
    say: Progress,
) -> None:
    today = timezone.localdate()
    specs = community.build(today)
    done = set(DemoSurvivor.objects.values_list("index", flat=True))
    actors: dict[str, Actor] = {}

    def actor(username: str) -> Actor:
        if username not in actors:
            actors[username] = _actor(users, agencies, username)
        return actors[username]

    total = len(specs)
    for n, spec in enumerate(specs, start=1):
        if spec.index not in done:
            _load_survivor(result, spec, agencies, users, actor)
        if n % 10 == 0 or n == total:
            say(f"Survivors: {n}/{total}")


@transaction.atomic
def _load_survivor(
    result: LoadResult,
    spec: community.SurvivorSpec,
    agencies: dict[str, Agency],
    users: dict[str, User],
    actor: Callable[[str], Actor],
) -> None:
    today = timezone.localdate()
    survivor = create_survivor(actor=actor(spec.creator), details=spec.details)
    DemoSurvivor.objects.create(key=spec.key, index=spec.index, survivor=survivor)
    result.survivors += 1
    if spec.handed_to:
        hand_over(actor=actor(spec.creator), survivor=survivor, agency=agencies[spec.handed_to])
    plan = spec.case
    if plan is None:
        return
    lead = actor(plan.lead)
    report_on = (
        today - timedelta(days=plan.report_days_ago) if plan.report_days_ago is not None else None
    )
    case = open_case(
        actor=lead,
        survivor=survivor,
        report_received_on=None if plan.report_recorded_later else report_on,
        opened_on=today - timedelta(days=plan.opened_days_ago),
    )
    result.cases += 1
    if plan.report_recorded_later:
        update_case(
            actor=lead, case=case, report_received_on=report_on, expected_version=case.version
        )
    for member in plan.team:
        add_care_team_member(
            actor=lead,
            case=case,
            agency=agencies[member.agency],
            role=member.role,
            user=users[member.username] if member.username else None,
        )
    _record_releases(lead, survivor, case, plan, agencies, spec.index)
    _write_notes(lead, case, plan, actor, spec.index)
    # Its first MDT staffing, while it was open (before any status step below).
    staff_if_due_long_ago(
        functools.partial(demo_member, users, agencies), case, agencies, spec.index
    )
    for step in plan.steps:
        change_case_status(
            actor=lead,
            case=case,
            status=CaseStatus(step.status),
            closure_reason=step.reason,
            expected_version=case.version,
        )
    _spread_history(case, today)


def _record_releases(
    lead: Actor,
    survivor: Survivor,
    case: Case,
    plan: community.CaseSpec,
    agencies: dict[str, Agency],
    index: int,
) -> None:
    """Releases for the partners on the team, as the survivor (and, for a minor, the legal
    custodian) signed them; every seventh case has none. A few were given verbally, one of
    them since confirmed with its signed form; a few are 42 CFR Part 2 consents."""
    if index % 7 == 0 or lead.role not in ("case_manager", "supervisor"):
        return
    minor = (survivor.age_on(case.opened_on) or 0) < 18
    for key in sorted({member.agency for member in plan.team} & set(community.RELEASED_TO)):
        if agencies[key].pk == case.lead_agency_id:
            continue
        release = record_release(
            actor=lead,
            survivor=survivor,
            terms=ReleaseTerms(
                recipient_agency=agencies[key],
                categories=community.RELEASED_TO[key],
                purpose=community.RELEASE_PURPOSES[key],
                starts_on=case.opened_on,
                survivor_signed_on=case.opened_on,
                ends_on_event="case_closed",
                guardian_name=agencies["dcf"].name if minor else "",
                guardian_relationship="custodian" if minor else "",
                guardian_signed_on=case.opened_on if minor else None,
                given_verbally=(index, key) in community.VERBAL_RELEASES,
            ),
        )
        if (index, key) in community.CONFIRMED_IN_WRITING:
            form = community.synthetic_signed_form_pdf(case.opened_on)
            attach_signed_form(actor=lead, release=release, data=form)
    for part2 in (p for p in community.PART2_RELEASES if p.index == index):
        record_release(
            actor=lead,
            survivor=survivor,
            terms=ReleaseTerms(
                recipient_agency=agencies[part2.recipient],
                categories=frozenset({"substance_use"}),
                purpose=part2.purpose,
                starts_on=case.opened_on,
                survivor_signed_on=case.opened_on,
                ends_on_event="case_closed",
                guardian_name=agencies["dcf"].name if minor else "",
                guardian_relationship="custodian" if minor else "",
                guardian_signed_on=case.opened_on if minor else None,
                part2_discloser_name=case.lead_agency.name,
                part2_information=part2.information,
                part2_revocation_explained=True,
                part2_no_conditioning_explained=True,
                part2_redisclosure_explained=True,
            ),
        )


def _write_notes(
    lead: Actor,
    case: Case,
    plan: community.CaseSpec,
    actor: Callable[[str], Actor],
    index: int,
) -> None:
    """The notes the lead and the team's clinician and mentor wrote (community.NOTES_BY_WRITER),
    dated across the life of the case. Cases led from the other county have none."""
    if lead.role not in ("case_manager", "supervisor") or plan.lead == "quinn":
        return
    writers = [("lead", lead)] + [
        (m.username, actor(m.username))
        for m in plan.team
        if m.username in community.NOTES_BY_WRITER
    ]
    notes = [
        write_note(actor=who, case=case, category=category, body=text)
        for key, who in writers
        for category, text in community.NOTES_BY_WRITER[key]
    ]
    if index in community.PART2_NOTES:
        notes.append(
            write_note(
                actor=lead,
                case=case,
                category="substance_use",
                body=community.PART2_NOTES[index],
            )
        )
    span = max((timezone.localdate() - case.opened_on).days, 1)
    zone = timezone.get_current_timezone()
    for n, note in enumerate(notes, start=1):
        day = case.opened_on + timedelta(days=span * n // (len(notes) + 1))
        note.written_at = min(datetime.combine(day, time(15, 30), zone), timezone.now())
    CaseNote.objects.bulk_update(notes, ["written_at"])


def _spread_history(case: Case, today: date) -> None:
    """Tell months of work that were loaded in one second: spread the case's timeline from
    the day it opened to a little before today, in the order the actions happened, and date a
    closure by its event. Only the demo does this; the audit log keeps the true load times."""
    events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
    span = max((today - case.opened_on).days - 1, 0)
    zone = timezone.get_current_timezone()
    for n, event in enumerate(events):
        day = case.opened_on + timedelta(days=span * n // max(len(events), 1))
        at = datetime.combine(day, time(9, 0), zone) + timedelta(minutes=7 * n)
        event.at = min(at, timezone.now())
    CaseEvent.objects.bulk_update(events, ["at"])
    closing = [e for e in events if e.kind == EventKind.STATUS_CHANGED]
    if case.status == CaseStatus.CLOSED and closing:
        Case.objects.filter(pk=case.pk).update(closed_on=closing[-1].at.date())


# --- Screening ----------------------------------------------------------------------------


def _actor_at(
    users: dict[str, User], agencies: dict[str, Agency], username: str, agency_key: str
) -> Actor:
    """The person acting for the named agency (Taylor imports as the coalition's network
    admin, but screens as a Palmetto Family case manager)."""
    membership = Membership.objects.select_related("agency").get(
        user=users[username], agency=agencies[agency_key]
    )
    return Actor(user=users[username], membership=membership, via=Channel.CLI)


def _load_screening(
    result: LoadResult, agencies: dict[str, Agency], users: dict[str, User], say: Progress
) -> None:
    """Screening in use: who is trained, the community's adopted instrument beside the one
    that comes with Continuum, and screenings in every state (community.SCREENINGS)."""
    _load_training(result, agencies, users)
    instruments = {
        community.BUNDLED: Instrument.objects.get(url=community.INDICATOR_SCREEN_URL),
        community.COMMUNITY: _load_instrument(result, agencies, users),
    }
    _load_screenings(result, agencies, users, instruments)
    say(f"Screenings: {Screening.objects.count()}")


def _load_training(result: LoadResult, agencies: dict[str, Agency], users: dict[str, User]) -> None:
    """Screening-training records, each recorded by the person's supervisor (or agency
    admin). A membership that has a record already keeps it: an earlier load's, or one a
    supervisor recorded while trying the demo."""
    today = timezone.localdate()
    for spec in community.TRAINING:
        membership = Membership.objects.get(user=users[spec.username], agency=agencies[spec.agency])
        if membership.screening_certified_on is not None:
            continue
        trained_on = today - timedelta(days=spec.trained_days_ago)
        certify_screener(
            actor=_actor_at(users, agencies, spec.certified_by, spec.agency),
            membership=membership,
            certified_on=trained_on,
            until=trained_on + timedelta(days=spec.current_days),
        )
        result.trained += 1


def _load_instrument(
    result: LoadResult, agencies: dict[str, Agency], users: dict[str, User]
) -> Instrument:
    """The community's adopted instrument, imported by a network admin. Importing a version
    that is stored already, unchanged, returns it and writes nothing."""
    data = files("continuum.demo").joinpath("data", community.COMMUNITY_INSTRUMENT_FILE)
    document = json.loads(data.read_text(encoding="utf-8"))
    before = Instrument.objects.count()
    instrument = import_instrument(
        actor=_actor_at(users, agencies, *community.INSTRUMENT_IMPORTER), document=document
    )
    result.instruments += Instrument.objects.count() - before
    return instrument


@transaction.atomic
def _load_screenings(
    result: LoadResult,
    agencies: dict[str, Agency],
    users: dict[str, User],
    instruments: dict[str, Instrument],
) -> None:
    """The community's screenings, all or none (like the exports): nothing is made when any
    screening exists. Each goes through the actions a screener's pages call, in the order a
    screener works: start (or plan), safety first, answers, finish, then the calls made."""
    if Screening.objects.exists():
        return
    _agency_settings(agencies)
    now = timezone.now().replace(second=0, microsecond=0)
    for spec in community.SCREENINGS:
        actor = _actor_at(users, agencies, spec.screener, spec.agency)
        survivor = _screened_person(result, spec, actor)
        _load_one_screening(spec, actor, survivor, instruments[spec.instrument], now)
        result.screenings += 1


def _agency_settings(agencies: dict[str, Agency]) -> None:
    """The protocol's settings (time zone, who leads cases from screenings), for a demo
    loaded before screening came: its agencies were made with the defaults."""
    for spec in community.AGENCIES:
        Agency.objects.filter(pk=agencies[spec.key].pk).update(
            time_zone=spec.time_zone, leads_screened_cases=spec.leads_screened_cases
        )
        agencies[spec.key].refresh_from_db()


def _screened_person(result: LoadResult, spec: community.ScreeningSpec, actor: Actor) -> Survivor:
    if spec.on_case_of is not None:
        return _newest_case_led_by(actor).survivor
    assert spec.person is not None
    known = DemoSurvivor.objects.select_related("survivor").filter(index=spec.person).first()
    if known is not None:
        return known.survivor
    people = community.screened_people(timezone.localdate())
    (person,) = [p for p in people if p.index == spec.person]
    survivor = create_survivor(actor=actor, details=person.details)
    DemoSurvivor.objects.create(key=person.key, index=person.index, survivor=survivor)
    result.survivors += 1
    return survivor


def _newest_case_led_by(actor: Actor) -> Case:
    """The most recently opened open case this case manager leads that has an abuse report's
    intake date (a young person recently reported, now screened)."""
    led = Case.objects.filter(
        lead_agency_id=actor.agency_id,
        status=CaseStatus.OPEN,
        report_received_on__isnull=False,
        care_team__user=actor.user,
        care_team__role=CareTeamRole.LEAD_CASE_MANAGER,
        care_team__removed_at__isnull=True,
    ).select_related("survivor")
    order = {
        row.survivor_id: row.index
        for row in DemoSurvivor.objects.filter(survivor_id__in=led.values("survivor_id"))
    }
    return min(led, key=lambda case: (-case.opened_on.toordinal(), order[case.survivor_id]))


def _load_one_screening(
    spec: community.ScreeningSpec,
    actor: Actor,
    survivor: Survivor,
    instrument: Instrument,
    now: datetime,
) -> Screening:
    def ago(minutes: int | None) -> datetime | None:
        return None if minutes is None else now - timedelta(minutes=minutes)

    first_indicator_at = ago(spec.indicator_minutes_ago)
    assert first_indicator_at is not None
    screening = start_screening(
        actor=actor,
        survivor=survivor,
        instrument=instrument,
        setting=spec.setting,
        first_indicator_at=first_indicator_at,
        recovered_at=ago(spec.recovered_minutes_ago),
        start_now=spec.started_minutes_ago is not None,
    )
    if spec.safety is not None:
        safety = spec.safety
        record_safety_facts(
            actor=actor,
            screening=screening,
            facts=SafetyAnswers(
                in_immediate_danger=safety.in_immediate_danger,
                age_years=survivor.age_on(timezone.localdate()),
                age_is_estimate=survivor.date_of_birth is None,
                in_state=safety.in_state,
                suspected_abuse=safety.suspected_abuse,
                immediate_needs=safety.immediate_needs,
                other_need=safety.other_need,
            ),
            expected_version=screening.version,
        )
    if spec.answers:
        answers = answers_from_json(definition_of(instrument), dict(spec.answers))
        save_answers(
            actor=actor, screening=screening, answers=answers, expected_version=screening.version
        )
    last_event = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if spec.completed_minutes_ago is not None:
        complete_screening(actor=actor, screening=screening, expected_version=screening.version)
    for call in spec.calls:
        taken_at = ago(call.minutes_ago)
        assert taken_at is not None
        record_safety_action(
            actor=actor,
            screening=screening,
            line=SafetyLine.objects.get(code=call.line),
            kind=call.kind,
            taken_at=taken_at,
        )
    # The actions stamp "now"; the demo tells the hour or so the screening took (the audit
    # log keeps the true load times, as with the case timelines).
    completed_at = ago(spec.completed_minutes_ago)
    Screening.objects.filter(pk=screening.pk).update(
        started_at=ago(spec.started_minutes_ago), completed_at=completed_at
    )
    if completed_at is not None:
        # What finishing wrote on the case (opened, screening linked, needs) dates from the
        # finish too, but never before the day the case opened (today).
        today = datetime.combine(timezone.localdate(), time.min, timezone.get_current_timezone())
        at = max(completed_at, today)
        CaseEvent.objects.filter(pk__gt=last_event, case__screenings=screening).update(at=at)
        Need.objects.filter(source_screening=screening).update(identified_at=at)
    return screening


def summary_counts() -> dict[str, int]:
    """What the database holds now (the demo's figures, for the summary)."""
    return {
        "Agencies": Agency.objects.count(),
        "Staff": User.objects.filter(memberships__isnull=False).distinct().count(),
        "Survivors": Survivor.objects.count(),
        "Cases open": Case.objects.filter(status=CaseStatus.OPEN).count(),
        "Cases inactive": Case.objects.filter(status=CaseStatus.INACTIVE).count(),
        "Cases closed": Case.objects.filter(status=CaseStatus.CLOSED).count(),
        "Screened, no case yet": Survivor.objects.filter(cases__isnull=True).count(),
        "Screenings": Screening.objects.count(),
    }
