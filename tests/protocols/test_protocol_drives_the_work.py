"""The protocol is the configuration the work runs on: a screening's start window and a new
plan's review interval come from it, its sharing rules limit what a release may name, and
an agency that has not signed the MOU in force is marked wherever it is chosen."""

from __future__ import annotations

from typing import Any

import pytest

from continuum.plans.models import CarePlan
from continuum.survivors.actions import ReleaseRefused
from tests.needs.helpers import goal
from tests.personas import World, build_world, release_to_partner
from tests.protocols.helpers import admin, change_settings, community, mou

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _change(world: World, **overrides: Any) -> None:
    change_settings(world, community(world), **overrides)


def test_a_new_plan_is_reviewed_as_often_as_the_protocol_says(world: World) -> None:
    _change(world, plan_review_days=45)
    goal(world)
    assert CarePlan.objects.get(case=world.case).review_every_days == 45


def test_without_a_protocol_the_deployment_default_holds(world: World) -> None:
    goal(world)
    assert CarePlan.objects.get(case=world.case).review_every_days == 30


def test_a_screening_keeps_the_start_window_of_the_protocol_it_began_under(
    world: World,
) -> None:
    from tests.screening.helpers import new_person, start, train

    _change(world, screening_start_hours=12)
    train(world, "jordan")
    screening = start(world, new_person(world))
    assert screening.start_within_hours == 12
    _change(world, screening_start_hours=24)
    screening.refresh_from_db()
    assert screening.start_within_hours == 12  # kept, not rewritten


def test_the_sharing_rules_limit_what_a_release_may_name(world: World) -> None:
    community(world)  # Harbor is a service provider: identity and mental health only
    with pytest.raises(ReleaseRefused, match="lets Harbor Counseling receive only") as refused:
        release_to_partner(world, {"identity", "needs"})
    assert "Needs" in str(refused.value)
    assert release_to_partner(world, {"identity", "mental_health"}).pk


def test_a_type_the_rules_do_not_name_is_not_limited(world: World) -> None:
    _change(world, sharing_rules={})
    assert release_to_partner(world, {"identity", "needs", "care_plan"}).pk


def test_an_agency_that_has_not_signed_the_mou_in_force_is_marked_where_it_is_chosen(
    world: World,
) -> None:
    mou(world, in_force=True)  # signed by the lead agency only
    page = world.client_for("casey").get(f"/cases/{world.case.pk}/team/").content.decode()
    assert "Harbor Counseling — has not signed the MOU in force" in page
    assert "Lead Family Services — has not signed" not in page
    # Other County Kids is in no protocol: nothing to sign, nothing said.
    assert "Other County Kids — has not signed" not in page


def test_a_network_admin_is_reminded_on_my_work_when_the_mou_nears_expiry(
    world: World,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from continuum.protocols.models import Mou

    current = mou(world, in_force=True)  # expires in a year, reminder 60 days before
    admin(world)
    nora = world.client_for("nora")
    assert 'data-testid="mous-to-renew"' not in nora.get("/cases/").content.decode()
    Mou.objects.filter(pk=current.pk).update(expires_on=timezone.localdate() + timedelta(days=30))
    page = nora.get("/cases/").content.decode()
    assert 'data-testid="mous-to-renew"' in page
    assert f"/protocols/mous/{current.pk}/" in page


def test_the_release_form_marks_an_agency_that_has_not_signed(world: World) -> None:
    mou(world, in_force=True)
    page = (
        world.client_for("casey")
        .get(f"/survivors/{world.survivor.pk}/releases/new/")
        .content.decode()
    )
    assert "Harbor Counseling — has not signed the MOU in force" in page
