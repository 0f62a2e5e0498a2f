"""The export pages cost the same for 5 and for 50 exports (tests/test_query_counts.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from continuum.exports.actions import request_export
from continuum.survivors.queries import survivor_for
from tests.personas import World, add_survivors

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _ask(world: World, count: int) -> None:
    casey = world.actor("casey")
    for survivor in add_survivors(world, count):
        request_export(
            actor=casey,
            survivor=survivor_for(casey, survivor.pk, audit_read=False),
            purpose="Records subpoena for the family court hearing.",
        )


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("sam", reverse("exports:queue")),
        ("casey", reverse("exports:mine")),
        ("sam", reverse("cases:my_work")),
    ],
)
def test_export_pages_cost_the_same_for_5_and_50(world: World, persona: str, url: str) -> None:
    client = world.client_for(persona)
    _ask(world, 5)
    small = _count(client, url)
    _ask(world, 45)
    assert _count(client, url) == small


def test_the_queue_lists_every_export_it_counts(world: World) -> None:
    _ask(world, 50)
    page = world.client_for("sam").get(reverse("exports:queue")).content.decode()
    assert page.count("/exports/") >= 50
    work = world.client_for("sam").get(reverse("cases:my_work")).content.decode()
    assert "50 exports of survivors' records wait for your decision" in work
