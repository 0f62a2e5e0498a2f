"""The personas' world (tests/personas.py) through the API: a token for each persona, and the
people the needs and plan tests add to it."""

from __future__ import annotations

from continuum.accounts.models import Role
from continuum.api.tokens import create_token
from continuum.cases.models import CareTeamRole
from tests.api.conftest import ApiClient
from tests.personas import World, add_person


def api_as(world: World, username: str) -> ApiClient:
    """A client with a token acting as the persona (their agency and role)."""
    _token, plain = create_token(actor=world.actor(username), name="tests")
    return ApiClient(plain)


def with_mentor(world: World) -> str:
    """Milo, a survivor-mentor of the lead agency, named on the case's care team."""
    if "milo" not in world.users:
        add_person(
            world, "milo", "lead", Role.SURVIVOR_MENTOR, on_team_as=CareTeamRole.SURVIVOR_MENTOR
        )
    return "milo"


def with_partner_mentor(world: World) -> str:
    """Mina, a survivor-mentor at the partner agency, named on the care team."""
    if "mina" not in world.users:
        add_person(
            world,
            "mina",
            "partner",
            Role.SURVIVOR_MENTOR,
            on_team_as=CareTeamRole.SURVIVOR_MENTOR,
        )
    return "mina"


def with_network_admin(world: World) -> str:
    if "nia" not in world.users:
        add_person(world, "nia", "other", Role.NETWORK_ADMIN)
    return "nia"


# --- ids for the paths of the needs, plan and appointment routes (the authorization walk) ---

PLAN_PATH_IDS = (
    "code",
    "session_id",
    "goal_id",
    "task_id",
    "service_id",
    "number",
    "appointment_id",
)


def plan_path_ids(world: World, template: str) -> dict[str, object]:
    """The ids a needs, plan or appointment route's path names, made by Casey as she would:
    a session of the assessment, a goal with a task and a service of the lead agency, an
    appointment; `number` is the plan's version then."""
    from tests.needs.helpers import appointment, goal, plan_version, service, session, task

    ids: dict[str, object] = dict.fromkeys(PLAN_PATH_IDS, "")
    ids["code"] = "shelter"
    if "{session_id}" in template:
        ids["session_id"] = session(world).pk
    if any(f"{{{name}}}" in template for name in ("goal_id", "task_id", "service_id", "number")):
        made = goal(world)
        ids["goal_id"] = made.pk
        ids["task_id"] = task(world, for_goal=made).pk
        ids["service_id"] = service(world).pk
        ids["number"] = plan_version(world.case)
    if "{appointment_id}" in template:
        ids["appointment_id"] = appointment(world).pk
    return ids


def current_plan_version(world: World) -> int:
    from tests.needs.helpers import plan_version

    return plan_version(world.case)
