"""The loop closes: sent, accepted (the provider joins the care team), started, completed
with "got help" (the need is met), each step on the case timeline."""

from __future__ import annotations

import pytest

from continuum.cases.models import CareTeamMember, CaseEvent
from continuum.needs.models import Need
from continuum.referrals import actions
from continuum.referrals.models import ReferralStatus
from tests.personas import build_world
from tests.referrals.helpers import referral_world, sent

pytestmark = pytest.mark.django_db


def test_a_referral_closes_the_loop_and_meets_the_need() -> None:
    world = build_world()
    service, need = referral_world(world)
    referral = sent(world, service, need)
    assert referral.status == ReferralStatus.REQUESTED
    assert referral.response_due_on is not None
    ivy = world.actor("ivy")
    for to in (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS):
        referral = actions.move_referral(actor=ivy, referral=referral, to=to)
    assert CareTeamMember.objects.filter(
        case=world.case, agency=world.agencies["partner"], removed_at__isnull=True
    ).exists()
    referral = actions.move_referral(
        actor=ivy, referral=referral, to=ReferralStatus.COMPLETED, outcome="got_help"
    )
    assert referral.outcome == "got_help"
    assert Need.objects.get(pk=need.pk).status == "met"
    summaries = list(
        CaseEvent.objects.filter(case=world.case, kind="referral").values_list("summary", flat=True)
    )
    assert len(summaries) == 4
    # A mental-health referral does not name the provider on the widely read timeline.
    assert all("Harbor" not in s for s in summaries)
    assert any("got help" in s for s in summaries)
