"""The instruments list and the training page cost the same however many rows they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.screening.models import Instrument, InstrumentStatus
from tests.personas import World, make_user
from tests.screening.test_setup_actions import network_admin

pytestmark = pytest.mark.django_db


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _add_instruments(count: int, start: int) -> None:
    for n in range(start, start + count):
        Instrument.objects.create(
            url=f"https://example.org/fhir/Questionnaire/q{n}",
            version="1",
            title=f"Instrument {n}",
            publisher="Publisher",
            licence="Free",
            questionnaire={},
            status=InstrumentStatus.RETIRED if n % 3 else InstrumentStatus.ACTIVE,
            validated=bool(n % 2),
        )


def _add_screeners(world: World, count: int, start: int) -> None:
    today = timezone.localdate()
    sam = world.users["sam"]
    for n in range(start, start + count):
        _user, membership = make_user(
            f"screener{n}", world.agencies["lead"], Role.SCREENER, job_title="Investigator"
        )
        if n % 2:
            membership.screening_certified_on = today
            membership.screening_certified_until = today.replace(year=today.year + 1)
            membership.screening_certified_by = sam
            membership.save()


@pytest.mark.parametrize("persona", ["nina", "jordan"])
def test_the_instruments_list_costs_the_same_for_5_and_50(
    world: World, persona: str, django_assert_max_num_queries: Any
) -> None:
    network_admin(world)
    client = world.client_for(persona)
    url = reverse("screening:instruments")
    _add_instruments(5, 0)
    small = _count(client, url)
    _add_instruments(45, 5)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count('data-testid="instrument-row"') >= 50


def test_the_training_page_costs_the_same_for_5_and_50(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = world.client_for("sam")
    url = reverse("screening:training")
    _add_screeners(world, 5, 0)
    small = _count(client, url)
    _add_screeners(world, 45, 5)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    page = response.content.decode()
    assert page.count('data-testid="screener-') == 50 + 4  # and Casey, Sam, Cole, Jordan
    assert "Recorded by Sam Tester" in page


def test_the_safety_page_costs_the_same_for_a_long_table(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from continuum.screening.models import SafetyLine, SafetyRule

    network_admin(world)
    client = world.client_for("nina")
    url = reverse("screening:safety_lines")
    small = _count(client, url)
    line = SafetyLine.objects.get(code="emergency")
    SafetyRule.objects.bulk_create(
        SafetyRule(position=100 + n, danger="yes", line=line, reason=f"Reason {n}")
        for n in range(40)
    )
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200
