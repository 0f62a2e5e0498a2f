"""Every figure of the needs measures against the community in conftest.py, worked out by hand
there; then the edges: a period, another agency's cases, small counts, an empty community."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from continuum.access.actor import Actor
from continuum.access.policy import Forbidden
from continuum.accounts.models import Agency, AgencyType, Membership, Role, User
from continuum.needs.actions import DomainDetails, add_domain
from continuum.needs.queries import assessment_of
from continuum.outcomes.needs import (
    NeedsMeasures,
    Scope,
    case_needs_measures,
    measure_needs,
    needs_measures,
)
from continuum.outcomes.periods import parse_period
from continuum.plans.queries import readable_categories
from tests.outcomes.conftest import Community, network_admin
from tests.outcomes.helpers import ago, assess, new_case, today_minus
from tests.personas import World

pytestmark = pytest.mark.django_db

FIGURES = ("identified", "met", "open", "unmet_without_help", "deferred")


def table(measures: NeedsMeasures) -> dict[str, tuple[str, ...]]:
    """Domain code -> its figures as shown, in FIGURES order then median and p90."""
    return {
        d.code: (
            *(getattr(d, name).shown for name in FIGURES),
            d.median_days_to_met.shown,
            d.p90_days_to_met.shown,
        )
        for d in measures.domains
    }


ZERO = ("0", "0", "0", "0", "0", "—", "—")


def test_a_supervisor_sees_exact_figures_of_the_cases_their_agency_leads(
    community: Community,
) -> None:
    measures = needs_measures(community.world.actor("sam"))
    assert not measures.suppressed
    assert measures.scope == Scope(community=False, agency_id=community.a.lead_agency_id)
    rows = table(measures)
    # Met, reopened and met again (A: 10 and 6 days), and met in B (10 days); C is not ours.
    assert rows["shelter"] == ("3", "3", "0", "0", "0", "10.0", "10.0")
    # Found at screening today: identified and open, not yet waiting long.
    assert rows["food"] == ("1", "0", "1", "0", "0", "—", "—")
    # A cancelled task is no help.
    assert rows["medical"] == ("1", "0", "1", "1", "0", "—", "—")
    # A task to do is help.
    assert rows["transportation"] == ("1", "0", "1", "0", "0", "—", "—")
    # A's has no goal; D's counts as identified, but D is closed: not open, not waiting.
    assert rows["clothing"] == ("2", "0", "1", "1", "0", "—", "—")
    # A service no longer needed is no help; one asked for is.
    assert rows["employment"] == ("1", "0", "1", "1", "0", "—", "—")
    assert rows["documents"] == ("1", "0", "1", "0", "0", "—", "—")
    assert rows["education"] == ("0", "0", "0", "0", "1", "—", "—")
    # A retired domain keeps its history; one retired with none is not listed.
    assert rows["community"] == ("1", "1", "0", "0", "0", "10.0", "10.0")
    assert "compensation" not in rows
    assert rows["legal"] == ZERO
    inactive = [d.code for d in measures.domains if not d.active]
    assert inactive == ["community"]


def test_plan_and_session_figures(community: Community) -> None:
    measures = needs_measures(community.world.actor("sam"))
    plans = measures.plans
    # Open cases A and B (D is closed; C is another agency's), both with a plan.
    assert (plans.open_cases.value, plans.open_cases_with_plan.value) == (2, 2)
    assert plans.with_plan_share.shown == "100%"
    # A's next review is in 25 days; B's was due 10 days ago.
    assert (plans.on_time_now.value, plans.on_time_now_share.shown) == (1, "50%")
    # A's reviews: 25 days after the start (on time), then 40 days after it (late).
    assert (plans.reviews_done.value, plans.reviews_on_time.value) == (2, 1)
    assert plans.reviews_on_time_share.shown == "50%"
    sessions = measures.sessions
    assert (sessions.held.value, sessions.with_survivor.value) == (2, 1)
    assert sessions.with_survivor_share.shown == "50%"


def test_a_period_counts_what_happened_in_it(community: Community) -> None:
    """From 11 days ago to today: A's second shelter need (identified 10 days ago, met 4
    days ago) and B's met 2 days ago (identified 12 days ago, before the period: its days
    still run from then); today's screening; A's late review; B's sessions."""
    period = parse_period(start=today_minus(11).isoformat(), end=timezone.localdate().isoformat())
    measures = needs_measures(community.world.actor("sam"), period)
    rows = table(measures)
    assert rows["shelter"] == ("1", "2", "0", "0", "0", "8.0", "10.0")
    assert rows["food"] == ("1", "0", "1", "0", "0", "—", "—")
    # Identified before the period: nothing identified in it, but still open now.
    assert rows["medical"] == ("0", "0", "1", "1", "0", "—", "—")
    assert rows["community"] == ("0", "0", "0", "0", "0", "—", "—")
    plans = measures.plans
    assert (plans.reviews_done.value, plans.reviews_on_time.value) == (1, 0)
    assert plans.reviews_on_time_share.shown == "0%"
    # "Now" figures do not depend on the period.
    assert (plans.open_cases.value, plans.on_time_now.value) == (2, 1)
    assert measures.sessions.held.value == 2


def test_a_month_with_nothing_in_it(community: Community) -> None:
    long_ago = parse_period(month="2001-01")
    measures = needs_measures(community.world.actor("sam"), long_ago)
    rows = table(measures)
    assert rows["shelter"] == ZERO
    assert rows["medical"] == ("0", "0", "1", "1", "0", "—", "—")
    assert measures.plans.reviews_done.value == 0
    assert measures.plans.reviews_on_time_share.shown == "—"
    assert measures.sessions.with_survivor_share.shown == "—"


def test_another_agencys_cases_are_theirs(community: Community) -> None:
    other = Scope(community=False, agency_id=community.c.lead_agency_id)
    measures = measure_needs(other, parse_period(), zone="America/New_York")
    rows = table(measures)
    assert rows["shelter"] == ("1", "1", "0", "0", "0", "1.0", "1.0")
    assert rows["medical"] == ZERO
    assert (measures.plans.reviews_done.value, measures.plans.reviews_on_time.value) == (1, 1)
    assert measures.plans.open_cases.value == 1
    assert measures.sessions.held.value == 0


def test_community_figures_hide_small_counts(community: Community) -> None:
    """The analyst sees all four cases, every count of them small."""
    measures = needs_measures(community.world.actor("avery"))
    assert measures.suppressed
    rows = table(measures)
    assert rows["shelter"] == ("<11", "<11", "0", "0", "0", "hidden", "hidden")
    assert rows["legal"] == ZERO
    assert rows["education"][4] == "<11"
    plans = measures.plans
    assert (plans.open_cases.shown, plans.reviews_done.shown) == ("<11", "<11")
    assert plans.reviews_on_time_share.shown == "hidden"
    assert all(f.value is None for f in (plans.open_cases, plans.on_time_now, plans.reviews_done))


def _cases_with_shelter_met(world: World, count: int) -> None:
    """`count` cases whose shelter need was identified 3 days ago and met 1 day ago."""
    for n in range(count):
        case = new_case(world, name=f"Youth {n}")
        assess(world, case, "shelter", "identified", when=ago(3))
        assess(world, case, "shelter", "met", when=ago(1))


def test_ten_is_hidden_and_eleven_is_shown(world: World) -> None:
    _cases_with_shelter_met(world, 10)
    avery, sam = world.actor("avery"), world.actor("sam")
    ten = table(needs_measures(avery))["shelter"]
    assert ten == ("<11", "<11", "0", "0", "0", "hidden", "hidden")
    # The supervisor of the agency leading them sees them exactly.
    assert table(needs_measures(sam))["shelter"] == ("10", "10", "0", "0", "0", "2.0", "2.0")
    _cases_with_shelter_met(world, 1)
    eleven = needs_measures(avery)
    assert table(eleven)["shelter"] == ("11", "11", "0", "0", "0", "2.0", "2.0")
    # Open cases: the world's and these 11 (12), none with a plan (0 is shown).
    assert (eleven.plans.open_cases.shown, eleven.plans.open_cases_with_plan.shown) == ("12", "0")
    assert eleven.plans.with_plan_share.shown == "0%"


def test_a_network_admin_sees_the_community_too(community: Community) -> None:
    admin = network_admin(community.world)
    measures = needs_measures(community.world.actor(admin))
    assert measures.suppressed
    assert table(measures)["shelter"][0] == "<11"


@pytest.mark.parametrize("persona", ["casey", "drew", "quinn", "jordan", "morgan"])
def test_other_roles_are_refused(world: World, persona: str) -> None:
    with pytest.raises(Forbidden):
        needs_measures(world.actor(persona))


def test_an_empty_community(db: None) -> None:
    agency = Agency.objects.create(name="Coalition", agency_type=AgencyType.LEAD_AGENCY)
    user = User.objects.create_user(username="ada")
    analyst = Actor(user, Membership.objects.create(user=user, agency=agency, role=Role.ANALYST))
    measures = needs_measures(analyst)
    assert measures.domains
    assert all(row == ZERO for row in table(measures).values())
    plans = measures.plans
    assert [plans.open_cases.shown, plans.with_plan_share.shown] == ["0", "—"]
    assert [plans.reviews_done.shown, plans.reviews_on_time_share.shown] == ["0", "—"]
    assert measures.sessions.with_survivor_share.shown == "—"


def test_a_domain_the_community_adds_is_counted(world: World) -> None:
    admin = network_admin(world)
    add_domain(actor=world.actor(admin), details=DomainDetails(name="Phone", category="needs"))
    assert table(needs_measures(world.actor("sam")))["phone"] == ZERO
    assess(world, world.case, "phone", "identified", when=ago(15))
    assert table(needs_measures(world.actor("sam")))["phone"][:4] == ("1", "0", "1", "1")


def test_a_need_set_aside_and_found_again_counts_twice(world: World) -> None:
    """Identified, then no need after all, then identified again: two identifications; the
    open need's waiting time starts at the second."""
    case = world.case
    assess(world, case, "food", "identified", when=ago(40))
    assess(world, case, "food", "no_need", when=ago(30))
    assess(world, case, "food", "identified", when=ago(5))
    assert table(needs_measures(world.actor("sam")))["food"][:4] == ("2", "0", "1", "0")


# --- per case -----------------------------------------------------------------------------


def test_one_case(community: Community) -> None:
    case = community.a
    everything = readable_categories(community.world.actor("casey"), case)
    figures = case_needs_measures(case, categories=everything)
    # shelter twice, food, medical, transportation, clothing, employment, documents
    assert figures.identified == 8
    assert figures.open == 6
    assert figures.met == 2
    assert figures.median_days_to_met == 8.0
    assert figures.unmet_without_help == 3
    assert figures.unmet_without_help_domains == [
        "Seasonally appropriate clothing and shoes",
        "Medical care (prescriptions, dental, vision)",
        "Employment training or help",
    ]
    assert figures.unmet_days == 14
    assert figures.review_due_on == today_minus(5) + timedelta(days=30)
    assert figures.review_on_time is True
    overdue = case_needs_measures(community.b, categories=everything)
    assert (overdue.review_due_on, overdue.review_on_time) == (today_minus(10), False)
    assert (overdue.identified, overdue.met, overdue.median_days_to_met) == (2, 2, 10.0)


def test_one_case_tells_only_what_the_reader_may_see(community: Community) -> None:
    without_health = frozenset({"needs", "legal", "education", "placement"})
    figures = case_needs_measures(community.a, categories=without_health)
    assert (figures.identified, figures.open, figures.unmet_without_help) == (7, 5, 2)
    assert "Medical care (prescriptions, dental, vision)" not in figures.unmet_without_help_domains
    # No care-plan category: nothing about the plan.
    assert (figures.review_due_on, figures.review_on_time) == (None, None)
    nothing = case_needs_measures(community.a, categories=frozenset())
    assert (nothing.identified, nothing.open, nothing.met) == (0, 0, 0)
    assert nothing.median_days_to_met is None


def test_one_case_agrees_with_its_assessment_page(community: Community) -> None:
    """The lead's assessment page lists the needs waiting with nothing planned: the same."""
    actor = community.world.actor("casey")
    assessment = assessment_of(actor, community.a, audit=False)
    assert assessment is not None
    figures = case_needs_measures(community.a, categories=readable_categories(actor, community.a))
    page = sorted(n.domain.name for n in assessment.unmet_without_help)
    assert sorted(figures.unmet_without_help_domains) == page


def test_a_case_without_a_plan_or_needs(world: World) -> None:
    case = new_case(world)
    figures = case_needs_measures(case, categories=readable_categories(world.actor("casey"), case))
    assert (figures.identified, figures.open, figures.met, figures.unmet_without_help) == (0,) * 4
    assert (figures.median_days_to_met, figures.review_due_on, figures.review_on_time) == (
        None,
        None,
        None,
    )
