"""GET /api/v1/measures/needs: the page's figures, with the same small-count rule."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from continuum.access.actor import Channel
from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction, AuditEntry
from tests.outcomes.conftest import Community
from tests.outcomes.test_pages import _assert_nobody_in
from tests.personas import World

pytestmark = pytest.mark.django_db

PATH = "/api/v1/measures/needs"


def _get(world: World, persona: str, query: str = "") -> tuple[int, dict]:
    _token, plain = create_token(actor=world.actor(persona), name="measures")
    response = Client().get(
        f"{PATH}{'?' + query if query else ''}", headers={"Authorization": f"Bearer {plain}"}
    )
    return response.status_code, response.json()


def _domain(body: dict, code: str) -> dict:
    return next(d for d in body["domains"] if d["code"] == code)


def test_a_supervisor_gets_exact_figures(community: Community) -> None:
    status, body = _get(community.world, "sam")
    assert status == 200
    assert (body["scope"], body["small_counts_hidden"], body["unmet_days"]) == ("agency", False, 14)
    assert body["period"] == {"key": "all", "start": None, "end": None}
    shelter = _domain(body, "shelter")
    assert shelter["identified"] == {"value": 3, "shown": "3", "hidden": False}
    assert shelter["median_days_to_met"] == {"value": 10.0, "shown": "10.0", "hidden": False}
    assert _domain(body, "medical")["unmet_without_help"]["value"] == 1
    assert _domain(body, "community")["active"] is False
    assert body["plans"]["reviews_on_time_percent"] == {
        "value": 50,
        "shown": "50%",
        "hidden": False,
    }
    assert body["sessions"]["with_survivor"]["value"] == 1
    _assert_nobody_in(json.dumps(body, ensure_ascii=False), community)
    entry = AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED).get()
    assert entry.detail == {"measures": "needs", "scope": "agency", "period": "all", "as": "api"}
    assert entry.via == Channel.API


def test_an_analyst_gets_small_counts_hidden(community: Community) -> None:
    status, body = _get(community.world, "avery")
    assert status == 200
    assert (body["scope"], body["small_counts_hidden"]) == ("community", True)
    shelter = _domain(body, "shelter")
    assert shelter["identified"] == {"value": None, "shown": "<11", "hidden": True}
    assert shelter["median_days_to_met"] == {"value": None, "shown": "hidden", "hidden": True}
    assert _domain(body, "legal")["identified"] == {"value": 0, "shown": "0", "hidden": False}
    assert body["plans"]["open_cases"]["shown"] == "<11"
    _assert_nobody_in(json.dumps(body, ensure_ascii=False), community)


def test_a_period(community: Community) -> None:
    status, body = _get(community.world, "sam", "from=2001-01-01&to=2001-01-31")
    assert status == 200
    assert body["period"] == {
        "key": "2001-01-01..2001-01-31",
        "start": "2001-01-01",
        "end": "2001-01-31",
    }
    assert _domain(body, "shelter")["identified"]["value"] == 0
    assert _domain(body, "medical")["open"]["value"] == 1  # now
    status, body = _get(community.world, "sam", "month=2001-01")
    assert (status, body["period"]["key"]) == (200, "2001-01")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("month=2026-13", "YYYY-MM"),
        ("from=2026-02-30", "YYYY-MM-DD"),
        ("month=2026-01&to=2026-01-31", "not both"),
        ("from=2026-03-01&to=2026-02-01", "after the last"),
    ],
)
def test_a_period_that_cannot_be_read_is_422(world: World, query: str, message: str) -> None:
    status, body = _get(world, "sam", query)
    assert status == 422
    assert message in body["detail"]


def test_too_long_a_parameter_is_422(world: World) -> None:
    status, _body = _get(world, "sam", "month=" + "2" * 50)
    assert status == 422


@pytest.mark.parametrize("persona", ["casey", "drew", "jordan", "quinn"])
def test_other_roles_are_refused(world: World, persona: str) -> None:
    status, _body = _get(world, persona)
    assert status == 403
    assert not AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED).exists()


def test_the_query_parameters_are_documented() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"][PATH]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"month", "from", "to"}


@pytest.mark.parametrize(
    "query", ["from=2026-01-01", "to=2026-01-31", "from=2026-01-01&to=2026-01-31"]
)
def test_community_figures_come_by_whole_months_only(community: Community, query: str) -> None:
    """Two ranges of days a day apart would give away a small count by subtraction."""
    status, body = _get(community.world, "avery", query)
    assert status == 422
    assert "whole month or for all time" in body["detail"]
    month = timezone.localdate().isoformat()[:7]
    assert _get(community.world, "avery", f"month={month}")[0] == 200
    assert _get(community.world, "avery")[0] == 200
