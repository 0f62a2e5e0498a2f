"""The synthetic Palmetto County network: agencies, staff and the survivors' paths.

Everything here is invented. Palmetto County and Cypress Bend County do not exist; the
agencies, people and phone numbers (the fictional 555-01xx range) are made up. The survivors
are drawn from name lists with a fixed seed, so every load produces the same community.

This module is data only; `continuum.demo.loader` turns it into records through the actions.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from continuum.accounts.models import AgencyType, Role
from continuum.cases.models import CareTeamRole, ClosureReason
from continuum.survivors.actions import SurvivorDetails
from continuum.survivors.models import AliasKind, Language

DEMO_PASSWORD = "continuum-demo-2026"  # noqa: S105 (published on purpose: demo only)
COUNTY = "Palmetto County"
NEIGHBOUR_COUNTY = "Cypress Bend County"
# Survivor keys are uuid5(DEMO_NAMESPACE, "survivor-<n>"): the same on every machine.
DEMO_NAMESPACE = uuid.UUID("6d1f6a0e-8c2b-5b8e-9c55-2b0c1d7a2026")
SURVIVOR_SEED = 4680  # chosen for a varied community (names, languages, ages)
SURVIVOR_COUNT = 50
EASTERN = "America/New_York"
CENTRAL = "America/Chicago"


@dataclass(frozen=True)
class AgencySpec:
    key: str
    name: str
    short_name: str
    agency_type: AgencyType
    county: str = COUNTY
    time_zone: str = EASTERN
    # The community protocol names this agency to lead the cases screenings open.
    leads_screened_cases: bool = False


AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        "dcf",
        "Palmetto Region Office of Child and Family Welfare",
        "Child Welfare Office",
        AgencyType.CHILD_WELFARE,
    ),
    AgencySpec(
        "cbc",
        "Palmetto Family Services",
        "Palmetto Family",
        AgencyType.LEAD_AGENCY,
        leads_screened_cases=True,
    ),
    AgencySpec("cac", "Sabal Children's Advocacy Center", "Sabal CAC", AgencyType.ADVOCACY_CENTER),
    AgencySpec(
        "pi",
        "Palmetto County Protective Investigations Unit",
        "Protective Investigations",
        AgencyType.PROTECTIVE_INVESTIGATIONS,
    ),
    AgencySpec(
        "gal",
        "Palmetto Guardian ad Litem Program",
        "Palmetto GAL",
        AgencyType.GUARDIAN_AD_LITEM,
    ),
    AgencySpec(
        "djj",
        "Palmetto Juvenile Justice Services",
        "Juvenile Justice",
        AgencyType.JUVENILE_JUSTICE,
    ),
    AgencySpec(
        "school",
        "Palmetto County School District",
        "School District",
        AgencyType.SCHOOL_DISTRICT,
    ),
    AgencySpec(
        "sheriff",
        "Palmetto County Sheriff's Office",
        "Sheriff's Office",
        AgencyType.LAW_ENFORCEMENT,
    ),
    AgencySpec(
        "safehouse", "Heron Hammock Safe Homes", "Heron Hammock", AgencyType.SERVICE_PROVIDER
    ),
    AgencySpec(
        "counseling",
        "Mangrove Counseling Collective",
        "Mangrove Counseling",
        AgencyType.SERVICE_PROVIDER,
    ),
    AgencySpec("clinic", "Palmetto Community Health Clinic", "Health Clinic", AgencyType.HEALTH),
    AgencySpec("legal", "Palmetto Youth Legal Aid", "Youth Legal Aid", AgencyType.LEGAL_AID),
    AgencySpec(
        "mentors",
        "Sea Grape Survivor-Mentor Network",
        "Sea Grape Mentors",
        AgencyType.MENTOR_ORGANIZATION,
    ),
    AgencySpec(
        "coalition",
        "Palmetto Coalition Against Child Exploitation",
        "Palmetto Coalition",
        AgencyType.COALITION,
    ),
    AgencySpec(
        "cbc2",
        "Cypress Bend Family Partners",
        "Cypress Bend",
        AgencyType.LEAD_AGENCY,
        county=NEIGHBOUR_COUNTY,
        # Cypress Bend County lies west of the Apalachicola River, in the Panhandle: its
        # clocks run an hour behind Palmetto's (the screening clock shows CST / CDT there).
        time_zone=CENTRAL,
    ),
)
AGENCY_BY_KEY = {spec.key: spec for spec in AGENCIES}


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    job_title: str
    memberships: tuple[tuple[str, Role], ...]
    # What the persona is for (docs/demo.md and the summary); empty for background staff.
    shows: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _staff(
    username: str,
    name: tuple[str, str],
    title: str,
    *memberships: tuple[str, Role],
    shows: str = "",
) -> StaffSpec:
    return StaffSpec(username, name[0], name[1], title, tuple(memberships), shows)


STAFF: tuple[StaffSpec, ...] = (
    # The personas the README lists.
    _staff(
        "casey",
        ("Casey", "Delgado"),
        "Case Manager",
        ("cbc", Role.CASE_MANAGER),
        shows="Lead case manager on 15 cases: work list, MDT due dates, care teams.",
    ),
    _staff(
        "sam",
        ("Samira", "Haddad"),
        "Case Management Supervisor",
        ("cbc", Role.SUPERVISOR),
        shows="Sees every case Palmetto Family leads; one case still needs a lead.",
    ),
    _staff(
        "morgan",
        ("Morgan", "Okonjo"),
        "MDT Coordinator",
        ("cac", Role.MDT_COORDINATOR),
        shows="Sees the cases the advocacy center is on; MDT staffing clocks.",
    ),
    _staff(
        "drew",
        ("Drew", "Castellanos"),
        "Licensed Mental Health Counselor",
        ("counseling", Role.CLINICIAN),
        shows="A clinician from another agency: sees only the cases they are named on.",
    ),
    _staff(
        "riley",
        ("Riley", "Baptiste"),
        "Survivor-Mentor",
        ("mentors", Role.SURVIVOR_MENTOR),
        shows="A survivor-mentor named on several care teams.",
    ),
    _staff(
        "jordan",
        ("Jordan", "Pierre-Louis"),
        "Hotline Intake Screener",
        ("dcf", Role.SCREENER),
        shows=(
            "Screens due (one due soon, one overdue) and one half done; finished a screening "
            "that opened a case. Sees the 8 young people with no case yet (3 handed to "
            "Palmetto Family Services); loses sight of a record once a case opens."
        ),
    ),
    _staff(
        "avery",
        ("Avery", "Lindqvist"),
        "Data Analyst",
        ("coalition", Role.ANALYST),
        shows="An analyst: no survivor names at all.",
    ),
    _staff(
        "alex",
        ("Alex", "Kowalczyk"),
        "Agency Administrator",
        ("cbc", Role.AGENCY_ADMIN),
        shows="Runs Palmetto Family's accounts; sees no survivor records.",
    ),
    _staff(
        "taylor",
        ("Taylor", "Ramírez"),
        "Network Administrator / Case Manager",
        ("coalition", Role.NETWORK_ADMIN),
        ("cbc", Role.CASE_MANAGER),
        shows="Works for two agencies: switch agency to see the work change.",
    ),
    _staff(
        "quinn",
        ("Quinn", "Adeyemi"),
        "Case Manager",
        ("cbc2", Role.CASE_MANAGER),
        shows="Another county's case manager: must never see Palmetto survivors.",
    ),
    # Everyone else in the network.
    _staff("marisol", ("Marisol", "Benítez"), "Case Manager", ("cbc", Role.CASE_MANAGER)),
    _staff("keisha", ("Keisha", "Washington"), "Senior Case Manager", ("cbc", Role.CASE_MANAGER)),
    _staff("thanh", ("Thanh", "Nguyễn"), "Case Manager", ("cbc", Role.CASE_MANAGER)),
    _staff(
        "renee",
        ("Renée", "Dubois"),
        "Intake Supervisor / Network Administrator",
        ("dcf", Role.SUPERVISOR),
        ("coalition", Role.NETWORK_ADMIN),
    ),
    _staff("ingrid", ("Ingrid", "Solberg"), "Training Coordinator", ("coalition", Role.TRAINER)),
    _staff(
        "priya",
        ("Priya", "Raman"),
        "Pediatric Nurse Practitioner",
        ("clinic", Role.CLINICIAN),
        ("cac", Role.CLINICIAN),
    ),
    _staff("kofi", ("Kofi", "Mensah"), "Forensic Interviewer", ("cac", Role.CLINICIAN)),
    _staff("analucia", ("Ana Lucía", "Ferreira"), "Executive Director", ("cac", Role.SUPERVISOR)),
    _staff("darnell", ("Darnell", "Brooks"), "Protective Investigator", ("pi", Role.SCREENER)),
    _staff(
        "margaret",
        ("Margaret", "O'Brien-Sato"),
        "Child Advocate Manager",
        ("gal", Role.CASE_MANAGER),
    ),
    _staff("luis", ("Luis", "Herrera"), "Juvenile Probation Officer", ("djj", Role.SCREENER)),
    _staff("fatima", ("Fatima", "Al-Sayed"), "School Social Worker", ("school", Role.SCREENER)),
    _staff(
        "wendell",
        ("Wendell", "Joseph"),
        "Detective, Human Trafficking Unit",
        ("sheriff", Role.SCREENER),
    ),
    _staff("grace", ("Grace", "Achterberg"), "Program Director", ("safehouse", Role.AGENCY_ADMIN)),
    _staff(
        "yolanda",
        ("Yolanda", "St. Fleur"),
        "Residential Case Manager",
        ("safehouse", Role.CASE_MANAGER),
    ),
    _staff("meilin", ("Mei-Lin", "Zhou"), "Clinical Director", ("counseling", Role.SUPERVISOR)),
    _staff("esther", ("Esther", "Goldberg"), "Staff Attorney", ("legal", Role.CASE_MANAGER)),
    _staff(
        "shanice", ("Shanice", "Moore"), "Mentor Program Coordinator", ("mentors", Role.SUPERVISOR)
    ),
    _staff(
        "valentina", ("Valentina", "Cruz"), "Survivor-Mentor", ("mentors", Role.SURVIVOR_MENTOR)
    ),
    _staff("hollis", ("Hollis", "Grant"), "Case Management Supervisor", ("cbc2", Role.SUPERVISOR)),
)
STAFF_BY_USERNAME = {spec.username: spec for spec in STAFF}
PERSONAS = ("casey", "sam", "morgan", "drew", "riley", "jordan", "avery", "alex", "taylor", "quinn")


def survivor_key(index: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"survivor-{index}")


# --- The survivors' paths ---------------------------------------------------------------


@dataclass(frozen=True)
class TeamSpec:
    agency: str
    role: CareTeamRole
    username: str | None = None


@dataclass(frozen=True)
class StatusStep:
    status: str  # a CaseStatus value
    reason: ClosureReason | None = None


@dataclass(frozen=True)
class CaseSpec:
    lead: str  # username of the case manager or supervisor who opens the case
    opened_days_ago: int
    report_days_ago: int | None
    # The intake date was not known when the case opened and is recorded afterwards.
    report_recorded_later: bool = False
    team: tuple[TeamSpec, ...] = ()
    steps: tuple[StatusStep, ...] = ()


@dataclass(frozen=True)
class SurvivorSpec:
    index: int
    creator: str
    details: SurvivorDetails
    case: CaseSpec | None = None
    # A screened record with no case, handed to this agency (key) to open the case.
    handed_to: str | None = None

    @property
    def key(self) -> uuid.UUID:
        return survivor_key(self.index)


# (given name, gender, a short form they may go by or None)
_Given = tuple[str, str, str | None]


@dataclass(frozen=True)
class _NameGroup:
    language: str
    given: tuple[_Given, ...]
    family: tuple[str, ...]
    weight: int
    other_language: str = ""


_NAME_GROUPS: tuple[_NameGroup, ...] = (
    _NameGroup(
        Language.ENGLISH,
        (
            ("Zoë", "f", None),
            ("Aaliyah", "f", "Ali"),
            ("Destiny", "f", None),
            ("Brianna", "f", "Bri"),
            ("Kayla", "f", None),
            ("Emani", "f", None),
            ("Madison", "f", "Maddie"),
            ("Jasmine", "f", "Jazz"),
            ("Khadija", "f", "Dija"),
            ("Chloé", "f", None),
            ("Deja", "f", None),
            ("Skye", "f", None),
            ("Jayden", "m", "Jay"),
            ("Marcus", "m", None),
            ("DeShawn", "m", "Shawn"),
            ("Tyler", "m", None),
            ("Amari", "x", None),
            ("River", "x", None),
            ("Kiara", "f", "Kiki"),
            ("Trinity", "f", None),
            ("Makayla", "f", "Kay"),
            ("Jamal", "m", None),
            ("Elijah", "m", "Eli"),
            ("Savannah", "f", "Vanna"),
        ),
        (
            "Johnson",
            "Williams",
            "O'Connor",
            "Washington",
            "Brown",
            "Jackson",
            "Robinson",
            "Thompson",
            "McAllister",
            "Smith-Ortiz",
            "Moreau",
            "Delacroix",
            "Harris",
        ),
        weight=36,
    ),
    _NameGroup(
        Language.SPANISH,
        (
            ("José", "m", "Pepe"),
            ("Sofía", "f", "Sofi"),
            ("Ximena", "f", None),
            ("Daniela", "f", "Dani"),
            ("Camila", "f", "Cami"),
            ("María José", "f", "Majo"),
            ("Nayeli", "f", None),
            ("Guadalupe", "f", "Lupe"),
            ("Yareli", "f", None),
            ("Mateo", "m", None),
            ("Ángel", "m", None),
            ("Itzel", "f", None),
            ("Marisela", "f", "Chela"),
            ("Yesenia", "f", "Yesi"),
            ("Brayan", "m", None),
        ),
        (
            "García",
            "Hernández",
            "Díaz",
            "Morales",
            "Cruz",
            "Rodríguez",
            "Peña",
            "Gutiérrez",
            "Ibáñez",
            "Quiñones",
        ),
        weight=25,
    ),
    _NameGroup(
        Language.HAITIAN_CREOLE,
        (
            ("Wideline", "f", None),
            ("Fabienne", "f", "Fabi"),
            ("Roseline", "f", "Rose"),
            ("Nadège", "f", None),
            ("Islande", "f", None),
            ("Mackenson", "m", "Mack"),
            ("Woodley", "m", None),
            ("Stanley", "m", None),
            ("Bethanie", "f", "Beth"),
            ("Mirlande", "f", None),
            ("Guerline", "f", None),
        ),
        ("Pierre", "Jean-Louis", "Baptiste", "Joseph", "Charles", "Désir", "Étienne"),
        weight=17,
    ),
    _NameGroup(
        Language.VIETNAMESE,
        (("Thảo", "f", None), ("Linh", "f", None), ("Ngọc", "f", None), ("Minh", "m", None)),
        ("Nguyễn", "Trần", "Lê", "Phạm"),
        weight=5,
    ),
    _NameGroup(
        Language.RUSSIAN,
        (("Анна", "f", "Аня"), ("Дарья", "f", "Даша"), ("Мирон", "m", None)),
        ("Иванова", "Соколова", "Орлов"),
        weight=4,
    ),
    _NameGroup(
        Language.OTHER,
        (("Ана", "f", None), ("Јована", "f", None)),
        ("Петровић", "Јовановић"),
        weight=2,
        other_language="Serbian",
    ),
    _NameGroup(
        Language.PORTUGUESE,
        (("Letícia", "f", "Leti"), ("João", "m", None), ("Conceição", "f", "Ceição")),
        ("Gonçalves", "Araújo", "Conceição"),
        weight=4,
    ),
    _NameGroup(
        Language.OTHER,
        (("Ixchel", "f", None), ("Rigoberta", "f", None), ("Tomás", "m", None)),
        ("Tzul", "Ajpop", "Chavajay"),
        weight=3,
        other_language="K'iche'",
    ),
    _NameGroup(
        Language.ARABIC,
        (("Layla", "f", None), ("Yusuf", "m", None), ("Mariam", "f", None)),
        ("Haddad", "Al-Masri", "Nasser"),
        weight=2,
    ),
)

_PRONOUNS = {"f": "she/her", "m": "he/him", "x": "they/them"}
_STREET_NAMES = ("Sky", "Honey", "Diamond", "Cali", "Lexi", "Baby G", "Star")
# A few young people use a name that differs from their legal name for reasons of their own.
_CHOSEN_NAMES = {
    "f": ("Max", "Jules", "Kai"),
    "m": ("Maya", "Luz", "Noor"),
    "x": ("Sage", "Rain", "Ash"),
}
_SAFE_TIMES = (
    "Weekdays after 4 pm",
    "Mornings before school",
    "Only at the group home's office line",
    "Evenings after 7 pm",
    "Any time; text first",
    "Tuesdays and Thursdays at lunch",
)
_CODE_WORDS = ("blue umbrella", "pineapple", "Aunt Rosa's recipe", "library book", "sunflower")
# In their words (synthetic): what they want the people helping them to know, and what
# matters most to them now. Given by the survivor's number, not drawn: drawing would change
# every name and date after it.
_PREFERENCES = (
    "Please leave the door open. I like to sit where I can see it.",
    "I would rather talk with a woman.",
    "Loud voices are hard for me. Give me time to answer.",
    "Text before you call, and say who you are first.",
    "Please ask before touching my shoulder, even to be kind.",
    "Afternoons are better for me than mornings.",
    "I want my aunt with me at appointments.",
    "Let me keep my headphones on while we wait.",
)
_PRIORITIES = (
    "Getting back to school is what matters most.",
    "Seeing my little brother every week.",
    "A safe place to live where I can keep my dog.",
    "Finishing my GED and getting a job.",
    "Getting my phone and my ID back.",
    "Sleeping through the night again.",
)


def _dob(rng: random.Random, today: date, age: int) -> date:
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - age, day=28)
    return anniversary - timedelta(days=rng.randint(0, 364))


def _details(
    rng: random.Random, today: date, index: int, used: set[tuple[str, str]], age: int
) -> SurvivorDetails:
    while True:  # no two survivors share a full name (small groups may run out: redraw)
        group = rng.choices(_NAME_GROUPS, weights=[g.weight for g in _NAME_GROUPS])[0]
        given, gender, short = rng.choice(group.given)
        family = rng.choice(group.family)
        if (given, family) not in used:
            used.add((given, family))
            break
    # A few do not say their family name at first.
    if rng.random() < 0.08:
        family = ""
    pronouns = _PRONOUNS[gender] if rng.random() < 0.85 else ""
    preferred = ""
    aliases: list[tuple[str, str]] = []
    roll = rng.random()
    if roll < 0.06:
        chosen = rng.choice(_CHOSEN_NAMES[gender])
        preferred = chosen
        pronouns = {"f": "he/him", "m": "she/her", "x": "they/them"}[gender]
    elif short and roll < 0.45:
        preferred = short
    elif short and roll < 0.6:
        aliases.append((short, AliasKind.NICKNAME))
    if rng.random() < 0.2:
        aliases.append((rng.choice(_STREET_NAMES), AliasKind.STREET_NAME))
    if rng.random() < 0.04:
        previous = rng.choice([name for name in group.family if name != family])
        aliases.append((f"{given} {previous}", AliasKind.PREVIOUS_NAME))

    estimated_only = rng.random() < 0.14
    dob = None if estimated_only else _dob(rng, today, age)

    language = group.language
    interpreter = language != Language.ENGLISH and rng.random() < 0.6
    if language == Language.ENGLISH and rng.random() < 0.03:
        language, interpreter = Language.ASL, True

    asked = rng.random() >= 0.3
    details = SurvivorDetails(
        legal_given_name=given,
        legal_family_name=family,
        preferred_name=preferred,
        pronouns=pronouns,
        date_of_birth=dob,
        estimated_age=age if estimated_only else None,
        primary_language=language,
        other_language=group.other_language if language == Language.OTHER else "",
        interpreter_needed=interpreter,
        preferences=_PREFERENCES[index // 2 % len(_PREFERENCES)] if index % 2 == 0 else "",
        priorities=_PRIORITIES[index % len(_PRIORITIES)],
        aliases=tuple(aliases),
    )
    if not asked:
        return details  # safe contact not asked yet: every answer stays None
    has_phone = rng.random() < 0.8
    return SurvivorDetails(
        **{
            **details.field_values(),
            "safe_phone": f"(352) 555-01{index:02d}" if has_phone else "",
            "safe_to_call": has_phone and rng.random() < 0.6,
            "safe_to_text": has_phone and rng.random() < 0.75,
            "safe_to_leave_message": has_phone and rng.random() < 0.2,
            "safe_times": rng.choice(_SAFE_TIMES) if has_phone else "",
            "code_word": rng.choice(_CODE_WORDS) if rng.random() < 0.25 else "",
        },
        aliases=details.aliases,
    )


# --- Who leads each case, and what happened to it -----------------------------------------

_OPEN = "open"
_INACTIVE = "inactive"
_CLOSED = "closed"


def _case_plans() -> list[tuple[str | None, dict[str, object]]]:
    """(lead username or None, shape) for survivors 0..49, in order.

    Shapes: "due" (report in the last 14 days), "overdue" (the 14 days just passed), "old",
    "no_report", "later" (intake date recorded after opening), and status paths.
    """
    plans: list[tuple[str | None, dict[str, object]]] = [(None, {})] * 8  # screened, no case
    casey_open = [
        "due",
        "due",
        "due",
        "overdue",
        "overdue",
        "no_report",
        "no_report",
        "later",
        "later",
        "old",
        "old",
        "old",
    ]
    plans += [("casey", {"shape": shape}) for shape in casey_open]
    others = [
        ("marisol", "due"),
        ("marisol", "overdue"),
        ("marisol", "old"),
        ("marisol", "old"),
        ("marisol", "no_report"),
        ("keisha", "old"),
        ("keisha", "later"),
        ("keisha", "old"),
        ("keisha", "old"),
        ("keisha", "old"),
        ("thanh", "old"),
        ("thanh", "due"),
        ("thanh", "old"),
        ("taylor", "old"),
        ("sam", "due"),
    ]
    plans += [(lead, {"shape": shape}) for lead, shape in others]
    plans += [("quinn", {"shape": shape}) for shape in ("due", "old", "no_report")]
    inactive = ["casey", "marisol", "marisol", "keisha", "thanh"]
    plans += [(lead, {"shape": "old", "steps": (StatusStep(_INACTIVE),)}) for lead in inactive]
    closed = [
        ("casey", ClosureReason.GOALS_MET),
        ("marisol", ClosureReason.SURVIVOR_CHOSE),
        ("keisha", ClosureReason.MOVED),
        ("thanh", ClosureReason.AGED_OUT),
        ("taylor", ClosureReason.TRANSFERRED),
    ]
    plans += [
        (lead, {"shape": "old", "steps": (StatusStep(_CLOSED, reason),)}) for lead, reason in closed
    ]
    reopened = [("casey", ClosureReason.NO_CONTACT), ("keisha", ClosureReason.SURVIVOR_CHOSE)]
    plans += [
        (lead, {"shape": "old", "steps": (StatusStep(_CLOSED, reason), StatusStep(_OPEN))})
        for lead, reason in reopened
    ]
    assert len(plans) == SURVIVOR_COUNT
    return plans


# Screeners hand young people on to the lead agency; each created some of the records.
_SCREENERS = ("jordan", "darnell", "luis", "fatima", "wendell")
_LEAD_AGENCY_TEAM = (
    TeamSpec("gal", CareTeamRole.GUARDIAN_AD_LITEM, "margaret"),
    TeamSpec("pi", CareTeamRole.INVESTIGATOR, "darnell"),
    TeamSpec("clinic", CareTeamRole.CLINICIAN, "priya"),
    TeamSpec("legal", CareTeamRole.LEGAL_ADVOCATE, "esther"),
    TeamSpec("school", CareTeamRole.SCHOOL_LIAISON, "fatima"),
    TeamSpec("safehouse", CareTeamRole.SERVICE_PROVIDER, "yolanda"),
    TeamSpec("dcf", CareTeamRole.SERVICE_PROVIDER),
)


def _dates(rng: random.Random, shape: str) -> tuple[int, int | None, bool]:
    """(opened days ago, report days ago or None, recorded later) for a shape."""
    if shape == "due":
        report = rng.randint(1, 11)
        return max(report - rng.randint(0, 1), 0), report, False
    if shape == "overdue":
        report = rng.randint(16, 20)
        return report - rng.randint(0, 2), report, False
    if shape == "no_report":
        return rng.randint(3, 60), None, False
    opened = rng.randint(30, 400)
    return opened, opened + rng.randint(0, 3), shape == "later"


def _as_recorded_by(creator: str, details: SurvivorDetails) -> SurvivorDetails:
    """A screener does not record what matters most to them (the care plan is not theirs to
    see): only the people a case manager recorded have their priorities in the demo."""
    if creator in _SCREENERS:
        return replace(details, priorities="")
    return details


def build(today: date) -> list[SurvivorSpec]:
    """The 50 survivors and their paths, the same on every run (dates follow `today`)."""
    rng = random.Random(SURVIVOR_SEED)
    used: set[tuple[str, str]] = set()
    specs: list[SurvivorSpec] = []
    for index, (lead, plan) in enumerate(_case_plans()):
        steps = plan.get("steps", ())
        closing_reason = steps[0].reason if steps else None  # type: ignore[index]
        if closing_reason == ClosureReason.AGED_OUT:
            age = 22
        else:
            age = rng.randint(18, 22) if rng.random() < 0.2 else rng.randint(12, 17)
        details = _details(rng, today, index, used, age)
        if lead is None:
            # The first three are already with the lead agency, waiting for a case there.
            handed = "cbc" if index < 3 else None
            specs.append(
                SurvivorSpec(index, "jordan", _as_recorded_by("jordan", details), handed_to=handed)
            )
            continue
        creator = "quinn" if lead == "quinn" else rng.choice((*_SCREENERS, lead))
        opened, report, later = _dates(rng, str(plan["shape"]))
        team: list[TeamSpec] = []
        if lead != "quinn":
            if report is not None:
                team.append(TeamSpec("cac", CareTeamRole.MDT_COORDINATOR, "morgan"))
            # Drew and Riley are on about a dozen care teams each, Casey's most of all.
            if (lead == "casey" and index % 2 == 0) or (lead != "casey" and index % 5 == 0):
                team.append(TeamSpec("counseling", CareTeamRole.CLINICIAN, "drew"))
            if (lead == "casey" and index % 3 != 1) or (lead != "casey" and index % 4 == 1):
                team.append(TeamSpec("mentors", CareTeamRole.SURVIVOR_MENTOR, "riley"))
            else:
                team.append(TeamSpec("mentors", CareTeamRole.SURVIVOR_MENTOR, "valentina"))
            team += rng.sample(_LEAD_AGENCY_TEAM, k=rng.randint(1, 3))
            if lead == "casey" and index == 9:
                # A second case manager from Casey's agency shares this one.
                team.append(TeamSpec("cbc", CareTeamRole.CASE_MANAGER, "taylor"))
        elif index % 3 == 0:
            team.append(TeamSpec("cbc2", CareTeamRole.SUPERVISOR, "hollis"))
        specs.append(
            SurvivorSpec(
                index,
                creator,
                _as_recorded_by(creator, details),
                CaseSpec(
                    lead=lead,
                    opened_days_ago=opened,
                    report_days_ago=report,
                    report_recorded_later=later,
                    team=tuple(team),
                    steps=tuple(steps),  # type: ignore[arg-type]
                ),
            )
        )
    return specs


# What the survivor agreed each kind of partner may see (releases of information). The demo
# leaves every seventh case without releases, to show what a partner sees then: nothing.
RELEASED_TO: dict[str, frozenset[str]] = {
    "cac": frozenset({"identity", "contact", "screening", "needs", "legal"}),
    "counseling": frozenset(
        {"identity", "contact", "mental_health", "health", "needs", "care_plan"}
    ),
    "mentors": frozenset({"identity", "contact", "care_plan", "legal"}),
    "gal": frozenset({"identity", "legal", "placement", "education"}),
    "safehouse": frozenset({"identity", "contact", "placement", "health"}),
    "clinic": frozenset({"identity", "health"}),
    "legal": frozenset({"identity", "legal"}),
    "school": frozenset({"identity", "education"}),
    "dcf": frozenset({"identity", "contact", "placement", "needs"}),
}
RELEASE_PURPOSES: dict[str, str] = {
    "cac": "Forensic interview and the MDT staffing",
    "counseling": "Weekly counselling sessions",
    "mentors": "A survivor-mentor to go with them to court and appointments",
    "gal": "Their guardian ad litem's reports to the court",
    "safehouse": "Placement in a safe home",
    "clinic": "Medical care",
    "legal": "Help with their court case",
    "school": "Getting back to school",
    "dcf": "Child-welfare services",
}

# Releases the survivor first gave verbally, by (survivor index, partner), to be confirmed in
# writing; those in CONFIRMED_IN_WRITING have been: their signed form was uploaded (a
# synthetic one, synthetic_signed_form_pdf).
VERBAL_RELEASES: frozenset[tuple[int, str]] = frozenset({(10, "safehouse"), (12, "counseling")})
CONFIRMED_IN_WRITING: frozenset[tuple[int, str]] = frozenset({(10, "safehouse")})


@dataclass(frozen=True)
class Part2ReleaseSpec:
    """A consent to share substance use treatment records (42 CFR Part 2), every element
    given: the lead agency discloses, only what `information` says, for `purpose`."""

    index: int
    recipient: str
    information: str
    purpose: str


PART2_RELEASES: tuple[Part2ReleaseSpec, ...] = (
    Part2ReleaseSpec(
        8,
        "counseling",
        "Dates of attendance and progress in outpatient substance use treatment",
        "Coordinating their counselling with their outpatient treatment",
    ),
)
# What the lead agency wrote under each Part 2 consent (case index: note): the partner reads
# it with the federal re-disclosure notice.
PART2_NOTES: dict[int, str] = {
    8: (
        "Attended three of four outpatient sessions this month; asked to move Thursdays "
        "to after school."
    ),
}


def synthetic_signed_form_pdf(signed_on: date) -> bytes:
    """A one-page PDF standing in for a scanned, signed release form. Synthetic: it names
    no one."""
    from io import BytesIO

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    lines = (
        "Release of information - signed form",
        "SYNTHETIC DEMO DOCUMENT - not a real person",
        f"Signed on {signed_on.isoformat()}",
        "Signature: ______________________",
    )
    text = "".join(
        f"BT /F1 14 Tf 72 {720 - 28 * n} Td ({line}) Tj ET\n" for n, line in enumerate(lines)
    )
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(text.encode("ascii"))
    page[NameObject("/Contents")] = writer._add_object(content)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# Case notes: what each member of the team writes, by kind of note (synthetic sentences,
# written about the work and in the survivor's own choices, never blaming).
NOTES_BY_WRITER: dict[str, tuple[tuple[str, str], ...]] = {
    "lead": (
        ("notes", "Met at the drop-in centre. They chose to talk about school first."),
        ("care_plan", "Agreed next steps: housing navigator on Tuesday, bus pass renewed."),
        ("placement", "Settled at the current placement; wants to stay near a sibling."),
        ("legal", "Victim advocate will attend the deposition with them."),
    ),
    "drew": (
        ("mental_health", "Session 4. Sleep is improving with the new evening routine."),
        ("health", "Asked for help booking a dental check-up; referred to the county clinic."),
    ),
    "riley": (("care_plan", "Went with them to the DMV for an ID card; next: bank account."),),
    "valentina": (("care_plan", "Coffee after court. Feeling proud of speaking up today."),),
}


# --- Exports of a survivor's record (continuum.exports.demo loads them) -------------------


@dataclass(frozen=True)
class ExportSpec:
    requested_by: str  # a case manager asking for the n-th case they lead (demo order)
    case_number: int
    purpose: str
    hours_ago: int  # when they asked
    approved_by: str | None = None  # None: still waiting for a supervisor


EXPORTS: tuple[ExportSpec, ...] = (
    ExportSpec(
        "casey",
        0,
        "A copy of her record for her: she asked for it at her last visit, to keep with her "
        "own papers.",
        hours_ago=20,
        approved_by="sam",
    ),
    ExportSpec(
        "casey",
        1,
        "Transfer to Cypress Bend Family Partners: she is moving to her aunt's in Cypress Bend "
        "County, and their case manager takes over next week.",
        hours_ago=2,
    ),
)


# --- Screening (continuum.screening; docs/screening.md) -----------------------------------


@dataclass(frozen=True)
class TrainingSpec:
    """A screening-training record on `username`'s membership at `agency`, recorded by
    `certified_by` (a supervisor or agency admin there). The end date is given, not left to
    CONTINUUM_SCREENING_TRAINING_DAYS, so the demo reads the same however that is set."""

    username: str
    agency: str
    certified_by: str
    trained_days_ago: int
    current_days: int = 730

    @property
    def expired(self) -> bool:
        return self.current_days < self.trained_days_ago


TRAINING: tuple[TrainingSpec, ...] = (
    TrainingSpec("jordan", "dcf", "renee", 240),
    TrainingSpec("sam", "cbc", "alex", 330),
    TrainingSpec("casey", "cbc", "sam", 420),
    TrainingSpec("keisha", "cbc", "sam", 610),
    TrainingSpec("taylor", "cbc", "sam", 95),
    TrainingSpec("quinn", "cbc2", "hollis", 150),
    # Trained two years and a month ago: expired a month ago. Sign in as marisol to see a
    # screening refused; Thanh, at the same agency, has no record at all.
    TrainingSpec("marisol", "cbc", "sam", 760),
)

# The instrument the community adopted (a synthetic stand-in: the same document as the test
# fixture tests/screening/fixtures/community-screen.json), imported by a network admin next
# to the one that comes with Continuum.
COMMUNITY_INSTRUMENT_FILE = "palmetto-youth-safety-screen.json"  # in continuum/demo/data/
INSTRUMENT_IMPORTER = ("taylor", "coalition")
INDICATOR_SCREEN_URL = "https://continuum.example.org/fhir/Questionnaire/continuum-indicators"
BUNDLED, COMMUNITY = "bundled", "community"


def screened_people(today: date) -> list[SurvivorSpec]:
    """Young people who come in through the demo's screenings, after the 50: each recorded
    by the screener who met them. Anahí walked into the child-welfare office today."""
    born = _dob(random.Random(SURVIVOR_SEED + 1), today, 15)
    return [
        SurvivorSpec(
            SURVIVOR_COUNT,
            "jordan",
            SurvivorDetails(
                legal_given_name="Anahí",
                legal_family_name="Ocampo-Quispe",
                pronouns="she/her",
                date_of_birth=born,
                primary_language=Language.SPANISH,
            ),
        )
    ]


@dataclass(frozen=True)
class SafetySpec:
    """The immediate-safety answers (actions.SafetyAnswers); age None: their record's."""

    in_immediate_danger: bool | None
    in_state: bool | None
    suspected_abuse: bool | None
    immediate_needs: tuple[str, ...] = ()
    other_need: str = ""


@dataclass(frozen=True)
class CallSpec:
    line: str  # a SafetyLine code
    kind: str  # a SafetyAction.Kind value
    minutes_ago: int


@dataclass(frozen=True)
class ScreeningSpec:
    """One screening, made through the actions as `screener` acting for `agency`.

    The person is a demo survivor (`person`, its index) or the first open case `on_case_of`
    leads that has an intake date. Not started: planned (on the "Screens due" list); started
    but not completed: in progress. Times are minutes before the load."""

    shows: str
    screener: str
    agency: str
    instrument: str  # BUNDLED or COMMUNITY
    setting: str  # a screening.Setting value
    indicator_minutes_ago: int
    person: int | None = None
    on_case_of: str | None = None
    recovered_minutes_ago: int | None = None
    started_minutes_ago: int | None = None
    completed_minutes_ago: int | None = None
    safety: SafetySpec | None = None
    # {"linkId": {"value": ...} | {"declined": true}}: the stored form (screening.answers)
    answers: tuple[tuple[str, Mapping[str, object]], ...] = ()
    calls: tuple[CallSpec, ...] = ()


_YES, _NO, _UNSURE = {"value": "yes"}, {"value": "no"}, {"value": "unsure"}
_DECLINED = {"declined": True}  # "prefer not to say"
_HOUR = 60

# Sealed at rest (screening.other_need, and a text answer inside the sealed answers):
# tests/test_no_plaintext.py looks for them in the raw database.
SCREENING_OTHER_NEED = "A phone charger and a bus pass to get to school"
SCREENING_TEXT_ANSWER = "I want to keep going to the robotics club after school."

SCREENINGS: tuple[ScreeningSpec, ...] = (
    ScreeningSpec(
        "planned, due soon: a school counsellor called the hotline yesterday afternoon",
        screener="jordan",
        agency="dcf",
        instrument=BUNDLED,
        setting="school",
        person=5,
        indicator_minutes_ago=19 * _HOUR + 40,
    ),
    ScreeningSpec(
        "planned, overdue: whereabouts were unknown; the clock ran from the debriefing",
        screener="jordan",
        agency="dcf",
        instrument=BUNDLED,
        setting="child_welfare",
        person=4,
        indicator_minutes_ago=4 * 24 * _HOUR + 5 * _HOUR,
        recovered_minutes_ago=27 * _HOUR + 15,
    ),
    ScreeningSpec(
        "planned, on time, shown in Central time",
        screener="quinn",
        agency="cbc2",
        instrument=BUNDLED,
        setting="home",
        on_case_of="quinn",
        indicator_minutes_ago=2 * _HOUR + 10,
    ),
    ScreeningSpec(
        "in progress: some questions skipped, one “prefer not to say”",
        screener="jordan",
        agency="dcf",
        instrument=BUNDLED,
        setting="child_welfare",
        person=3,
        indicator_minutes_ago=3 * _HOUR + 30,
        started_minutes_ago=50,
        safety=SafetySpec(
            in_immediate_danger=False,
            in_state=True,
            suspected_abuse=None,
            immediate_needs=("food",),
        ),
        answers=(
            ("stay-left", _YES),
            ("stay-unknown", _UNSURE),
            # stay-hotel skipped
            ("stay-moved", _NO),
            ("exchange-sex", _DECLINED),
            # exchange-images skipped
            ("exchange-owed", _NO),
        ),
    ),
    ScreeningSpec(
        "finished, no concern: no case",
        screener="jordan",
        agency="dcf",
        instrument=COMMUNITY,
        setting="child_welfare",
        person=7,
        indicator_minutes_ago=7 * _HOUR,
        started_minutes_ago=6 * _HOUR + 20,
        completed_minutes_ago=5 * _HOUR + 55,
        safety=SafetySpec(in_immediate_danger=False, in_state=True, suspected_abuse=False),
        answers=(
            ("b1", {"value": False}),
            ("b2", {"value": False}),
            ("c2", {"value": "LA32-8"}),
            ("b4", {"value": False}),
            ("b5", {"value": False}),
            ("c1", {"value": "never"}),
            ("t1", {"value": SCREENING_TEXT_ANSWER}),
        ),
    ),
    ScreeningSpec(
        "finished, possible concern: report accepted by the Florida Abuse Hotline, needs a "
        "safe place tonight; opened a case with Palmetto Family Services",
        screener="jordan",
        agency="dcf",
        instrument=BUNDLED,
        setting="child_welfare",
        person=SURVIVOR_COUNT,
        indicator_minutes_ago=4 * _HOUR + 45,
        started_minutes_ago=4 * _HOUR + 10,
        completed_minutes_ago=3 * _HOUR + 25,
        safety=SafetySpec(
            in_immediate_danger=False,
            in_state=True,
            suspected_abuse=True,
            immediate_needs=("shelter",),
        ),
        answers=(
            ("stay-left", _YES),
            ("stay-unknown", _NO),
            ("stay-hotel", _NO),
            ("stay-moved", _NO),
            ("exchange-sex", _NO),
            ("exchange-images", _NO),
            ("exchange-owed", _YES),
            ("people-older", _YES),
            ("people-control", _NO),
            ("people-mixed", _UNSURE),
            ("people-afraid", _NO),
            ("others-bring", _NO),
            ("hard-hurt", _NO),
            ("hard-sexual", _DECLINED),
            ("hard-mark", _NO),
            ("police-stopped", _NO),
            ("police-coached", _NO),
            ("substances-given", _NO),
            ("substances-cope", _NO),
        ),
        calls=(
            CallSpec("florida_abuse_hotline", "called", 3 * _HOUR + 15),
            CallSpec("florida_abuse_hotline", "report_accepted", 2 * _HOUR + 50),
        ),
    ),
    ScreeningSpec(
        "finished, clear concern: linked to the case Casey already leads",
        screener="casey",
        agency="cbc",
        instrument=BUNDLED,
        setting="home",
        on_case_of="casey",
        indicator_minutes_ago=6 * _HOUR,
        started_minutes_ago=5 * _HOUR + 30,
        completed_minutes_ago=4 * _HOUR + 50,
        safety=SafetySpec(
            in_immediate_danger=False,
            in_state=True,
            suspected_abuse=True,
            immediate_needs=("medical", "other"),
            other_need=SCREENING_OTHER_NEED,
        ),
        answers=(
            ("stay-left", _YES),
            ("stay-unknown", _YES),
            ("stay-hotel", _YES),
            ("stay-moved", _YES),
            ("exchange-sex", _YES),
            ("exchange-taken", _YES),
            ("exchange-images", _NO),
            ("exchange-owed", _YES),
            ("people-older", _YES),
            ("people-control", _YES),
            ("people-mixed", _YES),
            ("people-afraid", _YES),
            ("others-bring", _NO),
            ("hard-hurt", _UNSURE),
            ("hard-sexual", _DECLINED),
            ("hard-mark", _NO),
            ("police-stopped", _YES),
            ("police-coached", _UNSURE),
            ("time-long", _YES),
            ("substances-given", _NO),
            ("substances-cope", _DECLINED),
        ),
        calls=(CallSpec("florida_abuse_hotline", "report_accepted", 4 * _HOUR + 30),),
    ),
)
