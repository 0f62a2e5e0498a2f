"""The cost of a page must not grow with the data: the same number of queries for 5 records
as for 50 (Zulip's habit)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.personas import World, add_survivors

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    path, _sep, name = url.partition("?q=")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, {"q": name}) if name else client.get(path)
    assert response.status_code == 200, url
    return len(queries)


def _survivor_with_busy_case(world: World, team_size: int) -> str:
    """The world's survivor, with team_size more care-team changes on the timeline."""
    from continuum.cases.actions import add_care_team_member, remove_care_team_member
    from continuum.cases.models import CareTeamRole

    actor = world.actor("casey")
    for _n in range(team_size):
        member = add_care_team_member(
            actor=actor,
            case=world.case,
            agency=world.agencies["partner"],
            role=CareTeamRole.SERVICE_PROVIDER,
        )
        remove_care_team_member(actor=actor, member=member)
    return f"/survivors/{world.survivor.pk}/"


@pytest.mark.parametrize("url", ["/cases/", "/survivors/?q=person", "/survivors/?q=nguyen"])
def test_list_pages_cost_the_same_for_5_and_50_records(world: World, url: str) -> None:
    client = world.client_for("casey")
    add_survivors(world, 5)
    small = _count(client, url)
    add_survivors(world, 45)
    large = _count(client, url)
    assert small == large


def test_lists_show_every_record_they_count(world: World) -> None:
    """Guard the guard: the pages above really list the records (not an empty page)."""
    add_survivors(world, 50)
    client = world.client_for("casey")
    assert client.get("/cases/").content.decode().count("/survivors/") >= 50
    assert "50 people found" in client.post("/survivors/", {"q": "person"}).content.decode()


def test_survivor_page_costs_the_same_for_a_short_and_a_long_history(world: World) -> None:
    client = world.client_for("casey")
    url = _survivor_with_busy_case(world, 5)
    small = _count(client, url)
    _survivor_with_busy_case(world, 45)
    large = _count(client, url)
    assert small == large


def test_supervisor_dashboard_costs_the_same(world: World) -> None:
    client = world.client_for("sam")
    add_survivors(world, 5)
    small = _count(client, "/cases/")
    add_survivors(world, 45)
    assert _count(client, "/cases/") == small
