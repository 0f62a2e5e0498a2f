"""Named people for tests, as in healthchecks' hc/test.py: each one is allowed or refused.

The world: Lead Family Services leads a case for one survivor ("Ana"). Casey is its named lead
case manager, Sam its supervisor. Harbor Counseling is on the care team, with Drew named as
clinician. Everyone else must be refused: Quinn (a case manager at another agency), Cole (a
case manager at the lead agency who is not on the case), Jordan (a screener), Avery (an
analyst), and Morgan (an MDT coordinator at an agency that is not on the team).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.access.actor import Actor
from continuum.accounts.models import Agency, AgencyType, Membership, Role, User
from continuum.accounts.sessions import ACTING_MEMBERSHIP
from continuum.cases.actions import add_care_team_member, open_case
from continuum.cases.models import CareTeamRole, Case
from continuum.survivors.actions import SurvivorDetails, create_survivor
from continuum.survivors.models import Release, Survivor

PASSWORD = "a-long-test-password-2026"

# username: (agency key, role)
PERSONAS: dict[str, tuple[str, Role]] = {
    "casey": ("lead", Role.CASE_MANAGER),
    "sam": ("lead", Role.SUPERVISOR),
    "drew": ("partner", Role.CLINICIAN),
    "quinn": ("other", Role.CASE_MANAGER),
    "cole": ("lead", Role.CASE_MANAGER),
    "jordan": ("lead", Role.SCREENER),
    "avery": ("lead", Role.ANALYST),
    "morgan": ("other", Role.MDT_COORDINATOR),
}
ALLOWED_ON_CASE = {"casey", "sam", "drew"}
REFUSED_ON_CASE = set(PERSONAS) - ALLOWED_ON_CASE


@dataclass
class World:
    agencies: dict[str, Agency]
    users: dict[str, User]
    memberships: dict[str, Membership]
    survivor: Survivor
    case: Case
    extra: dict[str, object] = field(default_factory=dict)

    def actor(self, username: str) -> Actor:
        return Actor(user=self.users[username], membership=self.memberships[username])

    def client_for(self, username: str) -> Client:
        """A client signed in with password and second factor, acting for the persona's
        agency (the login steps themselves are tested in tests/accounts)."""
        client = Client()
        user = self.users[username]
        client.force_login(user)
        device = TOTPDevice.objects.get(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[ACTING_MEMBERSHIP] = self.memberships[username].pk
        session.save()
        return client


def make_user(username: str, agency: Agency, role: Role, **extra: str) -> tuple[User, Membership]:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        last_name="Tester",
        **extra,
    )
    TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    membership = Membership.objects.create(user=user, agency=agency, role=role)
    return user, membership


def build_world() -> World:
    agencies = {
        "lead": Agency.objects.create(
            name="Lead Family Services", short_name="Lead", agency_type=AgencyType.LEAD_AGENCY
        ),
        "partner": Agency.objects.create(
            name="Harbor Counseling", short_name="Harbor", agency_type=AgencyType.SERVICE_PROVIDER
        ),
        "other": Agency.objects.create(
            name="Other County Kids", short_name="Other", agency_type=AgencyType.LEAD_AGENCY
        ),
    }
    users: dict[str, User] = {}
    memberships: dict[str, Membership] = {}
    for username, (agency_key, role) in PERSONAS.items():
        users[username], memberships[username] = make_user(username, agencies[agency_key], role)
    casey = Actor(user=users["casey"], membership=memberships["casey"])
    survivor = create_survivor(
        actor=casey,
        details=SurvivorDetails(
            preferred_name="Ana",
            legal_given_name="Ana María",
            legal_family_name="Pérez",
            date_of_birth=date(2010, 3, 4),
            pronouns="she/her",
            safe_to_call=True,
        ),
    )
    case = open_case(
        actor=casey, survivor=survivor, report_received_on=timezone.localdate() - timedelta(days=3)
    )
    add_care_team_member(
        actor=casey,
        case=case,
        agency=agencies["partner"],
        user=users["drew"],
        role=CareTeamRole.CLINICIAN,
    )
    return World(agencies, users, memberships, survivor, case)


def add_survivors(world: World, count: int, *, by: str = "casey") -> list[Survivor]:
    """More survivors with open cases, each with a care team, for query-count tests."""
    actor = world.actor(by)
    made = []
    for n in range(count):
        survivor = create_survivor(
            actor=actor,
            details=SurvivorDetails(
                preferred_name=f"Person {n}",
                legal_family_name="Nguyễn",
                aliases=((f"Nick {n}", "nickname"),),
            ),
        )
        case = open_case(
            actor=actor,
            survivor=survivor,
            report_received_on=timezone.localdate() - timedelta(days=n % 20),
        )
        add_care_team_member(
            actor=actor,
            case=case,
            agency=world.agencies["partner"],
            user=world.users["drew"],
            role=CareTeamRole.CLINICIAN,
        )
        made.append(survivor)
    return made


def survivor_named(name: str) -> Survivor:
    """The one survivor with every word of `name` among their names (through the blind
    index, as search does: the names themselves are sealed)."""
    from continuum.core.blind_index import name_tokens
    from continuum.survivors.models import SurvivorNameToken

    found = Survivor.objects.all()
    for token in name_tokens(name):
        found = found.filter(
            pk__in=SurvivorNameToken.objects.filter(token=token).values("survivor")
        )
    return found.get()


# What a Part 2 consent names beyond an ordinary release (42 CFR 2.31), all given.
PART2_ELEMENTS = {
    "part2_discloser_name": "Lead Family Services outpatient program",
    "part2_information": "Attendance and progress in outpatient treatment",
    "part2_revocation_explained": True,
    "part2_no_conditioning_explained": True,
    "part2_redisclosure_explained": True,
}


def release_to_partner(
    world: World, categories: set[str] | frozenset[str], **overrides: Any
) -> Release:
    """A release Casey records for Ana to the partner agency (Drew's): signed today by Ana
    and her mother, until the case closes; a substance-use release carries every Part 2
    element. `overrides` change any term."""
    from continuum.survivors.actions import ReleaseTerms, record_release

    today = timezone.localdate()
    terms: dict[str, Any] = {
        "recipient_agency": world.agencies["partner"],
        "categories": frozenset(categories),
        "purpose": "Weekly counselling",
        "starts_on": today,
        "survivor_signed_on": today,
        "ends_on_event": "case_closed",
        "guardian_name": "Rosa Example",
        "guardian_relationship": "parent",
        "guardian_signed_on": today,
        **(PART2_ELEMENTS if "substance_use" in categories else {}),
        **overrides,
    }
    return record_release(
        actor=world.actor("casey"), survivor=world.survivor, terms=ReleaseTerms(**terms)
    )


def add_person(
    world: World, username: str, agency: str, role: Role, *, on_team_as: str | None = None
) -> User:
    """Another person in the world, at agency `agency` (a key of world.agencies), named on
    the case's care team by Casey when `on_team_as` gives their role there."""
    user, membership = make_user(username, world.agencies[agency], role)
    world.users[username], world.memberships[username] = user, membership
    if on_team_as is not None:
        add_care_team_member(
            actor=world.actor("casey"),
            case=world.case,
            agency=world.agencies[agency],
            user=user,
            role=on_team_as,
        )
    return user
