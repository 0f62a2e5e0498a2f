"""Property-based: whether a release (or a legal basis) lets the partner see, on any day.

For any start, end date or end event, revocation and case state, and any "today", what the
partner sees (access.sharing.categories_for, as every page and API response uses it) equals
a plain statement of the rule: started, not past its end date, not revoked, and — for a
release ending with the case — the case it was for still open.
"""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from continuum.access.sharing import categories_for
from continuum.cases.models import Case
from continuum.survivors.models import LegalBasis, Release
from tests.personas import World, release_to_partner

pytestmark = pytest.mark.django_db

BASE = date(2026, 6, 1)
days = st.integers(min_value=-400, max_value=400)
maybe_days = st.none() | st.integers(min_value=0, max_value=400)
EXAMPLES = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _sees(world: World, today: date) -> bool:
    with mock.patch("continuum.access.sharing.timezone.localdate", return_value=today):
        allowed = categories_for(world.actor("drew"), [world.survivor])[world.survivor.pk]
    return "mental_health" in allowed


def _a_release(world: World) -> Release:
    expires = timezone.localdate() + timedelta(days=30)
    return release_to_partner(world, {"mental_health"}, ends_on_event="", expires_on=expires)


@given(
    start=days,
    length=maybe_days,
    revoked=st.booleans(),
    ends_with_case=st.booleans(),
    case_closed=st.booleans(),
    today=days,
)
@EXAMPLES
def test_a_release_is_in_force_exactly_when_the_rule_says(
    world: World,
    start: int,
    length: int | None,
    revoked: bool,
    ends_with_case: bool,
    case_closed: bool,
    today: int,
) -> None:
    release = world.extra.get("release") or _a_release(world)
    world.extra["release"] = release
    starts_on = BASE + timedelta(days=start)
    expires_on = None if length is None else starts_on + timedelta(days=length)
    Release.objects.filter(pk=release.pk).update(
        starts_on=starts_on,
        expires_on=expires_on,
        revoked_at=timezone.now() if revoked else None,
        ends_on_event="case_closed" if ends_with_case else "",
    )
    Case.objects.filter(pk=world.case.pk).update(status="closed" if case_closed else "open")
    day = BASE + timedelta(days=today)

    in_force = (
        starts_on <= day
        and (expires_on is None or day <= expires_on)
        and not revoked
        and not (ends_with_case and case_closed)
    )
    assert _sees(world, day) == in_force


@given(start=days, length=maybe_days, ended=st.booleans(), today=days)
@EXAMPLES
def test_a_legal_basis_is_in_force_exactly_when_the_rule_says(
    world: World, start: int, length: int | None, ended: bool, today: int
) -> None:
    basis = world.extra.get("basis")
    if basis is None:
        basis = LegalBasis.objects.create(
            survivor=world.survivor,
            disclosing_agency=world.agencies["lead"],
            recipient_agency=world.agencies["partner"],
            kind="court_order",
            reference="2026-DP-000123",
            categories=["mental_health"],
            starts_on=BASE,
            recorded_by=world.users["casey"],
        )
        world.extra["basis"] = basis
    starts_on = BASE + timedelta(days=start)
    expires_on = None if length is None else starts_on + timedelta(days=length)
    LegalBasis.objects.filter(pk=basis.pk).update(  # type: ignore[attr-defined]
        starts_on=starts_on, expires_on=expires_on, ended_at=timezone.now() if ended else None
    )
    day = BASE + timedelta(days=today)
    in_force = starts_on <= day and (expires_on is None or day <= expires_on) and not ended
    assert _sees(world, day) == in_force
